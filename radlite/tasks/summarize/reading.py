"""Reading one report at lesion level: every asserted finding with site, sizes and status.

Key terms:

- a *head* is the noun of a finding ("metastasis", "lymph node", "mass"); vessels and
  landmarks ("right and middle hepatic veins", "SMA") are blanked out first, so they are
  never a head and never give a site ("hepatic" inside "hepatic veins" is not the liver);
- a *site head* is a site detail written with a size but no noun ("Segment 7, 3.8 cm");
- a head's *pre-context* is the text back to the previous boundary (another head, a size,
  a comma, "and", "with", a parenthesis); its site, side and status are looked for there
  first, then just after it;
- a size belongs to the head right after it when only modifiers lie between ("5.2 cm
  sigmoid colon mass"), else to the nearest head before it ("pericolic nodes up to 11 mm"
  gives 11 mm to the nodes, not the mass), else to the nearest head after it.

Negated heads (the shared NegEx engine of :mod:`radlite.text.negex`) and heads inside a
"no new lesions" / "no evidence of disease" phrase are never findings: they are kept as
:class:`Negation` so that status can use them and the lesion table cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radlite.tasks.summarize.measure import Reading, readings, suv_values
from radlite.tasks.summarize.vocabulary import vocabulary
from radlite.text.negex import certainty, load_cues_with
from radlite.text.sentences import Sentence, split_items, split_sentences

_BOUNDARY = re.compile(r",|;|:|\(|\)|\band\b|\bwith\b|\bbut\b|\bwhich\b|\bwhereas\b|"
                       r"\bwhile\b|\bin keeping\b|\bconsistent\b|\bcompared\b", re.IGNORECASE)
_FILLER = re.compile(r"^(?:the|a|an|of|in|within|at|is|are|known|previously|seen|again|"
                     r"index|dominant|target|largest|measuring|measures|measured|now|up|to|"
                     r"interval|noted|there|size|again|redemonstrated|multiple|several|few|"
                     r"two|three|four|innumerable|numerous|scattered|adjacent|additional|other|"
                     r"remaining|residual|some|baseline|first|second|third|fourth|another|"
                     r"further|separate)$", re.IGNORECASE)
_HEDGE = re.compile(r"^(?:possible|possibly|probable|probably|likely|suspected|suspicious|"
                    r"questionable|equivocal|indeterminate|presumed|no|incidental|incidentally|"
                    r"noted|also|small|tiny|subcentimeter|subcentimetre)$", re.IGNORECASE)
#: Text between two nouns saying the second characterises the first ("nodules, consistent
#: with metastases"): one finding, not two.
_CHARACTERISES = re.compile(
    r"^[\s,(]*(?:(?:most |highly )?(?:likely|probably|consistent with|compatible with|in keeping "
    r"with|suggestive of|suspicious (?:for|of)|concerning for|representing|typical of|"
    r"favou?ring|favou?red to (?:be|represent)|(?:which |that )?(?:is|are|was|were) "
    r"(?:likely |probably )?(?:consistent with|compatible with|in keeping with|suspicious for|"
    r"confirmed as|now)|confirmed as|suggesting|representing))\s+(?:an?\s+|the\s+)?"
    r"(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
_STOP = re.compile(r"^(?:these|this|those|that|which|may|might|could|represent|represents|"
                   r"or|favou?red|favou?rs|to|be|is|are|was|were|has|have|shows?|showing|"
                   r"demonstrates?|there|its|their|for|by|than|as|on|from|into|likely)$",
                   re.IGNORECASE)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "iva": "4a", "ivb": "4b", "v": "5",
          "vi": "6", "vii": "7", "viii": "8"}
_LOBES = {"rul": "right upper lobe", "rml": "right middle lobe", "rll": "right lower lobe",
          "lul": "left upper lobe", "lll": "left lower lobe", "lml": "left middle lobe"}
#: Status precedence when a clause holds several change words.
STATUS_ORDER = ("resolved", "resected", "treated", "new", "increased", "decreased", "stable")


@dataclass
class Finding:
    """One asserted finding of one report.

    Attributes:
        report_id: the report it was read from.
        field: ``impression`` or ``findings``.
        kind: ``tumour``, ``lesion``, ``node``, ``uptake``, ``incidental`` or ``site``.
        head: the noun as written.
        label: the noun with its site words as written ("segment 7 metastasis").
        organ: organ or region (``liver``, ``lymph node``, ...) or None.
        detail: segment/lobe/station/level, normalised ("segment 7"), or None.
        detail_text: the detail as written ("S7", "RUL").
        side: ``right``, ``left``, ``bilateral`` or None.
        status: change word class (:data:`STATUS_ORDER`) or None.
        certainty: ``positive`` or ``possible``.
        reading: the sizes the report gives it (current and prior), or None.
        suv: ``(current, prior)`` SUV values as written, or None.
        start: sentence start in the field's text (evidence span).
        end: sentence end.
        plural: the head is plural ("metastases").
    """

    report_id: str
    field: str
    kind: str
    head: str
    label: str
    organ: str | None
    detail: str | None
    side: str | None
    status: str | None
    certainty: str
    detail_text: str | None
    reading: Reading | None
    suv: tuple[str, str | None] | None
    start: int
    end: int
    plural: bool = False

    @property
    def size_mm(self) -> float | None:
        """Current size in mm, or None."""
        return self.reading.current.mm if self.reading and self.reading.current else None


@dataclass
class Negation:
    """A negated or normal statement: never a finding, but it informs status."""

    text: str
    no_disease: bool
    no_new: bool
    organ: str | None
    node: bool = False


@dataclass
class ReportReading:
    """Everything read from one report."""

    report_id: str
    findings: list[Finding] = field(default_factory=list)
    negations: list[Negation] = field(default_factory=list)
    therapies: list[str] = field(default_factory=list)

    @property
    def no_disease(self) -> bool:
        """The report says no disease remains."""
        return any(n.no_disease for n in self.negations)

    @property
    def no_new(self) -> bool:
        """The report says nothing new appeared."""
        return any(n.no_new or n.no_disease for n in self.negations)


def normalise_detail(text: str) -> str:
    """"S7", "segment VII" -> "segment 7"; "RLL" -> "right lower lobe"; lower case."""
    low = re.sub(r"\s+", " ", text.strip().lower())
    if low in _LOBES:
        return _LOBES[low]
    m = re.fullmatch(r"s([1-8])", low)
    if m:
        return f"segment {m.group(1)}"
    m = re.fullmatch(r"segments? (\w+)(.*)", low)
    if m:
        return f"segment {_ROMAN.get(m.group(1), m.group(1))}{m.group(2)}"
    return re.sub(r"^stations ", "station ", low)


def _cues():
    return load_cues_with("radlite.tasks.summarize", "cues_series.yaml")


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _boundary_before(text: str, position: int, floor: int) -> int:
    cut = floor
    for m in _BOUNDARY.finditer(text, floor, position):
        cut = m.end()
    return cut


def _boundary_after(text: str, position: int, ceiling: int) -> int:
    m = _BOUNDARY.search(text, position, ceiling)
    return m.start() if m else ceiling


def _nearest(matches: list[tuple[re.Match[str], str]], lo: int, hi: int, anchor: int
             ) -> tuple[re.Match[str], str] | None:
    inside = [(m, k) for m, k in matches if lo <= m.start() and m.end() <= hi]
    return min(inside, key=lambda mk: abs(mk[0].start() - anchor), default=None)


def _label(text: str, lo: int, head_end: int) -> str:
    """The head with its modifiers as written, without change, hedge or size words."""
    piece = vocabulary().status.pattern.sub(" ", text[lo:head_end])
    piece = re.sub(r"\d+(?:\.\d+)?\s*(?:x|×|by)\s*(?=\d)|\d+(?:\.\d+)?\s*(?:mm|cm)\b", " ", piece)
    words = re.findall(r"[A-Za-z0-9][\w/-]*", piece)
    words = [w for w in words if not _HEDGE.match(w)]
    for index in range(len(words) - 1, -1, -1):
        if _STOP.match(words[index]):
            words = words[index + 1:]
            break
    while words and (_FILLER.match(words[0]) or re.fullmatch(r"[\d.]+", words[0])):
        words.pop(0)
    return " ".join(_uncap(w) for w in words[-5:])


def _uncap(word: str) -> str:
    """Sentence-start capitals off ("Lytic" -> "lytic"); acronyms ("RUL", "LR-5") kept."""
    return word[0].lower() + word[1:] if len(word) > 1 and word[1:].islower() else word


#: A line's leading label when what follows it opens with a negation ("Nodes: no ...").
_NEGATED_LABEL = re.compile(r"\s*[A-Za-z][A-Za-z /&-]{0,40}:\s*(?=(?:no|not|without|negative|"
                            r"none)\b)", re.IGNORECASE)


class _SentenceReader:
    """Reads the findings of one sentence (see the module docstring)."""

    def __init__(self, sentence: Sentence, report_id: str, field_name: str,
                 header_organ: str | None) -> None:
        vocab = vocabulary()
        self.sentence = sentence
        self.report_id, self.field_name, self.header_organ = report_id, field_name, header_organ
        self.text = sentence.text
        self.masked = _blank(self.text, vocab.landmarks)
        self.organs = vocab.organs.finditer(self.masked)
        self.sides = vocab.sides.finditer(self.masked)
        self.status = vocab.status.finditer(self.masked)
        self.details = list(vocab.details.finditer(self.masked))
        self.readings = readings(self.masked)
        self.negated_spans = [(m.start(), m.end()) for p in (vocab.no_disease, vocab.no_new)
                              for m in p.finditer(self.masked)]

    def heads(self) -> list[tuple[int, int, str]]:
        """Head spans with kinds; adjacent heads merge, site heads added."""
        raw = [(m.start(), m.end(), k) for m, k in vocabulary().heads.finditer(self.masked)]
        merged: list[tuple[int, int, str]] = []
        for start, end, kind in raw:
            if merged and not self.masked[merged[-1][1]:start].strip():
                prev = merged[-1]
                merged[-1] = (prev[0], end, prev[2] if prev[2] != "lesion" else kind)
            else:
                merged.append((start, end, kind))
        merged = [h for i, h in enumerate(merged)
                  if not (i and _CHARACTERISES.match(self.masked[merged[i - 1][1]:h[0]]))]
        if any(k != "uptake" and k != "incidental" for _, _, k in merged):
            merged = [h for h in merged if h[2] != "uptake"]
        for m in self.details:
            between = [h for h in merged if m.end() <= h[0] <= m.end() + 12]
            size_next = next((r for r in self.readings if r.current and
                              0 <= r.start - m.end() <= 14), None)
            if size_next and not between and not any(h[0] <= m.start() < h[1] for h in merged) \
                    and not re.search(r"[A-Za-z]{3,}", self.masked[m.end():size_next.start]):
                merged.append((m.start(), m.end(), "site"))
        label = _NEGATED_LABEL.match(self.masked)
        if label:  # "Nodes: no lymphadenopathy": the label names what the line negates
            merged = [h for h in merged if h[0] >= label.end()]
        if not merged:
            merged = self._status_sites()
        return sorted(merged)

    def _status_sites(self) -> list[tuple[int, int, str]]:
        """A site named with a treated/resected/resolved word but no noun ("status post
        sigmoid resection") becomes a site head."""
        if not any(k in ("resected", "treated", "resolved") for _, k in self.status):
            return []
        site = self.details[0] if self.details else None
        return [(site.start(), site.end(), "site")] if site else []

    def attach(self, heads: list[tuple[int, int, str]]) -> dict[int, Reading]:
        """Readings by head index (first reading per head wins)."""
        out: dict[int, Reading] = {}
        for reading in self.readings:
            follow = [i for i, h in enumerate(heads) if 0 <= h[0] - reading.end <= 30
                      and not re.search(r"[,;()]", self.masked[reading.end:h[0]])]
            before = [i for i, h in enumerate(heads) if h[1] <= reading.start]
            after = [i for i, h in enumerate(heads) if h[0] >= reading.end]
            target = follow[0] if follow else (before[-1] if before else
                                               (after[0] if after else None))
            if target is not None and target not in out:
                out[target] = reading
        return out

    def read(self) -> tuple[list[Finding], list[Negation]]:
        """The sentence's findings and negations."""
        heads = self.heads()
        sizes = self.attach(heads)
        findings: list[Finding] = []
        negations: list[Negation] = []
        vocab = vocabulary()
        no_disease = any(_unqualified(m.group(0)) for m in vocab.no_disease.finditer(self.masked))
        regional = [m for m in vocab.no_disease.finditer(self.masked) if not _unqualified(m.group(0))]
        no_new = bool(vocab.no_new.search(self.masked))
        for index, (start, end, kind) in enumerate(heads):
            floor = heads[index - 1][1] if index else 0
            ceiling = heads[index + 1][0] if index + 1 < len(heads) else len(self.text)
            pre = _boundary_before(self.masked, start, floor)
            post = _boundary_after(self.masked, end, ceiling)
            organ_hit = _nearest(self.organs, pre, post, start)
            inside = any(a <= start < b for a, b in self.negated_spans)
            sure = "negative" if inside else certainty(self.text, start, end, _cues()) \
                if kind != "site" else "positive"
            if sure == "negative":
                negations.append(Negation(self.text, no_disease, no_new,
                                          organ_hit[1] if organ_hit else None, kind == "node"))
                continue
            if kind == "uptake" and index not in sizes:
                continue
            findings.append(self._finding(start, end, kind, pre, post, ceiling, organ_hit,
                                          sizes.get(index), sure, findings))
        if not heads and (no_disease or no_new):
            negations.append(Negation(self.text, no_disease, no_new, None))
        for m in regional:
            organ_hit = vocab.organs.pattern.search(m.group(0))
            if organ_hit:
                negations.append(Negation(self.text, True, True, vocab.organs.kind(organ_hit)))
        return findings, negations

    def _finding(self, start: int, end: int, kind: str, pre: int, post: int, ceiling: int,
                 organ_hit: tuple[re.Match[str], str] | None, reading: Reading | None,
                 sure: str, earlier: list[Finding]) -> Finding:
        detail = next((m for m in self.details if pre <= m.start() and m.end() <= post), None)
        if kind == "site":
            detail = next((m for m in self.details if m.start() == start), None)
        side = _nearest(self.sides, pre, post, start)
        organ = organ_hit[1] if organ_hit else None
        if kind == "node":
            organ = "lymph node"
        if organ is None and detail is not None:
            hit = vocabulary().organs.pattern.search(detail.group(0))
            organ = vocabulary().organs.kind(hit) if hit else None
        if organ is None:
            organ = earlier[-1].organ if earlier else self.header_organ
        status = self._status(pre, start, end, ceiling)
        head = self.text[start:end]
        suv = suv_values(self.text[pre:ceiling])
        return Finding(
            report_id=self.report_id, field=self.field_name, kind=kind, head=head,
            label=(detail.group(0) if kind == "site" and detail else
                   _label(self.text, pre, end) or head), organ=organ,
            detail=normalise_detail(detail.group(0)) if detail else None,
            side=side[1] if side else None, status=status, certainty=sure,
            detail_text=detail.group(0) if detail else None, reading=reading,
            suv=suv[0] if suv else None, start=self.sentence.start, end=self.sentence.end,
            plural=bool(re.search(r"(?:es|s|i)$", head.strip(), re.I)) and kind != "site")

    def _status(self, pre: int, start: int, end: int, ceiling: int) -> str | None:
        before = [(m, k) for m, k in self.status if pre <= m.start() and m.end() <= start]
        if before:
            return max(before, key=lambda mk: mk[0].start())[1]
        after = [k for m, k in self.status if end <= m.start() and m.end() <= ceiling]
        return min(after, key=STATUS_ORDER.index) if after else None


_GLOBAL_WORDS = re.compile(r"^(?:no|evidence|of|residual|recurrent|measurable|active|definite|"
                           r"metastatic|malignant|disease|tumou?r|malignancy|"
                           r"complete|metabolic|radiological|radiographic|response|"
                           r"recurrence|metastas[ie]s|CT|MRI|PET|imaging|deauville|score|[12])$",
                           re.IGNORECASE)


def _unqualified(text: str) -> bool:
    """A no-disease phrase without a region ("no evidence of metastatic disease", not
    "no extrahepatic disease"): it speaks for the whole patient."""
    return all(_GLOBAL_WORDS.match(w) for w in re.findall(r"[\w-]+", text))


def _header_organ(header: str) -> str | None:
    hit = vocabulary().organs.pattern.search(header) if header else None
    return vocabulary().organs.kind(hit) if hit else None


def read_text(text: str, report_id: str, field_name: str) -> ReportReading:
    """Findings and negations of one field's text (impressions: list items split)."""
    out = ReportReading(report_id)
    sentences = split_items(text) if field_name == "impression" else split_sentences(text)
    for sentence in sentences:
        reader = _SentenceReader(sentence, report_id, field_name, _header_organ(sentence.header))
        findings, negations = reader.read()
        out.findings.extend(findings)
        out.negations.extend(negations)
    out.therapies = list(dict.fromkeys(m.group(0) for m in vocabulary().therapy.finditer(text)))
    return out


def read_report(report: dict, report_id: str) -> ReportReading:
    """Read a report at lesion level: its impression, the radiologist's own selection of
    what matters. The findings section is read only where the impression asserts no
    finding and states no negation (an impression-less or empty-impression report):
    findings describe every structure and would add lesions the reader chose to leave out.
    """
    impression = read_text(str(report.get("impression") or ""), report_id, "impression")
    findings_text = report.get("findings")
    if impression.findings or impression.negations or not isinstance(findings_text, str):
        return impression
    return read_text(findings_text, report_id, "findings")
