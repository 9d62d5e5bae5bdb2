"""Spreadsheet-safe CSV (radlite.core.csvsafe): guard, numbers untouched, raw, round trip."""

from __future__ import annotations

import csv
import io
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from radlite.core import csvsafe
from radlite.core.csvsafe import (
    dict_reader,
    dict_writer,
    needs_guard,
    safe_cell,
    safe_row,
    unguard_cell,
    writer,
)
from radlite.core.io import read_reports, write_csv, write_jsonl
from radlite.core.types import Record

PROBE = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", [PROBE, "=1+1", "+1+1", "-2+3", "-x", "@SUM(A1:A9)",
                                  "\tfoo", "\rfoo", "\t", "-", "=", "- No acute findings"])
def test_each_trigger_character_gets_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert needs_guard(text)


@pytest.mark.parametrize("text", [" =1+1", "  @x", "\n=HYPERLINK(\"x\")", " \t -1+2", "\t-3",
                                  "\r\n-3", "-\u0663"])
def test_a_formula_after_leading_whitespace_or_a_non_ascii_number_is_guarded(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["'=x", "''@x", "' -x"])
def test_a_text_starting_with_quote_then_trigger_gets_one_more_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["abc", "a=b", "1+1", "", "'", "'a", " ", "[1,2]",
                                   '{"a":[[0,3,"exact"]]}', "liver_focal", "ok"])
def test_harmless_text_is_unchanged(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-1, -0.5, -1e-3, 0, 3, True, False, None, Decimal("-2.5"),
                                   float("-inf")])
def test_numbers_and_none_are_never_touched(value: object) -> None:
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["-1", "-3", "-0.5", "-1e-3", "+2", "-.5", "-1.", "1e5",
                                  " -3", "-1E+07"])
def test_plain_number_strings_are_not_mangled(text: str) -> None:
    assert safe_cell(text) == text
    assert not needs_guard(text)


def test_numpy_numbers_are_numbers() -> None:
    np = pytest.importorskip("numpy")
    for value in (np.int64(-1), np.float32(-0.5), np.float64(-2.0)):
        assert safe_cell(value) is value


def test_other_objects_are_guarded_by_their_text() -> None:
    class Formula:
        def __str__(self) -> str:
            return "=2+2"

    assert safe_cell(Formula()) == "'=2+2"
    assert safe_cell(["-x"]) == ["-x"]  # str() starts with "[": harmless, unchanged


def test_raw_leaves_every_cell_alone() -> None:
    row = [PROBE, "-x", "@x", -1, None]
    assert safe_row(row, raw=True) == row
    assert safe_cell(PROBE, raw=True) == PROBE
    assert safe_row(row) == ["'" + PROBE, "'-x", "'@x", -1, None]


def test_writer_and_raw_writer() -> None:
    safe, raw = io.StringIO(), io.StringIO()
    for handle, is_raw in ((safe, False), (raw, True)):
        out = writer(handle, raw=is_raw, lineterminator="\n")
        out.writerow(["id", "value"])
        out.writerows([[PROBE, -1], ["@x", "-0.5"]])
    assert safe.getvalue() == "id,value\n'=cmd|' /C calc'!A0,-1\n'@x,-0.5\n"
    assert raw.getvalue() == "id,value\n=cmd|' /C calc'!A0,-1\n@x,-0.5\n"


def test_dict_writer_guards_header_and_cells_and_keeps_options() -> None:
    buffer = io.StringIO()
    out = dict_writer(buffer, ["id", "-col"], extrasaction="ignore", lineterminator="\n")
    out.writeheader()
    out.writerows([{"id": "+x", "-col": -1, "ignored": "=no"}])
    out.writerow({"id": "ok", "-col": "@y"})
    assert buffer.getvalue() == "id,'-col\n'+x,-1\nok,'@y\n"
    rows = list(dict_reader(io.StringIO(buffer.getvalue())))
    assert rows == [{"id": "+x", "-col": "-1"}, {"id": "ok", "-col": "@y"}]


ROUND_TRIP = [PROBE, "=1", "'=1", "''=1", "'-1", "-1", "- item", " =x", "\tx", "\rx", "'",
              "'a", "", "plain", "-", "@", "' ", "'\t", "a'=b", "-1e-3", "+", "'+3"]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_unguard_inverts_safe_cell(text: str) -> None:
    assert unguard_cell(safe_cell(text)) == text


def test_unguard_inverts_safe_cell_on_random_texts() -> None:
    rng = random.Random(0)
    alphabet = "'=+-@\t\r\n 1.eEa|!"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        assert unguard_cell(safe_cell(text)) == text, repr(text)


def test_unguard_leaves_foreign_quotes_and_non_strings() -> None:
    assert unguard_cell("'abc") == "'abc"
    assert unguard_cell("'-1") == "'-1"  # a guarded "-1" never exists: numbers are not guarded
    assert unguard_cell(5) == 5 and unguard_cell(None) is None


def test_csv_file_round_trip_through_radlite_reader(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["id", "report", "label"],
              [[PROBE, "=HYPERLINK(\"http://evil\") Liver normal.", -1],
               ["'=quoted", "- bullet", "-1"]])
    text = path.read_text(encoding="utf-8")
    assert "'=cmd" in text and "'=HYPERLINK" in text and "'- bullet" in text
    assert ",-1" in text and "''=quoted" in text
    plain = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    assert plain[0]["id"] == "'" + PROBE  # what a spreadsheet shows as text
    reports = list(read_reports(path))
    assert [r.id for r in reports] == [PROBE, "'=quoted"]
    assert reports[0].text.startswith("=HYPERLINK") and reports[1].text == "- bullet"
    assert [r.meta["label"] for r in reports] == ["-1", "-1"]


def test_write_csv_raw(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    write_csv(path, ["id"], [[PROBE], ["@x"]], raw=True)
    assert path.read_text(encoding="utf-8").splitlines()[1:] == [PROBE, "@x"]


def test_jsonl_stays_raw(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    record = Record(id=PROBE, task="t", status="ok", values={"impression": "=1+1"})
    write_jsonl(path, [record.to_dict()])
    row = json.loads(path.read_text(encoding="utf-8"))
    assert row["id"] == PROBE and row["values"]["impression"] == "=1+1"


def test_core_module_is_standard_library_only() -> None:
    source = Path(csvsafe.__file__).read_text(encoding="utf-8")
    imports = {line.split()[1] for line in source.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "csv", "numbers", "re", "collections.abc", "typing"}
