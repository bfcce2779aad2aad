"""Benchmarks against public statistics: same years only, the source under each chart, the local-vs-Kolada
check (trygghet.analysis.benchmarks, trygghet.reports.jamforelser)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from IPython.display import Markdown

from trygghet.analysis import benchmarks
from trygghet.data.store import read_table
from trygghet.reports import jamforelser as j


def kolada_store(path, rows, sources=None):
    """A store with just the Kolada table (and its sources)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "store.json").write_text(json.dumps({"fingerprint": "ab" * 32, "years": {"offences": [2024]}}),
                                     encoding="utf-8")
    frame = pd.DataFrame(rows, columns=["kpi", "region", "region_kind", "region_name", "year", "value"])
    frame = frame.assign(gender="T", status="", count=pd.array([1] * len(frame), dtype="Int64"))
    frame.astype({c: "string" for c in ("kpi", "region", "region_kind", "region_name", "gender", "status")}).to_parquet(
        path / "kolada.parquet", index=False)
    (path / "open_sources.json").write_text(json.dumps(sources or {}), encoding="utf-8")
    return path


ROWS = [("N07403", "2580", "kommun", "Luleå", 2021, 855.0), ("N07403", "2580", "kommun", "Luleå", 2022, 827.0),
        ("N07403", "0025", "län", "Region Norrbotten", 2020, 700.0),  # a year Luleå lacks: left out
        ("N07403", "0025", "län", "Region Norrbotten", 2022, 880.0),  # 2021 missing: a gap
        ("N07403", "0000", "riket", "Riket", 2021, 950.0), ("N07403", "0000", "riket", "Riket", 2022, 964.0),
        ("N07403", "0000", "riket", "Riket", 2023, 990.0)]  # a year Luleå lacks: left out
SOURCES = {"municipality": "2580", "group": None, "kpis": {"N07403": {"title": "Anmälda våldsbrott, antal/100 000 inv",
                                                                     "publication_date": "2023-03-30"}},
           "files": {"kolada_2580_data.json": {"url": "https://api.kolada.se/v3/data/kpi/N07403", "licence": "Källa: Kolada",
                                               "fetched_at": "2026-03-01T08:00:00Z", "sha256": "0" * 64,
                                               "source_updated": "2023-03-30", "details": {}}}}


def test_the_references_are_shown_for_the_municipalitys_years_only(tmp_path):
    store = kolada_store(tmp_path / "s", ROWS, SOURCES)
    b = benchmarks.benchmark(store, "N07403")
    assert set(b["year"]) == {2021, 2022}
    wide = b.pivot(index="year", columns="region_kind", values="value")
    assert list(wide.columns) == ["kommun", "län", "riket"]
    assert np.isnan(wide.loc[2021, "län"]) and wide.loc[2022, "län"] == 880.0  # never another year's value
    assert wide.loc[2022, "riket"] == 964.0


def test_the_chart_names_the_source_and_its_update_date(tmp_path):
    store = kolada_store(tmp_path / "s", ROWS, SOURCES)
    fig = j.benchmark_chart(store, 2024, "N07403")
    texts = [t.get_text() for t in fig.texts]
    assert any("Kolada (RKA), nyckeltal N07403, uppdaterat 30 mars 2023, hämtat 1 mars 2026" in t for t in texts)
    assert not any("demodata" in t for t in texts)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Luleå", "Länet (Region Norrbotten)", "Riket"]
    titles = {fig.axes[0].get_title(loc=loc) for loc in ("left", "center", "right")}
    assert "Anmälda våldsbrott per 100 000 invånare, 2021–2022" in titles


def test_the_table_compares_the_same_year(tmp_path):
    store = kolada_store(tmp_path / "s", ROWS, SOURCES)
    table = j.benchmark_table(store, 2024)
    html = table.to_html()
    assert ">År<" in html and ">2022<" in html and "2 022" not in html
    row = table.data.iloc[0]
    assert row["year"] == 2022 and row["Kommunen"] == "827" and row["Länet"] == "880" and row["Riket"] == "964"
    assert row["Liknande kommuner"] == "–" and row["Uppdaterat i Kolada"] == "30 mars 2023"
    assert j.benchmark_table(store, 2021).data.iloc[0]["Länet"] == "–"  # 2021: the county has no value


def test_without_downloads_each_part_says_so_in_one_sentence(tmp_path, make_tiny_store):
    store = make_tiny_store(tmp_path / "tiny")
    for shown in (j.benchmark_chart(store, 2024), j.benchmark_table(store, 2024), j.benchmark_note(store),
                  j.kolada_check_table(store, 2024)):
        assert isinstance(shown, Markdown) and "trygghet fetch" in shown.data


def test_local_vs_kolada_against_a_hand_computed_rate(demo_store):
    check = benchmarks.local_vs_kolada(demo_store)
    assert set(check["kpi"]) >= {"N07403", "N07540"}
    row = check.loc[(check["indicator"] == "vald") & (check["year"] == 2022)].iloc[0]
    offences = read_table(demo_store, "offences")
    population = read_table(demo_store, "population")
    violent = int(((offences["year"] == 2022) & offences["violent"]).sum())
    people = int(population.loc[population["year"] == 2022, "population"].sum())
    assert row["local"] == pytest.approx(violent / people * 100000)
    assert row["kolada"] == 827.0  # Kolada's published value for Luleå 2022
    assert row["difference"] == pytest.approx(row["local"] - 827.0)
    assert bool(row["within_rounding"]) == (abs(row["local"] - 827.0) <= 0.5)


def test_within_rounding_is_half_a_unit_of_koladas_last_digit(tmp_path, demo_store):
    check = benchmarks.local_vs_kolada(demo_store)
    per_1000 = check.loc[check["scale"] == 1000]
    assert (per_1000["within_rounding"] == (per_1000["difference"].abs() <= 0.05 + 1e-9)).all()
    shown = j.kolada_check_display(demo_store, 2025)
    differ = int((shown["Bedömning"] == "skiljer").sum())
    note = j.kolada_check_note(demo_store, 2025).data
    assert (f"{differ} av {len(shown)} jämförelser skiljer" in note) if differ else note.startswith("Alla")


def test_the_demo_benchmarks_say_they_are_demo_data(demo_store):
    assert "demodata i Koladas format" in j.source_line(demo_store, "N07403")
    note = j.benchmark_note(demo_store).data
    assert "Demodata" in note and "Liknande kommuner" in note and "Källa: Kolada" in note


def test_the_gender_split_is_shown_where_kolada_has_it(tmp_path):
    rows = ROWS + [("N07617", "2580", "kommun", "Luleå", 2022, 12.0), ("N07617", "0000", "riket", "Riket", 2022, 14.0)]
    store = kolada_store(tmp_path / "s", rows, SOURCES)
    frame = pd.read_parquet(store / "kolada.parquet")
    split = frame.loc[frame["kpi"] == "N07617"].iloc[[0, 0]].assign(gender=["K", "M"], value=[14.5, 9.5])
    pd.concat([frame, split], ignore_index=True).to_parquet(store / "kolada.parquet", index=False)
    shown = j.benchmark_table(store, 2024).data.set_index("Id")
    assert shown.loc["N07617", "Kvinnor / män i kommunen"] == "14,5 / 9,5"
    assert shown.loc["N07403", "Kvinnor / män i kommunen"] == "–"
    assert "Kvinnor / män i kommunen" not in j.benchmark_table(kolada_store(tmp_path / "t", ROWS, SOURCES), 2024).data


# --- the published demo year (the session's one full run; no run of its own) --------------------------------


def test_the_published_situation_picture_shows_the_benchmarks_for_the_same_years(page):
    lb = page("lagesbild")
    section = lb.section("Jämförelse med länet, liknande kommuner och riket")
    assert "Demodata" in section and "Liknande kommuner" in section
    charts = [t for t in lb.tables if t.caption == "Anmälda våldsbrott per 100 000 invånare, 2019–2025"]
    assert charts, [t.caption for t in lb.tables]
    chart = charts[0]
    assert chart.headers[0] == "År" and {"Luleå", "Länet (Region Norrbotten)", "Liknande kommuner", "Riket"} <= set(
        chart.headers)
    years = [r[0] for r in chart.rows]
    assert years == [str(y) for y in range(2019, 2026)]  # every region on the municipality's years
    lulea = [r[chart.headers.index("Luleå")] for r in chart.rows]
    assert lulea[:4] == ["827", "780", "855", "827"]  # Kolada's published values
    summary = [t for t in lb.tables if "Uppdaterat i Kolada" in t.headers]
    assert summary and all(r[summary[0].headers.index("År")] == "2025" for r in summary[0].rows)


def test_the_published_data_quality_page_compares_with_kolada(page):
    dq = page("datakvalitet")
    tables = [t for t in dq.tables if t.heading.startswith("Arbetsbokens tal jämförda med Kolada")]
    assert tables and tables[0].find("Bedömning") is not None
    verdicts = {r[tables[0].find("Bedömning")] for r in tables[0].rows}
    assert verdicts <= {"inom avrundning", "skiljer"} and "inom avrundning" in verdicts
    assert "jämförelser skiljer mer än avrundningen" in dq.section("Arbetsbokens tal jämförda med Kolada")
