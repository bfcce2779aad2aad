"""The problem register (problem.yaml) through the real ingest, and the frames that link it to the
activity plan: measures per problem and level, the two flags, and each problem's indicator movement."""

from __future__ import annotations

import pandas as pd
import pytest

from trygghet.analysis import indicators, problems
from trygghet.data.demo import _plan, _problems
from trygghet.data.store import read_json, read_table

REGISTER = """\
problem:
  - id: P-2025-01
    rubrik: Våld nattetid i Centrum
    område: Centrum
    indikatorer: [vald_offentlig_natt]
    kategorier: [misshandel]
    underlag: Krogstråket fredag och lördag natt.
    beslutad_av: styrgruppen
    datum: 2025-02-10
  - id: P-2025-02
    rubrik: Skadegörelse vid skolor
    Område: "Hertsön, Björkskatan"
    indikatorer: kommunala_skadegorelse, kommunala_brand
    beslutad_av: styrgruppen
    datum: 2025-02-10
  - id: P-2025-03
    rubrik: Olaga hot ökar
    omrade: hela kommunen
    kategorier: [hot_ofredande]
    indikatorer: [inte_en_indikator]
    datum: 2025-09-01
  - rubrik: utan id
    område: Centrum
    indikatorer: [vald]
    datum: 2025-01-01
  - id: P-2025-04
    rubrik: Okänt område
    område: Atlantis
    indikatorer: [vald]
    datum: 2025-01-01
  - id: P-2025-05
    rubrik: Okänd kategori
    område: Centrum
    kategorier: [tjuvjakt]
    datum: 2025-01-01
  - id: P-2025-06
    rubrik: Inget som visar problemet
    område: Centrum
    datum: 2025-01-01
  - id: P-2025-07
    rubrik: Fel datum
    område: Centrum
    indikatorer: [vald]
    datum: 10 februari
  - id: P-2025-01
    rubrik: Samma id igen
    område: Centrum
    indikatorer: [vald]
    datum: 2025-01-01
  - id: P-2026-01
    rubrik: Beslutat senare
    område: Centrum
    indikatorer: [vald]
    datum: 2026-02-01
"""

MEASURES = [
    "S1;Kameror i Centrum;situationell;lång;polis;Centrum;2024-01-01;;pågående;vald_offentlig_natt;P-2025-01",
    "S2;Ordningsvakter;situationell;kort;gemensam;Centrum;2025-05-01;2025-08-31;genomförd;vald;\"P-2025-01; P-2025-02\"",
    "U1;Föräldrastöd;universell;lång;kommun;hela kommunen;2020-01-01;;pågående;ung_vuxen;",
    "E1;Fritidsgård;selektiv;kort;kommun;Hertsön;2025-01-15;2025-12-20;pågående;ung_fritid;P-2025-02",
    "I1;SSPF;indikerad;lång;gemensam;hela kommunen;2021-01-01;;pågående;misstankta_unga;P-1999-01",
    "I2;Snabbare insats;indikerad;kort;gemensam;hela kommunen;2026-01-15;;planerad;misstankta_unga;P-2025-03",
    "S3;Avbruten kampanj;situationell;kort;gemensam;Centrum;2025-01-01;2025-03-01;avbruten;vald;P-2025-03",
]


@pytest.fixture(scope="module")
def register_store(lawframe_store):
    return lawframe_store(measures=MEASURES, problems_yaml=REGISTER)


def test_ingest_reads_the_register_and_rejects_each_bad_problem_with_its_line(register_store):
    store, report = register_store
    table = read_table(store, "problems")
    assert list(table["problem_id"]) == ["P-2025-01", "P-2025-02", "P-2025-03", "P-2026-01"]
    first = table.iloc[0]
    assert first["indicators"] == "vald_offentlig_natt,brott_misshandel"  # categories read as brott_<kategori>
    assert table.iloc[1]["areas"] == "Hertsön, Björkskatan"  # keys matched with or without å/ä/ö and case
    assert str(first["decided"].date()) == "2025-02-10"
    rejects = pd.read_csv(store / "rejects.csv", sep=";")
    mine = rejects[rejects["file"] == "problem.yaml"]
    lines = REGISTER.splitlines()
    reasons = {lines[int(line) - 1].strip(): reason for line, reason in zip(mine["line"], mine["reason"])}
    assert reasons == {
        "- rubrik: utan id": "'id' is missing",
        "- id: P-2025-04": reasons["- id: P-2025-04"],
        "- id: P-2025-05": reasons["- id: P-2025-05"],
        "- id: P-2025-06": "the problem names no indicator or category that shows it",
        "- id: P-2025-07": "datum (the day the problem was decided) is not a date (YYYY-MM-DD)",
        "- id: P-2025-01": "the problem id appears twice",
    }
    assert reasons["- id: P-2025-04"].startswith("unknown area")
    assert reasons["- id: P-2025-05"].startswith("a category is not one of")
    file = next(f for f in read_json(store, "ingest_report.json")["files"] if f["file"] == "problem.yaml")
    assert (file["rows_read"], file["rows_accepted"], file["rows_rejected"]) == (10, 4, 6)
    assert "indicator ids not in indicators.yaml: inte_en_indikator" in file["warnings"]
    assert "measures name problems the register lacks: P-1999-01" in file["warnings"]


def test_measures_keep_their_problem_ids_from_the_optional_column(register_store):
    store, _ = register_store
    m = read_table(store, "measures").set_index("measure_id")["problems"]
    assert m["S2"] == "P-2025-01,P-2025-02"  # ";" inside the cell and blanks
    assert pd.isna(m["U1"])


def test_each_problem_lists_the_years_measures_per_level(register_store):
    store, _ = register_store
    matrix = problems.level_matrix(store, 2025).set_index("problem_id")
    assert list(matrix.index) == ["P-2025-01", "P-2025-02", "P-2025-03"]  # P-2026-01 is decided after 2025
    assert matrix.loc["P-2025-01", "situationell"] == ["S1", "S2"]
    assert matrix.loc["P-2025-02", "situationell"] == ["S2"]
    assert matrix.loc["P-2025-02", "selektiv"] == ["E1"]
    assert matrix.loc["P-2025-02", "n_measures"] == 2


def test_a_problem_without_a_measure_is_flagged(register_store):
    """P-2025-03's measures are cancelled (S3) or start after the year (I2): it has none in 2025."""
    store, _ = register_store
    flagged = problems.problems_without_measure(store, 2025)
    assert list(flagged["problem_id"]) == ["P-2025-03"]
    assert flagged.iloc[0]["later_measures"] == ["I2"]
    # in 2026 I2 answers P-2025-03, P-2025-02's measures have ended, and P-2026-01 has none
    assert list(problems.problems_without_measure(store, 2026)["problem_id"]) == ["P-2025-02", "P-2026-01"]


def test_a_measure_without_a_problem_is_flagged(register_store):
    """U1 names no problem; I1 names only an id the register lacks; the others answer a problem."""
    store, _ = register_store
    flagged = problems.measures_without_problem(store, 2025).set_index("measure_id")
    assert sorted(flagged.index) == ["I1", "U1"]
    assert flagged.loc["U1", "reason"] == "none"
    assert (flagged.loc["I1", "reason"], flagged.loc["I1", "unknown_ids"]) == ("unknown", ["P-1999-01"])


@pytest.mark.parametrize("improved, worsened, measurable, expected", [
    (1, 0, 2, "improved"), (0, 2, 2, "worsened"), (1, 1, 3, "mixed"), (0, 0, 2, "no_certain_change"),
    (0, 0, 0, "not_measurable"),
])
def test_movement_rule(improved, worsened, measurable, expected):
    assert problems._movement(improved, worsened, measurable) == expected


def test_indicator_movement_is_the_follow_ups_change(demo_store):
    """Every row of a problem's indicators is the one change table's row for that indicator and area;
    the area falls back to the whole municipality only where no named area is measurable."""
    moves = problems.indicator_movement(demo_store, 2025)
    changes = indicators.year_changes(demo_store, 2025).set_index(["indicator", "area"])
    register = problems.register(demo_store, 2025).set_index("problem_id")
    assert set(moves["problem_id"]) == set(register.index)
    for r in moves.itertuples(index=False):
        assert r.indicator in problems.split_ids(register.loc[r.problem_id, "indicators"])
        row = changes.loc[(r.indicator, r.area)]
        assert (r.reading, r.assessment) == (row["reading"], row["assessment"])
        assert (pd.isna(r.year_to) and pd.isna(row["year_to"])) or r.year_to == row["year_to"]
        named = [a.strip() for a in register.loc[r.problem_id, "areas"].split(",")]
        if r.area == "hela kommunen" and named != ["hela kommunen"]:
            assert all(changes.loc[(r.indicator, a), "reading"] == "not_measurable"
                       for a in named if (r.indicator, a) in changes.index)
    summary = problems.problem_movement(demo_store, 2025).set_index("problem_id")
    for pid, part in moves.groupby("problem_id"):
        assert summary.loc[pid, "n"] == len(part)
        assert summary.loc[pid, "improved"] == (part["assessment"] == "improved").sum()
        assert summary.loc[pid, "worsened"] == (part["assessment"] == "worsened").sum()


def test_every_demo_measure_names_a_problem_of_the_demo_register():
    from trygghet.data.demo._geo import load_geography
    from trygghet.data.config import paths

    plan = _plan.measures(load_geography(paths().reference))
    ids = {p[0] for p in _problems.PROBLEMS}
    for mid, named in zip(plan["id"], plan["problem"]):
        assert isinstance(named, str) and named, f"{mid} names no problem"
        assert set(problems.split_ids(named.replace(";", ","))) <= ids, mid


def test_demo_store_flags_only_the_new_problem(demo_store):
    """In the demo, every measure of 2025 answers a problem, and the problem decided in September 2025
    (P-2025-02) has none yet: the prevention-level report shows one flag."""
    assert problems.measures_without_problem(demo_store, 2025).empty
    assert list(problems.problems_without_measure(demo_store, 2025)["problem_id"]) == ["P-2025-02"]
