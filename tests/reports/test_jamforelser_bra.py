"""Brå's official count beside the police extract's (trygghet.analysis.bra_check, the Brå part of
trygghet.reports.jamforelser): on a small demo store (scale 0.1) whose Brå exports are the demo's."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from IPython.display import Markdown
from trygghet.analysis import bra_check
from trygghet.data.demo import DEMO_BRA_FILES
from trygghet.data.store import TABLES, read_table
from trygghet.reports import datakvalitet, jamforelser, lagesbild


@pytest.fixture(scope="module")
def store(demo_store):
    """The session's demo store (its Brå exports come from the demo)."""
    return demo_store


def _copy(store, tmp_path, bra: pd.DataFrame | None):
    out = tmp_path / "store"
    shutil.copytree(store, out)
    target = out / TABLES["bra_offences"]
    if bra is None:
        target.unlink()
    else:
        bra.to_parquet(target, index=False)
    return out


def test_the_demo_writes_both_exports_with_provenance(store):
    raw = store.parent / "raw"
    assert all((raw / name).is_file() for name in DEMO_BRA_FILES)
    bra = read_table(store, "bra_offences")
    assert set(bra["region"]) == {"Luleå kommun"} and set(bra["period"]) == {"År"}
    assert bra["offence_code"].notna().any() and (bra["offence"] == "Totalt antal brott").sum() == 7


def test_local_counts_are_the_extracts_offences_by_year_of_report(store):
    check = bra_check.local_vs_bra(store)
    assert list(check["measure"].unique()) == ["alla", "vald"] and set(check["year"]) == set(range(2019, 2026))
    off = read_table(store, "offences")
    year = pd.to_datetime(off["reported"]).dt.year.fillna(off["year"]).astype(int)
    bra = read_table(store, "bra_offences")
    for _, r in check.iterrows():
        if r["measure"] == "alla":
            assert r["local"] == int((year == r["year"]).sum())
            assert r["bra"] == bra.loc[(bra["offence"] == "Totalt antal brott") & (bra["year"] == r["year"]),
                                       "count"].iloc[0]
        else:
            codes = set(bra.loc[bra["offence_code"].notna(), "offence_code"])
            assert r["local"] == int(((year == r["year"]) & off["offence_code"].isin(codes) & off["violent"]).sum())
        margin = max(bra_check.TOLERANCE * r["bra"], bra_check.MIN_DIFFERENCE)
        assert r["within_tolerance"] == (abs(r["local"] - r["bra"]) <= margin)


def test_a_difference_beyond_the_margin_is_flagged_on_the_page(store, tmp_path):
    bra = read_table(store, "bra_offences")
    total = (bra["offence"] == "Totalt antal brott") & (bra["year"] == 2023)
    bra.loc[total, "count"] = bra.loc[total, "count"] * 1.10
    changed = _copy(store, tmp_path, bra)
    shown = jamforelser.bra_display(changed, 2025)
    row = shown.loc[(shown["Brott"] == "Alla anmälda brott") & (shown["year"] == 2023)].iloc[0]
    local = bra_check.local_vs_bra(store).set_index(["measure", "year"]).loc[("alla", 2023), "local"]
    raised = float(bra.loc[total, "count"].iloc[0])
    assert row["Bedömning"] == "skiljer" and row["Skillnad (%)"] == pytest.approx((local - raised) / raised, abs=1e-9)
    assert row["Skillnad (%)"] < -0.05  # a tenth more in Brå's count: far beyond the 2 % margin
    note = datakvalitet.bra_note(changed, 2025).data
    before = int((jamforelser.bra_display(store, 2025)["Bedömning"] == "skiljer").sum())
    assert f"{before + 1} av {len(shown)} jämförelser skiljer" in note and "alla anmälda brott 2023" in note
    html = datakvalitet.bra_check(changed, 2025).to_html()
    assert "skiljer" in html and "Källa: Brå" in html and "Demodata i Brås format" in html


def test_the_years_stop_at_the_reports_year(store):
    assert jamforelser.bra_display(store, 2022)["year"].max() == 2022


def test_a_small_local_count_is_hidden_with_its_difference(store, tmp_path):
    off = read_table(store, "offences")
    year = pd.to_datetime(off["reported"]).dt.year.fillna(off["year"]).astype(int)
    few = off.loc[off["violent"]].assign(y=year).groupby(["offence_code", "y"]).size()
    code, y = few.loc[(few >= 1) & (few <= 4)].index[0]
    bra = read_table(store, "bra_offences")
    bra = bra.loc[(bra["offence_code"] == code) & (bra["year"] == y)]
    html = lagesbild.bra_table(_copy(store, tmp_path, bra), 2025).to_html()
    assert "&lt;5" in html and f">{few.loc[(code, y)]}<" not in html.replace(" ", "")


def test_without_an_export_each_function_says_so(store, tmp_path):
    bare = _copy(store, tmp_path, None)
    assert bra_check.local_vs_bra(bare).empty
    table = lagesbild.bra_table(bare, 2025)
    assert isinstance(table, Markdown) and "trygghet fetch --bra-export" in table.data
    assert datakvalitet.bra_note(bare, 2025).data == ""
