"""Throughput benchmark: LI-RADS extraction reports/s against the hardware limit.

For each batch size, the task's real requests (template ``compact-v1`` for the embedded
model) for ``--n`` reports are generated in length-sorted batches; the script records
reports/s, prompt and completion tokens, and the fraction of the hardware limit:

* compute: ``2 x parameters`` FLOPs per processed token (prompt + generated; attention
  is ignored, a few % at these lengths) against the measured peak of a large matmul;
* memory: every decode step of a batch reads all weights once, against the measured
  copy bandwidth of a large array.

The limit time is the larger of the two; *fraction* = limit time / measured time.

Examples:
    python benchmarks/throughput.py --name builtin-cpu2 --threads 2
    python benchmarks/throughput.py --backend llamacpp --name llamacpp-cpu2 --batch-sizes 1
    python benchmarks/throughput.py --backend transformers --model /models/qwen --device cuda
    python benchmarks/throughput.py --random-8b --device cuda --name random-8b-h100
    python benchmarks/throughput.py --name builtin-cpu2-padded --threads 2 --no-ragged
    python benchmarks/throughput.py --name builtin-cpu2-tokenwise --threads 2 --no-drafts
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
SAMPLES = (ROOT.parent / "examples" / "lirads_sample.csv",
           ROOT / "data" / "lirads_validation_handwritten.csv")


def load_reports(path: Path | None, n: int) -> list[Any]:
    """``n`` LI-RADS reports: from ``path``, the sample CSV, or the synthetic generator."""
    from radlite.core.io import read_reports

    for candidate in ([path] if path else list(SAMPLES)):
        if candidate and candidate.is_file():
            reports = list(read_reports(candidate))[:n]
            if len(reports) >= n or path:
                return reports
    from radlite.synth import generate  # type: ignore[attr-defined]

    return list(generate("lirads", n, 0))


def peak_flops(device: str, dtype: Any, size: int = 2048, reps: int = 5) -> float:
    """Measured FLOP/s of a square matmul (the compute roof)."""
    import torch

    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    best = float("inf")
    for _ in range(reps + 1):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        (a @ b).sum().item()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def bandwidth(device: str, mbytes: int = 512, reps: int = 5) -> float:
    """Measured bytes/s of copying a large array (read + write; the memory roof)."""
    import torch

    src = torch.empty(mbytes * 2**20, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    best = float("inf")
    for _ in range(reps + 1):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        dst.copy_(src)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * src.numel() / best


def run_batches(backend: Any, requests: list[Any], batch_size: int) -> dict[str, Any]:
    """Generate all ``requests`` (shortest first) in batches; time and count tokens."""
    ordered = sorted(requests, key=lambda r: r.prompt_chars())
    prompt = completion = steps = 0
    start = time.perf_counter()
    for i in range(0, len(ordered), batch_size):
        results = backend.generate(ordered[i:i + batch_size])
        prompt += sum(r.prompt_tokens for r in results)
        completion += sum(r.completion_tokens for r in results)
        steps += max(r.completion_tokens for r in results)
    seconds = time.perf_counter() - start
    return {"batch_size": batch_size, "reports": len(requests), "seconds": round(seconds, 3),
            "reports_per_s": round(len(requests) / seconds, 3), "prompt_tokens": prompt,
            "completion_tokens": completion, "decode_steps": steps}


def limit_fraction(row: dict[str, Any], params: float, weight_bytes: float, flops: float,
                   bytes_per_s: float) -> None:
    """Add the hardware-limit time and the achieved fraction of it to ``row``."""
    compute_s = 2 * params * (row["prompt_tokens"] + row["completion_tokens"]) / flops
    memory_s = row["decode_steps"] * weight_bytes / bytes_per_s
    row["limit_seconds"] = round(max(compute_s, memory_s), 4)
    row["limit_bound"] = "compute" if compute_s >= memory_s else "memory"
    row["fraction_of_limit"] = round(row["limit_seconds"] / row["seconds"], 4)
    row["limit_reports_per_s"] = round(row["reports"] / row["limit_seconds"], 2)


def build_backend(args: argparse.Namespace) -> Any:
    """The backend under test (a randomly initialised 8B-shaped model with --random-8b)."""
    from radlite.backends import load_backend

    if args.random_8b:
        return random_8b_backend(args.device)
    options = {"threads": args.threads, "batch_size": max(args.batch_sizes)}
    if args.backend == "llamacpp":
        options.pop("batch_size")
    if args.backend == "transformers":
        options.update(model=args.model, device=args.device, dtype=args.dtype)
    elif args.model:
        options["model"] = args.model
    if args.backend == "builtin" and args.device != "cpu":
        options["device"] = args.device
    if args.no_ragged:
        options["ragged_prefill"] = False
    if args.no_drafts:
        options["drafted"] = False
    return load_backend(args.backend, **options)


def random_8b_backend(device: str) -> Any:
    """A randomly initialised Llama-3-8B-shaped model (speed only: its output is noise).

    Uses the embedded model's tokenizer (its ids fit the 128k vocabulary) and stops
    only at ``max_new_tokens``, which is what a timing needs.
    """
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from radlite.backends.base import Capabilities
    from radlite.backends.builtin import embedded_model_path
    from radlite.backends.hf import TransformersBackend

    config = LlamaConfig(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                         num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
                         max_position_embeddings=8192, rope_theta=500000.0)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device(device):
        model = LlamaForCausalLM(config).eval()
    torch.set_default_dtype(torch.float32)
    gguf = embedded_model_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                              local_files_only=True)
    tokenizer.padding_side = "left"
    backend = TransformersBackend.__new__(TransformersBackend)
    backend.device, backend._model_path, backend._adapter_hash = device, "random-8b", None
    backend.model, backend.tokenizer, backend.constrained = model, tokenizer, False
    backend.capabilities = Capabilities(batch=True, max_batch_size=256)
    backend.__dict__.update(_grammar_compiler=None, _grammar_cache={})
    return backend


def model_size(backend: Any) -> tuple[float, float]:
    """Parameters and weight bytes read per decode step."""
    model = getattr(backend, "model", None)
    if model is not None:
        params = sum(p.numel() for p in model.parameters())
        return params, sum(p.numel() * p.element_size() for p in model.parameters())
    params = 134.5e6  # SmolLM2-135M (GGUF Q4_1: ~0.625 bytes per weight)
    return params, params * 0.625


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="builtin-cpu")
    parser.add_argument("--backend", default="builtin")
    parser.add_argument("--model", default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--n", type=int, default=48)
    parser.add_argument("--batch-sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 4, 8, 16, 32])
    parser.add_argument("--template", default="compact-v1")
    parser.add_argument("--random-8b", action="store_true")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--note", default="")
    parser.add_argument("--no-ragged", action="store_true",
                        help="pad every prompt of a batch (the transformers backend before "
                             "ragged prefill), for before/after runs")
    parser.add_argument("--no-drafts", action="store_true",
                        help="decode token by token (the transformers backend before drafted "
                             "decoding), for before/after runs")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from radlite.tasks import get_task

    task = get_task("lirads", template=args.template)
    requests = [task.build_request(r) for r in load_reports(args.data, args.n)]
    backend = build_backend(args)
    device = "cuda" if args.device.startswith("cuda") else "cpu"
    params, weight_bytes = model_size(backend)
    flops = peak_flops(device, torch.float32 if device == "cpu" else torch.bfloat16)
    bytes_per_s = bandwidth(device)
    backend.generate(requests[:2])  # warm-up
    rows = []
    for batch_size in args.batch_sizes:
        row = run_batches(backend, requests, batch_size)
        limit_fraction(row, params, weight_bytes, flops, bytes_per_s)
        rows.append(row)
        print(json.dumps(row), flush=True)
    best = max(rows, key=lambda r: r["reports_per_s"])
    result = {
        "name": args.name, "backend": args.backend, "model_id": backend.model_id,
        "params": params, "weight_bytes": weight_bytes, "device": device,
        "threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
        "load_average_before": os.getloadavg(), "peak_flops": flops,
        "bandwidth_bytes_per_s": bytes_per_s, "template": args.template,
        "platform": platform.platform(), "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M"), "rows": rows, "best": best, "note": args.note,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"throughput_{args.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"best: {best['reports_per_s']} reports/s at batch {best['batch_size']} "
          f"({best['fraction_of_limit']:.1%} of the {best['limit_bound']} limit) -> {out}")


if __name__ == "__main__":
    main()
