"""The two output formats of the LI-RADS task and their parsers.

*Compact*: ``size=23; seg=8; cld=1; tgt=0; ntg=0; tiv=0; aphe=1; wo=1; cap=1; grw=0;
ben=0; mal=1`` -- values only, about a third of the tokens of JSON with full names.
*JSON*: ``{"size": 23, "location": 8, "cld": 1, ...}`` with the spec's feature names.
Both parse into ``{feature: int | None}`` validated against the schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from radlite.core.errors import SchemaError
from radlite.schemas import lirads_binary_features, lirads_features

FEATURES = lirads_features()
BINARY = lirads_binary_features()
SHORT = dict(zip(FEATURES, ["size", "seg", "cld", "tgt", "ntg", "tiv", "aphe", "wo", "cap",
                            "grw", "ben", "mal"], strict=True))
LONG = {short: name for name, short in SHORT.items()}
MAX_SIZE_MM = 400


def _choices(values: Iterable[int] | None, general: str) -> str:
    """``-`` or one of ``values`` (when any), else ``-`` or the general pattern."""
    allowed = sorted(set(values or ()))
    return "(-|" + ("|".join(str(v) for v in allowed) if allowed else general) + ")"


def compact_regex(sizes: Iterable[int] | None = None,
                  segments: Iterable[int] | None = None) -> str:
    """Regular expression that every compact answer matches (for constrained decoding).

    Args:
        sizes: when given and non-empty, ``size`` may only be one of these (mm) or ``-``.
        segments: likewise for ``seg`` (Couinaud 1-8).
    """
    sizes = [v for v in sizes or () if 1 <= v <= MAX_SIZE_MM]
    segments = [v for v in segments or () if 1 <= v <= 8]
    parts = [f"size={_choices(sizes, '[1-9][0-9]{0,2}')}",
             f"seg={_choices(segments, '[1-8]')}"]
    parts += [f"{SHORT[name]}=[01]" for name in BINARY]
    return "; ".join(parts)


def format_compact(values: dict[str, Any]) -> str:
    """Render values in the compact format (the training target)."""
    out = []
    for name in FEATURES:
        value = values.get(name)
        out.append(f"{SHORT[name]}={'-' if value in (None, '') else int(value)}")
    return "; ".join(out)


def json_schema() -> dict[str, Any]:
    """JSON schema of the JSON output format."""
    props: dict[str, Any] = {
        "size": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_SIZE_MM},
        "location": {"type": ["integer", "null"], "minimum": 1, "maximum": 8},
    }
    props.update({name: {"type": "integer", "enum": [0, 1]} for name in BINARY})
    return {"type": "object", "properties": props, "required": FEATURES,
            "additionalProperties": False}


def _to_int(name: str, raw: Any) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-", "null", "none")):
        return None
    if isinstance(raw, bool):
        raw = int(raw)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise SchemaError(f"{name}: {str(raw)[:20]!r} is not a number") from None
    if number != int(number):
        raise SchemaError(f"{name}: {number} is not an integer")
    return int(number)


def validate(values: dict[str, Any]) -> dict[str, int | None]:
    """Check every feature is present and in range; return normalised values.

    Raises:
        SchemaError: naming the first missing or out-of-range feature.
    """
    missing = [name for name in FEATURES if name not in values]
    if missing:
        raise SchemaError(f"missing feature(s): {', '.join(missing)}")
    out: dict[str, int | None] = {}
    for name in FEATURES:
        value = _to_int(name, values[name])
        if name == "size" and value is not None and not 1 <= value <= MAX_SIZE_MM:
            raise SchemaError(f"size {value} mm is outside 1-{MAX_SIZE_MM}")
        if name == "location" and value is not None and not 1 <= value <= 8:
            raise SchemaError(f"location {value} is not a Couinaud segment 1-8")
        if name in BINARY and value not in (0, 1):
            raise SchemaError(f"{name} must be 0 or 1, got {value}")
        out[name] = value
    return out


_PAIR = re.compile(r"([a-z_]+)\s*[=:]\s*(-|\d+(?:\.\d+)?|null|none)", re.IGNORECASE)


def parse_output(text: str) -> dict[str, int | None]:
    """Parse a compact or JSON answer into validated feature values.

    Raises:
        SchemaError: the text is neither format, or fails validation.
    """
    stripped = text.strip()
    if not stripped:
        raise SchemaError("the model returned an empty answer")
    start = stripped.find("{")
    if start >= 0:
        end = stripped.rfind("}")
        try:
            data = json.loads(stripped[start:end + 1])
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            return validate(data)
    pairs = {LONG.get(k.lower(), k.lower()): v for k, v in _PAIR.findall(stripped)}
    if not pairs:
        raise SchemaError("the answer is neither the compact key=value format nor JSON")
    return validate(pairs)
