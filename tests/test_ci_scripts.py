"""The scripts that CI runs: README commands, the Quick start output check, the lock."""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_quick_start_has_exactly_the_two_commands():
    readme = _script("readme_commands")
    first, second = readme.quick_start_commands((ROOT / "README.md").read_text())
    assert first.startswith("bash scripts/install.sh && radlite extract lirads")
    assert second == "bash scripts/test.sh"


def test_a_third_command_in_the_quick_start_is_refused():
    readme = _script("readme_commands")
    text = "## Quick start\n```bash\na\n```\n```bash\nb\n```\n```bash\nc\n```\n## Next\n"
    with pytest.raises(ValueError, match="exactly two"):
        readme.quick_start_commands(text)


def test_quickstart_check_passes_the_sample_itself_and_catches_errors(tmp_path):
    check = _script("check_quickstart")
    gold = check.read(ROOT / "examples" / "lirads_sample.csv")
    perfect = {i: {**row, "status": "ok", "evidence": "{}"} for i, row in gold.items()}
    assert check.problems(perfect, gold, 0.92) == ([], 1.0)

    broken = {i: dict(row) for i, row in perfect.items()}
    first, second = list(broken)[:2]
    broken[first].update(status="failed", error="model answer did not validate")
    broken[second]["location"] = "9"
    del broken[list(broken)[-1]]
    found, _ = check.problems(broken, gold, 0.92)
    text = "\n".join(found)
    assert "ids differ" in text and f"{first}: status 'failed'" in text
    assert f"{second}: location='9' is not a valid value" in text

    out = tmp_path / "out.csv"
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", *check.FEATURES, "status", "evidence"])
        writer.writeheader()
        for row in perfect.values():
            writer.writerow({k: row.get(k, "") for k in writer.fieldnames} | {"size": "1"})
    assert check.main([str(out), "--gold", str(ROOT / "examples" / "lirads_sample.csv"),
                       "--min-accuracy", "0.99"]) == 1


def test_lock_pins_every_core_dependency_within_its_bounds():
    packaging = pytest.importorskip("packaging.requirements")
    lock = (ROOT / "requirements" / "constraints.txt").read_text()
    pins = {re.sub(r"[-_.]+", "-", n).lower(): v
            for n, v in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)", lock, re.M)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = packaging.Requirement(line)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is not pinned in requirements/constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {line}"


def test_no_cuda_runtime_in_the_lock():
    lock = (ROOT / "requirements" / "constraints.txt").read_text()
    assert not re.search(r"^(nvidia-|cuda-|triton)", lock, re.M)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_install_script_uses_the_lock_by_default():
    text = (ROOT / "scripts" / "install.sh").read_text()
    assert 'constraints="${RADLITE_CONSTRAINTS:-requirements/constraints.txt}"' in text
    assert "--require-hashes -r requirements/models.txt" in text
