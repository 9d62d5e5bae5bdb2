"""Versions, extras and hardware: what the doctor reads without loading any model."""

from __future__ import annotations

import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

from radlite import __version__
from radlite.core.extras import distributions_by_extra, normalise
from radlite.core.precision import BF16_CPU_FLAGS, cpu_flags, resolve_dtype
from radlite.doctor.report import Check, attempt

#: Libraries every default path imports (core dependencies in pyproject.toml).
CORE_LIBRARIES = ("torch", "transformers", "accelerate", "peft", "gguf", "safetensors",
                  "huggingface-hub", "tokenizers", "xgrammar", "numpy", "pydantic", "click")

#: Optional libraries worth a version line when installed.
OPTIONAL_LIBRARIES = ("trl", "datasets", "scikit-learn", "fastapi", "ray", "llama-cpp-python",
                      "bitsandbytes")

#: What each extra enables: the commands that fail without it.
EXTRA_USES = {
    "train": "radlite train sft|grpo|chest-head",
    "eval": "radlite eval (metrics, bootstrap CIs, plots)",
    "serve": "radlite serve (REST API and review page)",
    "ray": "radlite extract --executor ray",
    "llamacpp": "radlite extract --backend llamacpp",
    "qlora": "radlite train with a 4-bit (QLoRA) config",
}

#: The tested versions, when radlite runs from a source checkout.
CONSTRAINTS = Path(__file__).resolve().parents[2] / "requirements" / "constraints.txt"


def tested_versions(path: Path = CONSTRAINTS) -> dict[str, str]:
    """``name -> version`` pinned in the constraints file (empty when there is none)."""
    if not path.is_file():
        return {}
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)", path.read_text(), re.M)
    return {normalise(name): version for name, version in pins}


def _version_check(dist: str, tested: dict[str, str], core: bool) -> Check:
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        detail = "not installed" + ("" if core else " (optional)")
        return Check("versions", dist, False, detail, needed_by="every model-backed command"
                     if core else "", default=core)
    pin = tested.get(normalise(dist))
    drift = f" (tested with {pin})" if pin and version.split("+")[0] != pin else ""
    return Check("versions", dist, True, version + drift)


def version_checks() -> list[Check]:
    """radlite, Python and the key libraries, with drift from the tested versions."""
    tested = tested_versions()
    checks = [Check("versions", "radlite", True, __version__),
              Check("versions", "python", True, f"{platform.python_version()} ({sys.executable})")]
    checks += [_version_check(dist, tested, core=True) for dist in CORE_LIBRARIES]
    for dist in OPTIONAL_LIBRARIES:
        check = _version_check(dist, tested, core=False)
        if check.ok:
            checks.append(check)
    return checks


def _installed(dist: str) -> bool:
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def extra_checks() -> list[Check]:
    """Each extra: present, or which of its packages are missing and what that stops."""
    checks = []
    for extra, dists in sorted(distributions_by_extra().items()):
        missing = [d for d in dists if not _installed(d)]
        detail = ("installed" if not missing
                  else f"missing {', '.join(missing)}: pip install 'radlite[{extra}]'")
        checks.append(Check("extras", extra, not missing, detail,
                            needed_by=EXTRA_USES.get(extra, "")))
    if not checks:
        checks.append(Check("extras", "radlite metadata", False,
                            "radlite is not installed as a package: pip install -e ."))
    return checks


def _cpu_flags() -> str:
    flags = cpu_flags()
    if not flags:
        return "unknown"
    wanted = ("avx2", "avx512f", *BF16_CPU_FLAGS)
    found = ", ".join(f for f in wanted if f in flags) or "none of avx2/avx512/amx"
    return f"{found} (--dtype auto: {resolve_dtype('auto', 'cpu', flags)})"


def _threads() -> str:
    import torch

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{usable} usable of {os.cpu_count()} CPUs; torch uses {torch.get_num_threads()} "
            f"threads; CPU features: {_cpu_flags()}")


def _cuda() -> str:
    import torch

    if not torch.cuda.is_available():
        build = "CPU-only torch build" if torch.version.cuda is None else \
            f"torch built for CUDA {torch.version.cuda}, but no device is visible"
        return f"no CUDA device ({build}); radlite runs on the CPU"
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return f"{len(names)} visible: {', '.join(names)}"


def hardware_checks() -> list[Check]:
    """CPU threads and CUDA; neither is needed by a default path (CPU is enough)."""
    return [attempt("hardware", "CPU threads", _threads, timed_check=False),
            attempt("hardware", "CUDA", _cuda, timed_check=False)]
