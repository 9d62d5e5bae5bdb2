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
    """

    json_schema: bool = False
    regex: bool = False
    batch: bool = False
    parallel: bool = False
    max_batch_size: int = 1


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

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        return self.inner.generate(requests)


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
