"""Loading a base model for training and wrapping it with a LoRA adapter.

Key term: the *base* is the frozen model the adapter is trained on. For the embedded
model it is the GGUF file dequantized to fp32 by transformers, the very weights the
builtin backend merges the adapter into at inference. QLoRA loads the base in 4-bit
NF4 with double quantisation instead (bitsandbytes).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from radlite.backends.hf import forget_gguf_quantization
from radlite.core.errors import ConfigError
from radlite.train.config import BUILTIN, TrainConfig

log = logging.getLogger(__name__)


def resolve_model_path(model: str) -> Path:
    """The local path of ``model``: ``builtin`` -> the embedded GGUF file; a name of
    :data:`radlite.models.optional.OPTIONAL_MODELS` -> its verified GGUF file."""
    from radlite.models.optional import OPTIONAL_MODELS, optional_model_path

    if model == BUILTIN:
        from radlite.backends.builtin import embedded_model_path

        return embedded_model_path()
    if model in OPTIONAL_MODELS:
        return optional_model_path(model)
    return Path(model)


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when available, else ``cpu``."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def detect_model_type(path: Path, model_type: str = "auto") -> str:
    """``causal`` or ``seq2seq``: read from the folder's ``config.json`` when ``auto``."""
    if model_type != "auto":
        return model_type
    if path.is_file():  # a .gguf file: causal LMs only
        return "causal"
    config = path / "config.json"
    if config.is_file():
        data = json.loads(config.read_text(encoding="utf-8"))
        if data.get("is_encoder_decoder"):
            return "seq2seq"
    return "causal"


def _quantization_config(config: TrainConfig, device: str) -> Any:
    if config.quantization != "4bit":
        return None
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16 if device.startswith("cuda") else torch.float32,
    )


def load_base(config: TrainConfig) -> tuple[Any, Any, str]:
    """Load the base model and tokenizer from a local path.

    Returns:
        ``(model, tokenizer, model_type)``.

    Raises:
        ConfigError: the path holds no loadable model.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    from radlite.backends.hf import local_source

    path = resolve_model_path(config.model)
    device = resolve_device(config.device)
    model_type = detect_model_type(path, config.model_type)
    folder, kwargs = local_source(path, ConfigError)
    quant = _quantization_config(config, device)
    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    auto = AutoModelForSeq2SeqLM if model_type == "seq2seq" else AutoModelForCausalLM
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
        model = auto.from_pretrained(folder, dtype=dtype, quantization_config=quant, **kwargs)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"could not load a {model_type} model from {path}: {exc}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if "gguf_file" in kwargs:
        forget_gguf_quantization(model)
    if quant is None:
        model = model.to(device)
    else:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    return model, tokenizer, model_type


def add_adapter(model: Any, config: TrainConfig, model_type: str) -> Any:
    """Wrap ``model`` with a trainable LoRA adapter (new, or ``init_adapter`` for stage 2).

    Raises:
        ConfigError: none of ``target_modules`` exists in the model.
    """
    from peft import LoraConfig, PeftModel, TaskType, get_peft_model

    if config.init_adapter:
        log.info("continuing from adapter %s", config.init_adapter)
        return PeftModel.from_pretrained(model, config.init_adapter, is_trainable=True)
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [m for m in config.target_modules if m not in names]
    if len(missing) == len(config.target_modules):
        raise ConfigError(f"none of target_modules {config.target_modules} is in the model "
                          f"(linear layers include e.g. {sorted(names)[:12]})")
    lora = LoraConfig(
        r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules), bias="none",
        task_type=TaskType.SEQ_2_SEQ_LM if model_type == "seq2seq" else TaskType.CAUSAL_LM,
    )
    return get_peft_model(model, lora)


def adapter_state(model: Any) -> dict[str, Any]:
    """A detached copy of the LoRA weights (to check that training changed them)."""
    return {k: v.detach().clone() for k, v in model.named_parameters() if "lora_" in k}
