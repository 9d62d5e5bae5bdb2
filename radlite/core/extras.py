"""Optional dependencies: which extra brings which import, and one clear line when missing.

Key terms: an *extra* is a named group of optional dependencies in ``pyproject.toml``
(``pip install 'radlite[train]'``); a *distribution* is what pip installs
(``scikit-learn``), a *module* what Python imports (``sklearn``).

Which distribution sits in which extra is read from radlite's installed metadata, so
``pyproject.toml`` stays the one source of truth; only the module -> distribution names
that differ are written here (a test checks that every optional distribution is
covered).
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from importlib import metadata
from types import ModuleType

from radlite.core.errors import ConfigError

#: Top-level module -> distribution, for every optional distribution radlite imports.
OPTIONAL_MODULES: dict[str, str] = {
    "trl": "trl",
    "datasets": "datasets",
    "sklearn": "scikit-learn",
    "scipy": "scipy",
    "matplotlib": "matplotlib",
    "sacrebleu": "sacrebleu",
    "rouge_score": "rouge-score",
    "nltk": "nltk",
    "fastapi": "fastapi",
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "multipart": "python-multipart",
    "python_multipart": "python-multipart",
    "ray": "ray",
    "pyarrow": "pyarrow",
    "bitsandbytes": "bitsandbytes",
    "llama_cpp": "llama-cpp-python",
}

#: Extras that only hold tools for radlite's own development, or that gather others.
TOOL_EXTRAS = frozenset({"dev", "all"})

_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class MissingExtraError(ConfigError):
    """An optional dependency is not installed; the message names the extra to install."""


def normalise(name: str) -> str:
    """A distribution name in PEP 503 normal form (``Rouge_Score`` -> ``rouge-score``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def extras_by_distribution() -> dict[str, tuple[str, ...]]:
    """Normalised distribution name -> the extras (in ``pyproject.toml`` order) that list it.

    Read from radlite's installed metadata; empty when radlite is not installed.
    """
    try:
        requirements = metadata.requires("radlite") or []
    except metadata.PackageNotFoundError:
        return {}
    found: dict[str, list[str]] = {}
    for requirement in requirements:
        marker = _EXTRA_MARKER.search(requirement)
        name = _NAME.match(requirement)
        if marker is None or name is None or marker.group(1) in TOOL_EXTRAS:
            continue
        found.setdefault(normalise(name.group(1)), []).append(marker.group(1))
    return {dist: tuple(extras) for dist, extras in found.items()}


def distributions_by_extra() -> dict[str, tuple[str, ...]]:
    """Extra -> the normalised distributions it lists (tool extras left out)."""
    found: dict[str, list[str]] = {}
    for dist, extras in extras_by_distribution().items():
        for extra in extras:
            found.setdefault(extra, []).append(dist)
    return {extra: tuple(dists) for extra, dists in found.items()}


def extra_for_module(module: str) -> tuple[str, tuple[str, ...]] | None:
    """``(distribution, extras)`` for an optional top-level module, or None if it is core."""
    dist = OPTIONAL_MODULES.get(module.split(".")[0])
    if dist is None:
        return None
    return dist, extras_by_distribution().get(normalise(dist), ())


def missing_message(module: str, purpose: str | None = None,
                    prefer: str | None = None) -> str | None:
    """One line saying which extra brings ``module``; None when it is not optional.

    Args:
        module: the module that failed to import.
        purpose: what needed it (``radlite eval``), for the message.
        prefer: an extra to name first when several bring the module (the command's own).
    """
    found = extra_for_module(module)
    if found is None:
        return None
    dist, extras = found
    if prefer in extras:
        extras = (prefer, *[e for e in extras if e != prefer])
    what = purpose or "this command"
    if not extras:
        return f"{what} needs {dist}, which is not installed: pip install {dist}"
    alternatives = "" if len(extras) == 1 else f" (also in: {', '.join(extras[1:])})"
    return (f"{what} needs the '{extras[0]}' extra ({dist} is not installed): "
            f"pip install 'radlite[{extras[0]}]'{alternatives}")


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional module, or raise one clear line naming the extra to install.

    Raises:
        MissingExtraError: the module (or one it needs) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise missing_extra_error(exc, purpose) from exc


def missing_extra_error(exc: ModuleNotFoundError, purpose: str | None = None,
                        prefer: str | None = None) -> Exception:
    """The :class:`MissingExtraError` for ``exc``, or ``exc`` itself if no extra covers it."""
    message = missing_message(exc.name or "", purpose, prefer)
    return MissingExtraError(message) if message else exc


def incomplete_install_error(exc: ModuleNotFoundError) -> ConfigError:
    """One line for a module that no extra brings: a core dependency is missing."""
    return ConfigError(f"this install is incomplete: no module named {exc.name!r}. "
                       "Reinstall with 'bash scripts/install.sh' (or pip install radlite), "
                       "then run 'radlite doctor'")
