"""Shared test fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from shapely.geometry import box

from trygghet.data.config import resource_path


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """`make test` runs on two xdist workers (`--dist loadgroup`): every test that reads the published demo
    year (the session fixture ``published_year``, a few minutes to build) goes to one worker, so the year is
    built once; the other tests share out freely. Those tests come first, so that their worker starts on the
    year at once while the other worker takes the rest. Without xdist the mark does nothing."""
    year = [item for item in items if "published_year" in getattr(item, "fixturenames", ())]
    for item in year:
        item.add_marker(pytest.mark.xdist_group("published_year"))
    ids = {id(item) for item in year}
    items[:] = year + [item for item in items if id(item) not in ids]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A store ingested from the demo data at a fifth of its size (every table, every year)."""
    from trygghet.data.demo import write_demo
    from trygghet.data.ingest import ingest

    base = tmp_path_factory.mktemp("demo")
    write_demo(base / "raw", seed=2580, scale=0.2)
    ingest(base / "raw", base / "store")
    return base / "store"


# ---------------------------------------------------------------------------------------------- publish
# A tiny store and run plans on the fixture notebooks (tests/fixtures/notebooks), and the command line
# as a user or the timer runs it: for the run, cycle, mail and browser tests.

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE_NOTEBOOKS = REPO_ROOT / "tests" / "fixtures" / "notebooks"
TINY_STORE_AREAS = ["Centrum", "Örnäset", "Björkskatan"]


@pytest.fixture(scope="session")
def repo_root():
    """The repository's folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixture_notebooks():
    """The folder of the small notebooks the run's tests execute (written by its make_fixtures.py)."""
    return FIXTURE_NOTEBOOKS


@pytest.fixture(scope="session")
def tiny_store_areas():
    """The areas of :func:`make_tiny_store`'s store, in the order of its areas table."""
    return list(TINY_STORE_AREAS)


@pytest.fixture(scope="session")
def make_tiny_store():
    """``make_tiny_store(path, years=(2023, 2024), fingerprint="ab"*32)``: a store with just what the run
    reads (store.json with fingerprint and years, the areas table of ``tiny_store_areas``)."""
    import json

    import geopandas as gpd
    from shapely.geometry import box

    def make(path, years=(2023, 2024), fingerprint: str = "ab" * 32):
        path.mkdir(parents=True, exist_ok=True)
        (path / "store.json").write_text(json.dumps({"fingerprint": fingerprint, "trygghet_version": "0.1.0",
                                                     "years": {"offences": list(years)}}), encoding="utf-8")
        gpd.GeoDataFrame({"area": TINY_STORE_AREAS, "area_code": ["1", "2", "3"], "area_km2": [1.0, 1.0, 1.0]},
                         geometry=[box(i, 0, i + 1, 1) for i in range(len(TINY_STORE_AREAS))],
                         crs="EPSG:3006").to_parquet(path / "areas.parquet")
        return path

    return make


@pytest.fixture(scope="session")
def write_plan():
    """``write_plan(path, jobs)``: a run plan (YAML) of ``jobs`` on the fixture notebooks."""
    import yaml

    def write(path, jobs: list[dict]):
        path.write_text(yaml.safe_dump({"notebooks": str(FIXTURE_NOTEBOOKS), "jobs": jobs}, allow_unicode=True),
                        encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def cli():
    """``cli(*args, timeout=180, cwd=ROOT)``: ``python -m trygghet ARGS`` in a subprocess, as a user or the
    timer runs it; returns the CompletedProcess (text)."""
    import os
    import subprocess
    import sys

    def run(*args: str, timeout: float = 180, **kw):
        env = dict(os.environ, COLUMNS="200")
        return subprocess.run([sys.executable, "-m", "trygghet", *args], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=kw.pop("cwd", REPO_ROOT), **kw)

    return run


# ------------------------------------------------------------------------------- the published demo year
# The whole run plan of the demo year, run once per session on the demo store and published as readers
# get it; the pages parsed into tables and text for the consistency and disclosure-attack tests
# (tests/publish/test_consistency.py, tests/publish/test_disclosure_attack.py).

PUBLISHED_YEAR = 2025
#: a row whose first cell reads one of these is the total of the other rows of its table
TOTAL_ROW_LABELS = ("totalt", "summa", "hela kommunen", "alla", "alla brott")
#: a column headed one of these is the total of the table's other count columns
TOTAL_COLUMN_HEADERS = ("totalt", "summa")
#: known totals and parts across the columns of one row: total column -> part columns (all must be present;
#: each a column spec of PublishedTable.find: alternatives "A|B", a header equal to or starting with one,
#: "A$" only equal)
ROW_RELATIONS = (
    ("Lästa rader|Rader i filen", ("Godkända", "Avvisade")),
    ("Antal|Anmälda brott", ("Med plats i kommunen", "Utan plats$", "Utanför kommunen")),
    ("Antal|Anmälda brott", ("Med plats i kommunen", "Utan plats eller utanför kommunen")),
    ("Åtgärder", ("Planerade", "Pågående", "Genomförda", "Avbrutna")),
    ("Åtgärder", ("Kommunen", "Polisen", "Gemensamt")),
)


class PublishedTable:
    """One HTML table of a published page: ``heading`` (the section it stands in), ``caption``,
    ``headers`` and ``rows`` (cell texts, whitespace normalised, non-breaking spaces as spaces)."""

    def __init__(self, page: str, heading: str, caption: str, headers: list[str], rows: list[list[str]]):
        self.page, self.heading, self.caption, self.headers, self.rows = page, heading, caption, headers, rows

    def __repr__(self):
        return f"<table {self.page} § {self.heading!r} {self.headers}>"

    def find(self, spec: str) -> int | None:
        """The position of the column ``spec`` names: alternatives separated by "|", each matching a
        header equal to it or starting with it (case-insensitive; "A$": equal only), e.g.
        ``"Lästa rader|Rader i filen"``."""
        low = [h.lower() for h in self.headers]
        for alt in spec.split("|"):
            alt, only_exact = alt.strip().lower().rstrip("$"), alt.strip().endswith("$")
            for exact in (True,) if only_exact else (True, False):
                for j, h in enumerate(low):
                    if (h == alt) if exact else h.startswith(alt):
                        return j
        return None

    def column(self, spec: str) -> list[str]:
        """The cells under the column ``spec`` names (see :meth:`find`)."""
        j = self.find(spec)
        assert j is not None, f"{self}: no column {spec!r}"
        return [r[j] if j < len(r) else "" for r in self.rows]

    def records(self) -> list[dict[str, str]]:
        """Rows as dicts; a key may be any column ``spec`` of :meth:`find`."""
        table = self

        class Row(dict):
            def __missing__(self, spec):
                j = table.find(spec)
                if j is None:
                    raise KeyError(f"{table}: no column {spec!r}")
                return self[table.headers[j]]

        return [Row(zip(self.headers, r + [""] * (len(self.headers) - len(r)))) for r in self.rows]

    @staticmethod
    def number(text: str) -> float | None:
        """A Swedish number as shown ("7 865", "8,6", "19 %", "1 200 000 kr") -> float; None for anything
        else ("<5", "–", words)."""
        import re

        t = text.replace("\u00a0", " ").replace("\u2212", "-").strip()
        t = re.sub(r"\s*(%|kr)$", "", t)
        if not re.fullmatch(r"-?\d{1,3}( \d{3})*(,\d+)?|-?\d+(,\d+)?", t):
            return None
        return float(t.replace(" ", "").replace(",", "."))

    def is_count_column(self, j: int) -> bool:
        """A column of whole counts: every cell a whole number without decimals or unit, "<5" or "–",
        at least one number, and not a year, rank or identifier column."""
        import re

        head = self.headers[j].strip().lower()
        if head in ("år", "rang", "brottskod", "från år", "till år", "start", "datum"):
            return False
        cells = [r[j] for r in self.rows if j < len(r)]
        numbers = 0
        for c in cells:
            c = c.strip()
            if c in ("<5", "–", ""):
                continue
            if not re.fullmatch(r"\d{1,3}( \d{3})*|\d+", c.replace("\u00a0", " ")):
                return False
            numbers += 1
        return numbers > 0

    def count_columns(self) -> list[int]:
        return [j for j in range(1, len(self.headers)) if self.is_count_column(j)]

    def total_row(self) -> int | None:
        for i, r in enumerate(self.rows):
            if r and r[0].strip().lower() in TOTAL_ROW_LABELS:
                return i
        return None

    def relations(self) -> list[tuple[tuple[int, int], list[tuple[int, int]]]]:
        """Totals and parts this table states, as ``((row, col) total, [(row, col) parts])``: a total row
        ("Totalt", "Summa", "Hela kommunen", "Alla") over the other rows of each count column; a total
        column ("Totalt", "Summa") over the other count columns of each row; and :data:`ROW_RELATIONS`."""
        rel = []
        counts = self.count_columns()
        t = self.total_row()
        if t is not None:
            for j in counts:
                rel.append(((t, j), [(i, j) for i in range(len(self.rows)) if i != t]))
        low = [h.strip().lower() for h in self.headers]
        for jt, h in enumerate(low):
            if h in TOTAL_COLUMN_HEADERS and jt in counts:
                parts = [j for j in counts if j != jt]
                rel += [((i, jt), [(i, j) for j in parts]) for i in range(len(self.rows))]
        for total, parts in ROW_RELATIONS:
            jt, js = self.find(total), [self.find(p) for p in parts]
            if jt is not None and all(j is not None for j in js) and len(set(js)) == len(js):
                if jt in counts and all(j in counts for j in js):
                    rel += [((i, jt), [(i, j) for j in js]) for i in range(len(self.rows))]
        return rel


class PublishedPage:
    """A published HTML page: ``name`` (job name), ``html``, ``soup``, ``text`` (all visible text, one
    space between blocks, non-breaking spaces as spaces) and ``tables`` (:class:`PublishedTable`)."""

    def __init__(self, path):
        from bs4 import BeautifulSoup

        self.path = path
        self.name = path.stem
        self.html = path.read_text(encoding="utf-8")
        self.soup = BeautifulSoup(self.html, "html.parser")
        for s in self.soup(["script", "style", "noscript"]):
            s.decompose()
        self.text = _norm(self.soup.get_text(" ", strip=True))
        self.tables = []
        for t in self.soup.find_all("table"):
            head = t.find_previous(["h1", "h2", "h3"])
            cap = t.find("caption")
            header_row = t.find("thead") or t
            headers = [_norm(th.get_text(" ", strip=True)) for th in header_row.find("tr").find_all(["th", "td"])] \
                if header_row.find("tr") else []
            body = t.find("tbody") or t
            rows = [[_norm(td.get_text(" ", strip=True)) for td in tr.find_all(["td", "th"])]
                    for tr in body.find_all("tr")]
            if not t.find("thead"):
                rows = rows[1:]
            self.tables.append(PublishedTable(self.name, _norm(head.get_text(" ", strip=True)).rstrip(" ¶") if head else "",
                                              _norm(cap.get_text(" ", strip=True)) if cap else "", headers, rows))

    def __repr__(self):
        return f"<page {self.name}>"

    def section(self, heading: str) -> str:
        """The visible text of the section under the h2/h3 whose text starts with ``heading``, up to the next
        heading of the same or a higher level ("" when the page has no such section)."""
        for h in self.soup.find_all(["h2", "h3"]):
            if _norm(h.get_text(" ", strip=True)).startswith(heading):
                parts = []
                for sib in h.find_all_next():
                    if sib.name in ("h1", "h2") or (sib.name == h.name == "h3"):
                        break
                    if sib.name in ("p", "li", "td", "th", "div", "span", "a", "strong", "em", "code") and not sib.find(
                            ["p", "li", "div", "table"]):
                        parts.append(sib.get_text(" ", strip=True))
                return _norm(" ".join(parts))
        return ""

    def section_items(self, heading: str) -> list[str]:
        """The list items (li) of the section under ``heading``."""
        for h in self.soup.find_all(["h2", "h3"]):
            if _norm(h.get_text(" ", strip=True)).startswith(heading):
                items = []
                for sib in h.find_all_next():
                    if sib.name in ("h1", "h2") or (sib.name == h.name == "h3"):
                        break
                    if sib.name == "li":
                        items.append(_norm(sib.get_text(" ", strip=True)))
                return items
        return []

    def paragraphs(self) -> list[str]:
        """The visible text of every paragraph and list item (not table cells), one string each."""
        return [_norm(e.get_text(" ", strip=True)) for e in self.soup.find_all(["p", "li"])]

    def sentence(self, pattern: str):
        """The first ``re.search`` match of ``pattern`` in a paragraph or list item (None when none)."""
        import re

        for text in self.paragraphs():
            m = re.search(pattern, text)
            if m:
                return m
        return None

    def tables_with(self, *specs: str) -> list[PublishedTable]:
        """The tables that have a column for every spec (see :meth:`PublishedTable.find`)."""
        return [t for t in self.tables if all(t.find(s) is not None for s in specs)]


def _norm(text: str) -> str:
    import re

    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


@pytest.fixture(scope="session")
def published_year(tmp_path_factory):
    """The whole run plan (config/run_plan.yaml) of the demo year 2025 on the FULL demo data (the year as
    readers get it: at a fifth of the size the year has no significant change to report), written, ingested,
    run once and published with trygghet.publish's run: a namespace with ``year``, ``store``, ``out`` (the
    reports folder), ``dir`` (``out/2025``) and ``result`` (the RunResult; ``result.failed`` lists failed
    jobs). About 1–2 minutes on 2 free cores (the run itself dominates; the data's size matters little)."""
    import types

    from rich.console import Console

    from trygghet.data.demo import write_demo
    from trygghet.data.ingest import ingest
    from trygghet.publish.run import run_reports

    base = tmp_path_factory.mktemp("published")
    write_demo(base / "raw", seed=2580, scale=1.0)
    ingest(base / "raw", base / "store")
    out = base / "reports"
    result = run_reports(PUBLISHED_YEAR, store=base / "store", out=out, jobs=2,
                         plan=REPO_ROOT / "config" / "run_plan.yaml", console=Console(stderr=True, quiet=True))
    return types.SimpleNamespace(year=PUBLISHED_YEAR, store=base / "store", out=out, dir=out / str(PUBLISHED_YEAR),
                                 result=result)


@pytest.fixture(scope="session")
def published_pages(published_year):
    """Every published report page of the demo year (index pages left out): job name -> PublishedPage."""
    pages = {}
    for path in sorted(published_year.dir.glob("*.html")):
        if path.stem != "index":
            pages[path.stem] = PublishedPage(path)
    return pages


@pytest.fixture(scope="session")
def page(published_pages, published_year):
    """``page(name)``: the published page of job ``name``; fails with the run's failed jobs when missing."""

    def get(name: str) -> PublishedPage:
        if name not in published_pages:
            pytest.fail(f"{name}.html was not published; failed jobs: {published_year.result.failed}; "
                        f"published: {sorted(published_pages)}")
        return published_pages[name]

    return get


@pytest.fixture(scope="session")
def published_mail(published_year):
    """The steering group's email for the published demo year, built by ``trygghet mail --dry-run``
    (the library's send_reports with dry_run) from the run's records: a namespace with ``subject``,
    ``text`` (plain body) and ``html_text`` (the HTML body's visible text), whitespace normalised."""
    import types
    from email import policy
    from email.parser import BytesParser

    from bs4 import BeautifulSoup
    from rich.console import Console

    from trygghet.publish.mail import send_reports

    res = send_reports(year=published_year.year, reports=published_year.out, config=REPO_ROOT / "config" / "mail.yaml",
                       dry_run=True, console=Console(stderr=True, quiet=True))
    msg = BytesParser(policy=policy.default).parsebytes(res.eml.read_bytes())
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    html_text = BeautifulSoup(html.get_content(), "html.parser").get_text(" ", strip=True) if html else ""
    return types.SimpleNamespace(subject=_norm(str(msg["Subject"])), text=_norm(plain.get_content() if plain else ""),
                                 html_text=_norm(html_text), eml=res.eml)


# ---------------------------------------------------------------------------------------------- indicators
# A tiny complete store (store.json + the tables of docs/store.md) whose every figure can be worked out
# by hand: for the indicator, change, follow-up and main-change tests (tests/analysis) and wording's.

_IND_AREAS = ["Alfa", "Beta", "Östra"]
_IND_BANDS = {"10-14": 100, "15-17": 60, "18-20": 50, "21-24": 80, "25-44": 710}  # per sex, area Alfa 2024
_IND_SCALE = {"Alfa": 1.0, "Beta": 0.5, "Östra": 1.5}
# offences: (year, area, category, violent, volume, public, hour, n)
_IND_OFFENCES = [
    (2024, "Alfa", "misshandel", True, True, True, 23, 3),
    (2024, "Alfa", "misshandel", True, True, False, 12, 10),
    (2024, "Beta", "misshandel", True, True, True, 2, 2),
    (2024, "Östra", "misshandel", True, True, False, None, 20),
    (2024, "Alfa", "skadegorelse", False, True, False, 14, 6),
    (2024, None, "bedrageri", False, False, False, None, 5),
    (2025, "Alfa", "misshandel", True, True, True, 23, 8),
    (2025, "Alfa", "misshandel", True, True, False, 12, 12),
    (2025, "Beta", "misshandel", True, True, True, 4, 7),
    (2025, "Östra", "misshandel", True, True, False, None, 60),
    (2025, "Östra", "ran", True, True, True, 22, 1),
    (2025, None, "bedrageri", False, False, False, None, 4),
    (2025, "Alfa", "misshandel", True, True, True, 5, 2),
]
# young suspects: (year, age_group, sex, persons, offences, previously)
_IND_YOUNG = [
    (2024, "<15", "kvinna", None, None, None), (2024, "<15", "man", 6, 9, None), (2024, "<15", "alla", 8, 12, 2),
    (2024, "15-17", "kvinna", 5, 7, None), (2024, "15-17", "man", 12, 30, 6), (2024, "15-17", "alla", 17, 37, 8),
    (2024, "18-20", "kvinna", 7, 9, None), (2024, "18-20", "man", 15, 40, 9), (2024, "18-20", "alla", 22, 49, 11),
    (2024, "21-24", "kvinna", 6, 8, None), (2024, "21-24", "man", 14, 33, 8), (2024, "21-24", "alla", 20, 41, 10),
    (2025, "<15", "kvinna", 5, 6, None), (2025, "<15", "man", 9, 15, None), (2025, "<15", "alla", 14, 21, 5),
    (2025, "15-17", "kvinna", 6, 8, None), (2025, "15-17", "man", 20, 45, 10), (2025, "15-17", "alla", 26, 53, 12),
    (2025, "18-20", "kvinna", 8, 10, None), (2025, "18-20", "man", 16, 38, 9), (2025, "18-20", "alla", 24, 48, 12),
    (2025, "21-24", "kvinna", 5, 5, None), (2025, "21-24", "man", 13, 30, 7), (2025, "21-24", "alla", 18, 35, 9),
]
_IND_SURVEY_N = {"Alfa": 80, "Beta": 45, "Östra": 20}  # Östra is under 30 respondents


def _indicator_population() -> pd.DataFrame:
    rows = []
    for year in (2024, 2025):
        for area in _IND_AREAS:
            for sex in ("kvinna", "man"):
                for band, n in _IND_BANDS.items():
                    extra = 100 if (year == 2025 and area == "Alfa" and band == "25-44") else 0
                    rows.append((year, area, sex, band, int(n * _IND_SCALE[area]) + extra))
    return pd.DataFrame(rows, columns=["year", "area", "sex", "age_group", "population"]).astype(
        {"year": "int16", "area": "string", "sex": "string", "age_group": "string", "population": "int64"})


def _indicator_offences() -> pd.DataFrame:
    rows = []
    i = 0
    for year, area, cat, violent, volume, public, hour, n in _IND_OFFENCES:
        for _ in range(n):
            i += 1
            start = pd.Timestamp(year=year, month=6, day=1, hour=hour or 0)
            rows.append({"offence_id": f"B{i}", "case_number": f"K{i}", "offence_code": "0375",
                         "offence_label": "Misshandel", "category": cat, "violent": violent, "volume_crime": volume,
                         "public_place": public, "start": start, "start_time_known": hour is not None,
                         "end": pd.NaT, "reported": pd.NaT, "year": year, "month": 6, "weekday": start.weekday(),
                         "hour": hour, "x": np.nan if area is None else 1.0, "y": np.nan if area is None else 1.0,
                         "has_place": area is not None, "in_municipality": area is not None, "area": area,
                         "place_text": "x", "source_file": "anmalda_brott.csv", "source_line": i + 1})
    df = pd.DataFrame(rows)
    return df.astype({"offence_id": "string", "case_number": "string", "offence_code": "string",
                      "offence_label": "string", "category": "string", "year": "int16", "month": "int8",
                      "weekday": "int8", "hour": "Int8", "area": "string", "place_text": "string",
                      "source_file": "string", "source_line": "int32"})


def _indicator_survey(codebook: dict, seed: int, years=(2019, 2023), youth: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    qids = [q["id"] for q in codebook["fragor"]]
    for year in years:
        for area, n in _IND_SURVEY_N.items():
            for i in range(n):
                rec = {"respondent_id": f"{year}-{area}-{i}", "year": year, "area": area,
                       "sex": ["kvinna", "man", None][i % 3], "weight": float(rng.choice([0.5, 1.0, 2.0, 3.0]))}
                if youth:
                    rec["school"] = f"Skola {area}"
                    rec["grade"] = ["åk9", "gy2"][i % 2]
                else:
                    rec["age_group"] = ["16-24", "25-44", "45-64", "65-84"][i % 4]
                for q in codebook["fragor"]:
                    codes = sorted(int(c) for c in q["svar"])
                    r = rng.random()
                    rec[q["id"]] = None if r < 0.05 else int(rng.choice(codes))
                rows.append(rec)
    df = pd.DataFrame(rows)
    types = {"respondent_id": "string", "year": "int16", "area": "string", "sex": "string", "weight": "float64"}
    types.update({q: "Int64" for q in qids})
    types.update({"school": "string", "grade": "string"} if youth else {"age_group": "string"})
    return df.astype(types)


def _demo_codebook(name: str) -> dict:
    raw = yaml.safe_load(resource_path(f"demo/{name}").read_text(encoding="utf-8"))
    return json.loads(json.dumps(raw))  # as ingest writes it: answer codes become text keys


def _write_indicator_store(root: Path) -> Path:
    """A tiny complete store with the columns of docs/store.md."""
    store = root / "store"
    store.mkdir(parents=True)
    cb_s, cb_y = _demo_codebook("trygghetsmatning_kodbok.yaml"), _demo_codebook("ungdomsenkat_kodbok.yaml")
    (store / "survey_codebook.json").write_text(json.dumps(cb_s, ensure_ascii=False), encoding="utf-8")
    (store / "youth_codebook.json").write_text(json.dumps(cb_y, ensure_ascii=False), encoding="utf-8")
    areas = gpd.GeoDataFrame({"area": pd.array(_IND_AREAS, dtype="string"), "area_code": pd.array(["01", "02", "03"], dtype="string"),
                              "area_km2": [1.0, 1.0, 1.0]},
                             geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(3)], crs="EPSG:3006")
    areas.to_parquet(store / "areas.parquet")
    _indicator_population().to_parquet(store / "population.parquet")
    _indicator_offences().to_parquet(store / "offences.parquet")
    _indicator_survey(cb_s, 1).to_parquet(store / "survey.parquet")
    _indicator_survey(cb_y, 2, years=(2023, 2025), youth=True).to_parquet(store / "youth_survey.parquet")
    young = pd.DataFrame(_IND_YOUNG, columns=["year", "age_group", "sex", "persons", "offences",
                                         "persons_previously_suspected"])
    young.astype({"year": "int16", "age_group": "string", "sex": "string", "persons": "Int64", "offences": "Int64",
                  "persons_previously_suspected": "Int64"}).to_parquet(store / "young_suspects.parquet")
    incidents = pd.DataFrame({
        "incident_id": pd.array([f"H{i}" for i in range(12)], dtype="string"),
        "date": pd.to_datetime(["2024-03-01"] * 6 + ["2025-03-01"] * 6),
        "year": pd.array([2024] * 6 + [2025] * 6, dtype="int16"),
        "type": pd.array(["skadegörelse", "klotter", "brand", "skadegörelse", "skadegörelse", "klotter",
                          "skadegörelse", "brand", "brand", "klotter", "skadegörelse", "skadegörelse"], dtype="string"),
        "area": pd.array(["Alfa", "Alfa", "Beta", "Beta", "Alfa", "Östra",
                          "Alfa", "Alfa", "Beta", "Östra", "Östra", "Alfa"], dtype="string"),
        "x": 1.0, "y": 1.0,
        "cost_sek": [1000.0, 500.0, 20000.0, 1500.0, 300.0, 800.0, 2000.0, 15000.0, 25000.0, np.nan, 700.0, 900.0],
    })
    incidents.to_parquet(store / "municipal_incidents.parquet")
    walks = pd.DataFrame({
        "date": pd.to_datetime(["2024-06-01"] * 10 + ["2025-06-01"] * 12),
        "year": pd.array([2024] * 10 + [2025] * 12, dtype="int16"),
        "area": pd.array(["Alfa"] * 6 + ["Beta"] * 4 + ["Alfa"] * 7 + ["Beta"] * 5, dtype="string"),
        "x": 1.0, "y": 1.0, "deficiency": pd.array(["belysning"] * 22, dtype="string"),
        "fixed": [True, True, True, False, False, False, True, False, False, False]
                 + [True] * 6 + [False] + [True] * 4 + [False],
    })
    # fixed a month after the walk, within the indicator's 180-day window
    walks["fixed_date"] = (walks["date"] + pd.Timedelta(days=30)).where(walks["fixed"])
    walks.to_parquet(store / "safety_walks.parquet")
    measures = pd.DataFrame({
        "measure_id": pd.array(["A1", "A2", "A3", "A4", "A5"], dtype="string"),
        "name": pd.array(["Föräldrastöd", "Fältarbete", "SSPF", "Belysning", "Kameror"], dtype="string"),
        "level": pd.array(["universell", "selektiv", "indikerad", "situationell", "situationell"], dtype="string"),
        "horizon": pd.array(["lång", "lång", "lång", "kort", "kort"], dtype="string"),
        "responsible": pd.array(["kommun"] * 5, dtype="string"), "working_group": pd.array([None] * 5, dtype="string"),
        "areas": pd.array(["hela kommunen", "Beta", "hela kommunen", "Alfa, Beta", "Alfa"], dtype="string"),
        "start": pd.to_datetime(["2023-01-01", "2024-03-01", "2025-01-01", "2024-05-01", "2024-01-01"]),
        "end": pd.to_datetime([None, "2024-12-31", None, "2024-06-30", None]),
        "status": pd.array(["pågående", "genomförd", "pågående", "genomförd", "avbruten"], dtype="string"),
        "cost_sek": 0.0, "indicators": pd.array(["vald"] * 5, dtype="string"), "x": np.nan, "y": np.nan,
    })
    measures.to_parquet(store / "measures.parquet")
    pd.DataFrame({"measure_id": pd.array(["A1", "A2", "A3", "A4", "A4", "A5"], dtype="string"),
                  "area": pd.array(["hela kommunen", "Beta", "hela kommunen", "Alfa", "Beta", "Alfa"], dtype="string")}
                 ).to_parquet(store / "measure_areas.parquet")
    goals = pd.DataFrame([
        ("M1", "Öka tryggheten", "gemensam", "M1.1", "Otryggheten ska minska", "otrygg_kvall", "hela kommunen",
         2019, np.nan, 0.20, 2025, "tak", "gemensam"),
        ("M1", "Öka tryggheten", "gemensam", "M1.2", "Förtroendet ska öka", "fortroende_polis", "Alfa",
         2019, 0.40, 0.50, 2027, "golv", "polis"),
        ("M2", "Minska brottsligheten", "gemensam", "M2.1", "Våldet ska minska", "vald", "hela kommunen",
         2024, 5.0, 4.0, 2027, "tak", "polis"),
        ("M2", "Minska brottsligheten", "gemensam", "M2.2", "Våldet i Beta ska minska", "vald", "Beta",
         2024, 2.0, 1.0, 2026, "tak", "polis"),
        ("M3", "Unga", "kommun", "M3.1", "Färre unga misstänkta i Alfa", "misstankta_unga", "Alfa",
         2024, 10.0, 8.0, 2027, "tak", "kommun"),
        ("M3", "Unga", "kommun", "M3.2", "Okänt mått", "okand_indikator", "hela kommunen",
         2024, 1.0, 0.5, 2027, "tak", "kommun"),
    ], columns=["goal_id", "goal_text", "goal_responsible", "subgoal_id", "subgoal_text", "indicator", "area",
                "baseline_year", "baseline_value", "target_value", "target_year", "target_type", "responsible"])
    goals = goals.astype({c: "string" for c in ("goal_id", "goal_text", "goal_responsible", "subgoal_id",
                                                "subgoal_text", "indicator", "area", "target_type", "responsible")})
    goals = goals.astype({"baseline_year": "Int16", "target_year": "Int16"})
    goals.to_parquet(store / "goals.parquet")
    pd.DataFrame({"name": pd.array([], dtype="string"), "start": pd.to_datetime([]), "end": pd.to_datetime([]),
                  "area": pd.array([], dtype="string"), "year": pd.array([], dtype="int16")}).to_parquet(store / "events.parquet")
    info = {"fingerprint": "test", "trygghet_version": "0.1.0",
            "years": {"offences": [2024, 2025], "survey": [2019, 2023], "youth_survey": [2023, 2025],
                      "population": [2024, 2025], "young_suspects": [2024, 2025],
                      "municipal_incidents": [2024, 2025], "safety_walks": [2024, 2025]},
            "tables": ["offences", "areas", "population", "survey", "youth_survey", "young_suspects",
                       "municipal_incidents", "safety_walks", "measures", "measure_areas", "goals", "events"]}
    (store / "store.json").write_text(json.dumps(info), encoding="utf-8")
    return store


@pytest.fixture(scope="session")
def indicator_store(tmp_path_factory) -> Path:
    """The tiny hand-countable store (areas Alfa, Beta, Östra; offences 2024–2025, surveys 2019/2023,
    youth survey 2023/2025, goals M1.1–M3.2)."""
    return _write_indicator_store(tmp_path_factory.mktemp("indicators"))


@pytest.fixture(scope="session")
def indicator_population():
    """The tiny store's population table (year, area, sex, age_group, population)."""
    return _indicator_population()


@pytest.fixture(scope="session")
def pop_total():
    """``pop_total(year, area=None)``: the tiny store's population of a year (and area)."""

    def total(year: int, area: str | None = None) -> float:
        p = _indicator_population()
        p = p.loc[p["year"] == year]
        if area:
            p = p.loc[p["area"] == area]
        return float(p["population"].sum())

    return total


@pytest.fixture(scope="session")
def demo_codebook():
    """``demo_codebook(name)``: a demo survey codebook as ingest writes it (answer codes as text keys)."""
    return _demo_codebook


@pytest.fixture(scope="session")
def follow_up_record(indicator_store):
    """The follow-up report's record (``reports/<year>/records/uppfoljning.json``) for 2025 on the tiny
    store, made by the report's own functions (:func:`trygghet.reports.uppfoljning.summary`)."""
    from trygghet.reports import uppfoljning

    return uppfoljning.record_of(uppfoljning.summary(indicator_store, 2025))


# ---------------------------------------------------------------------------------------------- mail


@pytest.fixture(scope="session")
def smtp_cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 made with the openssl command line: ``{"cert": path,
    "context": server SSLContext}`` for the mail tests' TLS servers."""
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl command line not found: cannot make a test certificate for the TLS tests")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem")], check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    return {"cert": d / "cert.pem", "context": ctx}


# --- opendata ---
# A real HTTP server on 127.0.0.1 serving recorded answers of the public sources (tests/fixtures/open/).


class _OpenRoute:
    """Scripted answers for one path: each request takes the next answer; the last one repeats."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def next(self):
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return answer


class OpenServer:
    """``routes["/path?query"] = [answer, ...]`` where an answer is a dict: ``status`` (200), ``body``
    (bytes or str; ``{BASE}`` becomes the server's address), ``file`` (a fixture under tests/fixtures/open/),
    ``headers`` (dict), ``truncate`` (send only this many bytes of the body but the full Content-Length),
    ``delay`` (seconds before answering). ``requests`` records (method, path, body) of every call."""

    FIXTURES = Path(__file__).parent / "fixtures" / "open"

    def __init__(self):
        import http.server
        import threading

        server_self = self
        self.routes: dict[str, _OpenRoute] = {}
        self.requests: list[tuple[str, str, bytes]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server_self.requests.append((method, self.path, body))
                route = server_self.routes.get(self.path) or server_self.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                a = route.next()
                if a.get("delay"):
                    import time

                    time.sleep(a["delay"])
                data = a.get("body", b"")
                if "file" in a:
                    data = (server_self.FIXTURES / a["file"]).read_bytes()
                if isinstance(data, str):
                    data = data.encode("utf-8")
                data = data.replace(b"{BASE}", server_self.base.encode())
                self.send_response(a.get("status", 200))
                for k, v in (a.get("headers") or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: a["truncate"]] if "truncate" in a else data)
                if "truncate" in a:
                    self.close_connection = True

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path, *answers):
        self.routes[path] = _OpenRoute(answers)
        return self.routes[path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def open_server():
    server = OpenServer()
    yield server
    server.close()


# --- residents ---
# The residents' summary (Tryggare Luleå) of the published demo year: its own folder, parsed like every
# other page (tests/reports/test_tryggare_page.py, tests/reports/test_tryggare_consistency.py).

RESIDENTS_FOLDER = "tryggare-lulea"


@pytest.fixture(scope="session")
def residents_pages(published_year):
    """The pages of ``<year>/tryggare-lulea/`` of the published demo year: page name -> PublishedPage
    (``index``: the summary, ``tillganglighetsredogorelse``: the accessibility statement)."""
    folder = published_year.dir / RESIDENTS_FOLDER
    if not folder.is_dir():
        pytest.fail(f"{folder} was not published; failed jobs: {published_year.result.failed}")
    return {p.stem: PublishedPage(p) for p in sorted(folder.glob("*.html"))}


@pytest.fixture(scope="session")
def residents_record(published_year):
    """What the summary recorded (``records/tryggare-lulea.json``): the figures as the page shows them."""
    path = published_year.dir / "records" / f"{RESIDENTS_FOLDER}.json"
    if not path.is_file():
        pytest.fail(f"{path} was not written; failed jobs: {published_year.result.failed}")
    return json.loads(path.read_text(encoding="utf-8"))


# --- lawframe ---
# A small raw folder written by hand through the real ingest: the demo's areas plus the measures, the
# problem register, offences and events a test gives (problem register, årshjul tests).

_LAWFRAME_MEASURE_HEADER = "id;åtgärd;preventionsnivå;tidsperspektiv;ansvarig;område;start;slut;status;indikatorer;problem"


@pytest.fixture(scope="session")
def lawframe_store(tmp_path_factory):
    """``lawframe_store(measures=[...], problems_yaml="...", offences=[...], events=[...])`` -> an
    ingested store. ``measures``: rows ``id;åtgärd;nivå;sikt;ansvarig;område;start;slut;status;indikatorer;problem``
    (text, ``;``-separated); ``offences``: rows ``brott_id;brottskod;datum_från;tid_från``; ``events``:
    rows ``namn;start;slut;område``. Each call writes a fresh raw folder and store."""
    from trygghet.data.config import paths
    from trygghet.data.demo import _geo
    from trygghet.data.demo._io import write_geojson
    from trygghet.data.ingest import ingest

    geo = _geo.load_geography(paths().reference)
    counter = iter(range(10_000))

    def make(measures=(), problems_yaml: str | None = None, offences=(), events=()):
        base = tmp_path_factory.mktemp(f"lawframe{next(counter)}")
        raw = base / "raw"
        raw.mkdir()
        write_geojson(_geo.area_features(geo), raw / "omraden.geojson", "omraden")
        if measures:
            (raw / "atgarder.csv").write_text("\n".join([_LAWFRAME_MEASURE_HEADER, *measures]) + "\n", encoding="utf-8")
        if problems_yaml is not None:
            (raw / "problem.yaml").write_text(problems_yaml, encoding="utf-8")
        if offences:
            (raw / "anmalda_brott.csv").write_text("\n".join(["brott_id;brottskod;datum_från;tid_från", *offences]) + "\n",
                                                   encoding="utf-8")
        if events:
            (raw / "evenemang.csv").write_text("\n".join(["namn;start;slut;område", *events]) + "\n", encoding="utf-8")
        report = ingest(raw, base / "store")
        return base / "store", report

    return make


# --- delulea ---
# Another municipality's store (Piteå, 2581: the demo for any municipality at a tenth of its size), for the
# tests that the reports take the municipality's name from the store and never write Luleå's.


@pytest.fixture(scope="session")
def other_municipality_store(tmp_path_factory):
    """An ingested store of the demo for Piteå (code 2581, 42 800 inhabitants, seed 2580, scale 0.1)."""
    from trygghet.data.demo._kommun import write_municipality_demo
    from trygghet.data.ingest import ingest

    base = tmp_path_factory.mktemp("other-municipality")
    write_municipality_demo(base / "raw", "2581", 42_800, seed=2580, scale=0.1)
    ingest(base / "raw", base / "store")
    return base / "store"
