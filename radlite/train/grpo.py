"""GRPO of a LoRA adapter with TRL's ``GRPOTrainer`` and the task's exact-match reward.

Key term: a *group* is ``num_generations`` sampled answers to one prompt; GRPO learns
from the spread of rewards inside a group. Groups whose rewards all tie give no
gradient and are counted (``reward/tied_groups``); truncated answers are masked out of
the loss (``mask_truncated_completions``); per-feature positive rates of the answers
are logged next to gold rates so that an always-0 policy is visible. Prompts are the
exact inference prompt text (chat template applied once, here).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from radlite.train import runs
from radlite.train.config import GRPOSettings
from radlite.train.data import Example, load_examples, oversample_rare
from radlite.train.encode import prompt_text
from radlite.train.modeling import add_adapter, load_base
from radlite.train.progress import PeriodicAccuracy, TrainingLog
from radlite.train.rewards import ExactMatchReward

log = logging.getLogger(__name__)


def _dataset(tokenizer: Any, examples: list[Example], max_length: int) -> tuple[Any, int]:
    """TRL dataset: plain-text prompts plus the columns the reward reads."""
    from datasets import Dataset

    rows, dropped = [], 0
    for e in examples:
        prompt = prompt_text(tokenizer, e.messages)
        if len(tokenizer(prompt, add_special_tokens=False)["input_ids"]) > max_length:
            dropped += 1
            continue
        rows.append({"prompt": prompt, "gold_json": json.dumps(e.gold, default=str),
                     "text": e.text, "target": e.target})
    return Dataset.from_list(rows), dropped


def _arguments(config: GRPOSettings, output_dir: Path) -> Any:
    from trl import GRPOConfig

    return GRPOConfig(
        output_dir=str(output_dir),
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        num_generations=config.num_generations,
        max_completion_length=config.max_completion_length,
        temperature=config.temperature,
        beta=config.beta,
        mask_truncated_completions=config.mask_truncated,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps > 0 else -1,
        logging_steps=config.logging_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        report_to=[],
        seed=config.seed,
        use_cpu=runs.device_of(config) == "cpu",
        bf16=config.bf16,
        disable_tqdm=True,
    )


def train_grpo(config: GRPOSettings) -> dict[str, Any]:
    """Train (or continue, with ``init_adapter``) a LoRA adapter with GRPO.

    Returns:
        The ``training.json`` record: config, data summary, time and metrics.

    Raises:
        ConfigError: an invalid config (checked before any model loads).
    """
    from trl import GRPOTrainer

    output_dir = runs.setup(config)
    task = runs.task_of(config)
    train, val = load_examples(config)
    model, tokenizer, model_type = load_base(config)
    model = add_adapter(model, config, model_type)
    tokenizer.padding_side = "left"
    train = oversample_rare(train, config.rare_repeat, config.rare_rate)
    dataset, dropped = _dataset(tokenizer, train, config.max_length)
    if len(dataset) == 0:
        raise runs.no_data_error(config, dropped)
    reward = ExactMatchReward(task, config.num_generations, config.format_penalty,
                              config.length_penalty, config.length_slack)
    callbacks: list[Any] = [TrainingLog(output_dir, extra=reward.stats.flush)]
    scorer = runs.accuracy_fn(task, tokenizer, val[:config.eval_generate_n], model_type)
    if scorer is not None:
        callbacks.append(PeriodicAccuracy(scorer, config.eval_steps))
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=_arguments(config, output_dir),
                          train_dataset=dataset, processing_class=tokenizer, callbacks=callbacks)
    with runs.Timer() as timer:
        trainer.train(resume_from_checkpoint=runs.resume_point(config, output_dir))
    runs.save_adapter(trainer.model, output_dir / "adapter")
    metrics: dict[str, Any] = {"train_examples": len(dataset), "dropped_too_long": dropped,
                               "steps": trainer.state.global_step,
                               "tied_groups_total": reward.stats.tied_groups_total}
    if scorer is not None:
        metrics.update({f"eval_{k}": v for k, v in scorer(trainer.model).items()})
    return runs.write_record(config, output_dir, metrics, timer.seconds)
