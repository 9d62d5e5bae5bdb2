"""Model backends behind one small interface (see :mod:`radlite.backends.base`)."""

from radlite.backends.base import Backend, Capabilities
from radlite.backends.registry import BACKENDS, load_backend

__all__ = ["BACKENDS", "Backend", "Capabilities", "load_backend"]
