"""Variety measures for generated text.

*Distinct-n* is the number of unique word n-grams divided by all word n-grams in a
corpus (higher = less repetitive). *Nearest-neighbour similarity* of a text is its
highest normalised Indel similarity (rapidfuzz ``fuzz.ratio`` / 100) to any other text
of the corpus; a *near-duplicate* pair is one above a threshold (default 0.95).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from rapidfuzz import fuzz, process


def _words(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text.lower())


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Unique word n-grams / all word n-grams across ``texts`` (0 for an empty corpus)."""
    grams = [tuple(w[i : i + n]) for w in map(_words, texts) for i in range(len(w) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def nearest_neighbour(texts: Sequence[str]) -> np.ndarray:
    """Each text's highest similarity (0-1) to any other text of ``texts``."""
    if len(texts) < 2:
        return np.zeros(len(texts))
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, dtype=np.float32, workers=-1)
    np.fill_diagonal(scores, -1)
    return scores.max(axis=1) / 100.0


@dataclass(frozen=True)
class Variety:
    """Variety summary of one corpus."""

    n: int
    distinct_1: float
    distinct_2: float
    distinct_3: float
    distinct_4: float
    nn_similarity_mean: float
    nn_similarity_p95: float
    nn_similarity_max: float
    near_duplicate_share: float

    def to_dict(self) -> dict[str, float]:
        """Plain dict (for JSON)."""
        return asdict(self)


def measure(texts: Sequence[str], threshold: float = 0.95) -> Variety:
    """Distinct-1..4 and nearest-neighbour similarity statistics of ``texts``.

    Args:
        texts: the corpus.
        threshold: similarity above which a text counts as a near-duplicate.

    Returns:
        A :class:`Variety`.
    """
    nn = nearest_neighbour(texts)
    has = len(nn) > 0
    return Variety(
        n=len(texts),
        distinct_1=round(distinct_n(texts, 1), 4), distinct_2=round(distinct_n(texts, 2), 4),
        distinct_3=round(distinct_n(texts, 3), 4), distinct_4=round(distinct_n(texts, 4), 4),
        nn_similarity_mean=round(float(nn.mean()), 4) if has else 0.0,
        nn_similarity_p95=round(float(np.percentile(nn, 95)), 4) if has else 0.0,
        nn_similarity_max=round(float(nn.max()), 4) if has else 0.0,
        near_duplicate_share=round(float((nn > threshold).mean()), 4) if has else 0.0,
    )
