"""FHIR R4 output: structure, codes, evidence extension, file layouts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from radlite.core.types import Evidence, Record
from radlite.fhir import (
    EVIDENCE_EXTENSION,
    code_system,
    to_fhir_bundle,
    write_fhir,
)
from radlite.schemas import lirads_features
from radlite.tasks import get_task

TEXT = "Cirrhotic liver. A 2.3 cm arterial enhancing nodule in S8."
VALUE_KEYS = {"valueQuantity", "valueInteger", "valueBoolean", "valueString",
              "valueCodeableConcept", "dataAbsentReason"}


def _record(rid: str = "r1", **values: Any) -> Record:
    base: dict[str, Any] = {f: 0 for f in lirads_features()}
    base.update(size=23, location=8, cld=1, aphe=1)
    base.update(values)
    start = TEXT.index("2.3 cm")
    evidence = {"size": [Evidence(start, start + 6, "2.3 cm")],
                "cld": [Evidence(0, 9, "Cirrhotic", "fuzzy")]}
    return Record(id=rid, task="lirads", status="ok", values=base, evidence=evidence,
                  provenance={"task": "lirads", "model_id": "m"})


def _check_coding(concept: dict[str, Any]) -> None:
    assert concept["coding"], concept
    for coding in concept["coding"]:
        assert coding["system"].startswith(("http://", "https://"))
        assert isinstance(coding["code"], str) and coding["code"]


def check_structure(bundle: dict[str, Any]) -> None:
    """The required fields and value types of our profile of FHIR R4."""
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for entry in bundle["entry"]:
        res = entry["resource"]
        assert entry["fullUrl"] == f"urn:uuid:{res['id']}"
        assert res["resourceType"] in ("DiagnosticReport", "Observation")
        assert res["status"] in ("preliminary", "final", "cancelled")
        _check_coding(res["code"])
        if res["resourceType"] == "DiagnosticReport":
            assert all(ref["reference"] in urls for ref in res.get("result", []))
            continue
        values = VALUE_KEYS & set(res)
        assert len(values) == 1, res
        (key,) = values
        expected = {"valueInteger": int, "valueBoolean": bool, "valueString": str,
                    "valueQuantity": dict, "valueCodeableConcept": dict,
                    "dataAbsentReason": dict}[key]
        assert isinstance(res[key], expected) and not (key == "valueInteger"
                                                        and isinstance(res[key], bool))


def test_bundle_has_report_and_one_observation_per_feature() -> None:
    bundle = to_fhir_bundle("lirads", [_record()], patient_ref="Patient/p1")
    check_structure(bundle)
    report, *obs = [e["resource"] for e in bundle["entry"]]
    assert report["resourceType"] == "DiagnosticReport"
    assert report["identifier"][0]["value"] == "r1"
    assert len(obs) == len(report["result"]) == 12
    assert [o["code"]["text"] for o in obs] == lirads_features()
    assert all(o["subject"] == {"reference": "Patient/p1"} for o in [report, *obs])
    by_name = {o["code"]["text"]: o for o in obs}
    size = by_name["size"]
    assert size["valueQuantity"] == {"value": 23, "unit": "mm",
                                     "system": "http://unitsofmeasure.org", "code": "mm"}
    assert {"system": "http://loinc.org", "code": "33728-7",
            "display": "Size.maximum dimension in Tumor"} in size["code"]["coding"]
    assert by_name["location"]["valueInteger"] == 8
    assert by_name["aphe"]["valueBoolean"] is True
    assert by_name["washout"]["valueBoolean"] is False
    assert by_name["cld"]["code"]["coding"][0]["system"] == code_system("lirads")
    ext = size["extension"][0]
    assert ext["url"] == EVIDENCE_EXTENSION
    parts = {p["url"]: next(v for k, v in p.items() if k != "url") for p in ext["extension"]}
    assert parts == {"start": TEXT.index("2.3 cm"), "end": TEXT.index("2.3 cm") + 6,
                     "text": "2.3 cm", "match": "exact"}


def test_empty_values_and_failed_records() -> None:
    failed = Record.failed("bad", "lirads", "no valid answer after 3 attempts")
    bundle = to_fhir_bundle(get_task("lirads"), [_record(size=None, location=None), failed])
    check_structure(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    size = next(r for r in resources if r.get("code", {}).get("text") == "size")
    assert size["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
    cancelled = resources[-1]
    assert cancelled["status"] == "cancelled" and "no valid answer" in cancelled["conclusion"]
    assert "result" not in cancelled


def test_ids_are_deterministic() -> None:
    assert to_fhir_bundle("lirads", [_record()]) == to_fhir_bundle("lirads", [_record()])


def test_write_json_bundle_and_ndjson(tmp_path: Path) -> None:
    records = [_record("a"), _record("b")]
    write_fhir("lirads", records, tmp_path / "out.json")
    bundle = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert len(bundle["entry"]) == 26
    write_fhir("lirads", records, tmp_path / "out.ndjson")
    lines = (tmp_path / "out.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["entry"][0]["resource"]["identifier"][0]["value"]
            for line in lines] == ["a", "b"]


def test_writer_registry_resolves_fhir() -> None:
    from radlite.pipeline.writers import get_writer

    assert get_writer("fhir") is write_fhir


def test_validates_with_fhir_resources() -> None:
    """Real validation of the R4 structure (fhir.resources' R4B models) when installed."""
    bundle_model = pytest.importorskip("fhir.resources.R4B.bundle")
    failed = Record.failed("bad", "lirads", "reason")
    bundle = to_fhir_bundle("lirads", [_record(), _record("c", size=None), failed],
                            patient_ref="Patient/p1")
    parsed = bundle_model.Bundle.model_validate(bundle)
    assert len(parsed.entry) == len(bundle["entry"])
