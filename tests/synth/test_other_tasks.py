"""abdct, chest, impression and serial generators; CLI; variety measures."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from radlite.cli.synth import command
from radlite.core.errors import ConfigError
from radlite.schemas import load_schema
from radlite.synth import generate, write
from radlite.synth.abdct import make_record as abdct_record
from radlite.synth.chest import make_record as chest_record
from radlite.synth.common import record_rng
from radlite.synth.io import csv_columns
from radlite.synth.variety import distinct_n, measure


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**9))
def test_abdct_labels_follow_findings(seed: int) -> None:
    rec = abdct_record(record_rng("p", seed, 0), "en", "x")
    for organ, info in rec["case"].items():
        present = [f for f in info["findings"] if f["certainty"] in ("positive", "possible")]
        if info["state"] != "abnormal":
            assert not any(rec[f"{organ}_{g}"] for g in ("focal", "diffuse", "size", "quality"))
            assert rec[f"{organ}_urgency"] == (0 if info["state"] == "normal" else None)
        else:
            assert rec[f"{organ}_focal"] == int(any(f["type"] == "focal" for f in present))
            if rec["style"] in ("organs", "prose", "template"):  # verbatim styles
                for f in present:
                    assert f["text"] in rec["report"]


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**9))
def test_chest_no_finding_rule(seed: int) -> None:
    rec = chest_record(record_rng("p", seed, 0), "en", "x")
    names = load_schema("chexpert")["observations"]
    assert all(rec[n] in (1, 0, -1, None) for n in names)
    abnormal = [n for n in names[1:] if n != "Support Devices" and rec[n] in (1, -1)]
    assert rec["No Finding"] == (None if abnormal else 1)


def test_impression_and_serial_shapes(tmp_path) -> None:
    imp = generate("impression", 40, seed=2)
    assert {r["modality"] for r in imp} >= {"CT", "MRI", "X-ray", "ultrasound"}
    assert all(r["findings"] and r["impression"] for r in imp)
    write(imp, tmp_path / "imp.csv", "impression")
    ser = generate("serial", 20, seed=2)
    for rec in ser:
        dates = [r["date"] for r in rec["reports"]]
        assert dates == sorted(dates) and len(rec["per_report"]) == len(dates)
        assert dates[0] in rec["summary"] and dates[-1] in rec["summary"]
    with pytest.raises(ConfigError):
        write(ser, tmp_path / "s.csv", "serial")
    assert csv_columns("abdct")[2] == "liver_postsurgical_absent"


def test_errors() -> None:
    with pytest.raises(ConfigError):
        generate("nope", 1)
    with pytest.raises(ConfigError):
        generate("chest", 1, lang="ko-en")
    with pytest.raises(ConfigError):
        generate("lirads", 1, lang="fr")


def test_variety_measures_and_no_near_duplicates() -> None:
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)
    for lang in ("en", "ko-en"):
        texts = [r["report"] for r in generate("lirads", 200, seed=11, lang=lang)]
        stats = measure(texts, threshold=0.9)
        assert stats.near_duplicate_share == 0.0 and stats.nn_similarity_max < 0.9
        assert stats.distinct_4 > 0.3


def test_cli_preview_and_output(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(command, ["lirads", "--preview", "--seed", "1"])
    assert result.exit_code == 0 and "--- labels:" in result.output
    out = tmp_path / "a.jsonl"
    result = runner.invoke(command, ["abdct", "-n", "3", "-o", str(out)])
    assert result.exit_code == 0
    assert len([json.loads(x) for x in out.read_text("utf-8").splitlines()]) == 3
