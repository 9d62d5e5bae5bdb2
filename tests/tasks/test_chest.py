"""Chest task: rules baseline, label mappings, verify mode (scripted), Open-i smoke."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from radlite.backends.scripted import ScriptedBackend
from radlite.core.types import Report
from radlite.tasks.chest import ChestTask
from radlite.tasks.chest.rules import label_report

OPENI = Path(__file__).resolve().parents[3] / "shared/data/openi-dev/openi_dev.csv"
TEXT = ("Heart size is mildly enlarged. Small left pleural effusion. No pneumothorax. "
        "Possible right lower lobe pneumonia.")


def test_chexpert_values() -> None:
    v = label_report(TEXT)
    assert v["Cardiomegaly"] == 1 and v["Pleural Effusion"] == 1
    assert v["Pneumothorax"] == 0 and v["Pneumonia"] == -1
    assert v["Fracture"] is None and v["No Finding"] is None
    assert label_report("The lungs are clear. No pneumothorax.")["No Finding"] == 1


def test_chestxray14_values_and_columns() -> None:
    task = ChestTask(mode="rules", labels="chestxray14")
    assert task.columns() == ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass",
                              "Nodule", "Pneumonia", "Pneumothorax", "Consolidation", "Edema",
                              "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia", "normal"]
    v = task.run_batch(None, [Report("a", TEXT)])[0].values
    assert v["Cardiomegaly"] == 1 and v["Effusion"] == 1
    assert v["Pneumonia"] == 0  # Open-i codes stated findings only
    assert v["normal"] == 0
    clear = task.run_batch(None, [Report("b", "No acute cardiopulmonary disease.")])[0]
    assert clear.values["normal"] == 1


def test_cardiomegaly_negation_inside_phrase() -> None:
    assert label_report("The cardiac silhouette is not enlarged.")["Cardiomegaly"] == 0


def test_verify_mode_asks_one_question_per_mention() -> None:
    backend = ScriptedBackend(responder=lambda r: "no")
    record = ChestTask(mode="verify").run_batch(backend, [Report("a", TEXT)])[0]
    assert len(backend.requests) == 4
    assert record.values["Cardiomegaly"] == 0 and record.values["No Finding"] == 1
    assert all(r.regex == "(yes|no|maybe)" for r in backend.requests)


@pytest.mark.skipif(not OPENI.exists(), reason="Open-i development data not available")
def test_openi_rules_smoke() -> None:
    with OPENI.open(encoding="utf-8") as handle:
        rows = list(itertools.islice(csv.DictReader(handle), 200))
    task = ChestTask(mode="rules", labels="chestxray14")
    reports = [Report(r["uid"], (r["findings"] + " " + r["impression"]).strip()) for r in rows]
    records = task.run_batch(None, reports)
    hits = sum(int(r[c]) == int(rec.values.get(c) or 0)
               for r, rec in zip(rows, records, strict=True) for c in task.columns()[:14])
    assert hits / (len(rows) * 14) > 0.95
