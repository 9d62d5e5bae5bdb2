"""The toy task's registration: the one object radlite needs."""

from radlite.tasks.spec import Evaluation, TaskSpec

SPEC = TaskSpec(
    name="thyroid_toy",
    factory="toy_task.task:ThyroidToyTask",
    summary="Toy: thyroid nodule calcification (1/0) and side.",
    evaluations=(Evaluation("categorical"),),
)
