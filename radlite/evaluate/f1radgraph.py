"""F1-RadGraph (Delbrouck et al., 2022) from RadGraph-format annotations.

Key term: an *annotation*, the entity graph of one text in the format the
``radgraph`` package emits::

    {"entities": {"1": {"tokens": "effusion", "label": "Observation::definitely present",
                        "start_ix": 3, "end_ix": 3, "relations": [["located_at", "2"]]},
                  "2": {...}}}

The RadGraph model itself is not shipped and never downloaded by radlite, so
annotations come either from a file (``read_annotations``, the user ran RadGraph
elsewhere) or from the optional ``radgraph`` package given a local model folder
(``RadGraphAnnotator``). No other model is ever substituted.

The metric reproduces ``radgraph.rewards`` (the reference implementation of the
paper). Each annotation becomes a *set* of items, then F1 is computed per report
between the hypothesis and reference sets:

- ``simple``: ``(tokens, label)`` per entity.
- ``partial``: ``(tokens, label)`` for an entity without relations and
  ``(tokens, label, True)`` for one with relations.
- ``complete``: ``(tokens, label)`` for an entity without relations; one item
  ``(tokens.lower(), label, relation, target_tokens.lower())`` per relation of an
  entity with relations.

P = |H & R| / |H|, R = |H & R| / |R|, F1 = 2PR / (P + R), 0 when P + R = 0. As
in the reference, a report where either side has no entities (an empty text,
a missing prediction, or no entity found) scores 0 on every level, including
when both sides are empty. The corpus score is the mean over reports.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError, InputError

REWARD_LEVELS = ("simple", "partial", "complete")
Annotation = dict[str, Any]
"""``{"entities": {id: {"tokens", "label", "relations", ...}}}``."""

EMPTY: Annotation = {"entities": {}}


def _items_simple(entities: dict[str, dict]) -> set[tuple]:
    return {(e["tokens"], e["label"]) for e in entities.values()}


def _items_partial(entities: dict[str, dict]) -> set[tuple]:
    return {(e["tokens"], e["label"], True) if e["relations"] else (e["tokens"], e["label"])
            for e in entities.values()}


def _items_complete(entities: dict[str, dict]) -> set[tuple]:
    items: set[tuple] = set()
    for e in entities.values():
        if not e["relations"]:
            items.add((e["tokens"], e["label"]))
        for rel, target in e["relations"]:
            items.add((e["tokens"].lower(), e["label"], rel,
                       entities[str(target)]["tokens"].lower()))
    return items


_ITEMS: dict[str, Callable[[dict[str, dict]], set[tuple]]] = {
    "simple": _items_simple, "partial": _items_partial, "complete": _items_complete,
}


def set_f1(hyp: set[tuple], ref: set[tuple]) -> float:
    """F1 between two item sets (0 when either is empty or nothing matches)."""
    if not hyp or not ref:
        return 0.0
    common = len(hyp & ref)
    precision, recall = common / len(hyp), common / len(ref)
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def reward(hyp: Annotation, ref: Annotation, level: str) -> float:
    """F1-RadGraph of one report at ``level`` (``simple``, ``partial``, ``complete``).

    Raises:
        ValueError: unknown level.
    """
    if level not in _ITEMS:
        raise ValueError(f"reward level must be one of {REWARD_LEVELS}, not {level!r}")
    h, r = hyp["entities"], ref["entities"]
    if not h or not r:
        return 0.0
    return set_f1(_ITEMS[level](h), _ITEMS[level](r))


def f1radgraph(hyps: list[Annotation], refs: list[Annotation],
               levels: Iterable[str] = REWARD_LEVELS, note: str = "") -> dict:
    """Per-report F1-RadGraph at each reward level, as ``TextScore`` (corpus = mean).

    Args:
        hyps: hypothesis annotations (``EMPTY`` for a missing or empty output).
        refs: reference annotations, same length and order.
        levels: reward levels to compute.
        note: where the annotations came from (appended to each score's note).

    Returns:
        ``{"f1radgraph_simple": TextScore, ...}``.
    """
    from radlite.evaluate.text import mean_score

    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypothesis but {len(refs)} reference annotations")
    hyps = [normalise_annotation(a, f"hypothesis {i}") for i, a in enumerate(hyps)]
    refs = [normalise_annotation(a, f"reference {i}") for i, a in enumerate(refs)]
    out = {}
    for level in levels:
        values = [reward(h, r, level) for h, r in zip(hyps, refs, strict=True)]
        text = f"F1-RadGraph ({level}, Delbrouck et al. 2022), mean over reports"
        out[f"f1radgraph_{level}"] = mean_score(f"f1radgraph_{level}", values,
                                                f"{text}; {note}" if note else text)
    return out


def normalise_annotation(value: Any, where: str) -> Annotation:
    """Check one annotation and return ``{"entities": {str id: entity}}``.

    Accepts ``{"entities": ...}``, the ``radgraph`` package's one-report output
    ``{"0": {"text": ..., "entities": ...}}``, or None / ``{}`` (no entities).

    Raises:
        InputError: malformed entity, or a relation to an unknown entity id.
    """
    if value is None or value == {}:
        return {"entities": {}}
    if isinstance(value, dict) and "entities" not in value and set(value) == {"0"}:
        value = value["0"]
    if not isinstance(value, dict) or not isinstance(value.get("entities"), dict):
        raise InputError(f"RadGraph annotation of {where}: expected an object with 'entities'")
    entities = {}
    for eid, ent in value["entities"].items():
        if not isinstance(ent, dict) or not isinstance(ent.get("tokens"), str) \
                or not isinstance(ent.get("label"), str):
            raise InputError(f"RadGraph annotation of {where}: entity {eid!r} needs string "
                             "'tokens' and 'label'")
        relations = ent.get("relations") or []
        if not all(isinstance(r, list | tuple) and len(r) == 2 for r in relations):
            raise InputError(f"RadGraph annotation of {where}: entity {eid!r} relations must be "
                             "[relation, target_id] pairs")
        entities[str(eid)] = {**ent, "relations": [(str(r), str(t)) for r, t in relations]}
    for eid, ent in entities.items():
        missing = [t for _, t in ent["relations"] if t not in entities]
        if missing:
            raise InputError(f"RadGraph annotation of {where}: entity {eid!r} relates to unknown "
                             f"entity ids {missing}")
    return {"entities": entities}


def read_annotations(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a RadGraph annotation JSONL file keyed by report id.

    Each line: ``{"id": ..., "reference": ANNOTATION, "systems": {NAME: ANNOTATION}}``;
    system annotations may also sit at the top level (``{"id", "reference", NAME: ...}``).
    Annotations are checked by ``normalise_annotation``.

    Returns:
        id -> ``{"reference": Annotation | None, "systems": {name: Annotation}}``.

    Raises:
        InputError: unreadable file, a line without an id, or a duplicate id.
    """
    from radlite.evaluate.io import ID_COLUMNS, read_rows

    out: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(read_rows(path), 1):
        key = next((k for k in ID_COLUMNS if k in row), None)
        if key is None:
            raise InputError(f"{path}: record {n} has no id ({', '.join(ID_COLUMNS)})")
        rid = str(row[key]).strip()
        if rid in out:
            raise InputError(f"{path}: duplicate id {rid!r}")
        systems = dict(row.get("systems") or {})
        systems.update({k: v for k, v in row.items()
                        if k not in {key, "reference", "systems", "text"} and isinstance(v, dict)})
        ref = row.get("reference")
        out[rid] = {
            "reference": None if ref is None else normalise_annotation(ref, f"{rid} reference"),
            "systems": {k: normalise_annotation(v, f"{rid} {k}") for k, v in systems.items()},
        }
    return out


def from_file(annotations: dict[str, dict[str, Any]], ids: list[str], system: str,
              hyp_texts: list[str]) -> tuple[list[Annotation], list[Annotation]]:
    """Hypothesis and reference annotations of ``system`` for ``ids``.

    A report whose output is empty (missing or failed prediction) gets ``EMPTY``
    (scores 0). Every id needs a reference annotation and, where the system
    produced text, a system annotation.

    Raises:
        InputError: annotations missing, naming up to 5 ids.
    """
    no_ref = [i for i in ids if (annotations.get(i) or {}).get("reference") is None]
    if no_ref:
        raise InputError(f"RadGraph annotations: {len(no_ref)} ids lack a reference annotation "
                         f"(e.g. {no_ref[:5]})")
    no_hyp = [i for i, text in zip(ids, hyp_texts, strict=True)
              if text.strip() and system not in annotations[i]["systems"]]
    if no_hyp:
        raise InputError(f"RadGraph annotations: {len(no_hyp)} ids lack an annotation for "
                         f"system {system!r} (e.g. {no_hyp[:5]})")
    hyps = [annotations[i]["systems"][system] if text.strip() else EMPTY
            for i, text in zip(ids, hyp_texts, strict=True)]
    return hyps, [annotations[i]["reference"] for i in ids]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RadGraphAnnotator:
    """The ``radgraph`` package's model, loaded from a local folder only.

    ``model_path`` is an extracted RadGraph archive (``config.json``,
    ``weights.th``, ``vocabulary/``), e.g. ``modern-radgraph-xl`` from the
    ``radgraph`` package's release files. The package looks for
    ``MODEL_CACHE_DIR/MODEL_TYPE/`` and downloads only when that folder is empty;
    radlite points it at a staging folder that links to ``model_path``, so it
    never downloads, and forces Hugging Face offline mode for the transformer
    backbone named in ``config.json`` (which must be in the local Hugging Face
    cache, or be a local folder).

    Raises:
        ConfigError: the package is missing, cannot load from a local folder,
            the folder is not a RadGraph model, or loading fails offline.
    """

    def __init__(self, model_path: str | Path, model_type: str | None = None) -> None:
        folder = Path(model_path).expanduser().resolve()
        missing = [n for n in ("config.json", "weights.th", "vocabulary") if not (folder / n).exists()]
        if missing:
            raise ConfigError(f"{folder} is not an extracted RadGraph model (lacks "
                              f"{', '.join(missing)}); --radgraph-model takes the folder of an "
                              "unpacked radgraph .tar.gz")
        rg = _import_radgraph()
        known = sorted(getattr(getattr(rg, "radgraph", None), "MODEL_MAPPING", {}) or
                       ("radgraph", "radgraph-xl", "modern-radgraph-xl", "echograph"))
        model_type = model_type or folder.name
        if model_type not in known:
            raise ConfigError(f"RadGraph model type {model_type!r} (from the folder name) is not "
                              f"one the radgraph package knows ({', '.join(known)}); rename the "
                              "folder or pass --radgraph-model-type")
        params = inspect.signature(rg.RadGraph.__init__).parameters
        if "model_cache_dir" not in params:
            raise ConfigError(
                f"the installed radgraph package ({_version()}) cannot load a model from a local "
                "folder: its RadGraph() has no model_cache_dir and always uses its own cache, "
                "downloading from the Hugging Face hub. Install a radgraph release whose RadGraph() "
                "takes model_cache_dir (0.1.18 does), or run RadGraph elsewhere and pass "
                "--radgraph-annotations FILE")
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        backbone = _backbone(cfg)
        _force_offline()
        self._staging = tempfile.TemporaryDirectory(prefix="radlite-radgraph-")
        os.symlink(folder, Path(self._staging.name) / model_type, target_is_directory=True)
        try:
            extra = {k: v for k, v in (("cuda", -1), ("batch_size", 1)) if k in params}
            self.model = rg.RadGraph(model_type=model_type, model_cache_dir=self._staging.name,
                                     **extra)
        except Exception as exc:  # the package raises bare Exceptions
            raise ConfigError(
                f"radgraph could not load {folder} offline ({type(exc).__name__}: {exc}). Its "
                f"transformer backbone {backbone!r} (named in config.json) must already be in the "
                "local Hugging Face cache or be a local folder; radlite never downloads it"
            ) from exc
        self.info = {"path": str(folder), "model_type": model_type, "backbone": backbone,
                     "config_sha256": _sha256(folder / "config.json"),
                     "radgraph_version": _version()}

    def __call__(self, texts: list[str]) -> list[Annotation]:
        """Annotations of ``texts``; an empty text gets ``EMPTY`` without running the model."""
        todo = [t for t in texts if t.strip()]
        result = self.model(todo) if todo else {}
        it = iter(range(len(todo)))
        return [normalise_annotation(result[str(next(it))], "radgraph output") if t.strip()
                else EMPTY for t in texts]


def _import_radgraph() -> Any:
    try:
        import radgraph
    except ImportError as exc:
        raise ConfigError("--radgraph-model needs the radgraph package (pip install radgraph); "
                          "or pass RadGraph annotations with --radgraph-annotations FILE") from exc
    return radgraph


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"radgraph {version('radgraph')}"
    except PackageNotFoundError:
        return "radgraph (unknown version)"


def _backbone(cfg: dict[str, Any]) -> str:
    try:
        return str(cfg["model"]["embedder"]["token_embedders"]["bert"]["model_name"])
    except (KeyError, TypeError):
        return "unknown"


def _force_offline() -> None:
    """Hugging Face offline mode for this process (env vars and loaded constants)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from huggingface_hub import constants

        constants.HF_HUB_OFFLINE = True
    except ImportError:  # pragma: no cover - transformers depends on it
        pass
