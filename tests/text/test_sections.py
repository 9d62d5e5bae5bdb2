"""Report sections: the reason for the exam never becomes a finding."""

from __future__ import annotations

import pytest

from radlite.core.types import Report
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.chest import ChestTask
from radlite.text.sections import context_spans, sections


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start:s.end].strip()) for s in sections(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("INDICATION: r/o PTX\nCOMPARISON: None.\nFINDINGS: Lungs clear.\nIMPRESSION\nNormal.",
     [("reason", "r/o PTX"), ("comparison", "None."), ("findings", "Lungs clear."),
      ("impression", "Normal.")]),
    ("Clinical history: f/u nodule. FINDINGS: No nodule.",
     [("reason", "f/u nodule."), ("findings", "No nodule.")]),
    ("Lungs are clear.", [("unlabelled", "Lungs are clear.")]),
    ("Exam: CT abdomen\nLiver: 2 cm mass.", [("technique", "CT abdomen"),
                                             ("unlabelled", "Liver: 2 cm mass.")]),
    ("[임상정보]\n간암 추적\n\n[소견]\n간에 2 cm 결절.",
     [("reason", "간암 추적"), ("findings", "간에 2 cm 결절.")]),
])
def test_sections(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


def test_context_spans_cover_reason_and_comparison_only() -> None:
    text = "INDICATION: evaluate for pneumonia\nFINDINGS: No pneumonia."
    spans = context_spans(text)
    assert [text[a:b] for a, b in spans] == ["evaluate for pneumonia"]


def test_reason_for_exam_never_makes_a_positive() -> None:
    text = ("INDICATION: r/o pneumothorax, f/u nodule\nCOMPARISON: 2019: effusion\n"
            "FINDINGS: Lungs are clear.\nIMPRESSION: No acute disease.")
    chest = ChestTask(mode="rules", labels="chestxray14").run_batch(None, [Report("c", text)])
    values = chest[0].values
    assert values["Pneumothorax"] == 0 and values["Nodule"] == 0 and values["Effusion"] == 0
    abd = "Indication: liver mass f/u\nTechnique: contrast CT\nLiver: normal."
    record = AbdctTask().run_batch(None, [Report("a", abd)])[0]
    assert not any(v == 1 for k, v in record.values.items()
                   if k.startswith("liver_") and not k.endswith(("urgency", "normal")))
