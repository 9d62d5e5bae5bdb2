"""Learn a model-backed extraction task's LoRA adapter from a site's reviews (SFT).

For tasks whose learnt part is the generative model's adapter (LI-RADS): the reviewed
reports, with their corrected values as the answers, continue the current adapter
(the site's, else the shipped one) with supervised fine-tuning (:func:`radlite.train.sft.
train_sft`, ``init_adapter``). The candidate and the current adapter then extract the
held-out reviews on the same backend. Artefact kind ``lora``: the adapter folder.

Training settings come from ``train`` (any :class:`~radlite.train.config.SFTSettings`
field, e.g. ``model``, ``device``, ``epochs``, ``bf16``), over short-run defaults for a
few hundred reports. ``grpo_steps`` N > 0 adds a GRPO stage after SFT: N steps with the
exact-match reward on the same reviews (:func:`radlite.train.grpo.train_grpo`, from the
SFT adapter); off by default, since on 2 CPU cores a GRPO step takes tens of seconds. With ``model`` a local folder, the backend is ``transformers`` on
that model (e.g. an 8B model on a GPU with ``device=cuda``); with ``builtin`` (default)
it is the embedded model.
"""

from __future__ import annotations

import contextlib
import csv
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from radlite.core.errors import InputError
from radlite.core.extras import missing_extra_error
from radlite.core.types import Record, Report
from radlite.learn.data import LearnSet
from radlite.tasks.base import Task

Progress = Callable[[str, float], None]

#: Short-run SFT defaults for a learn cycle (a few hundred reviewed reports).
SFT_DEFAULTS: dict[str, Any] = {
    "epochs": 3.0, "batch_size": 4, "learning_rate": 2e-4, "val_fraction": 0.15,
    "eval_steps": 10, "save_steps": 10, "eval_generate_n": 0, "early_stopping_patience": 2,
    "max_length": 1024, "bf16": True, "group_by_length": True,
}


def _numbers(record: dict[str, Any]) -> dict[str, float]:
    """The numeric metrics of a training record (``training.json``)."""
    return {k: v for k, v in (record.get("metrics") or {}).items() if isinstance(v, int | float)}


class LoraLearner:
    """Continues the task's LoRA adapter on the reviewed reports (see module docstring)."""

    kind = "lora"
    scoring = "labels"

    def __init__(self, task_name: str, options: dict[str, Any],
                 train: dict[str, Any] | None = None) -> None:
        from radlite.tasks.registry import task_spec

        spec = task_spec(task_name)
        if spec.training is None:
            raise InputError(f"task '{task_name}' has no trainable model adapter")
        self.task_name = spec.name
        self.options = dict(options)
        settings = dict(train or {})
        self.grpo_steps = int(settings.pop("grpo_steps", 0) or 0)
        if self.grpo_steps < 0:
            raise InputError(f"grpo_steps must be 0 or more, got {self.grpo_steps}")
        self.train = {**SFT_DEFAULTS, **settings}
        self.model = str(self.train.get("model") or "builtin")
        self.device = str(self.train.get("device") or "auto")

    def columns(self) -> list[str]:
        return self.task(None).columns()

    def task(self, artefact: Path | None) -> Task:
        from radlite.tasks.registry import get_task

        return get_task(self.task_name, **self.options)

    def task_options(self, artefact: Path) -> dict[str, Any]:
        """None: the artefact is the backend's adapter (:meth:`backend_options`)."""
        return {}

    def backend_options(self, artefact: Path | None) -> dict[str, Any]:
        """The backend options that load ``artefact`` (None: the shipped adapter)."""
        if self.model == "builtin":
            return {"adapter": str(artefact)} if artefact is not None else {}
        out: dict[str, Any] = {"model": self.model, "device": self.device}
        if artefact is not None:
            out["adapter"] = str(artefact)
        return out

    def _parent_adapter(self, parent: Path | None) -> str:
        if parent is not None:
            return str(parent)
        if self.model != "builtin":
            return ""
        from radlite.adapters import default_adapter

        shipped = default_adapter(self.task_name)
        return str(shipped) if shipped is not None else ""

    def fit(self, train: LearnSet, parent: Path | None, out: Path,
            progress: Progress) -> dict[str, Any]:
        """SFT (and the optional GRPO stage) from ``parent``; the adapter goes to ``out``.

        Raises:
            MissingExtraError: the training libraries are not installed (``train`` extra).
        """
        try:
            return self._fit(train, parent, out, progress)
        except ModuleNotFoundError as exc:
            raise missing_extra_error(exc, "learning a LoRA adapter from reviews",
                                      prefer="train") from exc

    def _fit(self, train: LearnSet, parent: Path | None, out: Path,
             progress: Progress) -> dict[str, Any]:
        from radlite.train.config import SFTSettings
        from radlite.train.sft import train_sft

        with tempfile.TemporaryDirectory(prefix="radlite-lora-") as tmp:
            data = Path(tmp) / "reviews.csv"
            with data.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["id", "report", *train.columns])
                for rid, text, gold in zip(train.ids, train.texts, train.gold, strict=True):
                    writer.writerow([rid, text, *("" if gold.get(c) is None else gold[c]
                                                  for c in train.columns)])
            settings = SFTSettings(**{
                **self.train, "task": self.task_name, "train_file": str(data),
                "task_options": {k: v for k, v in self.options.items() if v is not None},
                "model": self.model, "device": self.device,
                "init_adapter": self._parent_adapter(parent),
                "output_dir": str(Path(tmp) / "run")})
            progress("fine-tuning the adapter on the reviewed reports", 0.1)
            with contextlib.redirect_stdout(sys.stderr):  # the trainer prints its log lines
                record = train_sft(settings)
            adapter = Path(tmp) / "run" / "adapter"
            card: dict[str, Any] = {
                "init_adapter": settings.init_adapter or "new", "model": self.model,
                "train_seconds": record.get("train_seconds"), "epochs": settings.epochs,
                "n_reports": len(train), "metrics": _numbers(record)}
            if self.grpo_steps:
                progress("GRPO with the exact-match reward", 0.6)
                adapter, card["grpo"] = self._grpo(data, adapter, Path(tmp) / "grpo")
            shutil.copytree(adapter, out)
        return card

    def _grpo(self, data: Path, sft_adapter: Path, output: Path) -> tuple[Path, dict[str, Any]]:
        """``grpo_steps`` GRPO steps from the SFT adapter; the new adapter and its card."""
        from radlite.train.config import GRPOSettings
        from radlite.train.grpo import train_grpo

        shared = {k: v for k, v in self.train.items()
                  if k in ("model", "device", "bf16", "max_length", "lora_r", "lora_alpha",
                           "target_modules", "seed", "threads", "template")}
        settings = GRPOSettings(**{
            **shared, "task": self.task_name, "train_file": str(data),
            "task_options": {k: v for k, v in self.options.items() if v is not None},
            "model": self.model, "device": self.device, "init_adapter": str(sft_adapter),
            "max_steps": self.grpo_steps, "val_fraction": 0.15, "eval_generate_n": 0,
            "output_dir": str(output)})
        with contextlib.redirect_stdout(sys.stderr):
            record = train_grpo(settings)
        return output / "adapter", {"steps": self.grpo_steps,
                                    "train_seconds": record.get("train_seconds"),
                                    "metrics": _numbers(record)}

    def run(self, artefact: Path | None, reports: Sequence[Report]) -> list[Record]:
        """The task's records for ``reports`` with ``artefact`` loaded (in memory)."""
        from radlite.pipeline.extract import BackendSpec, resolve_backend
        from radlite.pipeline.runner import RunOptions, run_job
        from radlite.pipeline.store import JobStore

        name = "builtin" if self.model == "builtin" else "transformers"
        backend = resolve_backend(self.task_name,
                                  BackendSpec(name, self.backend_options(artefact)))
        with JobStore(":memory:") as store:
            run_job(self.task(artefact), backend, list(reports), store,
                    RunOptions(progress=False))
            return list(store.records())
