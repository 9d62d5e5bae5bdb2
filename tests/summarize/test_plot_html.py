"""Lesion size plot (SVG), HTML pages, lesion table files and ``summarize --html/--lesions``.

Built against hand-written results in the summariser's output format (``exams``,
``lesions`` with ``observations``), so they do not depend on the engine's rules.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from radlite.cli.summarize import command
from radlite.core.types import Record
from radlite.pipeline.summarize_job import summary_row
from radlite.tasks.summarize.html import CSP, CSS, safe_filename, statements, write_html
from radlite.tasks.summarize.plot import date_positions, nice_axis, size_plot_svg
from radlite.tasks.summarize.table_io import COLUMNS, write_lesion_table

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert('x')</script> & \"nodule\""


def _obs(rid: str, day: str, modality: str, size: float | None, text: str | None,
         status: str, present: bool = True) -> dict:
    return {"report_id": rid, "date": day, "modality": modality, "size_mm": size,
            "size_text": text, "present": present, "status": status, "response": status,
            "evidence": {"report_id": rid, "field": "impression", "start": 0, "end": 5}}


def _result(patient: str = "P1") -> dict:
    exams = [("P1-1", "2023-01-14", "CT"), ("P1-2", "2023-04-02", "MRI"),
             ("P1-3", "2023-07-01", "PET-CT")]
    return {
        "patient_id": patient, "summary": "Liver metastasis resolved; lung nodule grew.",
        "per_report": ["Baseline lesions.", "Liver smaller.", "Liver resolved; lung larger."],
        "status": "mixed response",
        "exams": [{"report_id": r, "date": d, "modality": m} for r, d, m in exams],
        "lesions": [
            {"lesion_id": "L1", "site": "liver segment 7", "label": "liver segment 7 metastasis",
             "observations": [
                 _obs("P1-1", "2023-01-14", "CT", 38.0, "3.8 cm", "baseline"),
                 _obs("P1-2", "2023-04-02", "MRI", 29.0, "2.9 cm", "decreased"),
                 _obs("P1-3", "2023-07-01", "PET-CT", None, None, "resolved", present=False)]},
            {"lesion_id": "L2", "site": "lung <RUL> & 'hilum'", "label": EVIL,
             "observations": [
                 _obs("P1-1", "2023-01-14", "CT", 8.0, "8 mm", "baseline"),
                 _obs("P1-2", "2023-04-02", "MRI", None, None, "stable"),
                 _obs("P1-3", "2023-07-01", "PET-CT", 14.0, "14 mm", "increased")]},
            {"lesion_id": "L3", "site": "bone", "label": "sclerotic bone lesion",
             "observations": [_obs("P1-2", "2023-04-02", "MRI", None, None, "new")]},
        ]}


FAILED = {"patient_id": "P<2>", "per_report": [], "summary": "", "status": "failed",
          "error": "malformed patient: 'reports' is empty <b>"}


# ---- plot --------------------------------------------------------------------------------


def test_svg_is_well_formed_with_one_polyline_per_measured_lesion() -> None:
    svg = size_plot_svg(_result())
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    assert root.get("aria-label", "").startswith("Lesion size over time for patient P1")
    assert root.find(SVG + "title") is not None
    # L3 has no size: left out; L1 and L2 one polyline each
    assert len(root.findall(f".//{SVG}polyline")) == 2
    groups = root.findall(f".//{SVG}g[@class='lesion']")
    assert [g.get("data-lesion") for g in groups] == ["L1", "L2"]
    # L2's unmeasured MRI observation has no point; L1's resolved one is a hollow marker
    assert len(groups[1].find(SVG + "polyline").get("points").split()) == 2
    l1 = groups[0].find(SVG + "polyline").get("points").split()
    assert len(l1) == 3
    assert all(float(p.split(",")[1]) <= 300 for p in l1) and l1[-1].endswith(",300.0")
    hollow = [m for m in groups[0] if m.tag != SVG + "polyline" and m.get("fill") == "#ffffff"]
    assert len(hollow) == 1
    assert "script" not in {el.tag.removeprefix(SVG) for el in root.iter()}
    assert "style" not in svg  # no style attributes or elements (review page CSP)
    assert size_plot_svg(_result()) == svg  # deterministic


def test_svg_escapes_report_text() -> None:
    result = _result("P&<1>")
    result["exams"][0]["modality"] = "<CT>"
    svg = size_plot_svg(result)
    assert "<script>" not in svg and "<CT>" not in svg and "P&<1>" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    assert EVIL in texts and "<CT>" in texts
    assert "P&<1>" in root.find(SVG + "title").text
    # characters XML forbids are dropped, not passed through
    result["lesions"][0]["label"] = "bad\x00\x1bchars"
    ET.fromstring(size_plot_svg(result))


def test_time_proportional_x_and_modality_ticks() -> None:
    root = ET.fromstring(size_plot_svg(_result()))
    ticks = {t.text: float(t.get("x")) for t in root.iter(SVG + "text")
             if re.fullmatch(r"\d{4}-\d\d-\d\d", t.text or "")}
    a, b, c = ticks["2023-01-14"], ticks["2023-04-02"], ticks["2023-07-01"]
    assert abs((b - a) / (c - a) - 78 / 168) < 0.01  # days between exams
    labels = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    for modality in ("CT", "MRI", "PET-CT"):
        assert labels.count(modality) == 2  # under the tick and in the key
    positions = date_positions(["x", "y", "z"], 0, 100)
    assert positions == {"x": 0, "y": 50, "z": 100}  # not ISO dates: equal spacing
    assert nice_axis(38) == (40, 10) and nice_axis(0) == (10, 2)


def test_placeholder_when_nothing_is_measured() -> None:
    for result in ({"patient_id": "P9", "summary": "s", "per_report": [], "status": "x"},
                   {**_result(), "lesions": [_result()["lesions"][2]]}, FAILED):
        svg = size_plot_svg(result)
        root = ET.fromstring(svg)
        assert "No measured lesions" in "".join(root.itertext())
        assert root.findall(f".//{SVG}polyline") == []


def test_colours_and_shapes_vary() -> None:
    result = _result()
    base = result["lesions"][0]
    result["lesions"] = []
    for i in range(6):
        lesion = copy.deepcopy(base)
        lesion["lesion_id"] = f"L{i}"
        result["lesions"].append(lesion)
    root = ET.fromstring(size_plot_svg(result))
    groups = root.findall(f".//{SVG}g[@class='lesion']")
    colours = [g.find(SVG + "polyline").get("stroke") for g in groups]
    shapes = [g[1].tag for g in groups]
    assert len(set(colours)) == 6 and len(set(shapes)) >= 3


# ---- html ----------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k in ("href", "src")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text("utf-8"))
    return parser


def test_pages_and_index(tmp_path: Path) -> None:
    second = _result("../P 3")
    del second["lesions"], second["exams"]  # an engine without lesions
    paths = write_html([_result(), FAILED, second], tmp_path / "out")
    assert [p.name for p in paths] == ["P1.html", "P_3.html", "index.html"]
    page = paths[0].read_text("utf-8")
    assert CSP in page and f"<style>{CSS}</style>" in page
    parsed = _parse(paths[0])
    assert "script" not in parsed.tags and "svg" in parsed.tags
    assert parsed.hrefs == ["index.html"]  # nothing external
    assert "<script>" not in page and "&lt;script&gt;" in page
    text = "".join(parsed.text)
    for expected in ("Liver metastasis resolved; lung nodule grew.", "3.8 cm", "resolved",
                     "present, not measured", "lung <RUL> & 'hilum'", "Liver smaller.",
                     "2023-04-02", "PET-CT"):
        assert expected in text, expected
    assert parsed.tags.count("tr") == 4  # header + 3 lesions
    assert "No lesions tracked." in paths[1].read_text("utf-8")
    index = _parse(paths[-1])
    assert index.hrefs == ["P1.html", "P_3.html"]
    index_text = "".join(index.text)
    assert "P<2>" in index_text and "malformed patient: 'reports' is empty <b>" in index_text
    assert "3 patients, 1 failed" in index_text
    assert not (tmp_path / "out" / "P_2_.html").exists()


def test_safe_filenames() -> None:
    taken: set[str] = set()
    names = [safe_filename(p, taken) for p in
             ("P1", "p1", "index", "../../etc/passwd", "", None, "a/b", "a?b", "con")]
    assert names == ["P1", "p1-2", "patient_index", "etc_passwd", "patient", "patient-2",
                     "a_b", "a_b-2", "patient_con"]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", n) and not n.startswith(".") for n in names)


def test_statements_pair_per_report_with_exams_in_input_order() -> None:
    result = _result()
    result["exams"] = list(reversed(result["exams"]))  # input order is not date order
    result["per_report"] = list(reversed(result["per_report"]))  # both in input order
    assert statements(result)[-1] == ("2023-01-14", "CT", "Baseline lesions.")
    result["per_report"] = [{"report_id": "P1-2", "text": "From a dict."}]
    assert statements(result) == [("2023-04-02", "MRI", "From a dict.")]
    result["per_report"] = ["one", "two"]  # not one per exam: no dates
    assert statements(result) == [("", "", "one"), ("", "", "two")]


# ---- lesion table --------------------------------------------------------------------------


def test_lesion_csv_and_json(tmp_path: Path) -> None:
    rows = [_result(), FAILED, {"patient_id": "P4", "summary": "", "per_report": [],
                                "status": "stable"}]
    assert write_lesion_table(rows, tmp_path / "l.csv") == 7
    with (tmp_path / "l.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == COLUMNS
    assert [(r["lesion_id"], r["report_id"]) for r in table][:3] == [
        ("L1", "P1-1"), ("L1", "P1-2"), ("L1", "P1-3")]
    first, resolved = table[0], table[2]
    assert (first["patient_id"], first["site"], first["size_mm"], first["size_text"],
            first["present"], first["modality"]) == ("P1", "liver segment 7", "38.0",
                                                     "3.8 cm", "true", "CT")
    assert (resolved["size_mm"], resolved["present"], resolved["status"]) == (
        "", "false", "resolved")
    assert table[3]["label"] == EVIL
    assert write_lesion_table(rows, tmp_path / "l.json") == 7
    data = json.loads((tmp_path / "l.json").read_text("utf-8"))
    assert [list(r) for r in data] == [COLUMNS] * 7
    assert data[2]["size_mm"] is None and data[2]["present"] is False
    assert data[0]["size_mm"] == 38.0
    assert write_lesion_table([FAILED], tmp_path / "empty.csv") == 0
    assert (tmp_path / "empty.csv").read_text("utf-8").strip() == ",".join(COLUMNS)


def test_summary_row_keeps_every_value_in_a_stable_order() -> None:
    values = {"lesions": [1], "status": "stable", "exams": [2], "summary": "s",
              "per_report": ["a"], "patient_id": "P1", "evidence": {"x": 1}}
    row = summary_row(Record(id="P1", task="summarize", status="ok", values=values))
    assert list(row) == ["patient_id", "summary", "per_report", "status", "evidence",
                         "exams", "lesions"]
    assert row["lesions"] == [1]
    old = summary_row(Record(id="P2", task="summarize", status="ok",
                             values={"summary": "s", "per_report": [], "status": "x"}))
    assert old == {"patient_id": "P2", "summary": "s", "per_report": [], "status": "x"}
    failed = summary_row(Record(id="P3", task="summarize", status="failed", error="bad"))
    assert failed["status"] == "failed" and failed["error"] == "bad"


# ---- CLI -----------------------------------------------------------------------------------


def test_cli_html_and_lesions(tmp_path: Path) -> None:
    patients = [
        {"patient_id": "p1", "reports": [
            {"id": "r1", "date": "2023-01-01", "modality": "CT",
             "impression": "Liver lesion, 20 mm."},
            {"id": "r2", "date": "2023-06-01", "modality": "MRI",
             "impression": "Liver lesion, 12 mm."}]},
        {"patient_id": "p/2", "reports": []},  # malformed: a failed row
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(p) + "\n" for p in patients), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    for table in ("lesions.csv", "lesions.json"):
        result = CliRunner().invoke(command, [
            str(src), "-o", str(out), "--no-progress", "--restart",
            "--html", str(tmp_path / "html"), "--lesions", str(tmp_path / table)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "html" / "index.html").exists()
    assert (tmp_path / "html" / "p1.html").exists()
    assert sorted(p.name for p in (tmp_path / "html").iterdir()) == ["index.html", "p1.html"]
    index = (tmp_path / "html" / "index.html").read_text("utf-8")
    assert "p/2" in index and "failed" in index
    page = _parse(tmp_path / "html" / "p1.html")
    assert "svg" in page.tags and "script" not in page.tags
    with (tmp_path / "lesions.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == COLUMNS
        assert all(row[0] == "p1" for row in reader)
    data = json.loads((tmp_path / "lesions.json").read_text("utf-8"))
    assert isinstance(data, list) and all(list(r) == COLUMNS for r in data)
