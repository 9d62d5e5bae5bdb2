"""``radlite doctor``: what hospital IT runs first when something fails.

It reports the versions of radlite, Python and the key libraries; which embedded models,
adapters and heads are installed and whether each loads (with the time it took); which
extras are present and which commands need what is missing; the CPU threads and whether a
CUDA device is visible. Then it runs every command's default path on one synthetic
report. A failure of anything a default path needs makes the exit status non-zero.
Public API: :func:`diagnose` and :class:`Diagnosis`.
"""

from __future__ import annotations

from radlite.doctor import artefacts, commands, environment
from radlite.doctor.report import Check, Diagnosis

__all__ = ["Check", "Diagnosis", "diagnose"]


def diagnose(load: bool = True, smoke: bool = True) -> Diagnosis:
    """Run every check.

    Args:
        load: load each embedded model, adapter and head and time it.
        smoke: run each command's default path on one synthetic report.
    """
    result = Diagnosis()
    result.checks += environment.version_checks()
    result.checks += artefacts.artefact_checks(load=load)
    result.checks += environment.extra_checks()
    result.checks += environment.hardware_checks()
    if smoke:
        result.checks += commands.default_command_checks()
    return result
