"""Training data: labelled rows -> chat *examples* (messages + target answer) -> splits.

Key term: an *example* is one report's prompt messages (exactly as the task builds them
for inference), the answer the model should give (``task.target``), and the gold
labels (for rewards and accuracy). Rows come from a labelled CSV/JSONL or from the
synthetic generator; the hand-written validation sets are never read here.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError, InputError
from radlite.core.io import read_reports
from radlite.core.types import Report
from radlite.train.config import TrainConfig

log = logging.getLogger(__name__)


@dataclass
class Example:
    """One training/validation example."""

    id: str
    text: str
    messages: list[dict[str, str]]
    target: str
    gold: dict[str, Any] = field(default_factory=dict)


class TextTask:
    """Plain prompt -> target pairs (e.g. Findings -> Impression) with no parser."""

    name = "text"

    def __init__(self, target_col: str, system_prompt: str = "") -> None:
        self.target_col = target_col
        self.system_prompt = system_prompt

    def training_pair(self, report: Report, values: dict[str, Any]
                      ) -> tuple[tuple[dict[str, str], ...], str]:
        """An optional system message and the text as the user turn; the answer is the
        row's target column (the contract of :meth:`Task.training_pair`)."""
        system = ({"role": "system", "content": self.system_prompt},) if self.system_prompt else ()
        messages = (*system, {"role": "user", "content": report.text.strip()})
        return messages, str(values.get(self.target_col, "")).strip()


def training_task(config: TrainConfig) -> Any:
    """The task object whose ``training_pair`` defines the examples.

    Its parser scores the model's own answers (rewards, checkpoint validation), so it is
    built with the task's ``Training.task_options``, which switch off the rule steps
    around the model (for LI-RADS the gate and cue completion): training measures and
    rewards what the model itself wrote.
    """
    if config.task == "text":
        return TextTask(config.target_col, config.system_prompt)
    from radlite.tasks import get_task, task_spec

    spec = task_spec(config.task)
    options = dict(spec.training.task_options) if spec.training is not None else {}
    if any(option.name == "template" for option in spec.options):
        options["template"] = config.template
    return get_task(config.task, **{**options, **config.task_options})


def _clean(value: Any) -> Any:
    """CSV strings to Python values: ``""`` -> None, ``"25"``/``"25.0"`` -> 25."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text == "" or text.lower() in ("nan", "none", "null"):
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number == int(number) else number
    return value


def read_rows(path: str | Path, text_col: str) -> list[dict[str, Any]]:
    """Labelled rows of a CSV/JSONL file as ``{"id", "report", <labels>}``.

    Raises:
        InputError: missing file or columns.
    """
    rows = []
    for report in read_reports(Path(path), "id", text_col):
        labels = {k: _clean(v) for k, v in report.meta.items() if not k.startswith("_")}
        rows.append({**labels, "id": report.id, "report": report.text})
    if not rows:
        raise InputError(f"{path} holds no rows")
    return rows


def synth_rows(config: TrainConfig) -> list[dict[str, Any]]:
    """``synth_n`` synthetic labelled rows of ``config.task`` (seeded by ``synth_seed``),
    their text under ``report`` like the rows of :func:`read_rows`."""
    try:
        from radlite import synth
        from radlite.tasks import task_spec
    except ImportError as exc:
        raise ConfigError("synthetic data needs radlite.synth; give train_file instead") from exc
    rows = synth.generate(config.task, config.synth_n, seed=config.synth_seed,
                          lang=config.synth_lang)
    field = task_spec(config.task).synthesis.text_field  # generate() checked it exists
    return [{**{k: v for k, v in row.items() if k != field}, "report": row[field]}
            for row in rows]


def build_examples(task: Any, rows: list[dict[str, Any]], text_key: str = "report"
                   ) -> list[Example]:
    """Examples for ``rows`` using the task's own prompt and answer format."""
    out = []
    for row in rows:
        text = str(row.get(text_key, ""))
        gold = {k: v for k, v in row.items() if k not in ("id", text_key, "case")}
        messages, target = task.training_pair(Report(str(row["id"]), text), gold)
        out.append(Example(id=str(row["id"]), text=text, messages=list(messages),
                           target=target, gold=gold))
    return out


def load_examples(config: TrainConfig) -> tuple[list[Example], list[Example]]:
    """Training and validation examples for ``config`` (validation may come from a split).

    Returns:
        ``(train, val)``; with ``kfold`` set, ``val`` is empty and ``train`` holds all rows.
    """
    task = training_task(config)
    rows = read_rows(config.train_file, config.prompt_col) if config.train_file else []
    if config.synth_n > 0:
        rows += synth_rows(config)
    examples = build_examples(task, rows)
    if config.kfold:
        return examples, []
    if config.val_file:
        return examples, build_examples(task, read_rows(config.val_file, config.prompt_col))
    return split(examples, config.val_fraction, config.seed)


def split(examples: list[Example], val_fraction: float, seed: int
          ) -> tuple[list[Example], list[Example]]:
    """Shuffle with ``seed`` and hold out ``val_fraction`` (at least one example)."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    n_val = max(1, round(len(examples) * val_fraction))
    if n_val >= len(examples):
        raise ConfigError(f"{len(examples)} examples are too few to hold out a validation set")
    val = [examples[i] for i in order[:n_val]]
    train = [examples[i] for i in order[n_val:]]
    return train, val


def oversample_rare(examples: list[Example], repeat: int, rate: float) -> list[Example]:
    """Repeat each example that is positive for a rare binary label ``repeat`` times.

    A label is binary when every gold value is 0/1 (absent values aside); it is rare when
    fewer than ``rate`` of the examples hold it positive. Returns a new list (the originals
    first, the repeats after them, so validation splits made earlier are unaffected).
    """
    if repeat <= 1 or not examples:
        return list(examples)
    rare = [k for k in _binary_labels(examples)
            if sum(e.gold.get(k) == 1 for e in examples) < rate * len(examples)]
    extra = [e for e in examples if any(e.gold.get(k) == 1 for k in rare)]
    return [*examples, *(extra * (repeat - 1))]


def add_typo_copies(task: Any, examples: list[Example], rate: float, seed: int
                    ) -> list[Example]:
    """``examples`` plus one copy of each whose report text has typing errors.

    The copy keeps the example's answer: the model learns to give the clean answer from
    a report with typos (``radlite.evaluate.perturb.typos``: per-letter substitutions,
    deletions, duplications and swaps; digits, spaces and punctuation unchanged).
    ``rate`` 0 returns ``examples`` unchanged.
    """
    if rate <= 0:
        return examples
    from radlite.evaluate.perturb import typos

    rng = random.Random(seed)
    copies = []
    for example in examples:
        noisy = typos(example.text, rate, rng)
        messages, _ = task.training_pair(Report(f"{example.id}~typos", noisy), example.gold)
        copies.append(Example(id=f"{example.id}~typos", text=noisy, messages=list(messages),
                              target=example.target, gold=example.gold))
    return examples + copies


def _binary_labels(examples: list[Example]) -> list[str]:
    keys = {k for e in examples for k in e.gold}
    return sorted(k for k in keys
                  if all(e.gold.get(k) in (0, 1, None) for e in examples)
                  and any(e.gold.get(k) == 1 for e in examples))


def kfold_splits(examples: list[Example], k: int, seed: int
                 ) -> list[tuple[list[Example], list[Example]]]:
    """``k`` (train, val) pairs; every example is validated exactly once."""
    if len(examples) < k:
        raise ConfigError(f"kfold={k} needs at least {k} examples, got {len(examples)}")
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    folds = [order[i::k] for i in range(k)]
    return [
        ([examples[i] for j, f in enumerate(folds) if j != n for i in f],
         [examples[i] for i in fold])
        for n, fold in enumerate(folds)
    ]
