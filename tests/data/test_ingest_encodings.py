"""Encodings of the raw files: the UTF-8 byte order mark decides; a line that is not UTF-8 in a UTF-8
file goes to the rejects with its line number and bytes — never mojibake, never a misleading error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from trygghet.data.errors import DataError
from trygghet.data.ingest import ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
BOM = b"\xef\xbb\xbf"
HEADER = "brott_id;brottskod;brottsrubricering;datum_från;x_sweref99tm;y_sweref99tm;plats"
GOOD = ["A1;0857;Stöld i butik;2024-03-05;827500;7293000;Örnäset",
        "A2;0857;Stöld i butik;2024-03-06;827500;7293000;Storgatan"]
# written in Windows-1252 by another program: ö = 0xf6, å = 0xe5
BAD = "A3;0857;Stöld i butik;2024-03-07;827500;7293000;Luleå centrum"
LAST = "A4;0857;Skadegörelse;2024-03-08;;;Örnäset"


def _raw(tmp_path: Path, data: bytes) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "omraden.geojson", raw)
    (raw / "anmalda_brott_2024.csv").write_bytes(data)
    return raw


def _mixed(bom: bool) -> bytes:
    good = "\r\n".join([HEADER, *GOOD]).encode("utf-8") + b"\r\n"
    return (BOM if bom else b"") + good + BAD.encode("cp1252") + b"\r\n" + LAST.encode("utf-8") + b"\r\n"


@pytest.mark.parametrize("bom", [True, False], ids=["with BOM", "without BOM"])
def test_a_windows_1252_line_in_a_utf8_file_is_rejected_with_its_bytes(tmp_path, bom):
    report = ingest(_raw(tmp_path, _mixed(bom)), tmp_path / "store")
    f = {r.file: r for r in report.files}["anmalda_brott_2024.csv"]
    assert f.encoding == "utf-8"
    assert (f.rows_read, f.rows_accepted, f.rows_rejected) == (4, 3, 1)
    assert f.checks["lines_not_utf8"] == 1
    assert any("not valid UTF-8" in w for w in f.warnings)
    rejects = pd.read_csv(tmp_path / "store" / "rejects.csv", sep=";", dtype=str, keep_default_na=False)
    assert len(rejects) == 1
    row = rejects.iloc[0]
    assert row["line"] == "4" and row["column"] == ""
    assert row["value"] == r"A3;0857;St\xf6ld i butik;2024-03-07;827500;7293000;Lule\xe5 centrum"
    assert "not valid UTF-8" in row["reason"] and "0xf6, 0xe5" in row["reason"]
    offences = pd.read_parquet(tmp_path / "store" / "offences.parquet")
    assert offences["offence_id"].tolist() == ["A1", "A2", "A4"]
    assert offences["place_text"].tolist() == ["Örnäset", "Storgatan", "Örnäset"]  # no mojibake
    assert offences["offence_label"].tolist() == ["Stöld i butik", "Stöld i butik", "Skadegörelse"]
    assert offences["source_line"].tolist() == [2, 3, 5]


def test_a_whole_windows_1252_file_is_still_read_as_windows_1252(tmp_path):
    data = "\r\n".join([HEADER, *GOOD, BAD, LAST]).encode("cp1252") + b"\r\n"
    report = ingest(_raw(tmp_path, data), tmp_path / "store")
    f = {r.file: r for r in report.files}["anmalda_brott_2024.csv"]
    assert f.encoding == "cp1252" and f.rows_rejected == 0 and f.rows_accepted == 4
    offences = pd.read_parquet(tmp_path / "store" / "offences.parquet")
    assert offences["place_text"].tolist() == ["Örnäset", "Storgatan", "Luleå centrum", "Örnäset"]


def test_the_bom_decides_even_when_most_lines_are_windows_1252(tmp_path):
    # every line with a Swedish letter is Windows-1252, but the file starts with a UTF-8 mark
    data = BOM + "\r\n".join([HEADER.replace("å", "a"), *GOOD, BAD, LAST]).encode("cp1252") + b"\r\n"
    report = ingest(_raw(tmp_path, data), tmp_path / "store")
    f = {r.file: r for r in report.files}["anmalda_brott_2024.csv"]
    assert f.encoding == "utf-8"
    assert (f.rows_read, f.rows_accepted, f.rows_rejected) == (4, 0, 4)
    rejects = pd.read_csv(tmp_path / "store" / "rejects.csv", sep=";", dtype=str, keep_default_na=False)
    assert rejects["line"].tolist() == ["2", "3", "4", "5"]
    assert not pd.read_parquet(tmp_path / "store" / "offences.parquet")["offence_label"].str.contains("Ã").any()


def test_a_header_that_is_not_utf8_in_a_utf8_file_says_so(tmp_path):
    data = BOM + HEADER.encode("cp1252") + b"\r\n" + "\r\n".join(GOOD).encode("utf-8") + b"\r\n"
    with pytest.raises(DataError) as err:
        ingest(_raw(tmp_path, data), tmp_path / "store")
    text = str(err.value)
    assert "header line is not valid UTF-8" in text and "0xe5" in text
    assert "brott_id' is missing" not in text and "ï»¿" not in text


def test_a_yaml_file_with_a_bad_line_names_the_line(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "omraden.geojson", raw)
    text = (FIXTURES / "mal.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text) if any(ch in t for ch in "åäö"))
    data = BOM + b"\n".join(t.encode("cp1252" if i == line else "utf-8") for i, t in enumerate(text)) + b"\n"
    (raw / "mal.yaml").write_bytes(data)
    with pytest.raises(DataError, match=rf"mal.yaml line {line + 1}.*not valid UTF-8"):
        ingest(raw, tmp_path / "store")
