"""LI-RADS feature extraction for the index liver lesion."""

from radlite.tasks.lirads.task import LiradsTask

__all__ = ["LiradsTask"]
