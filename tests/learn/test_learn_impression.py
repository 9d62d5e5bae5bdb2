"""Learning a reader's impression habits: the layout profile, the learner, --reader."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.cli.main import cli
from radlite.core.errors import ConfigError
from radlite.core.types import Report
from radlite.learn.compare import rouge_l, text_counts
from radlite.learn.cycle import learn
from radlite.learn.data import LearnSet
from radlite.learn.registry import AdapterRegistry
from radlite.tasks.impression.profile import StyleProfile, learn_profile, load_profile
from radlite.tasks.impression.task import ImpressionTask

CLOSING = "Clinical correlation recommended."
FINDINGS = [
    ("Heart size is enlarged. Small left pleural effusion.", "Cardiomegaly. Small left effusion."),
    ("Right lower lobe consolidation. No pneumothorax.", "Right lower lobe pneumonia."),
    ("Lungs are clear. No effusion. Heart size normal.", "No acute cardiopulmonary disease."),
    ("Mild cardiomegaly. Lungs clear.", "Mild cardiomegaly."),
]


def _site(impression: str) -> str:
    items = [s.strip() + ("" if s.strip().endswith(".") else ".")
             for s in impression.split(".") if s.strip()] + [CLOSING]
    return "\n".join(f"{i}. {s}" for i, s in enumerate(items, 1))


def _data(n: int) -> LearnSet:
    rows = [FINDINGS[i % len(FINDINGS)] for i in range(n)]
    return LearnSet([f"r{i}" for i in range(n)], [f for f, _ in rows],
                    [{"impression": _site(imp)} for _, imp in rows], ["impression"])


def test_profile_learns_numbered_lists_and_a_closing_recommendation() -> None:
    profile = learn_profile([_site(imp) for _, imp in FINDINGS])
    assert profile.numbered and profile.closing == CLOSING
    laid_out = profile.apply("Cardiomegaly. Small left effusion.")
    assert laid_out == f"1. Cardiomegaly.\n2. Small left effusion.\n3. {CLOSING}"
    assert profile.apply(laid_out) == laid_out  # the closing is added once


def test_profile_never_adopts_findings_numbers_or_a_usual_normal_line() -> None:
    normal_site = ["No acute cardiopulmonary abnormality."] * 6 + [
        "Mild cardiomegaly. No acute cardiopulmonary abnormality."]
    assert learn_profile(normal_site).closing is None
    dated = ["1. Nodule.\n2. Follow-up CT in 3 months."] * 4
    assert learn_profile(dated).closing is None and learn_profile(dated).numbered
    prose = ["Cardiomegaly. Small effusion.", "Pneumonia.", "Clear lungs. Normal heart."]
    assert learn_profile(prose) == StyleProfile(False, None, learn_profile(prose).evidence)


def test_task_applies_a_saved_profile(tmp_path: Path) -> None:
    path = learn_profile([_site(imp) for _, imp in FINDINGS]).save(tmp_path / "p.json")
    task = ImpressionTask(profile=str(path))
    record = task.run_batch(None, [Report("a", FINDINGS[0][0])])[0]
    assert record.values["impression"].startswith("1. ")
    assert record.values["impression"].endswith(CLOSING)
    assert task.provenance()["profile"] == {"numbered": True, "closing": CLOSING}
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a style profile"):
        load_profile(tmp_path / "bad.json")


def test_rouge_l_and_text_counts() -> None:
    assert rouge_l("the cat sat", "the cat sat") == 1.0
    assert rouge_l("a b c", "c b a") == pytest.approx(1 / 3)
    assert rouge_l("", "x") == 0.0
    data = _data(2)
    task = ImpressionTask()
    counts = text_counts(task.run_batch(None, data.reports()), data)
    assert counts.shape == (2, 4) and (counts[:, 2] == 0).all()  # default layout differs


def test_reader_habits_are_learnt_promoted_and_used_by_impress(tmp_path: Path) -> None:
    registry_dir = tmp_path / "registry"
    result = learn("impression", _data(40), registry=AdapterRegistry(registry_dir),
                   site="site-a", reader="dr-b", options={})
    assert result.promoted, result.reason
    assert result.after["layout_agreement"] == 1.0 > result.before["layout_agreement"]
    findings = tmp_path / "f.csv"
    with findings.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "findings"], ["x", FINDINGS[1][0]]])
    runner = CliRunner()
    for reader, numbered in (("dr-b", True), ("dr-c", False)):
        out = tmp_path / f"{reader}.jsonl"
        ran = runner.invoke(cli, ["impress", str(findings), "-o", str(out), "--site", "site-a",
                                  "--reader", reader, "--registry", str(registry_dir),
                                  "--no-progress"])
        assert ran.exit_code == 0, ran.output
        text = json.loads(out.read_text(encoding="utf-8"))["values"]["impression"]
        assert text.endswith(CLOSING) is numbered  # dr-c has no habits and the site none
