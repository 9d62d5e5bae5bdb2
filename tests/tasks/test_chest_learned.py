"""Chest ``learned`` mode: candidates, the head file format, training, the shipped head."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from radlite.cli.main import cli
from radlite.core.errors import ConfigError, InputError
from radlite.core.types import Report
from radlite.tasks.chest import ChestTask
from radlite.tasks.chest.head import (
    ChestHead,
    candidates,
    dense_features,
    feature_width,
    load_head,
    pattern_keys,
)
from radlite.tasks.chest.mentions import find_mentions

LABELS = ("Atelectasis", "Effusion")


def _labelled_csv(path: Path) -> Path:
    """Training reports where 'volume loss' is never coded as atelectasis (a convention)."""
    sides = ["left", "right", "bibasilar", "left basilar", "right basilar", "lingular"]
    rows = []
    for i, side in enumerate(sides * 4):
        rows.append((f"a{i}", f"There is {side} atelectasis. Heart size normal.", 1, 0))
        rows.append((f"v{i}", f"Mild {side} volume loss. Heart size normal.", 0, 0))
        rows.append((f"e{i}", f"Small {side} pleural effusion.", 0, 1))
        rows.append((f"n{i}", f"No {side} pleural effusion. No atelectasis.", 0, 0))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "report", *LABELS])
        writer.writerows(rows)
    return path


def test_candidates_group_mentions_by_label() -> None:
    text = "Small left pleural effusion. Left basilar atelectasis. No pneumothorax."
    cands = candidates(text, find_mentions(text), ["Atelectasis", "Effusion", "Pneumothorax"])
    assert [c.label for c in cands] == ["Atelectasis", "Effusion", "Pneumothorax"]
    assert cands[1].text == "Small left pleural effusion"
    assert pattern_keys(text, cands[0]) == {"Atelectasis|atelectasis|0"}
    row = dense_features(np.ones(4, dtype=np.float32), cands[2], LABELS + ("Pneumothorax",))
    assert row.shape == (feature_width(3, 4),)


def test_default_modes_and_refusals() -> None:
    assert ChestTask().mode == "rules"
    assert ChestTask(labels="chestxray14").mode == "learned"
    with pytest.raises(ConfigError, match="chestxray14"):
        ChestTask(mode="learned", labels="chexpert")
    with pytest.raises(ConfigError, match="no chest head"):
        ChestTask(mode="learned", labels="chestxray14", head="/nonexistent/head")


def test_head_save_load_round_trip_and_size_check(tmp_path: Path) -> None:
    dense = np.arange(feature_width(2, 3), dtype=np.float32) / 100
    head = ChestHead(LABELS, dense, {"Effusion|effusion|0": 1.5}, -0.25, 0.4, {"n_reports": 2})
    loaded = load_head(head.save(tmp_path / "h"))
    assert loaded.labels == LABELS and loaded.threshold == 0.4 and len(loaded.hash) == 12
    x = np.ones((1, len(dense)), dtype=np.float32)
    assert loaded.probability(x, [{"Effusion|effusion|0"}])[0] == pytest.approx(
        head.probability(x, [{"Effusion|effusion|0"}])[0])
    meta = json.loads((tmp_path / "h" / "head.json").read_text())
    meta["labels"] = ["Effusion"]
    (tmp_path / "h" / "head.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="weights"):
        load_head(tmp_path / "h")


def test_training_learns_a_coding_convention_the_rules_miss(tmp_path: Path) -> None:
    from radlite.train.chest_head import read_labelled_csv, rule_predictions, train_head

    data = read_labelled_csv(_labelled_csv(tmp_path / "gold.csv"), labels=LABELS)
    head = train_head(data, folds=3, source="gold.csv")
    assert head.card["cross_validation"]["micro_f1_head"] == 1.0
    assert head.card["cross_validation"]["micro_f1_rules"] < 1.0  # rules call volume loss atelectasis
    assert rule_predictions(data)[1].tolist() == [1, 0]
    head.save(tmp_path / "head")
    task = ChestTask(mode="learned", labels="chestxray14", head=str(tmp_path / "head"))
    rec = task.run_batch(None, [Report("x", "Moderate right volume loss."),
                                Report("y", "Right basilar atelectasis.")])
    assert rec[0].values["Atelectasis"] == 0 and rec[1].values["Atelectasis"] == 1
    assert rec[0].extra["probabilities"]["Atelectasis"] < 0.5
    assert "Atelectasis" not in rec[0].evidence and "Atelectasis" in rec[1].evidence


def test_labelled_csv_errors(tmp_path: Path) -> None:
    from radlite.train.chest_head import read_labelled_csv

    bad = tmp_path / "bad.csv"
    bad.write_text("id,report,Atelectasis\na,text,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="0 or 1"):
        read_labelled_csv(bad, labels=["Atelectasis"])
    with pytest.raises(InputError, match="missing column"):
        read_labelled_csv(bad, labels=["Effusion"])


def test_shipped_head_on_project_written_reports() -> None:
    task = ChestTask(labels="chestxray14")
    recs = task.run_batch(None, [
        Report("a", "Large right pleural effusion. Heart size is enlarged."),
        Report("b", "No pleural effusion or pneumothorax. The lungs are clear."),
    ])
    assert recs[0].values["Effusion"] == 1 and recs[0].values["Cardiomegaly"] == 1
    assert recs[0].values["normal"] == 0
    assert recs[1].values["Effusion"] == 0 and recs[1].values["normal"] == 1
    assert task.provenance()["head_hash"] == task.head.hash


def test_cli_trains_a_head_and_extracts_with_it(tmp_path: Path) -> None:
    gold = _labelled_csv(tmp_path / "gold.csv")
    head_dir = tmp_path / "head"
    trained = CliRunner().invoke(cli, ["train", "chest-head", "--gold", str(gold), "-o",
                                       str(head_dir), "--folds", "0", "--labels", ",".join(LABELS)])
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.stdout[trained.stdout.index("{"):])["n_reports"] == 96
    src = tmp_path / "in.csv"
    src.write_text("id,report\nr1,Mild left volume loss.\nr2,Small left pleural effusion.\n",
                   encoding="utf-8")
    out = tmp_path / "out.csv"
    done = CliRunner().invoke(cli, ["extract", "chest", str(src), "-o", str(out), "--labels",
                                    "chestxray14", "--head", str(head_dir), "--no-progress"])
    assert done.exit_code == 0, done.output
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["r1"]["Atelectasis"] == "0" and rows["r2"]["Effusion"] == "1"


@pytest.mark.shared
def test_openi_cross_validated_head_beats_rules(shared_data: Path, tmp_path: Path) -> None:
    """Out-of-fold predictions on 600 real Open-i reports (the full 3,080: benchmarks/).

    With 480 training reports per fold the gain is small (0.860 vs 0.846 when written;
    +0.069 with all 3,080), so this checks the direction only.
    """
    from radlite.train.chest_head import (
        cross_validated,
        micro_f1,
        read_labelled_csv,
        rule_predictions,
    )

    source = shared_data / "openi-dev" / "openi_dev.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(itertools.islice(csv.reader(handle), 601))
    subset = tmp_path / "openi600.csv"
    with subset.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    data = read_labelled_csv(subset, "uid", ("findings", "impression"))
    learned = micro_f1(data.gold, cross_validated(data, folds=5))
    rules = micro_f1(data.gold, rule_predictions(data))
    assert learned > rules, (learned, rules)
