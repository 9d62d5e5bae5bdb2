"""Failure handling: a flaky backend, unwritable outputs, a full disk, duplicate ids."""

from __future__ import annotations

import csv
from collections import namedtuple
from pathlib import Path

import pytest

from radlite.backends.scripted import ScriptedBackend
from radlite.core.errors import BackendError, InputError
from radlite.pipeline import checks
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from tests.pipeline.helpers import FlakyBackend, lirads_answer, write_reports

OPTIONS = RunOptions(progress=False, batch_size=4)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_backend_failing_every_third_call_still_finishes_every_report(tmp_path: Path) -> None:
    source = write_reports(tmp_path / "in.csv", 30)
    flaky = FlakyBackend()
    summary = extract("lirads", InputSpec(source), tmp_path / "flaky.csv", backend=flaky,
                      options=OPTIONS)
    assert flaky.calls > 8 and summary.failed == 0 and summary.done == 30
    extract("lirads", InputSpec(source), tmp_path / "clean.csv",
            backend=ScriptedBackend(responder=lirads_answer), options=OPTIONS)
    flaky_rows, clean_rows = _rows(tmp_path / "flaky.csv"), _rows(tmp_path / "clean.csv")
    assert [r["size"] for r in flaky_rows] == [r["size"] for r in clean_rows]


def test_backend_that_always_fails_gives_failures_with_reason(tmp_path: Path) -> None:
    source = write_reports(tmp_path / "in.csv", 3)
    summary = extract("lirads", InputSpec(source), tmp_path / "out.csv", backend=_Down(),
                      options=RunOptions(progress=False, retries=1))
    assert summary.failed == 3
    assert all("backend error: down" in r["error"] for r in _rows(tmp_path / "out.csv"))


class _Down(ScriptedBackend):
    def generate(self, requests):  # noqa: ANN001, ANN201
        raise BackendError("down")


class _Untouchable(ScriptedBackend):
    def generate(self, requests):  # noqa: ANN001, ANN201
        raise AssertionError("work started before the output check")


def test_unwritable_output_fails_before_any_work(tmp_path: Path) -> None:
    source = write_reports(tmp_path / "in.csv", 5)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot write output to"):
        extract("lirads", InputSpec(source), blocker / "out.csv", backend=_Untouchable(),
                options=OPTIONS)


def test_unwritable_job_store_fails_before_any_work(tmp_path: Path) -> None:
    source = write_reports(tmp_path / "in.csv", 5)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(InputError, match="cannot write the job store"):
        extract("lirads", InputSpec(source), tmp_path / "out.csv", backend=_Untouchable(),
                options=OPTIONS, job_store=blocker / "job.sqlite")


def test_full_disk_fails_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_reports(tmp_path / "in.csv", 5)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(checks.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 4096))
    with pytest.raises(InputError, match="not enough free disk space"):
        extract("lirads", InputSpec(source), tmp_path / "out.csv", backend=_Untouchable(),
                options=OPTIONS)
    assert not (tmp_path / "out.csv.job.sqlite").exists()


def test_duplicate_ids_fail_before_any_work(tmp_path: Path) -> None:
    source = tmp_path / "dup.csv"
    source.write_text("id,report\na,x y\nb,x y\na,x z\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate report ids"):
        extract("lirads", InputSpec(source), tmp_path / "out.csv", backend=_Untouchable(),
                options=OPTIONS)


def test_changed_job_is_refused_and_restart_discards(tmp_path: Path) -> None:
    source = write_reports(tmp_path / "in.csv", 4)
    out = tmp_path / "out.csv"
    extract("lirads", InputSpec(source), out, backend=ScriptedBackend(responder=lirads_answer),
            options=OPTIONS)
    other = ScriptedBackend(responder=lirads_answer, model="other-model")
    with pytest.raises(InputError, match="different job"):
        extract("lirads", InputSpec(source), out, backend=other, options=OPTIONS)
    summary = extract("lirads", InputSpec(source), out, backend=other, options=OPTIONS,
                      restart=True)
    assert summary.done == 4 and summary.skipped == 0
