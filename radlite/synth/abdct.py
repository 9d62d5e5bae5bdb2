"""The ``abdct`` generator: abdominal/pelvic CT reports with organ x finding-type labels.

Each organ gets a *state*: not mentioned, stated normal, only negated findings, only an
ambiguous comparison ("unchanged"), or one or two findings, each stated positive or
possible. Labels follow ../shared/specs/abdct-labels.md: a label group is 1 when a
finding of its types is positive or possible; urgency is the most urgent present
finding (0 when the organ is stated normal, empty otherwise); ``adjacent`` findings
set no label. ``any_abnormality`` is 1 when any present finding is of a type other
than normal, quality or adjacent.
"""

from __future__ import annotations

import random
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


def make_record(rng: random.Random, lang: str, record_id: str) -> dict[str, Any]:
    """Sample organ states, render a CT report, and return the gold record.

    Args:
        rng: the record's random stream.
        lang: ``en`` (the only language of this task).
        record_id: the record id.

    Returns:
        ``{"id", "report", <organ label columns>, "case"}``.
    """
    B = bank("abdct")
    organs = load_schema("abdct")["organs"]
    case = {o: _organ(rng, B["organs"][o]) for o in organs}
    voice = B["voices"][rng.choice(sorted(B["voices"]))]
    lines = [f"EXAM: {rng.choice(B['exams'])}", f"INDICATION: {rng.choice(B['indications'])}"]
    body: list[str] = []
    for organ in organs:
        text = case[organ]["text"]
        if not text:
            continue
        if voice["layout"] == "organs":
            body.append(f"{rng.choice(B['organs'][organ]['label'])}: {' '.join(text)}")
        else:
            body.extend(text)
    body += rng.sample(B["extra"], k=rng.randint(0, 2))
    if rng.random() < 0.4:
        body.append(rng.choice(B["broad"]))
    findings = "\n".join(body) if voice["layout"] == "organs" else " ".join(body)
    abnormal = [f["text"] for o in organs for f in case[o]["findings"]
                if f["type"] not in ("quality",) and f["urgency"] >= 1]
    impression = " ".join(abnormal[:3]) or "No acute abnormality in the abdomen or pelvis."
    lines += [voice["findings"], findings, "", voice["impression"] + " " + impression]
    labels: dict[str, Any] = {}
    for organ in organs:
        labels.update(organ_labels(organ, case[organ]))
    report = "\n".join(line for line in lines if line is not None).replace("\n\n\n", "\n\n")
    return {"id": record_id, "report": report.strip(), **labels, "case": case}
