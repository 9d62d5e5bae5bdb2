"""The ``impression`` generator: findings text with a reference impression.

A case is one exam type (modality + body site) with a set of abnormal *items*. The
impression lists the items by severity (most severe first); normal statements about
structures no item concerns fill the findings; no item -> a normal impression. Items
whose findings contradict a normal statement of the same exam are not combined,
because the normal statement is dropped when an item shares a keyword with it.
"""

from __future__ import annotations

import random
from typing import Any

from radlite.synth.common import bank

# A normal statement containing the key is dropped when a finding contains a trigger.
_CONFLICTS = {
    "effusion": ("effusion",), "pneumothorax": ("pneumothorax",),
    "lungs are clear": ("lobe", "lung", "nodule", "consolidation", "pneumothorax", "effusion"),
    "appendix": ("append",), "hydronephrosis": ("hydro",), "free": ("free",),
    "hemorrhage": ("hemorrhage", "hematoma"), "cruciate": ("cruciate", "acl"),
    "infarct": ("infarct",), "liver": ("liver", "hepatic"), "mass effect": ("midline shift", "mass"),
    "enhancement": ("enhanc",), "joint spaces": ("degenerative", "joint"),
}


def _conflicts(normal: str, findings: list[str]) -> bool:
    keys = [k for k in _CONFLICTS if k in normal.lower()]
    return any(t in f.lower() for k in keys for t in _CONFLICTS[k] for f in findings)


def make_record(rng: random.Random, lang: str, record_id: str) -> dict[str, Any]:
    """Sample an exam with abnormal items and return findings with a reference impression.

    Args:
        rng: the record's random stream.
        lang: ``en`` (the only language of this task).
        record_id: the record id.

    Returns:
        ``{"id", "indication", "modality", "body_site", "findings", "impression", "case"}``.
    """
    B = bank("impression")
    exam = rng.choice(B["exams"])
    k = rng.choices([0, 1, 2, 3], weights=[2, 4, 3, 1])[0]
    items = rng.sample(exam["items"], k=min(k, len(exam["items"])))
    chosen = [{"severity": it["severity"], "findings": rng.choice(it["findings"]),
               "impression": rng.choice(it["impression"])} for it in items]
    found = [c["findings"] for c in chosen]
    normals = [n for n in exam["normals"] if not _conflicts(n, found)]
    body = found + rng.sample(normals, k=rng.randint(min(2, len(normals)), len(normals)))
    rng.shuffle(body)
    ranked = sorted(chosen, key=lambda c: -c["severity"])
    if not ranked:
        impression = rng.choice(B["normal_impression"])
    elif len(ranked) > 1 and rng.random() < 0.6:
        impression = "\n".join(f"{i}. {c['impression']}" for i, c in enumerate(ranked, 1))
    else:
        impression = " ".join(c["impression"] for c in ranked)
    return {"id": record_id, "indication": rng.choice(exam["indication"]),
            "modality": exam["modality"], "body_site": exam["body_site"],
            "findings": " ".join(body), "impression": impression,
            "case": {"exam": exam["name"], "items": chosen}}
