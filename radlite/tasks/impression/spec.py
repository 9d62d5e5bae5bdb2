"""The registered impression-drafting task (``radlite impress``)."""

from radlite.tasks.spec import Evaluation, Synthesis, TaskSpec, Training

SPEC = TaskSpec(
    name="impression",
    factory="radlite.tasks.impression.task:ImpressionTask",
    summary="Draft the Impression from the Findings.",
    kind="impress",
    evaluations=(Evaluation("impression", columns=lambda: ["impression"],
                            input_column="findings", sweep={"mode": "model"}),),
    synthesis=Synthesis("radlite.synth.impression:make_record",
                        columns=("id", "indication", "modality", "body_site", "findings",
                                 "impression"),
                        text_field="findings"),
    # findings -> impression; a config's task_options may pick mode: refine or a style
    training=Training(task_options={"mode": "model"}),
)
