"""Versioned learnt artefacts per site, task and reader: add, list, promote, roll back.

A *scope* is one (site, task, reader) triple; ``reader=None`` is the site-wide scope.
Each scope is a folder ``<root>/<site>/<task>/<reader or _site>/`` holding one folder per
version (``v0001/``, ``v0002/``, ...: the stored artefact plus the registry's
``card.json``) and an ``index.json``::

    {"current": 2, "history": [{"event": "promote", "version": 1, ...}, ...],
     "entries": {"1": {...card...}, "2": {...card...}}}

The index is the source of truth; it is rewritten atomically (temporary file, then
``os.replace``) under a per-scope lock (a ``threading.Lock`` in the process and
``fcntl.flock`` on the scope's ``.lock`` file across processes). A new version starts as
a ``candidate``; promoting it makes it the scope's current version (the previous one is
``retired``); a rollback returns to the previously promoted version, or to the shipped
default when there is none. Cards hold hashes, figures and dates, never report text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import EllipsisType
from typing import Any

from radlite.core.errors import ConfigError, InputError
from radlite.core.io import atomic_writer

try:  # not on Windows: there the in-process lock is the only one
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

DEFAULT_READER = None
DEFAULT_PARENT = "default"
SITE_SCOPE = "_site"
INDEX_FILE = "index.json"
CARD_FILE = "card.json"
LOCK_FILE = ".lock"
STATUSES = ("candidate", "promoted", "retired", "rejected")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ID = re.compile(r"^([^/]+)/([^/]+)/([^/@]+)@v([0-9]+)$")
_VERSION_DIR = re.compile(r"^v([0-9]+)$")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def default_registry_path() -> Path:
    """``$RADLITE_REGISTRY`` when set, else ``radlite-registry`` in the current folder."""
    value = os.environ.get("RADLITE_REGISTRY", "").strip()
    return Path(value) if value else Path("radlite-registry")


def check_name(kind: str, value: str) -> str:
    """``value`` when it is a valid site, task or reader id (``kind`` names which).

    Raises:
        InputError: not 1-64 characters of letters, digits, ``.``, ``_``, ``-`` starting
            with a letter or digit.
    """
    if not isinstance(value, str) or not _NAME.match(value):
        raise InputError(f"invalid {kind} id {value!r}: use 1-64 letters, digits, '.', '_' "
                         "or '-', starting with a letter or digit")
    return value


def parse_id(entry_id: str) -> tuple[str, str, str | None, int]:
    """``(site, task, reader, version)`` of an entry id such as ``site-a/chest/_site@v2``.

    Raises:
        InputError: not of the form ``SITE/TASK/READER@vN`` (``_site`` for no reader).
    """
    match = _ID.match(entry_id.strip())
    if not match:
        raise InputError(f"invalid adapter id {entry_id!r}: expected SITE/TASK/READER@vN "
                         f"(READER '{SITE_SCOPE}' for the site-wide adapter), e.g. "
                         f"site-a/chest/{SITE_SCOPE}@v2")
    site, task, reader, version = match.groups()
    check_name("site", site)
    check_name("task", task)
    reader_id = None if reader == SITE_SCOPE else check_name("reader", reader)
    return site, task, reader_id, int(version)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _files_hash(folder: Path, exclude: tuple[str, ...] = ()) -> str:
    """First 16 hex chars of a sha256 over ``folder``'s files (relative path and bytes,
    in sorted path order); top-level names in ``exclude`` are left out."""
    digest = hashlib.sha256()
    files = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*")
                   if p.is_file())
    for rel, path in files:
        if rel in exclude:
            continue
        digest.update(rel.encode("utf-8") + b"\0" + str(path.stat().st_size).encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class AdapterEntry:
    """One stored version of a learnt artefact in one scope (site, task, reader)."""

    task: str
    site: str
    reader: str | None
    version: int
    kind: str
    path: Path
    files_hash: str
    data_hash: str
    metrics: dict[str, Any] = field(hash=False)
    created: str
    parent: str
    status: str
    note: str = ""

    @property
    def id(self) -> str:
        """``SITE/TASK/READER@vN``, with ``_site`` for the site-wide scope."""
        return f"{self.site}/{self.task}/{self.reader or SITE_SCOPE}@v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: every field (``path`` as a string) plus ``id``."""
        data = asdict(self)
        data["path"] = str(self.path)
        data["id"] = self.id
        return data


def _entry_from_card(card: dict[str, Any], folder: Path) -> AdapterEntry:
    """The entry of a stored card; ``path`` is rebuilt so a moved registry still works."""
    try:
        return AdapterEntry(
            task=card["task"], site=card["site"], reader=card.get("reader"),
            version=int(card["version"]), kind=card["kind"], path=folder,
            files_hash=card["files_hash"], data_hash=card["data_hash"],
            metrics=dict(card.get("metrics") or {}), created=card["created"],
            parent=card.get("parent", DEFAULT_PARENT), status=card["status"],
            note=card.get("note", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{folder}: malformed registry card ({exc!r})") from exc


def _card(entry: AdapterEntry) -> dict[str, Any]:
    return entry.to_dict()


def _scope_lock(folder: Path) -> threading.Lock:
    key = os.path.realpath(folder)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _stack(history: list[dict[str, Any]]) -> list[int]:
    """Promoted versions, oldest first, replayed from the history (last = current)."""
    stack: list[int] = []
    for event in history:
        version = event.get("version")
        kind = event.get("event")
        if kind == "promote":
            stack = [v for v in stack if v != version] + [version]
        elif kind == "rollback" and stack:
            stack.pop()
        elif kind == "reject":
            stack = [v for v in stack if v != version]
    return stack


class AdapterRegistry:
    """Learnt artefacts under ``root``, versioned per (site, task, reader) scope."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_registry_path()

    # -- layout and storage --------------------------------------------------------

    def _scope(self, task: str, site: str, reader: str | None) -> Path:
        reader_dir = SITE_SCOPE if reader is None else check_name("reader", reader)
        return self.root / check_name("site", site) / check_name("task", task) / reader_dir

    def _read(self, scope: Path) -> dict[str, Any]:
        path = scope / INDEX_FILE
        if not path.exists():
            return {"current": None, "history": [], "entries": {}}
        try:
            index = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: unreadable registry index ({exc})") from exc
        if not isinstance(index, dict) or not isinstance(index.get("entries"), dict):
            raise ConfigError(f"{path}: not a registry index (no 'entries' object)")
        index.setdefault("current", None)
        index.setdefault("history", [])
        return index

    def _write(self, scope: Path, index: dict[str, Any]) -> None:
        with atomic_writer(scope / INDEX_FILE, newline=None) as handle:
            handle.write(json.dumps(index, indent=1, ensure_ascii=False) + "\n")

    def _write_card(self, entry: AdapterEntry) -> None:
        with atomic_writer(entry.path / CARD_FILE, newline=None) as handle:
            handle.write(json.dumps(_card(entry), indent=1, ensure_ascii=False) + "\n")

    @contextmanager
    def _locked(self, scope: Path) -> Iterator[dict[str, Any]]:
        """The scope's index, locked against other threads and processes; the caller's
        changes to it are written back atomically when the block ends without error."""
        scope.mkdir(parents=True, exist_ok=True)
        with _scope_lock(scope), (scope / LOCK_FILE).open("a") as lock:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                index = self._read(scope)
                yield index
                self._write(scope, index)
            finally:
                if fcntl is not None:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _entry(self, scope: Path, index: dict[str, Any], version: int) -> AdapterEntry:
        card = index["entries"].get(str(version))
        if card is None:
            known = sorted(int(v) for v in index["entries"])
            raise InputError(f"no version {version} in {scope.relative_to(self.root)} of "
                             f"registry {self.root}; known versions: {known or 'none'}")
        return _entry_from_card(card, scope / f"v{int(version):04d}")

    def _save(self, index: dict[str, Any], entry: AdapterEntry) -> AdapterEntry:
        index["entries"][str(entry.version)] = _card(entry)
        self._write_card(entry)
        return entry

    def _set_status(self, index: dict[str, Any], scope: Path, version: int | None,
                    status: str) -> None:
        if version is not None:
            self._save(index, replace(self._entry(scope, index, version), status=status))

    # -- public API ------------------------------------------------------------------

    def add(self, *, task: str, site: str, reader: str | None, kind: str, source: Path,
            data_hash: str, metrics: dict[str, Any], parent: str = DEFAULT_PARENT,
            note: str = "") -> AdapterEntry:
        """Store a copy of the artefact folder ``source`` as the scope's next version.

        The copy goes to ``<root>/<site>/<task>/<reader or _site>/vNNNN/`` with the
        registry's ``card.json``; the new entry is a ``candidate``. ``metrics`` and
        ``note`` must be JSON-serialisable figures and words, never report text.

        Raises:
            InputError: bad ids, a missing source folder, a parent that is not
                ``default`` or an entry id, or metrics that are not JSON.
        """
        scope = self._scope(task, site, reader)
        check_name("kind", kind)
        source = Path(source)
        if not source.is_dir():
            raise InputError(f"artefact folder {source} does not exist or is not a folder")
        if parent != DEFAULT_PARENT:
            parse_id(parent)
        try:
            metrics = json.loads(json.dumps(dict(metrics), allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise InputError(f"metrics must be a JSON object of plain values: {exc}") from exc
        skip_card = _registry_card(source)
        with self._locked(scope) as index:
            used = [int(v) for v in index["entries"]]
            used += [int(m.group(1)) for p in scope.iterdir()
                     if (m := _VERSION_DIR.match(p.name))]
            version = max(used, default=0) + 1
            target = _copy_in(source, scope / f"v{version:04d}", skip_card)
            entry = AdapterEntry(
                task=task, site=site, reader=reader, version=version, kind=kind, path=target,
                files_hash=_files_hash(target, exclude=(CARD_FILE,)), data_hash=str(data_hash),
                metrics=metrics, created=_now(), parent=parent, status="candidate",
                note=note)
            return self._save(index, entry)

    def get(self, task: str, site: str, reader: str | None, version: int) -> AdapterEntry:
        """The entry ``version`` of a scope.

        Raises:
            InputError: unknown version (the message lists the known ones) or bad ids.
        """
        scope = self._scope(task, site, reader)
        return self._entry(scope, self._read(scope), version)

    def entries(self, task: str | None = None, site: str | None = None,
                reader: str | None | EllipsisType = ...) -> list[AdapterEntry]:
        """Every entry, optionally only of ``task``, ``site`` and ``reader`` (``None``:
        site-wide entries only; ``...``: any reader), by (site, task, reader, version)."""
        found: list[AdapterEntry] = []
        if not self.root.is_dir():
            return found
        for index_path in self.root.glob(f"*/*/*/{INDEX_FILE}"):
            scope = index_path.parent
            s, t, r = scope.parent.parent.name, scope.parent.name, scope.name
            r_id = None if r == SITE_SCOPE else r
            if (site is not None and s != site) or (task is not None and t != task) or (
                    reader is not ... and r_id != reader):
                continue
            index = self._read(scope)
            found += [self._entry(scope, index, int(v)) for v in index["entries"]]
        return sorted(found, key=lambda e: (e.site, e.task, e.reader is not None,
                                            e.reader or "", e.version))

    def current(self, task: str, site: str, reader: str | None) -> AdapterEntry | None:
        """The promoted version of exactly this scope, or None."""
        scope = self._scope(task, site, reader)
        index = self._read(scope)
        version = index.get("current")
        return None if version is None else self._entry(scope, index, version)

    def resolve(self, task: str, site: str, reader: str | None = None) -> AdapterEntry | None:
        """What to use for a reader at a site: the reader's current version, else the
        site's, else None (the shipped default)."""
        if reader is not None:
            found = self.current(task, site, reader)
            if found is not None:
                return found
        return self.current(task, site, None)

    def promote(self, task: str, site: str, reader: str | None, version: int) -> AdapterEntry:
        """Make ``version`` the scope's current version; the previous one is retired.

        Promoting the current version again changes nothing.

        Raises:
            InputError: unknown version or bad ids.
        """
        scope = self._scope(task, site, reader)
        with self._locked(scope) as index:
            entry = self._entry(scope, index, version)
            previous = index["current"]
            if previous == entry.version:
                return entry
            self._set_status(index, scope, previous, "retired")
            index["history"].append({"event": "promote", "version": entry.version,
                                     "previous": previous, "time": _now()})
            index["current"] = entry.version
            return self._save(index, replace(entry, status="promoted"))

    def reject(self, task: str, site: str, reader: str | None, version: int,
               reason: str) -> AdapterEntry:
        """Mark ``version`` rejected (e.g. a candidate that is not better), with
        ``reason`` as its note; a rejected version is skipped by later rollbacks.

        Raises:
            InputError: unknown version, the current version (roll it back first).
        """
        scope = self._scope(task, site, reader)
        with self._locked(scope) as index:
            entry = self._entry(scope, index, version)
            if index["current"] == entry.version:
                raise InputError(f"{entry.id} is the current version: roll it back before "
                                 "rejecting it")
            index["history"].append({"event": "reject", "version": entry.version,
                                     "reason": reason, "time": _now()})
            return self._save(index, replace(entry, status="rejected", note=reason))

    def rollback(self, task: str, site: str, reader: str | None) -> AdapterEntry | None:
        """Retire the current version and go back to the previously promoted one.

        Returns:
            The new current entry, or None when the scope is back to the shipped default.

        Raises:
            InputError: the scope has no current version to roll back.
        """
        scope = self._scope(task, site, reader)
        with self._locked(scope) as index:
            previous = index["current"]
            if previous is None:
                raise InputError(f"nothing to roll back: {scope.relative_to(self.root)} of "
                                 f"registry {self.root} already uses the shipped default")
            stack = _stack(index["history"])
            after = stack[-2] if len(stack) > 1 else None
            index["history"].append({"event": "rollback", "version": previous,
                                     "current": after, "time": _now()})
            index["current"] = after
            self._set_status(index, scope, previous, "retired")
            self._set_status(index, scope, after, "promoted")
            return None if after is None else self._entry(scope, index, after)

    def history(self, task: str, site: str, reader: str | None) -> list[dict[str, Any]]:
        """The scope's promote, reject and rollback events, oldest first."""
        scope = self._scope(task, site, reader)
        return [dict(event) for event in self._read(scope)["history"]]


def _registry_card(source: Path) -> bool:
    """True when ``source`` holds a registry ``card.json`` (a stored version re-added):
    it is not copied. Any other top-level ``card.json`` clashes with the registry's."""
    card = source / CARD_FILE
    if not card.exists():
        return False
    with suppress(OSError, ValueError):
        data = json.loads(card.read_text(encoding="utf-8"))
        if isinstance(data, dict) and {"files_hash", "version", "status"} <= data.keys():
            return True
    raise InputError(f"{card}: the name {CARD_FILE} is reserved for the registry's card; "
                     "rename that file in the artefact")


def _copy_in(source: Path, target: Path, skip_card: bool) -> Path:
    """Copy the folder ``source`` to ``target`` (which must not exist) all at once: into a
    temporary folder beside it first, then renamed; ``skip_card`` leaves out a top-level
    registry ``card.json``."""

    def ignore(folder: str, names: list[str]) -> list[str]:
        return [CARD_FILE] if skip_card and Path(folder) == source else []

    incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=target.parent))
    try:
        shutil.copytree(source, incoming, dirs_exist_ok=True, ignore=ignore)
        os.replace(incoming, target)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    return target
