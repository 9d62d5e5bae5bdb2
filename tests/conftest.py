"""Shared fixtures. Real-model fixtures are session-scoped: the model loads once."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """Write a small UTF-8 CSV fixture."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def builtin_backend():
    """The real embedded model (SmolLM2-135M) without adapter, loaded once per session."""
    from radlite.backends import load_backend

    torch = pytest.importorskip("torch")
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    return load_backend("builtin", batch_size=4)


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA
