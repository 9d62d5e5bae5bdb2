"""Summarize test fixtures: every test gets its own job registry (``RADLITE_HOME``)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _radlite_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "radlite-home"
    monkeypatch.setenv("RADLITE_HOME", str(home))
    return home
