"""Any municipality without --befolkning: SCB's population of all 290 municipalities shipped in
data/reference/, and a county's demo stores in one command (`trygghet demo --lan`, what `trygghet run
--stores` reads)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest

from trygghet.data import store as store_mod
from trygghet.data.config import paths
from trygghet.data.demo._kommun import (
    POPULATION_FILE,
    county_scale_range,
    municipalities,
    municipality_population,
    populations,
    write_county_demo,
)
from trygghet.data.errors import DataError, ParameterError
from trygghet.publish.distributed import read_stores

GOTLAND, GOTLAND_POP = "0980", 61_000  # Gotland: the only municipality of county 09 (SCB, 1 November 2024)


def _trygghet(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trygghet", *args], capture_output=True, text=True, timeout=600,
                          check=False)


def _population_2025(table: pd.DataFrame) -> int:
    year = "år" if "år" in table.columns else "year"
    count = "antal" if "antal" in table.columns else "population"
    return int(table.loc[table[year].astype(int) == 2025, count].sum())


def test_population_table_covers_the_290_outlines_with_scb_figures():
    pop = populations()
    outlines = municipalities()
    assert len(pop) == 290 and set(pop["code"]) == set(outlines["code"])
    names = pop.set_index("code")["name"]
    assert (names[outlines["code"]].to_numpy() == outlines["name"].to_numpy()).all()
    assert set(pop["year"]) == {2024} and pop["code"].str.fullmatch(r"\d{4}").all()
    assert 10_400_000 < pop["population"].sum() < 10_700_000  # Sweden: 10 587 710 on 31 Dec 2024 (SCB)
    assert pop["population"].min() > 2_000 and pop.set_index("code").at["0180", "population"] > 900_000
    lulea, year = municipality_population("2580")
    assert year == 2024 and abs(lulea - 79_409) / 79_409 < 0.02  # domain.md: 79 409 on 30 Sep 2023
    assert municipality_population(GOTLAND) == (GOTLAND_POP, 2024)
    ref = paths().reference
    note = (ref / "LICENSE-sverige_kommuner_befolkning.md").read_text(encoding="utf-8")
    assert hashlib.sha256((ref / POPULATION_FILE).read_bytes()).hexdigest() in note
    assert "CC0" in note and "dnouri/crimecity3k" in note and "FolkmangdNov" in note
    assert POPULATION_FILE in (ref / "README.md").read_text(encoding="utf-8")


def test_population_lookup_says_what_to_do(tmp_path):
    with pytest.raises(ParameterError, match="--befolkning"):
        municipality_population("9999")
    with pytest.raises(DataError, match="--befolkning"):
        populations(tmp_path)
    (tmp_path / POPULATION_FILE).write_text("kod;namn\n2580;Luleå\n", encoding="utf-8")
    with pytest.raises(DataError, match="code;name;year;population"):
        populations(tmp_path)


def test_demo_for_a_small_municipality_takes_scbs_population_and_still_has_pupils(tmp_path):
    # Arjeplog, 2 607 inhabitants: the youth survey counts pupils on the calibration's scale (before, the
    # population factor counted twice, ~1 % of Luleå's pupils × 0.6 rounded to none: an IndexError)
    done = _trygghet("demo", str(tmp_path / "raw"), "--kommun", "2506", "--scale", "0.6")
    assert done.returncode == 0, done.stderr
    assert "population 2607 (SCB, 2024" in done.stdout and "Arjeplog" in done.stdout
    befolkning = pd.read_csv(tmp_path / "raw" / "befolkning.csv", sep=";", encoding="utf-8-sig")
    assert _population_2025(befolkning) == 2607
    pupils = pd.read_csv(tmp_path / "raw" / "ungdomsenkat_2025.csv", sep=None, engine="python", encoding="utf-8-sig")
    assert len(pupils) >= 10  # ~ 2 607 × 3.4 % aged 15–17 / 3 × 2 grades × 0.6 × participation


def test_county_demo_writes_a_folder_of_stores(tmp_path):
    out = tmp_path / "lan09"
    done = _trygghet("demo", "--lan", "09", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "0980 Gotland" in done.stdout and "scale 0.02" in done.stdout  # the smallest scale that suits
    found = read_stores(out)
    assert [(m.key, m.store) for m in found] == [(GOTLAND, (out / GOTLAND).resolve())]
    assert store_mod.municipality(out / GOTLAND) == {"code": GOTLAND, "name": "Gotland"}
    assert _population_2025(store_mod.read_table(out / GOTLAND, "population")) == GOTLAND_POP
    assert (out / "raw" / GOTLAND / "omraden.geojson").is_file()


def test_county_scale_range_follows_the_smallest_and_largest_municipality():
    assert county_scale_range("25") == (0.31, 10.0)  # Arjeplog 2 607 inhabitants; Luleå the calibration
    assert county_scale_range("01") == (0.07, 0.8)  # Vaxholm 11 794; Stockholm 995 600


def test_county_demo_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "stores"
    done = _trygghet("demo", "--lan", "25", "--scale", "0.1", "--out", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "between 0.31 and 10 (the smallest, Arjeplog" in done.stderr
    with pytest.raises(ParameterError, match="two digits"):
        write_county_demo(out, "02")
    with pytest.raises(ParameterError, match="between 0.07 and 0.8"):
        write_county_demo(out, "01", scale=1.0)  # Stockholm would be 12 times Luleå's full demo
    assert not out.exists()
