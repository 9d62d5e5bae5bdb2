"""Abdominal CT organ x finding-type labelling (rules baseline, fast and staged modes)."""

from radlite.tasks.abdct.task import AbdctTask

__all__ = ["AbdctTask"]
