"""LI-RADS rendering: render-then-check invariants and the public generate/write API."""

from __future__ import annotations

import csv
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from radlite.schemas import lirads_features
from radlite.synth import generate, write
from radlite.synth.common import record_rng
from radlite.synth.lirads_case import derive_labels
from radlite.synth.lirads_render import render
from radlite.synth.lirads_sample import sample_case

HANGUL = re.compile(r"[\uac00-\ud7a3]")
CLD_WORDS = ("hepatitis", "HBV", "HCV", "CHB", "간경", "B형", "C형", "LC", "cirrhotic", "Liver cirrhosis")


def _size_forms(mm: int) -> list[str]:
    forms = [f"{mm}", f"{mm / 10:.1f}"]
    return forms + [str(mm // 10)] if mm % 10 == 0 else forms


@settings(max_examples=250, deadline=None)
@given(seed=st.integers(0, 10**9), lang=st.sampled_from(["en", "ko-en"]))
def test_render_then_check(seed: int, lang: str) -> None:
    rng = record_rng("text", seed, 0)
    case = sample_case(rng, lang)
    text = render(case, rng)
    labels = derive_labels(case)
    assert text and "{" not in text and "}" not in text
    if labels["size"] is not None:
        assert any(f in text for f in _size_forms(labels["size"]))
    if not case.cld:
        assert not any(re.search(rf"\b{re.escape(w)}\b", text) if w.isascii() else w in text
                       for w in CLD_WORDS)
    if lang == "en":
        assert not HANGUL.search(text)


def test_generate_is_deterministic_and_prefix_stable() -> None:
    a = generate("lirads", 30, seed=7, lang="mixed")
    b = generate("lirads", 10, seed=7, lang="mixed")
    assert a[:10] == b
    assert a == generate("lirads", 30, seed=7, lang="mixed")
    assert a != generate("lirads", 30, seed=8, lang="mixed")
    assert {r["case"]["lang"] for r in a} == {"en", "ko-en"}
    korean = [r for r in a if r["case"]["lang"] == "ko-en"]
    assert sum(bool(HANGUL.search(r["report"])) for r in korean) >= 0.9 * len(korean)


def test_reports_are_unique_and_varied() -> None:
    records = generate("lirads", 300, seed=3)
    texts = [r["report"] for r in records]
    assert len(set(texts)) == len(texts)
    voices = {r["case"]["voice"] for r in records}
    assert len(voices) >= 5
    share_none = sum(r["size"] is None and r["location"] is None for r in records) / len(records)
    assert 0.05 < share_none < 0.4
    for feature in ("aphe", "washout", "capsule", "lrm_targetoid", "tiv", "threshold_growth", "af_benign"):
        rate = sum(r[feature] == 1 for r in records) / len(records)
        assert 0.03 < rate < 0.8, feature


def test_write_csv_and_jsonl(tmp_path) -> None:
    records = generate("lirads", 5, seed=1)
    out = write(records, tmp_path / "gold.csv", "lirads")
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id", "report", *lirads_features()]
    assert rows[0]["size"] == ("" if records[0]["size"] is None else str(records[0]["size"]))
    lines = write(records, tmp_path / "gold.jsonl", "lirads").read_text("utf-8").splitlines()
    assert json.loads(lines[0])["case"]["observations"] == records[0]["case"]["observations"]
