"""Word n-gram TF-IDF similarity over an example bank, in plain numpy (no scikit-learn).

Key term: a *template match*. In a department, each radiologist writes normal findings
from a personal template ("The heart is normal in size. The mediastinum is
unremarkable."), and the same radiologist writes the impression in a personal phrasing
("No acute disease."). Word unigrams and bigrams weighted by TF-IDF find the reports
written from the same template far better than a semantic sentence encoder, which
rates every normal chest report as equally similar. Chosen by five-fold
cross-validation on the Open-i development pairs (docs/impressions.md, "Retrieval: TF-IDF
finds the same writer").

The index is an inverted list (term -> reports, weights): memory grows with the text,
not with reports x vocabulary.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")
# Banks smaller than this keep every term: with a handful of reports, a term seen once
# is all the evidence there is.
_MIN_DF_FROM = 50


def terms(text: str, max_n: int = 2) -> Counter[str]:
    """Word n-grams (1..``max_n``) of ``text``, lower-cased, with their counts."""
    words = _WORD.findall(text.lower())
    grams: Counter[str] = Counter()
    for n in range(1, max_n + 1):
        grams.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return grams


class TfidfIndex:
    """Cosine similarity of TF-IDF word n-gram vectors between a query and each text.

    Weights follow the usual recipe: sublinear term frequency ``1 + log(tf)``, smoothed
    inverse document frequency ``log((1 + n) / (1 + df)) + 1``, unit-length vectors.

    Args:
        texts: the bank's texts (e.g. findings).
        max_n: longest n-gram.
        min_df: terms in fewer texts are dropped; None means 2 for banks of 50 texts
            or more and 1 below.
    """

    def __init__(self, texts: Sequence[str], max_n: int = 2, min_df: int | None = None) -> None:
        self.max_n, self.size = max_n, len(texts)
        counts = [terms(t, max_n) for t in texts]
        df: Counter[str] = Counter(g for c in counts for g in c)
        floor = min_df if min_df is not None else (2 if len(texts) >= _MIN_DF_FROM else 1)
        self.idf = {g: math.log((1 + len(texts)) / (1 + n)) + 1 for g, n in df.items()
                    if n >= floor}
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for row, c in enumerate(counts):
            for gram, weight in self._weights(c).items():
                docs, values = postings[gram]
                docs.append(row)
                values.append(weight)
        self._postings = {g: (np.asarray(d, dtype=np.int64), np.asarray(v, dtype=np.float64))
                          for g, (d, v) in postings.items()}

    def _weights(self, counts: Counter[str]) -> dict[str, float]:
        raw = {g: (1 + math.log(n)) * self.idf[g] for g, n in counts.items() if g in self.idf}
        norm = math.sqrt(sum(v * v for v in raw.values()))
        return {g: v / norm for g, v in raw.items()} if norm else {}

    def scores(self, text: str) -> np.ndarray:
        """Cosine similarity of ``text`` to every bank text, in bank order (0 to 1)."""
        out = np.zeros(self.size)
        for gram, weight in self._weights(terms(text, self.max_n)).items():
            docs, values = self._postings[gram]
            out[docs] += weight * values
        return out
