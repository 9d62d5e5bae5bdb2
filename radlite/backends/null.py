"""The backend of model-free runs: it loads nothing and refuses every request.

Tasks whose chosen mode calls no model (``needs_model`` is False, e.g. the ``rules``
modes of ``abdct`` and ``chest``) run under the job runner with this backend, so the
job's fingerprint and the records' provenance say that no model was involved, and a
rerun resumes whatever ``--backend`` options the command line carries.
"""

from __future__ import annotations

from collections.abc import Sequence

from radlite.backends.base import ALL_CONTROLS, Backend, Capabilities
from radlite.core.errors import BackendError
from radlite.core.generation import GenerationRequest, GenerationResult

NO_MODEL = "none"


class NullBackend(Backend):
    """A stand-in backend for model-free modes; :meth:`generate` raises ``BackendError``.

    Args:
        max_batch_size: reports per batch the runner uses by default.
    """

    name = NO_MODEL

    def __init__(self, max_batch_size: int = 32) -> None:
        self.capabilities = Capabilities(batch=True, max_batch_size=max(1, max_batch_size),
                                         decoding=ALL_CONTROLS)

    @property
    def model_id(self) -> str:
        return NO_MODEL

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        raise BackendError("no model is loaded: this task's mode runs without one")
