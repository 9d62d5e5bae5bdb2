"""Series summarisation: a patient's dated reports -> change-focused impressions + summary."""

from radlite.summarize.summary import summarize_series

__all__ = ["summarize_series"]
