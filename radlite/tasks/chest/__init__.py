"""Chest X-ray labelling: CheXpert 14 observations or ChestX-ray14 (rules baseline, verify)."""

from radlite.tasks.chest.task import ChestTask

__all__ = ["ChestTask"]
