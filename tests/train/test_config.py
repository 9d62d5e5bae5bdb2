"""Training configs parse from YAML and flags alike and reject impossible combinations."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.core.errors import ConfigError
from radlite.train.config import GRPOSettings, SFTSettings, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_yaml_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("kind: sft\nsynth_n: 10\nlora_r: 4\ntarget_modules: [q_proj]\n")
    config = load_config("sft", path, {"lora_r": "8", "target_modules": "q_proj,v_proj"})
    assert isinstance(config, SFTSettings)
    assert (config.synth_n, config.lora_r, config.target_modules) == (10, 8, ["q_proj", "v_proj"])


def test_round_trip(tmp_path: Path) -> None:
    config = SFTSettings(synth_n=5, learning_rate=1e-3)
    config.to_yaml(tmp_path / "c.yaml")
    assert SFTSettings.from_yaml(tmp_path / "c.yaml") == config


@pytest.mark.parametrize(("kind", "settings", "message"), [
    ("sft", {}, "synth_n"),
    ("sft", {"synth_n": 5, "kfold": 1}, "kfold"),
    ("sft", {"synth_n": 5, "save_steps": 7, "eval_steps": 5}, "multiple of eval_steps"),
    ("sft", {"synth_n": 5, "quantization": "8bit"}, "quantization"),
    ("sft", {"synth_n": 5, "model": "/no/such/model"}, "does not exist"),
    ("sft", {"synth_n": 5, "task": "text"}, "target_col"),
    ("grpo", {"synth_n": 5, "batch_size": 3, "num_generations": 2}, "multiple of num_gen"),
    ("grpo", {"synth_n": 5, "model_type": "seq2seq"}, "causal"),
    ("grpo", {"synth_n": 5, "num_generations": 1}, "at least 2"),
])
def test_impossible_combinations(kind: str, settings: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(kind, None, settings)


def test_unknown_setting_and_wrong_kind(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lora_rank"):
        load_config("sft", None, {"lora_rank": 4})
    path = tmp_path / "g.yaml"
    path.write_text("kind: grpo\nsynth_n: 4\n")
    with pytest.raises(ConfigError, match="'grpo' config"):
        SFTSettings.from_yaml(path)


def test_qlora_is_checked_up_front() -> None:
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="bitsandbytes"):
            load_config("sft", None, {"synth_n": 5, "quantization": "4bit"})
    else:  # usable or not, the answer comes before any model loads
        try:
            load_config("sft", None, {"synth_n": 5, "quantization": "4bit"})
        except ConfigError as exc:
            assert "4-bit" in str(exc) or "bitsandbytes" in str(exc)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "configs/train").glob("*.yaml")))
def test_shipped_configs_are_valid(name: str) -> None:
    path = ROOT / "configs/train" / name
    kind = path.read_text().split("kind:", 1)[1].split()[0]
    cls = SFTSettings if kind == "sft" else GRPOSettings
    config = cls.from_yaml(path)  # parses: no unknown keys, right types
    try:
        config.validate()
    except ConfigError as exc:  # examples name the user's own files and models
        assert "does not exist" in str(exc) or "not a PEFT adapter" in str(exc) \
            or "bitsandbytes" in str(exc), str(exc)


def test_cli_flags_print_config() -> None:
    from radlite.cli.train import command

    result = CliRunner().invoke(command, ["grpo", "--synth-n", "8", "--num-generations", "2",
                                          "--no-mask-truncated", "--print-config"])
    assert result.exit_code == 0, result.output
    assert '"num_generations": 2' in result.output and '"mask_truncated": false' in result.output


def test_bad_oversampling_settings_are_named() -> None:
    with pytest.raises(ConfigError, match="rare_repeat"):
        SFTSettings(synth_n=4, rare_repeat=0).validate()
    with pytest.raises(ConfigError, match="rare_rate"):
        SFTSettings(synth_n=4, rare_rate=1.5).validate()
