"""Optional dependencies: the module -> extra map follows pyproject, and a missing one is one line."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import click
import pytest

from radlite.cli import main as cli_main
from radlite.core import extras
from radlite.core.extras import MissingExtraError, missing_message, normalise, require

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _declared_extras() -> dict[str, set[str]]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    found = {}
    for extra, requirements in project["optional-dependencies"].items():
        if extra in extras.TOOL_EXTRAS:
            continue
        found[extra] = {normalise(re.match(r"[A-Za-z0-9._-]+", r).group(0)) for r in requirements}
    return found


def test_every_optional_distribution_has_its_import_name():
    declared = set().union(*_declared_extras().values())
    mapped = {normalise(dist) for dist in extras.OPTIONAL_MODULES.values()}
    assert declared <= mapped, f"add these to OPTIONAL_MODULES: {sorted(declared - mapped)}"
    assert mapped <= declared, f"not in any extra of pyproject.toml: {sorted(mapped - declared)}"


def test_installed_metadata_agrees_with_pyproject():
    from_metadata = extras.distributions_by_extra()
    if not from_metadata:
        pytest.skip("radlite is not installed as a package")
    assert {k: set(v) for k, v in from_metadata.items()} == _declared_extras()


def test_message_names_the_extra_and_prefers_the_commands_own():
    line = missing_message("sklearn.linear_model", "radlite eval", prefer="eval")
    assert line == ("radlite eval needs the 'eval' extra (scikit-learn is not installed): "
                    "pip install 'radlite[eval]' (also in: train)")
    assert "'radlite[serve]'" in missing_message("uvicorn")
    assert missing_message("numpy") is None  # core: no extra to name


def test_require_raises_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "trl", None)  # makes `import trl` fail
    with pytest.raises(MissingExtraError) as caught:
        require("trl", "radlite train grpo")
    assert "\n" not in str(caught.value)
    assert "pip install 'radlite[train]'" in str(caught.value)


def _run_with(command: click.Command, name: str, *args: str) -> int:
    """``radlite NAME ARGS`` with ``command`` registered under ``name`` for the call."""
    cli_main.cli.add_command(command, name)
    try:
        return cli_main.main([name, *args])
    finally:
        cli_main.cli.commands.pop(name)


@click.command("needs-trl")
def _needs_trl() -> None:
    import trl  # noqa: F401


def test_cli_turns_a_missing_optional_module_into_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "trl", None)
    code = _run_with(_needs_trl, "needs-trl")
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "pip install 'radlite[train]'" in err


def test_cli_says_a_missing_core_module_means_reinstall(capsys):
    @click.command("needs-core")
    def needs_core() -> None:
        raise ModuleNotFoundError("No module named 'peft'", name="peft")

    code = _run_with(needs_core, "needs-core")
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert "install is incomplete: no module named 'peft'" in err and "radlite doctor" in err


def test_stand_in_command_explains_the_missing_extra(capsys):
    stand_in = cli_main._unavailable("serve", MissingExtraError("radlite serve needs 'serve'"))
    code = _run_with(stand_in, "serve-missing", "--port", "1")
    assert code == 2 and "radlite serve needs 'serve'" in capsys.readouterr().err


def test_install_error_names_the_extra_or_says_reinstall():
    optional = cli_main._install_error(ModuleNotFoundError("x", name="fastapi"), "serve")
    core = cli_main._install_error(ModuleNotFoundError("x", name="rapidfuzz"), "synth")
    assert isinstance(optional, MissingExtraError) and "'radlite[serve]'" in str(optional)
    assert not isinstance(core, MissingExtraError) and "incomplete" in str(core)
