"""``radlite doctor``: what hospital IT runs first when something fails.

It reports the versions of radlite, Python and the key libraries; which embedded models,
adapters and heads are installed and whether each loads (with the time it took); which
extras are present and which commands need what is missing; the CPU threads and whether a
CUDA device is visible. Then it runs every command's default path on one synthetic
report. A failure of anything a default path needs makes the exit status non-zero.
Public API: :func:`diagnose` and :class:`Diagnosis`.
"""

from __future__ import annotations

from radlite.doctor.report import Check, Diagnosis, diagnose

__all__ = ["Check", "Diagnosis", "diagnose"]
