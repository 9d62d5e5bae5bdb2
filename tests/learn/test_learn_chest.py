"""Learning a site's chest coding: data split, learnt links, MAP adaptation, the cycle."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from radlite.cli.main import cli
from radlite.core.errors import InputError
from radlite.core.types import Record, Report
from radlite.learn.chest import adapt_head, mine_links
from radlite.learn.compare import compare, report_counts
from radlite.learn.cycle import learn
from radlite.learn.data import LearnSet, from_gold_csv, split
from radlite.learn.learners import ChestLearner, learner_for
from radlite.learn.registry import AdapterRegistry
from radlite.tasks.chest import ChestTask
from radlite.tasks.chest.head import default_head_path, load_head
from radlite.tasks.chest.labels import chestxray14_labels
from radlite.tasks.chest.mentions import find_mentions

LABELS = [x for x in chestxray14_labels() if x != "normal"]
SIDES = ["right upper", "left upper", "right lower", "left lower", "right middle", "lingular",
         "right apical", "left apical", "right hilar", "left hilar"]


def _gold(**positive: int) -> dict[str, int]:
    return {label: int(positive.get(label, 0)) for label in LABELS}


def _site_reports(n: int, start: int = 0) -> list[tuple[str, str, dict[str, int]]]:
    """A site that codes every granuloma as a nodule; the other reports are normal or
    have an effusion (coded as the default does)."""
    out = []
    for i in range(start, start + n):
        side = SIDES[i % len(SIDES)]
        if i % 3 == 0:
            out.append((f"g{i}", f"Calcified granuloma in the {side} lobe. Lungs otherwise "
                        "clear.", _gold(Nodule=1)))
        elif i % 3 == 1:
            out.append((f"e{i}", f"Small {side.split()[0]} pleural effusion. No pneumothorax.",
                        _gold(Effusion=1)))
        else:
            out.append((f"n{i}", f"The lungs are clear. Heart size normal. {side} view.",
                        _gold()))
    return out


def _learn_set(rows: list[tuple[str, str, dict[str, int]]]) -> LearnSet:
    return LearnSet([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                    list(LABELS))


def test_split_is_stable_by_report_and_refuses_too_few() -> None:
    data = _learn_set(_site_reports(60))
    train, held = split(data, 0.3)
    again_train, again_held = split(data.subset(list(reversed(range(len(data))))), 0.3)
    assert set(held.ids) == set(again_held.ids) and set(train.ids) == set(again_train.ids)
    assert not set(train.ids) & set(held.ids) and len(train) + len(held) == 60
    with pytest.raises(InputError, match="review more reports"):
        split(data.subset(range(12)), 0.3)
    with pytest.raises(InputError, match="between 0 and 1"):
        split(data, 1.5)


def test_data_hash_follows_the_gold(tmp_path: Path) -> None:
    data = _learn_set(_site_reports(12))
    changed = _learn_set(_site_reports(12))
    changed.gold[0] = _gold()
    assert data.data_hash() == _learn_set(_site_reports(12)).data_hash()
    assert data.data_hash() != changed.data_hash()
    path = tmp_path / "gold.csv"
    path.write_text("id,report\nr1,text\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        from_gold_csv(path, LABELS)


def test_links_are_mined_only_with_support_and_precision() -> None:
    rows = _site_reports(30)
    texts = [r[1] for r in rows]
    gold = np.array([[r[2][label] for label in LABELS] for r in rows])
    mentions = [find_mentions(t) for t in texts]
    links = mine_links(texts, mentions, gold, LABELS)
    # "granuloma" and "calcified" always co-occur here, so both become nodule terms.
    assert set(links.values()) == {("Nodule",)}
    assert any(key.startswith("other_abnormal|") for key in links)
    # The same term without the site's coding: no link.
    gold[:, LABELS.index("Nodule")] = 0
    assert mine_links(texts, mentions, gold, LABELS) == {}


def test_adapted_head_codes_the_site_convention_and_keeps_the_rest(tmp_path: Path) -> None:
    parent = load_head(default_head_path())
    rows = _site_reports(45)
    site = adapt_head(parent, [r[1] for r in rows], [r[2] for r in rows], _embed())
    assert site.card and site.card["new_links"] and site.card["strength"] > 0
    site.save(tmp_path / "site")
    new = [Report(id="x1", text="Small calcified granuloma in the left lower lobe."),
           Report(id="x2", text="Moderate right pleural effusion."),
           Report(id="x3", text="No acute cardiopulmonary abnormality.")]
    before = ChestTask(labels="chestxray14", embed=_embed()).run_batch(None, new)
    after = ChestTask(labels="chestxray14", head=str(tmp_path / "site"),
                      embed=_embed()).run_batch(None, new)
    assert before[0].values["Nodule"] == 0 and after[0].values["Nodule"] == 1
    assert after[1].values["Effusion"] == 1 and after[2].values["Nodule"] == 0
    assert load_head(tmp_path / "site").links == site.links


def test_report_counts_and_compare() -> None:
    data = _learn_set(_site_reports(3))
    right = [Record(id=i, task="chest", status="ok", values=dict(g))
             for i, g in zip(data.ids, data.gold, strict=True)]
    wrong = [Record(id=data.ids[0], task="chest", status="ok", values=_gold()),
             *right[1:2], Record.failed(data.ids[2], "chest", "too long")]
    counts = report_counts(wrong, data)
    assert counts[:, 0].tolist() == [0.0, 1.0, 0.0]
    assert counts[0, 6] == 1  # the missed nodule is a false negative
    out = compare(wrong, right, data, n_boot=200)
    assert out["before"]["report_accuracy"] == pytest.approx(1 / 3, abs=1e-3)
    assert out["after"]["report_accuracy"] == 1.0
    assert out["difference"]["estimate"] == pytest.approx(2 / 3, abs=1e-3)


def test_cycle_promotes_a_better_candidate_and_rejects_a_useless_one(tmp_path: Path) -> None:
    registry = AdapterRegistry(tmp_path / "registry")
    site_data = _learn_set(_site_reports(90))
    result = learn("chest", site_data, registry=registry, site="site-a", options={})
    assert result.promoted, result.reason
    assert result.after["report_accuracy"] > result.before["report_accuracy"]
    current = registry.resolve("chest", "site-a")
    assert current is not None and current.id == result.candidate
    assert current.data_hash and current.metrics["n_heldout"] == result.n_heldout
    # A reader of the site falls back to the site's model.
    assert registry.resolve("chest", "site-a", "dr-b").id == current.id  # type: ignore[union-attr]
    # Reviews that agree with the current model teach nothing: the candidate is rejected.
    again = learn("chest", site_data, registry=registry, site="site-a", options={})
    assert not again.promoted and "stays" in again.reason
    assert again.parent == current.id
    assert registry.resolve("chest", "site-a").id == current.id  # type: ignore[union-attr]


def test_learner_refuses_tasks_it_cannot_train() -> None:
    with pytest.raises(InputError, match="does not train task 'summarize'"):
        learner_for("summarize")
    with pytest.raises(InputError, match="chestxray14"):
        ChestLearner({"labels": "chexpert"})


def test_learn_and_extract_commands(tmp_path: Path) -> None:
    gold = tmp_path / "gold.csv"
    rows = _site_reports(90)
    with gold.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "report", *LABELS])
        writer.writerows([[r[0], r[1], *(r[2][x] for x in LABELS)] for r in rows])
    registry = tmp_path / "registry"
    runner = CliRunner()
    done = runner.invoke(cli, ["learn", "chest", "--gold", str(gold), "--site", "site-a",
                               "--registry", str(registry)])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["promoted"] and result["candidate"] == "site-a/chest/_site@v1"
    reports = tmp_path / "new.csv"
    reports.write_text("id,report\nx1,Calcified granuloma in the left lower lobe.\n",
                       encoding="utf-8")
    out = tmp_path / "out.jsonl"
    ran = runner.invoke(cli, ["extract", "chest", str(reports), "-o", str(out), "--format",
                              "jsonl", "--labels", "chestxray14", "--site", "site-a",
                              "--registry", str(registry), "--no-progress"])
    assert ran.exit_code == 0, ran.output
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert record["values"]["Nodule"] == 1
    assert record["provenance"]["head_hash"] != load_head(default_head_path()).hash


_EMBED = None


def _embed():  # one cached local encoder for the module's tests
    global _EMBED
    if _EMBED is None:
        from radlite.learn.learners import cached
        from radlite.models.encoder import local_embedder

        _EMBED = cached(local_embedder())
    return _EMBED


def test_cross_fitted_cycle_scores_every_review_once(tmp_path: Path) -> None:
    registry = AdapterRegistry(tmp_path / "registry")
    data = _learn_set(_site_reports(60))
    result = learn("chest", data, registry=registry, site="site-a", options={}, folds=3)
    assert result.n_heldout == 60 and result.n_train == 60
    entry = registry.get("chest", "site-a", None, 1)
    assert entry.metrics["folds"] == 3 and entry.data_hash == data.data_hash()
    assert result.promoted == (result.difference["low"] > 0)


def test_default_comparison_cross_fits_small_review_sets_of_cheap_learners() -> None:
    from radlite.learn.cycle import auto_folds

    assert auto_folds("chest-head", 100, 0.3) == 5  # a 30-report held-out part: too few
    assert auto_folds("chest-head", 400, 0.3) == 0  # 120 held out: the held-out part
    assert auto_folds("lora", 100, 0.3) == 0  # each fold would be a training run
    result = CliRunner().invoke(cli, ["learn", "chest", "--gold", "x.csv", "--site", "a",
                                      "--folds", "some"])
    assert result.exit_code != 0
