"""Checks run before any work starts: can the outputs and the job store be written?

A full disk or an unwritable folder must fail in the first second with a clear message,
not after hours of model time. Free space is estimated from the report count: each
report needs at most a few kilobytes in the job store plus its output row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from radlite.core.errors import InputError
from radlite.core.io import check_writable

BYTES_PER_REPORT = 4096
MIN_FREE_BYTES = 1 << 20


def _existing_parent(path: Path) -> Path:
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_free_space(path: Path, reports: int) -> None:
    """Fail when the disk holding ``path`` cannot take the job's outputs.

    Raises:
        InputError: less free space than about ``reports x 4 KB`` (at least 1 MB).
    """
    needed = max(MIN_FREE_BYTES, reports * BYTES_PER_REPORT)
    folder = _existing_parent(Path(path))
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # unknown filesystems: the write check still runs
    if free < needed:
        raise InputError(
            f"not enough free disk space for {path}: about {needed / 1e6:.1f} MB needed for "
            f"{reports} reports, {free / 1e6:.1f} MB free on {folder}"
        )


def check_outputs(output: Path, store_path: Path, reports: int) -> None:
    """Check the output and the job store can be written and have room.

    Raises:
        InputError: with the path and the reason.
    """
    check_writable(output)
    try:
        check_writable(store_path)
    except InputError as exc:
        raise InputError(f"cannot write the job store: {exc} (choose --job-store)") from exc
    check_free_space(output, reports)
    if _existing_parent(store_path) != _existing_parent(output):
        check_free_space(store_path, reports)
