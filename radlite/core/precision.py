"""Choosing the weight precision for local model inference.

``auto`` picks bfloat16 where the hardware runs it natively (CUDA, or a CPU with
AVX512-BF16 or AMX) and float32 elsewhere: on a CPU without those instructions
bfloat16 matrix products are emulated and slower than float32.
"""

from __future__ import annotations

import re
from pathlib import Path

#: CPU flags (``/proc/cpuinfo``) that give native bfloat16 matrix products.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")

DTYPES = ("auto", "float32", "bfloat16", "float16")


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags (empty when ``/proc/cpuinfo`` cannot be read)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    match = re.search(r"^flags\s*:(.*)$", cpuinfo, re.M)
    return set(match.group(1).split()) if match else set()


def cpu_has_bf16(flags: set[str] | None = None) -> bool:
    """True when the CPU computes bfloat16 natively (AVX512-BF16 or AMX)."""
    found = cpu_flags() if flags is None else flags
    return any(flag in found for flag in BF16_CPU_FLAGS)


def resolve_dtype(dtype: str, device: str, flags: set[str] | None = None) -> str:
    """The concrete dtype name for ``dtype`` on ``device`` (``auto`` resolved).

    Raises:
        ValueError: ``dtype`` is not one of :data:`DTYPES`.
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    if dtype != "auto":
        return dtype
    if device.startswith("cuda"):
        return "bfloat16"
    return "bfloat16" if cpu_has_bf16(flags) else "float32"
