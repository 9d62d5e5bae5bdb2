from __future__ import annotations

import pytest

from radlite.tasks.lirads.evidence import align, locate_cue
from radlite.tasks.lirads.format import BINARY
from radlite.tasks.lirads.observations import segment_mentions, size_mentions


@pytest.mark.parametrize(("text", "mm"), [
    ("a 2.5 cm nodule", [25]), ("15 x 12 mm", [15]), ("2.1x1.8cm", [21]),
    ("1.2 x 3.4 x 2.0 cm mass", [34]), ("8mm and 3 cm", [8, 30]), ("2.3센티", [23]),
])
def test_sizes_in_mm(text: str, mm: list[int]) -> None:
    assert [m.value for m in size_mentions(text)] == mm


@pytest.mark.parametrize(("text", "segments"), [
    ("in S8", [8]), ("segment VIII", [8]), ("seg 5/8", [5]), ("caudate lobe", [1]),
    ("8구역", [8]), ("segments IVa and V", [4]), ("S10", []),
])
def test_segments(text: str, segments: list[int]) -> None:
    assert [m.value for m in segment_mentions(text)] == segments


REPORT = ("Liver cirrhosis. 1.5 cm simple cyst in S6. A 2.3 cm arterial enhancing nodule in "
          "segment VIII shows portal washout and an enhancing capsule.")


def test_align_locates_index_lesion_evidence() -> None:
    values = {"size": 23, "location": 8, **{b: 0 for b in BINARY},
              "cld": 1, "aphe": 1, "washout": 1, "capsule": 1}
    evidence, index = align(REPORT, values)
    assert evidence["size"][0].text == "2.3 cm"
    assert evidence["location"][0].text == "segment VIII"
    assert evidence["washout"][0].text == "portal washout"
    assert evidence["cld"][0].text == "Liver cirrhosis"
    assert all(span.match == "exact" for spans in evidence.values() for span in spans)
    assert "2.3 cm" in index["text"] and "cyst" not in index["text"]
    for spans in evidence.values():
        assert REPORT[spans[0].start:spans[0].end] == spans[0].text


def test_zero_values_get_no_evidence() -> None:
    evidence, _ = align(REPORT, {"size": None, "location": None, **{b: 0 for b in BINARY}})
    assert evidence == {}


def test_typo_is_a_fuzzy_match() -> None:
    span = locate_cue("mild restriced diffusion on DWI", "af_malignant", None)
    assert span is not None and span.match == "fuzzy"
