"""Fabrication check: numbers and dates in generated text that the input never gives.

Key term: a *value*, a number or a date written in a text. A value of an output is
*grounded* when the same value appears in the patient's input (the reports' ``date``,
``modality``, ``impression`` and ``findings`` fields, passed as ``sources``), and
*unsupported* otherwise. The fabrication rate is unsupported values / values checked,
pooled over outputs (0 when no value was checked). Lower is better. It needs no model
and no reference text; it is a screen for invented measurements and dates, not a
judgement that a grounded value is used correctly (a size copied from the wrong lesion
or the wrong exam is grounded).

Both sides are read by the same extractor, so a value is found in the input exactly as
it would be found in an output. Choices:

Dates (kind ``date``), matched on the calendar value, never on the spelling:
    - full dates: ISO ``2023-01-14`` (also ``2023/01/14``, ``2023.01.14``); numeric
      ``14/01/2023``, ``14.01.2023``, ``14-01-2023`` and ``14/01/23`` (two-digit years
      only with ``/``, read as 20YY); ``January 14, 2023``, ``Jan. 14th 2023``,
      ``14 January 2023``, ``14-Jan-2023``.
    - a numeric day/month order is read from the values (``14/01`` is day-month,
      ``01/14`` month-day); when both readings are valid dates (``03/04/2023``) both
      are kept, and the output date is grounded when either reading is in the input.
    - month-year: ``Jan 2023``, ``January 2023``, ``01/2023``, ``2023-01``; grounded
      when the input has any date in that month (a full date or a month-year).
    - a bare four-digit integer 1900-2099 without a length unit is a year, grounded
      when any input date (or bare year) has that year.
    - a full date in the output needs the same full date in the input; a month-year
      in the input does not ground a full date.

Numbers (kind ``number``):
    - integers and decimals, also inside words and codes: ``T10`` gives 10, ``4R``
      gives 4, ``segment 7`` gives 7, ``SUVmax 12.4`` gives 12.4, ``CA 19-9`` gives 19
      and 9; ``1,200`` (three-digit groups) is 1200. Signs are ignored.
    - values compare as numbers, not strings: ``3.80`` equals ``3.8``, ``08`` equals 8.
    - *measurements*: a number followed by ``mm``/``cm`` (or ``millimetre(s)``,
      ``centimetre(s)``) is converted to mm on both sides, so ``38 mm`` in an output
      is grounded by ``3.8 cm`` in the input. A number chained to a measured number by
      ``x``, ``×``, ``by``, ``to``, ``-``, ``->`` or ``→`` takes that number's unit:
      ``3.8 x 2.1 cm`` is 38 mm and 21 mm, ``from 12 to 15 mm`` and ``(12 -> 15 mm)``
      are 12 mm and 15 mm. In a list (``,``, ``and``, ``or``, with up to two label words
      before the number) the unit is only likely: ``9, 5 and 6 mm`` and ``(LUL 15,
      lingula 9, RML 7 mm)`` read 9 and 5, and 15 and 9, each as a measurement *or* a
      bare number, either of which grounds (and is grounded), so ``segment 7, lesion 12 mm``
      still matches a bare 7. ``cm2``/``cm3``/``cc``/``mL``/``%``/``HU`` and other units
      are not converted: those numbers are bare.
    - a *bare* number (no length unit) must match a bare number of the input, and a
      measurement a measurement: ``15`` is not grounded by ``15 mm`` alone, nor
      ``15 mm`` by a bare ``15``.
    - not values: list enumeration (``1.`` / ``2)`` / ``(3)`` followed by a space at the
      start of the text, of a line or of a sentence, and ``2)`` after a comma or
      semicolon; a number after a colon is a value), ordinal words (``first``) and
      digit ordinals (``2nd``, ``3rd``), and number words (``three``), which are never
      read as numbers.
    - derived values (an interval "over 11 months", a percent change, a sum of
      diameters) are unsupported by design: the check cannot verify arithmetic. One
      exception, because series summaries commonly state it: with ``n_reports`` given, an
      integer equal to the number of reports and followed within six words by an exam
      noun (``6 CT chest/abdomen/pelvis exams``, ``4 studies``, ``3 scans``) is
      grounded.

Public API: :func:`find_values`, :func:`unsupported_values`, :func:`report_sources`,
:func:`fabrication_rate` (:class:`FabricationResult`), and :class:`Grounding` to check
many texts against one input.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["number", "date"]

SOURCE_FIELDS = ("date", "modality", "impression", "findings")

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
          r"aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?")
_ORD = r"(?:st|nd|rd|th)?"
_NOT_BEFORE = r"(?<![\d.])"
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p, re.IGNORECASE)) for name, p in (
        ("ymd", _NOT_BEFORE + r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
                r"(?![\d])"),
        ("num", _NOT_BEFORE + r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)"
                r"(?P<y>\d{4}|\d{2})(?![\d])"),
        ("dmy", rf"\b(?P<d>\d{{1,2}}){_ORD}[\s-]+(?:of\s+)?{_MONTH}[\s,-]+(?P<y>\d{{4}})\b"),
        ("mdy", rf"\b{_MONTH}\s*(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})\b"),
        ("my", rf"\b{_MONTH}[\s,-]+(?:of\s+)?(?P<y>\d{{4}})\b"),
        ("m/y", _NOT_BEFORE + r"(?P<m>\d{1,2})/(?P<y>\d{4})(?![\d/])"),
        ("y-m", _NOT_BEFORE + r"(?P<y>\d{4})-(?P<m>\d{1,2})(?![\d-])"),
    ))
_ENUM = re.compile(r"(?:^|(?<=[.;!?])|(?<=\n))[ \t]*(?P<mark>\(?\d{1,2}[.)])(?=\s|$)"
                   r"|(?<=[,;]\s)(?P<paren>\d{1,2}\))(?=\s)", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\d.])(?P<int>\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?P<frac>\.\d+)?"
                     r"(?P<ord>st|nd|rd|th)?(?![\d])", re.IGNORECASE)
_UNIT = re.compile(r"\s*(?P<unit>mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?)"
                   r"(?![a-z0-9/\u00b2\u00b3])", re.IGNORECASE)
_CHAIN = re.compile(r"\s*(?:x|\u00d7|\*|by|to|-|\u2013|\u2014|->|-->|=>|\u2192)\s*$",
                    re.IGNORECASE)
_LIST = re.compile(r"(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)(?:[a-z][\w/-]*\s+){0,2}$",
                   re.IGNORECASE)
_COUNT_NOUN = re.compile(
    r"\s+(?:[^\s\d]+\s+){0,5}?(?:exams?|examinations?|stud(?:y|ies)|scans?|reports?|"
    r"time ?points?|visits?|(?:CT|MRI|MR|PET|PET/CT|PET-CT)s)\b", re.IGNORECASE)
_YEARS = range(1900, 2100)


@dataclass(frozen=True)
class Value:
    """A number or date found in a text.

    Attributes:
        text: the characters of the value (``"3.8"``, ``"Jan 2023"``).
        kind: ``"number"`` or ``"date"``.
        start: offset of the first character.
        end: offset one past the last character.
        keys: the normalised values it may stand for: ``("mm", 38.0)``, ``("num", 3.8)``,
            ``("day", (2023, 1, 14))``, ``("month", (2023, 1))``, ``("year", 2023)``
            (two keys for an ambiguous numeric date).
    """

    text: str
    kind: Kind
    start: int
    end: int
    keys: frozenset[tuple[str, Any]]

    @property
    def normalized(self) -> str:
        """The value in one canonical spelling (``"38 mm"``, ``"2023-01-14"``)."""
        return " | ".join(sorted(_show(k) for k in self.keys))


@dataclass(frozen=True)
class Unsupported:
    """A value of the output that the input does not give.

    Attributes:
        value: the value as written in the output.
        kind: ``"number"`` or ``"date"``.
        start: offset of its first character in the output.
        end: offset one past its last character.
        normalized: canonical spelling (``"38 mm"``, ``"2023-01-14"``, ``"2023-01"``).
    """

    value: str
    kind: Kind
    start: int
    end: int
    normalized: str = ""


@dataclass
class FabricationResult:
    """Fabrication counts over many outputs.

    Attributes:
        n_outputs: outputs checked.
        n_values: values (numbers + dates) found in the outputs.
        n_unsupported: of those, values the input does not give.
        by_kind: ``{"number"|"date": {"values": n, "unsupported": n}}``.
        per_output: ``(values, unsupported)`` per output, in input order.
        examples: up to ``max_examples`` unsupported values:
            ``{"output": index, "value", "kind", "normalized"}`` (no other text).
    """

    n_outputs: int = 0
    n_values: int = 0
    n_unsupported: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=lambda: {
        k: {"values": 0, "unsupported": 0} for k in ("number", "date")})
    per_output: list[tuple[int, int]] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Unsupported / values checked (0 when no value was checked)."""
        return self.n_unsupported / self.n_values if self.n_values else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without ``per_output``)."""
        return {"n_outputs": self.n_outputs, "n_values": self.n_values,
                "n_unsupported": self.n_unsupported, "rate": self.rate,
                "by_kind": self.by_kind, "examples": self.examples}


def _show(key: tuple[str, Any]) -> str:
    kind, v = key
    if kind == "mm":
        return f"{v:g} mm"
    if kind == "num":
        return f"{v:g}"
    if kind == "day":
        return f"{v[0]:04d}-{v[1]:02d}-{v[2]:02d}"
    if kind == "month":
        return f"{v[0]:04d}-{v[1]:02d}"
    return f"{v:04d}"


def _day(y: int, m: int, d: int) -> tuple[str, Any] | None:
    try:
        _dt.date(y, m, d)
    except ValueError:
        return None
    return ("day", (y, m, d))


def _date_keys(name: str, m: re.Match[str]) -> set[tuple[str, Any]]:
    g = m.groupdict()
    year = int(g["y"])
    if name == "num":
        if len(g["y"]) == 2:
            if g["sep"] != "/":
                return set()
            year += 2000
        a, b = int(g["a"]), int(g["b"])
        return {k for k in (_day(year, b, a), _day(year, a, b)) if k is not None}
    month = _MONTHS[g["mon"].lower()[:3]] if g.get("mon") else int(g["m"])
    if name in ("my", "m/y", "y-m"):
        return {("month", (year, month))} if 1 <= month <= 12 and year in _YEARS else set()
    key = _day(year, month, int(g["d"]))
    return {key} if key is not None else set()


def _dates(text: str) -> list[Value]:
    found: list[Value] = []
    for name, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            keys = _date_keys(name, m)
            if keys:
                found.append(Value(m.group(0), "date", m.start(), m.end(), frozenset(keys)))
    found.sort(key=lambda v: (v.start, -(v.end - v.start)))
    out: list[Value] = []
    for v in found:
        if not out or v.start >= out[-1].end:
            out.append(v)
    return out


def _enumeration(text: str) -> list[tuple[int, int]]:
    return [m.span("mark") if m.group("mark") else m.span("paren") for m in _ENUM.finditer(text)]


def find_values(text: str) -> list[Value]:
    """Every number and date of ``text``, in order (see the module docstring).

    Args:
        text: any text (an output, or one input field).

    Returns:
        Values with their spans and normalised keys; list enumeration, digit
        ordinals and numbers inside dates are not values of their own.
    """
    dates = _dates(text)
    skip = [(v.start, v.end) for v in dates] + _enumeration(text)
    numbers = [m for m in _NUMBER.finditer(text)
               if not m.group("ord") and not any(a <= m.start() < b for a, b in skip)]
    units: list[tuple[str, bool] | None] = []  # ("mm"|"cm", borrowed from a list)
    for m in numbers:
        u = _UNIT.match(text, m.end())
        units.append((u.group("unit").lower()[:1] + "m", False) if u else None)
    for i in range(len(numbers) - 2, -1, -1):
        if units[i] is not None or units[i + 1] is None:
            continue
        between = text[numbers[i].end():numbers[i + 1].start()]
        if _CHAIN.match(between):
            units[i] = units[i + 1]
        elif _LIST.match(between):
            units[i] = (units[i + 1][0], True)
    values = list(dates)
    for m, unit in zip(numbers, units, strict=True):
        number = float(m.group("int").replace(",", "") + (m.group("frac") or ""))
        if unit is not None:
            keys = {("mm", round(number * (10 if unit[0] == "cm" else 1), 3))}
            if unit[1]:
                keys.add(("num", round(number, 6)))
            values.append(Value(m.group(0), "number", m.start(), m.end(), frozenset(keys)))
        elif not m.group("frac") and int(number) in _YEARS and len(m.group("int")) == 4:
            values.append(Value(m.group(0), "date", m.start(), m.end(),
                                frozenset({("year", int(number))})))
        else:
            values.append(Value(m.group(0), "number", m.start(), m.end(),
                                frozenset({("num", round(number, 6))})))
    values.sort(key=lambda v: v.start)
    return values


class Grounding:
    """The values of one patient's input, to check many outputs against.

    Args:
        sources: the input texts (see :func:`report_sources`).
        n_reports: number of reports in the series; enables the exam-count exception
            (module docstring). None: no exception.
    """

    def __init__(self, sources: Iterable[str], n_reports: int | None = None) -> None:
        self.n_reports = n_reports
        self.keys: set[tuple[str, Any]] = set()
        for source in sources:
            for value in find_values(str(source or "")):
                for kind, v in value.keys:
                    self.keys.add((kind, v))
                    if kind == "day":
                        self.keys.add(("month", v[:2]))
                        self.keys.add(("year", v[0]))
                    elif kind == "month":
                        self.keys.add(("year", v[0]))

    def grounded(self, value: Value, text: str = "") -> bool:
        """Whether ``value`` (found in ``text``) is given by the input."""
        if value.keys & self.keys:
            return True
        return (self.n_reports is not None and value.keys == {("num", float(self.n_reports))}
                and bool(_COUNT_NOUN.match(text, value.end)))

    def check(self, text: str) -> tuple[list[Value], list[Unsupported]]:
        """All values of ``text`` and the unsupported ones."""
        values = find_values(text)
        bad = [Unsupported(v.text, v.kind, v.start, v.end, v.normalized)
               for v in values if not self.grounded(v, text)]
        return values, bad

    def unsupported(self, text: str) -> list[Unsupported]:
        """The values of ``text`` that the input does not give."""
        return self.check(text)[1]


def unsupported_values(text: str, sources: list[str], *,
                       n_reports: int | None = None) -> list[Unsupported]:
    """Numbers and dates of ``text`` that appear in none of ``sources``.

    Args:
        text: a generated text (a summary or a per-report statement).
        sources: the patient's input texts: each report's date, modality, impression
            and findings (:func:`report_sources` builds them from report dicts).
        n_reports: the number of reports, to accept "N exams" counts (optional).

    Returns:
        One :class:`Unsupported` per unsupported value, in text order.
    """
    return Grounding(sources, n_reports).unsupported(text)


def report_sources(reports: Sequence[Mapping[str, Any]]) -> list[str]:
    """The input texts of a series: ``date``, ``modality``, ``impression``, ``findings``
    of every report (missing or empty fields left out)."""
    return [str(r[f]) for r in reports if isinstance(r, Mapping)
            for f in SOURCE_FIELDS if r.get(f) not in (None, "")]


def fabrication_rate(outputs: list[tuple[str, list[str]]], *,
                     n_reports: Sequence[int | None] | None = None,
                     max_examples: int = 20) -> FabricationResult:
    """Pooled fabrication rate of many outputs, each checked against its own sources.

    Args:
        outputs: ``(output text, sources)`` pairs (sources as for
            :func:`unsupported_values`). Outputs sharing the same sources list object
            share one grounding.
        n_reports: per output, the series length for the exam-count exception.
        max_examples: unsupported values kept as examples (value text only).

    Returns:
        Counts, the rate (unsupported / values checked) and examples.
    """
    if n_reports is not None and len(n_reports) != len(outputs):
        raise ValueError(f"{len(outputs)} outputs but {len(n_reports)} n_reports")
    result = FabricationResult()
    cache: dict[tuple[int, int | None], Grounding] = {}
    for i, (text, sources) in enumerate(outputs):
        n = n_reports[i] if n_reports is not None else None
        grounding = cache.get((id(sources), n))
        if grounding is None:
            grounding = cache[(id(sources), n)] = Grounding(sources, n)
        values, bad = grounding.check(str(text or ""))
        result.n_outputs += 1
        result.n_values += len(values)
        result.n_unsupported += len(bad)
        result.per_output.append((len(values), len(bad)))
        for v in values:
            result.by_kind[v.kind]["values"] += 1
        for u in bad:
            result.by_kind[u.kind]["unsupported"] += 1
            if len(result.examples) < max_examples:
                result.examples.append({"output": i, "value": u.value, "kind": u.kind,
                                        "normalized": u.normalized})
    return result
