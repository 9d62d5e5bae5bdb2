"""The lesion table of summarised series as CSV or JSON (``radlite summarize --lesions``).

Key term: a *lesion row* is one observation of one lesion at one exam:
``patient_id, lesion_id, site, label, report_id, date, modality, size_mm, size_text,
present, status, response`` (:data:`COLUMNS`). Failed patients and rows without
``lesions`` (an engine that does not track lesions) add no rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from radlite.core.io import atomic_writer, write_csv
from radlite.tasks.summarize.plot import lesions_of, observations_of

COLUMNS = ["patient_id", "lesion_id", "site", "label", "report_id", "date", "modality",
           "size_mm", "size_text", "present", "status", "response"]


def lesion_rows(results: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One dict per lesion per observed exam, keys :data:`COLUMNS`, in result order.

    An observation's ``modality`` / ``date`` fall back to its exam's (``exams`` by
    ``report_id``) when the observation leaves them out.
    """
    for result in results:
        if not isinstance(result, dict) or result.get("status") == "failed":
            continue
        exams = {e.get("report_id"): e for e in (result.get("exams") or [])
                 if isinstance(e, dict) and e.get("report_id") is not None}
        for lesion in lesions_of(result):
            for obs in observations_of(lesion):
                exam = exams.get(obs.get("report_id"), {})
                yield {"patient_id": result.get("patient_id"),
                       "lesion_id": lesion.get("lesion_id"), "site": lesion.get("site"),
                       "label": lesion.get("label"), "report_id": obs.get("report_id"),
                       "date": obs.get("date") or exam.get("date"),
                       "modality": obs.get("modality") or exam.get("modality"),
                       "size_mm": obs.get("size_mm"), "size_text": obs.get("size_text"),
                       "present": obs.get("present"), "status": obs.get("status"),
                       "response": obs.get("response")}


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def write_lesion_table(rows: Iterable[dict[str, Any]], path: Path, raw: bool = False) -> int:
    """Write the lesion table of ``rows`` (output rows of ``radlite summarize``).

    Args:
        rows: one result per patient; failed ones and those without lesions add nothing.
        path: ``.json`` -> a JSON array of lesion rows (``size_mm`` a number or null,
            ``present`` true/false/null); anything else -> UTF-8 CSV with a header
            (empty cell for null, ``present`` as ``true``/``false``). Written atomically.
        raw: CSV cells as they are; by default a cell that a spreadsheet would run as a
            formula gets a leading ``'`` (:mod:`radlite.core.csvsafe`; JSON is always raw).

    Returns:
        The number of lesion rows written (the header alone when 0).
    """
    table = list(lesion_rows(rows))
    path = Path(path)
    if path.suffix.lower() == ".json":
        with atomic_writer(path, newline=None) as handle:
            json.dump(table, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
    else:
        write_csv(path, COLUMNS, ([_cell(row[c]) for c in COLUMNS] for row in table), raw=raw)
    return len(table)
