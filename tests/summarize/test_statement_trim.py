"""Phrase cutting, the word budget and the word trimmer of the per-report statements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radlite.core.errors import ConfigError, InputError
from radlite.tasks.summarize.statements import (
    StatementSelector,
    _guarded,
    change_statement,
    load_selector,
    phrases,
    select_statement,
)
from radlite.tasks.summarize.trim import WordTrimmer, feature_index, protected


def _drop_everything() -> WordTrimmer:
    """A trimmer whose model leaves out every word it is allowed to."""
    return WordTrimmer({feature_index("bias"): -30.0}, 0.5)


def test_headers_context_sections_and_bullets_are_not_phrases() -> None:
    items = phrases("IMPRESSION:\n- Hilar mass 27 mm, consistent with cholangiocarcinoma.\n"
                    "- No peritoneal disease.")
    assert [p.text for p in items] == ["Hilar mass 27 mm,",
                                       "consistent with cholangiocarcinoma.",
                                       "No peritoneal disease."]
    compared = phrases("Comparison: CT of 8 February 2022.\n\nIMPRESSION:\n1. Stable nodule.")
    assert [p.text for p in compared] == ["Stable nodule."]


def test_a_phrase_that_leans_on_the_one_before_brings_it_along() -> None:
    items = phrases("Segment 6 lesion now 12 mm (was 18 mm). Low-grade uptake, likely "
                    "physiological.")
    texts = [p.text for p in items]
    assert texts == ["Segment 6 lesion now 12 mm", "(was 18 mm).", "Low-grade uptake,",
                     "likely physiological."]
    assert _guarded(items, [False, True, False, True]) == [True, True, True, True]


def test_the_word_budget_keeps_the_most_probable_phrases() -> None:
    impression = ("1. Segment 7 metastasis now 2.9 cm, previously 3.8 cm. 2. Segment 4 lesion "
                  "no longer seen. 3. Small hiatus hernia, unchanged from the prior exam.")
    keep_all = StatementSelector({feature_index("bias"): 5.0}, 0.5, {})
    whole = select_statement(impression, False, keep_all)
    assert whole is not None and len(whole.split()) > 12
    budget = StatementSelector({feature_index("bias"): 5.0,
                                feature_index("item=0"): 1.0}, 0.5, {}, max_words=12)
    short = select_statement(impression, False, budget)
    assert short is not None and len(short.split()) <= 12
    assert short.startswith("Segment 7 metastasis now 2.9 cm")
    tiny = StatementSelector({feature_index("bias"): 5.0}, 0.5, {}, max_words=1)
    assert select_statement(impression, False, tiny)  # the best phrase always stays


def test_the_trimmer_never_drops_protected_words() -> None:
    text = "The segment 6 lesion measures 12 mm and is consistent with metastasis"
    tokens = text.split(" ")
    guard = dict(zip(tokens, protected(tokens), strict=True))
    for word in ("segment", "6", "lesion", "12", "mm", "consistent", "metastasis"):
        assert guard[word], word
    assert not guard["The"] and not guard["and"]
    trimmer = _drop_everything()
    assert trimmer.trim(text) == "segment 6 lesion 12 mm consistent metastasis"
    negated = "No evidence of distant metastatic disease in the abdomen or pelvis."
    assert trimmer.trim(negated) == negated
    assert trimmer.trim("Right portal vein encased;") == "Right portal vein encased;"


def test_trimmed_statements_keep_the_report_words_in_order() -> None:
    selector = StatementSelector({feature_index("bias"): 5.0}, 0.5, {},
                                 trimmer=_drop_everything())
    statement = change_statement("1. The segment 7 metastasis has decreased, now measuring "
                                 "2.9 cm. 2. There is no ascites.", False, selector)
    assert statement == "Segment 7 metastasis decreased, 2.9 cm; no ascites."


def test_budget_and_trimmer_round_trip_and_bad_files(tmp_path: Path) -> None:
    selector = StatementSelector({1: 0.5}, 0.1, {"C": 1.0}, 24, WordTrimmer({2: -1.0}, 0.6))
    loaded = load_selector(selector.save(tmp_path).parent)
    assert loaded == selector and loaded.digest() == selector.digest()
    assert selector.with_setting(0.1, 24).digest() != selector.digest()
    data = json.loads((tmp_path / "selector.json").read_text())
    data["max_words"] = 0
    (tmp_path / "selector.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="max_words"):
        load_selector(tmp_path)


def test_training_fits_the_trimmer_and_checks_its_settings() -> None:
    pytest.importorskip("sklearn")
    from radlite.train.statement_selector import token_labels, train_selector

    items = phrases("The segment 7 lesion measures 2.9 cm.")
    assert token_labels(items, "segment 7 lesion 2.9 cm") == [[0, 1, 1, 1, 0, 1, 1]]
    patients = [{"patient_id": f"P{i}", "reports": [
        {"impression": f"The mass measures {i}.{i} cm, with central necrosis."},
        {"impression": f"The mass now measures {i}.{i + 1} cm. No ascites."}],
        "per_report": [f"Baseline: mass {i}.{i} cm.", f"Mass now {i}.{i + 1} cm."]}
        for i in range(1, 7)]
    selector = train_selector(patients, threshold=0.5, trim_threshold=0.5, max_words=10)
    assert selector.trimmer is not None and selector.max_words == 10
    assert change_statement("The mass now measures 4.8 cm. No ascites.", False,
                            selector) == "Mass now 4.8 cm."
    with pytest.raises(InputError, match="word budget"):
        train_selector(patients, max_words=0)
    with pytest.raises(InputError, match="trim threshold"):
        train_selector(patients, trim_threshold=1.5)


def test_cli_trains_with_a_budget_and_without_a_trimmer(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from click.testing import CliRunner

    from radlite.cli.main import cli

    series = tmp_path / "series.jsonl"
    rows = [{"patient_id": f"P{i}", "reports": [
        {"id": "a", "date": "2023-01-14", "impression": "1. Segment 7 metastasis 3.8 cm. "
                                                         "2. No ascites."},
        {"id": "b", "date": "2023-04-02", "impression": "1. Segment 7 metastasis now 2.9 cm, "
                                                         "with central necrosis."}],
        "per_report": ["Baseline: segment 7 metastasis 3.8 cm.",
                       "Segment 7 metastasis now 2.9 cm."]} for i in range(3)]
    series.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    done = runner.invoke(cli, ["train", "statement-selector", "--series", str(series), "-o",
                               str(tmp_path / "sel"), "--max-words", "12",
                               "--trim-threshold", "none"])
    assert done.exit_code == 0, done.output
    selector = load_selector(tmp_path / "sel")
    assert selector.max_words == 12 and selector.trimmer is None
    bad = runner.invoke(cli, ["train", "statement-selector", "--series", str(series), "-o",
                              str(tmp_path / "bad"), "--max-words", "many"])
    assert bad.exit_code != 0 and "neither a number nor 'none'" in bad.output
