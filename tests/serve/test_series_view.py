"""The review page's Series view: POST /v1/summarize, then summary, lesion table and the
size plot built with DOM methods, in headless Chromium under the page's real CSP.

The API test runs wherever the serve extra is installed; the browser tests skip without
Chromium or Playwright, like tests/serve/test_review_page.py. Set
``RADLITE_SCREENSHOT_SERIES=path.png`` to save a screenshot of the view.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("RADLITE_CHROMIUM", "/usr/bin/chromium")
HAVE_CHROMIUM = Path(CHROMIUM).exists() or bool(shutil.which(CHROMIUM))
try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - depends on the install
    sync_api = None
needs_browser = pytest.mark.skipif(
    not HAVE_CHROMIUM or sync_api is None,
    reason=f"needs Chromium at {CHROMIUM} and playwright (apt-get install -y chromium; "
           "pip install playwright)")

EVIL = "<img src=x onerror=alert(1)> & \"nodule\""
PATIENT = {"patient_id": "s1", "reports": [
    {"id": "r1", "date": "2023-01-10", "modality": "CT",
     "impression": "3.8 cm metastasis in liver segment 7."},
    {"id": "r2", "date": "2023-05-02", "modality": "MRI",
     "impression": "Liver segment 7 metastasis now 2.9 cm."}]}


def _obs(rid: str, day: str, modality: str, size: float | None, status: str,
         present: bool = True) -> dict:
    text = None if size is None else f"{size:g} mm"
    return {"report_id": rid, "date": day, "modality": modality, "size_mm": size,
            "size_text": text, "present": present, "status": status, "response": status}


SUMMARISED = {  # a row of `radlite summarize` output: shown as is, no request
    "patient_id": "s2", "summary": "Mixed response.", "status": "mixed response",
    "per_report": ["Baseline.", "Liver smaller, lung larger.", "Liver resolved."],
    "exams": [{"report_id": "a", "date": "2023-01-01", "modality": "CT"},
              {"report_id": "b", "date": "2023-03-01", "modality": "MRI"},
              {"report_id": "c", "date": "2023-09-01", "modality": "PET-CT"}],
    "lesions": [
        {"lesion_id": "L1", "site": "liver", "label": "liver metastasis", "observations": [
            _obs("a", "2023-01-01", "CT", 38.0, "baseline"),
            _obs("b", "2023-03-01", "MRI", 29.0, "decreased"),
            _obs("c", "2023-09-01", "PET-CT", None, "resolved", present=False)]},
        {"lesion_id": "L2", "site": "lung <RUL>", "label": EVIL, "observations": [
            _obs("a", "2023-01-01", "CT", 8.0, "baseline"),
            _obs("b", "2023-03-01", "MRI", 12.0, "increased")]},
        {"lesion_id": "L3", "site": "bone", "label": "bone lesion", "observations": [
            _obs("b", "2023-03-01", "MRI", None, "new")]}]}


def test_summarize_endpoint_serves_the_series_view(server) -> None:
    with server.client() as client:
        response = client.post("/v1/summarize", json={"patients": [PATIENT]})
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert result["patient_id"] == "s1" and result["summary"]
    assert len(result["per_report"]) == 2
    for lesion in result.get("lesions", []):  # once the engine tracks lesions
        assert {"lesion_id", "observations"} <= set(lesion)


def _open_series(page, server) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    def console(msg) -> None:  # noqa: ANN001 - a Playwright ConsoleMessage
        if "favicon" in (msg.location or {}).get("url", ""):
            return  # the page has none; the browser asks anyway
        if msg.type == "error" or "Content Security Policy" in msg.text:
            problems.append(msg.text)

    page.on("console", console)
    page.on("dialog", lambda dialog: (problems.append("dialog: " + dialog.message),
                                      dialog.dismiss()))
    page.goto(server.url + "/review/")
    page.fill("#token", server.token)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    page.click("#series-link")
    page.wait_for_selector("#series:not([hidden])")
    return problems


@needs_browser
def test_series_view_plots_a_summarised_row(server, browser) -> None:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    problems = _open_series(page, server)
    page.fill("#series-text", json.dumps(SUMMARISED))
    page.click("#series-run")
    page.wait_for_selector("#series-plot svg")
    svg = page.locator("#series-plot svg")
    assert svg.get_attribute("role") == "img"
    assert "2 measured lesions, 3 exams" in svg.get_attribute("aria-label")
    assert page.locator("#series-plot svg polyline").count() == 2  # L3 was never measured
    assert page.locator("#series-plot svg g.lesion").evaluate_all(
        "gs => gs.map(g => g.dataset.lesion)") == ["L1", "L2"]
    assert EVIL in page.locator("#series-plot svg .legend-label").all_text_contents()
    assert page.locator("#series-plot img").count() == 0  # the label stayed text
    modalities = page.locator("#series-plot svg g.exam-tick").evaluate_all(
        "gs => gs.map(g => g.dataset.modality)")
    assert modalities == ["CT", "MRI", "PET-CT"]
    # a plot element has a real size: the SVG was rendered, not blocked
    box = page.locator("#series-plot svg polyline").first.bounding_box()
    assert box and box["width"] > 100
    assert page.locator("#series-summary").text_content() == "Mixed response."
    assert page.locator("#series-lesions tbody tr").count() == 3
    assert page.locator("#series-lesions tbody tr").nth(1).locator("th").text_content() == EVIL
    assert "absent" in page.locator("#series-lesions tbody tr").first.text_content()
    items = page.locator("#series-reports li").all_text_contents()
    assert items[0].startswith("2023-01-01CT") and items[2].endswith("Liver resolved.")
    if os.environ.get("RADLITE_SCREENSHOT_SERIES"):
        page.screenshot(path=os.environ["RADLITE_SCREENSHOT_SERIES"], full_page=True)
    assert not problems, problems
    page.close()


@needs_browser
def test_series_view_posts_a_patient_line(server, browser) -> None:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    problems = _open_series(page, server)
    other = {"patient_id": "s0", "reports": [{"date": "2022-01-01",
                                              "impression": "No disease."}]}
    page.fill("#series-text", json.dumps(other) + "\n" + json.dumps(PATIENT) + "\n")
    sync_api.expect(page.locator("#series-line option")).to_have_count(2)
    page.select_option("#series-line", "1")
    with page.expect_response(lambda r: r.url.endswith("/v1/summarize")) as info:
        page.click("#series-run")
    assert info.value.status == 200
    assert json.loads(info.value.request.post_data) == {"patients": [PATIENT]}
    sync_api.expect(page.locator("#series-title")).to_have_text("Patient s1")
    assert page.locator("#series-summary").text_content()
    assert page.locator("#series-reports li").count() == 2
    assert page.locator("#series-reports li").first.text_content().startswith("2023-01-10CT")
    page.wait_for_selector("#series-plot svg")
    # bad input is reported on the page, not sent
    page.fill("#series-text", "{not json")
    page.click("#series-run")
    sync_api.expect(page.locator("#series-error")).to_contain_text("not valid JSON")
    assert not problems, problems
    page.close()


def test_page_script_builds_markup_with_dom_methods_only() -> None:
    import re

    from radlite.serve.app import STATIC

    code = re.sub(r"//[^\n]*", "", (STATIC / "app.js").read_text("utf-8"))  # not comments
    for banned in (r"\.innerHTML\b", r"\.outerHTML\b", r"insertAdjacentHTML", r"document\.write",
                   r"DOMParser", r"[\"']style[\"']", r"\beval\(", r"new Function"):
        assert not re.search(banned, code), banned
    assert "createElementNS" in code
