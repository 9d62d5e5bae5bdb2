"""Label sets as data: each task's schema lives in a YAML file in this folder."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Load the label-set YAML ``<name>.yaml`` shipped with radlite.

    Args:
        name: schema name, e.g. ``"lirads"``, ``"abdct"``, ``"chexpert"``.

    Returns:
        The parsed YAML mapping (treat it as read-only; it is cached).
    """
    text = resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def lirads_features() -> list[str]:
    """The 12 LI-RADS feature names in the spec's order."""
    return [f["name"] for f in load_schema("lirads")["features"]]


def lirads_binary_features() -> list[str]:
    """The 10 binary LI-RADS features (everything except size and location)."""
    return [f["name"] for f in load_schema("lirads")["features"] if f["type"] == "binary"]
