"""The adapter registry: versions, hashes, promote/rollback, resolution, storage, CLI."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.cli.adapters import command as adapters_cli
from radlite.core.errors import InputError
from radlite.learn.registry import (
    AdapterRegistry,
    check_name,
    default_registry_path,
    parse_id,
)


def artefact(folder: Path, payload: bytes = b"weights-1") -> Path:
    """A small fake artefact folder: one file and one file in a subfolder."""
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "head.bin").write_bytes(payload)
    (folder / "sub" / "head.json").write_text('{"dim": 4}\n', encoding="utf-8")
    return folder


def add(registry: AdapterRegistry, source: Path, *, reader: str | None = None,
        site: str = "site-a", task: str = "chest", **kw: object) -> object:
    return registry.add(task=task, site=site, reader=reader, kind="chest-head",
                        source=source, data_hash="d" * 16,
                        metrics=kw.pop("metrics", {"macro_f1": 0.8}), **kw)


def test_versions_increment_and_copy(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    src = artefact(tmp_path / "a")
    first, second = add(reg, src), add(reg, src)
    assert (first.version, second.version) == (1, 2)
    assert first.id == "site-a/chest/_site@v1"
    assert first.path == tmp_path / "reg" / "site-a" / "chest" / "_site" / "v0001"
    assert (first.path / "sub" / "head.json").exists()
    card = json.loads((second.path / "card.json").read_text())
    assert card["version"] == 2 and card["status"] == "candidate"
    assert set(card) >= {"task", "site", "reader", "kind", "path", "files_hash", "data_hash",
                         "metrics", "created", "parent", "status", "note"}
    assert first.created.endswith("+00:00")
    other = add(reg, src, reader="dr-kim")
    assert other.version == 1 and other.id == "site-a/chest/dr-kim@v1"


def test_files_hash_follows_bytes(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    one = add(reg, artefact(tmp_path / "a", b"weights-1"))
    same = add(reg, artefact(tmp_path / "b", b"weights-1"))
    changed = add(reg, artefact(tmp_path / "c", b"weights-2"))
    assert len(one.files_hash) == 16
    assert one.files_hash == same.files_hash != changed.files_hash


def test_readding_a_stored_version_skips_its_card(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    first = add(reg, artefact(tmp_path / "a"))
    again = add(reg, first.path, site="site-b", parent=first.id)
    assert again.files_hash == first.files_hash and again.parent == first.id
    clash = artefact(tmp_path / "c")
    (clash / "card.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="reserved"):
        add(reg, clash)


def test_promote_rollback_chain(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    src = artefact(tmp_path / "a")
    add(reg, src), add(reg, src)
    assert reg.current("chest", "site-a", None) is None
    assert reg.promote("chest", "site-a", None, 1).status == "promoted"
    reg.promote("chest", "site-a", None, 2)
    assert reg.current("chest", "site-a", None).version == 2
    assert reg.get("chest", "site-a", None, 1).status == "retired"
    back = reg.rollback("chest", "site-a", None)
    assert back is not None and back.version == 1 and back.status == "promoted"
    assert reg.get("chest", "site-a", None, 2).status == "retired"
    assert reg.rollback("chest", "site-a", None) is None
    assert reg.current("chest", "site-a", None) is None
    assert reg.get("chest", "site-a", None, 1).status == "retired"
    with pytest.raises(InputError, match="nothing to roll back"):
        reg.rollback("chest", "site-a", None)
    events = [(e["event"], e["version"]) for e in reg.history("chest", "site-a", None)]
    assert events == [("promote", 1), ("promote", 2), ("rollback", 2), ("rollback", 1)]
    assert all("time" in e for e in reg.history("chest", "site-a", None))


def test_reject_and_rollback_skips_rejected(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    src = artefact(tmp_path / "a")
    for _ in range(3):
        add(reg, src)
    reg.promote("chest", "site-a", None, 1)
    reg.promote("chest", "site-a", None, 2)
    rejected = reg.reject("chest", "site-a", None, 1, "worse on held-out reviews")
    assert rejected.status == "rejected" and rejected.note == "worse on held-out reviews"
    with pytest.raises(InputError, match="current version"):
        reg.reject("chest", "site-a", None, 2, "no")
    assert reg.rollback("chest", "site-a", None) is None  # v1 was rejected: default
    assert reg.history("chest", "site-a", None)[2]["event"] == "reject"


def test_resolve_falls_back_reader_site_default(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    src = artefact(tmp_path / "a")
    assert reg.resolve("chest", "site-a", "dr-kim") is None
    add(reg, src)
    reg.promote("chest", "site-a", None, 1)
    assert reg.resolve("chest", "site-a", "dr-kim").id == "site-a/chest/_site@v1"
    add(reg, src, reader="dr-kim")
    assert reg.resolve("chest", "site-a", "dr-kim").id == "site-a/chest/_site@v1"
    reg.promote("chest", "site-a", "dr-kim", 1)
    assert reg.resolve("chest", "site-a", "dr-kim").id == "site-a/chest/dr-kim@v1"
    assert reg.resolve("chest", "site-a").id == "site-a/chest/_site@v1"
    assert reg.resolve("chest", "site-b", "dr-kim") is None


@pytest.mark.parametrize(("kind", "value"), [
    ("site", ""), ("site", "../x"), ("task", "_site"), ("reader", "a/b"), ("site", "x" * 65),
    ("reader", "-x"), ("task", "a b"),
])
def test_bad_names_rejected(tmp_path: Path, kind: str, value: str) -> None:
    with pytest.raises(InputError, match=f"invalid {kind} id"):
        check_name(kind, value)
    reg = AdapterRegistry(tmp_path / "reg")
    names = {"site": "site-a", "task": "chest", "reader": None} | {kind: value}
    with pytest.raises(InputError, match=f"invalid {kind} id"):
        reg.add(kind="chest-head", source=artefact(tmp_path / "a"), data_hash="x",
                metrics={}, **names)
    assert check_name("site", "Site_1.a-b") == "Site_1.a-b"


def test_input_errors(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    with pytest.raises(InputError, match="does not exist"):
        add(reg, tmp_path / "missing")
    add(reg, artefact(tmp_path / "a"))
    with pytest.raises(InputError, match=r"known versions: \[1\]"):
        reg.get("chest", "site-a", None, 7)
    with pytest.raises(InputError, match="invalid adapter id"):
        parse_id("site-a/chest@v1")
    assert parse_id("site-a/chest/_site@v2") == ("site-a", "chest", None, 2)
    with pytest.raises(InputError, match="metrics"):
        add(reg, tmp_path / "a", metrics={"f1": object()})


def test_index_survives_reopening(tmp_path: Path) -> None:
    src = artefact(tmp_path / "a")
    reg = AdapterRegistry(tmp_path / "reg")
    add(reg, src), add(reg, src, reader="dr-kim", task="abdct")
    reg.promote("chest", "site-a", None, 1)
    again = AdapterRegistry(tmp_path / "reg")
    assert again.current("chest", "site-a", None).id == "site-a/chest/_site@v1"
    assert [e.id for e in again.entries()] == ["site-a/abdct/dr-kim@v1",
                                               "site-a/chest/_site@v1"]
    assert [e.id for e in again.entries(reader=None)] == ["site-a/chest/_site@v1"]
    assert [e.id for e in again.entries(task="abdct", reader="dr-kim")] == [
        "site-a/abdct/dr-kim@v1"]
    assert again.entries(site="site-b") == []
    index = json.loads((tmp_path / "reg/site-a/chest/_site/index.json").read_text())
    assert index["current"] == 1 and list(index["entries"]) == ["1"]
    assert add(again, src).version == 2


def test_concurrent_adds_get_distinct_versions(tmp_path: Path) -> None:
    reg = AdapterRegistry(tmp_path / "reg")
    src = artefact(tmp_path / "a")
    threads = [threading.Thread(target=add, args=(reg, src)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.version for e in reg.entries()] == [1, 2, 3, 4, 5, 6]


def test_default_registry_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RADLITE_REGISTRY", raising=False)
    assert default_registry_path() == Path("radlite-registry")
    monkeypatch.setenv("RADLITE_REGISTRY", str(tmp_path))
    assert default_registry_path() == tmp_path
    assert AdapterRegistry().root == tmp_path


def test_cli_list_show_promote_rollback(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    reg = AdapterRegistry(root)
    src = artefact(tmp_path / "a")
    add(reg, src, metrics={"macro_f1": 0.81234, "n": 40}), add(reg, src)
    runner = CliRunner()
    opt = ["--registry", str(root)]

    listed = runner.invoke(adapters_cli, ["list", *opt])
    assert listed.exit_code == 0, listed.output
    assert "site-a/chest/_site@v1" in listed.output and "macro_f1=0.8123" in listed.output
    assert "candidate" in listed.output and "default" in listed.output

    promoted = runner.invoke(adapters_cli, ["promote", "site-a/chest/_site@v2", *opt])
    assert promoted.exit_code == 0 and "was the shipped default" in promoted.output
    runner.invoke(adapters_cli, ["promote", "site-a/chest/_site@v1", *opt])

    shown = runner.invoke(adapters_cli, ["show", "site-a/chest/_site@v1", *opt])
    card = json.loads(shown.output)
    assert card["status"] == "promoted" and card["id"] == "site-a/chest/_site@v1"

    lines = runner.invoke(adapters_cli, ["list", "--json", "--reader", "_site", *opt]).output
    statuses = [json.loads(line)["status"] for line in lines.splitlines()]
    assert statuses == ["promoted", "retired"]

    rolled = runner.invoke(adapters_cli, ["rollback", "--task", "chest", "--site", "site-a",
                                          *opt])
    assert rolled.exit_code == 0 and "now site-a/chest/_site@v2" in rolled.output
    missing = runner.invoke(adapters_cli, ["show", "site-a/chest/_site@v9", *opt])
    assert isinstance(missing.exception, InputError)
    empty = runner.invoke(adapters_cli, ["list", "--registry", str(tmp_path / "none")])
    assert "no adapters" in empty.output


def test_cli_registered() -> None:
    from radlite.cli.main import COMMAND_MODULES

    assert "adapters" in COMMAND_MODULES
