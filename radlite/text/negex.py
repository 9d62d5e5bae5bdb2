"""NegEx-style certainty of a mention inside one sentence: radlite's one negation engine.

A *cue* is a phrase that changes the certainty of nearby mentions: a negation cue
("no", "without", "is not seen") or an uncertainty cue ("possible", "cannot be
excluded"). A pre-cue governs mentions after it, a post-cue mentions before it, within
``window`` words and never across a *terminator* ("but", "however", "which"). Cue lists
are data: the shared ``radlite/text/cues.yaml``; pseudo-cues ("no change") are masked
first.

A task that needs more adds a *cue overlay*, a YAML file in its own package with the same
keys, loaded on top with :func:`load_cues_with` (abdominal CT: ``cues_abdct.yaml`` adds
Korean post-positions and "no longer seen", *post-stops* that a post-cue never crosses (a
comma: in "다수의 결석, 벽 비후 없음" the negation belongs to the second clause only),
and a word pattern that counts Hangul words inside the window; a ``drop`` mapping removes
shared cues; ``window`` sets the reach in words; impressions: ``cues_impression.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

Certainty = Literal["positive", "possible", "negative"]
_WORD = re.compile(r"[A-Za-z0-9]+")
_WORD_HANGUL = re.compile(r"[A-Za-z0-9\uac00-\ud7a3]+")
_LISTS = ("pseudo", "uncertain_pre", "uncertain_post", "negation_pre", "negation_post",
          "terminators", "prior", "post_stops")


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    joined = "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{joined})(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class CueSet:
    """Compiled cue lists; build with :func:`load_cues`."""

    pseudo: re.Pattern[str] | None
    uncertain_pre: re.Pattern[str] | None
    uncertain_post: re.Pattern[str] | None
    negation_pre: re.Pattern[str] | None
    negation_post: re.Pattern[str] | None
    terminators: re.Pattern[str] | None
    prior: re.Pattern[str] | None
    window: int = 12
    post_stops: re.Pattern[str] | None = None
    word: re.Pattern[str] = _WORD

    @classmethod
    def from_mapping(cls, data: dict[str, list[str]], window: int = 12) -> CueSet:
        """Compile a cue mapping (the layout of ``cues.yaml``).

        ``post_stops`` (optional) lists separators that post-cues do not cross, and a
        true ``count_hangul`` counts Hangul words in the window as well, and ``window``
        (optional) replaces the default number of words a cue reaches.
        """
        keys = _LISTS[:-1]
        stops = [re.escape(s) if len(s) == 1 else s for s in data.get("post_stops") or []]
        stop = re.compile("|".join(f"(?:{s})" for s in stops)) if stops else None
        window = int(data.get("window") or window)
        return cls(*(_compile(list(data.get(k) or [])) for k in keys), window=window,
                   post_stops=stop, word=_WORD_HANGUL if data.get("count_hangul") else _WORD)


def _read(package: str, name: str) -> dict[str, Any]:
    return yaml.safe_load(resources.files(package).joinpath(name).read_text("utf-8")) or {}


#: The package and file of the shared cue lists.
SHARED_CUES = ("radlite.text", "cues.yaml")


@cache
def load_cues(package: str = SHARED_CUES[0], name: str = SHARED_CUES[1]) -> CueSet:
    """Load and compile a cue file shipped in ``package`` (default: the shared cues)."""
    return CueSet.from_mapping(_read(package, name))


def merge_cues(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` on top: lists appended, ``drop`` entries removed, flags set."""
    drop = extra.get("drop") or {}
    out: dict[str, Any] = {}
    for key in _LISTS:
        kept = [c for c in base.get(key) or [] if c not in (drop.get(key) or [])]
        out[key] = kept + list(extra.get(key) or [])
    out["count_hangul"] = bool(extra.get("count_hangul", base.get("count_hangul")))
    if extra.get("window", base.get("window")):
        out["window"] = extra.get("window", base.get("window"))
    return out


@cache
def load_cues_with(package: str, overlay: str) -> CueSet:
    """The shared cues with a task's overlay file (``package``/``overlay``) on top."""
    return CueSet.from_mapping(merge_cues(_read(*SHARED_CUES), _read(package, overlay)))


def _mask(text: str, pattern: re.Pattern[str] | None) -> tuple[str, list[tuple[int, int]]]:
    """Spans of ``pattern`` in ``text`` and the text with those spans blanked out."""
    if pattern is None:
        return text, []
    spans = [(m.start(), m.end()) for m in pattern.finditer(text)]
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text, spans


def _in_scope(text: str, cue: tuple[int, int], target: tuple[int, int],
              terminators: list[tuple[int, int]], window: int,
              word: re.Pattern[str] = _WORD) -> bool:
    """True when ``cue`` governs ``target`` (same direction checks done by caller)."""
    lo, hi = (cue[1], target[0]) if cue[1] <= target[0] else (target[1], cue[0])
    if lo > hi:
        return False
    if any(lo <= t0 and t1 <= hi for t0, t1 in terminators):
        return False
    return len(word.findall(text[lo:hi])) <= window


def certainty(sentence: str, start: int, end: int, cues: CueSet | None = None) -> Certainty:
    """Certainty of the mention ``sentence[start:end]``.

    Args:
        sentence: the sentence text.
        start: mention start offset inside ``sentence``.
        end: mention end offset.
        cues: cue set (default: the shipped ``cues.yaml``).

    Returns:
        ``negative``, ``possible`` or ``positive``.
    """
    cues = cues or load_cues()
    text, _ = _mask(sentence, cues.pseudo)
    # the mention itself is never a cue ("absent kidney" is a finding, not a negation)
    text = text[:start] + " " * (end - start) + text[end:]
    _, terms = _mask(text, cues.terminators)
    text, unc_post = _mask(text, cues.uncertain_post)
    text, unc_pre = _mask(text, cues.uncertain_pre)
    _, neg_post = _mask(text, cues.negation_post)
    _, neg_pre = _mask(text, cues.negation_pre)
    target = (start, end)
    w = cues.window

    stops = terms + [(m.start(), m.end()) for m in cues.post_stops.finditer(text)] \
        if cues.post_stops else terms

    def governs(pre: list[tuple[int, int]], post: list[tuple[int, int]], span: int) -> bool:
        return (any(c[1] <= start and _in_scope(text, c, target, terms, span, cues.word)
                    for c in pre)
                or any(c[0] >= end and _in_scope(text, c, target, stops, min(span, 6), cues.word)
                       for c in post))

    if governs(neg_pre, neg_post, w):
        return "negative"
    if governs(unc_pre, unc_post, w):
        return "possible"
    return "positive"


def mentions_prior(sentence: str, cues: CueSet | None = None) -> bool:
    """True when the sentence only compares with a prior exam ("unchanged", "stable")."""
    cues = cues or load_cues()
    return bool(cues.prior and cues.prior.search(sentence))
