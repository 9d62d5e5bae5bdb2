"""Shared fixtures. Real-model fixtures are session-scoped: the model loads once."""

from __future__ import annotations

import csv
import os
import sys
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


@pytest.fixture
def toy_task():
    """The toy task of ``tests/toy_task`` registered for one test (issue 19's contract).

    ``tests/`` goes on ``sys.path`` so that ``toy_task`` imports like a site's own package.
    """
    if str(Path(__file__).parent) not in sys.path:
        sys.path.insert(0, str(Path(__file__).parent))
    from toy_task import SPEC

    from radlite.tasks import registry

    registry.register(SPEC)
    yield SPEC
    registry.unregister(SPEC.name)
