"""The ``radlite eval`` command group."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from radlite.cli.eval import command


def test_eval_task_command(lirads_files, tmp_path):
    out = tmp_path / "rep"
    res = CliRunner().invoke(command, [
        "lirads", "--gold", str(lirads_files["gold"]), "--pred", f"a={lirads_files['good']}",
        "--pred", f"b={lirads_files['bad']}", "-o", str(out), "--n-boot", "300"])
    assert res.exit_code == 0, res.output
    assert "b - a accuracy" in res.output and "1 missing" in res.output
    assert (out / "report.html").is_file()


def test_perturb_and_reader_study_commands(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,report\n1,FINDINGS: APHE lesion.\n2,IMPRESSION: HCC.\n")
    dst = tmp_path / "out.csv"
    res = CliRunner().invoke(command, ["perturb", str(src), "-o", str(dst), "--typo-rate", "0.03",
                                       "--expand-abbreviations"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(dst.open()))
    assert [r["id"] for r in rows] == ["1", "2"] and "carcinoma" in rows[1]["report"]
    ratings = tmp_path / "r.csv"
    ratings.write_text("id,rater,rating\n" + "".join(
        f"{i},{r},{'better' if (i + len(r)) % 3 else 'worse'}\n" for i in range(10)
        for r in ("x", "yy")))
    res = CliRunner().invoke(command, ["reader-study", str(ratings), "-o", str(tmp_path / "rs"),
                                       "--n-boot", "200"])
    assert res.exit_code == 0, res.output
    assert "Cohen kappa" in res.output
    assert json.loads((tmp_path / "rs" / "reader_study.json").read_text())["n_cases"] == 10
