"""Abbreviation expansion with an offset map back to the original text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from radlite.text.abbreviations import expand


def test_expands_whole_tokens_and_maps_back() -> None:
    text = "GB s/p chole; panc hypoatten w/o mass. Rt kidney ok."
    exp = expand(text)
    assert exp.text == ("gallbladder status post cholecystectomy; pancreas hypoattenuating "
                        "without mass. right kidney ok.")
    for word, original in [("gallbladder", "GB"), ("status post cholecystectomy", "s/p chole"),
                           ("pancreas hypoattenuating", "panc hypoatten"), ("mass", "mass")]:
        at = exp.text.index(word)
        start, end = exp.span(at, at + len(word))
        assert text[start:end] == original


def test_case_sensitive_acronyms_and_longer_words_are_kept() -> None:
    # "gb" in lower case and words that merely start with an abbreviation stay as written
    text = "Pancreatic duct normal. The sb of the report. Evaluation."
    assert expand(text).text == text
    assert expand("SB loops").text == "small bowel loops"


def test_part_of_an_expansion_maps_to_the_whole_abbreviation() -> None:
    exp = expand("CBD 6 mm")
    at = exp.text.index("bile")
    assert exp.span(at, at + 4) == (0, 3)


@given(st.text(alphabet="abcdGBLRKpanc/ws.,; \n", max_size=60))
def test_span_is_always_inside_the_original(text: str) -> None:
    exp = expand(text)
    assert len(exp.starts) == len(exp.text) + 1 and len(exp.ends) == len(exp.text)
    for i in range(len(exp.text)):
        start, end = exp.span(i, i + 1)
        assert 0 <= start < end <= len(text)


def test_dictation_homophones_are_read_as_meant() -> None:
    assert expand("know hydronephrosis in the write kidney").text == (
        "no hydronephrosis in the right kidney")
    assert expand("known cirrhosis").text == "known cirrhosis"
