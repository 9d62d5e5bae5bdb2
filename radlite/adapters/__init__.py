"""LoRA adapters that radlite ships for the embedded model, one folder per task.

``radlite/adapters/<task>/`` holds a PEFT adapter (``adapter_config.json`` plus
``adapter_model.safetensors``) and ``training.json`` describing how it was trained.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def default_adapter(task: str) -> Path | None:
    """The shipped adapter folder for ``task``, or None when radlite ships none."""
    folder = Path(str(resources.files(__name__))) / task
    return folder if (folder / "adapter_config.json").is_file() else None
