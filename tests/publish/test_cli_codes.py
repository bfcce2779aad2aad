"""`trygghet codes NEWER.csv`: what a newer export of Brå's code list changes, and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from trygghet.data.config import resource_path

TRYGGHET = [str(Path(sys.executable).with_name("trygghet"))]


def _run(*args):
    return subprocess.run(TRYGGHET + list(args), capture_output=True, text=True)


def test_compare_lists_new_discontinued_and_retitled_codes(tmp_path):
    source = resource_path("bra_brottskoder_sol.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = source[0], source[1:]
    changed = [r.replace("Stöld av elsparkcykel", "Stöld av elsparkcykel eller elmoped") if r.startswith("9833;") else r
               for r in rows if not r.startswith("0853;")]
    newer = tmp_path / "newer.csv"
    newer.write_text("\n".join([header, *changed, "9999;Ny brottskod;;8 kap. Stöld"]) + "\n", encoding="utf-8")
    done = _run("codes", str(newer))
    assert done.returncode == 0, done.stderr
    assert "9999" in done.stdout and "0853" in done.stdout and "elmoped" in done.stdout
    assert "1 ny" in done.stdout and "1 upphörd" in done.stdout and "1 ny_benamning" in done.stdout


def test_the_shipped_source_is_up_to_date():
    done = _run("codes", str(resource_path("bra_brottskoder_sol.csv")))
    assert done.returncode == 0 and "up to date" in done.stdout


def test_a_wrong_file_gives_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    done = _run("codes", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "brottskod" in done.stderr and "export Brå's code list again" in done.stderr
    done = _run("codes", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and "No such file" in done.stderr
