from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radlite.core.errors import SchemaError
from radlite.tasks.lirads.format import (
    BINARY,
    FEATURES,
    compact_regex,
    format_compact,
    json_schema,
    parse_output,
)

values_strategy = st.fixed_dictionaries({
    "size": st.one_of(st.none(), st.integers(1, 400)),
    "location": st.one_of(st.none(), st.integers(1, 8)),
    **{name: st.integers(0, 1) for name in BINARY},
})


@given(values_strategy)
def test_compact_round_trip_and_regex(values: dict) -> None:
    text = format_compact(values)
    assert re.fullmatch(compact_regex(), text)
    assert parse_output(text) == values


def test_compact_example() -> None:
    text = format_compact({"size": 23, "location": 8, **{b: 0 for b in BINARY}, "aphe": 1})
    assert text.startswith("size=23; seg=8; cld=0; tgt=0; ntg=0; tiv=0; aphe=1; wo=0")


def test_json_answer_with_prose_around_it() -> None:
    answer = 'Here: {"size": "25", "location": null, ' + ", ".join(
        f'"{b}": 0' for b in BINARY) + "} done"
    values = parse_output(answer)
    assert values["size"] == 25 and values["location"] is None


def test_schema_lists_every_feature() -> None:
    schema = json_schema()
    assert schema["required"] == FEATURES
    assert schema["properties"]["location"]["maximum"] == 8


@pytest.mark.parametrize(("answer", "message"), [
    ("", "empty answer"),
    ("I cannot determine this.", "neither the compact"),
    ("size=23; seg=8; cld=1", "missing feature"),
    (format_compact({"size": 10, "location": 3}).replace("seg=3", "seg=9"), "not a Couinaud"),
    (format_compact({"size": 10}).replace("cld=0", "cld=2"), "must be 0 or 1"),
    (format_compact({"size": 10}).replace("size=10", "size=999"), "outside"),
])
def test_garbage_is_a_schema_error(answer: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_output(answer)


def test_compact_regex_restricted_to_stated_values() -> None:
    pattern = compact_regex(sizes=[28, 24, 500], segments=[7, 9])
    binary = "; ".join(f"{name}=0" for name in ("cld", "tgt", "ntg", "tiv", "aphe", "wo", "cap",
                                                 "grw", "ben", "mal"))
    assert re.fullmatch(pattern, f"size=28; seg=7; {binary}")
    assert re.fullmatch(pattern, f"size=-; seg=-; {binary}")
    assert not re.fullmatch(pattern, f"size=29; seg=7; {binary}")  # not written in the report
    assert not re.fullmatch(pattern, f"size=500; seg=7; {binary}")  # out of range is dropped
    assert not re.fullmatch(pattern, f"size=28; seg=8; {binary}")
    assert compact_regex(sizes=[], segments=[]) == compact_regex()  # nothing stated: general


def test_task_constrains_to_report_mentions() -> None:
    from radlite.core.types import Report
    from radlite.tasks.lirads.task import LiradsTask

    report = Report("r", "Cirrhosis. 2.8 x 2.4 cm observation in segment VII; 9 mm cyst in S2.")
    constrained = LiradsTask(constrain_values=True).build_request(report).regex
    assert constrained.startswith("size=(-|9|28); seg=(-|2|7);")
    assert LiradsTask().build_request(report).regex == compact_regex()
