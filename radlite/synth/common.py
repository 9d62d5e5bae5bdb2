"""Shared helpers of the generators: phrase banks, per-record random streams, typos.

A *phrase bank* is a YAML file in ``radlite/synth/data``; it holds every word the
generators write, so that vocabulary can grow without touching Python code.
"""

from __future__ import annotations

import random
import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

from radlite.core.errors import ConfigError

LANGS = ("en", "ko-en", "mixed")


@cache
def bank(name: str) -> dict[str, Any]:
    """Load the phrase bank ``data/<name>.yaml`` (cached; treat it as read-only).

    Args:
        name: file stem, e.g. ``"lirads_en"``.

    Returns:
        The parsed YAML mapping.
    """
    text = resources.files("radlite.synth").joinpath("data", f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def record_rng(task: str, seed: int, index: int) -> random.Random:
    """A random stream for one record, independent of how many records are made.

    Args:
        task: task name.
        seed: user seed.
        index: record number.

    Returns:
        A seeded ``random.Random``.
    """
    return random.Random(f"{task}:{seed}:{index}")


def pick_lang(lang: str, rng: random.Random) -> str:
    """Resolve ``mixed`` to ``en`` or ``ko-en`` for one record.

    Args:
        lang: requested language (``en``, ``ko-en`` or ``mixed``).
        rng: the record's random stream.

    Returns:
        ``en`` or ``ko-en``.

    Raises:
        ConfigError: on an unknown language.
    """
    if lang not in LANGS:
        raise ConfigError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    if lang == "mixed":
        return "ko-en" if rng.random() < 0.5 else "en"
    return lang


def fill(template: str, **slots: Any) -> str:
    """Fill ``{slot}`` placeholders; ``{Slot}`` capitalises the first letter of the value.

    Args:
        template: text with ``{name}`` / ``{Name}`` placeholders.
        **slots: values by lower-case name.

    Returns:
        The filled text.
    """

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        value = str(slots[key.lower()])
        return value[:1].upper() + value[1:] if key[:1].isupper() else value

    return re.sub(r"\{(\w+)\}", sub, template)


def tidy(text: str) -> str:
    """Collapse doubled spaces and space before punctuation left by empty slots."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r" +([.,;:)])", r"\1", text)
    return re.sub(r"\.\.+", ".", text).strip()


_PROTECTED = {"no", "not", "without", "non", "absent", "negative", "none", "never"}


def add_typo(text: str, rng: random.Random) -> str:
    """Introduce one realistic typing slip (swap or drop a letter) in a long word.

    Numbers, negation words and words shorter than six letters are never touched,
    so the meaning the gold labels rely on is kept.

    Args:
        text: the report.
        rng: random stream.

    Returns:
        The text with at most one typo.
    """
    words = [m for m in re.finditer(r"[A-Za-z]{6,}", text) if m.group().lower() not in _PROTECTED]
    if not words:
        return text
    m = rng.choice(words)
    w = m.group()
    i = rng.randrange(1, len(w) - 2)
    slip = w[:i] + w[i + 1] + w[i] + w[i + 2 :] if rng.random() < 0.6 else w[:i] + w[i + 1 :]
    return text[: m.start()] + slip + text[m.end() :]


def a_or_an(phrase: str) -> str:
    """English indefinite article for ``phrase``."""
    head = phrase.lstrip()[:1].lower()
    if not head:
        return "a"
    return "an" if head in "aeio" or phrase.lstrip().startswith(("8", "11", "18")) else "a"


def fix_articles(text: str) -> str:
    """Correct "a"/"an" before the following word (English only; "an 8 mm", "a 2 cm")."""

    def sub(m: re.Match[str]) -> str:
        art, word = m.group(1), m.group(2)
        an = a_or_an(word) == "an"
        new = ("An" if art[0].isupper() else "an") if an else ("A" if art[0].isupper() else "a")
        return f"{new} {word}"

    return re.sub(r"\b([Aa]n?) (\w+)", sub, text)


def weighted(rng: random.Random, table: dict[Any, float]) -> Any:
    """Pick a key of ``table`` with probability proportional to its value."""
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys], k=1)[0]
