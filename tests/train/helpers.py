"""Shared assertions for training tests."""

from __future__ import annotations

from pathlib import Path


def assert_adapter_trained(base_folder: Path, adapter: Path) -> None:
    """The saved LoRA B matrices moved away from their zero init, and PEFT reloads them."""
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    saved = load_file(str(adapter / "adapter_model.safetensors"))
    b_mats = [v for k, v in saved.items() if "lora_B" in k]
    assert b_mats, "no LoRA weights were saved"
    assert any(float(v.abs().max()) > 0 for v in b_mats), "LoRA B is still zero: no update"
    base = AutoModelForCausalLM.from_pretrained(base_folder, local_files_only=True)
    model = PeftModel.from_pretrained(base, str(adapter), local_files_only=True)
    loaded = {k: v for k, v in model.state_dict().items() if "lora_B" in k}
    assert len(loaded) == len(b_mats)
    first = next(k for k in saved if "lora_B" in k)
    match = [v for k, v in loaded.items() if k.replace(".default", "").endswith(
        first.split("base_model.model.", 1)[-1])]
    assert match and torch.equal(match[0], saved[first])
