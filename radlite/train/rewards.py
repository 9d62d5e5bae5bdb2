"""Reward functions for GRPO, built on the evaluator's per-report scoring code.

Key term: the *reward* of one completion is the fraction of features exactly right
(``radlite.evaluate.<task>.score_values``), minus ``format_penalty`` when the answer
cannot be parsed (it then scores 0 features), minus up to ``length_penalty`` when the
answer is longer than ``length_slack`` times the expected answer. Reward functions
follow TRL's convention ``(completions, **dataset_columns) -> list[float]``.
:class:`RewardStats` counts what the known GRPO failure modes look like: groups whose
rewards all tie (no gradient), unparseable answers, and per-feature positive rates of
predictions against gold (always-0 answers are reward hacking on sparse features).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from radlite.core.errors import ConfigError, RadliteError
from radlite.core.types import Report
from radlite.tasks import registry
from radlite.tasks.spec import resolve

log = logging.getLogger(__name__)
Scorer = Callable[[dict[str, Any], dict[str, Any]], dict[str, bool]]


def task_scorer(task_name: str) -> Scorer:
    """The per-report scorer ``task_name`` declares for rewards (``Training.reward_scorer``).

    Raises:
        ConfigError: unknown task, or a task without one.
    """
    spec = registry.task_spec(task_name)
    if spec.training is None or spec.training.reward_scorer is None:
        raise ConfigError(f"no per-report scorer for task {task_name!r} (needed for rewards)")
    return resolve(spec.training.reward_scorer)


def parse_answer(task: Any, text: str, answer: str) -> dict[str, Any] | None:
    """The task parser's values for ``answer``, or None when it cannot be parsed."""
    try:
        return task.parse(Report(id="train", text=text), answer).values
    except RadliteError:
        return None


def completion_text(completion: Any) -> str:
    """Text of a TRL completion (plain string or ``[{"role", "content"}]``)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        return str(completion[-1].get("content", ""))
    return ""


@dataclass
class RewardStats:
    """Running counts since the last :meth:`flush` (logged by the training callback)."""

    completions: int = 0
    unparseable: int = 0
    too_long: int = 0
    groups: int = 0
    tied_groups: int = 0
    tied_groups_total: int = 0
    pred_pos: dict[str, int] = field(default_factory=dict)
    gold_pos: dict[str, int] = field(default_factory=dict)
    parsed: int = 0

    def add_group(self, rewards: list[float]) -> None:
        """Record one prompt's group of rewards; all-equal groups carry no gradient."""
        self.groups += 1
        if max(rewards) - min(rewards) < 1e-9:
            self.tied_groups += 1
            self.tied_groups_total += 1

    def add_values(self, gold: dict[str, Any], pred: dict[str, Any]) -> None:
        """Count positive (value 1) predictions and gold labels per feature."""
        self.parsed += 1
        for name, value in gold.items():
            if value in (0, 1):
                self.gold_pos[name] = self.gold_pos.get(name, 0) + int(value == 1)
                self.pred_pos[name] = self.pred_pos.get(name, 0) + int(pred.get(name) == 1)

    def flush(self) -> dict[str, float]:
        """Rates since the last flush, as flat metrics; then reset (keeps the total)."""
        out: dict[str, float] = {}
        if self.completions:
            out["reward/unparseable_rate"] = self.unparseable / self.completions
            out["reward/too_long_rate"] = self.too_long / self.completions
        if self.groups:
            out["reward/tied_groups"] = float(self.tied_groups)
            out["reward/tied_group_rate"] = self.tied_groups / self.groups
        out["reward/tied_groups_total"] = float(self.tied_groups_total)
        if self.parsed:
            for name in self.gold_pos:
                out[f"pos_rate/{name}/pred"] = self.pred_pos[name] / self.parsed
                out[f"pos_rate/{name}/gold"] = self.gold_pos[name] / self.parsed
        total = self.tied_groups_total
        self.__init__()  # type: ignore[misc]
        self.tied_groups_total = total
        return out


class ExactMatchReward:
    """TRL reward function: feature accuracy minus format and length penalties.

    Args:
        task: the task object (its ``parse`` reads answers).
        num_generations: completions per prompt (consecutive in TRL's batches).
        format_penalty: subtracted for an unparseable answer.
        length_penalty: the most subtracted for an over-long answer.
        length_slack: answers up to this multiple of the target's length are free.
    """

    def __init__(self, task: Any, num_generations: int, format_penalty: float = 1.0,
                 length_penalty: float = 0.5, length_slack: float = 1.25) -> None:
        self.task = task
        self.scorer = task_scorer(task.name)
        self.num_generations = num_generations
        self.format_penalty = format_penalty
        self.length_penalty = length_penalty
        self.length_slack = length_slack
        self.stats = RewardStats()
        self.__name__ = "exact_match"  # TRL logs rewards under the function's name

    def one(self, text: str, answer: str, gold: dict[str, Any], target: str) -> float:
        """Reward of one answer against gold values and the reference answer."""
        self.stats.completions += 1
        reward = 0.0
        pred = parse_answer(self.task, text, answer)
        if pred is None:
            self.stats.unparseable += 1
            reward -= self.format_penalty
        else:
            correct = self.scorer(gold, pred)
            reward += sum(correct.values()) / len(correct)
            self.stats.add_values(gold, pred)
        limit = self.length_slack * max(len(target), 1)
        if len(answer) > limit:
            self.stats.too_long += 1
            reward -= self.length_penalty * min(1.0, (len(answer) - limit) / limit)
        return reward

    def __call__(self, completions: list[Any], gold_json: list[str], text: list[str],
                 target: list[str], **_: Any) -> list[float]:
        """Rewards for a TRL generation batch (groups of ``num_generations``)."""
        rewards = [
            self.one(t, completion_text(c), json.loads(g), ref)
            for c, g, t, ref in zip(completions, gold_json, text, target, strict=True)
        ]
        k = self.num_generations
        for start in range(0, len(rewards) - k + 1, k):
            self.stats.add_group(rewards[start:start + k])
        return rewards


def feature_accuracy(task: Any, texts: list[str], answers: list[str],
                     golds: list[dict[str, Any]]) -> dict[str, float]:
    """Accuracy over all features, parse rate and per-feature positive rates.

    Unparseable answers count as wrong on every feature (as in the evaluator).
    """
    scorer = task_scorer(task.name)
    correct = total = parsed = 0
    stats = RewardStats()
    for text, answer, gold in zip(texts, answers, golds, strict=True):
        pred = parse_answer(task, text, answer)
        n = len(scorer(gold, gold))
        total += n
        if pred is not None:
            parsed += 1
            correct += sum(scorer(gold, pred).values())
            stats.add_values(gold, pred)
    out = {"accuracy": correct / total if total else 0.0,
           "parse_rate": parsed / len(answers) if answers else 0.0}
    out.update({k: v for k, v in stats.flush().items() if k.startswith("pos_rate/")})
    return out
