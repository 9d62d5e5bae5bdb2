"""Review and blinded-comparison endpoints, and their exports read by radlite.evaluate."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from radlite.schemas import lirads_features


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_review_correct_export_and_model_record_untouched(server) -> None:
    job = server.make_job([("r1", server.report), ("r/2", server.report), ("bad", "garbage")])
    with server.client() as client:
        listing = client.get(f"/v1/review/{job}/reports").json()
        assert [r["id"] for r in listing["reports"]] == ["r1", "r/2", "bad"]
        assert {r["review_state"] for r in listing["reports"]} == {"unreviewed"}
        view = client.get(f"/v1/review/{job}/reports/r1").json()
        assert view["text"] == server.report
        size = next(v for v in view["values"] if v["feature"] == "size")
        start = size["evidence"][0]["start"]
        assert server.report[start:size["evidence"][0]["end"]] == "2.3 cm"
        # correct washout, accept everything else
        values = {v["feature"]: v["model_value"] for v in view["values"]}
        values["washout"] = 0
        put = client.put(f"/v1/review/{job}/reports/r1/values",
                         json={"reviewer": "dr-a", "values": values})
        assert put.status_code == 200, put.text
        assert put.json()["review_state"] == "reviewed"
        washout = next(v for v in put.json()["values"] if v["feature"] == "washout")
        assert (washout["value"], washout["model_value"]) == (0, 1)
        assert washout["review"]["action"] == "correct" and washout["review"]["reviewer"] == "dr-a"
        partial = client.put(f"/v1/review/{job}/reports/r/2/values",
                             json={"reviewer": "dr-a", "values": {"size": "25"}})
        assert partial.json()["review_state"] == "partial"
        bad = client.put(f"/v1/review/{job}/reports/r1/values",
                         json={"reviewer": "dr-a", "values": {"location": 9}})
        assert bad.status_code == 422 and "Couinaud" in bad.json()["error"]["message"]
        unknown = client.put(f"/v1/review/{job}/reports/r1/values",
                             json={"reviewer": "dr-a", "values": {"nope": 1}})
        assert unknown.status_code == 422
        assert client.get(f"/v1/review/{job}/reports/zzz").status_code == 404
        records = client.get(f"/v1/jobs/{job}/results").json()["records"]
        assert records[0]["values"]["washout"] == 1  # the model's record is never changed
        gold = _csv(client.get(f"/v1/review/{job}/export.csv").text)
        everything = _csv(client.get(f"/v1/review/{job}/export.csv?scope=all").text)
    assert list(gold[0]) == ["id", "report", *lirads_features()]
    assert [(r["id"], r["washout"], r["size"]) for r in gold] == [("r1", "0", "23")]
    assert [(r["id"], r["size"]) for r in everything] == [("r1", "23"), ("r/2", "25")]


def test_gold_export_is_read_by_the_evaluator(server, tmp_path) -> None:
    from radlite.evaluate.io import align

    job = server.make_job([("g1", server.report)])
    with server.client() as client:
        view = client.get(f"/v1/review/{job}/reports/g1").json()
        values = {v["feature"]: v["model_value"] for v in view["values"]}
        client.put(f"/v1/review/{job}/reports/g1/values",
                   json={"reviewer": "dr-b", "values": {**values, "location": None}})
        (tmp_path / "gold.csv").write_text(client.get(f"/v1/review/{job}/export.csv").text,
                                           encoding="utf-8")
        (tmp_path / "pred.jsonl").write_text(
            "\n".join(__import__("json").dumps(r) for r in
                      client.get(f"/v1/jobs/{job}/results").json()["records"]),
            encoding="utf-8")
    aligned = align(tmp_path / "gold.csv", {"model": tmp_path / "pred.jsonl"})
    assert aligned.ids == ["g1"] and aligned.gold[0]["location"] == ""
    assert str(aligned.preds["model"][0]["location"]) == "8"


def test_blinded_comparison_and_reader_study_export(server) -> None:
    items = [{"id": f"c{i}", "context": f"findings {i}",
              "texts": {"generated": f"GEN {i}", "reference": f"REF {i}"}} for i in range(6)]
    with server.client() as client:
        created = client.post("/v1/compare", json={"name": "pilot", "items": items, "seed": 7})
        assert created.status_code == 201, created.text
        set_id = created.json()["id"]
        shown = {}
        for i in range(6):
            item = client.get(f"/v1/compare/{set_id}/items/c{i}").json()
            assert "generated" not in str(item) and "reference" not in str(item)
            shown[f"c{i}"] = item
        orders = {item["a"].split()[0] for item in shown.values()}
        assert orders == {"GEN", "REF"}  # both orders occur (seeded)
        for rater in ("r1", "r2"):
            for item_id, item in shown.items():
                choice = "A" if item["a"].startswith("GEN") else "B"  # generated preferred
                if item_id == "c0":
                    choice = "equal"
                response = client.put(f"/v1/compare/{set_id}/items/{item_id}/rating",
                                      json={"rater": rater, "choice": choice})
                assert response.status_code == 200
        bad = client.put(f"/v1/compare/{set_id}/items/c1/rating",
                         json={"rater": "r1", "choice": "C"})
        assert bad.status_code == 422
        listed = client.get(f"/v1/compare/{set_id}/items?rater=r1").json()["items"]
        assert all(i["choice"] for i in listed)
        rows = _csv(client.get(f"/v1/compare/{set_id}/export.csv").text)
    assert list(rows[0]) == ["id", "rater", "rating", "choice", "system_a", "system_b",
                             "winner", "rated_at"]
    assert len(rows) == 12
    assert {r["rating"] for r in rows if r["id"] != "c0"} == {"better"}
    assert {r["winner"] for r in rows if r["id"] != "c0"} == {"generated"}
    from radlite.evaluate.reader_study import summarise

    summary = summarise(rows, np.random.default_rng(0), n_boot=200,
                        categories=["better", "equal", "worse"])
    assert summary.n_cases == 6 and summary.raters == ["r1", "r2"]
    assert summary.proportions["better"].value == pytest.approx(5 / 6)


def test_job_task_options_are_kept_for_review(server) -> None:
    import json
    import time

    rows = "id,report\nc1,Small left pleural effusion. No pneumothorax.\n"
    with server.client() as client:
        bad = client.post("/v1/jobs", data={"task": "chest", "options": '{"colour": 1}'},
                          files={"file": ("in.csv", rows.encode(), "text/csv")})
        assert bad.status_code == 422 and "colour" in bad.json()["error"]["message"]
        options = json.dumps({"labels": "chestxray14", "mode": "rules"})
        job = client.post("/v1/jobs", data={"task": "chest", "options": options},
                          files={"file": ("in.csv", rows.encode(), "text/csv")}).json()["id"]
        deadline = time.monotonic() + 30
        while client.get(f"/v1/jobs/{job}").json()["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        listing = client.get(f"/v1/review/{job}/reports").json()
    assert "Effusion" in listing["columns"] and len(listing["columns"]) == 15
