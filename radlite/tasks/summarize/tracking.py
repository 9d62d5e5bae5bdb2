"""Matching lesions across a patient's dates into a lesion table, with a response per interval.

Key terms:

- an *exam* is one input report with its date and modality; exams are read oldest first
  (ties keep input order), whatever the input order;
- a *track* is one lesion followed across exams; a finding joins the best-scoring track
  of the same organ (:func:`match_score`): same detail (segment, lobe, station) and
  side, a compatible size history, the prior size the report itself states, shared
  label words. A conflicting detail or side, or a node against a non-node, never
  matches. Each track takes at most one finding per exam;
- a track not mentioned in an exam is *not assessed* there, unless the exam says no
  disease remains (everywhere, or in that organ), or, for a node, denies
  lymphadenopathy: then it is *resolved*.

Response of an observation against the track's previous measured observation, in the
spirit of RECIST 1.1 applied per lesion (documented in docs/summarize.md):
``increased`` at +20 % and at least +2 mm (RECIST's 5 mm floor is for a sum of
lesions; 2 mm is the measurement noise floor of a single one), ``decreased`` at
-30 %, else ``stable``; ``new`` when first seen after the baseline exam, ``resolved``
when gone, ``treated`` when the report says treated, ablated or resected. Without two
sizes the report's own change word decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radlite.tasks.summarize.reading import Finding, ReportReading

INCREASE_FRACTION = 0.20
INCREASE_FLOOR_MM = 2.0
DECREASE_FRACTION = 0.30
_STATUS_RESPONSE = {"new": "new", "increased": "increased", "decreased": "decreased",
                    "stable": "stable", "resolved": "resolved", "treated": "treated",
                    "resected": "treated"}


@dataclass(frozen=True)
class Exam:
    """One dated report of the series."""

    report_id: str
    date: str
    modality: str
    position: int


@dataclass
class Observation:
    """A track at one exam."""

    exam: Exam
    present: bool
    finding: Finding | None
    status: str | None
    response: str = "baseline"

    @property
    def size_mm(self) -> float | None:
        """Current size in mm, or None."""
        return self.finding.size_mm if self.finding and self.present else None

    @property
    def size_text(self) -> str | None:
        """Current size as written, or None."""
        reading = self.finding.reading if self.finding else None
        return reading.current.text if reading and reading.current and self.present else None


@dataclass
class Track:
    """One lesion across exams."""

    lesion_id: str
    kind: str
    organ: str | None
    detail: str | None
    side: str | None
    label: str
    detail_text: str | None = None
    observations: list[Observation] = field(default_factory=list)

    def last(self, present: bool = False) -> Observation | None:
        """The latest observation (the latest present one with ``present``)."""
        items = [o for o in self.observations if o.present] if present else self.observations
        return items[-1] if items else None

    def last_size(self) -> float | None:
        """The latest measured size in mm."""
        return next((o.size_mm for o in reversed(self.observations) if o.size_mm is not None),
                    None)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2}


def same_detail(a: str, b: str) -> bool:
    """Two details name the same place ("sigmoid" and "sigmoid colon")."""
    wa, wb = set(a.split()), set(b.split())
    return a == b or (bool(wa & wb) and (wa <= wb or wb <= wa) and not
                      any(w.isdigit() or len(w) <= 3 for w in wa ^ wb))


def compatible(track: Track, finding: Finding) -> bool:
    """False where ``finding`` cannot be ``track``: incidental against lesion, another
    organ, a conflicting detail (segment 7 vs 4) or side."""
    if (track.kind == "incidental") != (finding.kind == "incidental"):
        return False
    if track.organ and finding.organ and track.organ != finding.organ:
        return False
    if track.detail and finding.detail and not same_detail(track.detail, finding.detail):
        return False
    return not (track.side and finding.side and track.side != finding.side)


def _size_score(track: Track, finding: Finding) -> float:
    last, now = track.last_size(), finding.size_mm
    prior = finding.reading.prior.mm if finding.reading and finding.reading.prior else None
    if last is not None and prior is not None:
        return 2.0 if abs(prior - last) <= max(2.0, 0.15 * last) else -1.0
    if last is not None and now is not None:
        ratio = max(last, now) / max(min(last, now), 0.1)
        return 0.5 if ratio <= 2.5 else -1.0
    return 0.0


def match_score(track: Track, finding: Finding) -> float | None:
    """How well ``finding`` continues ``track``; None where it cannot."""
    if not compatible(track, finding):
        return None
    score = 1.0 if track.organ and track.organ == finding.organ else 0.0
    if track.detail and finding.detail:
        score += 3.0
    elif track.detail or finding.detail:
        score -= 0.5
    if track.side and track.side == finding.side:
        score += 1.0
    score += 0.5 * len(_words(track.label) & _words(finding.label))
    score += _size_score(track, finding)
    return score - (2.0 if finding.status == "new" else 0.0)


def _response(track: Track, finding: Finding, first_exam: bool) -> str:
    previous = track.last_size()
    now = finding.size_mm
    prior = finding.reading.prior.mm if finding.reading and finding.reading.prior else None
    if finding.status in ("treated", "resected", "resolved"):
        return _STATUS_RESPONSE[finding.status]
    if not track.observations:
        if first_exam:
            return "baseline"
        if finding.status in ("stable", "increased", "decreased") or prior is not None:
            previous = prior
        else:
            return "new"
    base = previous if previous is not None else prior
    if base is not None and now is not None and base > 0:
        change = (now - base) / base
        if change >= INCREASE_FRACTION and now - base >= INCREASE_FLOOR_MM:
            return "increased"
        if change <= -DECREASE_FRACTION:
            return "decreased"
        return "stable"
    return _STATUS_RESPONSE.get(finding.status or "", "stable")


def _assign(tracks: list[Track], findings: list[Finding]) -> list[tuple[Finding, Track | None]]:
    pairs = []
    for finding in findings:
        for track in tracks:
            score = match_score(track, finding)
            if score is not None and score >= 1.0:
                pairs.append((score, id(finding), finding, track))
    pairs.sort(key=lambda p: -p[0])
    used_tracks: set[str] = set()
    chosen: dict[int, Track] = {}
    for _, key, _finding, track in pairs:
        if key in chosen or track.lesion_id in used_tracks:
            continue
        chosen[key] = track
        used_tracks.add(track.lesion_id)
    return [(f, chosen.get(id(f))) for f in findings]


def _gone(reading: ReportReading, track: Track) -> bool:
    if track.kind == "incidental":
        return False
    for negation in reading.negations:
        if negation.no_disease and negation.organ in (None, track.organ):
            return True
        if track.kind == "node" and negation.node and not negation.no_new:
            return True
    return False


def specific(findings: list[Finding]) -> list[Finding]:
    """Findings without the umbrella terms: a plural noun with no size and no detail
    ("lung metastases") where the same report measures findings of that organ."""
    def umbrella(f: Finding) -> bool:
        return f.plural and f.size_mm is None and f.detail is None and f.kind != "incidental" \
            and any(g is not f and g.organ == f.organ and g.size_mm for g in findings)
    return [f for f in findings if not umbrella(f)]


def build_tracks(exams: list[Exam], readings: list[ReportReading]) -> list[Track]:
    """The lesion table of one patient: ``exams`` and ``readings`` oldest first."""
    tracks: list[Track] = []
    for index, (exam, reading) in enumerate(zip(exams, readings, strict=True)):
        seen: set[str] = set()
        for finding, track in _assign(tracks, specific(reading.findings)):
            if track is None:
                track = Track(f"L{len(tracks) + 1}", finding.kind, finding.organ, finding.detail,
                              finding.side, finding.label, finding.detail_text)
                tracks.append(track)
            if track.lesion_id in seen:
                continue
            seen.add(track.lesion_id)
            present = finding.status != "resolved"
            response = _response(track, finding, index == 0) if present else "resolved"
            track.observations.append(Observation(exam, present, finding, finding.status,
                                                  response))
            if not track.detail:
                track.detail, track.detail_text = finding.detail, finding.detail_text
            track.side = track.side or finding.side
            track.organ = track.organ or finding.organ
        for track in tracks:
            last = track.last()
            if track.lesion_id in seen or last is None or not last.present:
                continue
            if _gone(reading, track):
                track.observations.append(Observation(exam, False, None, "resolved", "resolved"))
    return tracks
