"""The REST API over real HTTP on loopback: auth, payloads, limits, tasks, jobs."""

from __future__ import annotations

import json
import logging

import pytest

from radlite.schemas import lirads_features


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


def test_health_and_openapi_are_public(server) -> None:
    with server.client(token=None) as client:
        assert client.get("/v1/health").json()["auth"] is True
        spec = client.get("/openapi.json").json()
    assert "/v1/extract/{task}" in spec["paths"] and "/v1/jobs" in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-but-long"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_auth_is_required(server, headers) -> None:
    with server.client(token=None) as client:
        for method, path in [("get", "/v1/jobs"), ("post", "/v1/extract/lirads"),
                             ("get", "/v1/compare")]:
            response = client.request(method.upper(), path, headers=headers, json={})
            assert response.status_code == 401, (path, response.text)
            assert _error(response)["code"] == "unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"


def test_extract_lirads_json(server) -> None:
    with server.client() as client:
        response = client.post("/v1/extract/lirads",
                               json={"reports": [{"id": "r1", "text": server.report},
                                                 {"id": "r2", "text": "garbage"}]})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    ok, failed = response.json()["records"]
    assert ok["status"] == "ok" and ok["values"]["size"] == 23 and ok["values"]["washout"] == 1
    assert ok["evidence"]["size"][0]["text"] == "2.3 cm"
    assert failed["status"] == "failed" and "no valid answer" in failed["error"]


def test_extract_fhir(server) -> None:
    with server.client() as client:
        response = client.post("/v1/extract/lirads?format=fhir&patient=Patient/7",
                               json={"reports": [{"id": "r1", "text": server.report}]})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle"
    report, *observations = [e["resource"] for e in bundle["entry"]]
    assert report["subject"] == {"reference": "Patient/7"}
    assert [o["code"]["text"] for o in observations] == lirads_features()
    model = pytest.importorskip("fhir.resources.R4B.bundle")
    model.Bundle.model_validate(bundle)


@pytest.mark.parametrize(("payload", "status", "code"), [
    (b"{not json", 422, "invalid_request"),
    (json.dumps({"reports": []}).encode(), 422, "invalid_request"),
    (json.dumps({"reports": [{"id": "x"}]}).encode(), 422, "invalid_request"),
    (json.dumps({"reports": [{"id": "x", "text": "TXTMARK", "extra": 1}]}).encode(), 422,
     "invalid_request"),
    (json.dumps({"reports": [{"id": "d", "text": "TXTMARK"}, {"id": "d", "text": "TXTMARK"}]}).encode(),
     422, "duplicate_ids"),
    (json.dumps({"reports": [{"id": str(i), "text": "TXTMARK"} for i in range(9)]}).encode(), 413,
     "too_many_reports"),
])
def test_bad_payloads_get_json_errors(server, payload, status, code) -> None:
    with server.client() as client:
        response = client.post("/v1/extract/lirads", content=payload,
                               headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    error = _error(response)
    assert error["code"] == code
    assert "TXTMARK" not in response.text  # the offending input is never echoed


def test_unknown_task_and_job(server) -> None:
    with server.client() as client:
        response = client.post("/v1/extract/nope", json={"reports": [{"id": "a", "text": "b"}]})
        assert response.status_code == 404 and _error(response)["code"] == "not_found"
        assert client.get("/v1/jobs/../../etc").status_code == 404
        assert _error(client.get("/v1/jobs/no-such-job"))["code"] == "not_found"


def test_oversized_report_and_body(server) -> None:
    secret = "SECRET-TEXT "
    with server.client() as client:
        long_report = {"reports": [{"id": "big", "text": secret * 200}]}
        response = client.post("/v1/extract/lirads", json=long_report)
        assert response.status_code == 413
        error = _error(response)
        assert error["code"] == "report_too_large" and "big" in error["message"]
        assert secret not in response.text
        huge = {"reports": [{"id": "huge", "text": "x" * 70_000}]}
        response = client.post("/v1/extract/lirads", json=huge)
        assert response.status_code == 413 and _error(response)["code"] == "payload_too_large"

        def chunks():
            yield b'{"reports": [{"id": "c", "text": "'
            for _ in range(20):
                yield b"y" * 4_000
            yield b'"}]}'

        response = client.post("/v1/extract/lirads", content=chunks(),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 413 and _error(response)["code"] == "payload_too_large"


def test_impress_and_summarize(server) -> None:
    findings = "Large right pleural effusion. No pneumothorax. Heart size is normal."
    with server.client() as client:
        impress = client.post("/v1/impress", json={"reports": [{"id": "i", "findings": findings}]})
        summary = client.post("/v1/summarize", json={"patients": [{"patient_id": "p",
                                                                    "reports": []}]})
    assert impress.status_code == 200, impress.text
    body = impress.json()
    assert body["task"] == "impression"
    (record,) = body["records"]
    assert record["id"] == "i" and record["status"] == "ok", record
    text = " ".join(str(v) for v in record["values"].values()).lower()
    assert "effusion" in text and "pneumothorax" not in text.replace("no pneumothorax", "")
    assert summary.status_code == 200, summary.text
    assert summary.json()["results"][0]["patient_id"] == "p"


def test_job_lifecycle_and_results(server) -> None:
    job_id = server.make_job([("a", server.report), ("b", "garbage"), ("c", "  ")])
    with server.client() as client:
        job = client.get(f"/v1/jobs/{job_id}").json()
        assert (job["state"], job["total"], job["done"], job["failed"]) == ("done", 3, 1, 2)
        assert job_id in [j["id"] for j in client.get("/v1/jobs").json()["jobs"]]
        records = client.get(f"/v1/jobs/{job_id}/results").json()["records"]
        assert [r["id"] for r in records] == ["a", "b", "c"]
        fhir = client.get(f"/v1/jobs/{job_id}/results?format=fhir").json()
        assert fhir["entry"][0]["resource"]["resourceType"] == "DiagnosticReport"


def test_job_upload_errors(server) -> None:
    with server.client() as client:
        bad = client.post("/v1/jobs", files={"file": ("x.csv", b"id,text\n1,a\n", "text/csv")})
        assert bad.status_code == 400 and "missing column" in _error(bad)["message"]
        dup = client.post("/v1/jobs", files={"file": ("x.csv", b"id,report\n1,a\n1,b\n")})
        assert dup.status_code == 400 and "duplicate" in _error(dup)["message"]
        nofile = client.post("/v1/jobs", data={"task": "lirads"})
        assert nofile.status_code == 422


def test_no_report_text_in_logs(server, caplog) -> None:
    marker = "ZEBRA-PHI-MARKER"
    caplog.set_level(logging.DEBUG)
    text = f"{marker} {server.report}"
    with server.client() as client:
        client.post("/v1/extract/lirads", json={"reports": [{"id": "m", "text": text}]})
        client.post("/v1/extract/lirads", json={"reports": [{"id": "m", "text": text * 40}]})
        client.post("/v1/extract/lirads", content=marker.encode())
        job_id = server.make_job([("m1", text)])
        client.get(f"/v1/review/{job_id}/reports/m1")
    assert "POST /v1/extract/lirads" in caplog.text  # the access log is captured ...
    assert marker not in caplog.text  # ... and never has report text
