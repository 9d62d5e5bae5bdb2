"""The examples-aware draft: normal phrasing, item habits and concept-matched reuse."""

from __future__ import annotations

from radlite.core.types import Report
from radlite.tasks import get_task
from radlite.tasks.impression import gate
from radlite.tasks.impression.examples import Example, ExampleBank
from radlite.tasks.impression.habits import ExampleHabits, tidy

NORMAL = "The lungs are clear. No effusion or pneumothorax. Heart size normal."
NORMAL_BANK = [
    Example("Lungs are clear. No pleural effusion or pneumothorax. Heart size normal.",
            "1. No acute radiographic cardiopulmonary process. ."),
    Example("The lungs are clear. No effusion. Normal heart size.",
            "No acute radiographic cardiopulmonary process."),
    Example("Clear lungs. No pneumothorax. Heart normal.", "Negative chest."),
    Example("Small left pleural effusion. Heart normal.", "Small left pleural effusion."),
]


def test_tidy() -> None:
    assert tidy("1. No acute process. .") == "No acute process."
    assert tidy("No acute disease") == "No acute disease."


def test_normal_findings_take_the_most_common_normal_phrasing() -> None:
    habits = ExampleHabits(ExampleBank(NORMAL_BANK), k_normal=3)
    assert habits.draft(NORMAL) == "No acute radiographic cardiopulmonary process."


def test_normal_phrasing_ignores_abnormal_examples_and_falls_back() -> None:
    bank = ExampleBank([Example("Small left pleural effusion.", "Small left pleural effusion.")])
    assert ExampleHabits(bank).draft(NORMAL) == "No acute cardiopulmonary abnormality."
    assert ExampleHabits(ExampleBank([])).draft(NORMAL) == "No acute cardiopulmonary abnormality."


def test_normal_phrase_that_negates_an_asserted_finding_is_never_used() -> None:
    bank = ExampleBank([Example("Lungs clear. Heart normal. Mild hyperexpansion.",
                                "No emphysema.")] * 1
                       + [Example("Lungs clear. Heart normal.", "No emphysema or edema.")])
    draft = ExampleHabits(bank).draft("Lungs clear. Emphysema. Heart normal.")
    assert "No emphysema" not in draft
    assert draft.startswith("No acute cardiopulmonary abnormality.")


def test_non_acute_item_follows_the_examples_but_acute_items_stay() -> None:
    never = [Example(f"Hyperexpanded lungs {i}. No effusion.", "No acute disease.")
             for i in range(5)]
    habits = ExampleHabits(ExampleBank(never), consensus=0)
    # dropped by the examples' habit; no normal example, so the built-in statement
    assert habits.draft("Hyperexpanded lungs. No effusion.") == \
        "No acute cardiopulmonary abnormality."
    # with the consensus step, the wording the nearest examples agree on
    assert ExampleHabits(ExampleBank(never)).draft("Hyperexpanded lungs. No effusion.") == \
        "No acute disease."
    acute = habits.draft("Hyperexpanded lungs. Small right pleural effusion.")
    assert acute == "Small right pleural effusion."
    always = [Example(f"Hyperexpanded lungs {i}.", "Hyperexpanded lungs.") for i in range(5)]
    kept = ExampleHabits(ExampleBank(never[:2] + always), consensus=0).draft("Hyperexpanded lungs.")
    assert kept.endswith("Hyperexpanded lungs.")


def test_concept_matched_reuse_uses_the_departments_wording() -> None:
    bank = ExampleBank([Example("Small left pleural effusion. No pneumothorax.",
                                "Small left effusion, otherwise clear.")])
    habits = ExampleHabits(bank, reuse=True)
    findings = "There is a small left pleural effusion. Lungs otherwise clear."
    assert habits.draft(findings) == "Small left effusion, otherwise clear."
    assert not gate.check(findings, habits.draft(findings))


def test_reuse_never_takes_an_impression_asserting_what_the_findings_negate() -> None:
    # Same concepts in the example findings, but its impression adds a pneumothorax
    # that the current findings negate: never reused.
    bank = ExampleBank([Example("Small left pleural effusion.",
                                "Small left pleural effusion. Small pneumothorax.")])
    findings = "Small left pleural effusion. No pneumothorax."
    draft = ExampleHabits(bank, reuse=True).draft(findings)
    assert "pneumothorax" not in draft.lower()
    assert not gate.check(findings, draft)


def test_reuse_never_takes_an_impression_on_the_other_side() -> None:
    bank = ExampleBank([Example("Small right pleural effusion.", "Right pleural effusion.")])
    findings = "Small left pleural effusion."
    assert ExampleHabits(bank, reuse=True).draft(findings) == "Small left pleural effusion."


def test_task_uses_examples_aware_draft_unless_disabled() -> None:
    bank = ExampleBank(NORMAL_BANK)
    task = get_task("impression", examples=bank)
    record = task.parse(Report("r", NORMAL), "")
    assert record.values["impression"] == "No acute radiographic cardiopulmonary process."
    plain = get_task("impression", examples=bank, examples_draft=False, habit_model="none")
    assert plain.parse(Report("r", NORMAL), "").values["impression"] == \
        "No acute cardiopulmonary abnormality."


CONSENSUS_BANK = [
    Example("Heart size normal. Lungs clear. No effusion.", "No acute disease."),
    Example("Heart size normal. Lungs clear. No pneumothorax.", "No acute disease."),
    Example("Heart size normal. Lungs clear. No focal airspace disease.",
            "No acute cardiopulmonary disease."),
    Example("Heart size normal. Small right pleural effusion.",
            "Small right pleural effusion."),
    Example("Heart size normal. Lungs clear. Right upper lobe consolidation.",
            "Right upper lobe pneumonia."),
]


def test_consensus_takes_the_wording_the_nearest_impressions_share() -> None:
    habits = ExampleHabits(ExampleBank(CONSENSUS_BANK), consensus=3)
    findings = "Heart size normal. Lungs clear. No effusion or pneumothorax."
    scored = habits.bank.scored(findings)
    assert habits.consensus_choice(findings, "Normal chest.", scored) == "No acute disease."


def test_consensus_never_drops_an_acute_finding_the_draft_states() -> None:
    habits = ExampleHabits(ExampleBank(CONSENSUS_BANK), consensus=5)
    findings = "Heart size normal. Lungs clear. Small left pleural effusion."
    draft = habits.draft(findings)
    assert "effusion" in draft.lower()
    assert "left" in draft.lower() and "right" not in draft.lower()  # gate: other side
    assert not gate.check(findings, draft)


def test_consensus_rejects_impressions_the_gate_flags_and_keeps_the_draft_on_ties() -> None:
    # the only neighbour asserts a pneumonia the findings never mention
    bank = ExampleBank([Example("Heart size normal. Lungs clear.", "Right upper lobe pneumonia.")])
    habits = ExampleHabits(bank, consensus=1)
    findings = "Heart size normal. Lungs clear."
    assert habits.draft(findings) == "No acute cardiopulmonary abnormality."
    assert habits.consensus_choice(findings, "Clear.", []) == "Clear."


def test_the_draft_takes_the_numbered_layout_of_most_nearest_examples() -> None:
    numbered = [Example(f"Heart size normal. Lungs clear {i}.", "1. No acute disease.", str(i))
                for i in range(3)]
    plain = [Example(f"Heart size normal. Lungs clear x{i}.", "No acute disease.", f"p{i}")
             for i in range(2)]
    findings = "Heart size normal. Lungs clear."
    habits = ExampleHabits(ExampleBank(numbered + plain))
    assert habits.writes_numbered(findings)
    assert not ExampleHabits(ExampleBank(numbered[:2] + plain)).writes_numbered(findings)
    task = get_task("impression", examples=ExampleBank(numbered + plain))
    assert task.parse(Report("r", findings), "").values["impression"] == "1. No acute disease."
    for off in (get_task("impression", examples=ExampleBank(numbered + plain), follow_layout=False),
                get_task("impression", examples=ExampleBank(numbered + plain), style="plain")):
        assert not off.parse(Report("r", findings), "").values["impression"].startswith("1.")
