"""The registered longitudinal summary task (``radlite summarize``)."""

from radlite.tasks.spec import Evaluation, Synthesis, TaskSpec

SPEC = TaskSpec(
    name="summarize",
    factory="radlite.tasks.summarize.task:SummarizeTask",
    summary="Summarise a patient's series of reports over time.",
    kind="summarize",
    aliases={"serial": {}},
    evaluations=(Evaluation("serial", columns=lambda: ["summary"]),),
    synthesis=Synthesis("radlite.synth.serial:make_record", columns=(), text_field="summary",
                        key="serial", preview="radlite.synth.serial:preview_text"),
)
