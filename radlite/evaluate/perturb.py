"""Input perturbations for robustness tests: pure functions of text and an RNG.

Key term: a *perturbation*, a label-preserving edit of a report: character
typos at a given rate, abbreviation expansion (``data/abbreviations.tsv``), or
shuffling of sections (blocks separated by headers such as ``FINDINGS:``).
Each function takes the text and a ``random.Random`` or ``np.random.Generator``
and returns the new text; the same seed gives the same output.
"""

from __future__ import annotations

import random
import re
import string
from functools import cache
from importlib import resources

import numpy as np

Rng = random.Random | np.random.Generator

_HEADER = re.compile(r"(?m)^(?=[A-Z][A-Z /&-]{2,40}:)")
_KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"


def _random(rng: Rng) -> float:
    return rng.random()


def _choice(rng: Rng, seq: str) -> str:
    if isinstance(rng, np.random.Generator):
        return seq[int(rng.integers(len(seq)))]
    return rng.choice(seq)


def _neighbours(ch: str) -> str:
    rows = _KEYBOARD.split()
    for row in rows:
        i = row.find(ch.lower())
        if i >= 0:
            near = row[max(0, i - 1):i] + row[i + 1:i + 2]
            return near or string.ascii_lowercase
    return string.ascii_lowercase


def typos(text: str, rate: float, rng: Rng) -> str:
    """Apply a random typo to each letter with probability ``rate``.

    A typo is one of: substitution by a keyboard neighbour, deletion,
    duplication, or swapping with the next character (equally likely). Digits,
    spaces and punctuation are never changed, so sizes and dates survive.
    """
    if not 0 <= rate <= 1:
        raise ValueError("typo rate must be between 0 and 1")
    out: list[str] = []
    chars = list(text)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if not ch.isalpha() or _random(rng) >= rate:
            out.append(ch)
            i += 1
            continue
        kind = int(_random(rng) * 4)
        if kind == 0:
            sub = _choice(rng, _neighbours(ch))
            out.append(sub.upper() if ch.isupper() else sub)
        elif kind == 2:
            out.append(ch + ch)
        elif kind == 3 and i + 1 < len(chars) and chars[i + 1].isalpha():
            out.append(chars[i + 1] + ch)
            i += 1
        # kind 1 (or a swap at a word end): deletion
        i += 1
    return "".join(out)


@cache
def abbreviations() -> dict[str, str]:
    """Abbreviation -> expansion from the shipped data file."""
    text = resources.files("radlite.evaluate").joinpath("data/abbreviations.tsv").read_text("utf-8")
    pairs = (line.split("\t", 1) for line in text.splitlines()
             if line.strip() and not line.startswith("#"))
    return {a.strip(): b.strip() for a, b in pairs}


def expand_abbreviations(text: str, rng: Rng | None = None, rate: float = 1.0) -> str:
    """Replace known abbreviations by their expansion (each with probability ``rate``)."""
    table = abbreviations()
    pattern = re.compile(r"(?<![\w/])(" + "|".join(re.escape(a) for a in sorted(table, key=len,
                                                                                 reverse=True))
                         + r")(?![\w/])")

    def repl(m: re.Match) -> str:
        if rate < 1.0 and (rng is None or _random(rng) >= rate):
            return m.group(0)
        return table[m.group(0)]

    return pattern.sub(repl, text)


def sections(text: str) -> list[str]:
    """Split a report into sections at lines that start with ``HEADER:``."""
    parts = [p for p in _HEADER.split(text) if p.strip()]
    return parts or [text]


def shuffle_sections(text: str, rng: Rng) -> str:
    """Shuffle the order of sections; text without headers is shuffled by paragraph."""
    parts = sections(text)
    sep = ""
    if len(parts) < 2:
        parts = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        sep = "\n\n"
    if len(parts) < 2:
        return text
    order = list(range(len(parts)))
    if isinstance(rng, np.random.Generator):
        order = [int(i) for i in rng.permutation(len(parts))]
    else:
        rng.shuffle(order)
    ends = [p if p.endswith("\n") or sep else p + "\n" for p in parts]
    return sep.join(ends[i] for i in order).rstrip("\n") + ("\n" if text.endswith("\n") else "")


def perturb(text: str, rng: Rng, typo_rate: float = 0.0, expand: bool = False,
            shuffle: bool = False) -> str:
    """Apply the chosen perturbations in a fixed order: expand, shuffle, typos."""
    if expand:
        text = expand_abbreviations(text)
    if shuffle:
        text = shuffle_sections(text, rng)
    if typo_rate > 0:
        text = typos(text, typo_rate, rng)
    return text
