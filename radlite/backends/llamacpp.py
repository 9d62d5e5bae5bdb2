"""In-process GGUF inference with llama-cpp-python (the optional ``llamacpp`` extra).

JSON-schema requests are constrained with a GBNF grammar built from the schema, so the
output always parses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from radlite.backends.base import Backend, Capabilities, file_hash
from radlite.core.errors import BackendError
from radlite.core.generation import GenerationRequest, GenerationResult


class LlamaCppBackend(Backend):
    """A GGUF model run by llama.cpp in this process.

    Args:
        model: path of a ``.gguf`` file; defaults to the embedded SmolLM2 file.
        adapter: optional LoRA adapter in GGUF form (``llama.cpp`` ``--lora``).
        n_ctx: context window in tokens.
        threads: CPU threads.
    """

    name = "llamacpp"

    def __init__(
        self,
        model: str | None = None,
        adapter: str | None = None,
        n_ctx: int = 4096,
        threads: int | None = None,
        n_gpu_layers: int = 0,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise BackendError("the llamacpp backend needs: pip install 'radlite[llamacpp]'") from exc
        if model is None:
            from radlite.backends.builtin import embedded_model_path

            model = str(embedded_model_path())
        if not Path(model).is_file():
            raise BackendError(f"GGUF file {model} does not exist")
        kwargs: dict[str, Any] = {"model_path": model, "n_ctx": n_ctx, "verbose": False,
                                  "n_gpu_layers": n_gpu_layers}
        if threads:
            kwargs["n_threads"] = int(threads)
        if adapter:
            kwargs["lora_path"] = adapter
        self._model = model
        self._adapter_hash = file_hash(adapter) if adapter else None
        self.llm = Llama(**kwargs)
        self._grammars: dict[str, Any] = {}
        self.capabilities = Capabilities(
            json_schema=True, max_batch_size=1,
            decoding=frozenset({"temperature", "max_new_tokens", "top_p", "top_k",
                                "repetition_penalty"}))

    @property
    def model_id(self) -> str:
        return f"llamacpp:{Path(self._model).name}"

    @property
    def adapter_hash(self) -> str | None:
        return self._adapter_hash

    def _grammar(self, schema: dict[str, Any]) -> Any:
        from llama_cpp import LlamaGrammar

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            self._grammars[key] = LlamaGrammar.from_json_schema(key, verbose=False)
        return self._grammars[key]

    def _one(self, request: GenerationRequest) -> GenerationResult:
        grammar = self._grammar(request.json_schema) if request.json_schema else None
        try:
            out = self.llm.create_chat_completion(
                messages=list(request.messages), max_tokens=request.max_new_tokens,
                temperature=request.temperature, grammar=grammar,
                seed=request.seed if request.seed is not None else -1,
                **_sampling(request),
            )
        except (RuntimeError, ValueError) as exc:
            return GenerationResult(error=f"llama.cpp failed: {exc}", key=request.key)
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return GenerationResult(
            text=(choice["message"]["content"] or "").strip(), key=request.key,
            finish_reason=choice.get("finish_reason") or "stop",
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        return [self._one(r) for r in requests]


def _sampling(request: GenerationRequest) -> dict[str, Any]:
    """llama.cpp's names for the sampling controls of ``request`` that are set."""
    names = {"top_p": "top_p", "top_k": "top_k", "repetition_penalty": "repeat_penalty"}
    return {ours: getattr(request, key) for key, ours in names.items()
            if getattr(request, key) is not None}
