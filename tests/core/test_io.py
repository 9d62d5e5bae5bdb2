from __future__ import annotations

import json
from pathlib import Path

import pytest

from radlite.core.errors import InputError
from radlite.core.io import (
    PROBLEM_KEY,
    atomic_writer,
    check_unique_ids,
    check_writable,
    read_reports,
    write_csv,
)
from tests.conftest import write_csv as fixture_csv


def test_csv_streams_reports_with_meta(tmp_path: Path) -> None:
    path = fixture_csv(tmp_path / "in.csv", ["id", "report", "site"],
                       [["1", "Liver: normal.", "A"], ["2", "Multi\nline", "B"]])
    reports = list(read_reports(path))
    assert [r.id for r in reports] == ["1", "2"]
    assert reports[1].text == "Multi\nline"
    assert reports[0].meta == {"site": "A"}


def test_custom_columns(tmp_path: Path) -> None:
    path = fixture_csv(tmp_path / "in.csv", ["accession", "text"], [["X9", "abc"]])
    (report,) = read_reports(path, id_col="accession", text_col="text")
    assert (report.id, report.text) == ("X9", "abc")


def test_missing_id_column_names_the_header(tmp_path: Path) -> None:
    path = fixture_csv(tmp_path / "in.csv", ["acc", "report"], [["1", "x"]])
    with pytest.raises(InputError, match=r"missing column\(s\) \['id'\].*--id-col"):
        list(read_reports(path))


def test_row_with_extra_fields_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,report\n1,ok\n2,too,many\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3 has more fields"):
        list(read_reports(path))


def test_empty_id_is_an_error(tmp_path: Path) -> None:
    path = fixture_csv(tmp_path / "in.csv", ["id", "report"], [["", "x"]])
    with pytest.raises(InputError, match="empty or missing id"):
        list(read_reports(path))


def test_non_utf8_row_is_flagged_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    korean_cp949 = "간경변".encode("cp949")
    path.write_bytes(b"id,report\n1,fine\n2," + korean_cp949 + b" nodule\n")
    reports = list(read_reports(path))
    assert PROBLEM_KEY not in reports[0].meta
    assert "not valid utf-8" in reports[1].meta[PROBLEM_KEY]
    assert "cp949" in reports[1].meta[PROBLEM_KEY]
    (fixed,) = [r for r in read_reports(path, encoding="cp949") if r.id == "2"]
    assert fixed.text.startswith("간경변") and PROBLEM_KEY not in fixed.meta


def test_jsonl_and_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 7, "report": "x"}) + "\n\n{oops\n", encoding="utf-8")
    reader = read_reports(path)
    assert next(reader).id == "7"
    with pytest.raises(InputError, match=r"in.jsonl:3: invalid JSON"):
        next(reader)


def test_folder_of_txt_files(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("second", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first", encoding="utf-8")
    assert [(r.id, r.text) for r in read_reports(tmp_path)] == [("a", "first"), ("b", "second")]


def test_missing_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_reports(tmp_path / "nope.csv"))


def test_duplicate_ids_are_named(tmp_path: Path) -> None:
    path = fixture_csv(tmp_path / "in.csv", ["id", "report"], [["1", "a"], ["2", "b"], ["1", "c"]])
    with pytest.raises(InputError, match=r"duplicate report ids.*\['1'\]"):
        check_unique_ids(read_reports(path))


def test_atomic_writer_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_csv(target, ["a"], [[1]])
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("partial")
        raise RuntimeError("crash")
    assert target.read_text(encoding="utf-8").splitlines() == ["a", "1"]
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_unwritable_output_fails_before_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="cannot write output"):
        check_writable(blocker / "sub" / "out.csv")
