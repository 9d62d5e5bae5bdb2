"""Evaluation: metrics, bootstrap statistics, model comparisons, reports and plots.

Entry points (imports are lazy; nothing heavy is loaded until used):

- ``evaluate_task(task, gold_path, preds, out_dir, n_boot=10000, seed=0, ...)``
- ``radlite.evaluate.lirads.score_values(gold, pred) -> dict[str, bool]``
- ``radlite.evaluate.text.{bleu, rouge, meteor, bertscore, embedding_cosine}``
- ``radlite.evaluate.bootstrap.{cluster_bootstrap, paired_bootstrap, paired_permutation, holm}``
- ``radlite.evaluate.perturb.{typos, expand_abbreviations, shuffle_sections}``
- ``radlite.evaluate.reader_study.summarise``; ``radlite.evaluate.robustness``
"""

from __future__ import annotations

from typing import Any

__all__ = ["evaluate_task", "eval_names"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from radlite.evaluate import runner

        return getattr(runner, name)
    raise AttributeError(name)
