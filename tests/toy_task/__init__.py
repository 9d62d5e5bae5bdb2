"""A toy extraction task that lives entirely outside radlite: thyroid nodule calcification
and side. It exists to prove the task contract (issue 19): registering its spec is the
only step, and ``radlite extract``, ``radlite eval``, the REST API and the review page
serve it with no edit to radlite.
"""

from toy_task.spec import SPEC

__all__ = ["SPEC"]
