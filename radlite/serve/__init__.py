"""REST API and review web page (``radlite serve``); needs the ``serve`` extra."""

from radlite.serve.settings import ServeSettings

__all__ = ["ServeSettings", "create_app"]


def __getattr__(name: str):  # noqa: ANN202 - lazy import keeps fastapi optional
    if name == "create_app":
        from radlite.serve.app import create_app

        return create_app
    raise AttributeError(name)
