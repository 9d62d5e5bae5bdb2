"""Phrase-level rendering for LI-RADS reports: sizes, segments, descriptors, changes.

Every function takes the phrase bank (``B``, the parsed ``lirads_en`` or ``lirads_ko``
YAML) and a random stream, and renders one piece of structured truth as text.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from radlite.synth.common import fill
from radlite.synth.lirads_case import Change, Descriptor, Observation

ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
LOBES_KO = {"right": ["간 우엽", "우엽", "우엽 피막하"], "left": ["좌엽", "간 좌엽"], "dome": ["간 dome"]}
LOBES_EN = {"right": ["the right lobe", "the right hepatic lobe", "the subcapsular right lobe",
                      "right lobe"],
            "left": ["the left lobe", "the left hepatic lobe", "left lobe"],
            "dome": ["the hepatic dome", "the dome of the liver", "the liver dome"]}


def _cm(mm: int, rng: random.Random) -> str:
    if mm % 10 == 0 and rng.random() < 0.5:
        return str(mm // 10)
    return f"{mm / 10:.1f}"


def size_text(mm: int, minor: int | None, rng: random.Random, B: dict[str, Any]) -> str:
    """Render a size in mm as cm, mm or ``a x b`` (largest dimension = ``mm``)."""
    unit = "mm" if (mm < 10 and rng.random() < 0.8) or rng.random() < 0.3 else "cm"
    sep = rng.choice([" ", "", " "]) if unit == "cm" else rng.choice([" ", "", " "])
    conv = (lambda v: str(v)) if unit == "mm" else (lambda v: _cm(v, rng))
    if minor is not None:
        dims = [mm, minor] if rng.random() < 0.8 else [minor, mm]
        text = f"{conv(dims[0])} x {conv(dims[1])}{sep}{unit}"
    else:
        text = f"{conv(mm)}{sep}{unit}"
    return rng.choice(B["size_lead"]) + text


def loc_text(obs: Observation, rng: random.Random, B: dict[str, Any], ko: bool) -> str:
    """Render the location; the first segment named is always ``obs.segments[0]``."""
    seg = B["segment"]
    if not obs.segments:
        return rng.choice((LOBES_KO if ko else LOBES_EN)[obs.lobe or "right"])
    n = obs.segments[0]
    if len(obs.segments) == 1:
        if n == 1 and rng.random() < 0.6:
            return rng.choice(seg["caudate"])
        return fill(rng.choice(seg["one"]), n=n, r=ROMAN[n])
    m = obs.segments[1]
    return fill(rng.choice(seg["two"]), n=n, m=m, r=ROMAN[n], rm=ROMAN[m])


def join(items: list[str], rng: random.Random, B: dict[str, Any]) -> str:
    """Join phrases with commas and a final conjunction from the bank."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + rng.choice(B["and"]) + items[-1]


def positive_phrase(d: Descriptor, rng: random.Random, B: dict[str, Any], short: bool) -> str:
    """A positive or hedged descriptor as a noun phrase (or short ``X(+)`` token)."""
    if short:
        term = rng.choice(B["short"][d.key])
        if d.polarity == "hedged":
            return fill(rng.choice(B["hedge"]), np=term)
        return fill(rng.choice(B["short_pos"]), t=term)
    np_ = rng.choice(B["np"][d.key])
    return fill(rng.choice(B["hedge"]), np=np_) if d.polarity == "hedged" else np_


def negative_phrases(descs: list[Descriptor], rng: random.Random, B: dict[str, Any],
                     short: bool) -> list[str]:
    """Negated descriptors as short tokens or as whole sentences."""
    negs = [d for d in descs if d.polarity == "neg"]
    if short:
        return [fill(rng.choice(B["short_neg"]), t=rng.choice(B["short"][d.key])) for d in negs]
    if not negs:
        return []
    terms = [rng.choice(B["neg"][d.key]) for d in negs]
    if len(terms) > 1 and rng.random() < 0.5:
        return [fill(rng.choice(B["neg_sentence"]), np=" or ".join(terms))]
    return [fill(rng.choice(B["neg_sentence"]), np=t) for t in terms]


def ago_text(change: Change, exam_date: str, rng: random.Random, B: dict[str, Any],
             dated: bool) -> tuple[str, str]:
    """The interval as ("5 months ago" / a date, a noun form) for a change."""
    date = (dt.date.fromisoformat(exam_date) - dt.timedelta(days=round(change.months * 30.44)))
    options = B["ago"] if dated else [t for t in B["ago"] if "{months}" in t]
    nouns = B["ago_noun"] if dated else [t for t in B["ago_noun"] if "{months}" in t]
    slots = {"months": change.months, "date": date.isoformat()}
    return fill(rng.choice(options), **slots), fill(rng.choice(nouns), **slots)


def change_text(change: Change, exam_date: str, rng: random.Random, B: dict[str, Any],
                dated: bool) -> str:
    """Render the change against the prior exam (interval, prior size, stability)."""
    ago, ago_noun = ago_text(change, exam_date, rng, B, dated)
    year = dt.date.fromisoformat(exam_date).year - change.months // 12
    templates = B["growth"][change.kind]
    if not dated:
        templates = [t for t in templates if "{year}" not in t] or templates
    prior = size_text(change.prior_mm, None, rng, B).strip() if change.prior_mm else ""
    return fill(rng.choice(templates), prior=prior, ago=ago, ago_noun=ago_noun,
                years=change.months // 12, year=year, prior_exam=rng.choice(B["prior_exam"]))
