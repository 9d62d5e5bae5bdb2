"""The ``transformers`` backend: any local Hugging Face model folder or GGUF file.

Runs batched greedy (or sampled) generation on CPU or CUDA, with an optional PEFT/LoRA
adapter, and JSON-schema or regex constrained decoding through xgrammar when it is
installed. Models are only ever read from local paths (``local_files_only``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from radlite.backends.base import ALL_CONTROLS, Backend, Capabilities, file_hash
from radlite.backends.hf_drafted import drafted_generate
from radlite.backends.hf_prefix import (
    MIN_PREFIX_TOKENS,
    PrefixCache,
    common_prefix,
    length_groups,
    padding_share,
    ragged_cache,
    supports_ragged,
)
from radlite.core.errors import BackendError, RadliteError
from radlite.core.generation import GenerationRequest, GenerationResult
from radlite.core.precision import DTYPES, resolve_dtype
from radlite.models.optional import OPTIONAL_MODELS, optional_model_path

log = logging.getLogger(__name__)

# Compiled grammars kept (per-report regexes would otherwise grow without bound).
GRAMMAR_CACHE_SIZE = 256



def local_source(path: Path, error: type[RadliteError] = BackendError
                 ) -> tuple[Path, dict[str, Any]]:
    """``(folder, from_pretrained kwargs)`` for a local model folder or ``.gguf`` file.

    Raises:
        ``error``: a file that is not ``.gguf``.
    """
    kwargs: dict[str, Any] = {"local_files_only": True}
    if not path.is_file():
        return path, kwargs
    if path.suffix != ".gguf":
        raise error(f"{path}: a model file must be .gguf; otherwise pass the folder")
    return path.parent, {**kwargs, "gguf_file": path.name}

def _xgrammar_available() -> bool:
    try:
        import xgrammar  # noqa: F401
    except ImportError:
        return False
    return True


def model_path(model: str | Path) -> Path:
    """The local path of ``model``: a folder or ``.gguf`` file, or an optional packaged
    model by name (:mod:`radlite.models.optional`, checksum-verified).

    Raises:
        BackendError: no such path, or the named model is missing or fails its checksum.
    """
    path = Path(model)
    if not path.exists() and str(model) in OPTIONAL_MODELS:
        try:
            path = optional_model_path(str(model))
        except RadliteError as exc:
            raise BackendError(str(exc)) from exc
    if not path.exists():
        raise BackendError(f"model path {path} does not exist (models are loaded from local paths)")
    return path


def load_model_and_tokenizer(
    model: str | os.PathLike[str], device: str = "cpu", dtype: str = "auto"
) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer from a local folder or ``.gguf`` file, or an
    optional packaged model by name (:func:`model_path`).

    Raises:
        BackendError: the path does not exist or does not hold a loadable model.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = model_path(model)
    folder, kwargs = local_source(path)
    try:
        name = resolve_dtype(dtype, device)
    except ValueError as exc:
        raise BackendError(str(exc)) from exc
    torch_dtype = getattr(torch, name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
        lm = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype, **kwargs)
    except (OSError, ValueError) as exc:
        raise BackendError(f"could not load a model from {path}: {exc}") from exc
    return lm.to(device).eval(), for_generation(tokenizer)


def for_generation(tokenizer: Any) -> Any:
    """Left padding and a pad token (batched generation needs both)."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def forget_gguf_quantization(model: Any) -> None:
    """GGUF weights arrive dequantized (fp32) but flagged as quantized; unflag them.

    transformers keeps a GGUF "quantizer" on the model, which makes the Trainer refuse
    to train it; the tensors themselves are ordinary floating-point weights.
    """
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    for module in model.modules():
        config = getattr(module, "config", None)
        if config is not None and getattr(config, "_is_quantized", False):
            config._is_quantized = False


def chat_prompt(tokenizer: Any, messages: Sequence[dict[str, str]]) -> str:
    """The model's input text for chat ``messages``: the tokenizer's chat template with the
    generation prompt (tokenizers without one, e.g. T5, get the contents joined by blank
    lines). Training renders its prompts with this same function, so a fine-tuned model
    sees exactly the text it will see at inference."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(list(messages), add_generation_prompt=True,
                                             tokenize=False)
    return "\n\n".join(m["content"] for m in messages)


class TransformersBackend(Backend):
    """Local transformers model with optional LoRA adapter and constrained decoding.

    Args:
        model: local model folder or ``.gguf`` file.
        adapter: optional PEFT adapter folder; merged into the weights for speed.
        device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.
        dtype: ``auto`` (bfloat16 on CUDA and on CPUs with AVX512-BF16/AMX, float32
            elsewhere), ``float32``, ``bfloat16`` or ``float16``.
        batch_size: default batch size callers should use.
        threads: CPU threads for torch (default: torch's choice).
        constrained: use xgrammar for requests that carry a schema or regex.
        prefix_cache: compute the prompt prefix shared by a batch (chat template and
            instruction) once and reuse its keys/values.
        max_padding: split a batch by prompt tokens so that padding stays under this
            fraction of the real tokens (0 disables splitting).
        ragged_prefill: when padding would pass ``max_padding`` of a batch's real prompt
            tokens, prefill the prompts in groups of similar length and decode the batch
            together (:func:`~radlite.backends.hf_prefix.ragged_cache`; models with
            sliding-window or recurrent layers always pad).
        drafted: decode greedy constrained batches with verified drafts of the text the
            grammar forces (:mod:`radlite.backends.hf_drafted`): the same answers in
            fewer forward passes (models with sliding-window or recurrent layers, and
            sampled, beam or repetition-penalised requests, use ``generate``).
    """

    name = "transformers"
    drafted = False  # set by __init__; instances built without it decode with generate
    _plain_cache: bool | None = None

    def __init__(
        self,
        model: str,
        adapter: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        batch_size: int = 8,
        threads: int | None = None,
        constrained: bool = True,
        prefix_cache: bool = True,
        max_padding: float = 0.3,
        ragged_prefill: bool = True,
        drafted: bool = True,
    ) -> None:
        import torch

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if threads:
            torch.set_num_threads(int(threads))
        self.device = device
        self._model_path = str(model)
        self._adapter_hash = None
        self._load(model, adapter, device, dtype)
        self.constrained = constrained and _xgrammar_available()
        self._grammar_compiler: Any = None
        self._grammar_cache: dict[str, Any] = {}
        self._prefix = PrefixCache() if prefix_cache else None
        self.max_padding = max_padding
        self._ragged_ok: bool | None = None if ragged_prefill else False
        self.drafted, self._plain_cache = drafted, None
        self.capabilities = Capabilities(
            json_schema=self.constrained, regex=self.constrained, batch=True,
            max_batch_size=batch_size, decoding=ALL_CONTROLS,
        )

    def _load(self, model: str, adapter: str | None, device: str, dtype: str) -> None:
        """Load the model and merge ``adapter``; a GGUF model goes through the merged cache
        (:mod:`radlite.backends.merged_cache`), which skips dequantizing and merging."""
        import torch

        from radlite.backends import merged_cache

        key = None
        path = model_path(model)
        if (path.suffix == ".gguf" and path.is_file() and dtype in DTYPES
                and merged_cache.cache_root() is not None):
            adapter_hash = file_hash(adapter) if adapter else None
            name = resolve_dtype(dtype, device)
            key = merged_cache.cache_key(path, adapter_hash, name)
            cached = merged_cache.load_cached(key, device, getattr(torch, name))
            if cached is not None:
                self.model, tokenizer = cached
                self.tokenizer = for_generation(tokenizer)
                self._adapter_hash = adapter_hash
                return
        self.model, self.tokenizer = load_model_and_tokenizer(path, device, dtype)
        if adapter:
            self.attach_adapter(adapter)
        if key is not None:
            merged_cache.store(key, self.model, self.tokenizer)

    @classmethod
    def from_loaded(cls, model: Any, tokenizer: Any, batch_size: int = 8,
                    name: str = "in-training model") -> TransformersBackend:
        """A backend around a model already in memory (e.g. one being trained), so that
        training validation decodes exactly as inference does. No prefix cache (the
        weights change between calls) and no constrained decoding."""
        backend = cls.__new__(cls)
        backend.device = str(getattr(model, "device", "cpu"))
        backend._model_path = name
        backend.model, backend.tokenizer = model, tokenizer
        backend._adapter_hash = None
        backend.constrained = False
        backend._grammar_compiler, backend._grammar_cache = None, {}
        backend._prefix = None
        backend.max_padding = 0.3
        backend._ragged_ok = False
        backend.capabilities = Capabilities(batch=True, max_batch_size=batch_size,
                                            decoding=ALL_CONTROLS)
        return backend

    def attach_adapter(self, adapter: str) -> None:
        """Merge the PEFT/LoRA adapter in folder ``adapter`` into the loaded model."""
        from peft import PeftModel

        if not Path(adapter).is_dir():
            raise BackendError(f"adapter folder {adapter} does not exist")
        try:
            peft_model = PeftModel.from_pretrained(self.model, adapter, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise BackendError(f"could not load adapter {adapter}: {exc}") from exc
        self.model = peft_model.merge_and_unload().eval()
        self._adapter_hash = file_hash(adapter)

    @property
    def model_id(self) -> str:
        return self._model_path + self._precision_suffix()

    @property
    def dtype(self) -> str | None:
        """The precision the weights run in (``auto`` already resolved)."""
        return str(getattr(getattr(self, "model", None), "dtype", "float32")).removeprefix("torch.")

    def _precision_suffix(self) -> str:
        """`` [bfloat16]`` etc. when the weights are not fp32 (part of a job's identity)."""
        return "" if self.dtype == "float32" else f" [{self.dtype}]"

    @property
    def adapter_hash(self) -> str | None:
        return self._adapter_hash

    def _grammar(self, request: GenerationRequest) -> Any:
        import xgrammar as xgr

        if self._grammar_compiler is None:
            vocab = self.model.config.vocab_size
            info = xgr.TokenizerInfo.from_huggingface(self.tokenizer, vocab_size=vocab)
            self._grammar_compiler = xgr.GrammarCompiler(info)
        key = request.regex or json.dumps(request.json_schema, sort_keys=True)
        compiled = self._grammar_cache.pop(key, None)
        if compiled is None:
            if request.regex:
                compiled = self._grammar_compiler.compile_regex(request.regex)
            else:
                compiled = self._grammar_compiler.compile_json_schema(
                    json.dumps(request.json_schema), any_whitespace=False
                )
        self._grammar_cache[key] = compiled  # most recently used last
        while len(self._grammar_cache) > GRAMMAR_CACHE_SIZE:
            self._grammar_cache.pop(next(iter(self._grammar_cache)))
        return compiled

    def _encode(self, requests: Sequence[GenerationRequest]) -> list[list[int]]:
        prompts = [chat_prompt(self.tokenizer, r.messages) for r in requests]
        return self.tokenizer(prompts, add_special_tokens=False)["input_ids"]

    def _inputs(self, rows: list[list[int]], prefix: bool = True) -> tuple[dict[str, Any], int]:
        """Model inputs for ``rows``: [shared prefix][left padding][own tokens].

        ``prefix=False`` computes the shared prefix anew instead of from the cache (beam
        search reorders the cache). Returns the inputs and the number of prompt columns
        (generated tokens follow).
        """
        import torch

        cached = self._prefix is not None and prefix
        shared = common_prefix(rows) if cached and len(rows) > 0 else 0
        shared = min(shared, min(len(r) for r in rows) - 1)
        use_prefix = shared >= MIN_PREFIX_TOKENS
        head = rows[0][:shared] if use_prefix else []
        tails = [r[len(head):] for r in rows]
        width = max(len(t) for t in tails)
        pad = self.tokenizer.pad_token_id
        ids = [head + [pad] * (width - len(t)) + t for t in tails]
        mask = [[1] * len(head) + [0] * (width - len(t)) + [1] * len(t) for t in tails]
        inputs: dict[str, Any] = {
            "input_ids": torch.tensor(ids, device=self.device),
            "attention_mask": torch.tensor(mask, device=self.device),
        }
        if (use_prefix and len(rows) > 1 and self._ragged()
                and padding_share(tails) > self.max_padding):
            inputs["past_key_values"] = ragged_cache(self.model, self._prefix, head, tails,
                                                     self.max_padding)
        elif use_prefix:
            inputs["past_key_values"] = self._prefix.get(self.model, head, len(rows))
        return inputs, len(ids[0])

    def _ragged(self) -> bool:
        """Whether uneven batches prefill in length groups (:func:`ragged_cache`); decided
        once per model."""
        if self._ragged_ok is None:
            self._ragged_ok = self._plain_layers()
        return self._ragged_ok

    def _plain_layers(self) -> bool:
        """Whether every attention layer keeps a plain cache (ragged prefill and drafted
        decoding both need it); decided once per model."""
        if self._plain_cache is None:
            self._plain_cache = supports_ragged(self.model)
        return self._plain_cache

    def _processors(self, requests: Sequence[GenerationRequest]) -> list[Any]:
        wants = [bool(r.json_schema or r.regex) for r in requests]
        if not self.constrained or not any(wants):
            return []
        if not all(wants):
            return []  # mixed batches run unconstrained; parsers still validate
        from xgrammar.contrib.hf import LogitsProcessor

        return [LogitsProcessor([self._grammar(r) for r in requests])]

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        if not requests:
            return []
        rows = self._encode(requests)
        groups = (length_groups([len(r) for r in rows], self.max_padding)
                  if self.max_padding > 0 else [list(range(len(rows)))])
        results: list[GenerationResult | None] = [None] * len(requests)
        for group in groups:
            sub = self._generate_rows([rows[i] for i in group], [requests[i] for i in group])
            for index, result in zip(group, sub, strict=True):
                results[index] = result
        return [r for r in results if r is not None]

    def _can_draft(self, requests: Sequence[GenerationRequest]) -> bool:
        """Whether :mod:`radlite.backends.hf_drafted` decodes ``requests``: greedy, one
        beam, no repetition penalty, a grammar on every row, a plain-cache model."""
        return (self.drafted and self.constrained and self._plain_layers()
                and all((r.json_schema or r.regex) and r.temperature <= 0
                        and r.num_beams <= 1 and r.repetition_penalty in (None, 1.0)
                        for r in requests))

    def _generate_drafted(self, rows: list[list[int]],
                          requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        import xgrammar as xgr

        inputs, _ = self._inputs(rows)
        matchers = [xgr.GrammarMatcher(self._grammar(r)) for r in requests]
        eos = self.model.generation_config.eos_token_id
        stops = {*matchers[0].stop_token_ids,
                 *([eos] if isinstance(eos, int) else list(eos or []))}
        answers = drafted_generate(self.model, self.tokenizer, inputs, matchers,
                                   [r.max_new_tokens for r in requests],
                                   self.model.config.vocab_size, sorted(stops))
        counts_stop = self.tokenizer.pad_token_id not in stops  # as generate's count does
        return [GenerationResult(
            text=self.tokenizer.decode(tokens, skip_special_tokens=True).strip(),
            key=request.key, finish_reason="stop" if stopped else "length",
            prompt_tokens=len(row), completion_tokens=len(tokens) + int(stopped and counts_stop),
        ) for (tokens, stopped), row, request in zip(answers, rows, requests, strict=True)]

    def _generate_rows(self, rows: list[list[int]],
                       requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        import torch

        if self._can_draft(requests):
            return self._generate_drafted(rows, requests)
        first = requests[0]
        beams = max(1, first.num_beams)
        inputs, prompt_len = self._inputs(rows, prefix=beams == 1)
        sample = first.temperature > 0
        if sample and first.seed is not None:
            torch.manual_seed(first.seed)
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                max_new_tokens=max(r.max_new_tokens for r in requests),
                do_sample=sample,
                temperature=first.temperature if sample else None,
                top_p=first.top_p if sample else None,
                top_k=first.top_k if sample else None,
                # grammar processors track one state per row; beams multiply the rows
                logits_processor=(self._processors(requests) if beams == 1 else []) or None,
                pad_token_id=self.tokenizer.pad_token_id,
                **_search_options(first),
            )
        results = []
        for row, tokens, request in zip(output, rows, requests, strict=True):
            new = row[prompt_len:]
            ids = new[new != self.tokenizer.pad_token_id]
            hit_eos = bool((new == self.tokenizer.eos_token_id).any())
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            results.append(GenerationResult(
                text=text.strip(), key=request.key,
                finish_reason="stop" if hit_eos else "length",
                prompt_tokens=len(tokens), completion_tokens=int(ids.numel()),
            ))
        return results


def _search_options(request: GenerationRequest) -> dict[str, Any]:
    """Beam-search and repetition settings of ``request`` that are set (none by default)."""
    options: dict[str, Any] = {}
    if request.num_beams > 1:
        options["num_beams"] = request.num_beams
        if request.length_penalty is not None:
            options["length_penalty"] = request.length_penalty
    if request.repetition_penalty is not None:
        options["repetition_penalty"] = request.repetition_penalty
    return options
