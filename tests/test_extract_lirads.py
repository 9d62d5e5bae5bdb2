"""End-to-end LI-RADS extraction through the library call, with the scripted backend."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from radlite.backends.scripted import ScriptedBackend
from radlite.core.errors import InputError
from radlite.core.generation import GenerationResult
from radlite.pipeline.extract import InputSpec, extract, job_store_path
from radlite.pipeline.runner import RunOptions
from radlite.schemas import lirads_features
from radlite.tasks.lirads.format import BINARY, format_compact
from tests.conftest import write_csv

GOOD = format_compact({"size": 23, "location": 8, **{b: 0 for b in BINARY}, "aphe": 1})
REPORT = "A 2.3 cm arterial enhancing nodule in S8."
QUIET = RunOptions(progress=False, window=1)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _run(tmp_path: Path, rows: list[list[str]], backend: ScriptedBackend, fmt: str = "wide",
         **kwargs) -> tuple[Path, object]:
    source = write_csv(tmp_path / "in.csv", ["id", "report"], rows)
    out = tmp_path / f"out.{'jsonl' if fmt == 'jsonl' else 'csv'}"
    summary = extract("lirads", InputSpec(source), out, fmt=fmt, backend=backend,
                      options=kwargs.pop("options", QUIET), **kwargs)
    return out, summary


def test_wide_output_has_spec_columns_and_evidence(tmp_path: Path) -> None:
    out, summary = _run(tmp_path, [["r1", REPORT]], ScriptedBackend([GOOD]))
    (row,) = _rows(out)
    assert list(row)[:13] == ["id", *lirads_features()]
    assert (row["size"], row["location"], row["aphe"], row["status"]) == ("23", "8", "1", "ok")
    evidence = json.loads(row["evidence"])
    assert evidence["size"][0][:2] == [REPORT.index("2.3 cm"), REPORT.index("2.3 cm") + 6]
    assert summary.done == 1 and summary.failed == 0


def test_jsonl_carries_provenance_and_index_lesion(tmp_path: Path) -> None:
    out, _ = _run(tmp_path, [["r1", REPORT]], ScriptedBackend([GOOD], model="m-1"), fmt="jsonl")
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["provenance"]["task"] == "lirads"
    assert record["provenance"]["template_version"] == "compact-v1"
    assert record["provenance"]["model_id"] == "m-1"
    assert record["extra"]["index_lesion"]["text"] == REPORT
    assert record["evidence"]["aphe"][0]["text"] == "arterial enhancing"


def test_long_output_file_and_folder(tmp_path: Path) -> None:
    out, _ = _run(tmp_path, [["r1", REPORT]], ScriptedBackend([GOOD]), fmt="long")
    rows = _rows(out)
    assert [r["feature"] for r in rows] == lirads_features()
    folder = tmp_path / "long"
    source = write_csv(tmp_path / "in2.csv", ["id", "report"], [["a/b", REPORT]])
    extract("lirads", InputSpec(source), folder, fmt="long", backend=ScriptedBackend([GOOD]),
            options=QUIET)
    lines = (folder / "a_b.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "feature,value" and lines[1] == "size,23" and len(lines) == 13


def test_garbage_answers_are_retried_then_failed_with_reason(tmp_path: Path) -> None:
    backend = ScriptedBackend(["lorem ipsum", "size=5", GOOD, "??", "??", "??"])
    out, summary = _run(tmp_path, [["ok-after-retries", REPORT], ["never", REPORT]], backend,
                        options=RunOptions(progress=False, window=1, batch_size=1, retries=2))
    rows = {r["id"]: r for r in _rows(out)}
    assert rows["ok-after-retries"]["status"] == "ok"
    assert rows["never"]["status"] == "failed"
    assert "no valid answer after 3 attempts" in rows["never"]["error"]
    assert backend.requests[1].temperature > 0  # retries sample
    assert summary.done == 1 and summary.failed == 1


def test_bad_reports_fail_specifically_and_the_rest_continue(tmp_path: Path) -> None:
    rows = [["empty", "  "], ["huge", "x" * 200_000], ["fine", REPORT]]
    out, summary = _run(tmp_path, rows, ScriptedBackend([GOOD]))
    result = {r["id"]: r for r in _rows(out)}
    assert result["empty"]["error"].startswith("empty report")
    assert "200000 characters" in result["huge"]["error"]
    assert result["fine"]["status"] == "ok"
    assert (summary.done, summary.failed) == (1, 2)


def test_non_utf8_row_fails_with_encoding_hint(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,report\nk1," + "간경변".encode("cp949") + b"\nk2,fine\n")
    out = tmp_path / "out.csv"
    extract("lirads", InputSpec(source), out, backend=ScriptedBackend([GOOD]), options=QUIET)
    result = {r["id"]: r for r in _rows(out)}
    assert "not valid utf-8" in result["k1"]["error"] and result["k2"]["status"] == "ok"


def test_server_timeout_becomes_a_failure_reason(tmp_path: Path) -> None:
    timeout = GenerationResult(error="server timed out after 5s (3 attempts)")
    out, _ = _run(tmp_path, [["t", REPORT]], ScriptedBackend([timeout, timeout, timeout]))
    (row,) = _rows(out)
    assert row["status"] == "failed" and "server timed out" in row["error"]


def test_duplicate_ids_stop_before_any_work(tmp_path: Path) -> None:
    backend = ScriptedBackend()
    with pytest.raises(InputError, match="duplicate report ids"):
        _run(tmp_path, [["d", REPORT], ["d", REPORT]], backend)
    assert backend.requests == []


def test_rerun_resumes_without_redoing_finished_reports(tmp_path: Path) -> None:
    rows = [["a", REPORT], ["b", REPORT]]
    out, _ = _run(tmp_path, rows, ScriptedBackend([GOOD, GOOD]))
    first = out.read_bytes()
    again = ScriptedBackend()
    _, summary = _run(tmp_path, rows, again)
    assert again.requests == [] and summary.skipped == 2
    assert out.read_bytes() == first
    assert job_store_path(out).exists()
