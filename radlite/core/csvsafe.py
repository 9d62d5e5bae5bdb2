"""Spreadsheet-safe CSV: cells that a spreadsheet would run as a formula are neutralised.

Key terms: a *trigger* is a first character that makes Excel, LibreOffice Calc or Google
Sheets read a cell as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return; see
OWASP's "CSV Injection" page). A *guarded* cell is the same text with one single quote
``'`` in front, which spreadsheets show as text and never evaluate.

Every CSV radlite writes goes through :func:`writer` / :func:`dict_writer` (or
:func:`safe_cell`), which guard a cell when

* its first character is a trigger, or
* it starts with whitespace and its first non-whitespace character is ``=``, ``+``,
  ``-`` or ``@`` (some spreadsheets trim leading blanks before they parse a cell), or
* it starts with one or more ``'`` followed by either of the above (so that a value that
  really begins with a quote survives the round trip: ``'=x`` is written ``''=x``).

Numbers are never touched: an ``int``/``float`` (any :class:`numbers.Number`, numpy's
included) and a string that is a plain number (``-1``, ``-0.5``, ``-1e-3``, ``+2``) are
written as they are, so that CheXpert's ``-1`` (uncertain) stays ``-1``.

``raw=True`` turns guarding off (``--raw-csv`` on the CLI, ``?raw=true`` on the REST
export endpoints) for pipelines that need the bytes as they are.

Reading back: radlite's own CSV readers (:func:`dict_reader`; inputs, gold and
prediction files, review and comparison exports) remove the guard again with
:func:`unguard_cell`: one leading ``'`` is dropped when what follows would have been
guarded. Guarding then unguarding gives back the original text exactly; ids such as
``=cmd|' /C calc'!A0`` therefore still match between a guarded output and its gold file.

Pure standard library: this module is imported by the core layer.
"""

from __future__ import annotations

import csv
import numbers
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

_FORMULA = ("=", "+", "-", "@")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
QUOTE = "'"


def is_plain_number(text: str) -> bool:
    """True for an ASCII decimal number such as ``-1``, ``-0.5``, ``+3``, ``-1e-3`` (spaces,
    not tabs, around it allowed); such a cell is data, not a formula, and is never guarded."""
    return _NUMBER.fullmatch(text.strip(" ")) is not None


def _triggers(text: str) -> bool:
    """True when a spreadsheet could read ``text`` (already stripped of quotes) as a formula."""
    if not text:
        return False
    if text[0] in TRIGGERS:
        return True
    rest = text.lstrip()
    return rest != text and rest[:1] in _FORMULA


def needs_guard(text: str) -> bool:
    """True when :func:`safe_cell` prefixes ``text`` with ``'``."""
    return _triggers(text.lstrip(QUOTE)) and not is_plain_number(text)


def safe_cell(value: Any, raw: bool = False) -> Any:
    """``value`` ready for a CSV cell: ``'`` + its text when that text could run as a formula.

    None, numbers (:class:`numbers.Number`, bool and numpy's included) and values whose
    text needs no guard are returned unchanged (``csv`` writes them with ``str``); so is
    everything when ``raw`` is True.
    """
    if raw or value is None or isinstance(value, numbers.Number):
        return value
    text = value if isinstance(value, str) else str(value)
    return QUOTE + text if needs_guard(text) else value


def safe_row(row: Iterable[Any], raw: bool = False) -> list[Any]:
    """:func:`safe_cell` of each cell."""
    return [safe_cell(v, raw) for v in row]


def unguard_cell(value: Any) -> Any:
    """The inverse of :func:`safe_cell` for radlite's readers: drop one leading ``'`` when
    the rest would have been guarded. Anything else (and every non-string) is unchanged,
    so ``unguard_cell(safe_cell(text)) == text`` for every text."""
    if isinstance(value, str) and value[:1] == QUOTE and needs_guard(value[1:]):
        return value[1:]
    return value


class SafeWriter:
    """A ``csv.writer`` whose rows pass through :func:`safe_row` (unless ``raw``)."""

    def __init__(self, handle: IO[str], raw: bool = False, **kwargs: Any) -> None:
        self._writer = csv.writer(handle, **kwargs)
        self.raw = raw

    @property
    def dialect(self) -> Any:
        """The underlying writer's dialect."""
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one row."""
        return self._writer.writerow(safe_row(row, self.raw))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write every row."""
        for row in rows:
            self.writerow(row)


def writer(handle: IO[str], raw: bool = False, **kwargs: Any) -> SafeWriter:
    """A spreadsheet-safe ``csv.writer`` on ``handle`` (``raw=True``: plain csv.writer)."""
    return SafeWriter(handle, raw, **kwargs)


def dict_writer(handle: IO[str], fieldnames: Iterable[str], raw: bool = False,
                **kwargs: Any) -> csv.DictWriter:
    """A spreadsheet-safe ``csv.DictWriter`` (header and cells guarded unless ``raw``)."""
    out = csv.DictWriter(handle, fieldnames, **kwargs)
    out.writer = SafeWriter(handle, raw, dialect=out.writer.dialect)
    return out


class _UnguardedRows:
    """Rows of a ``csv.reader`` with :func:`unguard_cell` applied to each cell."""

    def __init__(self, rows: Any) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        return [unguard_cell(c) for c in next(self._rows)]

    @property
    def line_num(self) -> int:
        """Lines read so far (as ``csv.reader.line_num``)."""
        return self._rows.line_num

    @property
    def dialect(self) -> Any:
        """The underlying reader's dialect."""
        return self._rows.dialect


def dict_reader(handle: IO[str], raw: bool = False, **kwargs: Any) -> csv.DictReader:
    """A ``csv.DictReader`` whose header and cells have the guard of :func:`safe_cell`
    removed (``raw=True``: a plain DictReader)."""
    out = csv.DictReader(handle, **kwargs)
    if not raw:
        out.reader = _UnguardedRows(out.reader)
    return out

