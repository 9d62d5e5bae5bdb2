"""Rewards reuse the evaluator's scorer; data splits are reproducible and disjoint."""

from __future__ import annotations

import json
from pathlib import Path

from radlite.tasks.lirads.task import LiradsTask
from radlite.train.data import build_examples, kfold_splits, read_rows, split
from radlite.train.rewards import ExactMatchReward, feature_accuracy

GOLD = {"size": 23, "location": 8, "cld": 1, "lrm_targetoid": 0, "lrm_nontargetoid": 0,
        "tiv": 0, "aphe": 1, "washout": 1, "capsule": 1, "threshold_growth": 0,
        "af_benign": 0, "af_malignant": 0}
TEXT = "Cirrhotic liver. 23 mm S8 nodule with APHE, washout and capsule."


def _reward() -> tuple[ExactMatchReward, str]:
    task = LiradsTask(evidence_gate=False, cue_completion=False)  # as training_task builds it
    return ExactMatchReward(task, num_generations=2), task.target(GOLD)


def test_reward_exact_partial_unparseable_and_long() -> None:
    reward, target = _reward()
    wrong_size = target.replace("size=23", "size=24")
    rewards = reward([target, wrong_size, "I cannot tell", target + " " + "x" * 400],
                     gold_json=[json.dumps(GOLD)] * 4, text=[TEXT] * 4, target=[target] * 4)
    assert rewards[0] == 1.0
    assert abs(rewards[1] - 11 / 12) < 1e-9
    assert rewards[2] == -1.0
    assert rewards[3] < 1.0
    stats = reward.stats.flush()
    assert stats["reward/unparseable_rate"] == 0.25
    assert stats["reward/tied_groups"] == 0.0


def test_tied_groups_and_positive_rates_are_reported() -> None:
    reward, target = _reward()
    all_zero = "size=-; seg=-; " + "; ".join(
        f"{k}=0" for k in ("cld", "tgt", "ntg", "tiv", "aphe", "wo", "cap", "grw", "ben", "mal"))
    reward([all_zero, all_zero], gold_json=[json.dumps(GOLD)] * 2, text=[TEXT] * 2,
           target=[target] * 2)
    stats = reward.stats.flush()
    assert stats["reward/tied_groups"] == 1.0 and stats["reward/tied_groups_total"] == 1.0
    assert stats["pos_rate/aphe/pred"] == 0.0 and stats["pos_rate/aphe/gold"] == 1.0
    assert reward.stats.flush()["reward/tied_groups_total"] == 1.0  # the total survives


def test_feature_accuracy_counts_unparseable_as_wrong() -> None:
    task = LiradsTask()
    metrics = feature_accuracy(task, [TEXT, TEXT], [task.target(GOLD), "nonsense"], [GOLD, GOLD])
    assert metrics["accuracy"] == 0.5 and metrics["parse_rate"] == 0.5


def test_examples_and_splits(tiny_csv: Path) -> None:
    examples = build_examples(LiradsTask(), read_rows(tiny_csv, "report"))
    assert examples[1].target.startswith("size=-; seg=-; cld=0")
    train, val = split(examples, 0.34, seed=1)
    assert len(val) == 2 and not {e.id for e in train} & {e.id for e in val}
    assert split(examples, 0.34, seed=1)[1][0].id == val[0].id
    folds = kfold_splits(examples, 3, seed=0)
    assert sorted(e.id for _, v in folds for e in v) == sorted(e.id for e in examples)


def test_training_task_scores_the_model_alone() -> None:
    from radlite.train.config import TrainConfig
    from radlite.train.data import training_task

    task = training_task(TrainConfig())
    assert task.evidence_gate is False and task.cue_completion is False
    reward = ExactMatchReward(task, num_generations=1)
    target = task.target(GOLD)
    answer = target.replace("size=23", "size=24")  # the gate would empty an unstated size
    assert abs(reward([answer], gold_json=[json.dumps(GOLD)], text=[TEXT],
                      target=[target])[0] - 11 / 12) < 1e-9


def test_rare_positives_are_repeated_and_common_ones_are_not() -> None:
    from radlite.train.data import Example, oversample_rare

    def example(i: int, tiv: int, aphe: int) -> Example:
        return Example(id=str(i), text="", messages=[], target="",
                       gold={"size": 20 + i, "tiv": tiv, "aphe": aphe})

    examples = [example(0, 1, 1)] + [example(i, 0, i % 2) for i in range(1, 10)]
    out = oversample_rare(examples, repeat=3, rate=0.2)
    assert out[:10] == examples
    assert [e.id for e in out[10:]] == ["0", "0"]  # tiv is rare (1/10); aphe (6/10) and size are not
    assert oversample_rare(examples, repeat=1, rate=0.2) == examples
