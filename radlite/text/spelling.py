"""Typing-error correction against a vocabulary learnt from a site's own reports.

Key term: a *non-word*, a token that never occurs in the vocabulary (e.g. "efusion",
"pnuemothorax", "np" for "no"). Each non-word is replaced by the most frequent
vocabulary word one edit away (deletion, transposition, substitution, insertion), or
two edits away for words of ``two_edit_min_len`` letters or more; a non-word with no
such neighbour is left as it is. Words of the vocabulary and *known words* (a general
word list, e.g. the embedded model's tokenizer words: "injection", "interim") are never
changed, so a valid word the site's reports happen not to contain is not "corrected" into
one they do ("injection" -> "infection"). A typo that makes another real word ("Cler",
"ling", "Heat size") is corrected only from context: when the word was never seen beside
either neighbour and a one-edit neighbour was, often. Tokens with digits are never
changed.

The vocabulary should be large and from the same writers (an example bank of past
reports, or a model's training reports shipped as :class:`HashedCounts`, hashes and
counts without the words). A :func:`deletion_screen` makes the two-edit search fast.
Used by the impression draft, whose lexicon and retrieval miss misspelt findings
(docs/impressions.md, "Typing errors").
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import numpy as np

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_TOKEN = re.compile(r"[A-Za-z]+")


def text_hash(key: str | tuple[str | None, ...]) -> int:
    """A stable 63-bit hash of a word or word pair (CRC-32 and Adler-32 together)."""
    text = key if isinstance(key, str) else " ".join(k or "" for k in key)
    data = text.encode("utf-8")
    return (zlib.crc32(data) << 31) | (zlib.adler32(data) >> 1)


class HashedCounts(dict):
    """Word (or word pair) counts keyed by :func:`text_hash`: a vocabulary that can be
    shipped without its words. Looked up like a ``Counter`` of the words themselves
    (0 when absent); collisions between 63-bit hashes are negligible."""

    @classmethod
    def from_counts(cls, counts: Mapping[str, int] | Mapping[tuple[str, str], int]
                    ) -> HashedCounts:
        """The hashed form of a ``Counter`` of words or word pairs."""
        out = cls()
        for key, n in counts.items():
            h = text_hash(key)
            dict.__setitem__(out, h, dict.get(out, h, 0) + int(n))
        return out

    @classmethod
    def from_arrays(cls, hashes: np.ndarray, counts: np.ndarray) -> HashedCounts:
        """Rebuild from :meth:`arrays`."""
        out = cls()
        dict.update(out, zip(hashes.tolist(), counts.tolist(), strict=True))
        return out

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted hashes and their counts (int64), for saving."""
        keys = np.array(sorted(dict.keys(self)), dtype=np.int64)
        return keys, np.array([dict.__getitem__(self, k) for k in keys.tolist()], dtype=np.int64)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, text_hash(key))  # type: ignore[arg-type]

    def __getitem__(self, key: str | tuple[str | None, ...]) -> int:
        return dict.get(self, text_hash(key), 0)


def deletions(word: str, depth: int = 2) -> set[str]:
    """``word`` and every string made from it by deleting up to ``depth`` letters."""
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def deletion_screen(words: Iterable[str], depth: int = 2) -> frozenset[int]:
    """CRC-32 values of the :func:`deletions` of ``words``: two strings within ``depth``
    edits (deletion, insertion, substitution, transposition) share a deletion, so a word
    whose deletions all miss the screen has no vocabulary word that near (the symmetric
    deletion idea of SymSpell)."""
    return frozenset(zlib.crc32(d.encode("utf-8")) for w in words for d in deletions(w, depth))


def edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return out


def vocabulary(texts: Iterable[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Word counts and word-pair counts (lower case) of ``texts``."""
    counts: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for text in texts:
        words = [w.lower() for w in _TOKEN.findall(text)]
        counts.update(words)
        pairs.update(zip(words, words[1:], strict=False))
    return counts, pairs


class SpellingCorrector:
    """Corrects non-words (to their most frequent near vocabulary word), then words out
    of context (to a one-edit neighbour their neighbours support).

    Args:
        counts: vocabulary word (lower case) -> frequency: the correction targets (a
            ``Counter``, or :class:`HashedCounts` for a vocabulary shipped as hashes).
        known: further valid words (lower case), never changed, never targets; only
            those of ``known_min_len`` letters or more count (short entries of a
            tokenizer's word list are often word pieces: "th", "ni").
        min_len: shorter tokens are never changed.
        two_edit_min_len: tokens this long may be two edits from their correction.
        pairs: word pair (lower case) -> frequency, the context for words that are
            valid but wrong here (:meth:`_in_context`); None turns that step off. A
            ``Counter`` or :class:`HashedCounts`.
        screen: the vocabulary's :func:`deletion_screen`; a word that misses it skips
            the (slow) two-edit search, which could find nothing. Built from ``counts``
            when they are plain words; needed for a faster search over hashed ones.
        min_context: how often a replacement must have been seen beside the word's
            neighbours (10: chosen on the Open-i development folds; 3-5 changed more
            correct words, 50 fixed fewer typos).
    """

    def __init__(self, counts: Mapping[str, int], known: frozenset[str] = frozenset(),
                 min_len: int = 2, two_edit_min_len: int = 6, known_min_len: int = 4,
                 pairs: Mapping[tuple[str, str], int] | None = None,
                 min_context: int = 10, screen: frozenset[int] | None = None) -> None:
        self.counts: Mapping[str, int] = counts
        self.pairs: Mapping[tuple[str | None, str | None], int] = pairs or Counter()
        self.min_context = min_context
        self.known = frozenset(w for w in known if len(w) >= known_min_len)
        self.min_len, self.two_edit_min_len = min_len, two_edit_min_len
        if screen is None and not isinstance(counts, HashedCounts):
            screen = deletion_screen(counts)
        self.screen = screen
        self._fix = lru_cache(maxsize=65536)(self._correction)
        self._near = lru_cache(maxsize=65536)(self._neighbours)

    @classmethod
    def from_texts(cls, texts: Iterable[str], known: frozenset[str] = frozenset(),
                   **options: int) -> SpellingCorrector:
        """A corrector whose vocabulary is every word of ``texts``, with the word pairs
        of ``texts`` as context."""
        counts, pairs = vocabulary(texts)
        return cls(counts, known, pairs=pairs, **options)

    def _correction(self, word: str) -> str | None:
        """The vocabulary word for lower-case ``word``, or None to keep it."""
        if len(word) < self.min_len or word in self.counts or word in self.known:
            return None
        found = list(self._near(word))
        if not found and len(word) >= self.two_edit_min_len and self._may_have_near(word):
            firsts = [e for e in edits1(word) if self._may_have_near(e, 1)]
            found = [w for w in set().union(*map(edits1, firsts)) if w in self.counts]
        return max(found, key=lambda w: (self.counts[w], w)) if found else None

    def _may_have_near(self, word: str, edits: int = 2) -> bool:
        """False when no vocabulary word can be within ``edits`` (1 or 2) edits of
        ``word`` (its deletions miss the :func:`deletion_screen`); True without a screen."""
        if self.screen is None:
            return True
        crc = zlib.crc32
        return any(crc(d.encode("utf-8")) in self.screen for d in deletions(word, edits))

    def _neighbours(self, word: str) -> tuple[str, ...]:
        """Vocabulary words one edit from ``word``."""
        return tuple(w for w in edits1(word) if w in self.counts and w != word)

    def _in_context(self, prev: str | None, word: str, nxt: str | None) -> str | None:
        """A vocabulary word one edit from ``word`` that the context supports, or None.

        Only when ``word`` was never seen beside either neighbour, and the candidate was,
        at least ``min_context`` times in all ("Cler lungs" -> "Clear lungs", "right ling
        base" -> "lung", "o" -> "of").
        """
        if not self.pairs or self.pairs[(prev, word)] + self.pairs[(word, nxt)] > 0:
            return None

        def support(w: str) -> int:
            return self.pairs[(prev, w)] + self.pairs[(w, nxt)]

        best = max(self._near(word), key=lambda w: (support(w), self.counts[w], w), default=None)
        return best if best is not None and support(best) >= self.min_context else None

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """``text`` with its typing errors corrected, and the ``(was, now)`` replacements.

        First every non-word is corrected; then a word never seen beside its neighbours
        is replaced by a one-edit neighbour the context supports (:meth:`_in_context`).
        Capitalisation of the first letter is kept; tokens with digits (sizes, dates)
        are untouched.
        """
        matches = list(re.finditer(r"(?<![0-9])[A-Za-z]+(?![0-9])", text))
        words = [m.group(0).lower() for m in matches]
        fixed = [self._fix(w) for w in words]
        words = [f or w for f, w in zip(fixed, words, strict=True)]
        for i, word in enumerate(words):
            if fixed[i] is None:
                prev = words[i - 1] if i else None
                nxt = words[i + 1] if i + 1 < len(words) else None
                fixed[i] = self._in_context(prev, word, nxt)
                words[i] = fixed[i] or word
        changes: list[tuple[str, str]] = []
        out, end = [], 0
        for match, new in zip(matches, fixed, strict=True):
            if new is None:
                continue
            token = match.group(0)
            if token.isupper() and len(token) > 1:
                new = new.upper()
            elif token[0].isupper():
                new = new[:1].upper() + new[1:]
            changes.append((token, new))
            out += [text[end:match.start()], new]
            end = match.end()
        return "".join(out) + text[end:], changes
