"""Locating the offline WordNet 3.0 data that METEOR's synonym matching needs.

The data is installed by ``scripts/install_wordnet.sh`` into
``$RADLITE_WORDNET_DIR`` (default ``~/.cache/radlite/wordnet``) with nltk's
layout ``nltk_data/corpora/wordnet/``. It is never downloaded at run time.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError

INSTALL_HINT = "scripts/install_wordnet.sh (or: bash scripts/install_wordnet.sh DEST)"


def wordnet_root() -> Path:
    """The ``nltk_data`` folder that holds ``corpora/wordnet``."""
    base = os.environ.get("RADLITE_WORDNET_DIR") or Path.home() / ".cache" / "radlite" / "wordnet"
    return Path(base).expanduser() / "nltk_data"


def wordnet_available() -> bool:
    """True when the WordNet files are installed where radlite looks."""
    folder = wordnet_root() / "corpora" / "wordnet"
    return (folder / "data.noun").is_file() and (folder / "lexnames").is_file()


def missing_message() -> str:
    """The error text for a missing WordNet install."""
    return (
        f"METEOR needs the WordNet 3.0 data, not found in {wordnet_root()}/corpora/wordnet. "
        f"Install it with: {INSTALL_HINT}, or set RADLITE_WORDNET_DIR to its folder."
    )


@cache
def load_wordnet() -> Any:
    """An nltk ``WordNetCorpusReader`` over the offline install (cached).

    Raises:
        ConfigError: the data is not installed.
    """
    if not wordnet_available():
        raise ConfigError(missing_message())
    import warnings

    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    root = str(wordnet_root())
    if root not in nltk.data.path:
        nltk.data.path.append(root)  # nltk only reads corpora under its data path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        return WordNetCorpusReader(str(wordnet_root() / "corpora" / "wordnet"), None)
