"""Deterministic candidate findings: which sentences talk about which organ, and what.

A *candidate* is one finding-type phrase in one sentence, assigned to the organ whose
cue is nearest to it (or to the section's organs when the sentence names none), with
its rule-based certainty and urgency. Phrases nearer to a non-listed structure
("adrenal nodule", "ureteral stone") are dropped. Laterality: a kidney cue belongs to
the side named just before it, else to the side(s) named in the sentence or section,
else to both kidneys; when a phrase would go to both kidneys, a side word in its clause
picks the side ("Kidneys: right 1.5 cm angiomyolipoma; left normal"). Side words
include "R"/"L", "rt"/"lt" and Korean 우측/좌측/양측. Exam-title lines ("... protocol")
are skipped.

Attribution details: an organ word inside a longer non-organ structure ("renal vein",
"transplant kidney") is no organ cue; a finding word that itself names an organ
("diverticulum" -> colon) yields to another organ named just before it ("duodenal
diverticulum"); and an organ named in the finding's own comma clause wins over a nearer
one in the next clause; a clause after a semicolon that names no organ continues the
organ(s) of the clause before it, and a phrase right after a coordinated list of organs
("ileum and caecum wall thickening") belongs to all of them. Sentences in a reason
section ("Clinical history:", "Indication:", :mod:`radlite.text.sections`) give only
absent, postsurgical, device and anatomy findings (with their default urgency): a
diagnosis in the history is not a finding of this exam; technique sections give only
limits that name their organs ("motion limits evaluation of the liver"); comparison
sections give none.

Reading other writers: the report is read with its shorthand and dictation homophones
expanded (:mod:`radlite.text.abbreviations`; offsets map back, so evidence is verbatim);
an unpunctuated (dictated) report is cut into clauses
(:func:`radlite.text.sentences.split_run_on`); in a report that marks items "+"/"-", a
"-" item is absent; a limitation phrase is negated only within its own clause ("No IV
contrast due to AKI, limits evaluation of the liver"); a phrase that names its organs or
stands right before or after an organ list ("limits evaluation of the liver, spleen and
pancreas") belongs to every organ of it; an adjective of a non-listed structure belongs
to it ("enlarged retroperitoneal nodes"); a Korean predicate belongs to an organ named
before it (Korean is verb-final), and a Korean topic ("소장 및 대장은 ...") owns the
predicate however far it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from radlite.tasks.abdct.lexicon import Lexicon, load_lexicon, technique_cause, urgency_of
from radlite.text.abbreviations import Expanded, expand
from radlite.text.negex import Certainty, CueSet, certainty, load_cues_with
from radlite.text.sections import in_spans, sections
from radlite.text.sentences import (
    HEADER_EXTENDED,
    Sentence,
    split_run_on,
    split_sentences,
    unpunctuated,
)

_TITLE = re.compile(r"\bprotocol\b", re.IGNORECASE)  # exam titles: "... RENAL MASS PROTOCOL"
_SIDE = re.compile(
    r"(?<![A-Za-z0-9])(right|left|bilateral(?:ly)?|both|rt|lt|(?-i:[RL])|[rl](?=\.? (?:kidney|renal)))"
    r"(?:-sided)?(?![A-Za-z0-9-])"
    r"|(우측|좌측|양측|양쪽|오른쪽|왼쪽|[좌우](?=신(?![가-힣]{2})))", re.IGNORECASE)
_SIDE_WORDS = {"rt": "right", "r": "right", "우측": "right", "오른쪽": "right",
               "lt": "left", "l": "left", "좌측": "left", "왼쪽": "left", "좌": "left", "우": "right",
               "bilateral": "both", "bilaterally": "both", "양측": "both", "양쪽": "both"}
_CLAUSE = re.compile(r"[,;]")
# Words after which no new clause (or noun phrase) begins.
_BINDING_WORDS = (r"of|in|to|from|with|within|into|the|a|an|and|or|for|at|on|by|near|along|"
                  r"abutting|involving|surrounding|around|than|between|is|are|was|were|be|"
                  r"been|there|shows?|demonstrates?|without|no|also|both|right|left|mid|"
                  r"proximal|distal|entire|upper|lower|any|evidence|not")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# "+ wall thickening", "- stones": a report that marks items with "+" marks absent ones
# with "-" (a leading "-" is otherwise only a bullet).
_PLUS_ITEM = re.compile(r"(?:^|[:;,]|\n)[ \t]*\+[ \t]*(?=\w)")
_SIGN_ITEM = re.compile(r"(?:^|(?<=[:;,\n]))[ \t]*([+-])[ \t]*(?=\w)")
_COPULA_ABSENT = re.compile(r"(?:is|are) (?:absent|not )", re.IGNORECASE)
_PAREN = re.compile(r"\s*\([^)]*\)")
# Types taken from a reason section (what was done to the patient, not a diagnosis) and
# from a technique section (a limit of this exam that names its organs).
_SECTION_TYPES = {"reason": frozenset({"absent", "postsurgical", "device", "anatomy"}),
                  "technique": frozenset({"quality"})}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate finding.

    Attributes:
        organ: organ name.
        type: finding type (``findings.yaml``).
        certainty: ``positive``, ``possible`` or ``negative`` (rule-based).
        urgency: 0-3 (rule-based; meaningful when present).
        sentence: the sentence.
        start: start offset of the phrase inside the sentence.
        end: end offset inside the sentence.
    """

    organ: str
    type: str
    certainty: Certainty
    urgency: int
    sentence: Sentence
    start: int
    end: int


# "Both kidneys", "bilateral renal": a side word that only qualifies a kidney cue.
_BOTH_CUE = re.compile(r"\b(?:both|bilateral(?:ly)?)\s+(?:kidneys|renal)\b", re.IGNORECASE)
# A header that is only a side ("R:", "Left:") is a kidney section.
_SIDE_HEADERS = {"r": "right", "rt": "right", "right": "right",
                 "l": "left", "lt": "left", "left": "left"}


def _sides(text: str) -> set[str]:
    """``right``/``left`` named in ``text`` (both for "bilateral", "both", "양측")."""
    words = {(m.group(1) or m.group(2)).lower() for m in _SIDE.finditer(text)}
    found = {_SIDE_WORDS.get(w, w) for w in words}
    if "both" in found:
        return {"right", "left"}
    return found & {"right", "left"}


def _inside(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    """True when ``span`` lies inside a longer span of ``others``."""
    return any(s <= span[0] and span[1] <= e and e - s > span[1] - span[0] for s, e in others)


def _organ_spans(lex: Lexicon, sent: Sentence,
                 others: list[tuple[int, int]] = ()) -> list[tuple[str, int, int]]:
    """``(organ, start, end)`` of every organ cue in the sentence, laterality resolved.

    A cue inside a longer non-organ structure of ``others`` ("renal vein") is skipped.
    """
    spans: list[tuple[str, int, int]] = []
    text = sent.text
    context = _sides(text) or _sides(sent.header) or _header_side(sent.header)
    others = list(others)
    for organ in lex.organs:
        for m in organ.cues.finditer(text):
            if _inside((m.start(), m.end()), others):
                continue
            if organ.side:
                before = _sides(text[max(0, m.start() - 25):m.end() + 12])
                plural = m.group(0).lower().endswith("kidneys")
                sides = before or ({"right", "left"} if plural else context or {"right", "left"})
                if organ.side not in sides:
                    continue
            spans.append((organ.name, m.start(), m.end()))
    return spans


def _clause(text: str, start: int) -> tuple[int, int]:
    """Bounds of the clause (between commas or semicolons) holding ``start``."""
    lo = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    hi = next((m.start() for m in _CLAUSE.finditer(text, start)), len(text))
    return lo, hi


def _clause_sides(text: str, start: int, refine: bool = True) -> set[str]:
    """Side words in the clause (between commas or semicolons) holding ``start``; with
    ``refine``, a "both kidneys" yields to another side word of the clause."""
    lo, hi = _clause(text, start)
    sides = _sides(text[lo:hi])
    if refine and sides == {"right", "left"}:
        # "Both kidneys are normal apart from a cyst in the left upper pole": the side
        # word that qualifies the plural cue does not choose the side of the finding.
        sides = _sides(_BOTH_CUE.sub(" ", text[lo:hi])) or sides
    return sides


def _header_side(header: str) -> set[str]:
    """The side of a side-only header ("R:", "Lt:"; headers are lower case)."""
    side = _SIDE_HEADERS.get(header.strip())
    return {side} if side else set()


def _header_organs(lex: Lexicon, header: str) -> list[str]:
    """Organs of a section header: listed header words, else the organs the label names;
    a side-only header ("R:", "Left:") stands for that side's kidney."""
    if not header:
        return []
    if side := _header_side(header):
        return [o.name for o in lex.organs if o.side in side]
    sides = _sides(header)
    label = _PAREN.sub("", header).strip()
    out = []
    for organ in lex.organs:
        bowel = organ.name.endswith("bowel") and label in lex.bowel_headers
        if label in organ.headers or bowel:
            if organ.side and sides and organ.side not in sides:
                continue
            out.append(organ.name)
    if out:
        return out
    others = [(m.start(), m.end()) for m in lex.others.finditer(header)]
    named = _organ_spans(lex, Sentence(0, len(header), header, header), others)
    return list(dict.fromkeys(name for name, _, _ in named))


def _type_hits(lex: Lexicon, text: str) -> list[tuple[int, int, str]]:
    """Finding-type phrases, longest first where they overlap."""
    hits = [(m.start(), m.end(), t) for t, p in lex.types.items() for m in p.finditer(text)]
    kept: list[tuple[int, int, str]] = []
    for start, end, t in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, t))
    return sorted(kept)


# What may stand between two coordinated organ cues: "ileum and cecum", "소장 (ileum) 및
# cecum", "cecum ~ ascending colon", "stomach, duodenum".
_COORD_GAP = re.compile(r"(?:\s+(?:dome|tip|head|neck|body|tail|fundus|antrum|pole|lobe|"
                        r"portion|part|wall)s?)?"
                        r"[\s()]*(?:(?:and|or|및|와|과|,|/|~|&|to)[\s()]*)?(?:ascending|descending|"
                        r"transverse|proximal|distal|terminal|the|right|left|both|bilateral|"
                        r"양측|우측|좌측)?[\s()]*", re.IGNORECASE)
# What may stand between a phrase and the organ list it is about: "limits evaluation of
# the liver and spleen", "degrades the liver and spleen".
_LEAD = re.compile(r"\s*(?:(?:is|are)\s+)?(?:(?:seen|noted)\s+)?"
                   r"(?:(?:of|in|on|for|at|within|involving|affecting)\s+)?(?:(?:the|both)\s+)?",
                   re.IGNORECASE)
_COORD_WORD = re.compile(r"(?<![A-Za-z])(?:and|or|to)(?![A-Za-z])|[및와과,/~&]", re.IGNORECASE)


def _is_list(text: str, chain: list[tuple[str, int, int]]) -> bool:
    """True when ``chain`` (organ cues in text order) is one coordinated list."""
    if len({name for name, _, _ in chain}) < 2:
        return False
    gaps = [text[a[2]:b[1]] for a, b in zip(chain, chain[1:], strict=False)]
    # a Korean cue may carry its conjunctive particle ("췌장과 양측 신장")
    joined = [text[a[2] - 1] in "과와" for a in chain[:-1]]
    return all(_COORD_GAP.fullmatch(g) for g in gaps) and (
        any(_COORD_WORD.search(g) for g in gaps) or any(joined))


def _topic(text: str, cue: tuple[str, int, int]) -> bool:
    """True when a Korean topic particle ends the cue ("대장은"): its clause runs to the
    predicate however long."""
    return text[cue[2] - 1:cue[2] + 1].rstrip()[-1:] in ("은", "는")


def _coordinated(text: str, hit: tuple[int, int, str],
                 organs: list[tuple[str, int, int]]) -> list[str]:
    """Organs of a coordinated list right before the phrase ("ileum and cecum wall
    thickening") or right after it ("limits evaluation of the liver and spleen"): all of
    them own it. Empty when the cues around it are no such list."""
    before = sorted((o for o in organs if o[2] <= hit[0]), key=lambda o: o[1])
    near = before and (len(text[before[-1][2]:hit[0]].split()) <= 3 or _topic(text, before[-1]))
    if near and _is_list(text, before):
        return sorted({name for name, _, _ in before})
    after = sorted((o for o in organs if o[1] >= hit[1]), key=lambda o: o[1])
    if after and _LEAD.fullmatch(text[hit[1]:after[0][1]]):
        chain = [after[0]]
        for cue in after[1:]:
            if not _COORD_GAP.fullmatch(text[chain[-1][2]:cue[1]]):
                break
            chain.append(cue)
        if _is_list(text, chain):
            return sorted({name for name, _, _ in chain})
    return []


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


_OF_GAP = re.compile(r"\s+(?:of|in)\s+(?:the\s+|a\s+)?", re.IGNORECASE)
_NP_GAP = re.compile(r"(?:\s+[A-Za-z-]+){0,3}?\s+")
_NP_BREAK = re.compile(rf"\b(?:{_BINDING_WORDS})\b", re.IGNORECASE)


def _modifies_other(text: str, hit: tuple[int, int, str], others: list[tuple[int, int]]) -> bool:
    """True when the phrase is an adjective of a non-listed structure a few words on, in
    the same noun phrase ("enlarged pericolic lymph nodes"): the head noun owns it."""
    for start, _ in others:
        gap = text[hit[1]:start]
        if start >= hit[1] and _NP_GAP.fullmatch(gap) and not _NP_BREAK.search(gap):
            return True
    return False


def _listed(text: str, hit: tuple[int, int, str], organs: list[tuple[str, int, int]]
            ) -> list[str]:
    """Organs a phrase names inside itself ("assessment of the liver and spleen is
    limited") or the organ list right before or after it (commas and all); else []."""
    inside = {name for name, s, e in organs
              if hit[0] <= s and e <= hit[1] and e - s < hit[1] - hit[0]}
    if inside:
        return sorted(inside)
    return _coordinated(text, hit, organs) if text else []


def _yielded(text: str, hit: tuple[int, int, str], organs: list[tuple[str, int, int]],
             others: list[tuple[int, int]]) -> list[str] | None:
    """Owners of a phrase that names its organ itself ("diverticulum", "hydronephrosis")
    when another structure claims it: ``[]`` for a non-listed one ("ureteral
    hydronephrosis", "hydronephrosis of the transplant kidney"), the organ named right
    before it ("duodenal diverticulum"); None when nothing claims it."""
    own = {name for name, s, e in organs if s <= hit[0] and hit[1] <= e}
    if not own:
        return None
    if any(e <= hit[0] and not text[e:hit[0]].strip() for _, e in others) or any(
            _OF_GAP.fullmatch(text[hit[1]:s]) for s, _ in others if s >= hit[1]):
        return []
    before = {name for name, s, e in organs
              if name not in own and e <= hit[0] and not text[e:hit[0]].strip()}
    return sorted(before) if before else None


def _owners(hit: tuple[int, int, str], organs: list[tuple[str, int, int]],
            others: list[tuple[int, int]], fallback: list[str], text: str = "",
            normal: bool = False) -> list[str]:
    """Organs a phrase belongs to: the nearest organ cue(s), unless another structure is nearer.

    Organ cues in the phrase's own clause are preferred, and a phrase that names its
    organ itself yields to a structure named right before it ("duodenal diverticulum").
    A quality phrase in a sentence that also states normality (``normal``) belongs to all
    the organs named, like the normal statement.
    """
    span = (hit[0], hit[1])
    if text and _modifies_other(text, hit, others):
        return []
    if not organs:
        near_other = min((_distance(span, o) for o in others), default=None)
        return [] if near_other is not None and near_other < 40 else fallback
    if hit[2] == "normal" or (hit[2] == "quality" and normal):
        # "Liver, spleen and pancreas are unremarkable within the limits of a
        # noncontrast study": the limit qualifies every organ of the normal statement
        return sorted({name for name, _, _ in organs})
    if listed := _listed(text, hit, organs):
        return listed
    lo, hi = _clause(text, hit[0]) if text else (0, 0)
    local = [o for o in organs if lo <= o[1] and o[2] <= hi]
    if _HANGUL.match(text[hit[0]:hit[1]]) and (subject := [o for o in local if o[2] <= hit[0]]):
        # Korean is verb-final: a Korean predicate belongs to an organ named before it
        # ("담낭벽이 ... 두꺼워져 있는데 cirrhosis ...")
        local = subject
    if not local and any(lo <= s and e <= hi for s, e in others):
        return []
    if local:
        # the phrase's own clause decides: a structure beyond a comma does not compete
        others = [o for o in others if lo <= o[0] and o[1] <= hi]
    organs = local or organs
    if text and (yielded := _yielded(text, hit, organs, others)) is not None:
        return yielded
    best = min(_distance(span, (s, e)) for _, s, e in organs)
    if any(_distance(span, o) < best for o in others):
        return []
    return sorted({name for name, s, e in organs if _distance(span, (s, e)) == best})


def _subject_organ(text: str, hit: tuple[int, int, str],
                   organs: list[tuple[str, int, int]]) -> bool:
    """True when an organ cue is the subject right before the phrase (at most two words
    between: "the gallbladder itself is not seen")."""
    return any(e <= hit[0] and len(text[e:hit[0]].split()) <= 2 for _, _, e in organs)


def _signed_absent(text: str, hit: tuple[int, int, str]) -> bool:
    """True when the item holding the phrase is marked "-" in a report that marks items
    with "+" and "-" (the caller checks that the report does)."""
    marks = [m for m in _SIGN_ITEM.finditer(text) if m.end() <= hit[0]]
    return bool(marks) and marks[-1].group(1) == "-" and not re.search(
        r"[:;,]", text[marks[-1].end():hit[0]])


def _certainty(text: str, hit: tuple[int, int, str], cues: CueSet,
               signed: bool = False) -> Certainty:
    """Certainty of a phrase; a limitation is read within its own clause only: in "No IV
    contrast due to AKI, limits evaluation of the liver" the "no" negates the contrast,
    not the limitation. With ``signed`` (the report marks items "+"/"-"), a phrase in a
    "-" item is negative."""
    if signed and _signed_absent(text, hit):
        return "negative"
    if hit[2] != "quality":
        return certainty(text, hit[0], hit[1], cues)
    lo, hi = _clause(text, hit[0])
    # "not well evaluated due to underdistension": the cause confirms a limitation (the
    # overlay's cue that explains a finding away by technique does not apply)
    clause = technique_cause().sub(lambda m: " " * len(m.group(0)), text[lo:hi])
    return certainty(clause, hit[0] - lo, hit[1] - lo, cues)


def _continues(text: str, before: Sentence, sent: Sentence) -> bool:
    """True when ``sent`` follows ``before`` after a semicolon on the same line."""
    gap = text[before.end:sent.start]
    return sent.header == before.header and ";" in gap and "\n" not in gap


_VERB = r"(?:is|are|was|were|appears?|demonstrates?|shows?|contains?|measures?|has|have|remains?)"


@cache
def _clause_marks(cues: tuple[str, ...]
                  ) -> tuple[re.Pattern[str], Callable[[str, re.Match[str]], bool]]:
    """Where a clause may start in run-on dictation (an organ subject, from the organ
    ``cues``, followed by its verb; "there is"; "no"), and the test of the word before a
    start that ties it to the clause before (a binding word; for an organ subject, also
    another organ word: "the liver spleen and pancreas are normal" is one subject)."""
    organs = "|".join(cues)
    starts = re.compile(
        rf"(?<![A-Za-z])(?:there (?:is|are|was|were)|no(?= )|(?P<subject>(?:(?:the|a|an) )?"
        rf"(?:{organs}))(?= (?:\S+ ){{0,3}}?{_VERB}(?![A-Za-z])))", re.IGNORECASE)
    binding = re.compile(_BINDING_WORDS, re.IGNORECASE)
    organ_word = re.compile(rf"(?:{organs})", re.IGNORECASE)

    def binds(word: str, match: re.Match[str]) -> bool:
        return bool(binding.fullmatch(word)
                    or (match.group("subject") and organ_word.fullmatch(word)))

    return starts, binds


def _walk(lex: Lexicon, text: str
          ) -> Iterator[tuple[Sentence, list[tuple[str, int, int]], list[tuple[int, int]],
                              list[str], str, bool]]:
    """Each sentence with its organ cues, other-structure cues, fallback organs (header or
    continued clause), its section kind when that limits the types it may give (``reason``,
    ``technique``; else ``""``), and whether to skip it (a comparison section)."""
    found = sections(text)
    limited = [(x.start, x.end, x.kind) for x in found if x.kind in _SECTION_TYPES]
    skipped = [(x.start, x.end) for x in found if x.kind == "comparison"]
    prev: tuple[Sentence, list[str]] | None = None
    sentences = split_sentences(text, HEADER_EXTENDED)
    if unpunctuated(text):
        starts, binds = _clause_marks(tuple(o.cues.pattern for o in lex.organs))
        sentences = [part for whole in sentences for part in split_run_on(whole, starts, binds)]
    for sent in sentences:
        others = [(m.start(), m.end()) for m in lex.others.finditer(sent.text)]
        organs = _organ_spans(lex, sent, others)
        others = [o for o in others if not _inside(o, [(s, e) for _, s, e in organs])]
        fallback = _header_organs(lex, sent.header)
        if not organs and not fallback and prev and _continues(text, prev[0], sent):
            # "Liver: no metastasis; 5 mm hypodensity in segment 2": a clause after a
            # semicolon on the same line continues the organ of the clause before it
            fallback = prev[1]
        prev = (sent, list(dict.fromkeys(n for n, _, _ in organs)) or fallback)
        skip = bool(_TITLE.search(sent.text)) or in_spans(sent.start, skipped)
        kind = next((k for s, e, k in limited if s <= sent.start < e), "")
        yield sent, organs, others, fallback, kind, skip


def _original(exp: Expanded, text: str, sent: Sentence) -> Sentence:
    """The sentence of the original report that the expanded ``sent`` came from."""
    start, end = exp.span(sent.start, sent.end)
    return Sentence(start, end, text[start:end], sent.header)


def organ_sentences(text: str, lexicon: Lexicon | None = None) -> list[tuple[str, Sentence]]:
    """``(organ, sentence)`` for every finding sentence and each organ it is about (named
    in it, its section header, or the clause it continues); no finding type is needed, so
    a learned model can read sentences the type lexicon misses. Sentences are verbatim."""
    lex = lexicon or load_lexicon()
    exp = expand(text)
    out: list[tuple[str, Sentence]] = []
    for sent, organs, _, fallback, kind, skip in _walk(lex, exp.text):
        if not skip and not kind:
            names = list(dict.fromkeys(n for n, _, _ in organs)) or fallback
            out += [(name, _original(exp, text, sent)) for name in names]
    return out


def propose(text: str, lexicon: Lexicon | None = None) -> list[Candidate]:
    """Candidate findings of a report.

    Args:
        text: the report.
        lexicon: compiled lexicons (default: the shipped ones, all organs).

    Returns:
        Candidates in text order; sentences and phrase offsets point into ``text`` (the
        rules read it with its abbreviations expanded, :mod:`radlite.text.abbreviations`).
    """
    lex = lexicon or load_lexicon()
    exp = expand(text)
    return [_restore(exp, text, c) for c in _propose(exp.text, lex)]


def _restore(exp: Expanded, text: str, cand: Candidate) -> Candidate:
    """``cand`` (found in the expanded text) with offsets into the original ``text``."""
    sent = _original(exp, text, cand.sentence)
    start, end = exp.span(cand.sentence.start + cand.start, cand.sentence.start + cand.end)
    return Candidate(cand.organ, cand.type, cand.certainty, cand.urgency, sent,
                     start - sent.start, end - sent.start)


def _propose(text: str, lex: Lexicon) -> list[Candidate]:
    """Candidates of an (expanded) report."""
    cues = load_cues_with("radlite.tasks.abdct", "cues_abdct.yaml")
    signed = bool(_PLUS_ITEM.search(text))
    out: list[Candidate] = []
    for sent, organs, others, fallback, kind, skip in _walk(lex, text):
        if skip:
            continue
        hits = _type_hits(lex, sent.text)
        normal = any(t == "normal" for _, _, t in hits)
        history = kind == "reason"
        for hit in hits:
            if kind and hit[2] not in _SECTION_TYPES[kind]:
                continue
            if _COPULA_ABSENT.match(sent.text, hit[0]) and not _subject_organ(sent.text, hit,
                                                                            organs):
                # "wall thickening is not seen" negates the thickening; only "the
                # gallbladder is not seen" says an organ is absent
                continue
            owners = _owners(hit, organs, others, fallback, sent.text, normal)
            paired = {lex.side_of(o) for o in owners} >= {"right", "left"}
            if paired and (sides := _clause_sides(sent.text, hit[0], hit[2] != "normal")):
                owners = [o for o in owners if lex.side_of(o) in (None, *sides)]
            if not owners:
                continue
            cert = _certainty(sent.text, hit, cues, signed)
            # a diagnosis named in the history ("gastrectomy for cancer") is no finding
            urgency = (lex.type_urgency.get(hit[2], 1) if history
                       else urgency_of(lex, hit[2], sent.text))
            phrase = sent.text[hit[0]:hit[1]]
            out.extend(Candidate(o, lex.type_for(o, hit[2], phrase), cert, urgency, sent,
                                 hit[0], hit[1]) for o in owners)
    return out
