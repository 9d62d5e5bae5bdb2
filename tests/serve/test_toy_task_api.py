"""The toy task of tests/toy_task through the REST API: extract (JSON and FHIR), a job,
review corrections with the task's own value check, and the gold export."""

from __future__ import annotations

import csv
import io

REPORT = "Thyroid US. A 12 mm nodule in the right lobe with microcalcifications."


def test_extract_job_review_and_export(server, toy_task) -> None:
    with server.client() as client:
        body = {"reports": [{"id": "t1", "text": REPORT}]}
        records = client.post("/v1/extract/thyroid_toy", json=body).json()["records"]
        assert records[0]["values"] == {"calcification": 1, "side": "right"}
        fhir = client.post("/v1/extract/thyroid_toy?format=fhir", json=body).json()
        codes = [e["resource"]["code"]["text"] for e in fhir["entry"]
                 if e["resource"]["resourceType"] == "Observation"]
        assert codes == ["calcification", "side"]
    job = server.make_job([("t1", REPORT), ("t2", "No nodule.")], task="thyroid_toy")
    with server.client() as client:
        listing = client.get(f"/v1/review/{job}/reports").json()
        assert listing["task"] == "thyroid_toy" and listing["columns"] == ["calcification", "side"]
        bad = client.put(f"/v1/review/{job}/reports/t1/values",
                         json={"reviewer": "dr-a", "values": {"side": "middle"}})
        assert bad.status_code == 422 and "side must be one of" in bad.json()["error"]["message"]
        put = client.put(f"/v1/review/{job}/reports/t1/values",
                         json={"reviewer": "dr-a", "values": {"calcification": "0",
                                                              "side": "right"}})
        assert put.status_code == 200 and put.json()["review_state"] == "reviewed"
        gold = list(csv.DictReader(io.StringIO(
            client.get(f"/v1/review/{job}/export.csv").text)))
    assert [(r["id"], r["calcification"], r["side"]) for r in gold] == [("t1", "0", "right")]


def test_unregistered_task_is_404(server) -> None:
    with server.client() as client:
        response = client.post("/v1/extract/thyroid_toy",
                               json={"reports": [{"id": "t1", "text": REPORT}]})
    assert response.status_code == 404
