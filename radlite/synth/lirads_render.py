"""Render a structured LI-RADS case as report text in one of several *voices*.

A voice (data: ``voices`` in the phrase bank) fixes section labels, layout
(``sections``, ``numbered`` or ``block``) and sentence style (``prose`` or ``short``).
Rendering only reads the case; it never decides a label.
"""

from __future__ import annotations

import random
from typing import Any

from radlite.synth.common import a_or_an, add_typo, bank, fill, fix_articles, tidy
from radlite.synth.lirads_case import LiradsCase, Observation, index_position, observation_flags
from radlite.synth.lirads_phrases import (
    change_text,
    join,
    loc_text,
    negative_phrases,
    positive_phrase,
    size_text,
)

VEIN = ("tumor_thrombus", "bland_thrombus")


class _Ctx:
    """Per-report rendering context: bank, voice, random stream, dated flag."""

    def __init__(self, case: LiradsCase, rng: random.Random) -> None:
        self.case = case
        self.rng = rng
        self.ko = case.lang == "ko-en"
        self.B: dict[str, Any] = bank("lirads_ko" if self.ko else "lirads_en")
        self.voice = self.B["voices"][case.voice]
        self.short = self.voice["style"] == "short"
        self.dated = self.voice["layout"] != "block"


def _suspicious_text(obs: Observation, ctx: _Ctx, is_index: bool) -> list[str]:
    rng, B = ctx.rng, ctx.B
    descs = list(obs.descriptors)
    standalone = [d for d in descs if is_index and d.key in VEIN and rng.random() < 0.4]
    descs = [d for d in descs if d not in standalone]
    hedged_sent = [d for d in descs if d.polarity == "hedged" and not ctx.short and rng.random() < 0.3]
    inline = [d for d in descs if d.polarity in ("pos", "hedged") and d not in hedged_sent]
    pos = [positive_phrase(d, rng, B, ctx.short) for d in inline]
    negs = negative_phrases(descs, rng, B, ctx.short)
    if ctx.short:
        pos, negs = pos + negs, []
    size = size_text(obs.size_mm, obs.minor_mm, rng, B) if obs.size_mm else ""
    noun, i, eun = rng.choice(B["nouns"]) if ctx.ko else (rng.choice(B["nouns"]), "", "")
    style = "short" if ctx.short else "prose"
    templates = B["lesion_templates"][style if pos else f"{style}_nopos"]
    if not size:
        templates = [t.replace("{size} 크기의 ", "") for t in templates
                     if "measures {size}" not in t and "{size}," not in t] or ["{loc}: {noun}, {pos}"]
    template = rng.choice(templates)
    loc = loc_text(obs, rng, B, ctx.ko)
    head = f"{size} {noun}".strip()
    text = fill(template, size=size, noun=noun, i=i, eun=eun, loc=loc, pos=join(pos, rng, B),
                a=a_or_an(head), prep=rng.choice(B["segment"].get("prep", [""])) if not ctx.ko else "",
                **{"with": rng.choice(B.get("with", ["with"]))})
    sentences = [tidy(text) if ctx.ko else fix_articles(tidy(text))]
    if obs.change is not None:
        change = change_text(obs.change, ctx.case.exam_date, rng, B, ctx.dated)
        sentences[0] = (sentences[0].rstrip(".") + (f" ({change})." if ctx.ko else f", {change}."))
    sentences += negs
    for d in hedged_sent:
        sentences.append(fill(rng.choice(B["hedge_sentence"]), np=rng.choice(B["np"][d.key])))
    for d in standalone:
        sentences.append(fill("{Np}.", np=positive_phrase(d, rng, B, False)))
    return sentences


def _benign_text(obs: Observation, ctx: _Ctx) -> str:
    rng, B = ctx.rng, ctx.B
    entry = B["benign"][obs.kind]
    name = rng.choice(entry["names"])
    size = size_text(obs.size_mm, obs.minor_mm, rng, B)
    loc = loc_text(obs, rng, B, ctx.ko)
    template = rng.choice(B["benign_short"] if ctx.short else B["benign_templates"])
    text = fill(template, size=size, name=name, loc=loc, extra=rng.choice(entry["extra"]),
                a=a_or_an(size), prep=rng.choice(B["segment"].get("prep", ["in"])))
    if obs.change is not None:
        text = text.rstrip(".") + f", {change_text(obs.change, ctx.case.exam_date, rng, B, ctx.dated)}."
    return tidy(text) if ctx.ko else fix_articles(tidy(text))


def _category(obs: Observation) -> str:
    """Approximate LI-RADS v2018 category, only to word the impression plausibly."""
    flags = observation_flags(obs)
    size = obs.size_mm or 0
    if "tiv" in flags:
        return "tiv"
    if flags & {"lrm_targetoid", "lrm_nontargetoid"}:
        return "lrm"
    majors = flags & {"washout", "capsule", "threshold_growth"}
    if "aphe" not in flags:
        return "probable" if (size >= 20 and majors) or len(majors) >= 2 else "indeterminate"
    if size >= 20:
        return "hcc" if majors else "probable"
    if size >= 10:
        strong = len(majors) >= 2 or majors & {"washout", "threshold_growth"}
        return "hcc" if strong else "probable" if majors else "indeterminate"
    return "probable" if majors else "indeterminate"


def _impression(ctx: _Ctx, index: int | None) -> list[str]:
    rng, B, case = ctx.rng, ctx.B, ctx.case
    imp = B["impression"]
    items: list[str] = []
    for i, obs in enumerate(case.observations):
        if not obs.suspicious:
            continue
        size = size_text(obs.size_mm, None, rng, B).strip() if obs.size_mm else ""
        loc = loc_text(obs, rng, B, ctx.ko)
        pool = imp[_category(obs)] if i == index else imp["other_suspicious"]
        item = tidy(fill(rng.choice(pool), size=size, loc=loc))
        items.append(item[:1].upper() + item[1:])
    if index is None:
        items.insert(0, rng.choice(imp["none"]))
    benign = sorted({o.kind for o in case.observations if not o.suspicious})
    if benign and rng.random() < 0.6:
        names = join([rng.choice(B["benign"][k]["plural"]) for k in benign], rng, B)
        items.append(tidy(fill(rng.choice(imp["benign"]), names=names)))
    if case.cld and case.cld_source != "history" and rng.random() < 0.6:
        items.append(rng.choice(B["cld"]["impression"]))
    return items


def _findings(ctx: _Ctx, index: int | None) -> list[str]:
    rng, B, case = ctx.rng, ctx.B, ctx.case
    out: list[str] = []
    htn = False
    if case.cld and case.cld_source in ("findings", "both"):
        out.append(rng.choice(B["cld"]["findings"]))
        htn = rng.random() < 0.5
    elif not case.cld:  # a history of liver disease is not contradicted by "smooth liver"
        out.append(rng.choice(B["no_cld"]["findings"]))
    for i, obs in enumerate(case.observations):
        out += _suspicious_text(obs, ctx, i == index) if obs.suspicious else [_benign_text(obs, ctx)]
    if index is None and rng.random() < 0.6:
        out.append(rng.choice(B["no_suspicious"]))
    extra = rng.sample(B["other"], k=rng.randint(0, 3))
    if htn:
        extra = [rng.choice(B["cld"]["portal_htn"])] + [
            e for e in extra if not any(w in e.lower() for w in ("spleen", "ascites", "비장", "복수"))]
    if not any(d.key in VEIN for o in case.observations for d in o.descriptors) and rng.random() < 0.3:
        extra.append(rng.choice(B["other_vein"]))
    return [s for s in out + extra if s]


def _header(ctx: _Ctx) -> list[str]:
    rng, B, case, h = ctx.rng, ctx.B, ctx.case, ctx.voice["headers"]
    lines = []
    if h["exam"]:
        lines.append(f"{h['exam']} {rng.choice(B['modality'][case.modality])}")
    if ctx.dated and case.exam_date:
        lines.append(f"{'검사일' if ctx.ko else rng.choice(['Date', 'Exam date', 'Study date'])}: {case.exam_date}")
    if h["history"]:
        src = B["cld"]["history"] if case.cld and case.cld_source != "findings" else B["no_cld"]["history"]
        lines.append(f"{h['history']} {rng.choice(src)}")
    if h["comparison"]:
        if case.prior_date:
            comp = fill(rng.choice(B["comparison"]), date=case.prior_date,
                        prior_exam=rng.choice(B["prior_exam"]), exam_short=B["exam_short"][case.modality])
        else:
            comp = rng.choice(B["no_comparison"])
        lines.append(f"{h['comparison']} {comp}")
    return lines


def render(case: LiradsCase, rng: random.Random) -> str:
    """Render ``case`` as a report in its voice and language.

    Args:
        case: the structured case.
        rng: the record's random stream.

    Returns:
        The report text.
    """
    ctx = _Ctx(case, rng)
    index = index_position(case.observations)
    findings, impression = _findings(ctx, index), _impression(ctx, index)
    h, layout = ctx.voice["headers"], ctx.voice["layout"]
    lines = _header(ctx)
    bullet = "- " if ctx.short else ""
    if layout == "block":
        text = " ".join(findings + impression)
        if case.cld and case.cld_source == "history":
            text = f"{rng.choice(ctx.B['cld']['history'])} {text}"
        return _finish(text, ctx)
    if layout == "numbered":
        body = [f"{i}. {s}" for i, s in enumerate(findings, 1)]
    else:
        body = [f"{bullet}{s}" for s in findings] if rng.random() < 0.6 or ctx.short else [" ".join(findings)]
    imp = [f"{i}. {s}" for i, s in enumerate(impression, 1)] if len(impression) > 1 and rng.random() < 0.7 else [" ".join(impression)]
    lines += ([h["findings"]] if h["findings"] else []) + body + ([""] if h["findings"] else [])
    lines += ([h["impression"]] if h["impression"] else []) + imp
    return _finish("\n".join(lines), ctx)


def _finish(text: str, ctx: _Ctx) -> str:
    if not ctx.ko and ctx.rng.random() < 0.15:
        text = add_typo(text, ctx.rng)
    return text.strip()
