"""The registered abdominal CT organ-label task."""

from radlite.tasks.spec import Evaluation, Synthesis, TaskOption, TaskSpec

SPEC = TaskSpec(
    name="abdct",
    factory="radlite.tasks.abdct.task:AbdctTask",
    summary="Abdominal CT organ x finding-type labels, urgency, with evidence sentences.",
    options=(
        TaskOption("mode", "rules: deterministic baseline; fast: model checks certainty; "
                           "staged: model filters sentences, types, certainty and urgency.",
                   choices=("rules", "fast", "staged"), default="rules"),
        TaskOption("organs", "Organ to label (repeat; default: the nine of the schema).",
                   flag="--organ", type="list"),
        TaskOption("conventions", "Site convention NAME=CHOICE where the standard is silent "
                                  "(repeat): appendix=none|large_bowel, "
                                  "solid_organs=broad|organs, collapsed_bowel=quality|none, "
                                  "gallbladder_distension=size|diffuse.",
                   flag="--convention", type="list"),
    ),
    evaluations=(Evaluation("abdct", columns="radlite.tasks.abdct.labels:gold_columns",
                            sweep={"mode": "fast"}),),
    synthesis=Synthesis("radlite.synth.abdct:make_record"),
)
