"""Brå's statistics database export read as a public source (trygghet.data.bra_statistics)."""

from __future__ import annotations

import math

import pytest

from trygghet.data.bra_statistics import COLUMNS, read_export
from trygghet.data.errors import DataError

# As the database writes it: Windows-1252, ';', &nbsp; thousands, decimal comma, '..', 'prel.'
EXPORT = (
    "Region;Brott;År;Period;Antal;/100 000 inv\r\n"
    "Luleå kommun;SAMTLIGA BROTT;2024;Helår;7&nbsp;712;9&nbsp;890,4\r\n"
    "Luleå kommun;0950 - Befogenhetsbedrägeri, bedrägeri genom social manipulation, internationell anknytning, "
    "mot äldre/funktionsnedsatt;2025;Helår;12;15,2\r\n"
    "Luleå kommun;Våldsbrott;2026 prel.;Jan;..;..\r\n"
)


def test_reads_the_database_export(tmp_path):
    path = tmp_path / "bra.csv"
    path.write_bytes(EXPORT.encode("cp1252"))
    t = read_export(path)
    assert list(t.columns) == COLUMNS and len(t) == 3
    assert t.loc[0, "count"] == 7712 and t.loc[0, "per_100k"] == pytest.approx(9890.4)
    assert t.loc[0, "region"] == "Luleå kommun" and t.loc[0, "offence"] == "SAMTLIGA BROTT"
    assert t.loc[1, "offence_code"] == "0950" and t.loc[1, "offence"].startswith("Befogenhetsbedrägeri")
    assert t.loc[1, "per_100k"] == pytest.approx(15.2)
    assert int(t.loc[2, "year"]) == 2026 and bool(t.loc[2, "preliminary"]) and not t.loc[1, "preliminary"]
    assert math.isnan(t.loc[2, "count"]) and t.loc[2, "period"] == "Jan"


def test_utf8_with_bom_is_read_too(tmp_path):
    path = tmp_path / "bra.csv"
    path.write_bytes(b"\xef\xbb\xbf" + EXPORT.encode("utf-8"))
    assert read_export(path).loc[0, "region"] == "Luleå kommun"


def test_a_broken_export_says_what_and_where(tmp_path):
    path = tmp_path / "bra.csv"
    path.write_text("Region;Brott;Antal\nLuleå;Rån;3\n", encoding="utf-8")
    with pytest.raises(DataError, match="År|year"):
        read_export(path)
    path.write_text("Region;Brott;År;Period;Antal\nLuleå;Rån;tjugo;Helår;3\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        read_export(path)
