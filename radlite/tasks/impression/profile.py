"""A reader's (or site's) impression layout, learnt from the impressions they chose.

Key term: a *style profile* records two layout habits that radiologists and
departments keep consistently and that a draft can follow without a model:

- ``numbered``: multi-sentence impressions are written as a numbered list;
- ``closing``: every impression ends with the same closing sentence (a standing
  recommendation such as "Clinical correlation recommended.").

:func:`learn_profile` counts both in the impressions a reader chose or wrote (their
edits on the review page); a habit is adopted when at least ``min_share`` of those
impressions show it. A closing sentence that contains a digit is never adopted (a
number must come from the report, not from a habit), nor one that states a finding or
its absence (a lexicon concept, or a word such as "no", "normal", "acute", "stable"):
a closing may recommend, never report. It must also close at least ``min_share`` of
the multi-sentence impressions, so a site's usual one-line normal impression is not
mistaken for a closing. :meth:`StyleProfile.apply` lays
a drafted impression out in the profile; the phrasing itself comes from the example
bank (:mod:`radlite.tasks.impression.habits`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.tasks.impression.styles import numbered, sentences

_LIST_LINE = re.compile(r"(?m)^\s*\d{1,2}[.)]\s+\S")
_STATES = re.compile(r"\b(?:no|not|none|normal|negative|unremarkable|without|abnormal\w*|acute|"
                     r"stable|unchanged|resolved|new|interval)\b|\d", re.IGNORECASE)


def _key(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence.strip().rstrip(".").lower())


def is_numbered(text: str) -> bool:
    """True when ``text`` is a list of at least two numbered lines."""
    return len(_LIST_LINE.findall(text)) >= 2


@dataclass(frozen=True)
class StyleProfile:
    """Layout habits (see the module docstring) and the evidence for them."""

    numbered: bool = False
    closing: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def apply(self, text: str) -> str:
        """``text`` laid out in the profile (content unchanged, closing added once)."""
        items = sentences(text)
        if self.closing:
            items = [s for s in items if _key(s) != _key(self.closing)] + [self.closing]
        if self.numbered and len(items) > 1:
            return numbered(items)
        return " ".join(items)

    def save(self, path: Path) -> Path:
        """Write the profile as JSON."""
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
        return path


def load_profile(path: str | Path) -> StyleProfile:
    """Read a profile written by :meth:`StyleProfile.save`.

    Raises:
        ConfigError: a missing or malformed file.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return StyleProfile(bool(data["numbered"]), data.get("closing") or None,
                            dict(data.get("evidence") or {}))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"not a style profile: {path} ({exc})") from exc


def _recommends(sentence: str) -> bool:
    """True when ``sentence`` states no finding, absence or number (see module doc)."""
    from radlite.tasks.impression.lexicon import mentions

    return not _STATES.search(sentence) and not mentions(sentence)


def learn_profile(impressions: Sequence[str], min_share: float = 0.5) -> StyleProfile:
    """The layout habits shown by at least ``min_share`` of ``impressions``."""
    texts = [t for t in impressions if t and t.strip()]
    multi = [t for t in texts if len(sentences(t)) > 1]
    numbered_share = sum(map(is_numbered, multi)) / len(multi) if multi else 0.0
    last = Counter(_key(sentences(t)[-1]) for t in texts if sentences(t))
    closing, closing_share = None, 0.0
    if last and multi:
        key, count = last.most_common(1)[0]
        closing_share = count / len(texts)
        closes_lists = sum(_key(sentences(t)[-1]) == key for t in multi) / len(multi)
        if closing_share >= min_share and closes_lists >= min_share and _recommends(key):
            closing = next(s for t in reversed(texts) for s in sentences(t)[-1:]
                           if _key(s) == key)
    return StyleProfile(numbered_share >= min_share and bool(multi), closing,
                        {"impressions": len(texts), "multi_sentence": len(multi),
                         "numbered_share": round(numbered_share, 3),
                         "closing_share": round(closing_share, 3)})
