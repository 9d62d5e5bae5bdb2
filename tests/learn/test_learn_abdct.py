"""Learning a site's abdominal CT conventions from its reviews."""

from __future__ import annotations

from pathlib import Path

from radlite.core.types import Report
from radlite.learn.cycle import learn
from radlite.learn.data import LearnSet
from radlite.learn.registry import AdapterRegistry
from radlite.learn.resolve import site_task_options
from radlite.tasks.abdct import AbdctTask

SITE = ["gallbladder_distension=diffuse"]  # the site reads distension as dilatation
TEXTS = ["The gallbladder is distended without wall thickening. The liver is normal.",
         "Simple cyst in the left kidney. The spleen is normal.",
         "Fatty infiltration of the liver. Normal pancreas."]


def test_site_convention_is_chosen_promoted_and_used(tmp_path: Path) -> None:
    reports = [Report(f"r{i}", TEXTS[i % 3]) for i in range(60)]
    site_task = AbdctTask(conventions=SITE)
    columns = site_task.columns()
    gold = [r.values for r in site_task.run_batch(None, reports)]  # the site's coding
    data = LearnSet([r.id for r in reports], [r.text for r in reports],
                    [{c: g.get(c) for c in columns} for g in gold], columns)
    registry = AdapterRegistry(tmp_path / "registry")
    result = learn("abdct", data, registry=registry, site="site-a", options={}, folds=3)
    assert result.promoted, result.reason
    assert result.before["report_accuracy"] < result.after["report_accuracy"] == 1.0
    entry = registry.resolve("abdct", "site-a")
    assert entry is not None and entry.metrics["card"]["conventions"] == SITE
    options, used = site_task_options("abdct", {}, "site-a", None, tmp_path / "registry")
    assert used == entry and options["conventions"] == SITE
    assert AbdctTask(**options).run_batch(None, reports[:1])[0].values["gallbladder_diffuse"] == 1
