"""Word n-gram TF-IDF retrieval for the example bank."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from radlite.core.errors import ConfigError
from radlite.tasks.impression.examples import Example, ExampleBank, bank_from_file
from radlite.tasks.impression.lexical import TfidfIndex, terms

TEMPLATE_A = "The heart is normal in size. The mediastinum is unremarkable. The lungs are clear."
TEMPLATE_B = "Normal cardiomediastinal silhouette. No focal consolidation. No effusion."


def test_terms_are_unigrams_and_bigrams() -> None:
    assert terms("Lungs clear, lungs clear.") == {"lungs": 2, "clear": 2, "lungs clear": 2,
                                                   "clear lungs": 1}


def test_a_report_from_the_same_template_is_nearest() -> None:
    index = TfidfIndex([TEMPLATE_B, TEMPLATE_A, "Left lower lobe pneumonia."])
    query = "The heart is normal in size. The mediastinum is unremarkable. Lungs clear."
    scores = index.scores(query)
    assert int(np.argmax(scores)) == 1
    assert 0 < scores[1] <= 1 + 1e-9
    assert index.scores("zzz qqq").tolist() == [0.0, 0.0, 0.0]


def test_min_df_drops_rare_terms_in_large_banks_only() -> None:
    small = TfidfIndex(["alpha beta", "gamma"])
    assert "alpha" in small.idf
    large = TfidfIndex(["common words"] * 60 + ["rare token"])
    assert "rare" not in large.idf and "common" in large.idf
    assert TfidfIndex(["alpha", "alpha"], min_df=3).idf == {}


def test_bank_retrieval_choices(tmp_path: Path) -> None:
    examples = [Example(TEMPLATE_B, "No acute disease.", "b"),
                Example(TEMPLATE_A, "Normal chest.", "a")]
    for retrieval in ("tfidf", "words"):
        bank = ExampleBank(examples, retrieval=retrieval)
        assert bank.retrieval == retrieval
        assert bank.select(TEMPLATE_A + " Mild scoliosis.", 1)[0].id == "a"
        with bank.hiding(["a"]):
            assert [e.id for e in bank.select(TEMPLATE_A, 2)] == ["b"]
    with pytest.raises(ConfigError, match="retrieval"):
        ExampleBank(examples, retrieval="bm25")
    path = tmp_path / "bank.csv"
    path.write_text(f'id,findings,impression\na,"{TEMPLATE_A}",Normal chest.\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="retrieval"):
        bank_from_file(path, retrieval="bm25")
    bank, warning = bank_from_file(path)
    assert warning is None and bank.retrieval == "tfidf" and len(bank.examples) == 1
