"""The REST API under load: N concurrent clients, each POSTing one report at a time.

Starts a real ``radlite serve`` process (the embedded model, a fresh data folder, a
token) and, per task and per N, lets N client threads send single-report requests
until ``--reports`` have been answered. Reported per (task, N): throughput (reports/s
over the whole wave), p50/p95/p99 latency, error counts by status. The model tasks'
references are the same server's batch path, one ``POST /v1/jobs`` job of the same
reports timed from upload to done (the model is loaded by then), and ``radlite
extract``'s batch path in this process (default batch size, load excluded). With
``--no-batching`` the server runs each request alone (``--batch-wait-ms 0
--max-batch 1``), as before micro-batching.

    python benchmarks/load_api.py --name NAME [--clients 1,4,8,16] [--reports 48]
        [--tasks lirads,abdct] [--no-batching]

Writes ``benchmarks/results/load_api/NAME.json`` and a row per (task, N) in
``benchmarks/results/load_api/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "load_api"
ABDCT_REPORTS = [
    "Liver: a 1.2 cm simple cyst in segment 6. Gallbladder: stones without wall thickening. "
    "Kidneys: no hydronephrosis. Pancreas: unremarkable.",
    "Liver: diffuse fatty infiltration. Spleen: mildly enlarged, 14 cm. Appendix: normal. "
    "Bowel: no obstruction. Small amount of ascites in the pelvis.",
    "Right kidney: 8 mm non-obstructing stone in the lower pole. Left kidney: unremarkable. "
    "Bladder: wall thickening. Prostate: enlarged.",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lirads_reports() -> list[str]:
    """The 12 synthetic LI-RADS sample reports of ``examples/``."""
    with open(ROOT / "examples" / "lirads_sample.csv", encoding="utf-8") as handle:
        return [row["report"] for row in csv.DictReader(handle)]


class Server:
    """A ``radlite serve`` subprocess with its own token and data folder."""

    def __init__(self, extra: list[str]) -> None:
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.scratch = tempfile.TemporaryDirectory()
        env = {**os.environ, "RADLITE_API_TOKEN": self.token, "HF_HUB_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radlite.cli.main", "serve", "--port", str(self.port),
             "--data-dir", self.scratch.name, *extra],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("radlite serve did not start")
            time.sleep(0.5)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=600,
                            headers={"Authorization": f"Bearer {self.token}"})

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.scratch.cleanup()


def wave(server: Server, task: str, texts: list[str], clients: int, total: int
         ) -> dict[str, Any]:
    """``clients`` threads send single reports until ``total`` have been answered."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        with server.client() as client:
            while True:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                body = {"reports": [{"id": f"{task}-{index}", "text": texts[index % len(texts)]}]}
                started = time.monotonic()
                response = client.post(f"/v1/extract/{task}", json=body)
                elapsed = time.monotonic() - started
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else None

    return {"task": task, "clients": clients, "reports": total, "seconds": round(seconds, 2),
            "reports_per_s": round(len(latencies) / seconds, 3),
            "p50_s": round(statistics.median(ordered), 3) if ordered else None,
            "p95_s": pct(0.95), "p99_s": pct(0.99),
            "errors": {str(k): v for k, v in statuses.items() if k != 200}}


def job_throughput(server: Server, task: str, texts: list[str], total: int) -> dict[str, Any]:
    """The batch path: one job of ``total`` reports, upload to done."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "report"])
    writer.writerows((f"job-{i}", texts[i % len(texts)]) for i in range(total))
    with server.client() as client:
        started = time.monotonic()
        response = client.post("/v1/jobs", data={"task": task},
                               files={"file": ("in.csv", buffer.getvalue().encode(), "text/csv")})
        response.raise_for_status()
        job_id = response.json()["id"]
        while (job := client.get(f"/v1/jobs/{job_id}").json())["state"] not in ("done",
                                                                                "failed"):
            time.sleep(0.2)
        seconds = time.monotonic() - started
    return {"task": task, "reports": total, "seconds": round(seconds, 2),
            "reports_per_s": round(job["done"] / seconds, 3), "state": job["state"]}


def extract_throughput(task: str, texts: list[str], total: int,
                       backend_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """``radlite extract``'s batch path in this process (default batch size), timed
    without the model load; run before the server starts so they do not share cores."""
    from radlite.core.types import Report
    from radlite.pipeline.extract import BackendSpec, resolve_backend
    from radlite.pipeline.runner import RunOptions, run_job
    from radlite.pipeline.store import JobStore
    from radlite.tasks import get_task

    task_obj = get_task(task)
    backend = resolve_backend(task, BackendSpec(options=dict(backend_options or {})))
    reports = [Report(f"cli-{i}", texts[i % len(texts)]) for i in range(total)]
    with JobStore(":memory:") as store:
        run_job(task_obj, backend, reports[:2], store, RunOptions(progress=False))
    with JobStore(":memory:") as store:
        started = time.monotonic()
        summary = run_job(task_obj, backend, reports, store, RunOptions(progress=False))
        seconds = time.monotonic() - started
    backend.close()
    return {"task": task, "reports": total, "seconds": round(seconds, 2),
            "reports_per_s": round(summary.done / seconds, 3), "path": "radlite extract"}


def served_precision() -> str:
    """The embedded model's weight precision on this machine (``--dtype auto``): runs on
    CPUs with and without AVX512-BF16 are not comparable."""
    from radlite.core.precision import resolve_dtype

    return resolve_dtype("auto", "cpu")


def warm(server: Server, task: str, texts: list[str]) -> None:
    """Load the task's model before timing (first request of a task loads it)."""
    with server.client() as client:
        client.post(f"/v1/extract/{task}", json={"reports": [{"id": "warm", "text": texts[0]}]})


def _table(result: dict[str, Any]) -> list[str]:
    rows = []
    batch = {b["task"]: b for b in result["batch"]}
    cli = {b["task"]: b for b in result.get("extract", [])}

    def versus(ref: dict[str, Any] | None, rate: float) -> str:
        return f"{ref['reports_per_s']:.2f} ({rate / ref['reports_per_s']:.0%})" if ref else "-"

    for w in result["waves"]:
        rate = w["reports_per_s"]
        errors = json.dumps(w["errors"]) if w["errors"] else "0"
        rows.append(f"| {result['name']} | {result['date']} | {w['task']} | {w['clients']} | "
                    f"{w['reports']} | {rate:.2f} | {versus(batch.get(w['task']), rate)} | "
                    f"{versus(cli.get(w['task']), rate)} | "
                    f"{w['p50_s']} / {w['p95_s']} / {w['p99_s']} | {errors} | "
                    f"{result['server']} | {result.get('precision', '-')} |")
    return rows


def write_results(result: dict[str, Any]) -> None:
    """``NAME.json`` and this run's rows in the README table (a rerun replaces them)."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{result['name']}.json").write_text(json.dumps(result, indent=1) + "\n")
    readme = OUT / "README.md"
    head = ["# REST API under load", "",
            "Made by `benchmarks/load_api.py`: a real `radlite serve` process (embedded "
            "model, 2 CPU cores), N client threads each POSTing one report at a time to "
            "`/v1/extract/TASK` until all reports are answered. References: the same server's "
            "`POST /v1/jobs` job of as many reports (upload to done, batches of at most "
            "`--max-batch`), and `radlite extract`'s batch path in process (default batch "
            "size, model load excluded). Latency in seconds.", "",
            "| run | date | task | clients | reports | reports/s | server job reports/s (share) "
            "| radlite extract reports/s (share) | p50 / p95 / p99 | errors | server | "
            "precision |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    old = readme.read_text().splitlines() if readme.exists() else []
    kept = [line for line in old if line.startswith("| ") and not line.startswith("| run")
            and not line.startswith(f"| {result['name']} |")]
    readme.write_text("\n".join(head + kept + _table(result)) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--clients", default="1,4,8,16")
    parser.add_argument("--reports", type=int, default=48)
    parser.add_argument("--tasks", default="lirads,abdct")
    parser.add_argument("--no-batching", action="store_true")
    parser.add_argument("--serve-arg", action="append", default=[],
                        help="Extra `radlite serve` option (repeat), e.g. --serve-arg=--max-batch=8")
    args = parser.parse_args(argv)
    extra = list(args.serve_arg)
    if args.no_batching:
        extra += ["--batch-wait-ms", "0", "--max-batch", "1"]
    texts = {"lirads": lirads_reports(), "abdct": ABDCT_REPORTS}
    result: dict[str, Any] = {"name": args.name, "date": time.strftime("%Y-%m-%d"),
                              "server": " ".join(extra) or "defaults", "waves": [],
                              "batch": [], "extract": [], "precision": served_precision()}
    if "lirads" in args.tasks.split(","):
        same_backend = {"drafted": False} if "--no-drafts" in extra else {}
        result["extract"].append(extract_throughput("lirads", texts["lirads"], args.reports,
                                                    same_backend))
        print(json.dumps(result["extract"][-1]), flush=True)
    server = Server(extra)
    try:
        for task in args.tasks.split(","):
            warm(server, task, texts[task])
            if task == "lirads":
                result["batch"].append(job_throughput(server, task, texts[task], args.reports))
                print(json.dumps(result["batch"][-1]), flush=True)
            for clients in (int(c) for c in args.clients.split(",")):
                result["waves"].append(wave(server, task, texts[task], clients, args.reports))
                print(json.dumps(result["waves"][-1]), flush=True)
    finally:
        server.close()
    write_results(result)
    print(f"wrote {OUT / (args.name + '.json')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
