"""Spreadsheet-safe CSV end to end: every CSV writer guards formula cells by default,
``--raw-csv`` turns it off, JSONL stays raw, and radlite reads its own output back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.cli.main import cli
from radlite.core.io import read_reports
from radlite.core.types import Record
from tests.conftest import write_csv

PROBE = "=cmd|' /C calc'!A0"
TEXTS = {
    PROBE: "=HYPERLINK(\"http://evil\") Liver: 2 cm hypodense lesion in the liver. No ascites.",
    "@evil": "+1 Kidneys: simple cyst in the left kidney. Spleen normal.",
    "-2": "- Gallbladder: normal. Pancreas: unremarkable.",
}


def _rows(path: Path) -> list[dict[str, str]]:
    """The cells exactly as a spreadsheet (or any plain CSV reader) gets them."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _invoke(*args: object) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "in.csv", ["id", "report"], [list(kv) for kv in TEXTS.items()])


def test_extract_csv_is_guarded_and_raw_csv_is_raw(tmp_path: Path, source: Path) -> None:
    safe, raw, jsonl = tmp_path / "out.csv", tmp_path / "raw.csv", tmp_path / "out.jsonl"
    _invoke("extract", "abdct", source, "-o", safe, "--no-progress")
    _invoke("extract", "abdct", source, "-o", raw, "--raw-csv", "--no-progress")
    _invoke("extract", "abdct", source, "-o", jsonl, "--format", "jsonl", "--no-progress")
    guarded = _rows(safe)
    assert [r["id"] for r in guarded] == ["'" + PROBE, "'@evil", "-2"]  # -2 is a number
    assert {r["status"] for r in guarded} == {"ok"}
    assert guarded[0]["liver_focal"] == "1"
    assert [r["id"] for r in _rows(raw)] == list(TEXTS)
    assert [json.loads(line)["id"] for line in jsonl.read_text("utf-8").splitlines()] == list(
        TEXTS)
    # radlite reads its guarded output back to the original ids
    assert [r.id for r in read_reports(safe, text_col="evidence")] == list(TEXTS)


def test_long_format_and_failed_file_are_guarded(tmp_path: Path, source: Path) -> None:
    out = tmp_path / "long.csv"
    _invoke("extract", "abdct", source, "-o", out, "--format", "long", "--no-progress")
    ids = {r["id"] for r in _rows(out)}
    assert ids == {"'" + PROBE, "'@evil", "-2"}
    raw = tmp_path / "long_raw.csv"
    _invoke("extract", "abdct", source, "-o", raw, "--format", "long", "--raw-csv",
            "--no-progress")
    assert {r["id"] for r in _rows(raw)} == set(TEXTS)


def test_impression_and_evidence_text_cells_are_guarded(tmp_path: Path) -> None:
    from radlite.pipeline.writers import get_writer
    from radlite.tasks import get_task

    task = get_task("impression")
    record = Record(id="@r1", task="impression", status="failed",
                    values={"impression": "=HYPERLINK(\"http://evil\",\"click\")",
                            "flags": "-1"},
                    error="-invalid answer")
    get_writer("wide")(task, [record], tmp_path / "imp.csv")
    (row,) = _rows(tmp_path / "imp.csv")
    assert row["id"] == "'@r1" and row["impression"].startswith("'=HYPERLINK")
    assert row["error"] == "'-invalid answer" and row["flags"] == "-1"
    get_writer("wide", raw=True)(task, [record], tmp_path / "imp_raw.csv")
    (row,) = _rows(tmp_path / "imp_raw.csv")
    assert row["id"] == "@r1" and row["impression"].startswith("=HYPERLINK")


def test_chexpert_minus_one_stays_minus_one(tmp_path: Path) -> None:
    from radlite.pipeline.writers import write_wide
    from radlite.tasks import get_task

    task = get_task("chest", mode="rules")
    column = task.columns()[1]
    records = [Record(id="a", task="chest", status="ok", values={column: -1}),
               Record(id="b", task="chest", status="ok", values={column: "-1"})]
    write_wide(task, records, tmp_path / "chest.csv")
    assert [r[column] for r in _rows(tmp_path / "chest.csv")] == ["-1", "-1"]


def test_eval_matches_guarded_predictions_to_gold_ids(tmp_path: Path, source: Path) -> None:
    gold, pred, partial = tmp_path / "gold.csv", tmp_path / "pred.csv", tmp_path / "part.csv"
    _invoke("extract", "abdct", source, "-o", gold, "--raw-csv", "--no-progress")
    _invoke("extract", "abdct", source, "-o", pred, "--no-progress")
    subset = write_csv(tmp_path / "sub.csv", ["id", "report"], [["-2", TEXTS["-2"]]])
    _invoke("extract", "abdct", subset, "-o", partial, "--no-progress")
    report = tmp_path / "report"
    _invoke("eval", "abdct", "--gold", gold, "--pred", f"full={pred}", "--pred",
            f"part={partial}", "-o", report, "--n-boot", "20", "--no-plots")
    result = json.loads((report / "results.json").read_text("utf-8"))
    assert result["ids"]["models"]["full"]["n_missing"] == 0
    assert result["ids"]["models"]["full"]["n_extra"] == 0
    accuracy = next(m for m in result["metrics"]
                    if m["model"] == "full" and m["metric"] == "accuracy_micro")
    assert accuracy["value"] == 1.0
    missing = {r["id"] for r in _rows(report / "ids.csv") if r["model"] == "part"}
    assert missing == {"'" + PROBE, "'@evil"}  # eval tables are guarded too
    raw_report = tmp_path / "raw_report"
    _invoke("eval", "abdct", "--gold", gold, "--pred", f"part={partial}", "-o", raw_report,
            "--n-boot", "20", "--no-plots", "--raw-csv")
    assert {r["id"] for r in _rows(raw_report / "ids.csv")} == {PROBE, "@evil"}


def test_jobs_export_and_retry_keep_the_choice(tmp_path: Path, source: Path) -> None:
    out = tmp_path / "out.csv"
    _invoke("extract", "abdct", source, "-o", out, "--raw-csv", "--no-progress")
    store = tmp_path / "out.csv.job.sqlite"
    _invoke("jobs", "export", store, "-o", tmp_path / "e.csv")
    assert _rows(tmp_path / "e.csv")[0]["id"] == "'" + PROBE
    _invoke("jobs", "export", store, "-o", tmp_path / "e_raw.csv", "--raw-csv")
    assert _rows(tmp_path / "e_raw.csv")[0]["id"] == PROBE
    out.unlink()
    _invoke("jobs", "retry", store, "--no-progress")  # rewrites the output as recorded: raw
    assert _rows(out)[0]["id"] == PROBE


def test_perturbed_copy_round_trips_through_extraction_readers(tmp_path: Path,
                                                               source: Path) -> None:
    from radlite.evaluate.io import read_rows
    from radlite.evaluate.robustness import perturb_file

    copy = tmp_path / "perturbed.csv"
    perturb_file(source, copy, expand=True)
    assert [r["id"] for r in _rows(copy)] == ["'" + PROBE, "'@evil", "-2"]
    assert [r["id"] for r in read_rows(copy)] == list(TEXTS)
    assert [r.id for r in read_reports(copy)] == list(TEXTS)
    assert read_reports(copy).__next__().text.startswith("=HYPERLINK")
    perturb_file(source, tmp_path / "raw.csv", raw=True)
    assert [r["id"] for r in _rows(tmp_path / "raw.csv")] == list(TEXTS)


def test_lesion_table_is_guarded(tmp_path: Path) -> None:
    from radlite.tasks.summarize.table_io import write_lesion_table

    result = {"patient_id": "=p", "status": "stable", "lesions": [
        {"lesion_id": "@L1", "site": "-liver", "label": "+x", "observations": [
            {"report_id": PROBE, "date": "2024-01-02", "size_mm": -1.0, "present": True}]}]}
    assert write_lesion_table([result], tmp_path / "l.csv") == 1
    (row,) = _rows(tmp_path / "l.csv")
    assert (row["patient_id"], row["lesion_id"], row["site"], row["label"], row["report_id"],
            row["size_mm"], row["date"]) == ("'=p", "'@L1", "'-liver", "'+x", "'" + PROBE,
                                             "-1.0", "2024-01-02")
    write_lesion_table([result], tmp_path / "raw.csv", raw=True)
    assert _rows(tmp_path / "raw.csv")[0]["report_id"] == PROBE


def test_synth_csv_keeps_numbers_and_reads_back(tmp_path: Path) -> None:
    from radlite.synth import generate, write

    records = generate("chest", 20, seed=3)
    records[0]["id"] = PROBE
    path = write(records, tmp_path / "chest.csv", "chest")
    rows = _rows(path)
    assert rows[0]["id"] == "'" + PROBE
    label_values = {v for row in rows for k, v in row.items() if k not in ("id", "report")}
    assert label_values <= {"", "0", "1", "-1"}
    assert [r.id for r in read_reports(path)][0] == PROBE
    raw = write(records, tmp_path / "raw.csv", "chest", raw=True)
    assert _rows(raw)[0]["id"] == PROBE


def test_training_and_example_readers_remove_the_guard(tmp_path: Path) -> None:
    from radlite.core.io import write_csv as write_safe
    from radlite.tasks.impression.examples import read_examples

    path = tmp_path / "gold.csv"
    write_safe(path, ["id", "findings", "impression", "report", "Effusion"],
               [[PROBE, "- Small effusion.", "=1 Effusion.", "+ text", 1]])
    assert "'- Small effusion." in path.read_text("utf-8")
    (example,) = read_examples(path)
    assert (example.id, example.findings, example.impression) == (
        PROBE, "- Small effusion.", "=1 Effusion.")
    chest_head = pytest.importorskip("radlite.train.chest_head")
    data = chest_head.read_labelled_csv(path, labels=["Effusion"])
    assert data.ids == [PROBE] and data.texts == ["+ text"]


def test_quickstart_check_reads_guarded_ids(tmp_path: Path) -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "check_quickstart.py"
    spec = importlib.util.spec_from_file_location("check_quickstart", script)
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    from radlite.core.io import write_csv as write_safe

    write_safe(tmp_path / "out.csv", ["id", "size"], [[PROBE, "12"], ["-3", ""]])
    write_csv(tmp_path / "gold.csv", ["id", "size"], [[PROBE, "12"], ["-3", ""]])
    assert check.read(tmp_path / "out.csv") == check.read(tmp_path / "gold.csv")


def test_training_log_csv_keeps_numbers_and_guards_text(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from radlite.train.progress import write_csv as write_log

    write_log([{"step": 1, "loss": -0.25, "note": "=1+1"}, {"step": 2, "eval_loss": 1e-3}],
              tmp_path / "log.csv")
    assert _rows(tmp_path / "log.csv") == [
        {"step": "1", "loss": "-0.25", "note": "'=1+1", "eval_loss": ""},
        {"step": "2", "loss": "", "note": "", "eval_loss": "0.001"}]
