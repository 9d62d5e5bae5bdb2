"""The REST CSV exports (review gold labels, blinded-comparison ratings) are spreadsheet-safe
by default, raw with ``?raw=true``, and still read back by radlite.evaluate."""

from __future__ import annotations

import csv
import inspect
import io
import json
from urllib.parse import quote

import numpy as np
import pytest

PROBE = "=cmd|' /C calc'!A0"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_review_gold_export_is_guarded_and_read_back(server, tmp_path) -> None:
    from radlite.evaluate.io import align

    text = "=HYPERLINK(\"http://evil\") " + server.report
    job = server.make_job([(PROBE, text), ("-5", server.report)])
    with server.client() as client:
        url = f"/v1/review/{job}/reports/{quote(PROBE, safe='')}"
        view = client.get(url).json()
        assert view["text"] == text
        values = {v["feature"]: v["model_value"] for v in view["values"]}
        put = client.put(url + "/values", json={"reviewer": "@dr", "values": values})
        assert put.status_code == 200, put.text
        exported = client.get(f"/v1/review/{job}/export.csv").text
        records = client.get(f"/v1/jobs/{job}/results").json()["records"]
    (row,) = _rows(exported)
    assert row["id"] == "'" + PROBE and row["report"] == "'" + text
    (tmp_path / "gold.csv").write_text(exported, encoding="utf-8")
    (tmp_path / "pred.jsonl").write_text("\n".join(json.dumps(r) for r in records),
                                         encoding="utf-8")
    aligned = align(tmp_path / "gold.csv", {"model": tmp_path / "pred.jsonl"})
    assert aligned.ids == [PROBE] and aligned.gold[0]["report"] == text
    assert aligned.preds["model"][0] is not None


def test_review_gold_export_raw(server) -> None:
    from radlite.serve import api_jobs

    if "raw" not in inspect.signature(api_jobs.review_export).parameters:
        pytest.skip("the review export endpoint does not take ?raw= yet")
    job = server.make_job([(PROBE, server.report)])
    with server.client() as client:
        url = f"/v1/review/{job}/reports/{quote(PROBE, safe='')}"
        values = {v["feature"]: v["model_value"] for v in client.get(url).json()["values"]}
        client.put(url + "/values", json={"reviewer": "dr", "values": values})
        guarded = _rows(client.get(f"/v1/review/{job}/export.csv").text)
        raw = _rows(client.get(f"/v1/review/{job}/export.csv?raw=true").text)
    assert guarded[0]["id"] == "'" + PROBE and raw[0]["id"] == PROBE


def test_comparison_export_is_guarded_raw_on_request_and_read_back(server, tmp_path) -> None:
    from radlite.evaluate.reader_study import summarise_file

    items = [{"id": f"=1+{i}", "context": "-ctx", "texts": {"-gen": f"GEN {i}", "ref": f"R {i}"}}
             for i in range(3)]
    with server.client() as client:
        created = client.post("/v1/compare", json={"name": "x", "systems": ["-gen", "ref"],
                                                   "items": items, "seed": 1})
        assert created.status_code == 201, created.text
        set_id = created.json()["id"]
        for item in items:
            response = client.put(f"/v1/compare/{set_id}/items/{quote(item['id'], safe='')}"
                                  "/rating", json={"rater": "@rater", "choice": "equal"})
            assert response.status_code == 200, response.text
        guarded = client.get(f"/v1/compare/{set_id}/export.csv").text
        raw = _rows(client.get(f"/v1/compare/{set_id}/export.csv?raw=true").text)
    rows = _rows(guarded)
    assert {r["id"] for r in rows} == {"'=1+0", "'=1+1", "'=1+2"}
    assert {r["rater"] for r in rows} == {"'@rater"}
    assert {r["system_a"] for r in rows} | {r["system_b"] for r in rows} == {"'-gen", "ref"}
    assert {r["winner"] for r in rows} == {"equal"} and {r["rating"] for r in rows} == {"equal"}
    assert {r["rater"] for r in raw} == {"@rater"} and raw[0]["id"].startswith("=1+")
    (tmp_path / "ratings.csv").write_text(guarded, encoding="utf-8")
    summary = summarise_file(tmp_path / "ratings.csv", np.random.default_rng(0), n_boot=50,
                             categories=["better", "equal", "worse"])
    assert summary.raters == ["@rater"] and summary.n_cases == 3
