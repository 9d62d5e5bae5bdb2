"""Exporting a trained adapter for other runtimes: merged weights as a transformers folder
(transformers, vLLM) and as a GGUF file (llama.cpp, Ollama).

Key terms:
- *merged*: the LoRA update ``B @ A * alpha / r`` is added into the base weights, so the
  exported model needs no adapter support. The base is loaded exactly as training and the
  builtin backend load it (the GGUF file dequantized to float32 by transformers), so the
  merged weights are the ones radlite itself runs.
- *GGUF export*: written only when the base model is itself a GGUF file (the embedded
  model, or a ``.gguf`` path). The source file's metadata (architecture, tokenizer, chat
  template) is copied unchanged and every tensor of the source is written again from the
  merged weights, in the same layout llama.cpp's own converter writes: the LLaMA
  attention query/key rows are permuted back to llama.cpp's rotary order.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.models.optional import file_sha256

log = logging.getLogger(__name__)

#: GGUF architectures whose tensors are written as stored in transformers (plus the
#: LLaMA q/k permutation); others need llama.cpp's own converter.
GGUF_ARCHITECTURES = ("llama", "qwen2")

#: GGUF tensor types offered for the 2-D weights (norms and 1-D tensors stay float32).
GGUF_TYPES = ("f32", "f16", "q8_0")

_SKIPPED_FIELDS = ("GGUF.", "general.file_type")


def merge_adapter(model: str, adapter: str | Path) -> tuple[Any, Any, Path]:
    """The base ``model`` (``builtin`` or a local path) with ``adapter`` merged in, float32.

    Returns:
        ``(model, tokenizer, base_path)``.

    Raises:
        ConfigError: the adapter folder is missing or does not fit the base model.
    """
    from radlite.backends.hf import load_model_and_tokenizer
    from radlite.train.modeling import resolve_model_path

    adapter = Path(adapter)
    if not (adapter / "adapter_config.json").is_file():
        raise ConfigError(f"{adapter} is not a PEFT adapter folder (no adapter_config.json)")
    base_path = resolve_model_path(model)
    lm, tokenizer = load_model_and_tokenizer(base_path, "cpu", "float32")
    from peft import PeftModel

    try:
        merged = PeftModel.from_pretrained(lm, str(adapter), local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ConfigError(f"adapter {adapter} does not fit the model {base_path}: {exc}") from exc
    return merged.merge_and_unload().eval(), tokenizer, base_path


def write_folder(lm: Any, tokenizer: Any, folder: Path) -> None:
    """Save the merged model and its tokenizer (safetensors) for transformers or vLLM."""
    from radlite.backends.hf import forget_gguf_quantization

    folder.mkdir(parents=True, exist_ok=True)
    forget_gguf_quantization(lm)  # read from GGUF: flagged quantized, yet dense float32
    lm.save_pretrained(str(folder), safe_serialization=True)
    tokenizer.save_pretrained(str(folder))


def write_gguf(lm: Any, source: Path, target: Path, tensor_type: str = "f16") -> None:
    """Write ``lm``'s weights as a GGUF file with ``source``'s metadata and tensor set.

    Raises:
        ConfigError: an unsupported architecture or tensor type, or a source tensor the
            model does not have.
    """
    import gguf

    if tensor_type not in GGUF_TYPES:
        raise ConfigError(f"GGUF tensor type {tensor_type!r} is not one of "
                          f"{', '.join(GGUF_TYPES)}")
    reader = gguf.GGUFReader(str(source))
    arch = str(reader.fields["general.architecture"].contents())
    if arch not in GGUF_ARCHITECTURES:
        raise ConfigError(f"GGUF export supports {', '.join(GGUF_ARCHITECTURES)} models, not "
                          f"{arch}; convert the exported folder with llama.cpp's "
                          "convert_hf_to_gguf.py")
    tensors = _gguf_tensors(lm, arch, int(reader.fields[f"{arch}.block_count"].contents()))
    writer = gguf.GGUFWriter(str(target), arch)
    _copy_metadata(reader, writer, tensor_type)
    heads = _head_counts(reader, arch)
    for source_tensor in reader.tensors:
        name = source_tensor.name
        if name not in tensors:
            raise ConfigError(f"the merged model has no tensor for {name} of {source}")
        data = _gguf_layout(tensors[name], name, arch, heads)
        _add_tensor(writer, name, data, tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _gguf_tensors(lm: Any, arch: str, blocks: int) -> dict[str, Any]:
    """GGUF tensor name -> float32 numpy array, for every named weight of ``lm``."""
    import gguf

    names = gguf.get_tensor_name_map(_model_arch(arch), blocks)
    out: dict[str, Any] = {}
    for hf_name, tensor in lm.state_dict().items():
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is not None:
            out[name] = tensor.detach().float().cpu().numpy()
    return out


def _model_arch(arch: str) -> Any:
    import gguf

    return next(key for key, value in gguf.MODEL_ARCH_NAMES.items() if value == arch)


def _head_counts(reader: Any, arch: str) -> tuple[int, int]:
    heads = int(reader.fields[f"{arch}.attention.head_count"].contents())
    kv_field = reader.fields.get(f"{arch}.attention.head_count_kv")
    return heads, int(kv_field.contents()) if kv_field is not None else heads


def _gguf_layout(data: Any, name: str, arch: str, heads: tuple[int, int]) -> Any:
    """llama.cpp's rotary layout for LLaMA q/k rows (transformers undoes it when loading)."""
    if arch != "llama":
        return data
    if name.endswith("attn_q.weight"):
        return _permute(data, heads[0])
    if name.endswith("attn_k.weight"):
        return _permute(data, heads[1])
    return data


def _permute(weights: Any, n_head: int) -> Any:
    dim = weights.shape[0] // n_head // 2
    grouped = weights.reshape(n_head, 2, dim, *weights.shape[1:])
    return grouped.swapaxes(1, 2).reshape(weights.shape)


def _add_tensor(writer: Any, name: str, data: Any, tensor_type: str) -> None:
    import gguf
    import numpy as np

    if data.ndim < 2 or tensor_type == "f32":
        writer.add_tensor(name, data.astype(np.float32))
    elif tensor_type == "f16":
        writer.add_tensor(name, data.astype(np.float16))
    else:
        quantized = gguf.quantize(data.astype(np.float32), gguf.GGMLQuantizationType.Q8_0)
        writer.add_tensor(name, quantized, raw_shape=quantized.shape,
                          raw_dtype=gguf.GGMLQuantizationType.Q8_0)


def _copy_metadata(reader: Any, writer: Any, tensor_type: str) -> None:
    import gguf

    for key, field in reader.fields.items():
        if key.startswith(_SKIPPED_FIELDS) or key == "general.architecture":
            continue
        value_type = field.types[0]
        sub_type = field.types[1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), value_type, sub_type=sub_type)
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[tensor_type]
    writer.add_file_type(int(file_type))


def export_model(model: str, adapter: str | Path, output_dir: str | Path,
                 gguf: bool = True, gguf_type: str = "f16") -> dict[str, Any]:
    """Merge ``adapter`` into ``model`` and write ``output_dir/hf`` and ``model.gguf``.

    The GGUF file is written when the base model is a GGUF file (``builtin`` is); the
    record ``export.json`` names the base, the adapter hash, the prompt template the
    adapter was trained on (give it to ``radlite extract --template``) and every written
    file's SHA-256.

    Returns:
        The record written to ``export.json``.
    """
    from radlite.backends.base import file_hash

    out = Path(output_dir)
    lm, tokenizer, base_path = merge_adapter(model, adapter)
    write_folder(lm, tokenizer, out / "hf")
    files = [out / "hf"]
    if gguf and base_path.suffix == ".gguf":
        write_gguf(lm, base_path, out / "model.gguf", gguf_type)
        files.append(out / "model.gguf")
    elif gguf:
        log.warning("base %s is not a GGUF file: no GGUF written (use llama.cpp's converter "
                    "on %s)", base_path, out / "hf")
    record = {"base_model": model if model != "builtin" else f"builtin ({base_path.name})",
              "template": trained_template(Path(adapter)),
              "adapter": str(adapter), "adapter_hash": file_hash(adapter),
              "gguf_type": gguf_type if len(files) > 1 else None,
              "files": {path.name: _sha256(path) for path in files}}
    (out / "export.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record


def trained_template(adapter: Path) -> str | None:
    """The prompt template in the adapter's ``training.json`` (beside or above it)."""
    for record in (adapter / "training.json", adapter.parent / "training.json"):
        if record.is_file():
            config = json.loads(record.read_text(encoding="utf-8")).get("config", {})
            return config.get("template")
    return None


def _sha256(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files' digests in name order."""
    if path.is_file():
        return file_sha256(path)
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{item.relative_to(path)}:{file_sha256(item)}\n".encode())
    return digest.hexdigest()
