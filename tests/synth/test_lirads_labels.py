"""LI-RADS gold labels: spec rules on hand-built cases, and invariants on sampled ones."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from radlite.schemas import lirads_binary_features, lirads_features
from radlite.synth.common import record_rng
from radlite.synth.lirads_case import (
    POSITIVE,
    Change,
    Descriptor,
    LiradsCase,
    Observation,
    derive_labels,
    descriptor_table,
    index_position,
    observation_flags,
)
from radlite.synth.lirads_sample import sample_case


def _case(*obs: Observation, cld: bool = False) -> LiradsCase:
    return LiradsCase("eob", "en", "academic", cld, "findings" if cld else None, list(obs))


def _lesion(size: int | None, *keys: str, seg: int = 8, polarity: str = "pos", **kw) -> Observation:
    return Observation("suspicious", size, segments=[seg],
                       descriptors=[Descriptor(k, polarity) for k in keys], **kw)


def test_rim_aphe_and_peripheral_washout_are_targetoid_only() -> None:
    labels = derive_labels(_case(_lesion(25, "rim_aphe", "peripheral_washout")))
    assert (labels["lrm_targetoid"], labels["aphe"], labels["washout"]) == (1, 0, 0)


def test_diffusion_degrees() -> None:
    plain = derive_labels(_case(_lesion(20, "dwi")))
    marked = derive_labels(_case(_lesion(20, "marked_dwi")))
    assert (plain["af_malignant"], plain["lrm_nontargetoid"]) == (1, 0)
    assert (marked["af_malignant"], marked["lrm_nontargetoid"]) == (1, 1)


def test_capsule_and_thrombus_kinds() -> None:
    labels = derive_labels(_case(_lesion(30, "nonenhancing_capsule", "bland_thrombus")))
    assert (labels["capsule"], labels["af_malignant"], labels["tiv"]) == (0, 1, 0)
    assert derive_labels(_case(_lesion(30, "capsule", "tumor_thrombus")))["tiv"] == 1


def test_negated_and_hedged() -> None:
    assert derive_labels(_case(_lesion(30, "washout", polarity="neg")))["washout"] == 0
    assert derive_labels(_case(_lesion(30, "washout", polarity="hedged")))["washout"] == 1


def test_index_is_largest_suspicious_not_largest_benign() -> None:
    cyst = Observation("cyst", 70, segments=[2])
    small = _lesion(12, "washout", seg=3)
    big = _lesion(25, "aphe", seg=1)
    labels = derive_labels(_case(cyst, small, big))
    assert (labels["size"], labels["location"], labels["aphe"], labels["washout"]) == (25, 1, 1, 0)


def test_ties_and_unsized_resolve_to_first() -> None:
    assert derive_labels(_case(_lesion(20, "aphe", seg=5), _lesion(20, "washout", seg=6)))["location"] == 5
    assert derive_labels(_case(_lesion(None, seg=4), _lesion(None, "aphe", seg=7)))["location"] == 4


def test_lobe_only_and_no_suspicious() -> None:
    lobe = Observation("suspicious", 22, lobe="right", descriptors=[Descriptor("aphe", "pos")])
    assert derive_labels(_case(lobe))["location"] is None
    labels = derive_labels(_case(Observation("hemangioma", 40, segments=[7]), cld=True))
    assert labels["size"] is None and labels["location"] is None and labels["cld"] == 1
    assert all(labels[f] == 0 for f in lirads_binary_features() if f != "cld")


def test_growth_labels() -> None:
    grow = derive_labels(_case(_lesion(30, change=Change("threshold", 4, 15))))
    slow = derive_labels(_case(_lesion(30, change=Change("subthreshold", 12, 15))))
    stable = derive_labels(_case(_lesion(30, change=Change("stable_long", 30, 30))))
    assert (grow["threshold_growth"], grow["af_malignant"]) == (1, 0)
    assert (slow["threshold_growth"], slow["af_malignant"]) == (0, 1)
    assert stable["af_benign"] == 1


SEEDS = st.integers(min_value=0, max_value=10**9)
LANG = st.sampled_from(["en", "ko-en"])


@settings(max_examples=300, deadline=None)
@given(seed=SEEDS, lang=LANG)
def test_sampled_case_invariants(seed: int, lang: str) -> None:
    case = sample_case(record_rng("prop", seed, 0), lang)
    labels = derive_labels(case)
    assert list(labels) == lirads_features()
    pos = index_position(case.observations)
    assert pos == case.intended_index  # the rule finds the lesion the sampler meant
    susp = [o for o in case.observations if o.suspicious]
    if pos is None:
        assert not susp and labels["size"] is None and labels["location"] is None
        assert all(labels[f] == 0 for f in lirads_binary_features() if f != "cld")
        return
    index = case.observations[pos]
    assert index.suspicious
    if index.size_mm is None:
        assert all(o.size_mm is None for o in susp)
    else:
        assert all(o.size_mm is not None and o.size_mm <= index.size_mm for o in susp)
        ties = [i for i, o in enumerate(case.observations) if o.suspicious and o.size_mm == index.size_mm]
        assert ties[0] == pos
    assert labels["location"] == (index.segments[0] if index.segments else None)


@settings(max_examples=300, deadline=None)
@given(seed=SEEDS, lang=LANG)
def test_negated_never_one_and_other_lesions_never_count(seed: int, lang: str) -> None:
    case = sample_case(record_rng("prop", seed, 1), lang)
    labels = derive_labels(case)
    pos = index_position(case.observations)
    if pos is None:
        return
    index = case.observations[pos]
    table = descriptor_table()
    flags = observation_flags(index)
    for d in index.descriptors:
        for name in table[d.key]["labels"]:
            if d.polarity not in POSITIVE:
                assert labels[name] == int(name in flags)  # set only by another positive statement
            else:
                assert labels[name] == 1
    stripped = copy.deepcopy(case)
    for i, obs in enumerate(stripped.observations):
        if i != pos:
            obs.descriptors, obs.change = [], None
    assert derive_labels(stripped) == labels


@settings(max_examples=300, deadline=None)
@given(seed=SEEDS, lang=LANG)
def test_descriptor_structure_and_growth_definitions(seed: int, lang: str) -> None:
    case = sample_case(record_rng("prop", seed, 2), lang)
    table = descriptor_table()
    for obs in case.observations:
        groups = [table[d.key]["group"] for d in obs.descriptors]
        assert len(groups) == len(set(groups))
        assert all(case.modality in table[d.key]["modalities"] for d in obs.descriptors)
        ch = obs.change
        if ch is None:
            continue
        if ch.kind == "threshold":
            assert ch.months <= 6 and obs.size_mm >= 1.5 * ch.prior_mm
        elif ch.kind == "new":
            assert obs.size_mm >= 10 and ch.months <= 24
        elif ch.kind == "subthreshold":
            assert obs.size_mm > ch.prior_mm
            assert ch.months > 6 or obs.size_mm < 1.5 * ch.prior_mm
        elif ch.kind == "stable_long":
            assert ch.months >= 24
        elif ch.kind == "stable_short":
            assert ch.months < 24
        elif ch.kind == "decreased":
            assert ch.prior_mm > obs.size_mm
