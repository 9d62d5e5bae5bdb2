"""The learned habit model: phrase labels, training, save/load, drafting, task and CLI."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.core.errors import ConfigError, InputError
from radlite.core.types import Report
from radlite.tasks import get_task
from radlite.tasks.impression.habit_model import (
    LearnedHabits,
    fit_habit_model,
    load_habit_model,
    phrase_label,
    shipped_habit_model,
    stock_phrases,
)
from radlite.tasks.impression.habits import mention_shares
from tests.conftest import write_csv

# Two writers with their own normal-findings templates, normal phrasing and layout.
WRITER_A = ("The heart is normal in size. The mediastinum is unremarkable. "
            "The lungs are clear{}.")
WRITER_B = ("Heart size and pulmonary vascularity within normal limits. No focal airspace "
            "disease{}. No pleural effusion or pneumothorax.")
TAILS = ("", " bilaterally", " without focal opacity", " and well expanded", " today")


def _pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    findings, impressions = [], []
    for i in range(n):
        tail = rng.choice(TAILS)
        if i % 2:
            findings.append(WRITER_A.format(tail))
            impressions.append("No active disease.")
        else:
            findings.append(WRITER_B.format(tail))
            impressions.append("1. No acute cardiopulmonary abnormality.")
    return findings, impressions


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("sklearn")
    findings, impressions = _pairs(40)
    impressions[0] = "Something else entirely."  # "none of the phrases" is a class too
    return fit_habit_model(findings, impressions, c=30.0)


def test_phrase_label_matches_leading_sentences() -> None:
    phrases = ("No acute disease.", "Clear lungs.", "Clear lungs. No acute disease.")
    assert phrase_label("no acute disease", phrases) == 0
    assert phrase_label("1. No acute disease. 2. Old rib fracture.", phrases) == 0
    assert phrase_label("Clear lungs.  No acute disease.", phrases) == 2  # the longest
    assert phrase_label("Clear lungs. Cardiomegaly.", phrases) == 1
    assert phrase_label("Cardiomegaly. No acute disease.", phrases) is None


def test_fit_predicts_each_writers_phrase_and_layout(model) -> None:
    assert set(model.phrases) == {"No active disease.", "No acute cardiopulmonary abnormality."}
    habits = LearnedHabits(model)
    new_a = WRITER_A.format(" and symmetric")
    new_b = WRITER_B.format(" seen")
    assert habits.draft(new_a) == "No active disease."
    assert habits.draft(new_b) == "No acute cardiopulmonary abnormality."
    assert not habits.writes_numbered(new_a)
    assert habits.writes_numbered(new_b)
    assert model.card["none_of_them"] == 1 and model.card["numbered"] == 19


def test_draft_keeps_findings_and_other_sites(model) -> None:
    habits = LearnedHabits(model)
    acute = "The heart is normal in size. Small left pleural effusion."
    assert habits.draft(acute) == "Small left pleural effusion."
    chronic = WRITER_A.format("") + " Mild cardiomegaly."
    assert habits.draft(chronic) == "No active disease. Mild cardiomegaly."
    head = "No intracranial hemorrhage. Ventricles are normal in size."
    assert habits.draft(head, body_site="head") == "No acute intracranial abnormality."
    assert not habits.writes_numbered(WRITER_B.format(""), body_site="head")


def test_non_acute_items_the_training_impressions_leave_out_are_left_out(model) -> None:
    findings = WRITER_A.format("") + " Mild cardiomegaly. Small left pleural effusion."
    assert "cardiomegaly" in LearnedHabits(model).draft(findings)  # no evidence: kept
    leaves_out = LearnedHabits(replace(model, concept_shares={"cardiomegaly": 0.2,
                                                              "effusion": 0.0}))
    assert leaves_out.draft(findings) == "Small left pleural effusion."  # acute: kept
    keeps = LearnedHabits(replace(model, concept_shares={"cardiomegaly": 0.6}))
    assert "cardiomegaly" in keeps.draft(findings)
    pairs = [("Mild cardiomegaly.", "Cardiomegaly."), ("Mild cardiomegaly.", "No active disease."),
             ("Small effusion.", "No active disease.")]
    assert mention_shares(pairs) == {"cardiomegaly": 0.5, "effusion": 0.0}


def test_the_model_fits_its_site_and_given_modality_only() -> None:
    shipped = LearnedHabits(shipped_habit_model())
    assert shipped.applies("chest") and shipped.applies("chest", "XR")
    assert not shipped.applies("chest", "CT") and not shipped.applies("abdomen")
    normal = "The lungs are clear. No effusion or pneumothorax. Heart size normal."
    task = get_task("impression")
    ct = task.parse(Report("r", normal, {"modality": "CT"}), "").values["impression"]
    assert ct == "No acute cardiopulmonary abnormality."
    given_xr = task.parse(Report("r", normal, {"modality": "cxr"}), "").values["impression"]
    assert given_xr == task.parse(Report("r", normal), "").values["impression"]


def test_save_load_round_trip_and_errors(model, tmp_path: Path) -> None:
    folder = model.save(tmp_path / "habits")
    loaded = load_habit_model(folder)
    text = WRITER_B.format(" today")
    assert loaded.phrases == model.phrases and loaded.hash and loaded.modality == "XR"
    assert loaded.concept_shares == model.concept_shares
    assert loaded.phrase_probs(text) == pytest.approx(model.phrase_probs(text), abs=1e-5)
    assert loaded.numbered_prob(text) == pytest.approx(model.numbered_prob(text), abs=1e-5)
    with pytest.raises(ConfigError, match="no habit model"):
        load_habit_model(tmp_path / "missing")
    card = json.loads((folder / "habits.json").read_text(encoding="utf-8"))
    card["phrases"] = card["phrases"][:1]
    (folder / "habits.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ConfigError, match="does not fit together"):
        load_habit_model(folder)


def test_spelling_vocabulary_travels_with_the_model(model, tmp_path: Path) -> None:
    loaded = load_habit_model(model.save(tmp_path / "habits"))
    typed = "The haert is normal in size. The mediastinum is unremarkabel. The lungs are clear."
    text, changes = loaded.speller.correct(typed)
    assert text == WRITER_A.format("")
    assert changes == [("haert", "heart"), ("unremarkabel", "unremarkable")]
    task = get_task("impression", habit_model=str(tmp_path / "habits"))
    record = task.parse(Report("r", typed), "")
    assert record.values["impression"] == "No active disease."
    assert record.extra["spelling_corrected"] == [list(c) for c in changes]
    off = get_task("impression", habit_model=str(tmp_path / "habits"), correct_spelling=False)
    assert off.parse(Report("r", typed), "").extra["spelling_corrected"] == []


def test_fit_rejects_bad_input() -> None:
    pytest.importorskip("sklearn")
    with pytest.raises(InputError, match="2 findings but 1"):
        fit_habit_model(["a", "b"], ["No active disease."])
    with pytest.raises(InputError, match="at least two"):
        fit_habit_model(["a", "b"], ["No active disease.", "No active disease."])


def test_shipped_model_and_task_default() -> None:
    shipped = shipped_habit_model()
    assert set(shipped.phrases) <= set(stock_phrases("chest"))
    assert "non-commercial" in shipped.card["note"] and shipped.card["n_pairs"] > 1000
    report = Report("r", "The lungs are clear. No effusion or pneumothorax. Heart size normal.")
    task = get_task("impression")
    assert task.parse(report, "").values["impression"] in shipped.phrases
    assert task.provenance()["habit_model"] == shipped.hash
    builtin = get_task("impression", habit_model="none")
    assert get_task("impression", habit_model=None).learned is not None  # None: the default
    assert builtin.parse(report, "").values["impression"] == "No acute cardiopulmonary abnormality."
    assert "habit_model" not in builtin.provenance()


def test_train_cli_then_impress_with_it(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from radlite.cli.impress import command as impress
    from radlite.cli.train import command as train

    findings, impressions = _pairs(30, seed=1)
    pairs = write_csv(tmp_path / "pairs.csv", ["findings", "impression"],
                      [list(p) for p in zip(findings, impressions, strict=True)])
    folder = tmp_path / "site-habits"
    result = CliRunner().invoke(train, ["impression-habits", "--pairs", str(pairs), "-o",
                                        str(folder), "--note", "test pairs"])
    assert result.exit_code == 0, result.output
    source = write_csv(tmp_path / "in.csv", ["id", "findings"],
                       [["a", WRITER_A.format(" today")], ["b", WRITER_B.format("")]])
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(impress, [str(source), "-o", str(out), "--no-progress",
                                          "--habit-model", str(folder)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["impression"] for r in rows] == ["No active disease.",
                                               "1. No acute cardiopulmonary abnormality."]
