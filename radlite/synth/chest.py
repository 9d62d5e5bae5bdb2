"""The ``chest`` generator: chest X-ray reports with CheXpert's 14 observation labels.

Each observation has a *state*: ``1`` positive, ``0`` negative, ``-1`` uncertain, or
``None`` (not mentioned). ``No Finding`` follows CheXpert: 1 when no other observation
except Support Devices is positive or uncertain, otherwise not mentioned.
"""

from __future__ import annotations

import random
from typing import Any

from radlite.schemas import load_schema
from radlite.synth.common import bank

NO_FINDING = "No Finding"
# A negation of these would contradict a present lung finding ("the lungs are clear").
PARENCHYMA = ("Lung Lesion", "Lung Opacity", "Edema", "Consolidation", "Pneumonia", "Atelectasis")


def _states(rng: random.Random, names: list[str]) -> dict[str, int | None]:
    states: dict[str, int | None] = dict.fromkeys(names, None)
    n_abnormal = rng.choices([0, 1, 2, 3], weights=[3, 4, 3, 1.5])[0]
    for name in rng.sample(names, n_abnormal):
        states[name] = -1 if rng.random() < 0.25 else 1
    for name in names:
        if states[name] is None and name != "Support Devices" and rng.random() < 0.35:
            states[name] = 0
    if any(states[n] in (1, -1) for n in PARENCHYMA):
        for name in ("Lung Opacity", "Pneumonia"):
            if states[name] == 0:
                states[name] = None
    return states


def _sentences(states: dict[str, int | None], rng: random.Random, B: dict[str, Any]) -> list[str]:
    obs = B["observations"]
    out: list[str] = []
    combinable = [n for n, v in states.items() if v == 0 and n in B["combinable_neg"]]
    if len(combinable) >= 2 and rng.random() < 0.7:
        terms = [B["combinable_neg"][n] for n in combinable]
        items = ", ".join(terms[:-1]) + (", or " if len(terms) > 2 else " or ") + terms[-1]
        out.append(rng.choice(B["combined_neg"]).format(items=items))
    else:
        combinable = []
    for name, value in states.items():
        if value is None or name in combinable:
            continue
        key = {1: "pos", -1: "unc", 0: "neg"}[value]
        out.append(rng.choice(obs[name][key]))
    rng.shuffle(out)
    return out


def make_record(rng: random.Random, lang: str, record_id: str) -> dict[str, Any]:
    """Sample observation states, render a report, and return the gold record.

    Args:
        rng: the record's random stream.
        lang: ``en`` (the only language of this task).
        record_id: the record id.

    Returns:
        ``{"id", "report", <14 observations>, "case"}`` with values 1, 0, -1 or ``None``.
    """
    B = bank("chest")
    names = [n for n in load_schema("chexpert")["observations"] if n != NO_FINDING]
    states = _states(rng, names)
    abnormal = [n for n, v in states.items() if v in (1, -1) and n != "Support Devices"]
    findings = _sentences(states, rng, B)
    if not findings:
        findings = [rng.choice(B["observations"]["Lung Opacity"]["neg"])]
        states["Lung Opacity"] = 0
    impression = ([rng.choice(B["normal_impression"])] if not abnormal
                  else [s for s in findings if any(s in B["observations"][n][k] for n in abnormal
                                                   for k in ("pos", "unc"))])
    v = B["voices"][rng.choice(sorted(B["voices"]))]
    lines = [f"{v['indication']} {rng.choice(B['indications'])}".strip()]
    if v["technique"]:
        lines.append(f"{v['technique']} {rng.choice(B['views'])}")
    lines += [f"{v['findings']} {' '.join(findings)}".strip(), f"{v['impression']} {' '.join(impression)}"]
    labels = {NO_FINDING: None if abnormal else 1, **states}
    ordered = {n: labels[n] for n in load_schema("chexpert")["observations"]}
    return {"id": record_id, "report": "\n".join(lines), **ordered,
            "case": {"states": ordered, "voice": v["findings"] or "terse"}}
