"""Run-on dictation: when a report is unpunctuated, and where its clauses start."""

from __future__ import annotations

import re

from radlite.text.sentences import split_run_on, split_sentences, unpunctuated

DICTATED = ("findings the liver is normal the gallbladder is contracted there is a 4 mm "
            "stone in the left kidney no hydronephrosis the spleen and pancreas are normal")
STARTS = re.compile(r"(?<![a-z])(?:there is|no(?= )|the (?:liver|gallbladder|spleen)"
                    r"(?= (?:\S+ ){0,3}?(?:is|are)\b))")
BINDING = {"of", "in", "and", "with", "is", "are"}


def binds(word: str, match: re.Match[str]) -> bool:
    return word.lower() in BINDING


def test_unpunctuated_tells_dictation_from_typed_reports() -> None:
    assert unpunctuated(DICTATED)
    assert not unpunctuated("Liver: normal. Gallbladder: contracted, limiting evaluation. "
                            "Kidneys: 4 mm left renal stone; no hydronephrosis. Spleen and "
                            "pancreas: normal.")
    assert not unpunctuated("short text")


def test_split_run_on_cuts_at_clause_starts_and_keeps_offsets() -> None:
    sent = split_sentences(DICTATED)[0]
    parts = split_run_on(sent, STARTS, binds)
    assert [p.text for p in parts] == [
        "findings", "the liver is normal", "the gallbladder is contracted",
        "there is a 4 mm stone in the left kidney", "no hydronephrosis",
        "the spleen and pancreas are normal"]
    assert all(DICTATED[p.start:p.end] == p.text for p in parts)


def test_short_sentences_and_bound_starts_are_kept() -> None:
    sent = split_sentences("the liver is normal")[0]
    assert split_run_on(sent, STARTS, binds) == [sent]
    text = " ".join(["word"] * 12) + " and there is fluid"
    assert len(split_run_on(split_sentences(text)[0], STARTS, binds)) == 1
