"""Typed errors. Messages say what is wrong and where, and never contain report text."""

from __future__ import annotations


class RadliteError(Exception):
    """Base class of every error radlite raises on purpose."""


class InputError(RadliteError):
    """Bad input: a malformed file, a missing column, duplicate ids, undecodable bytes."""


class SchemaError(RadliteError):
    """Model output that does not parse or does not satisfy the task schema."""


class BackendError(RadliteError):
    """A model backend failed: could not load, timed out, refused a host, bad response."""


class ConfigError(RadliteError):
    """An impossible or inconsistent configuration, detected before work starts."""
