"""Report sections: where the reason for the exam, the comparison, the technique, the
findings and the impression are.

A *section* starts at a known header word (``sections.yaml``: English variants and
Korean) at the start of a line, numbered or not, in any case, followed by a colon or
alone on its line ("INDICATION: ...", "Findings:", "IMPRESSION" on its own line, "[소견]"),
or inside a line in capitals with a colon after a sentence ("... cough. FINDINGS: ...").
Findings and impression sections run to the next known header. A context section ends
sooner: with its header's line when the header line holds text, else with its paragraph,
and always at the next header of any kind ("Liver:"), so that "Exam: CT abdomen" does not
swallow the organ sections after it. Text outside every section is ``unlabelled``; a
report without headers is one ``unlabelled`` section, read whole.

*Context* sections (``reason``, ``comparison``, ``technique``) describe why and how the
exam was done; labellers never take a finding from them ("evaluate for pneumonia",
"r/o PTX", "f/u nodule").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from radlite.text.sentences import HEADER_EXTENDED

CONTEXT_KINDS = ("reason", "comparison", "technique")


@dataclass(frozen=True, slots=True)
class Section:
    """One section: its kind, the header word as written (lower case), and the span of
    its content (after the header) in the report."""

    kind: str
    label: str
    start: int
    end: int


@cache
def section_words() -> dict[str, str]:
    """Header word -> section kind, from ``sections.yaml``."""
    data = yaml.safe_load(resources.files(__package__).joinpath("sections.yaml")
                          .read_text("utf-8"))
    return {str(word).lower(): kind for kind, words in data.items() for word in words}


def _alternation() -> str:
    words = sorted(section_words(), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)


@cache
def _header_pattern() -> re.Pattern[str]:
    """A header at the start of a line, in any case."""
    return re.compile(
        rf"^[ \t]*(?:\d{{1,2}}[.)][ \t]*)?\[?(?P<label>{_alternation()})\]?"
        rf"(?:[ \t]*[:：][ \t]*|[ \t]*(?=\r?\n|$))",
        re.IGNORECASE | re.MULTILINE)


@cache
def _inline_pattern() -> re.Pattern[str]:
    """A header inside a line, written in capitals with a colon ("... cough. FINDINGS:")."""
    return re.compile(rf"(?<=[.;,]\s)[ \t]*(?P<label>{_alternation().upper()})[ \t]*[:：][ \t]*")


def _headers(text: str) -> list[re.Match[str]]:
    found = {m.start(): m for m in _header_pattern().finditer(text)}
    for m in _inline_pattern().finditer(text):
        found.setdefault(m.start(), m)
    return [found[k] for k in sorted(found)]


def sections(text: str) -> list[Section]:
    """The report's sections in order (``unlabelled`` pieces where text lies outside
    every section)."""
    found = _headers(text)
    out: list[Section] = []
    first = found[0].start() if found else len(text)
    if text[:first].strip():
        out.append(Section("unlabelled", "", 0, first))
    words = section_words()
    for i, match in enumerate(found):
        label = re.sub(r"\s+", " ", match.group("label").lower())
        kind = words[label]
        limit = found[i + 1].start() if i + 1 < len(found) else len(text)
        end = _context_end(text, match.end(), limit) if kind in CONTEXT_KINDS else limit
        out.append(Section(kind, label, match.end(), end))
        if text[end:limit].strip():
            out.append(Section("unlabelled", "", end, limit))
    return out


def _context_end(text: str, content: int, limit: int) -> int:
    """Where a context section that starts at ``content`` ends (before ``limit``)."""
    eol = text.find("\n", content)
    eol = limit if eol < 0 or eol > limit else eol
    if text[content:eol].strip():
        end = eol
    else:
        blank = re.search(r"\n[ \t]*\n", text[eol:limit])
        end = eol + blank.start() if blank else limit
    header = HEADER_EXTENDED.search(text, content, end)
    return header.start() if header else end


def context_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the reason, comparison and technique sections."""
    return [(s.start, s.end) for s in sections(text) if s.kind in CONTEXT_KINDS]


def in_spans(position: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``position`` lies inside one of ``spans``."""
    return any(start <= position < end for start, end in spans)
