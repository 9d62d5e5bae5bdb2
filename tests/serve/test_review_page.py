"""The review page end to end in headless Chromium (Playwright driving Debian's chromium).

Set ``RADLITE_SCREENSHOT=path.png`` to also save a screenshot of the review view.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from tests.serve.browser import require_browser

sync_api = require_browser()

LONG_REPORT = (
    "CT LIVER, MULTIPHASIC\n\nClinical: chronic hepatitis B, surveillance.\n\n"
    "Findings: Cirrhotic liver with nodular surface. A 2.3 cm arterial enhancing nodule "
    "in S8 with washout on the delayed phase. No tumor in vein. Spleen 13 cm.\n\n"
    "Impression: 2.3 cm LR-5 observation in segment 8."
)


def _login(page, server) -> None:
    page.goto(server.url + "/review/")
    page.fill("#token", server.token)
    page.click("#login-form button[type=submit]")
    page.fill("#reviewer", "dr-e2e")
    page.dispatch_event("#reviewer", "change")


def test_load_job_correct_value_export(server, browser, tmp_path: Path) -> None:
    job = server.make_job([("p1", LONG_REPORT), ("p2", server.report), ("p3", "garbage")])
    page = browser.new_page(viewport={"width": 1360, "height": 760}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, server)
    page.click(f"a[href='#/job/{job}']")
    page.wait_for_selector("#report-text mark")
    assert page.locator(".report-item").count() == 3
    marks = page.locator("#report-text mark")
    assert "2.3 cm" in marks.all_text_contents()
    assert page.locator("#report-text").text_content() == LONG_REPORT
    # focus 'washout' with the arrow keys, correct it to 0 with a number key
    page.locator("body").click(position={"x": 5, "y": 200})
    washout = page.locator("#values tr[data-feature=washout]")
    while "focus" not in (washout.get_attribute("class") or ""):
        page.keyboard.press("ArrowDown")
    assert page.locator("#report-text mark.active").first.text_content() == "washout"
    with page.expect_response(lambda r: r.request.method == "PUT"):
        page.keyboard.press("0")
    page.wait_for_selector("#values tr[data-feature=washout].correct")
    if os.environ.get("RADLITE_SCREENSHOT"):
        page.locator("#values tr[data-feature=washout]").click()
        page.screenshot(path=os.environ["RADLITE_SCREENSHOT"])
    # accept every other value, which moves on to the next report
    page.keyboard.press("Shift+A")
    sync_api.expect(page.locator("#report-title")).to_contain_text("p2 ")
    assert "reviewed" in page.locator(".report-item").first.get_attribute("class")
    with page.expect_download() as download_info:
        page.keyboard.press("e")
    target = tmp_path / "gold.csv"
    download_info.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["id"], r["size"], r["location"], r["washout"], r["aphe"]) for r in rows] == [
        ("p1", "23", "8", "0", "1")]
    assert rows[0]["report"] == LONG_REPORT
    assert not errors, errors
    page.close()


def test_blinded_comparison_page(server, browser) -> None:
    items = [{"id": f"c{i}", "context": "Findings: small cyst.",
              "texts": {"generated": f"Generated {i}.", "reference": f"Reference {i}."}}
             for i in range(3)]
    with server.client() as client:
        set_id = client.post("/v1/compare", json={"name": "e2e", "items": items,
                                                   "seed": 3}).json()["id"]
    page = browser.new_page()
    _login(page, server)
    page.click(f"a[href='#/compare/{set_id}']")
    page.wait_for_selector("#text-A:not(:empty)")
    assert "generated" not in page.content().lower().replace("generated 0", "")
    for n, key in enumerate(("1", "2", "3")):
        sync_api.expect(page.locator("#item-title")).to_contain_text(f"c{n} ")
        with page.expect_response(lambda r: r.request.method == "PUT"):
            page.keyboard.press(key)
    with server.client() as client:
        rows = list(csv.DictReader(io.StringIO(
            client.get(f"/v1/compare/{set_id}/export.csv").text)))
    assert [(r["id"], r["rater"], r["choice"]) for r in rows] == [
        ("c0", "dr-e2e", "A"), ("c1", "dr-e2e", "equal"), ("c2", "dr-e2e", "B")]
    page.close()


def test_toy_task_in_the_review_page(server, browser, toy_task) -> None:
    report = "Thyroid US. A 12 mm nodule in the right lobe with microcalcifications."
    job = server.make_job([("t1", report)], task="thyroid_toy")
    page = browser.new_page(viewport={"width": 1360, "height": 760})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, server)
    page.click(f"a[href='#/job/{job}']")
    page.wait_for_selector("#report-text mark")
    assert "right" in page.locator("#report-text mark").all_text_contents()
    page.locator("body").click(position={"x": 5, "y": 200})
    row = page.locator("#values tr[data-feature=calcification]")
    while "focus" not in (row.get_attribute("class") or ""):
        page.keyboard.press("ArrowDown")
    with page.expect_response(lambda r: r.request.method == "PUT"):
        page.keyboard.press("0")
    page.wait_for_selector("#values tr[data-feature=calcification].correct")
    with server.client() as client:
        view = client.get(f"/v1/review/{job}/reports/t1").json()
    calcification = next(v for v in view["values"] if v["feature"] == "calcification")
    assert (calcification["model_value"], calcification["value"]) == (1, 0)
    assert not errors, errors
    page.close()
