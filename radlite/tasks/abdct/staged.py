"""The model-backed abdominal CT pipeline, in stages over a batch of reports.

Modes (``MODES``):

- ``rules``: deterministic only: sentence splitting, organ cues, type lexicon, NegEx
  certainty, urgency keywords. The baseline system; no model call.
- ``fast``: ``rules`` proposes; the model answers one question per candidate finding
  (its certainty). Types and urgency stay rule-based.
- ``staged``: in the spirit of LEAVS: per (organ, sentence) the model confirms the
  sentence is about the organ (filtration), then per candidate answers the finding type
  (multiple choice), the certainty and the urgency.

Every stage sends all its questions for the whole batch at once, so a backend batches
across reports, organs and sentences. An invalid answer keeps the rule-based value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from radlite.tasks.abdct.propose import Candidate
from radlite.tasks.questions import Prompts, ask, build, decode

MODES = ("rules", "fast", "staged")


def _label(organ: str) -> str:
    return organ.replace("_", " ")


def _fields(c: Candidate) -> dict[str, str]:
    return {"sentence": c.sentence.text, "organ": _label(c.organ),
            "phrase": c.sentence.text[c.start:c.end]}


def _ask_each(backend: Any, prompts: Prompts, kind: str, items: Sequence[Candidate]
              ) -> list[Any]:
    requests = [build(prompts, kind, **_fields(c)) for c in items]
    return [decode(prompts, kind, a) for a in ask(backend, requests)]


def filter_relevant(backend: Any, prompts: Prompts, cands: list[Candidate]
                    ) -> list[Candidate]:
    """Keep candidates whose (organ, sentence) the model confirms (stage 1)."""
    pairs = sorted({(c.organ, c.sentence) for c in cands}, key=lambda p: (p[1].start, p[0]))
    requests = [build(prompts, "relevant", sentence=s.text, organ=_label(o)) for o, s in pairs]
    verdict = {pair: decode(prompts, "relevant", a)
               for pair, a in zip(pairs, ask(backend, requests), strict=True)}
    return [c for c in cands if verdict.get((c.organ, c.sentence)) is not False]


def refine(backend: Any, prompts: Prompts, per_report: list[list[Candidate]], mode: str
           ) -> list[list[Candidate]]:
    """Apply the model stages of ``mode`` to each report's candidates.

    Args:
        backend: a Backend (unused in ``rules`` mode).
        prompts: the question file.
        per_report: rule-based candidates of each report.
        mode: one of :data:`MODES`.

    Returns:
        Refined candidates per report, same order of reports.
    """
    if mode == "rules":
        return per_report
    flat = [(i, c) for i, cands in enumerate(per_report) for c in cands]
    cands = [c for _, c in flat]
    owner = [i for i, _ in flat]
    if mode == "staged":
        kept = set(map(id, filter_relevant(backend, prompts, cands)))
        keep = [id(c) in kept for c in cands]
        cands = [c for c, k in zip(cands, keep, strict=True) if k]
        owner = [o for o, k in zip(owner, keep, strict=True) if k]
        types = _ask_each(backend, prompts, "type", cands)
        cands = [replace(c, type=t) if t else c for c, t in zip(cands, types, strict=True)]
    asked = [c for c in cands if c.type != "normal"]
    certs = dict(zip(map(id, asked), _ask_each(backend, prompts, "certainty", asked),
                     strict=True))
    cands = [replace(c, certainty=certs[id(c)]) if certs.get(id(c)) else c for c in cands]
    if mode == "staged":
        present = [c for c in cands if c.certainty != "negative" and c.type != "normal"]
        urg = dict(zip(map(id, present),
                       _ask_each(backend, prompts, "urgency", present), strict=True))
        cands = [replace(c, urgency=urg[id(c)]) if urg.get(id(c)) is not None else c
                 for c in cands]
    out: list[list[Candidate]] = [[] for _ in per_report]
    for i, c in zip(owner, cands, strict=True):
        out[i].append(c)
    return out
