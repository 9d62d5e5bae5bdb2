"""Compiled abdominal CT lexicons: organ cues (``organs.yaml``) and finding types
(``findings.yaml``).

An *organ cue* is a phrase that names an organ ("splenic", "hepatomegaly"); a *type
pattern* is a phrase that names a finding type ("cyst" -> focal). Both are data files
so that users can add organs and phrases without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from radlite.core.errors import ConfigError


def compile_any(patterns: list[str]) -> re.Pattern[str]:
    """One case-insensitive, word-bounded regex matching any of ``patterns``."""
    joined = "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{joined})(?![A-Za-z0-9])", re.IGNORECASE)


def composed(rules: list[dict[str, Any]]) -> list[str]:
    """Patterns built from word classes: any ``first`` word, then up to ``gap`` other
    words (not across a semicolon, colon or period), then any ``then`` word."""
    out = []
    for rule in rules:
        first = "|".join(rule["first"])
        then = "|".join(rule["then"])
        gap = int(rule.get("gap", 0))
        out.append(rf"(?:{first})\s*(?:[^\s;:.]+\s+){{0,{gap}}}?(?:{then})")
    return out


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load(resources.files(__package__).joinpath(name).read_text("utf-8"))


@dataclass(frozen=True)
class Organ:
    """One organ's cues: ``name``, compiled ``cues``, section ``headers``, ``side``."""

    name: str
    cues: re.Pattern[str]
    headers: tuple[str, ...]
    side: str = ""


@dataclass(frozen=True)
class Lexicon:
    """Everything the deterministic steps need."""

    organs: tuple[Organ, ...]
    others: re.Pattern[str]
    bowel_headers: tuple[str, ...]
    types: dict[str, re.Pattern[str]]
    type_urgency: dict[str, int]
    urgency: tuple[tuple[int, re.Pattern[str]], ...]
    retype: tuple[tuple[str, str, re.Pattern[str], str], ...] = ()

    def type_for(self, organ: str, finding_type: str, phrase: str) -> str:
        """The type of ``phrase`` for ``organ`` (``findings.yaml`` ``retype``: gallbladder
        distension is enlargement, bowel distension dilatation)."""
        for name, from_type, pattern, to_type in self.retype:
            if name == organ and from_type == finding_type and pattern.fullmatch(phrase):
                return to_type
        return finding_type

    def side_of(self, organ: str) -> str | None:
        """``right``/``left`` for a paired organ, else None."""
        return next((o.side or None for o in self.organs if o.name == organ), None)


@cache
def technique_cause() -> re.Pattern[str]:
    """Words that explain an appearance by technique (``cues_abdct.yaml``
    ``technique_cause``: "due to underdistension")."""
    return compile_any([_load("cues_abdct.yaml")["technique_cause"]])


def conventions() -> dict[str, dict[str, Any]]:
    """The site conventions of ``conventions.yaml``: name -> help, default, choices."""
    return dict(_load("conventions.yaml")["conventions"])


def parse_conventions(items: list[str] | None) -> tuple[tuple[str, str], ...]:
    """``["appendix=large_bowel", ...]`` -> sorted ``(name, choice)`` pairs.

    Raises:
        ConfigError: an item is not ``name=choice`` or names an unknown convention or choice.
    """
    known = conventions()
    out = {}
    for item in items or []:
        name, sep, choice = item.partition("=")
        name, choice = name.strip(), choice.strip()
        if not sep or name not in known:
            raise ConfigError(f"convention {item!r}: expected NAME=CHOICE with NAME one of "
                              f"{sorted(known)}")
        if choice not in known[name]["choices"]:
            raise ConfigError(f"convention {name}: choice {choice!r} is not one of "
                              f"{sorted(known[name]['choices'])}")
        out[name] = choice
    return tuple(sorted(out.items()))


def _apply(organs_data: dict[str, Any], findings: dict[str, Any],
           chosen: tuple[tuple[str, str], ...]) -> None:
    """Apply the lexicon edits of the chosen conventions in place."""
    known = conventions()
    for name, choice in chosen:
        edits = known[name]["choices"][choice] or {}
        for organ, cues in (edits.get("add_cues") or {}).items():
            organs_data["organs"][organ]["cues"] = list(cues) + organs_data["organs"][organ]["cues"]
        for entry in edits.get("drop_others") or []:
            _drop(organs_data["others"], entry, f"{name}={choice}: others")
        for type_, patterns in (edits.get("add_patterns") or {}).items():
            findings["types"][type_]["patterns"] += list(patterns)
        for organ in edits.get("drop_retype") or []:
            kept = [r for r in findings.get("retype") or [] if r["organ"] != organ]
            if len(kept) == len(findings.get("retype") or []):
                raise ConfigError(f"convention {name}={choice}: no retype of {organ!r} to drop")
            findings["retype"] = kept
        for type_, patterns in (edits.get("drop_patterns") or {}).items():
            for entry in patterns:
                _drop(findings["types"][type_]["patterns"], entry, f"{name}={choice}: {type_}")


def _drop(entries: list[str], entry: str, where: str) -> None:
    if entry not in entries:
        raise ConfigError(f"convention {where}: no entry {entry!r} to drop")
    entries.remove(entry)


@cache
def load_lexicon(organ_names: tuple[str, ...] | None = None,
                 chosen: tuple[tuple[str, str], ...] = ()) -> Lexicon:
    """Compile the shipped lexicons, optionally restricted to ``organ_names`` (in order),
    with the site conventions ``chosen`` (:func:`parse_conventions`) applied."""
    organs_data, findings = _load("organs.yaml"), _load("findings.yaml")
    _apply(organs_data, findings, chosen)
    specs = organs_data["organs"]
    names = organ_names or tuple(specs)
    organs = tuple(
        Organ(name, compile_any(specs[name]["cues"]),
              tuple(h.lower() for h in specs[name].get("headers") or ()),
              specs[name].get("side", ""))
        for name in names
    )
    types = {t: compile_any(spec["patterns"] + composed(spec.get("compose") or []))
             for t, spec in findings["types"].items()}
    levels = sorted(((int(k), compile_any(v)) for k, v in findings["urgency"].items()),
                    key=lambda kv: -kv[0] if kv[0] > 0 else 99)
    return Lexicon(
        organs=organs,
        others=compile_any(organs_data.get("others") or ["$^"]),
        bowel_headers=tuple(h.lower() for h in organs_data.get("bowel_headers") or ()),
        types=types,
        type_urgency={t: int(spec["urgency"]) for t, spec in findings["types"].items()},
        urgency=tuple(levels),
        retype=tuple((r["organ"], r["type"], re.compile(r["phrase"], re.IGNORECASE), r["to"])
                     for r in findings.get("retype") or []),
    )


def urgency_of(lexicon: Lexicon, finding_type: str, text: str) -> int:
    """Urgency of a present finding of ``finding_type`` described by ``text``.

    Levels 3 and 2 win over keywords of level 0, which win over the type's default.
    """
    for level, pattern in lexicon.urgency:
        if pattern.search(text):
            return level
    return lexicon.type_urgency.get(finding_type, 1)
