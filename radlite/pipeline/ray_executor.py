"""Run a job on a Ray cluster with Ray Data, one model replica per worker.

The *driver* (the process that runs ``radlite extract ... --executor ray``) keeps the
job store. It streams the input, skips finished reports exactly as the local runner
does, and spills the reports still to do to Parquet shards beside the job store.
Ray Data reads the shards (``local://``: on the driver's node), and ``map_batches``
sends blocks to a pool of actors; each actor (:class:`ReplicaWorker`) loads the task and
one backend once and runs the same :class:`~radlite.pipeline.batching.BatchProcessor`
as the local runner. Finished records stream back to the driver, which commits them to
the job store as they arrive, so a killed job resumes the same way as a local one.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from radlite.backends.base import Backend, backend_identity
from radlite.core.errors import ConfigError
from radlite.core.types import Record, Report
from radlite.pipeline.batching import BatchProcessor, Item, batch_size_for, length_batches
from radlite.pipeline.runner import (
    Committer,
    RunOptions,
    RunSummary,
    pending_items,
    progress_bar,
)
from radlite.pipeline.store import JobStore
from radlite.tasks.base import Task

SHARD_ROWS = 20_000


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError("--executor ray needs Ray Data: pip install 'radlite[ray]'") from exc
    return ray


class ReplicaWorker:
    """A Ray Data actor: one task and one backend, loaded once per worker."""

    def __init__(self, task_factory: Callable[[], Task], backend_factory: Callable[[], Backend],
                 retries: int, batch_size: int, max_batch_chars: int | None) -> None:
        backend = backend_factory()
        task = task_factory()
        self.processor = BatchProcessor(task, backend, retries)
        self.batch_size = batch_size_for(task, backend, batch_size)
        self.max_batch_chars = max_batch_chars

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        """Process one block of reports; returns their records as JSON strings."""
        items = [
            Item(int(seq), Report(id=str(rid), text=str(text), meta=json.loads(str(meta))))
            for seq, rid, text, meta in zip(batch["seq"], batch["id"], batch["text"],
                                            batch["meta"], strict=True)
        ]
        stats = self.processor.stats
        before = (stats.calls, stats.prompt_tokens, stats.completion_tokens)
        seqs: list[int] = []
        records: list[str] = []
        for group in length_batches(items, max(1, self.batch_size), True, self.max_batch_chars):
            for finished in self.processor.run(group):
                for seq, record in finished:
                    seqs.append(seq)
                    records.append(json.dumps(record.to_dict(), ensure_ascii=False))
        after = (stats.calls, stats.prompt_tokens, stats.completion_tokens)
        usage = [json.dumps([a - b for a, b in zip(after, before, strict=True)])]
        return {"seq": seqs, "record": records, "usage": usage + ["[0,0,0]"] * (len(seqs) - 1)}


def _same(backend: Backend) -> Backend:
    return backend


def _probe(backend_factory: Callable[[], Backend]) -> dict[str, Any]:
    backend = backend_factory()
    try:
        return backend_identity(backend)
    finally:
        backend.close()


def _spill(items: Iterator[Item], folder: Path, shard_rows: int = SHARD_ROWS) -> int:
    """Write pending reports to Parquet shards of ``shard_rows`` rows; returns the count.

    Each shard becomes one Ray Data block, so shards are sized to give every worker
    several blocks.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("seq", pa.int64()), ("id", pa.string()), ("text", pa.string()),
                        ("meta", pa.string())])
    count, shard = 0, 0
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}

    def flush() -> None:
        nonlocal shard
        table = pa.Table.from_pydict(columns, schema=schema)
        pq.write_table(table, folder / f"{shard:06d}.parquet")
        shard += 1
        for values in columns.values():
            values.clear()

    for item in items:
        columns["seq"].append(item.seq)
        columns["id"].append(item.report.id)
        columns["text"].append(item.report.text)
        columns["meta"].append(json.dumps(dict(item.report.meta), ensure_ascii=False))
        count += 1
        if len(columns["seq"]) >= shard_rows:
            flush()
    if columns["seq"]:
        flush()
    return count


class RayExecutor:
    """Runs a job's reports on a pool of Ray actors, committing results on the driver.

    Args:
        task_factory: builds the task in each worker (e.g. ``partial(get_task, "lirads")``).
        backend: a zero-argument factory that each worker calls to load its replica
            (e.g. ``partial(resolve_backend, "lirads", spec)``), or a loaded backend
            that is pickled to the workers (small test doubles, servers' clients).
        address: Ray cluster address (``auto`` joins a running cluster); None starts a
            local Ray runtime unless one is already initialised in this process.
        workers: model replicas (actors) to run.
        num_gpus: GPUs per replica (1 for a GPU model).
        num_cpus: CPUs per replica (what Ray reserves; torch still picks its threads).
    """

    def __init__(self, task_factory: Callable[[], Task], backend: Backend | Callable[[], Backend],
                 address: str | None = None,
                 workers: int = 1, num_gpus: float = 0, num_cpus: float = 1) -> None:
        self.ray = _import_ray()
        if not self.ray.is_initialized():
            self.ray.init(address=address, include_dashboard=False, log_to_driver=False)
        context = self.ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        self.task_factory = task_factory
        self.workers, self.num_gpus, self.num_cpus = max(1, int(workers)), num_gpus, num_cpus
        self._loaded = backend if isinstance(backend, Backend) else None
        self.backend_factory: Callable[[], Backend] = (
            functools.partial(_same, backend) if isinstance(backend, Backend) else backend
        )

    def identity(self) -> dict[str, Any]:
        """Model id, adapter hash and backend name, for the job's fingerprint.

        A backend spec is loaded once in a Ray task with one replica's resources.
        """
        if self._loaded is None:
            probe = self.ray.remote(_probe).options(num_cpus=self.num_cpus,
                                                       num_gpus=self.num_gpus)
            self._loaded_identity = self.ray.get(probe.remote(self.backend_factory))
        else:
            self._loaded_identity = backend_identity(self._loaded)
        ident = dict(self._loaded_identity)
        ident.pop("backend")
        return ident

    def run(self, task: Task, reports: Iterable[Report], store: JobStore,
            options: RunOptions | None = None, total: int | None = None) -> RunSummary:
        """Process ``reports`` like :func:`~radlite.pipeline.runner.run_job`, on Ray."""
        options = options or RunOptions()
        if not hasattr(self, "_loaded_identity"):
            self.identity()
        provenance = {**task.provenance(), **self._loaded_identity}
        summary = RunSummary()
        bar = progress_bar(total, options.progress)
        commit = Committer(store, summary, bar)
        skip = store.done_ids(include_failed=not options.retry_failed)
        spill = Path(str(store.path) + ".ray")
        shutil.rmtree(spill, ignore_errors=True)
        spill.mkdir(parents=True)
        try:
            todo = max(0, (total or 0) - len(skip))
            block = self._block(options, task)
            rows = min(SHARD_ROWS, max(block, todo // (self.workers * 4)))
            pending = _spill(pending_items(task, reports, skip, commit, provenance), spill, rows)
            if pending:
                self._stream(spill, options, commit, block)
        finally:
            bar.close()
            shutil.rmtree(spill, ignore_errors=True)
        summary.seconds = time.perf_counter() - commit.started
        return summary

    @staticmethod
    def _block(options: RunOptions, task: Task) -> int:
        return max(1, options.batch_size or task.default_batch_size or 8) * max(1, options.window)

    def _stream(self, spill: Path, options: RunOptions, commit: Committer, block: int) -> None:
        batch_size = options.batch_size or 0
        dataset = self.ray.data.read_parquet(f"local://{spill.resolve()}")
        results = dataset.map_batches(
            ReplicaWorker,
            fn_constructor_kwargs={
                "task_factory": self.task_factory, "backend_factory": self.backend_factory,
                "retries": options.retries, "batch_size": batch_size,
                "max_batch_chars": options.max_batch_chars,
            },
            batch_size=block, batch_format="numpy", concurrency=self.workers,
            num_gpus=self.num_gpus, num_cpus=self.num_cpus,
        )
        summary = commit.summary
        for out in results.iter_batches(batch_size=None, batch_format="numpy"):
            pairs = [(int(seq), Record.from_dict(json.loads(str(blob))))
                     for seq, blob in zip(out["seq"], out["record"], strict=True)]
            for usage in out["usage"]:
                calls, prompt, completion = json.loads(str(usage))
                summary.backend_calls += calls
                summary.prompt_tokens += prompt
                summary.completion_tokens += completion
            commit(pairs)

