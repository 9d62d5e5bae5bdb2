"""Sentence splitting and section headers.

A *sentence* here is a character span of the report that ends at a period, question
mark, semicolon or line break (never inside a decimal such as ``1.2 cm``). A *section
header* is a short label at the start of a line followed by a colon (``Liver:``);
sentences inherit the header of the line they start on.

:data:`HEADER_EXTENDED` (used by abdominal CT) also accepts a list mark before the label
("- R kidney:", "1. Liver:"), Hangul and a parenthesis in the label ("맹장 (cecum):"),
labels of up to 60 characters ("Bladder, sigmoid colon and pelvic ileal loops:") and
bracketed section lines ("[소견]"); the default pattern is the original one, which the
chest rules share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z /&,-]{1,40}?)[ \t]*:[ \t]*", re.MULTILINE)
HEADER_EXTENDED = re.compile(
    r"^[ \t]*(?:(?:[-*\u2022\u00b7]|\d{1,2}[.)])[ \t]+)?"
    r"([A-Za-z\uac00-\ud7a3][A-Za-z\uac00-\ud7a3 /&,()-]{0,60}?)[ \t]*:[ \t]*"
    r"|^[ \t]*\[([^\]\n]{1,20})\][ \t]*$", re.MULTILINE)
_BOUNDARY = re.compile(r"(?<!\d)\.(?!\d)|[?;\n]|\.(?=\s)")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a report.

    Attributes:
        start: offset of the first character in the report.
        end: offset one past the last character.
        text: the sentence text (``report[start:end]``).
        header: the section header in force (lower case, no colon), or ``""``.
    """

    start: int
    end: int
    text: str
    header: str = ""


def headers(text: str, pattern: re.Pattern[str] = _HEADER) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of each header, end being where its content begins; the
    label is the pattern's first non-empty group, stripped and lower-cased."""
    return [(m.start(), m.end(), next(g for g in m.groups() if g is not None).strip().lower())
            for m in pattern.finditer(text)]


def split_sentences(text: str, pattern: re.Pattern[str] | None = None) -> list[Sentence]:
    """Split ``text`` into sentences that carry their section header.

    Args:
        text: the report.
        pattern: header pattern (its first non-empty group is the label); default the
            plain ``Label:`` pattern.

    Returns:
        Non-empty sentences in order; header labels are not part of any sentence.
    """
    found = headers(text, pattern or _HEADER)
    skip = {start: end for start, end, _ in found}
    out: list[Sentence] = []
    pos, header, h = 0, "", 0
    cuts = [m.end() for m in _BOUNDARY.finditer(text)] + [len(text)]
    for cut in cuts:
        while h < len(found) and found[h][0] < cut:
            start, content, label = found[h]
            if start >= pos:
                _emit(out, text, pos, start, header)
                pos = max(pos, content)
            header = label
            h += 1
        if pos in skip:
            pos = skip[pos]
        _emit(out, text, pos, cut, header)
        pos = max(pos, cut)
    return out


def _emit(out: list[Sentence], text: str, start: int, end: int, header: str) -> None:
    chunk = text[start:end]
    stripped = chunk.strip(" \t\r\n.;?")
    if len(stripped) < 2:
        return
    offset = start + chunk.find(stripped)
    out.append(Sentence(offset, offset + len(stripped), stripped, header))
