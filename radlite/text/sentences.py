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

Two more views of the same text: :func:`split_items` (free text without headers, numbered
list items split, for impressions, summaries and the NLI metric) and
:func:`sentence_bounds` (the sentence around a character position, for the LI-RADS
evidence steps). For dictation without punctuation, :func:`unpunctuated` tells such a
report and :func:`split_run_on` cuts its long sentences at clause starts a task supplies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_HEADER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z /&,-]{1,40}?)[ \t]*:[ \t]*", re.MULTILINE)
HEADER_EXTENDED = re.compile(
    r"^[ \t]*(?:(?:[-*\u2022\u00b7]|\d{1,2}[.)])[ \t]+)?"
    r"([A-Za-z\uac00-\ud7a3][A-Za-z\uac00-\ud7a3 /&,()-]{0,60}?)[ \t]*:[ \t]*"
    r"|^[ \t]*\[([^\]\n]{1,20})\][ \t]*$", re.MULTILINE)
_BOUNDARY = re.compile(r"(?<!\d)\.(?!\d)|[?;\n]|\.(?=\s)")
_ITEM_BOUNDARY = re.compile(r"(?<!\d)[.;!?]+(?=\s|$)|(?<=\d)[.;!?]+(?=\s+[A-Z_]|$)|\n")
_NUMBERED = re.compile(r"(?:^|\s)\d{1,2}[.)]\s+(?=[A-Za-z])")
#: The next item's list number left at a piece's end: a period after a digit ends a
#: sentence before a capital, so "SUVmax 9.6. 2. Avid nodes" splits after "2.".
_NEXT_NUMBER = re.compile(r"(?<=[.;])\s+\d{1,2}[.)]\s*$")
_BOUNDS = re.compile(r"(?<=[.!?。])\s+|\n+|(?<=다\.)")


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



def _chunks(text: str) -> list[tuple[int, str]]:
    out, begin = [], 0
    for m in _ITEM_BOUNDARY.finditer(text):
        out.append((begin, text[begin:m.end()]))
        begin = m.end()
    out.append((begin, text[begin:]))
    return out


def split_items(text: str) -> list[Sentence]:
    """Sentences of a section's free text (findings, impressions) with spans, without
    header handling; numbered list items ("1. ...") split too, the final punctuation
    stays, and pieces without a letter are dropped. A period between digits ("1.5 cm")
    does not end a sentence, and the next item's number never ends a piece. Used by the
    impression and summary tasks and the NLI metric.
    """
    out = []
    for offset, chunk in _chunks(text):
        starts = [0] + [n.start() + (1 if n.group(0)[0].isspace() else 0)
                        for n in _NUMBERED.finditer(chunk) if n.start() > 0]
        for a, b in zip(starts, [*starts[1:], len(chunk)], strict=True):
            piece = _NEXT_NUMBER.sub("", chunk[a:b])
            stripped = piece.strip()
            if stripped and any(ch.isalpha() for ch in stripped):
                lead = len(piece) - len(piece.lstrip())
                begin = offset + a + lead
                out.append(Sentence(begin, begin + len(stripped), stripped))
    return out


def sentence_bounds(text: str, position: int) -> tuple[int, int]:
    """Start and end of the sentence (or list item / line) holding ``position``; a
    sentence also ends after Korean ``다.`` (used by the LI-RADS evidence steps)."""
    start = 0
    for match in _BOUNDS.finditer(text):
        if match.end() <= position:
            start = match.end()
        elif match.start() >= position:
            return start, match.start()
    return start, len(text)


_WORDS = re.compile(r"\S+")
_MARKS = re.compile(r"[.,;:\n]")


def unpunctuated(text: str, words_per_mark: float = 10.0) -> bool:
    """True for dictation without punctuation: fewer than one period, comma, semicolon,
    colon or line break per ``words_per_mark`` words over the whole text (hand-typed
    reports have one per 1-6 words; dictated run-on reports one per 15-40)."""
    words = len(_WORDS.findall(text))
    return words >= 2 * words_per_mark and words > words_per_mark * len(_MARKS.findall(text))


def split_run_on(sent: Sentence, starts: re.Pattern[str],
                 binds: Callable[[str, re.Match[str]], bool],
                 min_words: int = 12) -> list[Sentence]:
    """Split a long sentence of run-on dictation ("the liver is normal the gallbladder is
    contracted there is a 4 cm mass ...") at clause starts; use it where
    :func:`unpunctuated` holds.

    A sentence of at least ``min_words`` words is split before every match of ``starts``
    unless ``binds(previous_word, match)`` (a preposition, conjunction or copula before
    it: the match continues the clause). Shorter sentences come back unchanged.

    Args:
        sent: a sentence from :func:`split_sentences`.
        starts: where a clause may begin (the task's subjects, "there is", "no").
        binds: whether the word before a match ties it to the clause before.
        min_words: shortest sentence that is split.
    """
    if len(_WORDS.findall(sent.text)) < min_words:
        return [sent]
    cuts = []
    for m in starts.finditer(sent.text):
        before = sent.text[:m.start()].split()
        if before and not binds(before[-1], m):
            cuts.append(m.start())
    out: list[Sentence] = []
    for lo, hi in zip([0, *cuts], [*cuts, len(sent.text)], strict=True):
        piece = sent.text[lo:hi]
        left = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if piece:
            start = sent.start + lo + left
            out.append(Sentence(start, start + len(piece), piece, sent.header))
    return out or [sent]
