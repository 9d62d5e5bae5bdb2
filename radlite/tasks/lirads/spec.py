"""The registered LI-RADS task."""

from radlite.tasks.spec import Evaluation, Synthesis, TaskOption, TaskSpec, Training

LOINC = "http://loinc.org"

SPEC = TaskSpec(
    name="lirads",
    factory="radlite.tasks.lirads.task:LiradsTask",
    summary="LI-RADS features of the index liver lesion (12 features, with evidence).",
    options=(
        TaskOption("template", "Prompt template (default: compact-v1 for builtin, json-v1 "
                               "otherwise).",
                   choices=("compact-v1", "json-v1"),
                   backend_default={"builtin": "compact-v1", "*": "json-v1"}),
        TaskOption("constrain_values", "compact-v1: the decoded size and segment must be one "
                                       "written in the report (or empty).",
                   flag="--constrain-values/--free-values", default=False, type="bool"),
        TaskOption("evidence_gate", "Gate steps: a binary feature with no cue or only negated "
                                    "ones -> 0, size/segment checked against the text, features "
                                    "the index lesion's description negates -> 0 (JSONL "
                                    "extra.unsupported, extra.reindexed).",
                   flag="--evidence-gate/--no-evidence-gate", default=True, type="bool"),
        TaskOption("cue_completion", "Set a feature to 1 when the index lesion's own "
                                     "description states it (listed in JSONL extra.completed).",
                   flag="--cue-completion/--no-cue-completion", default=True, type="bool"),
    ),
    evaluations=(Evaluation("lirads", sweep={}),),
    fhir_codes={"size": {"system": LOINC, "code": "33728-7",
                         "display": "Size.maximum dimension in Tumor"}},
    fhir_concept="feature",
    synthesis=Synthesis("radlite.synth.lirads:make_record", langs=("en", "ko-en", "mixed")),
    training=Training(task_options={"evidence_gate": False, "cue_completion": False},
                      reward_scorer="radlite.evaluate.lirads:score_values"),
)
