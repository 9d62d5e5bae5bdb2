"""Training the impression task: the inference prompt, styled targets, mixed data, ROUGE-L."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from radlite.core.errors import ConfigError, InputError
from radlite.core.types import Report
from radlite.tasks import get_task
from radlite.tasks.impression.examples import Example, ExampleBank
from radlite.train.config import SFTSettings
from radlite.train.data import load_examples, training_task
from radlite.train.runs import text_similarity

PAIRS = [
    ("Heart size normal. Lungs clear.", "No acute cardiopulmonary abnormality."),
    ("Small right pleural effusion. Heart normal.", "Small right pleural effusion."),
    ("Cardiomegaly. No edema.", "Cardiomegaly without edema."),
    ("Left lower lobe opacity.", "Left lower lobe pneumonia. Follow-up recommended."),
    ("Clear lungs. No effusion.", "No acute disease."),
]


@pytest.fixture
def pairs_csv(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "findings", "indication", "impression"])
        for i, (findings, impression) in enumerate(PAIRS):
            writer.writerow([f"r{i}", findings, "Cough" if i % 2 else "", impression])
    return path


def test_the_training_prompt_is_the_inference_prompt() -> None:
    task = get_task("impression", mode="model", style="expert", max_items=2)
    report = Report("1", "Small right pleural effusion.", {"indication": "Dyspnea"})
    messages, target = task.training_pair(
        Report("1", "Small right pleural effusion."),
        {"indication": "Dyspnea", "impression": "Right effusion. No pneumothorax. Normal heart."})
    assert messages == task.messages(report)
    assert target == "1. Right effusion.\n2. No pneumothorax."  # the style's own target
    with pytest.raises(InputError, match="no gold impression"):
        task.training_pair(Report("2", "Clear."), {"impression": " "})


def test_config_task_options_reach_the_task(pairs_csv: Path) -> None:
    config = SFTSettings(task="impression", train_file=str(pairs_csv), prompt_col="findings",
                         task_options={"mode": "refine", "style": "plain"})
    task = training_task(config)
    assert (task.mode, task.style) == ("refine", "plain")
    assert training_task(SFTSettings(task="impression", synth_n=1)).mode == "model"


def test_train_file_and_synthetic_pairs_mix(pairs_csv: Path) -> None:
    config = SFTSettings(task="impression", train_file=str(pairs_csv), prompt_col="findings",
                         synth_n=4, synth_seed=3, synth_lang="en", val_fraction=0.2)
    train, val = load_examples(config)
    examples = train + val
    assert len(examples) == len(PAIRS) + 4
    synthetic = [e for e in examples if not e.id.startswith("r")]
    assert len(synthetic) == 4 and all(e.text for e in synthetic)  # findings, not blank
    assert all(e.text in e.messages[-1]["content"] for e in examples)


def test_decoded_best_metric_needs_decoding() -> None:
    with pytest.raises(ConfigError, match="eval_generate_n"):
        SFTSettings(synth_n=2, best_metric="eval_rougeL", eval_generate_n=0).validate()
    with pytest.raises(ConfigError, match="eval_"):
        SFTSettings(synth_n=2, best_metric="rougeL").validate()


def test_text_similarity_scores_answers() -> None:
    scores = text_similarity(["Small right pleural effusion.", "Nothing"],
                             ["Small right pleural effusion.", "No acute disease."])
    assert scores["rougeL"] == pytest.approx(0.5)


@pytest.mark.model
def test_two_impression_sft_steps_pick_the_best_rouge(embedded_folder: Path, pairs_csv: Path,
                                                      tmp_path: Path) -> None:
    from radlite.train import train_sft

    out = tmp_path / "run"
    record = train_sft(SFTSettings(
        task="impression", model=str(embedded_folder), train_file=str(pairs_csv),
        prompt_col="findings", val_fraction=0.4, max_steps=2, batch_size=2,
        learning_rate=1e-3, eval_steps=1, save_steps=1, eval_generate_n=2, logging_steps=1,
        threads=1, device="cpu", output_dir=str(out), lora_r=4, lora_alpha=8,
        best_metric="eval_rougeL", early_stopping_patience=0))
    assert record["metrics"]["steps"] == 2
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    rouge = [r["eval_rougeL"] for r in rows if "eval_rougeL" in r]
    assert len(rouge) >= 2 and all(0.0 <= v <= 1.0 for v in rouge)
    state = json.loads((out / "checkpoint-2" / "trainer_state.json").read_text())
    assert state["best_metric"] == pytest.approx(max(rouge))  # chosen by ROUGE-L, not loss
    assert (out / "adapter" / "adapter_config.json").is_file()


def test_typo_copies_keep_the_answer(pairs_csv: Path) -> None:
    from radlite.train.data import add_typo_copies

    config = SFTSettings(task="impression", train_file=str(pairs_csv), prompt_col="findings",
                         val_fraction=0.2)
    task = training_task(config)
    train, _ = load_examples(config)
    augmented = add_typo_copies(task, train, 0.2, seed=1)
    copies = augmented[len(train):]
    assert len(copies) == len(train) and augmented[:len(train)] == train
    for clean, noisy in zip(train, copies, strict=True):
        assert noisy.target == clean.target and noisy.id == f"{clean.id}~typos"
        assert noisy.text in noisy.messages[-1]["content"]
    assert any(c.text != e.text for c, e in zip(copies, train, strict=True))
    assert add_typo_copies(task, train, 0.0, seed=1) is train
    with pytest.raises(ConfigError, match="typo_augment"):
        SFTSettings(synth_n=2, typo_augment=0.9).validate()


def test_task_options_parse_from_a_flag_string() -> None:
    from radlite.train.config import load_config

    config = load_config("sft", None, {"synth_n": 2, "task_options": "{mode: refine, max_items: 2}"})
    assert config.task_options == {"mode": "refine", "max_items": 2}
    with pytest.raises(ConfigError, match="task_options"):
        load_config("sft", None, {"synth_n": 2, "task_options": "[1"})


def _prompt_examples(messages: tuple[dict[str, str], ...] | list[dict[str, str]]) -> str:
    return messages[-1]["content"].split("\nFindings:")[0]


def test_examples_in_training_prompts_never_show_the_row_itself(pairs_csv: Path) -> None:
    config = SFTSettings(task="impression", train_file=str(pairs_csv), prompt_col="findings",
                         val_fraction=0.2, typo_augment=0.5,
                         task_options={"mode": "refine", "examples_file": str(pairs_csv),
                                       "n_examples": 4, "examples_share": 1.0})
    task = training_task(config)
    for i, (findings, impression) in enumerate(PAIRS):
        for row_id, text in ((f"r{i}", findings), (f"r{i}~typos", findings.upper())):
            messages, _ = task.training_pair(Report(row_id, text), {"impression": impression})
            shown = _prompt_examples(messages)
            assert shown.count("Example findings:") == 4  # every other pair
            assert f"Example findings: {findings}\n" not in shown
    assert task.examples is not None and task.examples._hidden == frozenset()
    with pytest.raises(ConfigError, match="examples_file"):
        get_task("impression", examples_file=str(pairs_csv) + ".missing")


def test_examples_share_mixes_prompts_with_and_without_examples() -> None:
    bank = ExampleBank([Example(f, i, f"r{n}") for n, (f, i) in enumerate(PAIRS)])
    task = get_task("impression", mode="refine", examples=bank, examples_share=0.5)
    with_examples = [
        "Example findings:" in task.training_pair(Report(f"x{n}", "Mild cardiomegaly."),
                                                  {"impression": "Cardiomegaly."})[0][-1]["content"]
        for n in range(60)]
    assert 15 < sum(with_examples) < 45  # a stable hash of the id picks about half
    none = get_task("impression", mode="refine", examples=bank, examples_share=0.0)
    messages, _ = none.training_pair(Report("x", "Mild cardiomegaly."), {"impression": "C."})
    assert messages == get_task("impression", mode="refine").messages(Report("x", "Mild cardiomegaly."))
