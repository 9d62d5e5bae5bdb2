"""The review page's learning parts in headless Chromium: "Train on these reviews" (with a
fake learn cycle) and editing a drafted impression."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.serve.browser import require_browser
from tests.serve.test_learn_api import FakeResult, install_fake_cycle

sync_api = require_browser()


def _open_job(page: Any, server: Any, job: str) -> None:
    page.goto(server.url + "/review/")
    page.fill("#token", server.token)
    page.click("#login-form button[type=submit]")
    page.fill("#reviewer", "dr-e2e")
    page.dispatch_event("#reviewer", "change")
    page.click(f"a[href='#/job/{job}']")
    page.wait_for_selector("#report-title:not(:empty)")


def test_train_on_these_reviews(server, browser, monkeypatch) -> None:
    calls: list[dict[str, Any]] = []

    def learn_from_job(job_folder: Path, **kwargs: Any) -> FakeResult:
        calls.append(kwargs)
        for step, fraction in (("splitting", 0.1), ("fitting", 0.5), ("comparing", 0.8)):
            kwargs["progress"](step, fraction)
            time.sleep(0.7)
        return FakeResult(promoted=False, reason="the CI of the difference includes 0")

    install_fake_cycle(monkeypatch, learn_from_job)
    job = server.make_job([("t1", server.report)])
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _open_job(page, server, job)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.click("#learn-btn")
    page.wait_for_selector("#learn-status:not([hidden])")
    sync_api.expect(page.locator("#learn-stage")).to_contain_text("fitting", timeout=5000)
    assert page.locator("#learn-btn").is_disabled()
    assert float(page.locator("#learn-progress").get_attribute("value") or 0) > 0
    page.wait_for_selector("#learn-result:not([hidden])", timeout=10_000)
    assert page.locator("#learn-status").is_hidden()
    sync_api.expect(page.locator("#learn-decision")).to_have_text("Kept current model.")
    rows = page.locator("#learn-table tbody tr")
    assert rows.count() == 2
    cells = rows.nth(0).locator("td").all_text_contents()
    assert cells == ["micro_f1", "0.800", "0.860", "+0.060 (+0.010 to +0.110)"]
    assert rows.nth(1).locator("td").all_text_contents() == [
        "accuracy", "0.900", "0.900", "0.000"]
    assert "includes 0" in page.locator("#learn-reason").text_content()
    assert not page.locator("#learn-btn").is_disabled()
    assert calls and calls[0]["reader"] is None
    # the latest learn of the job is shown again when the job is opened later
    page.reload()
    page.wait_for_selector("#learn-result:not([hidden])")
    assert page.locator("#learn-table tbody tr").count() == 2
    assert not errors, errors
    page.close()


def test_edit_the_drafted_impression(server, browser) -> None:
    findings = "Large right pleural effusion. No pneumothorax. Heart size is normal."
    job = server.make_job([("d1", findings), ("d2", "Small hiatal hernia.")], task="impression")
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _open_job(page, server, job)
    assert page.locator("#values").is_hidden()
    box = page.locator("#impression-text")
    sync_api.expect(box).not_to_have_value("")
    draft = box.input_value()
    assert "effusion" in draft.lower()
    assert page.locator("#report-text").text_content() == findings
    edited = draft + " Recommend ultrasound-guided drainage."
    box.fill(edited)
    assert "edited" in (box.get_attribute("class") or "")
    with page.expect_response(lambda r: r.request.method == "PUT"):
        page.click("#impression-save")
    sync_api.expect(page.locator("#impression-state")).to_contain_text("You edited")
    assert "reviewed" in page.locator(".report-item").first.get_attribute("class")
    # j: the next report; Enter puts the cursor in the editor; Ctrl+Enter saves (accept)
    page.locator("#report-text").click()
    page.keyboard.press("j")
    sync_api.expect(page.locator("#report-title")).to_contain_text("d2 ")
    page.keyboard.press("Enter")
    with page.expect_response(lambda r: r.request.method == "PUT"):
        page.keyboard.press("Control+Enter")
    sync_api.expect(page.locator("#impression-state")).to_contain_text("You accepted")
    with server.client() as client:
        lines = [json.loads(x) for x in
                 client.get(f"/v1/review/{job}/preferences.jsonl").text.splitlines()]
    assert [(x["id"], x["reviewer"], x["accepted"]) for x in lines] == [
        ("d1", "dr-e2e", False), ("d2", "dr-e2e", True)]
    assert lines[0]["chosen"] == edited and lines[0]["rejected"] == draft
    assert lines[0]["prompt"] == findings
    assert not errors, errors
    page.close()
