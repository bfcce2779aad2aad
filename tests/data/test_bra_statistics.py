"""Brå's statistics database export read as a public source (trygghet.data.bra_statistics), taken in with
provenance (trygghet.data.open.bra) and ingested into the store table ``bra_offences`` (trygghet.data.ingest.bra).

The two exports in tests/fixtures/open/bra/ are real answers of SOL's ``dbfil`` (see the fixtures' README)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from trygghet.data.bra_statistics import (
    COLUMNS,
    all_offences,
    parse_export,
    read_export,
)
from trygghet.data.errors import DataError
from trygghet.data.ingest.bra import ingest_bra
from trygghet.data.ingest.reading import Context
from trygghet.data.open import fetch_open
from trygghet.data.open.files import provenance_path, read_provenance, sha256
from trygghet.data.schemas import validate_table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "open" / "bra"
NOW = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
LULEA = pd.DataFrame({"code": ["2580"], "name": ["Luleå"]})


def test_a_yearly_export_has_the_year_in_period_and_a_trailing_separator():
    t = read_export(FIXTURES / "sol_dbfil_ar.txt")
    assert list(t.columns) == COLUMNS
    assert set(t["period"]) == {"År"} and set(t["year"].astype(int)) == {2024, 2025}
    bef = t.loc[t["offence"] == "Befogenhetsbedrägeri"]
    assert bef["count"].tolist() == [13816.0, 14278.0] and bef["per_100k"].tolist() == [131.0, 135.0]
    # the echoed parents have no value; the repeated rows are kept once
    parents = t.loc[t["offence"] == "9 kap. Bedrägeri och annan oredlighet"]
    assert parents["count"].isna().all() and len(parents) == 3
    assert (t["offence"] == "Lag om straff för penningtvättsbrott").sum() == 2
    assert t["offence_code"].isna().all() and not t["preliminary"].any()


def test_a_monthly_export_by_offence_code_marks_preliminary_years():
    t = read_export(FIXTURES / "sol_dbfil_manad.txt")
    assert t["offence_code"].tolist() == ["0950"] * 3 and t["offence"].iloc[0].startswith("Befogenhetsbedrägeri")
    assert t["period"].tolist() == ["Jan", "Aug", "Aug"] and t["year"].astype(int).tolist() == [2025, 2026, 2026]
    assert t["preliminary"].tolist() == [False, True, True]
    assert t.loc[1, "count"] == 498 and t.loc[2, "region"] == "Region Stockholm"


def test_iso_8859_1_as_sol_serves_it_and_utf8_with_bom_read_alike(tmp_path):
    text = (FIXTURES / "sol_dbfil_manad.txt").read_text(encoding="utf-8")
    latin, bom = tmp_path / "latin.txt", tmp_path / "bom.txt"
    latin.write_bytes(text.replace("\n", "\r\n").encode("latin-1"))
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    pd.testing.assert_frame_equal(read_export(latin), read_export(bom))
    assert read_export(latin).loc[0, "offence"].endswith("mot äldre/funktionsnedsatt")


def test_spaces_and_nbsp_as_thousands_separators_and_decimal_commas():
    t = parse_export("Region;Brott;År;Period;Antal;/100 000 inv\nLuleå kommun;Totalt antal brott;År;2024;"
                     "7&nbsp;712;9 890,4;\n")
    assert t.loc[0, "count"] == 7712 and t.loc[0, "per_100k"] == pytest.approx(9890.4)
    assert all_offences(t).tolist() == [True]


def test_a_broken_export_says_what_and_where(tmp_path):
    path = tmp_path / "bra.csv"
    path.write_text("Region;Brott;Antal\nLuleå;Rån;3\n", encoding="utf-8")
    with pytest.raises(DataError, match="year"):
        read_export(path)
    path.write_text("Region;Brott;År;Period;Antal\nLuleå;Rån;tjugo;Helår;3\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        read_export(path)
    path.write_text("Region;Brott;År;Period;Antal;/100 000 inv\nLuleå;Rån;År;2024;3;4;5;6\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2 has 8 fields instead of 6"):
        read_export(path)


def _kommun_export(tmp_path: Path, name: str, lines: list[str]) -> Path:
    """An export in the recorded shape (header, data rows ending in ';', ISO-8859-1) with Luleå's rows."""
    path = tmp_path / name
    path.write_bytes(("Region;Brott;År;Period;Antal;/100 000 inv\n" + "\n".join(lines) + "\n").encode("latin-1"))
    return path


def test_both_kinds_of_export_are_taken_in_side_by_side_and_ingested(tmp_path):
    types = _kommun_export(tmp_path, "typ.txt", ["Luleå kommun;Totalt antal brott;År;2024;7712;9710;"])
    codes = _kommun_export(tmp_path, "kod.txt", ["Luleå kommun;0301 - Försök till mord;År;2024;2;3;",
                                                 "Luleå kommun;0301 - Försök till mord;År;2024;2;3;"])
    for export in (types, codes):
        assert fetch_open(tmp_path / "raw", "2580", sources=(), bra_export=export, now=NOW).ok
    folder = tmp_path / "raw" / "open"
    assert sorted(p.name for p in folder.glob("bra_*.csv")) == ["bra_2580.csv", "bra_2580_brottskod.csv"]
    assert read_provenance(folder / "bra_2580.csv")["source_updated"] == "2024"
    ctx = Context(raw=tmp_path / "raw")
    table = validate_table("bra_offences", ingest_bra(tmp_path / "raw", ctx, LULEA))
    assert len(table) == 2 and table["count"].tolist() == [7712.0, 2.0] and not ctx.warnings


def test_a_refused_export_leaves_the_good_one_and_an_edited_file_is_left_out_with_a_warning(tmp_path):
    good = _kommun_export(tmp_path, "typ.txt", ["Luleå kommun;Totalt antal brott;År;2024;7712;9710;"])
    assert fetch_open(tmp_path / "raw", "2580", sources=(), bra_export=good, now=NOW).ok
    saved = tmp_path / "raw" / "open" / "bra_2580.csv"
    broken = _kommun_export(tmp_path, "broken.txt", ["Luleå kommun;Totalt antal brott;tjugo;x;1;2;"])
    report = fetch_open(tmp_path / "raw", "2580", sources=(), bra_export=broken, now=NOW)
    assert not report.ok and "Brå export refused" in report.lines[0]
    assert saved.read_bytes() == good.read_bytes() and read_provenance(saved)["sha256"] == sha256(saved.read_bytes())
    saved.write_bytes(saved.read_bytes().replace(b"7712", b"7713"))
    ctx = Context(raw=tmp_path / "raw")
    assert ingest_bra(tmp_path / "raw", ctx, LULEA).empty
    assert len(ctx.warnings) == 1 and "bra_2580.csv left out" in ctx.warnings[0]
    assert provenance_path(saved).is_file()


def test_only_the_stores_municipality_is_read(tmp_path):
    other = _kommun_export(tmp_path, "boden.txt", ["Bodens kommun;Totalt antal brott;År;2024;2000;7000;"])
    assert fetch_open(tmp_path / "raw", "2582", sources=(), bra_export=other, now=NOW).ok
    assert ingest_bra(tmp_path / "raw", Context(raw=tmp_path / "raw"), LULEA).empty
    assert not math.isnan(ingest_bra(tmp_path / "raw", Context(raw=tmp_path / "raw"),
                                     pd.DataFrame({"code": ["2582"], "name": ["Boden"]}))["count"].iloc[0])
