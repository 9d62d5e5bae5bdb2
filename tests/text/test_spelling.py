"""Typing-error correction against a learnt vocabulary."""

from __future__ import annotations

from collections import Counter

import numpy as np

from radlite.text.spelling import (
    HashedCounts,
    SpellingCorrector,
    deletion_screen,
    deletions,
    edits1,
    vocabulary,
)

REPORTS = ["No pleural effusion or pneumothorax.", "Small left pleural effusion.",
           "The lungs are clear. No pneumothorax."] * 3


def test_edits1_covers_the_four_typo_kinds() -> None:
    near = edits1("lung")
    assert {"lng", "lugn", "lunf", "lungs"} <= near  # deletion, swap, substitution, insertion


def test_non_words_are_corrected_to_the_most_frequent_near_word() -> None:
    speller = SpellingCorrector.from_texts(REPORTS)
    text, changes = speller.correct("Smal left pleural efusion. Np pnuemothorax. Lungs clear.")
    assert text == "Small left pleural effusion. No pneumothorax. Lungs clear."
    assert changes == [("Smal", "small".capitalize()), ("efusion", "effusion"), ("Np", "No"),
                       ("pnuemothorax", "pneumothorax")]


def test_vocabulary_known_words_numbers_and_masks_are_never_changed() -> None:
    speller = SpellingCorrector(Counter({"infection": 5, "xxxx": 3, "cm": 2}),
                                known=frozenset({"injection"}))
    text, changes = speller.correct("Injection site. XXXX 3cm T11 infectoin.")
    assert text == "Injection site. XXXX 3cm T11 infection."
    assert changes == [("infectoin", "infection")]


def test_two_edits_only_for_long_words_and_no_neighbour_keeps_the_word() -> None:
    speller = SpellingCorrector.from_texts(["cardiomegaly heart"])
    assert speller.correct("cardiomgealy")[0] == "cardiomegaly"  # 2 edits, 12 letters
    assert speller.correct("haert")[0] == "heart"  # one transposition
    assert speller.correct("hrt")[0] == "hrt"  # two edits, too short
    assert speller.correct("qwerty")[1] == []


def test_short_known_words_do_not_protect_word_pieces() -> None:
    # "th" is a tokenizer piece, not a word: corrected; "interim" (7 letters) is protected
    speller = SpellingCorrector(Counter({"the": 9, "enteric": 1}),
                                known=frozenset({"th", "interim"}))
    assert speller.correct("th interim")[0] == "the interim"


def test_a_real_word_out_of_context_is_corrected_only_with_enough_support() -> None:
    reports = ["Clear lungs. Heart size normal."] * 10 + ["The cler liquid."]
    speller = SpellingCorrector.from_texts(reports, known=frozenset({"heat"}))
    # "cler" and "heat" are words, but never seen beside "lungs" / "size"
    assert speller.correct("Cler lungs. Heat size normal.") == (
        "Clear lungs. Heart size normal.", [("Cler", "Clear"), ("Heat", "Heart")])
    # a word already seen beside a neighbour is kept
    assert speller.correct("The cler liquid.")[1] == []
    # too little support: kept
    rare = SpellingCorrector.from_texts(["Clear lungs."] * 9 + ["The cler liquid."])
    assert rare.correct("Cler lungs.")[1] == []


def test_hashed_vocabulary_corrects_like_the_words_themselves() -> None:
    words, pairs = vocabulary(REPORTS)
    hashed = HashedCounts.from_counts(words)
    assert "effusion" in hashed and hashed["effusion"] == words["effusion"]
    assert "efusion" not in hashed and hashed["efusion"] == 0
    assert HashedCounts.from_counts(pairs)[("pleural", "effusion")] == pairs[("pleural", "effusion")]
    keys, counts = hashed.arrays()
    assert keys.dtype == np.int64 and (np.diff(keys) > 0).all()
    rebuilt = HashedCounts.from_arrays(keys, counts)
    plain = SpellingCorrector(words, pairs=pairs)
    shipped = SpellingCorrector(rebuilt, pairs=HashedCounts.from_counts(pairs))
    text = "Smal left pleural efusion. Np pnuemothorax. The lungs are cler."
    assert shipped.correct(text) == plain.correct(text)
    assert "effusion" not in {str(k) for k in keys.tolist()}  # hashes only, no words


def test_deletion_screen_skips_only_searches_that_find_nothing() -> None:
    assert deletions("abc", 1) == {"abc", "bc", "ac", "ab"}
    words = Counter({"cardiomegaly": 5, "pneumothorax": 3})
    screened = SpellingCorrector(words)  # plain words: the screen is built
    hashed = SpellingCorrector(HashedCounts.from_counts(words),
                               screen=deletion_screen(words))
    for typo in ("cardiomgealy", "pnuemothroax", "qwertyuiop", "paratracheal"):
        assert screened.correct(typo) == hashed.correct(typo) \
            == SpellingCorrector(HashedCounts.from_counts(words)).correct(typo)
    assert not hashed._may_have_near("paratracheal")
    assert hashed._may_have_near("pnuemothroax")
