"""Backend names -> implementations, imported lazily so heavy dependencies stay optional."""

from __future__ import annotations

import importlib
from typing import Any

from radlite.backends.base import Backend
from radlite.core.errors import BackendError, ConfigError

BACKENDS: dict[str, str] = {
    "builtin": "radlite.backends.builtin:BuiltinBackend",
    "transformers": "radlite.backends.hf:TransformersBackend",
    "openai_compat": "radlite.backends.openai_compat:OpenAICompatBackend",
    "llamacpp": "radlite.backends.llamacpp:LlamaCppBackend",
    "scripted": "radlite.backends.scripted:ScriptedBackend",
}


def load_backend(name: str, **options: Any) -> Backend:
    """Create the backend called ``name`` with keyword ``options``.

    Options that are None are dropped, so CLI defaults pass through unchanged.

    Raises:
        ConfigError: unknown backend name or options it does not take.
        BackendError: the backend's dependencies or model are missing.
    """
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend '{name}'; choose one of {sorted(BACKENDS)}")
    module_name, class_name = BACKENDS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = "pip install 'radlite[llamacpp]'" if name == "llamacpp" else "see the README"
        raise BackendError(f"backend '{name}' needs a missing package ({exc.name}); {hint}") from exc
    cls = getattr(module, class_name)
    kwargs = {k: v for k, v in options.items() if v is not None}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"backend '{name}': {exc}") from exc
