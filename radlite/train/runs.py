"""Helpers shared by the SFT and GRPO runs: setup, resume, saving and the run record.

Key term: the *run record* ``<output_dir>/training.json`` holds the full config, the
data seed, wall-clock training time, library versions and the final metrics; it is
what ``radlite/adapters/<task>/training.json`` ships.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.train.config import TrainConfig
from radlite.train.data import Example, training_task
from radlite.train.modeling import resolve_device

log = logging.getLogger(__name__)


class Timer:
    """Context manager measuring wall-clock seconds."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def setup(config: TrainConfig) -> Path:
    """Validate ``config``, set threads and seeds before anything random happens, and
    write the resolved config into the output folder, which is returned.

    Raises:
        ConfigError: an invalid config (before any model loads).
    """
    import torch
    from transformers import set_seed

    config.validate()
    if config.threads:
        torch.set_num_threads(config.threads)
    set_seed(config.seed)
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    config.to_yaml(output_dir / "config.yaml")
    return output_dir


def device_of(config: TrainConfig) -> str:
    """The device the run uses."""
    return resolve_device(config.device)


def task_of(config: TrainConfig) -> Any:
    """The task object of the run."""
    return training_task(config)


def no_data_error(config: TrainConfig, dropped: int) -> ConfigError:
    """The error for a run left without training examples."""
    return ConfigError(f"no training examples left: {dropped} exceed max_length="
                       f"{config.max_length} tokens; raise max_length")


def resume_point(config: TrainConfig, output_dir: Path) -> str | None:
    """The newest checkpoint folder when ``resume`` is set (None: start fresh)."""
    if not config.resume:
        return None
    checkpoints = sorted(output_dir.glob("checkpoint-*"),
                         key=lambda p: int(p.name.split("-")[-1]))
    if not checkpoints:
        log.warning("resume: no checkpoint in %s; starting from scratch", output_dir)
        return None
    log.info("resuming from %s", checkpoints[-1])
    return str(checkpoints[-1])


def accuracy_fn(task: Any, tokenizer: Any, val: list[Example], model_type: str) -> Any:
    """``model -> metrics`` on ``val`` by greedy decoding, or None (no data).

    A task with an exact-match scorer (LI-RADS) reports feature accuracy; a text task
    (impression, ``text``) reports ROUGE-L and BERTScore F1 of the decoded answers
    against the targets (:func:`text_similarity`).
    """
    from radlite.train.progress import generate_answers
    from radlite.train.rewards import feature_accuracy, task_scorer

    if not val:
        return None
    try:
        task_scorer(task.name)
        exact = True
    except ConfigError:
        exact = False
    max_new = int(getattr(task, "prompt", {}).get("max_new_tokens", 96))

    def score(model: Any) -> dict[str, float]:
        answers = generate_answers(model, tokenizer, val, max_new, model_type=model_type)
        if not exact:
            return text_similarity(answers, [e.target for e in val])
        return feature_accuracy(task, [e.text for e in val], answers, [e.gold for e in val])

    return score


def text_similarity(answers: list[str], targets: list[str]) -> dict[str, float]:
    """Mean ROUGE-L and (with the local encoder installed) BERTScore F1 of answers."""
    from radlite.evaluate import text

    out = {"rougeL": text.rouge(answers, targets)["rougeL"].corpus}
    try:
        out["bertscore_f1"] = text.bertscore(answers, targets)["bertscore_f1"].corpus
    except (ConfigError, OSError) as exc:
        log.warning("BERTScore skipped during training: %s", exc)
    return out


def save_adapter(model: Any, folder: Path) -> None:
    """Write the PEFT adapter (``adapter_config.json`` + ``adapter_model.safetensors``)."""
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder))
    log.info("adapter written to %s", folder)


def _versions() -> dict[str, str]:
    import peft
    import torch
    import transformers

    out = {"python": platform.python_version(), "torch": torch.__version__,
           "transformers": transformers.__version__, "peft": peft.__version__}
    try:
        import trl

        out["trl"] = trl.__version__
    except ImportError:
        pass
    return out


def write_record(config: TrainConfig, output_dir: Path, metrics: dict[str, Any],
                 seconds: float) -> dict[str, Any]:
    """Write and return ``training.json`` for a finished run."""
    record = {
        "kind": config.kind,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_seconds": round(seconds, 1),
        "data": {"train_file": config.train_file or None,
                 "synth": None if config.train_file else {
                     "task": config.task, "n": config.synth_n, "seed": config.synth_seed,
                     "lang": config.synth_lang}},
        "device": device_of(config),
        "versions": _versions(),
        "metrics": metrics,
        "config": config.to_dict(),
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "training.json").write_text(json.dumps(record, indent=2, default=str) + "\n",
                                              encoding="utf-8")
    return record
