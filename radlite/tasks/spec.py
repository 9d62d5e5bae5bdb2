"""The registered task object: everything the rest of radlite needs to know of a task.

A task package defines one :class:`TaskSpec` (by convention ``SPEC`` in its ``spec.py``)
and registers it (:func:`radlite.tasks.registry.register`). The CLI, the evaluator, the
REST API, the review page, FHIR output, the synthetic generators and training then work
from the spec alone; none of them branches on a task's name.

Key term: a *reference* (:data:`Ref`) is either a callable or a ``"module:attribute"``
string resolved on first use, so that a spec can name an evaluation scorer or a synthetic
generator that lives in a higher layer without importing it (``tasks`` never imports
``evaluate``; see docs/architecture.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from radlite.core.errors import ConfigError

if TYPE_CHECKING:
    from radlite.tasks.base import Task

Ref = str | Callable[..., Any]
OPTION_TYPES = ("str", "int", "float", "bool", "dir", "list")
KINDS = ("extract", "impress", "summarize")


def resolve(ref: Ref) -> Any:
    """The object a reference names: a callable as is, ``"module:attr"`` imported.

    Raises:
        ConfigError: the module or attribute does not exist.
    """
    if not isinstance(ref, str):
        return ref
    module_name, _, attr = ref.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load {ref!r}: {exc}") from exc


@dataclass(frozen=True)
class TaskOption:
    """One keyword option of a task's constructor, as the CLI and callers see it.

    Attributes:
        name: the constructor keyword (``mode``).
        help: one-line help text.
        flag: CLI spelling; default ``--name-with-dashes``; ``"--x/--no-x"`` for an on/off
            switch (``type="bool"``).
        choices: allowed values (empty: any).
        default: default value (None: the task's own default).
        type: ``str``, ``int``, ``float``, ``bool``, ``dir`` (an existing folder) or
            ``list`` (the flag repeats; the task receives a list, or None when absent).
        backend_default: default per backend name, ``"*"`` for any other backend (the
            LI-RADS prompt template depends on the model).
    """

    name: str
    help: str
    flag: str = ""
    choices: tuple[str, ...] = ()
    default: Any = None
    type: str = "str"
    backend_default: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in OPTION_TYPES:
            raise ConfigError(f"option {self.name!r}: type must be one of {OPTION_TYPES}")

    @property
    def cli_flag(self) -> str:
        """The CLI flag, e.g. ``--max-items`` or ``--evidence-gate/--no-evidence-gate``."""
        return self.flag or "--" + self.name.replace("_", "-")

    def default_for(self, backend: str | None) -> Any:
        """The default value when the model backend is ``backend``."""
        if backend is not None and backend in self.backend_default:
            return self.backend_default[backend]
        return self.backend_default.get("*", self.default)


@dataclass(frozen=True)
class Evaluation:
    """How ``radlite eval`` scores this task (for the task options in :attr:`when`).

    Attributes:
        scoring: name of a scoring method of :mod:`radlite.evaluate.scoring`
            (``binary``, ``categorical``, ``lirads``, ``abdct``, ``chexpert``,
            ``impression``, ``serial``), or a ``ScoringMethod`` of the task's own (or a
            ``"module:attr"`` reference to one, or to a function returning one).
        when: the task options this evaluation applies to (``{"labels": "chestxray14"}``);
            their keys become options of ``radlite eval TASK``.
        columns: gold value columns; default: the task's :meth:`Task.columns`.
        input_column: the gold file's text column (``eval sweep`` feeds it to the task).
        sweep: task options of the model-backed mode that ``eval sweep`` runs; None when
            decoding cannot change the output (no sweep).
    """

    scoring: Ref
    when: Mapping[str, Any] = field(default_factory=dict)
    columns: Ref | None = None
    input_column: str = "report"
    sweep: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Synthesis:
    """The task's synthetic generator (``radlite synth``).

    Attributes:
        make_record: ``(rng, lang, record_id) -> dict`` with the text and gold labels.
        columns: CSV column order; default ``id``, :attr:`text_field`, the task's
            columns; ``()`` for a JSONL-only task.
        text_field: the record's text (duplicates are redrawn on it).
        langs: languages the generator writes.
        key: name seeding the random stream and record ids (default the task name).
        preview: ``record -> str`` text shown by ``--preview`` (default the text field).
    """

    make_record: Ref
    columns: tuple[str, ...] | None = None
    text_field: str = "report"
    langs: tuple[str, ...] = ("en",)
    key: str = ""
    preview: Ref | None = None


@dataclass(frozen=True)
class Training:
    """How ``radlite train`` formats and rewards the task.

    Attributes:
        task_options: options of the task whose prompts and parser training uses (e.g.
            rule steps around the model switched off, so training measures the model).
        reward_scorer: ``(pred_values, gold_values) -> {feature: correct}`` for GRPO
            rewards; None: the task has no exact-match reward.
    """

    task_options: Mapping[str, Any] = field(default_factory=dict)
    reward_scorer: Ref | None = None


@dataclass(frozen=True)
class TaskSpec:
    """One registered task.

    Attributes:
        name: the task's name everywhere (CLI, REST path, job records, eval).
        factory: the :class:`~radlite.tasks.base.Task` class (or a function) that builds
            the task from keyword options.
        summary: one line for help texts.
        kind: which command and endpoint run it: ``extract`` (``radlite extract NAME``,
            ``POST /v1/extract/NAME``, jobs and review), ``impress`` or ``summarize``.
        options: constructor options offered on the CLI.
        aliases: other names, each with the options it implies
            (``{"chestxray14": {"labels": "chestxray14"}}``).
        evaluations: how ``radlite eval`` scores the task (first match of ``when`` wins).
        fhir_codes: standard codes per feature, e.g. a LOINC code.
        fhir_concept: ``feature`` or ``label``: the project CodeSystem's name part.
        synthesis: the synthetic generator, if any.
        training: training formatting and reward, if the task can be trained.
    """

    name: str
    factory: Ref
    summary: str
    kind: str = "extract"
    options: tuple[TaskOption, ...] = ()
    aliases: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    evaluations: tuple[Evaluation, ...] = ()
    fhir_codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fhir_concept: str = "label"
    synthesis: Synthesis | None = None
    training: Training | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"task {self.name!r}: kind must be one of {KINDS}")

    def create(self, **options: Any) -> Task:
        """Build the task; None values are dropped (the task's own default applies).

        Raises:
            ConfigError: options the task does not take, or invalid values.
        """
        factory = resolve(self.factory)
        try:
            return factory(**{k: v for k, v in options.items() if v is not None})
        except TypeError as exc:
            raise ConfigError(f"task '{self.name}': {exc}") from exc

    def defaults(self, backend: str | None) -> dict[str, Any]:
        """Option defaults that depend on the backend (e.g. the LI-RADS template)."""
        return {o.name: o.default_for(backend) for o in self.options if o.backend_default}

    def evaluation(self, options: Mapping[str, Any] | None = None) -> Evaluation:
        """The evaluation for these task options.

        Raises:
            ConfigError: the task cannot be evaluated (with these options).
        """
        options = options or {}
        for evaluation in self.evaluations:
            if all(options.get(k, self._default(k)) == v for k, v in evaluation.when.items()):
                return evaluation
        raise ConfigError(f"task {self.name!r} has no evaluation for options {dict(options)}")

    def eval_option_values(self) -> dict[str, list[Any]]:
        """Task options that choose an evaluation, with their values (first: default)."""
        values: dict[str, list[Any]] = {}
        for evaluation in self.evaluations:
            for key, value in evaluation.when.items():
                values.setdefault(key, [])
                if value not in values[key]:
                    values[key].append(value)
        return values

    def _default(self, name: str) -> Any:
        return next((o.default for o in self.options if o.name == name), None)
