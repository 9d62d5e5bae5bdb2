"""Progress: validation accuracy by decoding, and the training log (JSONL, CSV, plot).

Key term: the *log* is ``<output_dir>/log.jsonl`` (one JSON object per logging or
evaluation event: step, loss, reward, eval_loss, eval_accuracy, ...), mirrored to
``log.csv`` and drawn to ``progress.png`` when the run ends. Both are appended to on
resume, so an interrupted run keeps one continuous history.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from radlite.backends.batching import BatchingBackend
from radlite.backends.hf import TransformersBackend
from radlite.core import csvsafe
from radlite.core.generation import GenerationRequest
from radlite.train.data import Example
from radlite.train.encode import prompt_text

log = logging.getLogger(__name__)
PLOT_KEYS = ("loss", "eval_loss", "reward", "eval_accuracy")


def generate_answers(model: Any, tokenizer: Any, examples: Sequence[Example],
                     max_new_tokens: int = 96, batch_size: int = 8,
                     model_type: str = "causal") -> list[str]:
    """Greedy answers for ``examples``.

    A causal model decodes through the inference backend itself
    (:meth:`TransformersBackend.from_loaded` behind a :class:`BatchingBackend`): the same
    prompt rendering, padding and decoding as ``radlite extract``. Encoder-decoder models,
    which the backend does not serve, decode here.
    """
    if model_type != "seq2seq":
        return _backend_answers(model, tokenizer, examples, max_new_tokens, batch_size)
    import torch

    answers: list[str] = []
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(examples), batch_size):
            chunk = examples[start:start + batch_size]
            prompts = [prompt_text(tokenizer, e.messages) for e in chunk]
            batch = tokenizer(prompts, return_tensors="pt", padding=True,
                              add_special_tokens=model_type == "seq2seq").to(model.device)
            with torch.inference_mode():
                out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                     pad_token_id=tokenizer.pad_token_id)
            if model_type != "seq2seq":
                out = out[:, batch["input_ids"].shape[1]:]
            answers += tokenizer.batch_decode(out, skip_special_tokens=True)
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return [a.strip() for a in answers]


def _backend_answers(model: Any, tokenizer: Any, examples: Sequence[Example],
                     max_new_tokens: int, batch_size: int) -> list[str]:
    requests = [GenerationRequest(messages=tuple(e.messages), max_new_tokens=max_new_tokens)
                for e in examples]
    backend = BatchingBackend(TransformersBackend.from_loaded(model, tokenizer, batch_size),
                              batch_size, retries=0)
    was_training = model.training
    model.eval()
    try:
        return [r.text for r in backend.generate(requests)]
    finally:
        model.train(was_training)


class TrainingLog(TrainerCallback):
    """Appends every logged metric dict to ``log.jsonl``/``log.csv``; plots at the end.

    Args:
        output_dir: the run folder.
        extra: called on each log event; returns more metrics to record (e.g. reward stats).
    """

    def __init__(self, output_dir: str | Path,
                 extra: Callable[[], dict[str, float]] | None = None) -> None:
        self.dir = Path(output_dir)
        self.extra = extra

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
               **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        row = {"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), **logs}
        if self.extra is not None and "eval_loss" not in logs:
            row.update(self.extra())
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / "log.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, default=float) + "\n")

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        rows = read_log(self.dir / "log.jsonl")
        write_csv(rows, self.dir / "log.csv")
        plot(rows, self.dir / "progress.png")


class AccuracyCallback(TrainerCallback):
    """At each evaluation, decodes validation reports and logs their feature accuracy."""

    def __init__(self, score: Callable[[Any], dict[str, float]]) -> None:
        self.score = score

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, Any] | None = None,
                    model: Any = None, **kwargs: Any) -> None:
        if model is None:
            return
        result = {f"eval_{k}": v for k, v in self.score(model).items()}
        if metrics is not None:
            metrics.update(result)
        log.info("step %d: %s", state.global_step,
                 {k: round(v, 4) for k, v in result.items() if "pos_rate" not in k})
        state.log_history.append({"step": state.global_step, **result})
        with (Path(args.output_dir) / "log.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"step": state.global_step, **result}) + "\n")


class PeriodicAccuracy(AccuracyCallback):
    """:class:`AccuracyCallback` every ``every`` steps, for trainers with no eval set (GRPO)."""

    def __init__(self, score: Callable[[Any], dict[str, float]], every: int) -> None:
        super().__init__(score)
        self.every = every

    def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None,
                    **kwargs: Any) -> None:
        if state.global_step % self.every == 0 or state.global_step == state.max_steps:
            self.on_evaluate(args, state, control, metrics=None, model=model)


def read_log(path: Path) -> list[dict[str, Any]]:
    """Rows of a ``log.jsonl`` (empty when absent)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """The log as CSV: one column per metric ever logged (spreadsheet-safe: numbers as they
    are, a text cell that a spreadsheet would run as a formula gets a leading ``'``)."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csvsafe.dict_writer(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def plot(rows: list[dict[str, Any]], path: Path) -> bool:
    """Loss, reward and validation accuracy against step; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.info("matplotlib is not installed; no progress plot")
        return False
    keys = [k for k in PLOT_KEYS if any(k in r for r in rows)]
    if not keys:
        return False
    fig, axes = plt.subplots(len(keys), 1, figsize=(6, 2.2 * len(keys)), sharex=True,
                             squeeze=False)
    for ax, key in zip(axes[:, 0], keys, strict=True):
        points = [(r["step"], r[key]) for r in rows if key in r]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker=".")
        ax.set_ylabel(key)
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
