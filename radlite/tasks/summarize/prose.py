"""Model mode of ``radlite summarize``: a model rewrites the summary's sentences as prose.

Key terms:

- a *slot* is one sentence of the deterministic summary (written from the lesion table by
  :mod:`.writing`); the model gets each slot alone and rewrites it as one fluent
  sentence, so every model sentence has one deterministic sentence to fall back on;
- the *grounding gate* (:func:`gate`) accepts a model sentence only when each number and
  date in it is one the slot states, each side (left/right/bilateral) and each organ or
  region it names is one the lesion table holds, and it keeps every number and date of
  the slot (a rewrite may not drop a measurement), and it has as many negations as the
  slot ("no", "not", "without"). Where the gate refuses a sentence,
  or the model returns nothing, the slot's deterministic sentence stands.

The per-report change statements stay deterministic: they are short and already written
from the table. Any backend works (``--backend/--model``); nothing here loads a model.
"""

from __future__ import annotations

import re
from typing import Any

from radlite.core.generation import GenerationRequest
from radlite.tasks.summarize.vocabulary import vocabulary

_VALUE = re.compile(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?")
_SIDE = re.compile(r"\b(left|right|bilateral)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:no|not|without|negative|absent|never)\b", re.IGNORECASE)
SYSTEM = ("You rewrite one sentence of a radiology follow-up summary for an oncologist as one "
          "clear, fluent sentence. Keep every number, unit and date exactly as written. Add "
          "nothing that the sentence does not say. Answer with the sentence only.")
MAX_NEW_TOKENS = 96


def requests(sentences: list[str], key: str) -> list[GenerationRequest]:
    """One rewrite request per summary sentence."""
    return [GenerationRequest(messages=({"role": "system", "content": SYSTEM},
                                        {"role": "user", "content": sentence}),
                              max_new_tokens=MAX_NEW_TOKENS, key=f"{key}:{index}")
            for index, sentence in enumerate(sentences)]


def table_terms(result: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Sides and organs of the patient's lesion table."""
    sides, organs = set(), set()
    for lesion in result.get("lesions") or []:
        if lesion.get("side"):
            sides.add(str(lesion["side"]))
        if lesion.get("organ"):
            organs.add(str(lesion["organ"]))
        sides.update(m.group(1).lower() for m in _SIDE.finditer(str(lesion.get("label") or "")))
    return sides, organs


def _organs(text: str) -> set[str]:
    grouped = vocabulary().organs
    return {grouped.kind(m) for m in grouped.pattern.finditer(text)}


def gate(candidate: str, slot: str, sides: set[str], organs: set[str]) -> str | None:
    """Why ``candidate`` may not replace ``slot`` (None: it may)."""
    text = candidate.strip()
    if not text or len(re.findall(r"[.!?](?:\s|$)", text)) > 1:
        return "not one sentence"
    wanted = set(_VALUE.findall(slot))
    written = set(_VALUE.findall(text))
    if written - wanted:
        return "a number or date the table does not state"
    if wanted - written:
        return "a number or date of the table left out"
    slot_sides = {m.group(1).lower() for m in _SIDE.finditer(slot)}
    if {m.group(1).lower() for m in _SIDE.finditer(text)} - slot_sides - sides:
        return "a side the table does not hold"
    if _organs(text) - _organs(slot) - organs:
        return "a site the table does not hold"
    if len(_NEGATION.findall(text)) != len(_NEGATION.findall(slot)):
        return "a negation added or removed"
    return None


def rewrite(sentences: list[str], texts: list[str], result: dict[str, Any]
            ) -> tuple[list[str], list[dict[str, Any]]]:
    """Gate each model text against its slot: the kept sentences and one note per slot
    (``source`` ``model`` or ``table``, and the gate's reason where it refused)."""
    sides, organs = table_terms(result)
    out, notes = [], []
    for slot, text in zip(sentences, texts, strict=True):
        candidate = text.strip().split("\n")[0].strip()
        reason = gate(candidate, slot, sides, organs)
        if reason is None:
            out.append(candidate if candidate.endswith((".", "!", "?")) else candidate + ".")
            notes.append({"source": "model"})
        else:
            out.append(slot)
            notes.append({"source": "table", "gate": reason})
    return out, notes
