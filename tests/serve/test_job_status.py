"""A status poll while the worker is still creating the job store answers, not 500s."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from radlite.serve import jobs


def test_a_busy_store_reports_no_progress_yet(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    manager = jobs.JobManager(tmp_path, runtime=None)  # type: ignore[arg-type]
    folder = manager.root / "job-1"
    folder.mkdir()
    (folder / "job.json").write_text(json.dumps({"id": "job-1", "state": "running"}))
    (folder / "job.sqlite").write_bytes(b"")  # the worker has just created the file

    def busy(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(jobs, "JobStore", busy)
    info = manager.describe("job-1")
    assert info["state"] == "running" and (info["done"], info["failed"]) == (0, 0)
