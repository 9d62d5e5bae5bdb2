"""Structure checks for the hand-written validation sets in benchmarks/data/.

These sets are gold labels for evaluating transfer from synthetic training data to
real-world report text; the checks below only guard their structure and value
domains (the labels themselves were reviewed by hand, see benchmarks/data/README.md).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
LIRADS_CSV = DATA / "lirads_validation_handwritten.csv"
ABDCT_CSV = DATA / "abdct_validation_handwritten.csv"
# (file, minimum rows): the validation set, then the development sets
LIRADS_SETS = [(LIRADS_CSV, 64), (DATA / "lirads_dev_handwritten.csv", 36),
               (DATA / "lirads_dev2_handwritten.csv", 40)]
ABDCT_SETS = [(ABDCT_CSV, 40), (DATA / "abdct_dev_handwritten.csv", 36),
              (DATA / "abdct_dev2_handwritten.csv", 40), (DATA / "abdct_dev3_handwritten.csv", 40)]

LIRADS_FEATURES = [
    "size", "location", "cld", "lrm_targetoid", "lrm_nontargetoid", "tiv", "aphe",
    "washout", "capsule", "threshold_growth", "af_benign", "af_malignant",
]
LIRADS_BINARY = LIRADS_FEATURES[2:]
LIRADS_LESION_BINARY = [f for f in LIRADS_BINARY if f != "cld"]

ORGANS = [
    "liver", "gallbladder", "spleen", "right_kidney", "left_kidney", "pancreas",
    "stomach", "small_bowel", "large_bowel",
]
LABEL_SUFFIXES = ["postsurgical_absent", "quality", "size", "diffuse", "focal"]
ORGAN_SUFFIXES = LABEL_SUFFIXES + ["urgency", "any_abnormality"]


def _load(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module", params=LIRADS_SETS, ids=lambda p: p[0].stem)
def lirads(request) -> tuple[list[str], list[dict[str, str]]]:
    header, rows = _load(request.param[0])
    assert len(rows) >= request.param[1]
    return header, rows


@pytest.fixture(scope="module", params=ABDCT_SETS, ids=lambda p: p[0].stem)
def abdct(request) -> tuple[list[str], list[dict[str, str]]]:
    header, rows = _load(request.param[0])
    assert len(rows) >= request.param[1]
    return header, rows


# ---------------------------------------------------------------- LI-RADS

def test_lirads_columns(lirads):
    header, _ = lirads
    assert header == ["id", "report"] + LIRADS_FEATURES


def test_lirads_rows_and_ids(lirads):
    _, rows = lirads
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"hw-lirads-(?:dev2?-)?\d{3}", i) for i in ids)
    assert all(r["report"].strip() for r in rows)


def test_lirads_value_domains(lirads):
    _, rows = lirads
    for r in rows:
        size, loc = r["size"], r["location"]
        assert size == "" or (size.isdigit() and int(size) > 0), (r["id"], size)
        assert loc == "" or (loc.isdigit() and 1 <= int(loc) <= 8), (r["id"], loc)
        for f in LIRADS_BINARY:
            assert r[f] in {"0", "1"}, (r["id"], f, r[f])


def test_lirads_no_lesion_means_no_lesion_features(lirads):
    _, rows = lirads
    for r in rows:
        if r["size"] == "":
            assert r["location"] == "", r["id"]
            for f in LIRADS_LESION_BINARY:
                assert r[f] == "0", (r["id"], f)


def test_lirads_each_binary_feature_has_positives():
    _, rows = _load(LIRADS_CSV)
    for f in LIRADS_BINARY:
        positives = sum(r[f] == "1" for r in rows)
        assert positives >= 5, (f, positives)


# ---------------------------------------------------------------- abdominal CT

def test_abdct_columns(abdct):
    header, _ = abdct
    expected = ["id", "report"] + [f"{o}_{s}" for o in ORGANS for s in ORGAN_SUFFIXES]
    assert header == expected


def test_abdct_rows_and_ids(abdct):
    _, rows = abdct
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"hw-abdct-(?:dev[23]?-)?\d{3}", i) for i in ids)
    assert all(r["report"].strip() for r in rows)


def test_abdct_value_domains_and_consistency(abdct):
    _, rows = abdct
    for r in rows:
        for o in ORGANS:
            labels = [r[f"{o}_{s}"] for s in LABEL_SUFFIXES]
            anyab = r[f"{o}_any_abnormality"]
            urgency = r[f"{o}_urgency"]
            assert all(v in {"0", "1"} for v in labels), (r["id"], o, labels)
            assert anyab in {"0", "1"}, (r["id"], o, anyab)
            assert urgency in {"", "0", "1", "2", "3"}, (r["id"], o, urgency)
            if "1" in labels[:1] + labels[2:]:
                # a present/possible abnormal finding (quality is not one) sets any_abnormality
                assert anyab == "1", (r["id"], o)
            if urgency == "":
                # no present/possible finding at all for this organ
                assert labels == ["0"] * 5 and anyab == "0", (r["id"], o)
            if anyab == "1":
                assert urgency != "", (r["id"], o)


def test_abdct_label_columns_have_positives():
    _, rows = _load(ABDCT_CSV)
    for s in LABEL_SUFFIXES:
        positives = sum(r[f"{o}_{s}"] == "1" for r in rows for o in ORGANS)
        assert positives >= 5, (s, positives)


# ------------------------------------------------- abdominal CT writer sets (train, held out)

WRITER_SETS = sorted((DATA / "train").glob("abdct_writer_*[0-9].csv")) + sorted(
    (DATA / "heldout").glob("abdct_writer_*[0-9].csv"))


@pytest.mark.parametrize("path", WRITER_SETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_abdct_writer_sets_are_well_formed(path: Path) -> None:
    header, rows = _load(path)
    assert header == ["id", "report"] + [f"{o}_{s}" for o in ORGANS for s in ORGAN_SUFFIXES]
    ids = [r["id"] for r in rows]
    assert len(rows) >= 24 and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"tr-w\d+-\d{3}", i) for i in ids)
    for r in rows:
        for o in ORGANS:
            assert all(r[f"{o}_{s}"] in {"0", "1"} for s in LABEL_SUFFIXES), (r["id"], o)
            assert r[f"{o}_urgency"] in {"", "0", "1", "2", "3"}, (r["id"], o)
    # every annotated statement is verbatim report text
    sidecar = path.with_name(path.stem + "_findings.jsonl")
    reports = {r["id"]: r["report"] for r in rows}
    for line in sidecar.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            assert all(f["text"] in reports[item["id"]] for f in item["findings"]), item["id"]
