"""Word trimming inside the selected phrases of a change statement.

Radiologists write change statements shorter than the impression even where they keep
a phrase: "The segment 6 lesion measures 12 mm" becomes "segment 6 lesion 12 mm". The
*word trimmer* is a logistic model over hashed features of each word of a kept phrase
(the word, its neighbours, its place in the phrase) that gives the probability the
writer keeps that word; words below the trimmer's threshold are left out.

Some words are never left out, whatever the model says, so that a trim cannot change
what the report states (:func:`protected`): numbers and their units, negations, hedges,
the phrase's last word, and every lesion, organ, site, landmark, side, status and
therapy term of the longitudinal reader's vocabulary. Every word that remains is the
report's own, in its order.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

from radlite.tasks.summarize.vocabulary import vocabulary

DIM = 1 << 18
_WORD = re.compile(r"[a-z0-9]+")
#: A negation or a hedge at the start of a text (also the statement selector's scope cues).
NEGATION = re.compile(r"\(?(?:no|not|without|negative|none)\b", re.IGNORECASE)
HEDGE = re.compile(r"\(?(?:possible|possibly|probable|probably|likely|suspicious|suspected|"
                   r"questionable|equivocal|indeterminate|may|might|cannot)\b", re.IGNORECASE)
_CERTAINTY = re.compile(r"consistent|compatible|keeping|suggest\w*|concerning|representing|"
                        r"indicat\w*|confirm\w*|favou?r\w*|reflect\w*")
#: Words that link a subject to its number ("measures 12 mm", "now 2.9 cm"), unlike a
#: number's label ("segment 7", "SUVmax 14.2"), which is kept.
_LINKS = re.compile(r"measur\w*|is|are|was|were|of|to|at|by|now|from|approximately|about")
_LEVELS = re.compile(r"upper|lower|middle|mid|superior|inferior|anterior|posterior|medial|"
                     r"lateral|proximal|distal")
_PROTECTED_WORD = re.compile("|".join(f"(?:{p.pattern})" for p in (NEGATION, HEDGE, _CERTAINTY,
                                                                    _LEVELS)), re.IGNORECASE)


@lru_cache(maxsize=1 << 16)
def feature_index(name: str) -> int:
    """A feature name's hashed index (stable across runs and machines: CRC-32)."""
    return zlib.crc32(name.encode()) % DIM


def probability(weights: dict[int, float], indices: Sequence[int]) -> float:
    """The logistic model's probability for one row of hashed feature indices."""
    z = sum(map(weights.get, indices, repeat(0.0, len(indices))))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def norm(token: str) -> str:
    """A whitespace token's lower-cased letters and digits ("(was" -> "was")."""
    return " ".join(_WORD.findall(token.lower()))


def protected(tokens: Sequence[str]) -> list[bool]:
    """Per token: True where the trimmer may never leave it out: numbers, their units
    and their labels ("segment 7", "SUVmax 14.2"), negations, hedges, certainty words,
    sides and levels, a parenthesis's first word, the phrase's last word (its predicate:
    "patent", "resolved"), tokens without letters or digits, and every word of a lesion,
    organ, site, landmark, status or therapy term of the longitudinal reader's
    vocabulary ("solid nodule", "right lower lobe", "portal vein", "decreased",
    "FOLFIRINOX")."""
    covered = _in_vocabulary(tokens)
    plain = _plainly_protected(tokens, [norm(t) for t in tokens])
    return [a or b for a, b in zip(plain, covered, strict=True)]


def _plainly_protected(tokens: Sequence[str], words: Sequence[str]) -> list[bool]:
    """:func:`protected` without the vocabulary terms (no regex search of the text);
    ``words`` are the tokens' :func:`norm`."""
    out = []
    last = len(tokens) - 1
    for position, (token, word) in enumerate(zip(tokens, words, strict=True)):
        after_number = position > 0 and any(c.isdigit() for c in tokens[position - 1])
        before_number = position < last and tokens[position + 1][:1].isdigit() \
            and not _LINKS.fullmatch(word)
        out.append(not word or any(c.isdigit() for c in word) or after_number
                   or before_number or position == last or token.startswith("(")
                   or bool(_PROTECTED_WORD.fullmatch(word)))
    return out


def _in_vocabulary(tokens: Sequence[str]) -> list[bool]:
    """Per token: whether it overlaps a term of the reader's vocabulary."""
    text = " ".join(tokens)
    mask = bytearray(len(text))
    for begin, end in _vocabulary_spans(text):
        mask[begin:end] = b"\x01" * (end - begin)
    out, offset = [], 0
    for token in tokens:
        out.append(any(mask[offset:offset + len(token)]))
        offset += len(token) + 1
    return out


def _vocabulary_spans(text: str) -> list[tuple[int, int]]:
    words = vocabulary()
    patterns = (words.heads.pattern, words.organs.pattern, words.sides.pattern,
                words.status.pattern, words.landmarks, words.details, words.therapy,
                words.no_disease, words.no_new)
    return [m.span() for pattern in patterns for m in pattern.finditer(text)]


def token_features(tokens: Sequence[str]) -> list[list[int]]:
    """Hashed feature indices of each token of one phrase."""
    words = [norm(t) for t in tokens]
    return [_features(words, position) for position in range(len(words))]


def _features(words: Sequence[str], position: int) -> list[int]:
    word, last = words[position], len(words) - 1
    before = words[position - 1] if position else "<start>"
    after = words[position + 1] if position < last else "<end>"
    place = "first" if position == 0 else "last" if position == last else "mid"
    names = ("bias", f"w={word}", f"before={before}", f"after={after}",
             f"w|before={word}|{before}", f"w|after={word}|{after}", f"place={place}",
             f"w|place={word}|{place}", f"length={min(len(words), 10) // 3}")
    return [feature_index(name) for name in names]


@dataclass(frozen=True)
class WordTrimmer:
    """Hashed logistic weights and the keep threshold of the word trimmer."""

    weights: dict[int, float]
    threshold: float

    def keep(self, tokens: Sequence[str]) -> list[bool]:
        """Per token: kept (protected, or at least the threshold's probability)."""
        words = [norm(t) for t in tokens]
        drop = [not guarded and probability(self.weights, _features(words, position))
                < self.threshold
                for position, guarded in enumerate(_plainly_protected(tokens, words))]
        if any(drop):  # only then is the vocabulary searched
            drop = [d and not c for d, c in zip(drop, _in_vocabulary(tokens), strict=True)]
        return [not d for d in drop]

    def trim(self, text: str) -> str:
        """``text`` without the words the writer would leave out. A phrase that opens
        with a negation or a hedge stays whole (its scope is not cut), and so does one
        that would lose every word."""
        if NEGATION.match(text) or HEDGE.match(text):
            return text
        tokens = text.split()
        kept = [t for t, k in zip(tokens, self.keep(tokens), strict=True) if k]
        if not any(norm(t) for t in kept):
            return text
        if text.rstrip()[-1:] in ",;:" and kept[-1][-1:] not in ",;:":
            kept[-1] += text.rstrip()[-1]
        return " ".join(kept)
