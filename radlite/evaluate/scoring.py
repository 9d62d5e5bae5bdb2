"""Scoring methods: how a task's predictions become counts and metric specs.

A task's :class:`~radlite.tasks.spec.Evaluation` names one of :data:`METHODS` (or gives
its own callable ``columns -> ScoringMethod``); :func:`radlite.evaluate.runner.evaluate_task`
calls it without knowing which task it scores. The generic methods ``binary`` (1/0
label columns) and ``categorical`` (exact agreement per column) serve new tasks with no
scoring code of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from radlite.core.errors import ConfigError
from radlite.evaluate import labels, lirads, text_tasks
from radlite.evaluate.spec import MetricSpec, ScoredModel
from radlite.tasks.spec import Evaluation, resolve


@dataclass(frozen=True)
class ScoringContext:
    """Everything a scoring method may use besides the rows."""

    columns: list[str]
    text_metrics: list[str]
    encoder_path: str | None = None
    factual: text_tasks.FactualScorer | None = None
    system: str = ""


@dataclass(frozen=True)
class ScoringMethod:
    """Score one model's rows, and say which numbers to report.

    Attributes:
        score: ``(gold_rows, pred_rows, context) -> ScoredModel``.
        specs: ``(scored baseline, columns) -> metric specs``.
        text: text metrics (BLEU, ROUGE, ...) apply; prediction columns are not checked.
        factual: the NLI / F1-RadGraph factual metrics apply.
    """

    score: Callable[[list[dict], list[dict | None], ScoringContext], ScoredModel]
    specs: Callable[[ScoredModel, list[str]], list[MetricSpec]]
    text: bool = False
    factual: bool = False


METHODS: dict[str, ScoringMethod] = {
    "lirads": ScoringMethod(lambda g, p, _: lirads.score_lirads(g, p),
                            lambda _m, _c: lirads.lirads_specs()),
    "abdct": ScoringMethod(lambda g, p, _: labels.score_abdct(g, p),
                           lambda m, _c: labels.abdct_specs("any_abnormality" in m.counts)),
    "chexpert": ScoringMethod(lambda g, p, _: labels.score_chest(g, p),
                              lambda _m, _c: labels.chest_specs()),
    "binary": ScoringMethod(lambda g, p, ctx: labels.score_binary(g, p, ctx.columns),
                            lambda _m, c: labels.binary_specs(c)),
    "categorical": ScoringMethod(lambda g, p, ctx: labels.score_categorical(g, p, ctx.columns),
                                 lambda _m, c: labels.categorical_specs(c)),
    "impression": ScoringMethod(
        lambda g, p, ctx: text_tasks.score_impression(g, p, ctx.text_metrics, ctx.encoder_path,
                                                      ctx.factual, ctx.system),
        lambda m, _c: text_tasks.text_specs(m), text=True, factual=True),
    "serial": ScoringMethod(
        lambda g, p, ctx: text_tasks.score_serial(g, p, ctx.text_metrics, ctx.encoder_path),
        lambda m, _c: text_tasks.text_specs(m), text=True),
}


def scoring_method(evaluation: Evaluation) -> ScoringMethod:
    """The method an evaluation names (or builds).

    Raises:
        ConfigError: an unknown method name, or a callable that returns something else.
    """
    if isinstance(evaluation.scoring, str) and ":" not in evaluation.scoring:
        if evaluation.scoring not in METHODS:
            raise ConfigError(f"unknown scoring method {evaluation.scoring!r}; "
                              f"choose one of {sorted(METHODS)}")
        return METHODS[evaluation.scoring]
    method = resolve(evaluation.scoring)
    method = method() if not isinstance(method, ScoringMethod) else method
    if not isinstance(method, ScoringMethod):
        raise ConfigError(f"scoring {evaluation.scoring!r} did not give a ScoringMethod")
    return method
