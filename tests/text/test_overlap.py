"""Word overlap without third-party scorers: ROUGE-L and its alignment."""

from __future__ import annotations

from radlite.text.overlap import lcs_positions, rouge_l, words


def test_lcs_positions_align_the_rouge_l_subsequence() -> None:
    tokens = words("Segment 7 metastasis now 2.9 cm, previously 3.8 cm")
    reference = words("segment 7 metastasis 2.9 cm")
    positions = lcs_positions(tokens, reference)
    assert [tokens[p] for p in positions] == reference
    assert rouge_l("a b c", "a x c") == 2 * len(lcs_positions(["a", "b", "c"],
                                                              ["a", "x", "c"])) / 6
    assert lcs_positions([], ["a"]) == [] and lcs_positions(["a"], ["b"]) == []
