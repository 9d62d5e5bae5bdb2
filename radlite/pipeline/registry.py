"""The job registry: a list of job-store paths that ``radlite jobs list`` shows.

Every :class:`~radlite.pipeline.store.JobStore` opened with a fingerprint appends its
absolute path to ``$RADLITE_HOME/jobs.txt`` (default ``~/.radlite``). Appends are one
short line each, so concurrent jobs do not corrupt the file. ``RADLITE_HOME=""``
disables the registry. Reading skips stores that no longer exist.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
REGISTRY_NAME = "jobs.txt"


def registry_path() -> Path | None:
    """The registry file, or None when ``RADLITE_HOME`` is set to an empty string."""
    home = os.environ.get("RADLITE_HOME")
    if home == "":
        return None
    return Path(home or Path.home() / ".radlite") / REGISTRY_NAME


def register_job(store_path: str | os.PathLike[str]) -> None:
    """Add a job store to the registry (once; failures to write are only logged)."""
    registry = registry_path()
    if registry is None:
        return
    line = str(Path(store_path).resolve())
    try:
        if line in _read_lines(registry):
            return
        registry.parent.mkdir(parents=True, exist_ok=True)
        with registry.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        log.info("could not update the job registry %s: %s", registry, exc)


def _read_lines(registry: Path) -> list[str]:
    if not registry.is_file():
        return []
    return [s for s in registry.read_text(encoding="utf-8").splitlines() if s.strip()]


def known_jobs() -> list[Path]:
    """Registered job stores that still exist, oldest first, without duplicates."""
    registry = registry_path()
    if registry is None:
        return []
    seen: dict[str, None] = {}
    for line in _read_lines(registry):
        seen.setdefault(line, None)
    return [Path(line) for line in seen if Path(line).is_file()]


def find_job_stores(paths: list[Path]) -> list[Path]:
    """Job stores named in ``paths``: files as given, folders searched recursively."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob("*.job.sqlite")))
        elif path.is_file():
            found.append(path)
    return found
