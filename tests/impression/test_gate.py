"""Consistency gate: hand-computed cases."""

from __future__ import annotations

from radlite.tasks.impression.gate import check, measurements_mm
from radlite.tasks.impression.lexicon import sentence_mentions
from radlite.text.sentences import split_items

FINDINGS = ("Heart size is normal. Small left pleural effusion. No pneumothorax. "
            "There is a 1.5 cm nodule in the right upper lobe.")


def kinds(impression: str) -> set[str]:
    return {f.kind for f in check(FINDINGS, impression)}


def test_faithful_impression_passes() -> None:
    assert check(FINDINGS, "Small left pleural effusion. 15 mm right upper lobe nodule.") == []


def test_negated_finding_asserted_is_flagged_with_sentence() -> None:
    flags = check(FINDINGS, "Small left effusion. Right pneumothorax.")
    assert [(f.kind, f.item, f.sentence) for f in flags] == [
        ("negated", "pneumothorax", "Right pneumothorax.")]


def test_unmentioned_finding_and_dropped_finding() -> None:
    assert kinds("Cardiomegaly.") == {"unsupported"}
    assert kinds("No pleural effusion.") == {"dropped"}


def test_laterality_swap() -> None:
    assert "laterality" in kinds("Small right pleural effusion.")


def test_measurement_change_cm_mm() -> None:
    assert measurements_mm("2.3 x 1.5 cm and 4 mm") == [23.0, 15.0, 4.0]
    assert kinds("1.5 cm right upper lobe nodule.") == set()
    assert kinds("2.5 cm right upper lobe nodule.") == {"measurement"}


def test_hedged_mention_not_required_to_be_supported() -> None:
    assert check("Patchy left basilar opacity.", "Left basilar opacity, possibly pneumonia.") == []


def test_negation_scope_and_sentences() -> None:
    found = sentence_mentions("No effusion, but there is mild edema.")
    assert [(m.concept, m.status) for m in found] == [("effusion", "negated"), ("edema", "asserted")]
    assert [s.text for s in split_items("1. A 1.5 cm nodule. 2. No effusion.")] == [
        "A 1.5 cm nodule.", "No effusion."]
