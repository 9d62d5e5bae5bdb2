"""``radlite summarize`` under the job runner: resume, duplicate ids, malformed patients."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.cli.summarize import command
from radlite.core.errors import InputError
from radlite.pipeline.runner import RunOptions
from radlite.pipeline.store import JobStore
from radlite.pipeline.summarize_job import summarize_job
from radlite.tasks import get_task
from radlite.tasks.summarize import SummarizeTask, summarize_series


def _patient(number: int) -> dict:
    return {"patient_id": f"p{number}", "reports": [
        {"date": "2023-01-01", "modality": "CT", "impression": f"Liver lesion, {10 + number} mm."},
        {"date": "2024-01-01", "modality": "CT", "impression": f"Liver lesion, {14 + number} mm."},
    ]}


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


OPTIONS = RunOptions(batch_size=1, window=1, progress=False)


def test_registered_model_free_batched_task() -> None:
    task = get_task("summarize")
    assert isinstance(task, SummarizeTask) and task.batched and not task.needs_model


def test_output_matches_summarize_series(tmp_path: Path) -> None:
    patients = [_patient(i) for i in range(3)]
    out = tmp_path / "o.jsonl"
    summary = summarize_job(_write(tmp_path / "in.jsonl", patients), out, options=OPTIONS)
    assert (summary.done, summary.failed) == (3, 0)
    assert _rows(out) == [summarize_series(p) for p in patients]


def test_resume_skips_finished_patients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _write(tmp_path / "in.jsonl", [_patient(i) for i in range(5)])
    full = tmp_path / "full.jsonl"
    summarize_job(src, full, options=OPTIONS)

    original = SummarizeTask.run_batch
    seen: list[str] = []

    def interrupted(self, backend, reports):  # noqa: ANN001, ANN202
        if len(seen) == 2:
            raise KeyboardInterrupt
        seen.extend(r.id for r in reports)
        return original(self, backend, reports)

    out = tmp_path / "o.jsonl"
    monkeypatch.setattr(SummarizeTask, "run_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        summarize_job(src, out, options=OPTIONS)
    assert not out.exists()

    seen.clear()
    monkeypatch.setattr(SummarizeTask, "run_batch",
                        lambda self, b, r: seen.extend(x.id for x in r) or original(self, b, r))
    summary = summarize_job(src, out, options=OPTIONS)
    assert summary.skipped == 2 and summary.done == 3
    assert seen == ["p2", "p3", "p4"]
    assert out.read_text("utf-8") == full.read_text("utf-8")


def test_duplicate_patient_ids_rejected_before_work(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [_patient(1), _patient(2), _patient(1)])
    out = tmp_path / "o.jsonl"
    with pytest.raises(InputError, match="duplicate patient ids.*p1"):
        summarize_job(src, out, options=OPTIONS)
    assert not out.exists()
    assert not (tmp_path / "o.jsonl.job.sqlite").exists()


def test_malformed_patient_becomes_failed_record(tmp_path: Path) -> None:
    no_date = {"patient_id": "nodate", "reports": [{"impression": "Liver lesion, 9 mm."}]}
    rows = [_patient(1), {"patient_id": "empty", "reports": []}, no_date,
            {"patient_id": "notlist", "reports": "x"}, _patient(2)]
    src = _write(tmp_path / "in.jsonl", rows)
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(command, [str(src), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    got = {r["patient_id"]: r for r in _rows(out)}
    assert [r["patient_id"] for r in _rows(out)] == ["p1", "empty", "nodate", "notlist", "p2"]
    assert got["p1"] == summarize_series(_patient(1))
    assert got["empty"]["status"] == "failed" and "'reports' is empty" in got["empty"]["error"]
    assert got["nodate"]["status"] == "failed" and "report 1 has no 'date'" in got["nodate"]["error"]
    assert "not a list" in got["notlist"]["error"]
    with JobStore(tmp_path / "o.jsonl.job.sqlite") as store:
        assert store.counts() == {"ok": 2, "failed": 3}
