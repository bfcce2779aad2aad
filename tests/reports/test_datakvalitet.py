"""The data-quality page (trygghet.reports.datakvalitet): Swedish names and reasons, the place rule, and
the totals-and-parts rule — no published difference reveals a count of 1–4, also when the accepted rows
(the totals every other report publishes) are known."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trygghet.analysis import disclosure
from trygghet.data.ingest import ingest
from trygghet.data.ingest.reasons import OTHER, REASON_CODES, reason_codes
from trygghet.reports import datakvalitet as r

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
HIDDEN = ("<5", "–")


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("dq") / "store"
    ingest(FIXTURES, store)
    return store


@pytest.fixture(scope="module")
def one_rejected(tmp_path_factory):
    """12 offences read, one with a date that is no date: read 12 = accepted 11 + rejected 1."""
    base = tmp_path_factory.mktemp("dq1")
    raw = base / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "omraden.geojson", raw)
    rows = ["brott_id;brottskod;datum_från;x_sweref99tm;y_sweref99tm"]
    rows += [f"K{i};0857;2025-03-{i + 1:02d};827500;7293000" for i in range(10)]
    rows += ["K10;0857;2025-03-31;;", "K11;0857;31/3;827500;7293000"]
    (raw / "anmalda_brott_2025.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ingest(raw, base / "store")
    return base / "store"


def test_every_reason_code_and_table_has_swedish_words(fixture_store):
    assert set(r.REASONS) == set(REASON_CODES)
    rejects = pd.read_csv(fixture_store / "rejects.csv", sep=";", dtype=str, keep_default_na=False)
    assert len(rejects) > 10
    assert OTHER not in set(reason_codes(rejects["reason"])), "a reject reason of the ingest has no code"
    page = r.page(fixture_store, 2025)
    assert set(page.frames["files"]["table"]) <= set(r.TABLE_NAMES.values())
    assert "Anmälda brott" in set(page.frames["files"]["table"])
    assert "Trygghetsmätningen" in set(page.frames["files"]["table"])
    swedish = set(r.REASONS.values()) | {"flera skäl (se rejects.csv)"}
    for text in page.frames["reasons"]["reason"]:
        assert set(text.split("; ")) <= swedish, text
    english = ("not a", "is empty", "unknown area", "duplicate", "appears twice", "offences", "survey")
    published = " ".join(" ".join(map(str, f.astype(str).to_numpy().ravel())) for f in page.frames.values())
    assert not [w for w in english if w in published]


def test_one_rejected_row_is_not_recoverable_from_read_and_total(one_rejected):
    page = r.page(one_rejected, 2025)
    files = page.frames["files"].set_index("file")
    row = files.loc["anmalda_brott_2025.csv"]
    assert row["rows_rejected"] == "<5"
    assert row["rows_accepted"] == 11  # the total the other reports publish
    assert row["rows_read"] == "–"  # read − total would give the rejected row back
    assert "lästa = godkända + avvisade" in page.notes["files"] or "rader i filen = godkända + avvisade" in page.notes["files"]
    places = page.frames["places"].set_index("year")
    assert places.loc[2025, "offences"] == 11


def test_place_columns_follow_the_one_place_rule(fixture_store):
    from trygghet.analysis.places import place_status

    offences = pd.read_parquet(fixture_store / "offences.parquet")
    status = place_status(offences)
    page = r.page(fixture_store, 2025)
    places = page.frames["places"].set_index("year")
    assert "no_place" not in places.columns  # shown with outside as one figure: what the maps leave out
    for year, rows in offences.groupby("year"):
        s = status[rows.index]
        assert places.loc[year, "offences"] in (len(rows), *HIDDEN)
        assert places.loc[year, "not_placed"] in (int((s != "placed").sum()), *HIDDEN)


def _attack(page: r.Page, *, accepted_known: pd.Series | None = None) -> list:
    """Play the attacker on the published page: the page's relations read from its own tables (not from
    the report module), hidden cells NaN; returns the primary cells pinned to one value."""
    f = page.frames
    cells, values, code = {}, [], []

    def cell(key, i, col):
        if (key, i, col) not in cells:
            v = f[key][col].iloc[i]
            if accepted_known is not None and key == "files" and col == "rows_accepted":
                known = int(accepted_known[f["files"]["file"].iloc[i]])
                v = v if disclosure.suppress_value(known) else known  # a total of 1–4 is published nowhere
            cells[(key, i, col)] = len(values)
            values.append(np.nan if isinstance(v, str) else float(v))
            code.append(1 if v == "<5" else 2 if v == "–" else 0)
        return cells[(key, i, col)]

    lines = []
    files = f["files"]
    for i, file in enumerate(files["file"]):
        lines.append([(cell("files", i, "rows_read"), -1.0), (cell("files", i, "rows_accepted"), 1.0),
                      (cell("files", i, "rows_rejected"), 1.0)])
        rows = [j for j, x in enumerate(f["reasons"]["file"]) if x == file]
        if rows:
            lines.append([(cell("files", i, "rows_rejected"), -1.0)] + [(cell("reasons", j, "n"), 1.0) for j in rows])
    for i in range(len(f["places"])):
        lines.append([(cell("places", i, "offences"), -1.0), (cell("places", i, "placed"), 1.0),
                      (cell("places", i, "not_placed"), 1.0)])
    unknown = f["unknown_codes"]
    for year in pd.unique(unknown["year"]):
        rows = [j for j, y in enumerate(unknown["year"]) if y == year]
        total = [j for j in rows if unknown["offence_code"].iloc[j] == r.ALL_UNKNOWN][0]
        lines.append([(cell("unknown_codes", total, "n"), -1.0)]
                     + [(cell("unknown_codes", j, "n"), 1.0) for j in rows if j != total])
    for key in ("survey", "youth_survey"):
        frame = f[key]
        for col in [c for c in frame.columns if c != "area"]:
            if frame[col].map(lambda v: isinstance(v, str) and "färre" in v).any():
                continue  # cells annotated "(färre än 30)" are numbers in words; checked below
            last = len(frame) - 1
            lines.append([(cell(key, last, col), -1.0)] + [(cell(key, i, col), 1.0) for i in range(last)])
    return disclosure.recoverable(np.asarray(values), np.asarray(code), lines)


@pytest.mark.parametrize("which", ["fixture_store", "one_rejected"])
def test_no_total_minus_parts_reveals_a_small_count(which, request):
    store = request.getfixturevalue(which)
    page = r.page(store, 2025)
    assert _attack(page) == []
    # the other reports publish every accepted total (but none of 1–4): still nothing recoverable
    overview = pd.read_json(store / "ingest_report.json", typ="series")["files"]
    accepted = pd.Series({x["file"]: x["rows_accepted"] for x in overview})
    assert _attack(page, accepted_known=accepted) == []


def test_no_count_of_1_to_4_is_published(fixture_store):
    page = r.page(fixture_store, 2025)
    counts = {"files": ["rows_read", "rows_accepted", "rows_rejected"], "reasons": ["n"],
              "places": ["offences", "placed", "not_placed", "outside_municipality"], "coordinates": ["swapped"],
              "unknown_codes": ["n"], "population": ["population"]}
    for key, cols in counts.items():
        for col in cols:
            shown = [v for v in page.frames[key][col] if not isinstance(v, str)]
            assert not [v for v in shown if 1 <= v <= 4], (key, col)
    for key in ("survey", "youth_survey"):
        for col in [c for c in page.frames[key].columns if c != "area"]:
            assert not [v for v in page.frames[key][col] if not isinstance(v, str) and 1 <= v <= 4], (key, col)


def test_the_page_renders_as_tables(fixture_store):
    page = r.page(fixture_store, 2025)
    html = page.files().to_html()
    assert "Rader i filen" in html and "Godkända rader (i datalagret)" in html and "Anmälda brott" in html
    assert "Skäl" in page.reasons().to_html()
    assert "Utan plats eller utanför kommunen" in page.places().to_html()
    assert "Koordinater i omvänd ordning" in page.coordinates().to_html()
    assert "År 2025 hade" in page.notes["places"]
