"""Lesion size over time as an inline SVG string (no plotting library, no script).

Key terms: a *result* is one patient's summariser output (``patient_id``, ``exams``,
``lesions`` with dated ``observations``; see docs/impressions.md); a *measured lesion*
has at least one observation with a ``size_mm``.

How the plot reads:

- x axis: the exam dates, spaced in proportion to the time between them (equal spacing,
  in date-string order, when a date is not ISO ``YYYY-MM-DD``). Under each date tick a
  grey tick marker whose shape names the modality (square CT, circle MRI, diamond PET or
  PET-CT, triangle US, down-triangle radiograph, ring anything else) and the modality's
  name in small text; a key for the markers sits above the legend.
- y axis: size in mm from 0, with a few gridlines.
- one polyline per measured lesion (Okabe-Ito colour and a marker shape, both cycling, so
  no two of the first 35 lesions look alike), through its measured sizes in date order.
  A *resolved* observation (``present`` false) is a hollow marker on the 0 mm line and
  the polyline runs down to it. A lesion present but unmeasured at an exam has no point
  there (the lesion table shows it); lesions never measured are left out.

Every text (patient id, labels, modalities, dates) comes from report text and is
XML-escaped; characters XML 1.0 forbids are dropped. The same input gives the same SVG.
"""

from __future__ import annotations

import html
import math
import re
from datetime import date
from typing import Any

WIDTH = 760
LEFT, RIGHT, TOP, BOTTOM = 64, WIDTH - 24, 44, 300
INSET = 24  # room between the axes and the first / last exam
FONT = 'font-family="system-ui, -apple-system, sans-serif"'
# Okabe-Ito without the yellow (too pale on white); 7 colours x 5 shapes never repeat a pair
# before the 36th lesion.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down")
MODALITY_SHAPES = (("PET", "diamond"), ("CT", "square"), ("MR", "circle"), ("US", "triangle"),
                   ("XR", "triangle-down"), ("CR", "triangle-down"), ("DX", "triangle-down"),
                   ("X-RAY", "triangle-down"), ("RADIOGRAPH", "triangle-down"))
TICK_COLOUR = "#444444"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LABEL_CHARS = 80


def esc(value: Any) -> str:
    """Text safe inside an XML/HTML element or a quoted attribute."""
    return html.escape(_INVALID_XML.sub("", "" if value is None else str(value)), quote=True)


def short(value: Any, limit: int = LABEL_CHARS) -> str:
    """``value`` as text, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(("" if value is None else str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def modality_shape(modality: Any) -> str:
    """The tick-marker shape of a modality name (``ring`` for unknown ones)."""
    name = str(modality or "").upper().replace(" ", "")
    for prefix, shape in MODALITY_SHAPES:
        if name.startswith(prefix) or (prefix == "PET" and "PET" in name):
            return shape
    return "ring"


def marker(shape: str, cx: float, cy: float, r: float, colour: str, hollow: bool = False,
           extra: str = "") -> str:
    """One marker element centred at ``(cx, cy)``."""
    paint = (f'fill="#ffffff" stroke="{colour}" stroke-width="2"' if hollow
             else f'fill="{colour}" stroke="#ffffff" stroke-width="1"')
    if shape in ("circle", "ring"):
        if shape == "ring":
            paint = f'fill="#ffffff" stroke="{colour}" stroke-width="1.5"'
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" {paint}{extra}/>'
    if shape == "square":
        s = r * 0.9
        return (f'<rect x="{cx - s:.1f}" y="{cy - s:.1f}" width="{2 * s:.1f}" '
                f'height="{2 * s:.1f}" {paint}{extra}/>')
    points = {
        "triangle": [(0, -1.2), (1.1, 0.8), (-1.1, 0.8)],
        "triangle-down": [(0, 1.2), (1.1, -0.8), (-1.1, -0.8)],
        "diamond": [(0, -1.25), (1.1, 0), (0, 1.25), (-1.1, 0)],
    }[shape]
    text = " ".join(f"{cx + dx * r:.1f},{cy + dy * r:.1f}" for dx, dy in points)
    return f'<polygon points="{text}" {paint}{extra}/>'


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def exam_list(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's exams (``report_id, date, modality``) in input order; taken from the
    observations (first sighting of each report) when the result has no ``exams``."""
    exams = [e for e in (result.get("exams") or []) if isinstance(e, dict)]
    if exams:
        return exams
    seen: dict[str, dict[str, Any]] = {}
    for lesion in lesions_of(result):
        for obs in observations_of(lesion):
            key = str(obs.get("report_id") or obs.get("date") or "")
            if key and key not in seen:
                seen[key] = {"report_id": obs.get("report_id"), "date": obs.get("date"),
                             "modality": obs.get("modality")}
    return sorted(seen.values(), key=lambda e: str(e.get("date") or ""))


def lesions_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's lesions (dicts only; none for a failed row or an older engine)."""
    return [lesion for lesion in (result.get("lesions") or []) if isinstance(lesion, dict)]


def observations_of(lesion: dict[str, Any]) -> list[dict[str, Any]]:
    """A lesion's observations (dicts only)."""
    return [o for o in (lesion.get("observations") or []) if isinstance(o, dict)]


def size_of(obs: dict[str, Any]) -> float | None:
    """An observation's size in mm, or None (missing, not a number, negative)."""
    value = obs.get("size_mm")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def is_resolved(obs: dict[str, Any]) -> bool:
    """Absent at this exam (``present`` false, or status/response ``resolved``)."""
    return obs.get("present") is False or "resolved" in (obs.get("status"), obs.get("response"))


def measured(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The lesions that have at least one size in mm, in result order."""
    return [lesion for lesion in lesions_of(result)
            if any(size_of(o) is not None for o in observations_of(lesion))]


def date_positions(dates: list[str], left: float, right: float) -> dict[str, float]:
    """x of each date: time-proportional, or equally spaced when any is not ISO."""
    unique = sorted(set(dates))
    if not unique:
        return {}
    days = [_day(d) for d in unique]
    if len(unique) == 1:
        return {unique[0]: (left + right) / 2}
    if all(days):
        first, last = min(days), max(days)  # type: ignore[type-var]
        span = (last - first).days or 1  # type: ignore[operator]
        return {d: left + (right - left) * (day - first).days / span  # type: ignore[operator]
                for d, day in zip(unique, days, strict=True)}
    step = (right - left) / (len(unique) - 1)
    return {d: left + i * step for i, d in enumerate(unique)}


def nice_axis(top: float) -> tuple[float, float]:
    """``(axis maximum, gridline step)`` covering ``top`` mm with about five steps."""
    if top <= 0:
        return 10.0, 2.0
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.ceil(top / step - 1e-9) * step, step


def _num(value: float) -> str:
    return f"{value:g}"


def placeholder_svg(patient_id: Any = None, message: str = "No measured lesions") -> str:
    """A small SVG that says there is nothing to plot."""
    who = f" for patient {short(patient_id)}" if patient_id not in (None, "") else ""
    label = esc(f"Lesion size over time{who}: {message}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="60" '
            f'viewBox="0 0 {WIDTH} 60" role="img" aria-label="{label}">'
            f"<title>{label}</title>"
            f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="59" fill="#ffffff" '
            f'stroke="#d9d9d4"/>'
            f'<text x="{WIDTH / 2:.1f}" y="35" text-anchor="middle" font-size="14" '
            f'fill="#6a6f76" {FONT}>{esc(message)}</text></svg>')


def _axes(top_mm: float, step: float, y: Any) -> list[str]:
    parts = []
    for i in range(int(round(top_mm / step)) + 1):
        mm = i * step
        parts.append(f'<line x1="{LEFT}" y1="{y(mm):.1f}" x2="{RIGHT}" y2="{y(mm):.1f}" '
                     f'stroke="{"#6a6f76" if i == 0 else "#e3e3de"}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y(mm) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#1f2328" {FONT}>{_num(mm)}</text>')
    middle = (TOP + BOTTOM) / 2
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="#6a6f76"/>')
    parts.append(f'<text x="16" y="{middle:.1f}" text-anchor="middle" font-size="12" '
                 f'fill="#1f2328" {FONT} transform="rotate(-90 16 {middle:.1f})">size (mm)</text>')
    return parts


def _exam_ticks(exams: list[dict[str, Any]], xs: dict[str, float]) -> tuple[list[str], list[str]]:
    """Per exam: a faint vertical line, the modality marker and name, the date; and the
    modality names in first-seen order (for the key)."""
    parts: list[str] = []
    modalities: list[str] = []
    for exam in exams:
        day = str(exam.get("date") or "")
        if day not in xs:
            continue
        x = xs[day]
        modality = short(exam.get("modality") or "", 10)
        if modality and modality not in modalities:
            modalities.append(modality)
        parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{BOTTOM}" '
                     f'stroke="#ececea" stroke-dasharray="3 3"/>')
        parts.append(marker(modality_shape(modality), x, BOTTOM + 9, 4, TICK_COLOUR))
        parts.append(f'<text x="{x:.1f}" y="{BOTTOM + 26}" text-anchor="middle" '
                     f'font-size="9" fill="#444444" {FONT}>{esc(modality or "?")}</text>')
        parts.append(f'<text x="{x:.1f}" y="{BOTTOM + 38}" text-anchor="end" font-size="10" '
                     f'fill="#1f2328" {FONT} transform="rotate(-35 {x:.1f} {BOTTOM + 38})">'
                     f"{esc(short(day, 16))}</text>")
    return parts, modalities


def lesion_label(lesion: dict[str, Any], index: int) -> str:
    """The legend text of a lesion: label, else site, else id (cut to 80 characters)."""
    return short(lesion.get("label") or lesion.get("site") or lesion.get("lesion_id")
                 or f"lesion {index + 1}")


def _describe(obs: dict[str, Any], day: str) -> str:
    size = size_of(obs)
    if is_resolved(obs):
        return f"resolved on {day}"
    if size is None:
        return f"present, not measured, on {day}"
    return f"{_num(size)} mm on {day}"


def _legend(lesions: list[dict[str, Any]], modalities: list[str], resolved: bool,
            top: float) -> list[str]:
    parts = [f'<text x="{LEFT}" y="{top}" font-size="11" fill="#1f2328" {FONT}>Exams:</text>']
    x = LEFT + 52
    for modality in modalities:
        parts.append(marker(modality_shape(modality), x, top - 4, 4, TICK_COLOUR))
        parts.append(f'<text x="{x + 8}" y="{top}" font-size="11" fill="#1f2328" '
                     f"{FONT}>{esc(modality)}</text>")
        x += 18 + 7 * len(modality)
    if resolved:
        parts.append(marker("circle", x + 16, top - 4, 5, "#1f2328", hollow=True))
        parts.append(f'<text x="{x + 26}" y="{top}" font-size="11" fill="#1f2328" '
                     f"{FONT}>resolved (drawn at 0 mm)</text>")
    for index, lesion in enumerate(lesions):
        colour, shape = PALETTE[index % len(PALETTE)], SHAPES[index % len(SHAPES)]
        row = top + 20 * (index + 1)
        parts.append(f'<line x1="{LEFT}" y1="{row - 4}" x2="{LEFT + 28}" y2="{row - 4}" '
                     f'stroke="{colour}" stroke-width="2"/>')
        parts.append(marker(shape, LEFT + 14, row - 4, 5, colour))
        parts.append(f'<text x="{LEFT + 38}" y="{row}" font-size="12" fill="#1f2328" '
                     f"{FONT}>{esc(lesion_label(lesion, index))}</text>")
    return parts


def size_plot_svg(result: dict[str, Any]) -> str:
    """Lesion size (mm) over time for one patient's result as a standalone SVG element.

    Args:
        result: the summariser's output for one patient (``exams``, ``lesions``); rows
            without lesions or sizes give :func:`placeholder_svg`.

    Returns:
        ``<svg ...>...</svg>``: well-formed XML, no script, no style attributes, every
        text escaped; usable inline in HTML or saved as a ``.svg`` file.
    """
    lesions = measured(result)
    patient = result.get("patient_id")
    if not lesions:
        return placeholder_svg(patient)
    exams = exam_list(result)
    by_report = {str(e.get("report_id")): e for e in exams if e.get("report_id") is not None}

    def obs_date(obs: dict[str, Any]) -> str:
        exam = by_report.get(str(obs.get("report_id")))
        return str(obs.get("date") or (exam.get("date") if exam else "") or "")

    dates = [str(e.get("date") or "") for e in exams]
    dates += [obs_date(o) for lesion in lesions for o in observations_of(lesion)]
    xs = date_positions([d for d in dates if d], LEFT + INSET, RIGHT - INSET)
    top_mm, step = nice_axis(max(size_of(o) or 0.0 for lesion in lesions
                                 for o in observations_of(lesion)))

    def y(mm: float) -> float:
        return BOTTOM - (BOTTOM - TOP) * mm / top_mm

    parts = _axes(top_mm, step, y)
    ticks, modalities = _exam_ticks(exams, xs)
    parts += ticks
    descriptions = []
    any_resolved = False
    for index, lesion in enumerate(lesions):
        colour, shape = PALETTE[index % len(PALETTE)], SHAPES[index % len(SHAPES)]
        points: list[tuple[float, float, bool]] = []
        for obs in observations_of(lesion):
            day, size = obs_date(obs), size_of(obs)
            if day in xs and is_resolved(obs):
                points.append((xs[day], y(0.0), True))
            elif day in xs and size is not None:
                points.append((xs[day], y(size), False))
        points.sort(key=lambda p: p[0])
        any_resolved = any_resolved or any(p[2] for p in points)
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        label = lesion_label(lesion, index)
        parts.append(f'<g class="lesion" data-lesion="{esc(lesion.get("lesion_id") or "")}" '
                     f'aria-label="{esc(label)}">'
                     f'<polyline points="{line}" fill="none" stroke="{colour}" '
                     f'stroke-width="2" stroke-linejoin="round"/>')
        parts += [marker(shape, px, py, 5, colour, hollow) for px, py, hollow in points]
        parts.append("</g>")
        observed = "; ".join(_describe(o, obs_date(o)) for o in observations_of(lesion))
        descriptions.append(f"{label}: {observed}.")
    legend_top = BOTTOM + 92
    parts += _legend(lesions, modalities, any_resolved, legend_top)
    height = legend_top + 20 * len(lesions) + 16
    who = f" for patient {short(patient)}" if patient not in (None, "") else ""
    title = (f"Lesion size over time{who}: {len(lesions)} measured "
             f"lesion{'s' if len(lesions) != 1 else ''}, {len(exams)} "
             f"exam{'s' if len(exams) != 1 else ''}")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{esc(title)}">'
            f"<title>{esc(title)}</title><desc>{esc(' '.join(descriptions))}</desc>"
            f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
            f'<text x="{LEFT}" y="24" font-size="14" font-weight="600" fill="#1f2328" '
            f"{FONT}>{esc(short(f'Lesion size (mm) over time{who}', 90))}</text>")
    return head + "".join(parts) + "</svg>"
