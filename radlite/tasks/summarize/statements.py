"""Per-report change statements selected from the radiologist's own impression.

Key terms:

- *phrase*: a piece of one impression item, cut at ``, ; :``, at parentheses and before
  a connective ("with", "without", "which", "although", ...): the smallest unit that
  still reads as a clause (:func:`phrases`).
- *statement selector*: a logistic model over hashed phrase features (its words, its
  first words, item and phrase position, numbers, change words, negation, whether the
  exam is the baseline) that gives each phrase the probability that the writer of a
  change statement keeps it. Trained on hand-written statements: a phrase's label is
  whether most of its words lie on the longest common subsequence with the written
  statement (:func:`phrase_labels`).

:func:`select_statement` adds the phrases above the model's threshold, most probable
first, while the statement stays within the model's word budget, and writes them in the
report's order, with guards so that a cut never changes what the report says: a phrase of
an item that opens with a negation or a hedge ("No ...", "Possible ...") is kept only
together with that opening phrase, a label stays with its value, a phrase that leans on
the one before it brings that one along, and a kept parenthesis is closed or removed.
The word trimmer (:mod:`radlite.tasks.summarize.trim`) then leaves out the words of each
kept phrase that writers leave out, never a protected one. Articles and an opening
"There is/are" are left out (the statements are telegraphic, as a radiologist writes
them). Every word, number and date is the report's own, so nothing is invented.

The shipped model (``radlite/heads/series-statements``) was trained on radlite's
hand-written development series (``benchmarks/data/longitudinal/dev*.jsonl``); train one
on your own statements with ``radlite train statement-selector``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.tasks.summarize.trim import (
    DIM,
    HEDGE,
    NEGATION,
    WordTrimmer,
    feature_index,
    probability,
)
from radlite.tasks.summarize.vocabulary import vocabulary
from radlite.text.sections import CONTEXT_KINDS, sections
from radlite.text.sentences import split_items

FORMAT = "radlite-statement-selector-v1"
SHIPPED = "series-statements"
_CONNECTIVES = (r"with|without|and|which|although|but|abutting|involving|consistent|"
                r"suggesting|compatible|likely|possibly|in keeping|as well as|including|"
                r"due to|since|compared")
_CUT = re.compile(rf"(?<=[,;:])\s+|\s+(?=\()|(?<=\))\s+|\s+(?=(?:{_CONNECTIVES})\b)",
                  re.IGNORECASE)
_ARTICLES = {"a", "an", "the"}
_THERE = re.compile(r"^there (?:is|are)\s+", re.IGNORECASE)
_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[-\u2013\u2022*])\s+")
_BARE_CONNECTIVE = re.compile(rf"(?:{_CONNECTIVES})", re.IGNORECASE)
_DANGLING = re.compile(r"\b(?:is|are|was|were|be|been|of|to|with|and|or|in|at|for|by)$",
                       re.IGNORECASE)
_DEPENDENT = re.compile(rf"\(|(?:{_CONNECTIVES})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Phrase:
    """One phrase of an impression: its text, item number and place in the item."""

    text: str
    item: int
    index: int


def phrases(impression: str) -> list[Phrase]:
    """The impression cut into phrases: section headers ("IMPRESSION:"), context
    sections ("Comparison: ...") and list markers ("1.", "-") are left out, and a bare
    connective ("consistent", "in keeping") stays with the phrase after it."""
    texts = [_MARKER.sub("", item.text).strip()
             for body in _body(impression or "") for item in split_items(body)]
    out = []
    for item_number, text in enumerate(t for t in texts if t):
        pieces: list[str] = []
        for piece in (p.strip() for p in _CUT.split(text) if p and p.strip()):
            if pieces and _BARE_CONNECTIVE.fullmatch(pieces[-1]):
                pieces[-1] = f"{pieces[-1]} {piece}"
            else:
                pieces.append(piece)
        out.extend(Phrase(p, item_number, i) for i, p in enumerate(pieces))
    return out


def _body(impression: str) -> list[str]:
    """The impression's text outside headers and context sections, one piece per
    section."""
    return [impression[s.start:s.end] for s in sections(impression)
            if s.kind not in CONTEXT_KINDS]


def _words(text: str) -> list[str]:
    return [w.strip("().,;:").lower() for w in text.split()]


def impression_features(items: Sequence[Phrase], baseline: bool) -> list[list[int]]:
    """Hashed feature indices of each phrase of one impression (its words, opening words,
    place, numbers, change words, negation, the baseline flag)."""
    item_texts: dict[int, list[str]] = {}
    for phrase in items:
        item_texts.setdefault(phrase.item, []).append(phrase.text)
    item_flags = {item: (bool(NEGATION.match(" ".join(texts))),
                         any(re.search(r"[0-9]", t) for t in texts))
                  for item, texts in item_texts.items()}
    item_first = {item: (_words(texts[0]) or [""])[0] for item, texts in item_texts.items()}
    status = vocabulary().status.pattern
    out = []
    for position, phrase in enumerate(items):
        words = _words(phrase.text)
        first = words[0] if words else ""
        before = items[position - 1] if position and items[position - 1].item == phrase.item \
            else None
        has_number = bool(re.search(r"\d", phrase.text))
        place = min(phrase.item, 4)
        item_negated, item_number = item_flags[phrase.item]
        names = [
            "bias", f"first={first}", f"first2={' '.join(words[:2])}", f"item={place}",
            f"index={min(phrase.index, 5)}", f"baseline={baseline}", f"number={has_number}",
            f"change={bool(status.search(phrase.text))}",
            f"negated={bool(NEGATION.match(phrase.text))}",
            f"item_negated={item_negated}",
            f"length={min(len(words), 8) // 2}", f"paren={phrase.text.startswith('(')}",
            f"before={before.text.split()[0].lower() if before else '<start>'}",
            f"item_number={item_number}",
            f"first_baseline={first}|{baseline}", f"number_item={has_number}|{place}",
            f"item_first={item_first[phrase.item]}",
        ] + [f"word={w}" for w in words]
        out.append([feature_index(name) for name in names])
    return out


@dataclass(frozen=True)
class StatementSelector:
    """The phrase-keeping model: sparse weights over hashed features, a keep threshold,
    an optional word budget (``max_words``: the most probable phrases are kept while the
    statement stays within it; None: no budget) and an optional word trimmer
    (:mod:`radlite.tasks.summarize.trim`; None: kept phrases stay whole)."""

    weights: dict[int, float]
    threshold: float
    card: dict[str, Any]
    max_words: int | None = None
    trimmer: WordTrimmer | None = None

    def probabilities(self, items: Sequence[Phrase], baseline: bool) -> list[float]:
        """Each phrase's probability of being kept."""
        return [probability(self.weights, indices)
                for indices in impression_features(items, baseline)]

    def digest(self) -> str:
        """A short content hash of the weights and settings (job fingerprints)."""
        return hashlib.sha256(json.dumps(self._data()).encode()).hexdigest()[:16]

    def with_setting(self, threshold: float, max_words: int | None = None,
                     trim_threshold: float | None = None) -> StatementSelector:
        """The same weights with another keep threshold, word budget and trim threshold
        (None: no trimming)."""
        trimmer = None if trim_threshold is None or self.trimmer is None \
            else WordTrimmer(self.trimmer.weights, trim_threshold)
        return StatementSelector(self.weights, threshold, self.card, max_words, trimmer)

    def _data(self) -> dict[str, Any]:
        budget = {} if self.max_words is None else {"max_words": self.max_words}
        trim = {} if self.trimmer is None else {"trim": {
            "threshold": self.trimmer.threshold, "weights": _rounded(self.trimmer.weights)}}
        return {"format": FORMAT, "dim": DIM, "threshold": self.threshold, **budget,
                "weights": _rounded(self.weights), **trim}

    def save(self, folder: str | Path) -> Path:
        """Write ``selector.json`` into ``folder``."""
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        data = {**self._data(), "card": self.card}
        (path / "selector.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        return path / "selector.json"


def _rounded(weights: dict[int, float]) -> dict[str, float]:
    return {str(k): round(v, 6) for k, v in sorted(weights.items())}


def load_selector(folder: str | Path) -> StatementSelector:
    """A selector saved by :meth:`StatementSelector.save`.

    Raises:
        ConfigError: the folder has no selector, or one of another format.
    """
    path = Path(folder) / "selector.json"
    if not path.is_file():
        raise ConfigError(f"statement selector: no selector.json in {folder}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT or data.get("dim") != DIM:
        raise ConfigError(f"statement selector: {path} is not a {FORMAT} file")
    trim = data.get("trim")
    trimmer = None if trim is None else WordTrimmer(
        {int(k): float(v) for k, v in trim["weights"].items()}, float(trim["threshold"]))
    return StatementSelector({int(k): float(v) for k, v in data["weights"].items()},
                             float(data["threshold"]), dict(data.get("card") or {}),
                             _budget(data.get("max_words"), path), trimmer)


def _budget(value: Any, path: Path) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"statement selector: {path}: max_words must be a positive "
                          f"integer, not {value!r}")
    return value


@cache
def shipped_selector() -> StatementSelector:
    """The selector shipped in ``radlite/heads/series-statements``."""
    return load_selector(Path(str(resources.files("radlite"))) / "heads" / SHIPPED)


@dataclass(frozen=True)
class _Guards:
    """What the guards need to know of an impression's phrases, found once."""

    leans: list[bool]  # opens with a connective or a parenthesis (not an item's first)
    dangles: list[bool]  # ends mid-clause, and the next phrase is of the same item
    labels: list[bool]  # ends with ":", and the next phrase (its value) is of the same item
    scope: list[int | None]  # the opening phrase whose negation or hedge governs it

    @classmethod
    def of(cls, items: Sequence[Phrase]) -> _Guards:
        """The guards of ``items``."""
        same = [position + 1 < len(items) and items[position + 1].item == p.item
                for position, p in enumerate(items)]
        openers = {p.item: position for position, p in enumerate(items) if p.index == 0}
        scoped = {item: bool(NEGATION.match(items[o].text) or HEDGE.match(items[o].text))
                  for item, o in openers.items()}
        return cls(
            leans=[bool(p.index and _DEPENDENT.match(p.text)) for p in items],
            dangles=[same[i] and bool(_DANGLING.search(p.text)) for i, p in enumerate(items)],
            labels=[same[i] and p.text.endswith(":") for i, p in enumerate(items)],
            scope=[openers[p.item] if p.index and scoped[p.item] else None for p in items])

    def apply(self, keep: Sequence[bool]) -> list[bool]:
        """``keep`` with the guards applied (see :func:`_guarded`)."""
        out = list(keep)
        for position in range(len(out) - 1, 0, -1):
            if out[position] and self.leans[position]:
                out[position - 1] = True
        for position, dangles in enumerate(self.dangles):
            if dangles and out[position]:
                out[position + 1] = True
        for position, label in enumerate(self.labels):
            if label and (out[position] or out[position + 1]):
                out[position] = out[position + 1] = True
        for position, opener in enumerate(self.scope):
            if opener is not None and not out[opener]:
                out[position] = False
        return out


def _guarded(items: Sequence[Phrase], keep: list[bool]) -> list[bool]:
    """Keep a label and its value together ("Seg 2:" + "not seen": both or neither, so
    "Seg 2" never stands alone), drop a phrase whose item opens with a negation or
    hedge unless the opening phrase is kept (a cut must not turn "No X, Y or Z" into
    "Y or Z"), keep the phrase before one that leans on it (a phrase opening with a
    connective or a parenthesis: "likely physiological", "(was 18 mm)"), and the phrase
    after one that ends mid-clause ("Findings are" + "consistent with lymphoma")."""
    return _Guards.of(items).apply(keep)


def _tidy(text: str, first_in_statement: bool) -> str:
    text = _THERE.sub("", text)
    words = [w for w in text.split() if w.lower() not in _ARTICLES] or text.split()
    head = words[0]
    if not first_in_statement and head[:1].isupper() and head[1:].islower() and len(head) > 1:
        words[0] = head.lower()
    return " ".join(words)


def render(items: Sequence[Phrase], keep: Sequence[bool],
           texts: Sequence[str] | _Trimmed | None = None) -> str:
    """The kept phrases as one statement: items joined by "; ", phrases of one item by
    ", " (or a space before a connective or a parenthesis). ``texts``, where given, are
    the phrases as written (trimmed), one per item of ``items``."""
    out: list[str] = []
    last_item = None
    for position, (phrase, kept) in enumerate(zip(items, keep, strict=True)):
        if not kept:
            continue
        text = _tidy((texts[position] if texts is not None else phrase.text).rstrip(),
                     not out)
        if out:
            if phrase.item != last_item:
                out[-1] = out[-1].rstrip(".,;:") + ";"
            elif out[-1][-1] not in ",;:" and not _DEPENDENT.match(text):
                out[-1] += ","
        out.append(text)
        last_item = phrase.item
    statement = " ".join(out)
    if statement.count("(") != statement.count(")"):
        statement = statement.replace("(", "").replace(")", "")
    statement = re.sub(r"\s*[,;:.]+$", "", statement).strip()
    return statement[:1].upper() + statement[1:] if statement else ""


def select_statement(impression: str, baseline: bool,
                     selector: StatementSelector | None = None) -> str | None:
    """The change statement of one exam selected from its impression (without the final
    full stop), or None when the impression has no phrase."""
    items = phrases(impression)
    if not items:
        return None
    selector = selector or shipped_selector()
    probabilities = selector.probabilities(items, baseline)
    ranked = sorted(range(len(items)), key=lambda i: -probabilities[i])
    texts = _Trimmed(items, selector.trimmer) if selector.trimmer else None
    if selector.max_words is None:
        keep = [p > selector.threshold for p in probabilities]
        keep[ranked[0]] = True
        return render(items, _Guards.of(items).apply(keep), texts) or None
    return _within_budget(items, texts, probabilities, ranked, selector) or None


class _Trimmed:
    """The phrases' trimmed texts, each computed when first asked for (only kept
    phrases are ever written)."""

    def __init__(self, items: Sequence[Phrase], trimmer: WordTrimmer) -> None:
        self._items, self._trimmer = items, trimmer
        self._done: dict[int, str] = {}

    def __getitem__(self, position: int) -> str:
        if position not in self._done:
            self._done[position] = self._trimmer.trim(self._items[position].text)
        return self._done[position]


def _within_budget(items: Sequence[Phrase], texts: _Trimmed | None,
                   probabilities: Sequence[float], ranked: Sequence[int],
                   selector: StatementSelector) -> str:
    """Add the phrases above the threshold, most probable first, while the statement
    stays within the selector's word budget (the most probable one is always kept)."""
    budget = selector.max_words or 0
    guards = _Guards.of(items)
    whole = [_size(p.text) for p in items]
    trimmed: dict[int, int] = {}

    def trimmed_size(position: int) -> int:
        if texts is None:
            return whole[position]
        if position not in trimmed:
            trimmed[position] = _size(texts[position])
        return trimmed[position]

    keep = [False] * len(items)
    chosen: list[bool] | None = None
    for position in ranked:
        if chosen is not None and probabilities[position] <= selector.threshold:
            break
        keep[position] = True
        guarded = guards.apply(keep)
        kept = [i for i, k in enumerate(guarded) if k]
        # the untrimmed words bound the trimmed ones: trim only where the bound fails
        if chosen is not None and sum(whole[i] for i in kept) > budget \
                and sum(trimmed_size(i) for i in kept) > budget:
            keep[position] = False
            continue
        if chosen is not None or sum(trimmed_size(i) for i in kept):
            chosen = guarded
    return render(items, chosen, texts) if chosen else ""


def _size(text: str) -> int:
    """The words a phrase adds to a statement (after :func:`_tidy`)."""
    return len(_tidy(text.rstrip(), False).split())


def change_statement(impression: str, baseline: bool,
                     selector: StatementSelector | None = None) -> str | None:
    """The exam's statement as written in ``per_report``: the selected phrases, with
    "Baseline: " in front for the first exam; None when nothing can be selected."""
    chosen = select_statement(impression, baseline, selector)
    if not chosen:
        return None
    return f"Baseline: {chosen}." if baseline else f"{chosen}."
