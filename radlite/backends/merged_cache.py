"""A disk cache of GGUF models with their adapter merged, so that a command starts fast.

Key terms:
- Reading a GGUF file with transformers dequantizes every tensor (about 20 s for the
  embedded 135M model on 2 cores), and merging a LoRA adapter adds more. The *merged
  cache* keeps the result, the exact tensors the backend would otherwise compute, as a
  transformers folder (safetensors), so the next command loads it in about a second.
- The *key* names everything that decides those tensors: the GGUF file (path, size,
  modification time), the adapter's hash, the precision, and the transformers and peft
  versions. A changed input gives a new key; nothing is ever reused across them.

The cache holds model weights only, never report text. It lives in
``$RADLITE_CACHE_DIR/merged`` (default ``~/.cache/radlite/merged``); set
``RADLITE_MODEL_CACHE=0`` to turn it off. The three most recently used entries are kept
(``RADLITE_MODEL_CACHE_KEEP``). Entries are written to a temporary folder and
renamed into place, so an interrupted write leaves no partial entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Entries kept (``RADLITE_MODEL_CACHE_KEEP``); older ones are deleted after each write.
KEEP = 3


def cache_root() -> Path | None:
    """The cache folder, or None when ``RADLITE_MODEL_CACHE=0``."""
    if os.environ.get("RADLITE_MODEL_CACHE", "1") == "0":
        return None
    base = os.environ.get("RADLITE_CACHE_DIR") or Path.home() / ".cache" / "radlite"
    return Path(base) / "merged"


def cache_key(gguf: Path, adapter_hash: str | None, dtype: str) -> str:
    """A key that changes whenever the merged tensors could."""
    import peft
    import transformers

    stat = gguf.stat()
    parts = {"gguf": str(gguf.resolve()), "size": stat.st_size, "mtime": stat.st_mtime_ns,
             "adapter": adapter_hash, "dtype": dtype,
             "transformers": transformers.__version__, "peft": peft.__version__}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def load_cached(key: str, device: str, dtype: Any) -> tuple[Any, Any] | None:
    """``(model, tokenizer)`` from the cache entry ``key``, or None when there is none."""
    root = cache_root()
    if root is None or not (root / key / "config.json").is_file():
        return None
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = root / key
    with contextlib.suppress(OSError):  # a read-only cache is still read
        os.utime(folder)  # most recently used: kept longest by prune()
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, local_files_only=True)
    except (OSError, ValueError) as exc:  # a damaged entry: rebuild it
        log.warning("ignoring damaged model cache entry %s: %s", folder, exc)
        return None
    return model.to(device).eval(), tokenizer


def store(key: str, model: Any, tokenizer: Any) -> None:
    """Save ``model`` and ``tokenizer`` as the entry ``key`` (best effort: a full disk or a
    read-only home only costs the next command its speed)."""
    root = cache_root()
    if root is None or (root / key).exists():
        return
    from radlite.backends.hf import forget_gguf_quantization

    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    except OSError as exc:
        log.warning("could not write the model cache in %s: %s", root, exc)
        return
    try:
        forget_gguf_quantization(model)
        model.save_pretrained(str(staging), safe_serialization=True)
        tokenizer.save_pretrained(str(staging))
        staging.rename(root / key)
    except OSError as exc:
        log.warning("could not write the model cache in %s: %s", root, exc)
        shutil.rmtree(staging, ignore_errors=True)
        return
    prune(root, keep=_keep())


def _keep() -> int:
    value = os.environ.get("RADLITE_MODEL_CACHE_KEEP", "")
    if value.isdigit() and int(value) >= 1:
        return int(value)
    if value:
        log.warning("RADLITE_MODEL_CACHE_KEEP=%r is not a positive whole number; keeping %d",
                    value, KEEP)
    return KEEP


def prune(root: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the ``keep`` most recently used entries; returns the deleted ones."""
    entries = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return entries[keep:]
