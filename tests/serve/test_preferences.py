"""Impression edits as preference pairs: the review store's table, impression jobs through
/v1/jobs (draft mode, no model), the edit endpoint and the JSONL export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from radlite.serve.review_store import ReviewStore

FINDINGS = {
    "i1": "Large right pleural effusion. No pneumothorax. Heart size is normal.",
    "i2": "Small hiatal hernia. Lungs are clear.",
}


def test_store_keeps_every_edit_and_gives_the_latest_per_reviewer(tmp_path: Path) -> None:
    with ReviewStore(tmp_path / "review.sqlite") as store:
        store.add_reports([("b", "findings b"), ("a", "findings a")])
        first = store.add_preference("a", "dr-x", "Edited A.", "Draft A.")
        store.add_preference("b", "dr-x", "Draft B.", "Draft B.")
        store.add_preference("a", "dr-y", "Draft A.", "Draft A.")
        last = store.add_preference("a", "dr-x", "Edited A again.", "Draft A.")
        assert last >= first
        latest = store.preferences()
        only_a = store.preferences("a")
        total = store.conn.execute("SELECT COUNT(*) FROM preferences").fetchone()[0]
    assert total == 4  # append-only: the first edit is still there
    assert [(p["report_id"], p["reviewer"], p["chosen"], p["accepted"]) for p in latest] == [
        ("b", "dr-x", "Draft B.", True),  # input order of the reports first
        ("a", "dr-y", "Draft A.", True),
        ("a", "dr-x", "Edited A again.", False)]
    assert [p["reviewer"] for p in only_a] == ["dr-y", "dr-x"]
    assert set(latest[0]) == {"report_id", "chosen", "rejected", "reviewer", "at", "accepted"}


def test_impression_job_edit_and_export(server) -> None:
    job = server.make_job(list(FINDINGS.items()), task="impression")
    with server.client() as client:
        listing = client.get(f"/v1/review/{job}/reports").json()
        assert listing["task"] == "impression" and listing["drafting"] is True
        assert [r["review_state"] for r in listing["reports"]] == ["unreviewed"] * 2
        records = client.get(f"/v1/jobs/{job}/results").json()["records"]
        assert [r["status"] for r in records] == ["ok", "ok"]
        assert {r["provenance"].get("model_id") for r in records} == {"none"}  # no model
        view = client.get(f"/v1/review/{job}/reports/i1").json()
        draft = view["impression"]["draft"]
        assert draft and "effusion" in draft.lower() and view["impression"]["preferences"] == []
        assert view["text"] == FINDINGS["i1"]
        url = f"/v1/review/{job}/reports/i1/impression"
        edited = "Large right pleural effusion.\r\nRecommend follow-up."
        put = client.put(url, json={"reviewer": "dr-a", "text": edited})
        assert put.status_code == 200, put.text
        (pref,) = put.json()["impression"]["preferences"]
        assert (pref["chosen"], pref["rejected"], pref["accepted"]) == (
            "Large right pleural effusion.\nRecommend follow-up.", draft, False)
        assert put.json()["review_state"] == "reviewed"
        accept = client.put(url, json={"reviewer": "dr-b", "text": f"  {draft}\n"})
        assert accept.status_code == 200, accept.text
        by_reviewer = {p["reviewer"]: p for p in accept.json()["impression"]["preferences"]}
        assert by_reviewer["dr-b"]["chosen"] == draft and by_reviewer["dr-b"]["accepted"]
        summaries = {r["id"]: r for r in client.get(f"/v1/review/{job}/reports").json()["reports"]}
        assert (summaries["i1"]["review_state"], summaries["i1"]["corrected"]) == ("reviewed", 1)
        assert summaries["i2"]["review_state"] == "unreviewed"
        export = client.get(f"/v1/review/{job}/preferences.jsonl")
        results = client.get(f"/v1/jobs/{job}/results").json()["records"]
        gold = list(csv.DictReader(io.StringIO(client.get(f"/v1/review/{job}/export.csv").text)))
    # the latest save is also the report's reviewed impression (gold CSV, learn cycle)
    assert [(g["id"], g["impression"]) for g in gold] == [("i1", draft)]
    assert export.status_code == 200 and "ndjson" in export.headers["content-type"]
    assert f"{job}-preferences.jsonl" in export.headers["content-disposition"]
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert [(x["id"], x["reviewer"], x["accepted"]) for x in lines] == [
        ("i1", "dr-a", False), ("i1", "dr-b", True)]
    assert set(lines[0]) == {"id", "prompt", "chosen", "rejected", "reviewer", "at", "accepted"}
    assert lines[0]["prompt"] == FINDINGS["i1"] and lines[0]["rejected"] == draft
    assert isinstance(lines[0]["at"], float)
    assert results[0]["values"]["impression"] == draft  # the model's record is never changed


def test_impression_edit_refusals(server) -> None:
    job = server.make_job([("j1", FINDINGS["i2"])], task="impression")
    lirads = server.make_job([("l1", server.report)])
    url = f"/v1/review/{job}/reports/j1/impression"
    with server.client() as client:
        for body in ({"reviewer": "dr-a", "text": ""}, {"reviewer": "", "text": "x"},
                     {"text": "x"}, {"reviewer": "dr-a", "text": "x" * 20_001},
                     {"reviewer": "dr-a", "text": "x", "extra": 1}):
            bad = client.put(url, json=body)
            assert bad.status_code == 422, body
            assert bad.json()["error"]["code"] == "invalid_request"
        blank = client.put(url, json={"reviewer": "dr-a", "text": " \n "})
        assert blank.status_code == 422 and blank.json()["error"]["code"] == "invalid_value"
        assert client.put(f"/v1/review/{job}/reports/nope/impression",
                          json={"reviewer": "dr-a", "text": "x"}).status_code == 404
        assert client.put("/v1/review/no-such-job/reports/j1/impression",
                          json={"reviewer": "dr-a", "text": "x"}).status_code == 404
        other = client.put(f"/v1/review/{lirads}/reports/l1/impression",
                           json={"reviewer": "dr-a", "text": "x"})
        assert other.status_code == 422 and "impression" in other.json()["error"]["message"]
        assert client.get(f"/v1/review/{lirads}/reports").json()["drafting"] is False
        assert client.get(f"/v1/review/{lirads}/preferences.jsonl").text == ""
        assert client.put(url, json={"reviewer": "dr-a", "text": "x"},
                          headers={"Authorization": ""}).status_code == 401
        long_ok = client.put(url, json={"reviewer": "dr-a", "text": "y" * 20_000})
        assert long_ok.status_code == 200, long_ok.text


def test_impression_jobs_need_no_model(tmp_path: Path) -> None:
    from radlite.backends.null import NullBackend
    from radlite.core.types import Report
    from radlite.tasks import get_task

    task = get_task("impression")
    assert not task.needs_model and task.batched
    (record,) = task.run_batch(NullBackend(), [Report("a", FINDINGS["i1"])])
    assert record.status == "ok" and "effusion" in record.values["impression"].lower()
    model_mode = get_task("impression", mode="model")
    assert model_mode.needs_model and not model_mode.batched
