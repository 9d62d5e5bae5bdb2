"""The ``serial`` generator: a patient's dated oncologic follow-up with a reference summary.

A case is a timeline: 2-6 exams over 1-4 years and 1-3 tracked lesions, each with a
size per exam (``None`` = not present). Per-report impressions describe the change
since the previous exam; the summary describes each lesion's course from its first to
its last exam and an overall response, all computed from the sizes.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from radlite.synth.common import bank, fill

START = dt.date(2021, 1, 4)


def _trajectory(rng: random.Random, n: int) -> list[int | None]:
    kind = rng.choice(["growing", "shrinking", "stable", "resolved", "new"])
    size = rng.randint(6, 40)
    sizes: list[int | None] = []
    start = rng.randint(1, n - 1) if kind == "new" else 0
    for i in range(n):
        if i < start:
            sizes.append(None)
            continue
        if kind == "growing":
            size += rng.randint(2, 6)
        elif kind in ("shrinking", "resolved"):
            size = max(3, size - rng.randint(2, 6))
        sizes.append(size)
    if kind == "resolved":
        sizes[-1] = None
    return sizes


def _change(name: str, prev: int | None, cur: int | None, rng: random.Random, P: dict) -> str | None:
    if prev is None and cur is None:
        return None
    if prev is None:
        return fill(rng.choice(P["new"]), name=name, size=cur)
    if cur is None:
        return fill(rng.choice(P["resolved"]), name=name)
    key = "growing" if cur - prev >= 2 else "shrinking" if prev - cur >= 2 else "stable"
    return fill(rng.choice(P[key]), name=name, size=cur, prev=prev)


def _course(sizes: list[int | None], dates: list[str], name: str, S: dict) -> tuple[str, str]:
    present = [(s, d) for s, d in zip(sizes, dates, strict=True) if s is not None]
    (first, fd), (last, ld) = present[0], present[-1]
    if sizes[-1] is None:
        kind, last, ld = "resolved", 0, dates[-1]
    elif sizes[0] is None:
        kind = "new"
    elif last - first >= 2:
        kind = "growing"
    elif first - last >= 2:
        kind = "shrinking"
    else:
        kind = "stable"
    peak = max(s for s, _ in present)
    text = S["course"][kind].format(name=name, first=first, last=last, first_date=fd,
                                    last_date=ld, peak=peak)
    return kind, text


def make_record(rng: random.Random, lang: str, record_id: str) -> dict[str, Any]:
    """Sample a follow-up timeline and return the series with its reference summary.

    Args:
        rng: the record's random stream.
        lang: ``en`` (the only language of this task).
        record_id: the patient id.

    Returns:
        ``{"id", "patient_id", "reports", "summary", "per_report", "case"}``.
    """
    B = bank("serial")
    primary = rng.choice(B["primaries"])
    n = rng.randint(2, 6)
    span = rng.randint(365, 4 * 365)
    days = sorted(rng.sample(range(1, span), n - 1))
    start = START + dt.timedelta(days=rng.randint(0, 600))
    dates = [start.isoformat()] + [(start + dt.timedelta(days=d)).isoformat() for d in days]
    lesions = rng.sample(primary["lesions"], k=rng.randint(1, 3))
    tracks = {name: _trajectory(rng, n) for name in lesions}
    reports, per_report = [], []
    for i, date in enumerate(dates):
        lines = []
        for name, sizes in tracks.items():
            prev = sizes[i - 1] if i else None
            text = (fill(rng.choice(B["phrases"]["baseline"]), name=name, size=sizes[i])
                    if i == 0 and sizes[0] is not None else _change(name, prev, sizes[i], rng, B["phrases"]))
            if text:
                lines.append(text)
        impression = " ".join(lines) or rng.choice(B["phrases"]["no_disease"])
        reports.append({"id": f"{record_id}-r{i + 1}", "date": date, "modality": primary["modality"],
                        "impression": impression})
        per_report.append(impression)
    courses = [_course(sizes, dates, name, B["summary"]) for name, sizes in tracks.items()]
    kinds = {k for k, _ in courses}
    worse, better = kinds & {"growing", "new"}, kinds & {"shrinking", "resolved"}
    overall = "mixed" if worse and better else "progression" if worse else "response" if better else "stable"
    summary = (f"{primary['name'].capitalize()}, {n} {primary['modality']} exams from {dates[0]} to "
               f"{dates[-1]}: " + "; ".join(t for _, t in courses) + ". " + B["summary"]["overall"][overall])
    return {"id": record_id, "patient_id": record_id, "reports": reports, "summary": summary,
            "per_report": per_report,
            "case": {"primary": primary["name"], "dates": dates, "tracks": tracks, "overall": overall}}


def preview_text(record: dict[str, Any]) -> str:
    """The series as ``radlite synth --preview`` shows it: one dated impression per line."""
    return "\n".join(f"[{r['date']}] {r['impression']}" for r in record["reports"])
