"""Per-report statements selected from the impression by the learned statement selector."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from radlite.core.errors import ConfigError, InputError
from radlite.tasks.summarize.statements import (
    Phrase,
    StatementSelector,
    change_statement,
    load_selector,
    phrases,
    render,
    shipped_selector,
)
from radlite.tasks.summarize.summary import summarize_series

SERIES = {"patient_id": "P1", "reports": [
    {"id": "a", "date": "2023-01-14", "modality": "CT abdomen",
     "impression": "1. Segment 7 hepatic metastasis measuring 3.8 cm. 2. Segment 4 lesion "
                   "1.0 cm. 3. No ascites."},
    {"id": "b", "date": "2023-04-02", "modality": "CT abdomen",
     "impression": "1. Segment 7 metastasis now 2.9 cm (previously 3.8 cm), consistent with "
                   "response. 2. Segment 4 lesion no longer seen. 3. No new lesions."}]}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+|\d+(?:\.\d+)?", text.lower()))


def test_phrases_cut_items_at_punctuation_connectives_and_list_numbers() -> None:
    items = phrases("1. Fracture of L2 with 30% height loss; no cord compression. "
                    "2. Lesions at T9 and L4. 3. No epidural disease.")
    assert [p.text for p in items] == ["Fracture of L2", "with 30% height loss;",
                                       "no cord compression.", "Lesions at T9", "and L4.",
                                       "No epidural disease."]
    assert [p.item for p in items] == [0, 0, 1, 2, 2, 3]
    assert phrases("") == []


def test_selected_statements_copy_the_report_and_mark_the_baseline() -> None:
    out = summarize_series(SERIES)
    first, second = out["per_report"]
    assert first.startswith("Baseline: ") and "3.8 cm" in first
    assert "2.9 cm" in second
    for statement, report in zip(out["per_report"], SERIES["reports"], strict=True):
        body = statement.removeprefix("Baseline: ")
        assert _words(body) <= _words(report["impression"]), statement
    assert all(span["end"] > span["start"] for spans in out["evidence"]["per_report"]
               for span in spans)


def test_a_cut_never_separates_a_negation_or_hedge_from_its_item() -> None:
    items = phrases("No new lesions in the liver, lung or bones.")
    keep = [False] + [True] * (len(items) - 1)
    selector = StatementSelector({}, 0.5, {})
    from radlite.tasks.summarize.statements import _guarded

    assert not any(_guarded(items, keep))
    assert render(items, [True] * len(items)) == "No new lesions in liver, lung or bones"
    statement = change_statement("Possible metastasis in segment 6, 7 mm.", False, selector)
    assert statement is not None and statement.startswith("Possible")


def test_a_label_and_its_value_stay_together() -> None:
    from radlite.tasks.summarize.statements import _guarded

    items = phrases("Seg 8: 2.2 cm. Seg 2: not seen.")
    assert [p.text for p in items] == ["Seg 8:", "2.2 cm.", "Seg 2:", "not seen."]
    assert _guarded(items, [False, True, True, False]) == [True, True, True, True]
    assert _guarded(items, [False, False, False, False]) == [False] * 4


def test_render_tidies_articles_capitals_and_parentheses() -> None:
    items = [Phrase("There is a 4.1 cm observation in segment 8", 0, 0),
             Phrase("(previously 3.2 cm", 0, 1), Phrase("on 2020-01-01).", 0, 2),
             Phrase("The node is 1.1 cm.", 1, 0)]
    assert render(items, [True, False, True, True]) == \
        "4.1 cm observation in segment 8, on 2020-01-01; node is 1.1 cm"


def test_table_statements_remain_available() -> None:
    table = summarize_series(SERIES, statements="table")["per_report"]
    assert table[0].startswith("Baseline CT:")


def test_shipped_selector_and_bad_folders(tmp_path: Path) -> None:
    selector = shipped_selector()
    assert selector.weights and 0 < selector.threshold < 1
    assert selector.card.get("loso_rougeL") or selector.card.get("lopo_rougeL")
    saved = selector.save(tmp_path / "copy")
    assert load_selector(saved.parent).weights == pytest.approx(selector.weights, abs=1e-6)
    with pytest.raises(ConfigError, match="no selector.json"):
        load_selector(tmp_path)
    (tmp_path / "selector.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ConfigError, match="not a"):
        load_selector(tmp_path)


def test_training_learns_what_writers_keep(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from radlite.train.statement_selector import phrase_labels, train_selector

    items = phrases("Segment 7 metastasis 2.9 cm, with central necrosis. No ascites.")
    assert phrase_labels(items, "segment 7 metastasis 2.9 cm") == [1, 0, 0]
    patients = [{"patient_id": f"P{i}", "reports": [
        {"date": "2023-01-01", "impression": f"Mass {i}.{i} cm, with central necrosis. "
                                             "No ascites."},
        {"date": "2023-02-01", "impression": f"Mass now {i}.{i + 1} cm, abutting the colon. "
                                             "No ascites."}],
        "per_report": [f"Baseline: mass {i}.{i} cm.", f"Mass now {i}.{i + 1} cm."]}
        for i in range(1, 7)]
    selector = train_selector(patients, c=1.0, threshold=0.5)
    assert selector.card["reports"] == 12
    statement = change_statement("Mass now 4.8 cm, with central necrosis. No ascites.", False,
                                 selector)
    assert statement == "Mass now 4.8 cm."
    with pytest.raises(InputError, match="per_report"):
        train_selector([{"patient_id": "X", "reports": [{"impression": "a"}]}])


def test_cli_statement_options_and_training(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from click.testing import CliRunner

    from radlite.cli.main import cli

    series = tmp_path / "series.jsonl"
    rows = [{**SERIES, "patient_id": f"P{i}",
             "per_report": ["Baseline: segment 7 metastasis 3.8 cm.",
                            "Segment 7 metastasis now 2.9 cm."]} for i in range(3)]
    series.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", "statement-selector", "--series", str(series),
                                  "-o", str(tmp_path / "sel"), "--threshold", "0.5"])
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "out.jsonl"
    done = runner.invoke(cli, ["summarize", str(series), "-o", str(out), "--no-progress",
                               "--statement-model", str(tmp_path / "sel")])
    assert done.exit_code == 0, done.output
    first = json.loads(out.read_text().splitlines()[0])
    assert first["per_report"][1].startswith("Segment 7 metastasis now 2.9 cm")
    table = runner.invoke(cli, ["summarize", str(series), "-o", str(tmp_path / "t.jsonl"),
                                "--no-progress", "--statements", "table"])
    assert table.exit_code == 0, table.output
    row = json.loads((tmp_path / "t.jsonl").read_text().splitlines()[0])
    assert row["per_report"][0].startswith("Baseline CT:")


def test_the_job_fingerprint_names_the_selector(tmp_path: Path) -> None:
    from radlite.tasks.summarize.task import SummarizeTask

    shipped = SummarizeTask().fingerprint()
    assert shipped["statements"] == "selected" and shipped["statement_model_digest"]
    StatementSelector({1: 0.5}, 0.3, {"trained_on": "x.jsonl"}).save(tmp_path)
    other = SummarizeTask(statement_model=tmp_path).fingerprint()
    assert other["statement_model_digest"] != shipped["statement_model_digest"]
    assert "statement_model_digest" not in SummarizeTask(statements="table").fingerprint()
    with pytest.raises(ConfigError, match="unknown statements"):
        SummarizeTask(statements="abstractive")
