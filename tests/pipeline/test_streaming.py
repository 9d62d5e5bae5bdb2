"""A 100,000-row input streams through the whole pipeline in bounded memory.

The run happens in a fresh subprocess whose peak RSS (``VmHWM``; not ``ru_maxrss``,
which Linux carries over from the forking parent) is compared with its RSS just before
the run: the input holds ~100 MB of report text, and keeping it (or
every report object, or every record) in memory would grow the process far beyond the
bound. Ids are kept (the duplicate check and the resume set), a few MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = 100_000
PAD = 1000

CHILD = """
import json, sys
from pathlib import Path
from radlite.backends.base import Capabilities
from radlite.pipeline.extract import InputSpec, extract
from radlite.pipeline.runner import RunOptions
from tests.pipeline.helpers import EchoTask, LengthBackend

def status_mb(key):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key)) / 1024

source, out = Path(sys.argv[1]), Path(sys.argv[2])
extract(EchoTask(), InputSpec(source), out.with_name("warm.csv"), backend=LengthBackend(),
        options=RunOptions(progress=False))  # warm imports and caches on a tiny file
before = status_mb("VmRSS")
backend = LengthBackend(capabilities=Capabilities(batch=True, max_batch_size=256))
summary = extract(EchoTask(), InputSpec(Path(sys.argv[3])), out, backend=backend,
                  options=RunOptions(progress=False, retries=0))
peak = status_mb("VmHWM")
print(json.dumps({"before": before, "peak": peak, "done": summary.done}))
"""


def _csv(path: Path, rows: int) -> Path:
    filler = "x" * PAD
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,report\n")
        handle.writelines(f"r{i},{filler}{i}\n" for i in range(rows))
    return path


def test_100k_rows_stream_with_bounded_memory(tmp_path: Path) -> None:
    small = _csv(tmp_path / "small.csv", 50)
    big = _csv(tmp_path / "big.csv", ROWS)
    out = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", CHILD, str(small), str(out), str(big)],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    stats = json.loads(run.stdout.strip().splitlines()[-1])
    assert stats["done"] == ROWS
    growth = stats["peak"] - stats["before"]
    text_mb = big.stat().st_size / 2**20
    assert growth < 0.5 * text_mb, f"RSS grew {growth:.1f} MiB for {text_mb:.0f} MiB of input"
    with out.open(encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == ROWS + 1
