"""The backend interface.

A *backend* turns generation requests into generation results. It declares what it can
do in :class:`Capabilities`; callers check capabilities, never concrete classes.
Per-request failures (a timeout, a refused request) come back as results with ``error``
set; only failures that make the whole backend unusable raise ``BackendError``.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radlite.core.decoding import CONTROLS, Decoding
from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest, GenerationResult


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend supports.

    Attributes:
        json_schema: constrained decoding to a JSON schema while generating.
        regex: constrained decoding to a regular expression.
        batch: several requests are computed together (so callers should send batches).
        parallel: requests may be sent concurrently (servers).
        max_batch_size: a good default batch size for this backend.
        decoding: the decoding controls it honours (:data:`radlite.core.decoding.CONTROLS`);
            asking for another one fails before any work (docs/scale.md lists them).
    """

    json_schema: bool = False
    regex: bool = False
    batch: bool = False
    parallel: bool = False
    max_batch_size: int = 1
    decoding: frozenset[str] = frozenset({"temperature", "max_new_tokens"})


#: Every decoding control (for backends that honour them all, or ignore them all).
ALL_CONTROLS = frozenset(CONTROLS)


class Backend(ABC):
    """A text generator. Subclasses implement :meth:`generate`."""

    name: str = "backend"
    capabilities: Capabilities = Capabilities()

    @property
    def model_id(self) -> str:
        """A stable id of the model (path or server model name)."""
        return self.name

    @property
    def adapter_hash(self) -> str | None:
        """Short hash of the adapter weights in use, or None."""
        return None

    @property
    def dtype(self) -> str | None:
        """The precision local weights run in, or None (servers, rules)."""
        return None

    @property
    def decoding(self) -> dict[str, Any]:
        """Decoding controls that override the tasks' settings (empty: none)."""
        return {}

    @abstractmethod
    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Complete every request; the result list has the same length and order."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (servers, threads); the default does nothing."""


class DelegatingBackend(Backend):
    """A backend that wraps another one (``inner``); subclasses add behaviour around
    :meth:`generate` (locking, counting). Name, capabilities and provenance are the inner's."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.capabilities = inner.capabilities

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def adapter_hash(self) -> str | None:
        return self.inner.adapter_hash

    @property
    def dtype(self) -> str | None:
        return self.inner.dtype

    @property
    def decoding(self) -> dict[str, Any]:
        return self.inner.decoding

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        return self.inner.generate(requests)


class DecodingBackend(DelegatingBackend):
    """Applies the user's decoding controls to every request of ``inner``.

    Raises:
        ConfigError: ``inner`` does not honour one of the controls that are set.
    """

    def __init__(self, inner: Backend, decoding: Decoding) -> None:
        super().__init__(inner)
        unsupported = sorted(set(decoding.as_dict()) - inner.capabilities.decoding)
        if unsupported:
            raise ConfigError(f"backend '{inner.name}' does not support decoding control(s) "
                              f"{unsupported}; it supports {sorted(inner.capabilities.decoding)}")
        self.controls = decoding

    @property
    def decoding(self) -> dict[str, Any]:
        return self.controls.as_dict()

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        return self.inner.generate([self.controls.apply(r) for r in requests])


def backend_identity(backend: Backend) -> dict[str, Any]:
    """What identifies ``backend``'s outputs: model id, adapter hash, backend name, and the
    decoding controls when any are set (for provenance and job fingerprints)."""
    found: dict[str, Any] = {"model_id": backend.model_id, "adapter_hash": backend.adapter_hash,
                             "backend": backend.name}
    if backend.dtype:
        found["dtype"] = backend.dtype
    if backend.decoding:
        found["decoding"] = backend.decoding
    return found


def with_decoding(backend: Backend, decoding: Decoding | None) -> Backend:
    """``backend`` with ``decoding`` applied, or ``backend`` itself when no control is set."""
    if decoding is None or not decoding.as_dict():
        return backend
    return DecodingBackend(backend, decoding)


def file_hash(path: str | Path, length: int = 12) -> str:
    """SHA-256 prefix of a file, or of all files in a folder (sorted by name)."""
    digest = hashlib.sha256()
    target = Path(path)
    files = sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
    for file in files:
        if file.suffix in (".json", ".safetensors", ".bin"):
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:length]
