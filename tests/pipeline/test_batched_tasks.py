"""Batched tasks (abdct, chest) under the job runner: resume, failures, CLI, ``radlite jobs``.

Only the rules modes and scripted backends run here; no model is loaded.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.backends.null import NullBackend
from radlite.backends.scripted import ScriptedBackend
from radlite.cli.main import cli, main
from radlite.core.errors import BackendError
from radlite.core.generation import GenerationRequest
from radlite.core.io import read_reports
from radlite.core.types import Record, Report
from radlite.pipeline import extract as extract_module
from radlite.pipeline.extract import InputSpec, extract, job_store_path
from radlite.pipeline.runner import RunOptions
from radlite.pipeline.store import JobStore
from radlite.pipeline.writers import write_wide
from radlite.synth import generate
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.chest import ChestTask

N = 24
OPTIONS = RunOptions(progress=False, batch_size=3)
FINDINGS = ("Liver: A hepatic cyst.", "Spleen: Possible splenomegaly.",
            "Kidneys: Moderate left hydronephrosis.", "Pancreas: A pancreatic mass.")


def write_input(path: Path, rows: Sequence[tuple[str, str]]) -> Path:
    """A CSV with ``id`` and ``report`` columns."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "report"])
        writer.writerows(rows)
    return path


def synth_input(path: Path, task: str, n: int = N) -> Path:
    """``n`` synthetic reports of ``task`` (deterministic)."""
    return write_input(path, [(r["id"], r["report"]) for r in generate(task, n, 7)])


def certainty_answer(request: GenerationRequest) -> str:
    """A deterministic answer to an abdct certainty question."""
    return ("stated", "possible", "absent")[len(request.messages[-1]["content"]) % 3]


class _Interrupted(ScriptedBackend):
    """Answers ``calls`` backend calls, then raises KeyboardInterrupt (a stopped job)."""

    def __init__(self, calls: int) -> None:
        super().__init__(responder=certainty_answer)
        self.left = calls

    def generate(self, requests):  # noqa: ANN001, ANN201 - same as the base class
        if self.left <= 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().generate(requests)


class _Down(ScriptedBackend):
    """A backend that is unusable on every call."""

    def generate(self, requests):  # noqa: ANN001, ANN201 - same as the base class
        raise BackendError("simulated outage")


class _Fragile(AbdctTask):
    """Rules abdct that crashes on reports saying BOOM and forgets reports saying LOST."""

    def run_batch(self, backend, reports):  # noqa: ANN001, ANN201 - same as the base class
        if any("BOOM" in r.text for r in reports):
            raise ValueError("cannot label this report")
        return [r for r in super().run_batch(backend, reports) if r.id != "lost"]


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to load a model backend."""
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a model backend was loaded for a model-free mode")
    monkeypatch.setattr(extract_module, "resolve_backend", refuse)
    monkeypatch.setattr(extract_module, "load_backend", refuse)


def _committed(store: Path) -> set[str]:
    with sqlite3.connect(store) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM records")}


def test_interrupted_abdct_job_resumes_to_the_uninterrupted_output(tmp_path: Path) -> None:
    source = synth_input(tmp_path / "in.csv", "abdct")
    task_options = {"mode": "fast"}
    out = tmp_path / "stopped" / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        extract("abdct", InputSpec(source), out, fmt="jsonl", backend=_Interrupted(4),
                options=OPTIONS, task_options=task_options)
    finished = _committed(job_store_path(out))
    assert 0 < len(finished) < N
    assert not out.exists()  # outputs appear only at the end

    backend = ScriptedBackend(responder=certainty_answer)
    summary = extract("abdct", InputSpec(source), out, fmt="jsonl", backend=backend,
                      options=OPTIONS, task_options=task_options)
    assert summary.skipped == len(finished) and summary.done == N - len(finished)
    assert summary.backend_calls > 0
    # finished reports are not asked about again
    reports = list(read_reports(source))
    probe = ScriptedBackend(responder=certainty_answer)
    AbdctTask(mode="fast").run_batch(probe, [r for r in reports if r.id not in finished])
    assert len(backend.requests) == len(probe.requests)

    clean = tmp_path / "clean" / "out.jsonl"
    extract("abdct", InputSpec(source), clean, fmt="jsonl",
            backend=ScriptedBackend(responder=certainty_answer), options=OPTIONS,
            task_options=task_options)
    assert out.read_bytes() == clean.read_bytes()


def test_duplicate_ids_stop_the_job_before_any_work(tmp_path: Path, no_model: None,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = write_input(tmp_path / "in.csv", [("a", FINDINGS[0]), ("b", FINDINGS[1]),
                                               ("a", FINDINGS[2])])
    out = tmp_path / "out.csv"
    assert main(["extract", "abdct", str(source), "-o", str(out), "--no-progress"]) == 2
    assert "duplicate report ids" in capsys.readouterr().err
    assert not out.exists() and not job_store_path(out).exists()


def test_backend_outage_fails_the_batch_with_reasons(tmp_path: Path) -> None:
    rows = [(f"r{i}", FINDINGS[i % 4]) for i in range(5)] + [("empty", " ")]
    source = write_input(tmp_path / "in.csv", rows)
    out = tmp_path / "out.jsonl"
    backend = _Down()
    summary = extract("abdct", InputSpec(source), out, fmt="jsonl", backend=backend,
                      options=RunOptions(progress=False, batch_size=2, retries=1),
                      task_options={"mode": "staged"})
    assert summary.done == 0 and summary.failed == 6
    with JobStore(job_store_path(out)) as store:
        errors = dict(store.failures())
    assert errors.pop("empty").startswith("empty report")
    assert set(errors) == {f"r{i}" for i in range(5)}
    assert all(e == "backend error after 2 attempts: simulated outage" for e in errors.values())


def test_task_errors_fail_only_their_reports(tmp_path: Path) -> None:
    rows = [("a", FINDINGS[0]), ("boom", "Liver: BOOM."), ("b", FINDINGS[1]), ("lost", FINDINGS[2])]
    out = tmp_path / "out.jsonl"
    summary = extract(_Fragile(), InputSpec(write_input(tmp_path / "in.csv", rows)), out,
                      fmt="jsonl", options=RunOptions(progress=False, batch_size=4))
    assert (summary.done, summary.failed) == (2, 2)
    records = {r.id: r for r in map(Record.from_dict, _jsonl(out))}
    assert records["boom"].error == "task error: ValueError: cannot label this report"
    assert records["lost"].error == "task error: the task returned no record for this report"
    assert records["a"].status == "ok" and records["a"].provenance["model_id"] == "none"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(("task", "args"), [
    ("abdct", []), ("abdct", ["--organ", "liver", "--organ", "spleen"]),
    ("chest", []), ("chest", ["--labels", "chestxray14"]),
])
def test_cli_rules_output_is_the_tasks_run_batch(tmp_path: Path, no_model: None, task: str,
                                                 args: list[str]) -> None:
    source = synth_input(tmp_path / "in.csv", task, 12)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["extract", task, str(source), "-o", str(out),
                                      "--no-progress", "--batch-size", "5", *args])
    assert result.exit_code == 0, result.output
    obj = (AbdctTask(organs=args[1::2] or None) if task == "abdct"
           else ChestTask(labels=args[1] if args else "chexpert"))
    expected = tmp_path / "expected.csv"
    write_wide(obj, obj.run_batch(None, list(read_reports(source))), expected)
    assert out.read_bytes() == expected.read_bytes()


def test_jobs_list_show_export_retry_an_abdct_job(tmp_path: Path, no_model: None) -> None:
    rows = [(f"r{i}", FINDINGS[i % 4]) for i in range(4)] + [("empty", "")]
    source = write_input(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    runner = CliRunner()
    done = runner.invoke(cli, ["extract", "abdct", str(source), "-o", str(out), "--no-progress"])
    assert done.exit_code == 0, done.output
    assert "4 done, 1 failed, 0 already finished (of 5)" in done.output
    store = job_store_path(out)

    listed = runner.invoke(cli, ["jobs", "list"])
    line = next(s for s in listed.output.splitlines() if str(store) in s)
    assert line.split()[:4] == ["complete", "abdct", "5/5", "1"]
    shown = runner.invoke(cli, ["jobs", "show", str(store)])
    assert "4 ok, 1 failed" in shown.output and "empty report" in shown.output

    exported = tmp_path / "export.csv"
    assert runner.invoke(cli, ["jobs", "export", str(store), "-o", str(exported)]).exit_code == 0
    assert exported.read_bytes() == out.read_bytes()
    retried = runner.invoke(cli, ["jobs", "retry", str(store), "--no-progress"])
    assert retried.exit_code == 0, retried.output
    assert "0 done, 1 failed, 4 already finished" in retried.output

    again = runner.invoke(cli, ["extract", "abdct", str(source), "-o", str(out),
                                "--no-progress", "--backend", "transformers", "--model", "x"])
    assert "0 done, 0 failed, 5 already finished" in again.output  # rules: backend irrelevant


def test_model_free_mode_runs_on_the_null_backend() -> None:
    task = ChestTask()
    assert not task.needs_model and task.batched
    assert isinstance(extract_module.model_backend(task, None), NullBackend)
    assert not isinstance(extract_module.model_backend(ChestTask(mode="verify"), None),
                          NullBackend)
    with pytest.raises(BackendError):
        NullBackend().generate([])
    record = task.run_batch(NullBackend(), [Report("a", "No pneumothorax.")])[0]
    assert record.values["Pneumothorax"] == 0
