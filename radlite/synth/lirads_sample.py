"""Sampling of structured LI-RADS cases (no text here; see ``lirads_render``).

An *archetype* (``hcc``, ``lrm``, ``indeterminate``, ``infiltrative``) sets how likely
each descriptor is on a suspicious observation; weights live in
``data/lirads_descriptors.yaml``. The sampler guarantees the structural promises the
spec relies on: the intended index lesion is the largest suspicious observation (ties
placed after it), unsized observations only occur when every suspicious one is unsized,
and descriptors of one group never co-occur on one observation.
"""

from __future__ import annotations

import datetime as dt
import random

from radlite.synth.common import bank, weighted
from radlite.synth.lirads_case import (
    Change,
    Descriptor,
    LiradsCase,
    Observation,
    descriptor_table,
)

ARCHETYPES = {"hcc": 5, "lrm": 1.6, "indeterminate": 2.5, "infiltrative": 0.9}
SEGMENT_WEIGHTS = {1: 0.5, 2: 1, 3: 1, 4: 1.2, 5: 1.5, 6: 1.8, 7: 1.8, 8: 2.4}
BENIGN = {"cyst": 4, "hemangioma": 3, "focal_fat": 1.2, "ap_shunt": 1.5}
TODAY = dt.date(2026, 11, 22)


def _descriptors(rng: random.Random, archetype: str, modality: str) -> list[Descriptor]:
    table = descriptor_table()
    chosen: dict[str, Descriptor] = {}
    keys = list(table)
    rng.shuffle(keys)
    for key in keys:
        spec = table[key]
        weight = spec["archetypes"][archetype]
        if modality not in spec["modalities"] or spec["group"] in chosen:
            continue
        if weight and rng.random() < weight / 10:
            polarity = "hedged" if rng.random() < 0.1 else "pos"
            chosen[spec["group"]] = Descriptor(key, polarity)
    for key in keys:  # explicit negations of features that are absent
        spec = table[key]
        usable = spec["negatable"] and spec["group"] not in chosen and modality in spec["modalities"]
        if usable and rng.random() < 0.22:
            chosen[spec["group"]] = Descriptor(key, "neg")
    # Keep the descriptors a radiologist would mention: the archetype's strongest ones first.
    positives = sorted((d for d in chosen.values() if d.polarity != "neg"),
                       key=lambda d: -table[d.key]["archetypes"][archetype] * rng.random())
    out = positives[: rng.randint(1, 6)] + [d for d in chosen.values() if d.polarity == "neg"]
    rng.shuffle(out)
    return out


def _location(rng: random.Random) -> tuple[list[int], str | None]:
    roll = rng.random()
    if roll < 0.07:
        return [], rng.choice(["right", "left", "dome"])
    first = weighted(rng, SEGMENT_WEIGHTS)
    if roll < 0.22 and first != 1:
        second = weighted(rng, {k: v for k, v in SEGMENT_WEIGHTS.items() if k not in (1, first)})
        return [first, second], None
    return [first], None


def _minor(rng: random.Random, size: int | None) -> int | None:
    if size is None or size < 6 or rng.random() < 0.55:
        return None
    return rng.randint(max(3, size * 6 // 10), size - 1)


def _index_size(rng: random.Random) -> int:
    band = weighted(rng, {(8, 19): 3.5, (20, 50): 4.5, (51, 95): 2})
    return rng.randint(*band)


def _change(rng: random.Random, size: int | None, follow_up: bool) -> Change | None:
    if not follow_up or size is None or rng.random() < 0.12:
        return None
    kind = weighted(rng, {"threshold": 2, "subthreshold": 2, "new": 1.5, "stable_long": 1.5,
                          "stable_short": 1.5, "decreased": 1})
    if kind == "threshold" and size >= 10:
        return Change(kind, rng.randint(2, 5), rng.randint(max(5, size * 4 // 10), size * 10 // 16))
    if kind == "new" and size >= 10:
        return Change(kind, rng.randint(3, 20), None)
    if kind in ("threshold", "new", "subthreshold") and size >= 8:
        if rng.random() < 0.5 and size >= 12:  # large growth but over too long an interval
            return Change("subthreshold", rng.randint(9, 24), rng.randint(5, size * 10 // 16))
        return Change("subthreshold", rng.randint(3, 24), rng.randint(-(-size * 10 // 14), size - 2))
    if kind == "stable_long":
        return Change(kind, rng.randint(26, 60), size)
    if kind == "decreased":
        return Change(kind, rng.randint(3, 24), rng.randint(size + 3, size * 2 + 3))
    return Change("stable_short", rng.randint(3, 18), size)


def _suspicious(rng: random.Random, size: int | None, modality: str, follow_up: bool,
                archetype: str | None = None) -> Observation:
    archetype = archetype or weighted(rng, ARCHETYPES)
    segments, lobe = _location(rng)
    return Observation(kind="suspicious", size_mm=size, minor_mm=_minor(rng, size),
                       segments=segments, lobe=lobe,
                       descriptors=_descriptors(rng, archetype, modality),
                       change=_change(rng, size, follow_up), category=archetype)


def _benign(rng: random.Random, size: int, follow_up: bool) -> Observation:
    segments, lobe = _location(rng)
    change = Change("stable_long", rng.randint(26, 72), size) if follow_up and rng.random() < 0.3 else None
    return Observation(kind=weighted(rng, BENIGN), size_mm=size, minor_mm=_minor(rng, size),
                       segments=segments, lobe=lobe, change=change)


def _observations(
    rng: random.Random, modality: str, follow_up: bool
) -> tuple[list[Observation], Observation | None]:
    n_susp = weighted(rng, {0: 1.8, 1: 5, 2: 2.2, 3: 1})
    n_benign = weighted(rng, {0: 3.5, 1: 3.5, 2: 2, 3: 0.6})
    if n_susp + n_benign == 0 and rng.random() < 0.5:
        n_benign = 1
    unsized = n_susp > 0 and rng.random() < 0.06
    index_size = None if unsized else _index_size(rng)
    obs = [_suspicious(rng, index_size, modality, follow_up)] if n_susp else []
    for _ in range(max(0, n_susp - 1)):
        if unsized:
            size = None
        elif rng.random() < 0.1:
            size = index_size  # tie: resolved by order below
        else:
            size = rng.randint(5, max(5, index_size - 1)) if index_size > 5 else None
        if size is None and not unsized:
            continue
        obs.append(_suspicious(rng, size, modality, follow_up))
    for _ in range(n_benign):
        big = index_size is not None and rng.random() < 0.5
        size = rng.randint(index_size + 1, index_size + 60) if big else rng.randint(4, 45)
        obs.append(_benign(rng, size, follow_up))
    index = obs[0] if n_susp else None
    return _order(rng, obs, index), index


def _order(rng: random.Random, obs: list[Observation], index: Observation | None) -> list[Observation]:
    """Shuffle; then move the intended index before any tied or unsized rival."""
    rng.shuffle(obs)
    if index is None:
        return obs
    rivals = [i for i, o in enumerate(obs) if o.suspicious and o.size_mm == index.size_mm]
    first = rivals[0]
    at = next(i for i, o in enumerate(obs) if o is index)
    obs[first], obs[at] = obs[at], obs[first]
    return obs


def sample_case(rng: random.Random, lang: str) -> LiradsCase:
    """Draw one structured LI-RADS case.

    Args:
        rng: the record's random stream.
        lang: ``en`` or ``ko-en``.

    Returns:
        The case; ``intended_index`` is where the sampler put the index lesion.
    """
    modality = weighted(rng, {"ct": 4, "eca": 2.5, "eob": 3.5})
    follow_up = rng.random() < 0.45
    cld = rng.random() < 0.72
    source = weighted(rng, {"findings": 2, "history": 1.2, "both": 1.5}) if cld else None
    voices = bank("lirads_ko" if lang == "ko-en" else "lirads_en")["voices"]
    observations, index = _observations(rng, modality, follow_up)
    exam = TODAY - dt.timedelta(days=rng.randint(0, 900))
    prior = None
    if follow_up:
        months = index.change.months if index is not None and index.change else rng.randint(2, 24)
        prior = exam - dt.timedelta(days=round(months * 30.44))
    return LiradsCase(
        modality=modality, lang=lang, voice=rng.choice(sorted(voices)), cld=cld,
        cld_source=source, observations=observations,
        prior_date=prior.isoformat() if prior else None, exam_date=exam.isoformat(),
        intended_index=None if index is None else next(
            i for i, o in enumerate(observations) if o is index),
    )
