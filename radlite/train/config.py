"""Training configurations: documented dataclasses that parse from YAML and CLI flags alike.

Key term: a *config* is one flat dataclass (:class:`SFTSettings` or :class:`GRPOSettings`)
whose every field has a default and a ``help`` text. The same field names are the YAML
keys and the CLI flags (``max_steps`` <-> ``--max-steps``); flags override the file.
:meth:`TrainConfig.validate` rejects impossible combinations before any model loads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pydantic
import yaml

from radlite.core.errors import ConfigError
from radlite.models.optional import OPTIONAL_MODELS

BUILTIN = "builtin"
QUANTIZATIONS = ("none", "4bit")
MODEL_TYPES = ("auto", "causal", "seq2seq")


def _f(default: Any, help: str, **kw: Any) -> Any:  # noqa: A002 - mirrors argparse
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help}, **kw)
    return field(default=default, metadata={"help": help}, **kw)


@dataclass
class TrainConfig:
    """Settings shared by SFT and GRPO. See ``docs/train.md`` for a walk-through."""

    kind: ClassVar[str] = "base"

    # what to learn
    task: str = _f("lirads", "Task whose prompt/answer format is learned (lirads), or 'text' "
                   "for plain prompt->target columns (e.g. findings->impression).")
    template: str = _f("compact-v1", "Task prompt template (lirads: compact-v1 or json-v1).")
    prompt_col: str = _f("report", "Input column: the report text (task 'text': the prompt).")
    target_col: str = _f("", "task 'text' only: the column holding the answer to learn.")
    system_prompt: str = _f("", "task 'text' only: optional system message.")
    task_options: dict[str, Any] = _f({}, "Options of the task's prompt builder, over the "
                                      "task's training defaults (impression: mode, style, "
                                      "max_items).")
    # data
    train_file: str = _f("", "Labelled CSV/JSONL (id, report, labels). Empty: synthetic data.")
    val_file: str = _f("", "Separate validation CSV/JSONL. Empty: split from the training data.")
    val_fraction: float = _f(0.1, "Share of the training rows held out for validation.")
    synth_n: int = _f(0, "Synthetic training reports to generate; with train_file they are "
                      "added to its rows (general + synthetic pairs in one stage).")
    synth_seed: int = _f(0, "Seed of the synthetic generator (the data seed).")
    synth_lang: str = _f("mixed", "Synthetic report language: en, ko-en or mixed.")
    max_length: int = _f(512, "Longest prompt+answer in tokens; longer examples are dropped.")
    kfold: int = _f(0, "k-fold cross-validation: train k adapters, report mean metrics (0 = off).")
    rare_repeat: int = _f(1, "Show a training example this many times when a binary label "
                          "it holds positive is rare (positive in under rare_rate of the "
                          "training rows); 1 = off.")
    rare_rate: float = _f(0.2, "Positive rate below which a binary label counts as rare.")
    # model
    model: str = _f(BUILTIN, "Local model folder or .gguf file, 'builtin' (embedded model), or "
                    "an optional packaged model by name (gemma3-270m, qwen2.5-coder-1.5b).")
    model_type: str = _f("auto", "auto, causal or seq2seq (T5-style encoder-decoder).")
    init_adapter: str = _f("", "Start from this LoRA adapter (two-stage training: stage 2).")
    lora_r: int = _f(16, "LoRA rank.")
    lora_alpha: int = _f(32, "LoRA alpha (scale = alpha / r).")
    lora_dropout: float = _f(0.05, "LoRA dropout.")
    target_modules: list[str] = _f(["q_proj", "k_proj", "v_proj", "o_proj"],
                                   "Module names that get LoRA (T5: q, k, v, o).")
    quantization: str = _f("none", "none, or 4bit (QLoRA: NF4 + double quantisation; "
                           "needs bitsandbytes).")
    # optimisation
    learning_rate: float = _f(2e-4, "Peak learning rate (linear decay, warmup_ratio warmup).")
    warmup_ratio: float = _f(0.05, "Share of steps used for warmup.")
    epochs: float = _f(1.0, "Passes over the training data (ignored when max_steps > 0).")
    max_steps: int = _f(0, "Stop after this many optimiser steps (0 = use epochs).")
    batch_size: int = _f(4, "Examples per forward pass.")
    grad_accum: int = _f(1, "Forward passes per optimiser step.")
    weight_decay: float = _f(0.0, "AdamW weight decay.")
    seed: int = _f(0, "Training seed (shuffling, LoRA init, sampling).")
    # bookkeeping
    output_dir: str = _f("runs/train", "Folder for checkpoints, logs, plot and the final adapter.")
    eval_steps: int = _f(50, "Evaluate (validation loss, accuracy) every this many steps.")
    save_steps: int = _f(50, "Checkpoint every this many steps (a multiple of eval_steps).")
    save_total_limit: int = _f(2, "Checkpoints kept on disk.")
    eval_generate_n: int = _f(32, "Validation reports decoded for accuracy at each evaluation "
                              "(0 = loss only).")
    logging_steps: int = _f(10, "Log loss every this many steps.")
    resume: bool = _f(False, "Resume from the newest checkpoint in output_dir.")
    device: str = _f("auto", "cpu, cuda or auto.")
    threads: int = _f(0, "CPU threads for torch (0 = torch's choice).")
    group_by_length: bool = _f(False, "Batch examples of similar length (less padding: "
                               "faster steps on CPU).")
    bf16: bool = _f(False, "Mixed precision with bfloat16 autocast (CUDA, or CPUs with "
                    "AVX512-BF16/AMX: several times faster there). Weights stay fp32.")

    # ---- construction -------------------------------------------------------------
    @classmethod
    def field_names(cls) -> list[str]:
        """Names of every setting, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from a mapping; unknown keys are an error (catches typos)."""
        known = set(cls.field_names())
        unknown = sorted(k for k in data if k.replace("-", "_") not in known)
        if unknown:
            raise ConfigError(f"unknown {cls.kind} setting(s): {', '.join(unknown)}")
        values = {k.replace("-", "_"): _coerce(cls, k.replace("-", "_"), v)
                  for k, v in data.items()}
        return cls(**values)

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
        """Read a YAML file; ``overrides`` (e.g. CLI flags) win over the file."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        declared = data.pop("kind", cls.kind)
        if declared != cls.kind:
            raise ConfigError(f"{path} is a '{declared}' config, not '{cls.kind}'")
        return cls.from_dict({**data, **(overrides or {})})

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping (YAML/JSON-ready), with ``kind`` first."""
        return {"kind": self.kind, **dataclasses.asdict(self)}

    def to_yaml(self, path: str | Path) -> None:
        """Write the full config (every default spelled out)."""
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")

    # ---- validation ---------------------------------------------------------------
    def validate(self) -> TrainConfig:
        """Reject impossible combinations up front; returns self.

        Raises:
            ConfigError: naming the offending settings.
        """
        problems = self._problems()
        if problems:
            raise ConfigError("invalid training config: " + "; ".join(problems))
        return self

    def _problems(self) -> list[str]:
        return (self._data_problems() + self._model_problems() + self._schedule_problems()
                + _quantization_problems(self.quantization, self.device))

    def _data_problems(self) -> list[str]:
        p: list[str] = []
        if self.task == "text" and not self.target_col:
            p.append("task 'text' needs target_col")
        if not self.train_file and self.synth_n <= 0:
            p.append("give train_file or synth_n > 0")
        for name in ("train_file", "val_file"):
            value = getattr(self, name)
            if value and not Path(value).is_file():
                p.append(f"{name} {value} does not exist")
        if self.rare_repeat < 1:
            p.append("rare_repeat must be at least 1 (1 = off)")
        if not 0 < self.rare_rate <= 1:
            p.append("rare_rate must be in (0, 1]")
        if self.kfold == 1 or self.kfold < 0:
            p.append("kfold must be 0 (off) or at least 2")
        if self.kfold and self.val_file:
            p.append("kfold makes its own validation folds; drop val_file")
        if not self.kfold and not self.val_file and not 0 < self.val_fraction < 1:
            p.append("val_fraction must be between 0 and 1")
        if self.max_length < 32:
            p.append("max_length below 32 tokens leaves no room for a report")
        return p

    def _model_problems(self) -> list[str]:
        p: list[str] = []
        if self.model_type not in MODEL_TYPES:
            p.append(f"model_type must be one of {MODEL_TYPES}")
        if (self.model != BUILTIN and self.model not in OPTIONAL_MODELS
                and not Path(self.model).exists()):
            p.append(f"model {self.model} does not exist (models are loaded from local paths)")
        if self.init_adapter and not (Path(self.init_adapter) / "adapter_config.json").is_file():
            p.append(f"init_adapter {self.init_adapter} is not a PEFT adapter folder")
        if self.lora_r <= 0 or self.lora_alpha <= 0:
            p.append("lora_r and lora_alpha must be positive")
        if not 0 <= self.lora_dropout < 1:
            p.append("lora_dropout must be in [0, 1)")
        if not self.target_modules:
            p.append("target_modules is empty")
        return p

    def _schedule_problems(self) -> list[str]:
        p: list[str] = []
        if self.batch_size <= 0 or self.grad_accum <= 0:
            p.append("batch_size and grad_accum must be positive")
        if self.max_steps <= 0 and self.epochs <= 0:
            p.append("set max_steps > 0 or epochs > 0")
        if self.eval_steps <= 0 or self.save_steps <= 0:
            p.append("eval_steps and save_steps must be positive")
        elif self.save_steps % self.eval_steps:
            p.append("save_steps must be a multiple of eval_steps (best-checkpoint tracking)")
        return p


def _quantization_problems(quantization: str, device: str) -> list[str]:
    if quantization not in QUANTIZATIONS:
        return [f"quantization must be one of {QUANTIZATIONS}"]
    if quantization == "none":
        return []
    if importlib.util.find_spec("bitsandbytes") is None:
        return ["quantization '4bit' (QLoRA) needs bitsandbytes: pip install 'radlite[qlora]' "
                "(CUDA; its CPU support depends on the bitsandbytes build), or use "
                "quantization: none"]
    import torch

    if device == "cpu" or (device == "auto" and not torch.cuda.is_available()):
        try:
            import bitsandbytes as bnb  # noqa: F401
            from bitsandbytes.functional import quantize_4bit

            quantize_4bit(torch.zeros(64, dtype=torch.float32), quant_type="nf4")
        except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
            return [f"this bitsandbytes build cannot quantise to 4-bit NF4 on CPU ({exc}); "
                    "use a CUDA device or quantization: none"]
    return []


@dataclass
class SFTSettings(TrainConfig):
    """Supervised fine-tuning with LoRA/QLoRA; loss on the answer tokens only."""

    kind: ClassVar[str] = "sft"

    early_stopping_patience: int = _f(3, "Stop after this many evaluations without a better "
                                      "best_metric (0 = off); the best adapter is kept.")
    typo_augment: float = _f(0.0, "Add a copy of every training report with typing errors at "
                             "this per-letter rate, same answer (e.g. 0.03; 0 = off).")
    best_metric: str = _f("eval_loss", "Validation metric that picks the best checkpoint and "
                          "drives early stopping: eval_loss (lower is better), or a decoded "
                          "metric (higher is better): eval_rougeL, eval_bertscore_f1 (text "
                          "tasks), eval_accuracy (LI-RADS); decoded metrics need "
                          "eval_generate_n > 0.")

    def _problems(self) -> list[str]:
        p = super()._problems()
        if not 0 <= self.typo_augment <= 0.5:
            p.append("typo_augment is a per-letter rate in [0, 0.5]")
        if self.best_metric != "eval_loss" and self.eval_generate_n <= 0:
            p.append(f"best_metric {self.best_metric} is decoded: set eval_generate_n > 0")
        if not self.best_metric.startswith("eval_"):
            p.append("best_metric must name a validation metric (eval_...)")
        return p


@dataclass
class GRPOSettings(TrainConfig):
    """GRPO (TRL) with the task's exact-match reward, format and length penalties."""

    kind: ClassVar[str] = "grpo"

    learning_rate: float = _f(5e-5, "Peak learning rate.")
    batch_size: int = _f(4, "Completions per step (a multiple of num_generations).")
    num_generations: int = _f(4, "Completions sampled per prompt (the GRPO group).")
    max_completion_length: int = _f(72, "Longest completion in tokens; longer ones are "
                                    "truncated and masked out of the loss.")
    temperature: float = _f(1.0, "Sampling temperature of the rollouts.")
    mask_truncated: bool = _f(True, "Mask completions cut at max_completion_length out of "
                              "the loss (a base model that never stops learns nothing then).")
    beta: float = _f(0.0, "KL penalty weight against the reference model (0 = none).")
    format_penalty: float = _f(1.0, "Subtracted when the answer cannot be parsed.")
    length_penalty: float = _f(0.5, "Maximum subtracted for answers longer than the target.")
    length_slack: float = _f(1.25, "Answers up to this many times the expected length are free.")
    eval_generate_n: int = _f(16, "Validation reports decoded for accuracy at each evaluation.")

    def _problems(self) -> list[str]:
        p = super()._problems()
        if self.task == "text":
            p.append("GRPO needs a task with a scorer (e.g. lirads), not 'text'")
        if self.model_type == "seq2seq":
            p.append("GRPO (TRL) supports causal language models only")
        if self.num_generations < 2:
            p.append("num_generations must be at least 2 (a group needs a spread)")
        elif (self.batch_size * self.grad_accum) % self.num_generations:
            p.append("batch_size * grad_accum must be a multiple of num_generations")
        if self.max_completion_length < 8:
            p.append("max_completion_length is too short for any answer")
        return p


def _coerce(cls: type[TrainConfig], name: str, value: Any) -> Any:
    """Turn YAML/CLI values into the field's type with pydantic's lax validation
    (``"1e-4"`` -> float, ``"yes"`` -> True); a comma-separated string fills a list, and
    a YAML/JSON mapping string (``"{mode: refine}"``) fills a dict."""
    kind = typing.get_type_hints(cls)[name]
    if kind == list[str] and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if typing.get_origin(kind) is dict and isinstance(value, str):
        with contextlib.suppress(yaml.YAMLError):  # reported as "not a valid dict" below
            value = yaml.safe_load(value) or {}
    if kind is str and value is None:
        value = ""
    try:
        return _adapter(kind).validate_python(value)
    except pydantic.ValidationError as exc:
        reason = exc.errors()[0]["msg"] if exc.errors() else "invalid"
        raise ConfigError(f"setting {name}: {value!r} is not a valid {_type_name(kind)} "
                          f"({reason})") from None


@functools.cache
def _adapter(kind: Any) -> pydantic.TypeAdapter:
    return pydantic.TypeAdapter(kind)


def _type_name(kind: Any) -> str:
    return getattr(kind, "__name__", str(kind)) if kind != list[str] else "list[str]"


def load_config(kind: str, path: str | Path | None = None,
                overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The config for ``kind`` (``sft`` or ``grpo``) from an optional YAML file plus overrides.

    Raises:
        ConfigError: unknown kind or setting, a bad value, or an impossible combination.
    """
    classes: dict[str, type[TrainConfig]] = {"sft": SFTSettings, "grpo": GRPOSettings}
    if kind not in classes:
        raise ConfigError(f"unknown training kind {kind!r}; choose sft or grpo")
    cls = classes[kind]
    config = cls.from_yaml(path, overrides) if path else cls.from_dict(overrides or {})
    return config.validate()
