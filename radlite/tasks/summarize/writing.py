"""Writing the per-report change statements and the patient summary from the lesion table
and the radiologist's own lead item of each impression (:func:`lead_item`).

Every number and date written is copied from the input: sizes as the report wrote them
("3.8 cm", not a converted "38 mm"), dates as given, modalities as named. Lesion
names are the reports' own words ("segment 7 metastasis"), with the site added when the
label lacks it. :func:`ground` then finds each number and date of a written sentence in
the patient's reports (the evidence spans of the output); a sentence with a value that
cannot be found is left out, so nothing invented is ever returned.

The summary has 3-5 sentences and at most :data:`MAX_WORDS` words: the series (exam
count by modality, dates, therapies the reports name), the course of the baseline
lesions, new sites, the status at the last exam, and incidental findings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from radlite.tasks.summarize.reading import ReportReading
from radlite.tasks.summarize.tracking import Exam, Observation, Track
from radlite.tasks.summarize.vocabulary import vocabulary
from radlite.text.sentences import split_items

MAX_WORDS = 150
#: At most this many table phrases follow the impression's lead item in a statement.
MAX_EXTRA = 3
#: A statement is concise: table phrases stop before it passes this many words (chosen on
#: the development set among 15-45; docs/summarize.md).
STATEMENT_WORDS = 25
_VALUE = re.compile(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?")
_SIZE_TEXT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:\s*(?:x|×|by)\s*\d+(?:\.\d+)?){0,2}\s*(?:mm|cm)\b",
                        re.IGNORECASE)
_MODALITY = (("PET-CT", r"PET"), ("MRI", r"\bMRI?\b|magnetic"), ("CT", r"\bCT\b|computed"),
             ("US", r"\bUS\b|ultrasound|sonograph"), ("X-ray", r"x-?ray|radiograph|\bCXR\b"),
             ("bone scan", r"bone scan|scintigra"))
_WORSE = {"new", "increased"}
_BETTER = {"decreased", "resolved", "treated"}


@dataclass(frozen=True)
class Source:
    """One text field of one input report."""

    report_id: str
    field: str
    text: str


def modality_name(raw: str) -> str:
    """A short modality name ("CT chest" -> "CT", "PET/CT" -> "PET-CT"); else as written."""
    for name, pattern in _MODALITY:
        if re.search(pattern, raw, re.IGNORECASE):
            return name
    return raw.strip() or "imaging"


def display_name(track: Track) -> str:
    """The lesion's name as the reports wrote it; a bare noun ("lesion", "mass") gets its
    site as written ("segment 7 lesion", "RUL nodule") and its side."""
    label = track.label.strip()
    if len(label.split()) > 1 or track.kind == "incidental" or track.kind == "site":
        return label
    site = track.detail_text or (track.organ if track.organ and track.kind != "node" else "")
    if site:
        label = f"{site} {label}"
    if track.side and track.side not in label.lower():
        label = f"{track.side} {label}"
    return label


def _prior(track: Track, observation: Observation) -> tuple[str | None, float | None]:
    """The size before this observation, as written and in mm: the prior size the report
    states, else the track's previous measured size."""
    finding = observation.finding
    if finding and finding.reading and finding.reading.prior:
        return finding.reading.prior.text, finding.reading.prior.mm
    index = track.observations.index(observation)
    earlier = next((o for o in reversed(track.observations[:index]) if o.size_text), None)
    return (earlier.size_text, earlier.size_mm) if earlier else (None, None)


def direction(track: Track, observation: Observation) -> str:
    """The change a statement reports: the report's own change word where it has one,
    else the sizes (10 % and 1 mm), else the table's response. Finer than the
    table's RECIST-style ``response``, which needs 20 % / 30 %."""
    response = observation.response
    if response in ("baseline", "new", "resolved", "treated"):
        return response
    if observation.status in ("increased", "decreased", "stable"):
        return observation.status
    before = _prior(track, observation)[1]
    now = observation.size_mm
    if before and now is not None:
        change = now - before
        if abs(change) >= max(1.0, 0.1 * before):
            return "increased" if change > 0 else "decreased"
        return "stable"
    return response


def change_phrase(track: Track, observation: Observation) -> str:
    """One lesion's change at one exam ("segment 7 metastasis decreased from 3.8 to 2.9 cm")."""
    name, now = display_name(track), observation.size_text
    response = direction(track, observation)
    if response == "baseline":
        return f"{name} {now}" if now else name
    if response == "new":
        return f"new {name}" + (f" ({now})" if now else "")
    if response == "resolved":
        return f"{name} resolved"
    if response == "treated":
        word = "resected" if observation.status == "resected" else "treated"
        return f"{name} {word}" + (f" ({now})" if now else "")
    before = _prior(track, observation)[0]
    if response in ("increased", "decreased"):
        if now and before:
            return f"{name} {response} from {before} to {now}"
        return f"{name} {response}" + (f" ({now})" if now else "")
    return f"{name} stable" + (f" at {now}" if now else "")


def interval_call(responses: list[str], no_disease: bool) -> str:
    """The exam's overall change since the prior exam."""
    kinds = set(responses)
    present = kinds - {"resolved"}
    if no_disease and not (present - {"treated"}):
        return "No evidence of disease"
    if kinds & _WORSE and kinds & _BETTER:
        return "Mixed response"
    if kinds & _WORSE:
        return "Interval progression"
    if kinds & _BETTER:
        return "Interval improvement"
    return "Stable disease"


def _join(parts: list[str]) -> str:
    return "; ".join(parts)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unnumbered(text: str) -> str:
    return re.sub(r"^\s*\d{1,2}[.)]\s+", "", text).strip()


def lead_item(impression: str, reading: ReportReading) -> tuple[str, int, int] | None:
    """The impression's first item that asserts a finding or says no disease remains:
    the radiologist's own lead, as written (list number removed), with its span. A short
    overall call before it ("Disease progression.") is kept in front of it."""
    starts = [f.start for f in reading.findings if f.field == "impression"]
    call = None
    for index, item in enumerate(split_items(impression)):
        asserts = any(item.start <= s < item.end for s in starts)
        if asserts or vocabulary().no_disease.search(item.text):
            text = _unnumbered(item.text)
            if call is not None:
                return f"{_unnumbered(call.text).rstrip('.;')}; {text}", call.start, item.end
            return text, item.start, item.end
        if index == 0 and vocabulary().status.pattern.search(item.text) \
                and _count_words(item.text) <= 8:
            call = item
    return None


def _within(phrases: list[str], used: int, limit: int | None = None) -> list[str]:
    """The leading phrases that keep a statement within ``limit`` words."""
    limit = STATEMENT_WORDS if limit is None else limit
    out = []
    for phrase in phrases:
        used += _count_words(phrase)
        if used > limit:
            break
        out.append(phrase)
    return out


def informative(covered: list[tuple[Track, Observation]], lead: str) -> bool:
    """Whether a lead item says how its lesions changed: it has a change word or a prior
    size, or none of its lesions changed ("Segment 7, 1.9 cm" after 2.9 cm does not)."""
    if vocabulary().status.pattern.search(lead) or vocabulary().no_disease.search(lead):
        return True
    if any(o.finding and o.finding.reading and o.finding.reading.prior for _, o in covered):
        return True
    return all(direction(t, o) in ("baseline", "stable") for t, o in covered)


def report_statement(exam_index: int, exam: Exam, tracks: list[Track],
                     reading: ReportReading, impression: str = "") -> str:
    """The change statement of one exam (the first exam states the baseline): the
    impression's lead item (the radiologist's own words for what matters most), then up
    to :data:`MAX_EXTRA` changes of the table that the lead does not cover, and "no new
    lesions" where the report says so. Without a lead item, the table's phrases."""
    observations = [(t, o) for t in tracks for o in t.observations
                    if o.exam.report_id == exam.report_id and t.kind != "incidental"]
    observations.sort(key=lambda to: (to[1].response == "stable", -(to[1].size_mm or 0)))
    lead = lead_item(impression, reading)
    covered = [(t, o) for t, o in observations if lead and o.finding is not None
               and o.finding.field == "impression" and lead[1] <= o.finding.start < lead[2]]
    if lead and not informative(covered, lead[0]):
        covered = [(t, o) for t, o in covered if direction(t, o) in ("baseline", "stable")]
    rest = [(t, o) for t, o in observations if (t, o) not in covered]
    phrases = [change_phrase(t, o) for t, o in rest]
    head = [lead[0].rstrip(".;")] if lead else []
    if exam_index == 0:
        body = _join(head + phrases[:MAX_EXTRA]) if head or phrases else (
            "no evidence of disease" if reading.no_disease else "no measurable lesion reported")
        return f"Baseline {exam.modality}: {body}."
    responses = [direction(t, o) for t, o in observations]
    changed = [p for (t, o), p in zip(rest, phrases, strict=True)
               if direction(t, o) != "stable"] if head else phrases
    parts = head + _within(changed[:MAX_EXTRA], _count_words(" ".join(head)))
    if reading.no_new and "new" not in responses and not reading.no_disease \
            and not (lead and re.search(r"\bno new\b", lead[0], re.I)):
        parts.append("no new lesions")
    if not parts:
        return _cap(exam_change(exam, tracks, reading)) + "."
    return _cap(_join(parts)) + "."


def exam_change(exam: Exam, tracks: list[Track], reading: ReportReading) -> str:
    """The exam's overall change since the prior exam, from the table (``exams[].change``
    of the output): interval progression, improvement, mixed response, stable disease or
    no evidence of disease."""
    responses = [direction(t, o) for t in tracks for o in t.observations
                 if o.exam.report_id == exam.report_id and t.kind != "incidental"]
    return interval_call(responses, reading.no_disease)


def _trajectory(name: str, measured: list[Observation]) -> tuple[int, str, str] | None:
    """Sizes from first to last through the nadir or peak, where the course turned:
    ``(rank, phrase, last direction)``; None when the size did not move."""
    a, b = measured[0], measured[-1]
    low = min(measured, key=lambda o: o.size_mm or 0.0)
    high = max(measured, key=lambda o: o.size_mm or 0.0)

    def moved(x: Observation, y: Observation) -> bool:
        base = x.size_mm or 0.0
        return abs((y.size_mm or 0.0) - base) >= max(1.0, 0.1 * base)

    for turn, first_verb, then_verb, rank in ((low, "decreased", "increased", 1),
                                              (high, "increased", "decreased", 2)):
        if turn not in (a, b) and moved(a, turn) and moved(turn, b):
            return rank, (f"{name} {first_verb} from {a.size_text} ({a.exam.date}) to "
                          f"{turn.size_text} ({turn.exam.date}), then {then_verb} to "
                          f"{b.size_text} ({b.exam.date})"), then_verb
    if moved(a, b):
        verb = "increased" if (b.size_mm or 0) > (a.size_mm or 0) else "decreased"
        return (1 if verb == "increased" else 2), (
            f"{name} {verb} from {a.size_text} ({a.exam.date}) to {b.size_text} "
            f"({b.exam.date})"), verb
    return None


def course_phrase(track: Track) -> tuple[int, str]:
    """A lesion's course over the series, with a rank (lower = more important)."""
    name = display_name(track)
    obs = track.observations
    first, last = obs[0], obs[-1]
    measured = [o for o in obs if o.size_text and o.size_mm]
    prefix = "" if first.response != "new" else "new "
    when = f" on {first.exam.date}" if prefix else ""
    if not last.present:
        start = f" ({first.size_text}{when})" if first.size_text else when
        return 1, f"{prefix}{name}{start} resolved by {last.exam.date}"
    if prefix:
        if len(measured) >= 2:
            moved = _trajectory(f"new {name}", measured)
            if moved:
                return 0, moved[1]
        size = f" ({first.size_text})" if first.size_text else ""
        later = f", {last.size_text} on {last.exam.date}" if last is not first and \
            last.size_text and last.size_text != first.size_text else ""
        return 0, f"new {name}{when}{size}{later}"
    treated = next((o for o in obs if o.status in ("treated", "resected")), None)
    if treated is not None:
        word = "resected" if treated.status == "resected" else "treated"
        size = f", {last.size_text} on {last.exam.date}" if last.size_text else ""
        return 2, f"{name} {word} ({treated.exam.date}){size}"
    if len(measured) >= 2:
        moved = _trajectory(name, measured)
        if moved:
            return moved[0], moved[1]
        return 3, f"{name} stable at {measured[-1].size_text}"
    if measured:
        return 4, f"{name} {measured[-1].size_text}"
    return 4, f"{name} {('stable' if len(obs) > 1 else 'present')}"


def max_size(track: Track) -> float:
    """The largest size the lesion had (mm; 0 when never measured)."""
    return max((o.size_mm or 0.0 for o in track.observations), default=0.0)


def course_trend(track: Track) -> str:
    """``worse``, ``better`` or ``same``: where the lesion went by the last exam (a new
    lesion still present is worse; a course that turned counts from its turn)."""
    obs = track.observations
    if not obs[-1].present:
        return "better"
    if obs[0].response == "new":
        return "worse"
    if any(o.status in ("treated", "resected") for o in obs):
        return "better"
    measured = [o for o in obs if o.size_mm]
    if len(measured) >= 2:
        turn = _trajectory("", measured)
        if turn:
            return "worse" if turn[2] == "increased" else "better"
    return "same"


def overall_status(tracks: list[Track], last_reading: ReportReading) -> str:
    """The status at the last exam, from the lesions' courses."""
    kinds = {course_trend(t) for t in tracks if t.kind != "incidental"}
    if last_reading.no_disease and not any(t.last() and t.last().present for t in tracks
                                           if t.kind != "incidental"):
        return "no evidence of disease"
    if "worse" in kinds and "better" in kinds:
        return "mixed response"
    if "worse" in kinds:
        return "disease progression"
    if "better" in kinds:
        return "treatment response"
    return "stable disease" if kinds else "no measurable disease"


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve")


def count_text(n: int) -> str:
    """A count in words up to twelve: a count is derived, not copied, so it is never
    written as a numeral that the fabrication check would look for in the input."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else "many"


def _count_words(text: str) -> int:
    return len(text.split())


def summary_sentences(exams: list[Exam], tracks: list[Track], readings: list[ReportReading],
                      last_impression: str = "") -> list[str]:
    """The summary's sentences (3-5) before the word budget: the series, the course of
    the baseline lesions, new sites, the status at the last exam (with the lead item of
    ``last_impression``, the radiologist's own words), incidental findings."""
    counts = Counter(e.modality for e in exams)
    kinds = ", ".join(f"{count_text(n)} {m}" for m, n in counts.items())
    therapies = list(dict.fromkeys(t for r in readings for t in r.therapies))
    series = (f"Followed from {exams[0].date} to {exams[-1].date} with "
              f"{count_text(len(exams))} exams ({kinds})")
    if therapies:
        series += f"; the reports name {', '.join(therapies[:3])}"
    sentences = [series + "."]
    lesions = [t for t in tracks if t.kind != "incidental"]
    old = sorted((t for t in lesions if t.observations[0].response != "new"),
                 key=lambda t: (course_trend(t) != "worse", -max_size(t)))
    if old:
        sentences.append(_cap("; ".join(course_phrase(t)[1] for t in old[:4])) + ".")
    new = [course_phrase(t)[1] for t in lesions if t.observations[0].response == "new"]
    if new:
        sentences.append(_cap("; ".join(new[:4])) + ".")
    status = overall_status(tracks, readings[-1])
    last = f"At the last exam ({exams[-1].date}, {exams[-1].modality}): {status}"
    new_now = any(t.observations[0].exam == exams[-1] and len(exams) > 1 for t in lesions)
    if readings[-1].no_new and not new_now and status != "no evidence of disease":
        last += ", no new lesions"
    lead = lead_item(last_impression, readings[-1])
    if lead:
        last += "; " + lead[0][:1].lower() + lead[0][1:].rstrip(".;")
    sentences.append(last + ".")
    incidental = list({t.label.split()[-1].lower(): display_name(t) for t in reversed(tracks)
                       if t.kind == "incidental" and t.last() and t.last().present}.values())
    incidental.reverse()
    if incidental:
        sentences.append(f"Incidental: {', '.join(incidental[:3])}.")
    if len(sentences) < 3:
        sentences.insert(1, "No measurable lesion was tracked.")
    return sentences


def fit_words(sentences: list[str], limit: int = MAX_WORDS) -> list[str]:
    """Drop list items from the longest sentence until the text fits ``limit`` words."""
    out = list(sentences)
    while sum(_count_words(s) for s in out) > limit:
        longest = max(range(len(out)), key=lambda i: _count_words(out[i]))
        parts = re.split(r"; |, (?=[a-z0-9])", out[longest].rstrip("."))
        if len(parts) <= 1:
            words = out[longest].split()
            out[longest] = " ".join(words[:max(3, len(words) - (sum(_count_words(s) for s in out)
                                                                 - limit))]) + "."
            continue
        out[longest] = "; ".join(parts[:-1]) + "."
    return out


def _value_pattern(value: str) -> re.Pattern[str]:
    """A written value on number boundaries; inside a size ("8.4 x 7.6 cm") every number
    and the unit must stand as written, whatever the spacing."""
    body = r"\s*".join(re.escape(p) for p in re.split(r"\s+", value.strip()))
    return re.compile(rf"(?<![\d.]){body}(?![\d]|\.\d)", re.IGNORECASE)


def ground(text: str, sources: list[Source], prefer: str | None = None
           ) -> tuple[list[dict[str, Any]], list[str]]:
    """Evidence spans of every size, number and date of ``text``, and the values not found.

    A size ("8.4 x 7.6 cm", "12 mm") is found only where the whole size stands in a source
    (so a cut "4 x 7.6 cm" is not grounded by some other "4"); a date or another number
    where the same characters stand on number boundaries. ``prefer`` (a report id) is
    searched first.
    """
    ordered = sorted(sources, key=lambda s: s.report_id != prefer)
    sizes = [(m.start(), m.end()) for m in _SIZE_TEXT.finditer(text)]
    values = sizes + [(m.start(), m.end()) for m in _VALUE.finditer(text)
                      if not any(a <= m.start() < b for a, b in sizes)]
    evidence, missing = [], []
    for start, end in sorted(values):
        value = text[start:end]
        pattern = _value_pattern(value)
        hit = next(((s, h) for s in ordered for h in [pattern.search(s.text)] if h), None)
        if hit is None:
            missing.append(value)
            continue
        source, found = hit
        evidence.append({"value": value, "report_id": source.report_id, "field": source.field,
                         "start": found.start(), "end": found.end()})
    return evidence, missing
