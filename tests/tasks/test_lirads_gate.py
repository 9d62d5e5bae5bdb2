"""The LI-RADS pipeline steps: gate, index-lesion check, lesion gate and completion."""

from __future__ import annotations

import pytest

from radlite.core.types import Report
from radlite.tasks.lirads import LiradsTask, format, gate, lesion

ALL_ONES = {"size": 21, "location": 8, **{f: 1 for f in gate.GATED}}


@pytest.mark.parametrize(("text", "feature", "expected"), [
    ("2.1 cm S8 nodule with arterial enhancement and washout.", "washout", True),
    ("2.1 cm S8 nodule with arterial enhancement, no washout.", "washout", False),
    ("2.1 cm S8 nodule. Washout is not seen.", "washout", False),
    ("S8에 2.1 cm 결절, 동맥기 조영증강 있고 washout 없음.", "washout", False),
    ("S8에 2.1 cm 결절, 동맥기 조영증강 있음.", "aphe", True),
    ("S8에 2.1 cm 결절, 동맥기 조영증강은 보이지 않음.", "aphe", False),
    ("No washout in the S2 cyst. The S8 nodule shows washout.", "washout", True),
    ("2.1 cm S8 nodule, mild restriced diffusion on DWI.", "af_malignant", True),  # typo
    ("Liver: smooth surface. 2.1 cm S8 nodule.", "cld", False),
    ("병력: 만성 B형간염 (간경변 없음). S8 2.1 cm 결절.", "cld", True),
])
def test_supported(text: str, feature: str, expected: bool) -> None:
    assert gate.supported(text, feature) is expected


def test_apply_only_removes_positives() -> None:
    text = "Cirrhotic liver. 2.1 cm S8 nodule with arterial enhancement, no washout."
    values, dropped = gate.apply(text, ALL_ONES)
    assert values["cld"] == 1 and values["aphe"] == 1 and values["washout"] == 0
    assert values["size"] == 21 and values["location"] == 8
    assert "washout" in dropped and "aphe" not in dropped
    zeros = {**ALL_ONES, **{f: 0 for f in gate.GATED}}
    assert gate.apply(text, zeros) == (zeros, [])
    assert gate.apply(text, ALL_ONES, negation=False)[0]["washout"] == 1


def test_task_records_what_the_gate_changed() -> None:
    text = "2.1 cm S8 nodule with arterial enhancement, no washout."
    answer = format.format_compact({**ALL_ONES, **{f: 0 for f in gate.GATED},
                                    "cld": 1, "aphe": 1, "washout": 1})
    for gated in (True, False):
        task = LiradsTask(evidence_gate=gated)
        record = task.parse(Report("r", text), answer)
        assert record.values["washout"] == (0 if gated else 1)
        assert record.values["cld"] == (0 if gated else 1)
        assert record.extra.get("unsupported", []) == (["cld", "washout"] if gated else [])
        assert task.fingerprint()["evidence_gate"] is gated


def test_benign_index_lesion_means_no_suspicious_lesion() -> None:
    cyst = "Cirrhosis. S6에 1.2 cm 크기의 조영증강되지 않는 단순 낭종이 있습니다."
    values = {**{f: 0 for f in gate.GATED}, "cld": 1, "size": 12, "location": 6}
    out, dropped = gate.apply(cyst, values)
    assert out["size"] is None and out["location"] is None and out["cld"] == 1
    assert dropped == ["size", "location"]
    hedged = "Cirrhosis. 1.2 cm cystic lesion in S6, suspicious for cystic HCC."
    assert gate.apply(hedged, values)[0]["size"] == 12
    with_feature = {**values, "aphe": 1}
    text = "Cirrhosis. 1.2 cm hemangioma in S6 with arterial enhancement."
    assert gate.apply(text, with_feature)[0]["size"] == 12


def test_completion_reads_only_the_index_lesion_description() -> None:
    text = ("Cirrhosis. S8 2.1 cm nodule with arterial enhancement and washout. "
            "S3 1.0 cm nodule with capsule.")
    values = {**{f: 0 for f in gate.GATED}, "cld": 1, "size": 21, "location": 8}
    out, added = gate.complete(text, values)
    assert added == ["aphe", "washout"] and out["capsule"] == 0
    negated = "S8 2.1 cm nodule without arterial enhancement or washout."
    assert gate.complete(negated, values) == (values, [])
    assert gate.complete(text, {**values, "size": None}) == ({**values, "size": None}, [])
    record = LiradsTask().parse(Report("r", text), format.format_compact(values))
    assert record.values["washout"] == 1 and record.extra["completed"] == ["aphe", "washout"]
    off = LiradsTask(cue_completion=False).parse(Report("r", text), format.format_compact(values))
    assert off.values["washout"] == 0 and "completed" not in off.extra


ZEROS = {**{f: 0 for f in gate.GATED}, "cld": 1}


def test_reindex_checks_size_and_segment_against_the_text() -> None:
    text = ("Cirrhosis. S3에 1.3 cm nodule with APHE and washout, LR-5. "
            "S6에 2.9 x 2.4 cm mass with rim APHE, LR-M. Spleen 14 cm. "
            "S7 4.0 cm simple cyst.")
    out, moved = lesion.reindex(text, {**ZEROS, "size": 13, "location": 3})
    assert (out["size"], out["location"], moved) == (29, 6, ["size", "location"])
    big = "Cirrhosis. Infiltrative mass in S7, about 12 cm, with tumour thrombus."
    assert lesion.reindex(big, {**ZEROS, "size": 12, "location": 7})[0]["size"] == 120
    absent = "Cirrhosis. Arterial enhancing nodule in S4."
    assert lesion.reindex(absent, {**ZEROS, "size": 17, "location": 4})[0]["size"] is None
    unnamed = "Cirrhosis. 1.5 cm nodule in the right lobe with APHE."
    assert lesion.reindex(unnamed, {**ZEROS, "size": 15, "location": 1})[0]["location"] is None
    named = "Cirrhosis. Caudate lobe (S1): 3.6 cm mass with APHE."
    assert lesion.reindex(named, {**ZEROS, "size": 36, "location": 3})[0]["location"] == 1
    unchanged = {**ZEROS, "size": 29, "location": 6}
    assert lesion.reindex(text, unchanged) == (unchanged, [])
    spans = ("Cirrhosis. Liver span 18 cm with a 2.1 cm nodule in S8 showing APHE. "
             "Portal vein diameter 15 mm with tumor thrombus.")
    kept = {**ZEROS, "size": 21, "location": 8}
    assert lesion.reindex(spans, kept) == (kept, [])


def test_block_ends_at_the_next_observation() -> None:
    text = ("Findings:\n- S8: 2.3 cm nodule with APHE. Washout on delayed phase.\n"
            "- S3: 1.0 cm nodule with capsule.\nImpression: HCC.")
    start, end = lesion.block(text, {"size": 23, "location": 8})
    assert text[start:end] == "- S8: 2.3 cm nodule with APHE. Washout on delayed phase."
    assert lesion.block(text, {"size": None}) is None


def test_lesion_gate_reads_the_index_description() -> None:
    text = ("Cirrhosis. S6 2.9 cm mass with rim APHE and peripheral washout; capsule 없음. "
            "S3 1.3 cm nodule with APHE, washout and capsule, LR-5.")
    values = {**ZEROS, "size": 29, "location": 6, "aphe": 1, "washout": 1, "capsule": 1}
    out, dropped = gate.lesion_gate(text, values)
    assert (out["aphe"], out["washout"], out["capsule"]) == (0, 0, 0)
    assert dropped == ["aphe", "washout", "capsule"]
    plain = "Cirrhosis. S6 2.9 cm mass with nonrim APHE and nonperipheral washout."
    assert gate.lesion_gate(plain, values)[0]["washout"] == 1


@pytest.mark.parametrize(("text", "feature", "expected"), [
    ("S6 2.9 cm mass with rim APHE and delayed central enhancement.", "lrm_targetoid", 1),
    ("S6 2.9 cm mass, nonrim APHE, nonperipheral washout.", "lrm_targetoid", 0),
    ("S6 2.9 cm mass, nonrim APHE, nonperipheral washout.", "washout", 1),
    ("S6 2.9 cm mass with APHE. Non-enhancing capsule.", "capsule", 0),
    ("S6 2.9 cm 결절 (APHE +, PVTT -).", "tiv", 0),
    ("S6 2.9 cm mass with APHE. Tumor thrombus in the right portal vein.", "tiv", 1),
    ("S6 2.9 cm mass. Enhancing tumor extends into the right hepatic vein.", "tiv", 1),
    ("S6 2.9 cm mass. No extension into the portal vein.", "tiv", 0),
    ("S8 피막하에 2.9 cm 결절, 동맥기 조영증강.", "capsule", 0),
    ("S6 2.9 cm nodule, isointense on the hepatobiliary phase.", "af_benign", 1),
    ("S6 2.9 cm nodule, 간담도기 등신호.", "af_benign", 1),
    ("S6 2.9 cm nodule, stable since 2022 (3 years).", "af_benign", 1),
    ("S6 2.9 cm nodule, stable compared with 10 months ago.", "af_benign", 0),
    ("S6 2.9 cm nodule, decreased from 3.5 cm.", "af_benign", 1),
])
def test_completion_per_feature(text: str, feature: str, expected: int) -> None:
    values = {**{f: 0 for f in gate.GATED}, "size": 29, "location": 6}
    assert gate.complete(text, values)[0][feature] == expected


def test_run_records_each_step() -> None:
    text = "Cirrhosis. S3 1.3 cm nodule, LR-5. S6 2.9 cm mass, rim APHE, LR-M."
    answer = format.format_compact({**ZEROS, "size": 13, "location": 3, "aphe": 1})
    record = LiradsTask().parse(Report("r", text), answer)
    assert (record.values["size"], record.values["location"]) == (29, 6)
    assert record.extra["reindexed"] == ["size", "location"]
    assert record.extra["unsupported"] == ["aphe"] and record.values["aphe"] == 0
    assert record.extra["completed"] == ["lrm_targetoid"]
    raw = LiradsTask(evidence_gate=False, cue_completion=False).parse(Report("r", text), answer)
    assert raw.values["size"] == 13 and "reindexed" not in raw.extra


@pytest.mark.parametrize(("text", "size", "expected"), [
    ("S6 2.0 cm nodule (previously 1.2 cm), a 67% increase in 4 months.", 20, 1),
    ("S6 nodule: 1.5 cm → 1.9 cm, 증가 (약 10개월).", 19, 0),
    ("S6 1.6 cm nodule (prior 1.3 cm, 1년 전), subthreshold growth.", 16, 0),
    ("S6 new 14 mm nodule, not seen on the CT 8 months ago.", 14, 1),
    ("S6 new 9 mm nodule, not seen on the CT 8 months ago.", 9, 0),
    ("S6 2.0 cm nodule, previously 1.2 cm on 2025-06-10.", 20, None),
])
def test_threshold_growth_from_sizes_and_interval(text: str, size: int,
                                                  expected: int | None) -> None:
    bounds = lesion.block(text, {"size": size, "location": 6})
    assert lesion.threshold_growth(text, bounds, size, gate.negated) == expected
    values = {**{f: 0 for f in gate.GATED}, "size": size, "location": 6,
              "threshold_growth": 1 - expected if expected is not None else 0}
    out, changed = gate.growth_check(text, values)
    assert out["threshold_growth"] == (values["threshold_growth"] if expected is None
                                       else expected)
    assert changed is (expected is not None)
