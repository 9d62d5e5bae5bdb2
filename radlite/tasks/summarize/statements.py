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

:func:`select_statement` keeps the phrases above the model's threshold, in their order,
with two guards so that a cut never changes what the report says: a phrase of an item
that opens with a negation or a hedge ("No ...", "Possible ...") is kept only together
with that opening phrase, and a kept parenthesis is closed or removed. Articles and an
opening "There is/are" are left out (the statements are telegraphic, as a radiologist
writes them). Every word, number and date is the report's own, so nothing is invented.

The shipped model (``radlite/heads/series-statements``) was trained on radlite's
hand-written development series (``benchmarks/data/longitudinal/dev.jsonl``); train one
on your own statements with ``radlite train statement-selector``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.tasks.summarize.vocabulary import vocabulary
from radlite.text.sentences import split_items

DIM = 1 << 18
FORMAT = "radlite-statement-selector-v1"
SHIPPED = "series-statements"
_CONNECTIVES = (r"with|without|and|which|although|but|abutting|involving|consistent|"
                r"suggesting|compatible|likely|possibly|in keeping|as well as|including|"
                r"due to|since|compared")
_CUT = re.compile(rf"(?<=[,;:])\s+|\s+(?=\()|(?<=\))\s+|\s+(?=(?:{_CONNECTIVES})\b)",
                  re.IGNORECASE)
_NEGATION = re.compile(r"\(?(?:no|not|without|negative|none)\b", re.IGNORECASE)
_HEDGE = re.compile(r"\(?(?:possible|possibly|probable|probably|likely|suspicious|suspected|"
                    r"questionable|equivocal|indeterminate|may|might|cannot)\b", re.IGNORECASE)
_ARTICLES = {"a", "an", "the"}
_THERE = re.compile(r"^there (?:is|are)\s+", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")


@dataclass(frozen=True)
class Phrase:
    """One phrase of an impression: its text, item number and place in the item."""

    text: str
    item: int
    index: int


def phrases(impression: str) -> list[Phrase]:
    """The impression cut into phrases (list numbers removed)."""
    texts = [_NUMBERED.sub("", item.text).strip() for item in split_items(impression or "")]
    out = []
    for item_number, text in enumerate(t for t in texts if t):
        pieces = [p.strip() for p in _CUT.split(text) if p and p.strip()]
        out.extend(Phrase(p, item_number, i) for i, p in enumerate(pieces))
    return out


def _words(text: str) -> list[str]:
    return [w.strip("().,;:").lower() for w in text.split()]


def impression_features(items: Sequence[Phrase], baseline: bool) -> list[list[int]]:
    """Hashed feature indices of each phrase of one impression (its words, opening words,
    place, numbers, change words, negation, the baseline flag)."""
    item_texts: dict[int, list[str]] = {}
    for phrase in items:
        item_texts.setdefault(phrase.item, []).append(phrase.text)
    item_flags = {item: (bool(_NEGATION.match(" ".join(texts))),
                         any(re.search(r"[0-9]", t) for t in texts))
                  for item, texts in item_texts.items()}
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
            f"negated={bool(_NEGATION.match(phrase.text))}",
            f"item_negated={item_negated}",
            f"length={min(len(words), 8) // 2}", f"paren={phrase.text.startswith('(')}",
            f"before={before.text.split()[0].lower() if before else '<start>'}",
            f"item_number={item_number}",
            f"first_baseline={first}|{baseline}", f"number_item={has_number}|{place}",
        ] + [f"word={w}" for w in words]
        out.append([feature_index(name) for name in names])
    return out


@lru_cache(maxsize=1 << 16)
def feature_index(name: str) -> int:
    """A feature name's hashed index (stable across runs and machines: CRC-32)."""
    return zlib.crc32(name.encode()) % DIM


@dataclass(frozen=True)
class StatementSelector:
    """The phrase-keeping model: sparse weights over hashed features and a threshold."""

    weights: dict[int, float]
    threshold: float
    card: dict[str, Any]

    def probabilities(self, items: Sequence[Phrase], baseline: bool) -> list[float]:
        """Each phrase's probability of being kept."""
        weight = self.weights.get
        out = []
        for indices in impression_features(items, baseline):
            z = sum(weight(i, 0.0) for i in indices)
            out.append(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))
        return out

    def digest(self) -> str:
        """A short content hash of the weights and threshold (job fingerprints)."""
        body = json.dumps([self.threshold, sorted((k, round(v, 6))
                                                  for k, v in self.weights.items())])
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def with_threshold(self, threshold: float) -> StatementSelector:
        """The same weights with another keep threshold."""
        return StatementSelector(self.weights, threshold, self.card)

    def save(self, folder: str | Path) -> Path:
        """Write ``selector.json`` into ``folder``."""
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, "dim": DIM, "threshold": self.threshold, "card": self.card,
                "weights": {str(k): round(v, 6) for k, v in sorted(self.weights.items())}}
        (path / "selector.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        return path / "selector.json"


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
    return StatementSelector({int(k): float(v) for k, v in data["weights"].items()},
                             float(data["threshold"]), dict(data.get("card") or {}))


@cache
def shipped_selector() -> StatementSelector:
    """The selector shipped in ``radlite/heads/series-statements``."""
    return load_selector(Path(str(resources.files("radlite"))) / "heads" / SHIPPED)


def _guarded(items: Sequence[Phrase], keep: list[bool]) -> list[bool]:
    """Keep a label and its value together ("Seg 2:" + "not seen": both or neither, so
    "Seg 2" never stands alone), and drop a phrase whose item opens with a negation or
    hedge unless the opening phrase is kept (a cut must not turn "No X, Y or Z" into
    "Y or Z")."""
    out = list(keep)
    for position, phrase in enumerate(items[:-1]):
        value = items[position + 1]
        if phrase.text.endswith(":") and value.item == phrase.item \
                and (out[position] or out[position + 1]):
            out[position] = out[position + 1] = True
    openers = {p.item: position for position, p in enumerate(items) if p.index == 0}
    for position, phrase in enumerate(items):
        opener = items[openers[phrase.item]]
        scoped = _NEGATION.match(opener.text) or _HEDGE.match(opener.text)
        if phrase.index and scoped and not out[openers[phrase.item]]:
            out[position] = False
    return out


def _tidy(text: str, first_in_statement: bool) -> str:
    text = _THERE.sub("", text)
    words = [w for w in text.split() if w.lower() not in _ARTICLES] or text.split()
    head = words[0]
    if not first_in_statement and head[:1].isupper() and head[1:].islower() and len(head) > 1:
        words[0] = head.lower()
    return " ".join(words)


def render(items: Sequence[Phrase], keep: Sequence[bool]) -> str:
    """The kept phrases as one statement: items joined by "; ", phrases of one item by
    ", " (or a space before a connective or a parenthesis)."""
    out: list[str] = []
    last_item = None
    for phrase, kept in zip(items, keep, strict=True):
        if not kept:
            continue
        text = _tidy(phrase.text.rstrip(), not out)
        if out:
            if phrase.item != last_item:
                out[-1] = out[-1].rstrip(".,;:") + ";"
            elif out[-1][-1] not in ",;:" and not text.startswith("(") \
                    and not re.match(rf"(?:{_CONNECTIVES})\b", text, re.IGNORECASE):
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
    keep = [p > selector.threshold for p in probabilities]
    if not any(keep):
        keep[max(range(len(items)), key=probabilities.__getitem__)] = True
    return render(items, _guarded(items, keep)) or None


def change_statement(impression: str, baseline: bool,
                     selector: StatementSelector | None = None) -> str | None:
    """The exam's statement as written in ``per_report``: the selected phrases, with
    "Baseline: " in front for the first exam; None when nothing can be selected."""
    chosen = select_statement(impression, baseline, selector)
    if not chosen:
        return None
    return f"Baseline: {chosen}." if baseline else f"{chosen}."
