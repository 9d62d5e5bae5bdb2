"""``radlite jobs list|show|retry|export`` on a job with failures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.backends import registry
from radlite.backends.scripted import ScriptedBackend
from radlite.cli.jobs import command
from radlite.pipeline.extract import BackendSpec, InputSpec, extract
from radlite.pipeline.runner import RunOptions
from tests.pipeline.helpers import lirads_answer, write_reports


class _FailsOdd(ScriptedBackend):
    """Garbage for odd report numbers on the first run; good answers once ``healed``."""

    healed = False

    def __init__(self, **_: object) -> None:
        super().__init__(responder=self._answer_for)

    def _answer_for(self, request):  # noqa: ANN001, ANN202
        number = int(request.key[1:])
        return lirads_answer(request) if self.healed or number % 2 == 0 else "garbage"


@pytest.fixture
def failing_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(registry.BACKENDS, "fails_odd", f"{__name__}:_FailsOdd")
    source = write_reports(tmp_path / "in.csv", 6)
    out = tmp_path / "out.csv"
    extract("lirads", InputSpec(source), out, backend=BackendSpec("fails_odd"),
            options=RunOptions(progress=False, retries=0))
    return out.with_name("out.csv.job.sqlite")


def test_list_show_export_and_retry(failing_job: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(command, ["list"])
    assert listed.exit_code == 0 and str(failing_job) in listed.output
    assert "6/6" in listed.output
    shown = runner.invoke(command, ["show", str(failing_job)])
    assert "3 ok, 3 failed" in shown.output and "r000001" in shown.output

    failed_csv = tmp_path / "failed.csv"
    exported = runner.invoke(command, ["export", str(failing_job), "-o", str(failed_csv),
                                       "--status", "failed"])
    assert exported.exit_code == 0, exported.output
    with failed_csv.open(newline="", encoding="utf-8") as handle:
        assert [r["id"] for r in csv.DictReader(handle)] == ["r000001", "r000003", "r000005"]

    _FailsOdd.healed = True
    try:
        retried = runner.invoke(command, ["retry", str(failing_job), "--no-progress"])
    finally:
        _FailsOdd.healed = False
    assert retried.exit_code == 0, retried.output
    assert "3 done, 0 failed, 3 already finished" in retried.output
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as handle:
        assert {r["status"] for r in csv.DictReader(handle)} == {"ok"}
