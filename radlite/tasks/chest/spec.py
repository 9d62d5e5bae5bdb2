"""The registered chest X-ray observation task (CheXpert or ChestX-ray14 labels)."""

from radlite.tasks.spec import Evaluation, Synthesis, TaskOption, TaskSpec

SPEC = TaskSpec(
    name="chest",
    factory="radlite.tasks.chest.task:ChestTask",
    summary="Chest X-ray observation labels with evidence sentences.",
    options=(
        TaskOption("labels", "chexpert: 14 observations 1/0/-1/blank; chestxray14: Open-i "
                             "names, 1/0.",
                   choices=("chexpert", "chestxray14"), default="chexpert"),
        TaskOption("mode", "rules: NegEx-style baseline; learned: rules find mentions, a "
                           "trained head decides (chestxray14 only); verify: the generative "
                           "model checks every mention. Default: learned for chestxray14, "
                           "rules for chexpert.",
                   choices=("rules", "learned", "verify")),
        TaskOption("head", "Head folder for --mode learned (default: the shipped Open-i head; "
                           "train your own with `radlite train chest-head`).", type="dir"),
    ),
    aliases={"chestxray14": {"labels": "chestxray14"}},
    evaluations=(
        Evaluation("chexpert", when={"labels": "chexpert"},
                   sweep={"labels": "chexpert", "mode": "verify"}),
        Evaluation("binary", when={"labels": "chestxray14"}),
    ),
    synthesis=Synthesis("radlite.synth.chest:make_record"),
)
