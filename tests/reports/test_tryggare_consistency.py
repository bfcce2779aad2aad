"""One figure, one truth: every figure of the residents' summary equals the same figure where the other
published reports show it — the survey per area and its comparison (the area profiles), the
municipality's values and changes (the situation picture's key figures), the offences per area (the
area profiles), the measures finished and ongoing per level (the prevention levels' report) — and the
page shows what it recorded.

All on the ``published_year`` fixture: the summary's record (``records/tryggare-lulea.json``) against
the other pages' published tables.
"""

from __future__ import annotations

import json

import pytest

from trygghet.analysis import indicators
from trygghet.data.vocabulary import WHOLE_MUNICIPALITY
from trygghet.reports import tryggare

pytestmark = pytest.mark.slow

MISSING = "–"


def _norm(value):
    """A recorded text as the parsed page reads it (non-breaking spaces as spaces, whitespace once)."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return " ".join(value.replace("\u00a0", " ").replace("\u202f", " ").split()) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def record(residents_record):
    return _norm(residents_record)


def _name(indicator: str) -> str:
    return indicators.definition(indicator)["name_sv"]


def _row(table, column: str, value: str) -> dict:
    rows = [r for r in table.records() if r[column] == value]
    assert len(rows) == 1, f"{table}: {len(rows)} rows with {column} = {value!r}"
    return rows[0]


@pytest.fixture(scope="module")
def profiles(published_year, published_pages):
    """Area -> the tables of its published area profile."""
    manifest = json.loads((published_year.dir / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for job in manifest["jobs"]:
        if job.get("label") and job["name"].startswith("omradesprofil-") and job["status"] == "ok":
            out[job["label"]] = published_pages[job["name"]].tables_with("Indikator", "Området")
    assert out, "no area profile was published"
    return out


def _profile_row(profiles, area: str, indicator: str) -> dict:
    tables = [t for t in profiles[area] if _name(indicator) in t.column("Indikator")]
    assert len(tables) == 1, f"the area profile of {area} shows {_name(indicator)!r} in {len(tables)} tables"
    return _row(tables[0], "Indikator", _name(indicator))


def _key_figure(page, indicator: str) -> dict:
    tables = [t for t in page("lagesbild").tables_with("Indikator", "Värde", "Sedan föregående mätning")
              if _name(indicator) in t.column("Indikator")]
    assert tables, f"the situation picture shows no {_name(indicator)!r}"
    return _row(tables[0], "Indikator", _name(indicator))


def test_the_survey_per_area_is_the_area_profiles(record, profiles):
    checked = 0
    for r in record["survey"]:
        if r["area"] == WHOLE_MUNICIPALITY:
            continue
        row = _profile_row(profiles, r["area"], r["indicator"])
        if not r["shown"]:
            assert row["Området"] == MISSING
            continue
        assert (r["value"], r["interval"], r["comparison"]) == (row["Området"], row["95 % KI"],
                                                                row["Jämfört med kommunen"]), r
        assert row["Sedan föregående mätning"].startswith(r["change"]), (r, row)
        assert r["range"] == _norm(tryggare.between(r["indicator"], *_bounds(r["interval"], r["value"])))
        checked += 1
    assert checked >= 12


def _bounds(interval: str, value: str):
    """The bounds of a shown "17–21 %" back as fractions (for the words "mellan 17 % och 21 %")."""
    lo, hi = interval.replace(" %", "").split("–")
    scale = 100 if "%" in value else 1
    return float(lo.replace(",", ".")) / scale, float(hi.replace(",", ".")) / scale


def test_the_municipality_is_the_situation_pictures_key_figures(record, page):
    for r in record["survey"]:
        if r["area"] != WHOLE_MUNICIPALITY:
            continue
        row = _key_figure(page, r["indicator"])
        assert (r["value"], r["interval"]) == (row["Värde"], row["95 % konfidensintervall"])
        assert row["Sedan föregående mätning"] == f"{r['change']} (jfr {r['previous_year']})"
    for r in record["crime"]:
        if r["indicator"] not in ("brott_totalt", "vald", "brott_bostadsinbrott"):
            continue  # the key figures hold these three of the summary's offences
        row = _key_figure(page, r["indicator"])
        assert r["rate"] == row["Värde"]
        assert row["Sedan föregående mätning"] == f"{r['change']} (jfr {r['previous_year']})"
        assert row["Sedan utgångsåret"] == f"{r['change_baseline']} (jfr {r['baseline_year']})"


def test_the_offences_per_area_are_the_area_profiles(record, profiles, published_year):
    shown = 0
    for r in record["crime_areas"]:
        row = _profile_row(profiles, r["area"], r["indicator"])
        if r["shown"]:
            assert r["rate"] == row["Området"], r
            shown += 1
            if r["change"] != MISSING:
                assert row["Sedan föregående mätning"] == f"{r['change']} (jfr {published_year.year - 1})", r
    assert shown >= 12


def test_the_work_per_level_is_the_prevention_levels_report(record, page):
    table = page("preventionsnivaer").tables_with("Preventionsnivå", "Genomförda", "Pågående")[0]
    for r in record["levels"]:
        row = _row(table, "Preventionsnivå", r["level"])
        assert (str(r["completed"]), str(r["ongoing"])) == (row["Genomförda"], row["Pågående"]), r
        listed = [m["status"] for m in r["measures"]]
        assert (listed.count("klar"), listed.count("pågår")) == (r["completed"], r["ongoing"])


def test_the_page_shows_what_it_recorded(record, residents_pages, published_year):
    summary = residents_pages["index"]
    for sentence in record["in_short"]:
        assert sentence in summary.text
    crime = summary.tables_with("Brott", f"Antal {published_year.year}")[0]
    for r in record["crime"]:
        row = _row(crime, "Brott", r["name"])
        assert (row[f"Antal {published_year.year}"], row["Per 1 000 invånare"]) == (r["count"], r["rate"])
    trend = summary.tables_with("År", "Alla anmälda brott", "Våldsbrott")[0]
    for r in record["trend"]:  # the yearly rates as recorded, and this year's is the crime table's
        name = tryggare.AREA_CRIME_INDICATORS[r["indicator"]]
        assert _row(trend, "År", str(r["year"]))[name] == r["rate"]
        if r["year"] == published_year.year:
            assert r["rate"] == next(c["rate"] for c in record["crime"] if c["indicator"] == r["indicator"])
    assert {r["year"] for r in record["trend"]} == set(range(2019, published_year.year + 1))
    total = next(r for r in record["crime"] if r["indicator"] == "brott_totalt")
    assert f"{total['count']} brott anmäldes i Luleå kommun under {total['year']}, {total['rate']} per" in summary.text
    for indicator in tryggare.SURVEY_INDICATORS:
        table = next(t for t in summary.tables_with("Område", "Andel", "Troligen mellan")
                     if t.heading == {"otrygg_kvall": "Otrygga ute sent en kväll",
                                      "utsatt_brott": "Utsatta för brott"}[indicator])
        for r in record["survey"]:
            if r["indicator"] == indicator and r["shown"]:
                row = _row(table, "Område", r["area"].capitalize() if r["area"] == WHOLE_MUNICIPALITY else r["area"])
                assert (row["Andel"], row["Troligen mellan"], row["Jämfört med hela kommunen"]) == (
                    r["value"], r["interval"], r["comparison"])
    for p in record["promises"]:
        assert p["promise"] in summary.text and f"Status: {p['status']}" in summary.text


def test_the_promises_are_the_stores(record, published_year):
    import pandas as pd

    store = pd.read_parquet(published_year.store / "promises.parquet")
    year = store[store["year"] == published_year.year]
    assert [p["promise"] for p in record["promises"]] == list(year["promise"])
    counts = year["status"].value_counts().to_dict()
    assert record["promise_counts"] == {s: int(counts.get(s, 0)) for s in ("genomfört", "pågår", "ej påbörjat")}
