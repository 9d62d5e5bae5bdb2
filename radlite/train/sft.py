"""Supervised fine-tuning (SFT) of a LoRA/QLoRA adapter with the transformers Trainer.

Key term: a *run* is one call of :func:`train_sft`: it writes checkpoints, the log and
plot, and finally ``<output_dir>/adapter`` (the best adapter by ``best_metric``, default validation loss) and
``<output_dir>/training.json`` (config, data, time, metrics). With ``kfold=k`` it
trains k runs under ``<output_dir>/fold-<i>`` and reports their mean.
"""

from __future__ import annotations

import logging
import statistics
from pathlib import Path
from typing import Any

from radlite.train import runs
from radlite.train.config import SFTSettings
from radlite.train.data import (
    Example,
    add_typo_copies,
    kfold_splits,
    load_examples,
    oversample_rare,
)
from radlite.train.encode import Collator, encode_all
from radlite.train.modeling import add_adapter, load_base
from radlite.train.progress import AccuracyCallback, TrainingLog

log = logging.getLogger(__name__)


def _arguments(config: SFTSettings, output_dir: Path, has_eval: bool) -> Any:
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(output_dir),
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        lr_scheduler_type="linear",
        warmup_steps=config.warmup_ratio,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps > 0 else -1,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        load_best_model_at_end=has_eval,
        metric_for_best_model=config.best_metric,
        greater_is_better=config.best_metric != "eval_loss",
        logging_steps=config.logging_steps,
        report_to=[],
        seed=config.seed,
        use_cpu=runs.device_of(config) == "cpu",
        bf16=config.bf16,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        dataloader_num_workers=0,
        remove_unused_columns=False,
        disable_tqdm=True,
    )


def _callbacks(config: SFTSettings, output_dir: Path, task: Any, tokenizer: Any,
               val: list[Example], model_type: str) -> list[Any]:
    from transformers import EarlyStoppingCallback

    callbacks: list[Any] = [TrainingLog(output_dir)]
    scorer = runs.accuracy_fn(task, tokenizer, val[:config.eval_generate_n], model_type)
    if scorer is not None:
        callbacks.append(AccuracyCallback(scorer))
    if val and config.early_stopping_patience > 0:
        callbacks.append(EarlyStoppingCallback(config.early_stopping_patience))
    return callbacks


def _train_one(config: SFTSettings, train: list[Example], val: list[Example],
               output_dir: Path) -> dict[str, Any]:
    """Train one adapter; returns the run's metrics."""
    from transformers import Trainer

    task = runs.task_of(config)
    model, tokenizer, model_type = load_base(config)
    model = add_adapter(model, config, model_type)
    train = oversample_rare(train, config.rare_repeat, config.rare_rate)
    train = add_typo_copies(task, train, config.typo_augment, config.seed)
    train_features, dropped = encode_all(tokenizer, train, model_type, config.max_length)
    val_features, val_dropped = encode_all(tokenizer, val, model_type, config.max_length)
    if not train_features:
        raise runs.no_data_error(config, dropped)
    log.info("training on %d examples (%d over max_length dropped), validating on %d",
             len(train_features), dropped, len(val_features))
    trainer = Trainer(
        model=model, args=_arguments(config, output_dir, bool(val_features)),
        train_dataset=train_features, eval_dataset=val_features or None,
        data_collator=Collator(tokenizer.pad_token_id),
        callbacks=_callbacks(config, output_dir, task, tokenizer, val, model_type),
    )
    with runs.Timer() as timer:
        trainer.train(resume_from_checkpoint=runs.resume_point(config, output_dir))
    metrics: dict[str, Any] = {"train_examples": len(train_features), "dropped_too_long": dropped,
                               "val_examples": len(val_features),
                               "val_dropped_too_long": val_dropped,
                               "steps": trainer.state.global_step,
                               "train_seconds": round(timer.seconds, 1)}
    if val_features:
        metrics.update(trainer.evaluate())
    runs.save_adapter(trainer.model, output_dir / "adapter")
    return metrics


def train_sft(config: SFTSettings) -> dict[str, Any]:
    """Train a LoRA/QLoRA adapter as ``config`` says (the library call of ``radlite train sft``).

    Returns:
        The ``training.json`` record: config, data summary, time and metrics.

    Raises:
        ConfigError: an invalid config (checked before any model loads).
    """
    output_dir = runs.setup(config)
    train, val = load_examples(config)
    with runs.Timer() as timer:
        if config.kfold:
            folds = [
                _train_one(config, fold_train, fold_val, output_dir / f"fold-{i}")
                for i, (fold_train, fold_val) in enumerate(
                    kfold_splits(train, config.kfold, config.seed))
            ]
            metrics = {"folds": folds, **_mean(folds)}
        else:
            metrics = _train_one(config, train, val, output_dir)
    return runs.write_record(config, output_dir, metrics, timer.seconds)


def _mean(folds: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k in folds[0] if k.startswith("eval_") and "pos_rate" not in k]
    out: dict[str, float] = {}
    for key in keys:
        values = [f[key] for f in folds if isinstance(f.get(key), int | float)]
        if values:
            out[f"mean_{key}"] = statistics.fmean(values)
            out[f"sd_{key}"] = statistics.stdev(values) if len(values) > 1 else 0.0
    return out
