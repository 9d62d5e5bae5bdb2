"""The merged-model cache: a second load reads the cache and gives the same weights and
answers as the first (real embedded model with the shipped adapter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from radlite.backends import merged_cache


def test_the_key_changes_with_every_input(tmp_path: Path) -> None:
    pytest.importorskip("peft")
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"x")
    key = merged_cache.cache_key(gguf, "abc", "bfloat16")
    assert key != merged_cache.cache_key(gguf, "abd", "bfloat16")
    assert key != merged_cache.cache_key(gguf, "abc", "float32")
    assert key != merged_cache.cache_key(gguf, None, "bfloat16")
    gguf.write_bytes(b"xy")
    assert key != merged_cache.cache_key(gguf, "abc", "bfloat16")


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADLITE_MODEL_CACHE", "0")
    assert merged_cache.cache_root() is None


@pytest.mark.model
def test_a_cached_load_equals_a_fresh_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    from radlite.adapters import default_adapter
    from radlite.backends.builtin import BuiltinBackend
    from radlite.core.types import Report
    from radlite.tasks.lirads.task import LiradsTask

    monkeypatch.setenv("RADLITE_CACHE_DIR", str(tmp_path))
    adapter = str(default_adapter("lirads"))
    first = BuiltinBackend(adapter=adapter, dtype="bfloat16")
    entries = list((tmp_path / "merged").iterdir())
    assert len(entries) == 1 and (entries[0] / "model.safetensors").is_file()
    second = BuiltinBackend(adapter=adapter, dtype="bfloat16")
    a, b = first.model.state_dict(), second.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert second.adapter_hash == first.adapter_hash and second.model_id == first.model_id
    task = LiradsTask()
    report = Report("r1", "Cirrhotic liver. 2.4 cm S7 nodule with APHE and washout.")
    answers = [backend.generate([task.build_request(report)])[0].text
               for backend in (first, second)]
    assert answers[0] == answers[1]


def test_only_the_most_recently_used_entries_are_kept(tmp_path: Path) -> None:
    import os

    for age, name in enumerate(["newest", "middle", "oldest"]):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / ".staging-x").mkdir()
    deleted = merged_cache.prune(tmp_path, keep=2)
    assert [p.name for p in deleted] == ["oldest"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".staging-x", "middle", "newest"]


def test_a_named_model_resolves_to_its_verified_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Named optional models reach the merged cache as their GGUF path (its key)."""
    import sys
    import types

    from radlite.backends.hf import model_path
    from radlite.core.errors import BackendError
    from radlite.models import optional

    gguf = tmp_path / "named.gguf"
    gguf.write_bytes(b"GGUF-bytes")
    module = types.ModuleType("named_model_pkg")
    module.assemble = lambda: str(gguf)
    monkeypatch.setitem(sys.modules, "named_model_pkg", module)
    monkeypatch.setitem(optional.OPTIONAL_MODELS, "named", optional.OptionalModel(
        name="named", install="pip install named", sha256=optional.file_sha256(gguf),
        license="test", module="named_model_pkg", function="assemble"))
    assert model_path("named") == gguf
    assert model_path(gguf) == gguf
    with pytest.raises(BackendError, match="does not exist"):
        model_path(tmp_path / "absent.gguf")
