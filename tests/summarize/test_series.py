"""Longitudinal summaries: lesion-level reading, matching across dates, grounded writing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from radlite.tasks.summarize import summarize_series
from radlite.tasks.summarize.measure import readings
from radlite.tasks.summarize.reading import read_text

SERIES = {"patient_id": "p1", "reports": [
    {"id": "r3", "date": "2023-07-01", "modality": "CT abdomen",
     "impression": "1. Segment 7, 1.9 cm. 2. New 1.1 cm segment 2 lesion. 3. No evidence of "
                   "thoracic metastatic disease."},
    {"id": "r1", "date": "2023-01-14", "modality": "CT abdomen",
     "impression": "1. Segment 7 metastasis 3.8 cm abutting the right and middle hepatic veins. "
                   "2. Segment 4 lesion 1.2 cm. 3. 5.2 cm sigmoid colon mass with adjacent "
                   "pericolic lymph nodes measuring up to 11 mm. 4. Cholelithiasis."},
    {"id": "r2", "date": "2023-04-02", "modality": "MRI liver",
     "impression": "1. Segment 7 metastasis now 2.9 cm (previously 3.8 cm). 2. Interval "
                   "resolution of the segment 4 lesion. 3. No new hepatic lesions."},
]}


def _lesions(out: dict) -> dict[str, dict]:
    return {lesion["label"]: lesion for lesion in out["lesions"]}


def test_sizes_now_and_before() -> None:
    cases = {"now 2.9 cm (previously 3.8 cm)": ("2.9 cm", "3.8 cm"),
             "decreased from 3.8 to 2.9 cm": ("2.9 cm", "3.8"),
             "12 -> 15 mm": ("15 mm", "12"), "2.1 x 1.4 cm, previously 2.5 x 1.8 cm":
             ("2.1 x 1.4 cm", "2.5 x 1.8 cm"), "previously 38 mm, now 29 mm": ("29 mm", "38 mm"),
             "nodule 12 mm → 8 mm": ("8 mm", "12 mm")}
    for text, (now, before) in cases.items():
        (reading,) = readings(text)
        assert (reading.current.text, reading.prior.text) == (now, before), text
    assert readings("2.1 x 1.4 cm")[0].current.mm == 21.0


def test_negated_and_normal_statements_are_never_findings() -> None:
    for text in ("No new hepatic lesions.", "No lymphadenopathy.",
                 "No evidence of thoracic metastatic disease.", "No residual tumour.",
                 "Ablation zone without residual enhancement."):
        found = read_text(text, "r", "impression")
        assert all(f.kind != "lesion" or f.head.lower().startswith("ablation")
                   for f in found.findings), text
    negations = read_text("No new hepatic lesions.", "r", "impression").negations
    assert negations and negations[0].no_new


def test_size_goes_to_its_own_structure_and_vessels_are_not_lesions() -> None:
    found = read_text("5.2 cm sigmoid colon mass with adjacent pericolic lymph nodes measuring "
                      "up to 11 mm.", "r", "impression").findings
    sizes = {f.kind: f.reading.current.text for f in found}
    assert sizes == {"tumour": "5.2 cm", "node": "11 mm"}
    found = read_text("New 1.5 cm lesion in segment 8 abutting the right and middle hepatic "
                      "veins.", "r", "impression").findings
    assert [(f.detail, f.organ, f.status) for f in found] == [("segment 8", "liver", "new")]
    (site,) = read_text("Segment 7, 3.8 cm.", "r", "impression").findings
    assert (site.detail, site.reading.current.text) == ("segment 7", "3.8 cm")


def test_an_ordinal_is_not_a_lesion_name() -> None:
    """"A second lesion in segment 4a": the lesion is named by its site, not its order."""
    found = read_text("Segment 7 metastasis, 3.8 cm. A second lesion in segment 4a measures "
                      "1.2 cm.", "r", "impression").findings
    assert [f.label for f in found] == ["segment 7 metastasis", "lesion"]
    series = {"patient_id": "P", "reports": [
        {"id": "a", "date": "2023-01-01", "modality": "CT",
         "impression": "Segment 7 metastasis, 3.8 cm. A second lesion in segment 4a measures "
                       "1.2 cm."},
        {"id": "b", "date": "2023-04-01", "modality": "CT",
         "impression": "Segment 7 metastasis 2.9 cm. Segment 4a lesion 0.8 cm."}]}
    out = summarize_series(series, statements="table")
    assert "segment 4a lesion" in _lesions(out)
    assert "second" not in " ".join(out["per_report"])


def test_lesions_matched_across_dates_with_responses() -> None:
    out = summarize_series(SERIES)
    lesions = _lesions(out)
    seg7 = lesions["segment 7 metastasis"]["observations"]
    assert [(o["date"], o["size_text"]) for o in seg7] == [
        ("2023-01-14", "3.8 cm"), ("2023-04-02", "2.9 cm"), ("2023-07-01", "1.9 cm")]
    assert [o["response"] for o in seg7] == ["baseline", "stable", "decreased"]
    seg4 = lesions["segment 4 lesion"]["observations"]
    assert [(o["present"], o["response"]) for o in seg4] == [(True, "baseline"),
                                                             (False, "resolved")]
    assert lesions["segment 2 lesion"]["observations"][0]["response"] == "new"
    assert "pericolic lymph nodes" in lesions
    assert lesions["pericolic lymph nodes"]["observations"][0]["size_text"] == "11 mm"
    assert not any("vein" in label for label in lesions)
    assert all("no " not in label.lower() for label in lesions)


def test_table_statements_in_input_order_and_grounded() -> None:
    out = summarize_series(SERIES, statements="table")
    first, second, third = out["per_report"]
    assert second.startswith("Baseline CT:") and "3.8 cm" in second
    # the impression's lead item, then the table's changes it does not state
    assert third == ("Segment 7 metastasis now 2.9 cm (previously 3.8 cm); segment 4 lesion "
                     "resolved; no new lesions.")
    assert first == ("Segment 7, 1.9 cm; segment 7 metastasis decreased from 2.9 cm to 1.9 cm; "
                     "new segment 2 lesion (1.1 cm).")
    assert [(e["report_id"], e["change"]) for e in out["exams"]] == [
        ("r3", "Mixed response"), ("r1", "baseline"), ("r2", "Interval improvement")]
    source = " ".join(f"{r['date']} {r['impression']}" for r in SERIES["reports"])
    for text in [out["summary"], *out["per_report"]]:
        for value in re.findall(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?", text):
            assert value in source, (value, text)
    assert all(e["end"] > e["start"] for e in out["evidence"]["summary"])


def test_summary_shape_and_modalities() -> None:
    out = summarize_series(SERIES)
    sentences = [s for s in re.split(r"(?<=\.)\s+(?=[A-Z])", out["summary"]) if s]
    assert 3 <= len(sentences) <= 5, sentences
    assert len(out["summary"].split()) <= 150
    assert "two CT, one MRI" in out["summary"]
    assert "2023-01-14 to 2023-07-01" in out["summary"]


def test_long_series_is_not_truncated() -> None:
    reports = [{"id": f"r{i}", "date": f"20{10 + i}-01-01",
                "impression": f"Left renal mass, {20 + 3 * i} mm."} for i in range(12)]
    out = summarize_series({"patient_id": "p", "reports": reports})
    assert len(out["per_report"]) == 12
    (lesion,) = out["lesions"]
    assert len(lesion["observations"]) == 12
    assert "from 20 mm (2010-01-01) to 53 mm (2021-01-01)" in out["summary"]


def test_cli(tmp_path: Path) -> None:
    from radlite.cli.summarize import command

    src = tmp_path / "s.jsonl"
    src.write_text(json.dumps(SERIES) + "\n", encoding="utf-8")
    result = CliRunner().invoke(command, [str(src), "-o", str(tmp_path / "o.jsonl"),
                                          "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "o.jsonl").read_text())["patient_id"] == "p1"


def test_grounding_gate() -> None:
    from radlite.tasks.summarize.prose import gate

    slot = "Segment 7 decreased from 3.8 cm (2023-01-14) to 2.9 cm (2023-04-02)."
    ok = "The segment 7 lesion shrank from 3.8 cm on 2023-01-14 to 2.9 cm on 2023-04-02."
    assert gate(ok, slot, set(), {"liver"}) is None
    assert gate(ok.replace("2.9", "2.8"), slot, set(), {"liver"}) is not None
    assert gate(ok.replace(" to 2.9 cm on 2023-04-02", ""), slot, set(), {"liver"}) is not None
    assert gate(ok.replace("segment 7", "left adrenal"), slot, set(), {"liver"}) is not None
    assert gate(ok.replace("shrank", "did not shrink"), slot, set(), {"liver"}) is not None
    assert gate(ok + " It is benign.", slot, set(), {"liver"}) == "not one sentence"


def test_model_mode_keeps_table_sentences_the_gate_refuses() -> None:
    from radlite.backends.scripted import ScriptedBackend
    from radlite.core.types import Report
    from radlite.tasks.summarize.task import SummarizeTask

    plain = summarize_series(SERIES)
    task = SummarizeTask(mode="model")
    assert task.needs_model
    invented = ScriptedBackend(responder=lambda _req: "A 9.9 cm mass appeared on 2020-01-01.")
    (record,) = task.run_batch(invented, [Report(id="p1", text=json.dumps(SERIES))])
    assert record.values["summary"] == plain["summary"]
    assert {n["source"] for n in record.values["summary_sources"]} == {"table"}
    echo = ScriptedBackend(responder=lambda req: req.messages[-1]["content"].upper())
    (record,) = task.run_batch(echo, [Report(id="p1", text=json.dumps(SERIES))])
    assert record.values["summary"] == plain["summary"].upper()
    assert {n["source"] for n in record.values["summary_sources"]} == {"model"}


def test_list_numbers_are_not_decimals_and_sizes_are_grounded_whole() -> None:
    from radlite.tasks.summarize.writing import Source, ground

    out = summarize_series({"patient_id": "d", "reports": [
        {"id": "a", "date": "2023-01-01", "impression": "8.4 x 7.6 cm left renal mass."},
        {"id": "b", "date": "2023-03-01", "impression": "1. 4.6 cm left renal mass, "
                                                          "previously 8.4 cm. 2. No new lesions."}]},
        statements="table")
    assert out["per_report"][0].startswith("Baseline imaging: 8.4 x 7.6 cm left renal mass")
    assert out["per_report"][1].startswith("4.6 cm left renal mass, previously 8.4 cm")
    sources = [Source("a", "impression", "Mass 8.4 x 7.6 cm. 4 lesions.")]
    assert ground("mass 8.4 x 7.6 cm", sources)[1] == []
    assert ground("mass 4 x 7.6 cm", sources)[1] == ["4 x 7.6 cm"]


def test_a_list_number_left_at_an_items_end_is_not_written() -> None:
    """"SUVmax 9.6. 2. Avid nodes": the splitter ends the first item after "2."; neither
    statement kind may write that list number (it is no value of the report)."""
    series = {"patient_id": "g", "reports": [
        {"id": "a", "date": "2023-01-01", "modality": "CT",
         "impression": "1. Antral thickening up to 2.1 cm. 2. Perigastric node 1.3 cm."},
        {"id": "b", "date": "2023-02-01", "modality": "PET-CT",
         "impression": "1. FDG-avid antral primary, SUVmax 9.6. 2. Avid lesser curvature "
                       "and celiac nodes. 3. No distant FDG-avid disease."}]}
    for kind in ("table", "selected"):
        second = summarize_series(series, statements=kind)["per_report"][1]
        assert not re.search(r"9\.6\. 2|(?<![\d.])2(?![\d.])", second), (kind, second)


def test_a_category_valued_none_is_negated() -> None:
    """Structured reports: "New lesions: none" asserts no lesion; "none larger than"
    keeps the lesions it qualifies."""
    assert read_text("New lesions: none. Non-target lesions: none", "r",
                     "impression").findings == []
    kept = read_text("Two new liver lesions, none larger than 5 mm.", "r", "impression")
    assert [f.label for f in kept.findings] == ["liver lesions"]


def test_a_label_before_a_negation_is_not_a_finding() -> None:
    """Organ-labelled lines ("Nodes: no lymphadenopathy.") negate what the label names;
    a label before an assertion still leaves its finding ("Nodes: 15 mm left axillary
    node")."""
    for text in ("Nodes: no lymphadenopathy.", "Nodes: no suspicious cervical node.",
                 "New lesions: not applicable (baseline)."):
        reading = read_text(text, "r", "impression")
        assert reading.findings == [], text
    assert read_text("Nodes: no lymphadenopathy.", "r", "impression").negations
    kept = read_text("Nodes: 15 mm left axillary node.", "r", "impression").findings
    assert [f.reading.current.text for f in kept if f.reading and f.reading.current] == \
        ["15 mm"]


def test_split_items_never_ends_a_piece_with_the_next_items_number() -> None:
    from radlite.text.sentences import split_items

    texts = [s.text for s in split_items("1. FDG-avid primary, SUVmax 9.6. 2. Avid nodes. "
                                         "3. Lesions at T9 and L4. 4. No epidural disease.")]
    assert texts == ["FDG-avid primary, SUVmax 9.6.", "Avid nodes.", "Lesions at T9 and L4.",
                     "No epidural disease."]
    assert [s.text for s in split_items("Deauville score 3.")] == ["Deauville score 3."]
