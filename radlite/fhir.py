"""FHIR R4 output for extraction records.

Key term: a *FHIR bundle* of one report is a ``DiagnosticReport`` whose ``result``
references one ``Observation`` per feature (LI-RADS) or label (other tasks). Each
Observation carries the value (``valueQuantity`` for a size in mm, ``valueInteger``
for a segment or a graded label, ``valueBoolean`` for a 0/1 feature, ``valueString``
otherwise, ``dataAbsentReason`` when empty) and the evidence span(s) in the report as
an extension. Codes: a project CodeSystem for every feature, plus a LOINC code where
one is known to mean exactly the feature (the index lesion's largest dimension).

File layout (:func:`write_fhir`): an output ending in ``.json`` gets one ``collection``
Bundle holding every report; any other suffix (``.ndjson``, ``.jsonl``, ...) gets
NDJSON with one Bundle per report per line, which streams for large jobs.
Ids are deterministic (UUID-5 of task, report id and feature), so reruns give the
same resources.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.core.io import atomic_writer
from radlite.core.types import Evidence, Record
from radlite.schemas import load_schema
from radlite.tasks import registry
from radlite.tasks.spec import TaskSpec

PROJECT_URL = "https://radlite.dev/fhir"
EVIDENCE_EXTENSION = f"{PROJECT_URL}/StructureDefinition/evidence-span"
PROVENANCE_EXTENSION = f"{PROJECT_URL}/StructureDefinition/extraction-provenance"
REPORT_ID_SYSTEM = f"{PROJECT_URL}/report-id"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DR_CATEGORY = "http://terminology.hl7.org/CodeSystem/v2-0074"
ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROJECT_URL)

REPORT_CODE = {"system": LOINC, "code": "18748-4", "display": "Diagnostic imaging study"}


def _spec(task: str) -> TaskSpec | None:
    try:
        return registry.task_spec(task)
    except ConfigError:
        return None  # a task object that was never registered: project codes only


def code_system(task: str) -> str:
    """The project CodeSystem URL of a task's features/labels (``TaskSpec.fhir_concept``)."""
    spec = _spec(task)
    return f"{PROJECT_URL}/CodeSystem/{task}-{spec.fhir_concept if spec else 'label'}"


def standard_code(task: str, feature: str) -> dict[str, str] | None:
    """The standard code (e.g. LOINC) the task declares for ``feature``, if any.

    Standard codes are declared only where they mean exactly the feature."""
    spec = _spec(task)
    code = spec.fhir_codes.get(feature) if spec else None
    return dict(code) if code else None


def _task_name(task: Any) -> str:
    return task if isinstance(task, str) else str(getattr(task, "name", "task"))


def _feature_info(task: str) -> dict[str, dict[str, Any]]:
    """Schema entries (type, unit, description) by feature name, when the task has one."""
    try:
        schema = load_schema(task)
    except (FileNotFoundError, OSError):
        return {}
    return {f["name"]: f for f in schema.get("features", []) if isinstance(f, dict)}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def evidence_extension(span: Evidence) -> dict[str, Any]:
    """One evidence span as a complex extension (start/end are 0-based, end exclusive)."""
    return {
        "url": EVIDENCE_EXTENSION,
        "extension": [
            {"url": "start", "valueInteger": span.start},
            {"url": "end", "valueInteger": span.end},
            {"url": "text", "valueString": span.text},
            {"url": "match", "valueCode": span.match},
        ],
    }


def _value(feature: str, value: Any, info: dict[str, Any], absent: str) -> dict[str, Any]:
    if value is None or value == "":
        return {"dataAbsentReason": {"coding": [{"system": ABSENT, "code": absent}]}}
    kind = info.get("type")
    if isinstance(value, bool) or (kind == "binary" and value in (0, 1)):
        return {"valueBoolean": bool(value)}
    if isinstance(value, int):
        if info.get("unit") == "mm":
            return {"valueQuantity": {"value": value, "unit": "mm", "system": UCUM, "code": "mm"}}
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueQuantity": {"value": value}}
    return {"valueString": str(value)}


def _absent_reason(record: Record) -> str:
    """``not-applicable`` when there is no index lesion (no size), else ``unknown``."""
    return "not-applicable" if record.values.get("size") in (None, "") else "unknown"


def observation(task: str, record: Record, feature: str, info: dict[str, Any],
                status: str, subject: dict[str, str] | None) -> dict[str, Any]:
    """The Observation of one feature of one record."""
    coding = [{"system": code_system(task), "code": feature,
               "display": info.get("description", feature)}]
    standard = standard_code(task, feature)
    if standard:
        coding.append(standard)
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _uuid(task, record.id, feature),
        "status": status,
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "imaging",
                                  "display": "Imaging"}]}],
        "code": {"coding": coding, "text": feature},
    }
    if subject:
        obs["subject"] = subject
    obs.update(_value(feature, record.values.get(feature), info, _absent_reason(record)))
    spans = record.evidence.get(feature) or []
    if spans:
        obs["extension"] = [evidence_extension(s) for s in spans]
    return obs


def _provenance_extension(record: Record) -> dict[str, Any]:
    parts = [{"url": key, "valueString": str(value)}
             for key, value in sorted(record.provenance.items()) if value not in (None, "")]
    return {"url": PROVENANCE_EXTENSION, "extension": parts}


def report_resources(task: Any, record: Record, patient_ref: str | None = None,
                     status: str = "preliminary") -> list[dict[str, Any]]:
    """The DiagnosticReport of one record followed by its Observations.

    Args:
        task: task name or Task object (its ``name`` picks codes and value types).
        record: the extraction record.
        patient_ref: e.g. ``"Patient/123"``; the subject of every resource when given.
        status: ``preliminary`` for model output, ``final`` for reviewer-confirmed values.
            A failed record gives a ``cancelled`` report without Observations.
    """
    name = _task_name(task)
    info = _feature_info(name)
    subject = {"reference": patient_ref} if patient_ref else None
    columns = task.columns() if hasattr(task, "columns") else list(info or record.values)
    observations = []
    if record.status == "ok":
        observations = [observation(name, record, f, info.get(f, {}), status, subject)
                        for f in columns]
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": _uuid(name, record.id),
        "identifier": [{"system": REPORT_ID_SYSTEM, "value": record.id}],
        "status": status if record.status == "ok" else "cancelled",
        "category": [{"coding": [{"system": DR_CATEGORY, "code": "RAD", "display": "Radiology"}]}],
        "code": {"coding": [dict(REPORT_CODE)], "text": f"radlite {name} extraction"},
        "result": [{"reference": f"urn:uuid:{o['id']}"} for o in observations],
    }
    if subject:
        report["subject"] = subject
    if record.provenance:
        report["extension"] = [_provenance_extension(record)]
    if record.status != "ok":
        report["conclusion"] = f"extraction failed: {record.error or 'unknown reason'}"
    if not report["result"]:
        del report["result"]
    return [report, *observations]


def _entries(resources: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]


def to_fhir_bundle(task: Any, records: Iterable[Record], patient_ref: str | None = None,
                   status: str = "preliminary") -> dict[str, Any]:
    """A ``collection`` Bundle with a DiagnosticReport and its Observations per record.

    Args:
        task: task name or Task object.
        records: extraction records (failed ones become ``cancelled`` reports).
        patient_ref: optional subject reference, e.g. ``"Patient/123"``.
        status: Observation/DiagnosticReport status of successful records.

    Returns:
        The Bundle as a JSON-ready dict.
    """
    entries = []
    for record in records:
        entries.extend(_entries(report_resources(task, record, patient_ref, status)))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def write_fhir(task: Any, records: Iterable[Record], path: Path) -> None:
    """Write FHIR output: one Bundle for ``*.json``, else NDJSON with a Bundle per report."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        with atomic_writer(path, newline=None) as handle:
            json.dump(to_fhir_bundle(task, records), handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        return
    with atomic_writer(path, newline=None) as handle:
        for record in records:
            bundle = to_fhir_bundle(task, [record])
            handle.write(json.dumps(bundle, ensure_ascii=False) + "\n")
