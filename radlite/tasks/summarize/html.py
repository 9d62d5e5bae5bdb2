"""Static HTML pages of summarised series: one page per patient and an index.

Key terms: a *result* is one output row of ``radlite summarize`` (``patient_id``,
``summary``, ``per_report``, ``status``, ``exams``, ``lesions``); a *failed* row has
``status`` ``failed`` and the reason in ``error`` -- it is listed on the index with the
reason and gets no page.

Every page is self-contained and strict: inline CSS allowed by its hash in a
``Content-Security-Policy`` meta tag, no script, no external resource; every text from
the results goes through :func:`html.escape` (the plot through
:func:`radlite.tasks.summarize.plot.size_plot_svg`, which escapes its own texts).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from radlite.core.io import atomic_writer
from radlite.tasks.summarize.plot import (
    exam_list,
    lesions_of,
    observations_of,
    size_of,
    size_plot_svg,
)

CSS = """
body { margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: #1f2328;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif; }
h1 { font-size: 20px; margin: 8px 0; } h2 { font-size: 16px; margin: 20px 0 6px; }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top;
  padding: 4px 8px; border-bottom: 1px solid #d9d9d4; }
th { background: #f3f3f0; } .muted { color: #6a6f76; } .failed { color: #cf222e; }
.status { font-weight: 600; } .wrap { overflow-x: auto; } figure { margin: 0; }
svg { max-width: 100%; height: auto; } ol li { margin: 2px 0; }
.tag { font: 12px ui-monospace, monospace; border: 1px solid #d9d9d4; border-radius: 4px;
  padding: 0 4px; margin-right: 4px; }
""".strip()
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
CSP = (f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'none'; "
       "base-uri 'none'; form-action 'none'")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
RESERVED = {"index", "con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
            *(f"lpt{i}" for i in range(10))}


def esc(value: Any) -> str:
    """HTML-escaped text ('' for None)."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_filename(patient_id: Any, taken: set[str] | None = None) -> str:
    """A file name stem for a patient: letters, digits, ``.``, ``_`` and ``-`` only, no
    leading dot, at most 80 characters, never ``index`` nor a Windows device name, and
    (given ``taken``, the stems used so far, compared case-insensitively) unique: a
    clash gets ``-2``, ``-3``, ... The chosen stem is added to ``taken``."""
    stem = _UNSAFE_NAME.sub("_", "" if patient_id is None else str(patient_id))
    stem = stem.strip("._-")[:80] or "patient"
    if stem.lower() in RESERVED:
        stem = f"patient_{stem}"
    taken = set() if taken is None else taken
    name, number = stem, 1
    while name.lower() in taken:
        number += 1
        name = f"{stem}-{number}"
    taken.add(name.lower())
    return name


def is_failed(result: dict[str, Any]) -> bool:
    """A failed row (``status`` ``failed``)."""
    return str(result.get("status") or "") == "failed"


def chronological(exams: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Exams oldest first (input order among equal dates)."""
    return sorted(exams, key=lambda e: str(e.get("date") or ""))


def table_exams(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The exams that make the table's columns: the result's ``exams`` (else those of the
    observations), oldest first."""
    return chronological(exam_list(result))


def observation_at(lesion: dict[str, Any], exam: dict[str, Any]) -> dict[str, Any] | None:
    """The lesion's observation at an exam (same ``report_id``, else same date)."""
    observations = observations_of(lesion)
    rid = exam.get("report_id")
    if rid is not None:
        found = next((o for o in observations if o.get("report_id") == rid), None)
        if found is not None:
            return found
    day = exam.get("date")
    return next((o for o in observations if day and o.get("date") == day
                 and (rid is None or o.get("report_id") is None)), None)


def cell_text(obs: dict[str, Any] | None) -> tuple[str, str]:
    """``(size, status)`` shown in a table cell ('—' when the lesion was not reported)."""
    if obs is None:
        return "—", ""
    size = obs.get("size_text")
    if not size and size_of(obs) is not None:
        size = f"{size_of(obs):g} mm"
    if not size:
        size = "absent" if obs.get("present") is False else "present, not measured"
    return str(size), str(obs.get("status") or obs.get("response") or "")


def statements(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(date, modality, statement)`` per entry of ``per_report``.

    A string entry is paired with the exam at the same place of the result's ``exams``
    (both are in input order) when there are as many exams as entries; a dict entry
    (``text`` / ``statement``, ``report_id``, ``date``, ``modality``) speaks for itself.
    """
    entries = result.get("per_report") or []
    if not isinstance(entries, list):
        return []
    exams = exam_list(result)
    by_id = {e.get("report_id"): e for e in exams if e.get("report_id") is not None}
    paired = len(exams) == len(entries)
    out = []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            exam = by_id.get(entry.get("report_id"), {})
            text = entry.get("text") or entry.get("statement") or entry.get("impression") or ""
            out.append((str(entry.get("date") or exam.get("date") or ""),
                        str(entry.get("modality") or exam.get("modality") or ""), str(text)))
        else:
            exam = exams[index] if paired else {}
            out.append((str(exam.get("date") or ""), str(exam.get("modality") or ""),
                        "" if entry is None else str(entry)))
    return out


def _document(title: str, body: str) -> str:
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"{body}</body>\n</html>\n")


def lesion_table(result: dict[str, Any]) -> str:
    """The lesion table: lesion, site, then one column per exam (size and status)."""
    lesions = lesions_of(result)
    if not lesions:
        return '<p class="muted">No lesions tracked.</p>\n'
    exams = table_exams(result)
    head = "".join(f"<th>{esc(e.get('date') or '?')}<br><span class=\"muted\">"
                   f"{esc(e.get('modality') or '')}</span></th>" for e in exams)
    rows = []
    for index, lesion in enumerate(lesions):
        cells = []
        for exam in exams:
            size, status = cell_text(observation_at(lesion, exam))
            extra = f"<br><span class=\"muted\">{esc(status)}</span>" if status else ""
            cells.append(f"<td>{esc(size)}{extra}</td>")
        label = lesion.get("label") or lesion.get("lesion_id") or f"lesion {index + 1}"
        rows.append(f"<tr><th scope=\"row\">{esc(label)}</th><td>{esc(lesion.get('site'))}"
                    f"</td>{''.join(cells)}</tr>")
    return (f"<div class=\"wrap\"><table>\n<thead><tr><th>Lesion</th><th>Site</th>{head}"
            f"</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table></div>\n")


def patient_page(result: dict[str, Any]) -> str:
    """One patient's page: summary, plot, lesion table, per-report statements."""
    patient = result.get("patient_id")
    items = []
    for day, modality, text in statements(result):
        tags = "".join(f"<span class=\"tag\">{esc(v)}</span>" for v in (day, modality) if v)
        items.append(f"<li>{tags}{esc(text)}</li>")
    listing = ("<ol>\n" + "\n".join(items) + "\n</ol>\n") if items else \
        '<p class="muted">No per-report statements.</p>\n'
    body = (f"<p><a href=\"index.html\">&larr; all patients</a></p>\n"
            f"<h1>Patient {esc(patient)}</h1>\n"
            f"<p>Status: <span class=\"status\">{esc(result.get('status'))}</span></p>\n"
            f"<h2>Summary</h2>\n<p>{esc(result.get('summary'))}</p>\n"
            f"<h2>Lesion size over time</h2>\n<figure>{size_plot_svg(result)}</figure>\n"
            f"<h2>Lesions</h2>\n{lesion_table(result)}"
            f"<h2>Per-report statements</h2>\n{listing}")
    return _document(f"radlite summary: patient {patient}", body)


def index_page(entries: list[tuple[dict[str, Any], str | None]]) -> str:
    """The index: one row per result, linked to its page (failed rows: the error)."""
    rows = []
    failed = 0
    for result, filename in entries:
        patient = esc(result.get("patient_id"))
        if filename is None:
            failed += 1
            rows.append(f"<tr><td>{patient}</td><td class=\"failed\">failed</td>"
                        f"<td class=\"failed\">{esc(result.get('error') or 'failed')}</td>"
                        "<td></td></tr>")
            continue
        lesions = len(lesions_of(result))
        rows.append(f"<tr><td><a href=\"{esc(filename)}\">{patient}</a></td>"
                    f"<td>{esc(result.get('status'))}</td><td>{esc(result.get('summary'))}"
                    f"</td><td>{lesions}</td></tr>")
    count = f"{len(entries)} patient{'s' if len(entries) != 1 else ''}"
    body = (f"<h1>radlite summaries</h1>\n<p class=\"muted\">{count}, {failed} failed</p>\n"
            "<div class=\"wrap\"><table>\n<thead><tr><th>Patient</th><th>Status</th>"
            "<th>Summary or error</th><th>Lesions</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody></table></div>\n")
    return _document("radlite summaries", body)


def write_html(results: Iterable[dict[str, Any]], directory: Path) -> list[Path]:
    """Write ``<patient>.html`` per summarised patient and ``index.html`` into ``directory``.

    Args:
        results: output rows of ``radlite summarize`` (other values are skipped).
        directory: created when missing; existing pages of the same names are replaced.

    Returns:
        The pages written, patients in input order, then ``index.html`` last.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    entries: list[tuple[dict[str, Any], str | None]] = []
    written: list[Path] = []
    for number, result in enumerate(r for r in results if isinstance(r, dict)):
        if is_failed(result):
            entries.append((result, None))
            continue
        stem = safe_filename(result.get("patient_id") or f"patient-{number + 1}", taken)
        path = directory / f"{stem}.html"
        with atomic_writer(path, newline=None) as handle:
            handle.write(patient_page(result))
        entries.append((result, path.name))
        written.append(path)
    index = directory / "index.html"
    with atomic_writer(index, newline=None) as handle:
        handle.write(index_page(entries))
    written.append(index)
    return written
