"""In-context examples: the user's own past reports, the most similar few per request.

Key term: an *example bank*, the user's past (findings, impression) pairs with their
embeddings. :meth:`ExampleBank.select` returns the ``k`` nearest by cosine similarity.
Embeddings come from a callable (the CLI passes the local sentence encoder,
all-MiniLM-L6-v2); without one, bag-of-words cosine is used. No model is loaded here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from radlite.models.encoder import Embedder


@dataclass(frozen=True)
class Example:
    """One past report: findings and the impression the radiologist wrote."""

    findings: str
    impression: str


def _bag(texts: Sequence[str], vocab: dict[str, int] | None = None) -> tuple[np.ndarray, dict]:
    counts = [Counter(re.findall(r"[a-z]+", t.lower())) for t in texts]
    if vocab is None:
        vocab = {w: i for i, w in enumerate(sorted({w for c in counts for w in c}))}
    matrix = np.zeros((len(texts), max(1, len(vocab))))
    for row, c in enumerate(counts):
        for word, n in c.items():
            if word in vocab:
                matrix[row, vocab[word]] = n
    return matrix, vocab


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class ExampleBank:
    """Past reports indexed for similarity search.

    Args:
        examples: the user's past reports.
        embed: texts -> ``(n, d)`` embeddings; None uses bag-of-words vectors.
    """

    def __init__(self, examples: Sequence[Example], embed: Embedder | None = None) -> None:
        self.examples = list(examples)
        self.embed = embed
        texts = [e.findings for e in self.examples]
        self._vocab: dict[str, int] | None = None
        if embed is not None:
            self._matrix = _normalise(np.asarray(embed(texts), dtype=float))
        else:
            matrix, self._vocab = _bag(texts)
            self._matrix = _normalise(matrix)

    def _vector(self, text: str) -> np.ndarray:
        if self.embed is not None:
            return _normalise(np.asarray(self.embed([text]), dtype=float))[0]
        return _normalise(_bag([text], self._vocab)[0])[0]

    def ranked(self, findings: str) -> list[int]:
        """Indices of every past report, most similar to ``findings`` first.

        An example whose findings are identical to the query is skipped, so a report
        never serves as its own example. Ties keep the bank's order (deterministic).
        """
        if not self.examples:
            return []
        scores = self._matrix @ self._vector(findings)
        order = np.argsort(-scores, kind="stable")
        query = findings.strip()
        return [int(i) for i in order if self.examples[i].findings.strip() != query]

    def select(self, findings: str, k: int = 3) -> list[Example]:
        """The ``k`` past reports most similar to ``findings``, nearest first.

        An example whose findings are identical to the query is skipped (see
        :meth:`ranked`).
        """
        if k <= 0:
            return []
        return [self.examples[i] for i in self.ranked(findings)[:k]]
