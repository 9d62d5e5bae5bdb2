"""In-context examples: the user's own past reports, the most similar few per request.

Key term: an *example bank*, the user's past (findings, impression) pairs, indexed for
similarity search. :meth:`ExampleBank.select` returns the ``k`` nearest by cosine
similarity of one of three representations (*retrieval*):

- ``tfidf`` (default): word unigram and bigram TF-IDF (:mod:`.lexical`); it finds
  reports written from the same findings template, hence by the same writer;
- ``encoder``: embeddings from a callable (:func:`bank_from_file` loads the local
  sentence encoder, all-MiniLM-L6-v2);
- ``words``: bag-of-words counts.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from radlite.core import csvsafe
from radlite.core.errors import ConfigError
from radlite.models.embedded import tokenizer_words
from radlite.models.encoder import Embedder, local_embedder
from radlite.tasks.impression.lexical import TfidfIndex
from radlite.text.spelling import SpellingCorrector

RETRIEVALS = ("tfidf", "encoder", "words")


@dataclass(frozen=True)
class Example:
    """One past report: findings, the impression the radiologist wrote, and its id."""

    findings: str
    impression: str
    id: str = ""


def read_examples(path: Path, findings_col: str = "findings",
                  impression_col: str = "impression", id_col: str = "id") -> list[Example]:
    """Past reports from a CSV or JSONL file with findings/impression (and id) columns.

    Rows missing either text are skipped.
    """
    if path.suffix.lower() in (".jsonl", ".json"):
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    else:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csvsafe.dict_reader(handle))
    return [Example(str(r[findings_col]), str(r[impression_col]), str(r.get(id_col) or ""))
            for r in rows if r.get(findings_col) and r.get(impression_col)]


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
        embed: texts -> ``(n, d)`` embeddings; given, it is the retrieval.
        retrieval: without ``embed``, ``tfidf`` (word n-gram TF-IDF) or ``words``
            (bag-of-words counts).
    """

    def __init__(self, examples: Sequence[Example], embed: Embedder | None = None,
                 retrieval: str = "tfidf") -> None:
        if embed is None and retrieval not in ("tfidf", "words"):
            raise ConfigError(f"unknown example retrieval {retrieval!r} without an encoder; "
                              "choose tfidf or words")
        self.examples = list(examples)
        self.embed = embed
        self.retrieval = "encoder" if embed is not None else retrieval
        self._hidden: frozenset[str] = frozenset()
        texts = [e.findings for e in self.examples]
        self._vocab: dict[str, int] | None = None
        self._tfidf: TfidfIndex | None = None
        if embed is not None:
            self._matrix = _normalise(np.asarray(embed(texts), dtype=float))
        elif retrieval == "tfidf":
            self._tfidf = TfidfIndex(texts)
        else:
            matrix, self._vocab = _bag(texts)
            self._matrix = _normalise(matrix)

    @cached_property
    def speller(self) -> SpellingCorrector:
        """A typing-error corrector whose vocabulary is every word of the bank; the
        embedded model's tokenizer words are known words, never changed."""
        return SpellingCorrector.from_texts(
            (text for e in self.examples for text in (e.findings, e.impression)),
            known=tokenizer_words())

    def similarities(self, findings: str) -> np.ndarray:
        """Cosine similarity of ``findings`` to every past report, in bank order."""
        if not self.examples:
            return np.zeros(0)
        if self._tfidf is not None:
            return self._tfidf.scores(findings)
        if self.embed is not None:
            vector = _normalise(np.asarray(self.embed([findings]), dtype=float))[0]
        else:
            vector = _normalise(_bag([findings], self._vocab)[0])[0]
        return self._matrix @ vector

    @contextmanager
    def hiding(self, ids: Sequence[str]) -> Iterator[ExampleBank]:
        """Within the block, examples with these ids are not returned (training: a row
        and its augmented copies never see their own impression as an example)."""
        previous = self._hidden
        self._hidden = previous | {i for i in ids if i}
        try:
            yield self
        finally:
            self._hidden = previous

    def ranked(self, findings: str) -> list[int]:
        """Indices of every past report, most similar to ``findings`` first.

        An example whose findings are identical to the query is skipped, so a report
        never serves as its own example; so is one hidden by :meth:`hiding`. Ties keep
        the bank's order (deterministic).
        """
        return [i for i, _ in self.scored(findings)]

    def scored(self, findings: str) -> list[tuple[int, float]]:
        """(index, similarity) of every past report, most similar first, with the same
        exclusions and tie order as :meth:`ranked`."""
        scores = self.similarities(findings)
        order = np.argsort(-scores, kind="stable")
        query = findings.strip()
        return [(int(i), float(scores[i])) for i in order
                if self.examples[i].findings.strip() != query
                and self.examples[i].id not in self._hidden]

    def select(self, findings: str, k: int = 3) -> list[Example]:
        """The ``k`` past reports most similar to ``findings``, nearest first.

        An example whose findings are identical to the query is skipped (see
        :meth:`ranked`).
        """
        if k <= 0:
            return []
        return [self.examples[i] for i in self.ranked(findings)[:k]]


def bank_from_file(path: Path, findings_col: str = "findings", retrieval: str = "tfidf"
                   ) -> tuple[ExampleBank, str | None]:
    """An example bank of the past reports in ``path``, and a warning or None.

    ``retrieval`` is one of :data:`RETRIEVALS`. With ``encoder`` the local sentence
    encoder embeds the findings; when it cannot load, the bank falls back to TF-IDF and
    the warning says why.

    Raises:
        ConfigError: an unknown retrieval.
    """
    if retrieval not in RETRIEVALS:
        raise ConfigError(f"unknown example retrieval {retrieval!r}; choose from {RETRIEVALS}")
    examples = read_examples(path, findings_col)
    if retrieval != "encoder":
        return ExampleBank(examples, retrieval=retrieval), None
    try:
        embed = local_embedder()
        embed(["probe"])
    except Exception as exc:  # noqa: BLE001 - fall back to TF-IDF, say so
        return ExampleBank(examples), (f"sentence encoder unavailable ({exc}); choosing "
                                       "examples by word n-gram TF-IDF")
    return ExampleBank(examples, embed), None
