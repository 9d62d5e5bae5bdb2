"""One patient's series -> lesion table, per-report change statements and summary.

The steps: read each report at lesion level (:mod:`.reading`), match the lesions across
dates into a table with a response per interval (:mod:`.tracking`), write the
summary from that table (:mod:`.writing`), the per-report statements from the phrases
of each impression that a learned selector keeps (:mod:`.statements`), and ground every number
and date written in the input (evidence spans; a sentence that cannot be grounded is
dropped, so the output never states a value the reports do not). Deterministic and
model-free (the selector is a small logistic model, no language model).
"""

from __future__ import annotations

from typing import Any

from radlite.tasks.summarize.reading import ReportReading, read_report
from radlite.tasks.summarize.statements import StatementSelector, change_statement
from radlite.tasks.summarize.tracking import Exam, Observation, Track, build_tracks
from radlite.tasks.summarize.writing import (
    Source,
    exam_change,
    fit_words,
    ground,
    modality_name,
    overall_status,
    report_statement,
    summary_sentences,
)


def _exams(reports: list[dict[str, Any]]) -> list[Exam]:
    exams = [Exam(str(r.get("id") or f"report-{i + 1}"), str(r.get("date") or ""),
                  modality_name(str(r.get("modality") or "")), i)
             for i, r in enumerate(reports)]
    return sorted(exams, key=lambda e: (e.date, e.position))


def _sources(reports: list[dict[str, Any]], exams: list[Exam]) -> list[Source]:
    by_position = {e.position: e for e in exams}
    out = []
    for i, report in enumerate(reports):
        rid = by_position[i].report_id
        for key in ("date", "modality", "impression", "findings"):
            if isinstance(report.get(key), str) and report[key]:
                out.append(Source(rid, key, report[key]))
    return out


def observation_row(observation: Observation) -> dict[str, Any]:
    """One cell of the lesion table (a lesion at one exam), with its evidence span."""
    finding = observation.finding
    exam = observation.exam
    evidence = ({"report_id": exam.report_id, "field": finding.field, "start": finding.start,
                 "end": finding.end} if finding else None)
    return {"report_id": exam.report_id, "date": exam.date, "modality": exam.modality,
            "size_mm": observation.size_mm, "size_text": observation.size_text,
            "present": observation.present, "status": observation.status,
            "response": observation.response, "certainty": finding.certainty if finding else None,
            "evidence": evidence}


def track_row(track: Track) -> dict[str, Any]:
    """One lesion of the table with its observations in date order."""
    from radlite.tasks.summarize.writing import display_name

    site = " ".join(p for p in (track.side, track.organ, track.detail) if p)
    return {"lesion_id": track.lesion_id, "kind": track.kind, "site": site or "unspecified",
            "organ": track.organ, "detail": track.detail, "side": track.side,
            "label": display_name(track),
            "observations": [observation_row(o) for o in track.observations]}


def _grounded(sentences: list[str], sources: list[Source], prefer: str | None = None
              ) -> tuple[list[str], list[dict[str, Any]]]:
    kept, evidence = [], []
    for sentence in sentences:
        spans, missing = ground(sentence, sources, prefer)
        if missing:
            continue
        kept.append(sentence)
        evidence.extend(spans)
    return kept, evidence


def summarize_series(series: dict[str, Any], statements: str = "selected",
                     selector: StatementSelector | None = None) -> dict[str, Any]:
    """Summarise one patient's series (see :func:`summarize_parts`)."""
    return summarize_parts(series, statements, selector)[0]


def regrounded(series: dict[str, Any], sentences: list[str]) -> list[dict[str, Any]]:
    """Evidence spans of ``sentences`` (every number and date) in the patient's reports."""
    reports = [r for r in (series.get("reports") or []) if isinstance(r, dict)]
    return _grounded(sentences, _sources(reports, _exams(reports)))[1]


def summarize_parts(series: dict[str, Any], statements: str = "selected",
                    selector: StatementSelector | None = None
                    ) -> tuple[dict[str, Any], list[str]]:
    """Summarise one patient's series (``{"patient_id", "reports": [...]}``); also return
    the summary's sentences (the slots a model may rewrite, :mod:`.prose`).

    ``statements``: ``selected`` (default) writes each per-report statement from the
    phrases of its impression that the statement selector keeps
    (:mod:`.statements`; ``selector`` overrides the shipped one); ``table`` writes it from
    the impression's lead item and the lesion table (:func:`.writing.report_statement`),
    which is also the fallback for a report without an impression.

    Returns:
        ``patient_id``, ``summary``, ``per_report`` (one statement per input report, in
        input order), ``status`` (at the last exam), ``exams`` (input order), ``lesions``
        (the lesion table) and ``evidence`` (a span for every number and date of the
        summary and of each statement).
    """
    reports = [r for r in (series.get("reports") or []) if isinstance(r, dict)]
    patient_id = series.get("patient_id") or series.get("id")
    if not reports:
        return {"patient_id": patient_id, "summary": "", "per_report": [],
                "status": "no reports", "exams": [], "lesions": [], "evidence": {}}, []
    exams = _exams(reports)
    readings: list[ReportReading] = [read_report(reports[e.position], e.report_id)
                                     for e in exams]
    tracks = build_tracks(exams, readings)
    sources = _sources(reports, exams)
    written: dict[int, str] = {}
    statement_evidence: dict[int, list[dict[str, Any]]] = {}
    for index, (exam, reading) in enumerate(zip(exams, readings, strict=True)):
        impression = str(reports[exam.position].get("impression") or "")
        text = (change_statement(impression, index == 0, selector)
                if statements == "selected" else None) \
            or report_statement(index, exam, tracks, reading, impression)
        kept, spans = _grounded([text], sources, exam.report_id)
        written[exam.position] = kept[0] if kept else "Change not stated."
        statement_evidence[exam.position] = spans
    last_impression = str(reports[exams[-1].position].get("impression") or "")
    summary, summary_evidence = _grounded(
        fit_words(summary_sentences(exams, tracks, readings, last_impression)), sources)
    return {
        "patient_id": patient_id,
        "summary": " ".join(summary),
        "per_report": [written[i] for i in range(len(reports))],
        "status": overall_status(tracks, readings[-1]),
        "exams": [{"report_id": e.report_id, "date": e.date, "modality": e.modality,
                   "change": "baseline" if i == 0 else exam_change(e, tracks, readings[i])}
                  for i, e in sorted(enumerate(exams), key=lambda ie: ie[1].position)],
        "lesions": [track_row(t) for t in tracks],
        "evidence": {"summary": summary_evidence,
                     "per_report": [statement_evidence[i] for i in range(len(reports))]},
    }, summary
