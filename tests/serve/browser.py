"""The real-browser tests' guard: skip the calling test module without Chromium or
Playwright, else give Playwright's sync API."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("RADLITE_CHROMIUM", "/usr/bin/chromium")


def require_browser() -> Any:
    """Playwright's ``sync_api``; skips the whole calling module when it cannot run."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install playwright)")
