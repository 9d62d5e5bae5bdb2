"""The ``abdct`` generator: abdominal/pelvic CT reports with organ x finding-type labels.

Each organ gets a *state*: not mentioned, stated normal, only negated findings, only an
ambiguous comparison ("unchanged"), or one or two findings, each stated positive or
possible. Labels follow ../shared/specs/abdct-labels.md: a label group is 1 when a
finding of its types is positive or possible; urgency is the most urgent present
finding (0 when the organ is stated normal, empty otherwise); ``adjacent`` findings
set no label. ``any_abnormality`` is 1 when any present finding is of a type other
than normal, quality or adjacent.

The report is written in one of five *styles* (``styles`` in ``data/abdct.yaml``): one
line per organ, one paragraph, organ-system template headings with limitations on their
own line, a narrative with shuffled organ order and connectives, or shorthand (GB, Rt/Lt,
w/o, c/w, s/p, dropped articles, occasional typos). The labels never depend on the style.
"""

from __future__ import annotations

import random
import re
from typing import Any

from radlite.schemas import load_schema
from radlite.synth.common import bank, fill, weighted

NOT_ABNORMAL = ("quality", "adjacent", "normal")
HEDGEABLE = ("focal", "diffuse", "enlarged", "atrophy", "anatomy", "adjacent")


def _findings(rng: random.Random, spec: dict[str, Any]) -> list[dict[str, Any]]:
    pool = list(spec["findings"])
    first = rng.choice(pool)
    chosen = [first]
    if first["type"] != "absent" and rng.random() < 0.35:
        rest = [f for f in pool if f["type"] not in ("absent", first["type"])]
        if rest:
            chosen.append(rng.choice(rest))
    side = spec.get("side", "")
    out = []
    for f in chosen:
        certainty = "possible" if f["type"] in HEDGEABLE and rng.random() < 0.2 else "positive"
        if certainty == "possible":
            text = fill(rng.choice(bank("abdct")["hedges"]), np=f["np"].format(side=side))
        else:
            text = rng.choice(f["pos"]).format(side=side)
        out.append({"type": f["type"], "urgency": f["urgency"], "certainty": certainty,
                    "text": text[:1].upper() + text[1:]})
    return out


def _organ(rng: random.Random, spec: dict[str, Any]) -> dict[str, Any]:
    state = weighted(rng, {"not_mentioned": 1.5, "normal": 4, "negative": 1.2,
                           "ambiguous_prior": 0.4, "abnormal": 3})
    if state == "abnormal":
        findings = _findings(rng, spec)
        return {"state": state, "findings": findings, "text": [f["text"] for f in findings]}
    text = {"not_mentioned": [], "normal": [rng.choice(spec["normal"])],
            "negative": rng.sample(spec["neg"], k=rng.randint(1, len(spec["neg"]))),
            "ambiguous_prior": [rng.choice(spec["ambiguous"])]}[state]
    return {"state": state, "findings": [], "text": text}


def organ_labels(organ: str, info: dict[str, Any]) -> dict[str, Any]:
    """Wide-CSV labels of one organ from its structured state.

    Args:
        organ: organ name.
        info: the organ's entry in the case.

    Returns:
        ``{<organ>_<group>: 0/1, <organ>_urgency: int|None, <organ>_any_abnormality: 0/1}``.
    """
    groups = load_schema("abdct")["label_groups"]
    present = [f for f in info["findings"] if f["certainty"] in ("positive", "possible")]
    labels: dict[str, Any] = {
        f"{organ}_{g}": int(any(f["type"] in types for f in present)) for g, types in groups.items()
    }
    counted = [f["urgency"] for f in present if f["type"] != "adjacent"]
    urgency = max(counted) if counted else (0 if info["state"] == "normal" else None)
    labels[f"{organ}_urgency"] = urgency
    labels[f"{organ}_any_abnormality"] = int(any(f["type"] not in NOT_ABNORMAL for f in present))
    return labels


def _typo(rng: random.Random, word: str) -> str:
    """Swap two inner letters of a long word (shorthand style, now and then)."""
    if len(word) < 6 or not word.isalpha() or rng.random() > 0.03:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _shorthand(rng: random.Random, B: dict[str, Any], sentence: str) -> str:
    for pattern, short in B["shorthand"]:
        sentence = re.sub(pattern, short, sentence)
    sentence = " ".join(_typo(rng, w) for w in sentence.split(" "))
    return sentence[:1].upper() + sentence[1:]


def _is_quality(case: dict[str, Any], organ: str, text: str) -> bool:
    return any(f["type"] == "quality" and f["text"] == text for f in case[organ]["findings"])


def _render(rng: random.Random, B: dict[str, Any], case: dict[str, Any], organs: list[str],
            style: str) -> str:
    """The findings section of ``case`` in one writing style (labels do not depend on it)."""
    if style in ("organs", "shorthand"):
        lines = []
        for organ in organs:
            text = case[organ]["text"]
            if style == "shorthand":
                text = [_shorthand(rng, B, t) for t in text]
            if text:
                lines.append(f"{rng.choice(B['organs'][organ]['label'])}: {' '.join(text)}")
        return "\n".join(lines)
    if style == "template":
        limits = [t for o in organs for t in case[o]["text"] if _is_quality(case, o, t)]
        lines = [f"{rng.choice(B['limitations_headers'])} {' '.join(limits)}"] if limits else []
        for heading, members in B["systems"]:
            text = [t for o in members for t in case[o]["text"] if not _is_quality(case, o, t)]
            if text:
                lines.append(f"{heading}: {' '.join(text)}")
        return "\n".join(lines)
    sentences = [t for o in organs for t in case[o]["text"]]
    if style == "narrative":
        order = [o for o in organs if case[o]["text"]]
        rng.shuffle(order)
        sentences = []
        for n, organ in enumerate(order):
            for t in case[organ]["text"]:
                if n and rng.random() < 0.35:
                    t = f"{rng.choice(B['connectives'])} {t[:1].lower()}{t[1:]}"
                sentences.append(t)
    return " ".join(sentences)


def make_record(rng: random.Random, lang: str, record_id: str) -> dict[str, Any]:
    """Sample organ states, render a CT report in one of several writing styles, and
    return the gold record.

    Args:
        rng: the record's random stream.
        lang: ``en`` (the only language of this task).
        record_id: the record id.

    Returns:
        ``{"id", "report", <organ label columns>, "case", "style"}`` (``style`` names the
        writing style; finding texts are verbatim in ``organs``, ``prose`` and
        ``template``, rewritten in ``narrative`` and ``shorthand``).
    """
    B = bank("abdct")
    organs = load_schema("abdct")["organs"]
    case = {o: _organ(rng, B["organs"][o]) for o in organs}
    voice = B["voices"][rng.choice(sorted(B["voices"]))]
    style = weighted(rng, B["styles"])
    if style in ("organs", "prose"):
        style = voice["layout"]
    lines = [f"EXAM: {rng.choice(B['exams'])}", f"INDICATION: {rng.choice(B['indications'])}"]
    findings = _render(rng, B, case, organs, style)
    extra = rng.sample(B["extra"], k=rng.randint(0, 2))
    if rng.random() < 0.4:
        extra.append(rng.choice(B["broad"]))
    if extra:
        sep = "\n" if style in ("organs", "shorthand", "template") else " "
        findings = sep.join([p for p in (findings, *extra) if p])
    abnormal = [f["text"] for o in organs for f in case[o]["findings"]
                if f["type"] not in ("quality",) and f["urgency"] >= 1]
    impression = " ".join(abnormal[:3]) or "No acute abnormality in the abdomen or pelvis."
    lines += [voice["findings"], findings, "", voice["impression"] + " " + impression]
    labels: dict[str, Any] = {}
    for organ in organs:
        labels.update(organ_labels(organ, case[organ]))
    report = "\n".join(line for line in lines if line is not None).replace("\n\n\n", "\n\n")
    return {"id": record_id, "report": report.strip(), **labels, "case": case, "style": style}
