"""Impression task, styles, examples, detection and the CLI, with the scripted backend."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from radlite.backends.scripted import ScriptedBackend
from radlite.core.types import Report
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from radlite.tasks import get_task
from radlite.tasks.impression.detect import detect_exam
from radlite.tasks.impression.draft import extractive_draft
from radlite.tasks.impression.examples import Example, ExampleBank
from radlite.tasks.impression.habit_model import stock_phrases
from tests.conftest import write_csv

ABN = "Heart is mildly enlarged. Small left pleural effusion. No pneumothorax."
NORMAL = "The lungs are clear. No effusion or pneumothorax. Heart size normal."


def test_extractive_draft() -> None:
    assert extractive_draft(NORMAL) == "No acute cardiopulmonary abnormality."
    assert extractive_draft(ABN) == "Small left pleural effusion. Heart is mildly enlarged."
    assert extractive_draft(ABN, max_items=1) == "Small left pleural effusion."
    assert extractive_draft("Emphysema.").startswith("No acute cardiopulmonary abnormality.")


def test_detect_exam() -> None:
    assert detect_exam(NORMAL).body_site == "chest"
    exam = detect_exam("The liver is unremarkable. No hydronephrosis.", modality="ct")
    assert (exam.modality, exam.body_site, exam.detected) == ("CT", "abdomen", True)


def test_refine_keeps_supported_sentences_and_falls_back() -> None:
    task = get_task("impression", mode="refine")
    report = Report("r", ABN)
    good = task.parse(report, "Impression: Small left pleural effusion. Mild cardiomegaly.")
    assert good.values["impression"] == "Small left pleural effusion. Mild cardiomegaly."
    bad = task.parse(report, "Small right pleural effusion. Pneumothorax.")
    assert bad.values["impression"] == task.draft(report)
    assert {f["kind"] for f in bad.extra["removed_by_gate"]} >= {"laterality", "negated"}
    assert "radiologist" in bad.values["notice"]


def test_styles_and_prompt_contents() -> None:
    expert = get_task("impression", style="expert").parse(Report("r", ABN), "")
    assert expert.values["impression"].startswith("1. ")
    plain = get_task("impression", style="plain").parse(Report("r", ABN), "")
    assert "fluid around the lung" in plain.values["impression"]
    bank = ExampleBank([Example("Small right effusion.", "Right effusion."),
                        Example("Normal chest.", "Normal.")])
    task = get_task("impression", mode="refine", examples=bank, n_examples=1)
    user = task.build_request(Report("r", ABN, {"indication": "dyspnea"})).messages[1]["content"]
    assert "Example impression: Right effusion." in user and "Indication: dyspnea" in user


def test_pipeline_and_cli(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", ["id", "findings"], [["a", ABN], ["b", NORMAL]])
    out = tmp_path / "out.csv"
    backend = ScriptedBackend(["Small left pleural effusion.", "Normal chest."])
    summary = extract(get_task("impression", mode="refine"), InputSpec(source, text_col="findings"),
                      out, backend=backend, options=RunOptions(progress=False, retries=0))
    assert summary.done == 2
    from radlite.cli.impress import command

    cli_out = tmp_path / "cli.csv"
    result = CliRunner().invoke(command, [str(source), "-o", str(cli_out), "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(cli_out.open(encoding="utf-8")))
    # the shipped habit model picks the writer's normal phrase among radlite's stock ones
    assert rows[1]["impression"] in stock_phrases("chest")
    assert json.loads(rows[0]["flags"]) == []
    builtin = tmp_path / "builtin.csv"
    result = CliRunner().invoke(command, [str(source), "-o", str(builtin), "--no-progress",
                                          "--habit-model", "none"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(builtin.open(encoding="utf-8")))
    assert rows[1]["impression"] == "No acute cardiopulmonary abnormality."


def test_refine_may_drop_a_draft_finding_only_when_asked() -> None:
    report = Report("r", ABN)
    answer = "Small left pleural effusion."  # leaves out the cardiomegaly the draft states
    strict = get_task("impression", mode="refine").parse(report, answer)
    assert strict.values["impression"] == get_task("impression").draft(report)
    lenient = get_task("impression", mode="refine", keep_draft_concepts=False)
    assert lenient.parse(report, answer).values["impression"] == answer
    assert lenient.parse(report, "Right pneumothorax.").values["impression"] == lenient.draft(report)


def test_bank_hiding_is_scoped() -> None:
    bank = ExampleBank([Example("Small right effusion.", "Right effusion.", "a"),
                        Example("Small right effusion seen.", "Effusion.", "b")])
    with bank.hiding(["a"]):
        assert [bank.examples[i].id for i in bank.ranked("Right effusion.")] == ["b"]
    assert len(bank.ranked("Right effusion.")) == 2


def test_examples_correct_typing_errors_before_drafting(tmp_path: Path) -> None:
    past = [Example("Small left pleural effusion. Heart normal.", "Small left pleural effusion.",
                    str(i)) for i in range(3)]
    typed = Report("r", "Smal left pleural efusion. Heart normal.")
    record = get_task("impression", examples=ExampleBank(past)).parse(typed, "")
    assert record.values["impression"] == "Small left pleural effusion."
    assert record.extra["spelling_corrected"] == [["Smal", "Small"], ["efusion", "effusion"]]
    assert json.loads(record.values["flags"]) == []
    off = get_task("impression", examples=ExampleBank(past), correct_spelling=False)
    assert off.parse(typed, "").extra["spelling_corrected"] == []
    # without a bank the shipped habit model's vocabulary corrects; without either, nothing
    assert get_task("impression").parse(typed, "").extra["spelling_corrected"] == [
        ["Smal", "Small"], ["efusion", "effusion"]]
    assert get_task("impression", habit_model="none").parse(typed, "").extra[
        "spelling_corrected"] == []
    # the CLI options reach the task
    source = write_csv(tmp_path / "in.csv", ["id", "findings"], [["a", typed.text]])
    bank = write_csv(tmp_path / "bank.csv", ["id", "findings", "impression"],
                     [[e.id, e.findings, e.impression] for e in past])
    from radlite.cli.impress import command

    # uncorrected, the lexicon misses the misspelt effusion: a normal statement
    for flags, expected in ((["--no-spelling", "--consensus", "0", "--retrieval", "words"],
                             "No acute"), ([], "Small left pleural effusion.")):
        out = tmp_path / "out.jsonl"
        result = CliRunner().invoke(command, [str(source), "-o", str(out), "--no-progress",
                                              "--restart", "--examples", str(bank), *flags])
        assert result.exit_code == 0, result.output
        record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        assert expected in record["values"]["impression"]
