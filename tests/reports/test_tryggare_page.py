"""The residents' summary as published (issue 12, item 6): a folder of its own ready for the
municipality's website, not in the steering group's email, and nothing below the public rule on it —
no count under 10 shown or derivable, no maps or grid cells, no respondents' numbers, no offence rows,
and links that stay in the folder. The accessibility statement says what Digg asks for.

The pages are those of the ``published_year`` fixture (the whole run plan on the full demo year);
offences are counted again here from the store's rows, not through the library's indicators.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from trygghet.analysis import disclosure
from trygghet.reports import tillganglighet

pytestmark = pytest.mark.slow

T = disclosure.PUBLIC_THRESHOLD
#: a small count in a sentence: "7 brott", "3 anmälda", "5 svarande" …
SMALL_IN_TEXT = re.compile(r"(?<![\d,.\u2013–-])\b([1-9]) (brott|anmälda|anmälningar|personer|svarande|unga|"
                           r"elever|händelser|misstänkta|fall)\b")


def test_the_folder_holds_the_two_pages_and_is_not_mailed(published_year):
    folder = published_year.dir / "tryggare-lulea"
    assert sorted(p.name for p in folder.glob("*.html")) == ["index.html", "tillganglighetsredogorelse.html"]
    assert {p.suffix for p in folder.iterdir()} <= {".html", ".pdf"}, "only the pages (and their prints)"
    manifest = json.loads((published_year.dir / "manifest.json").read_text(encoding="utf-8"))
    jobs = {j["name"]: j for j in manifest["jobs"]}
    assert jobs["tryggare-lulea"]["outputs"]["html"] == "tryggare-lulea/index.html"
    assert jobs["tryggare-tillganglighet"]["outputs"]["html"] == "tryggare-lulea/tillganglighetsredogorelse.html"
    assert jobs["tryggare-lulea"]["status"] == jobs["tryggare-tillganglighet"]["status"] == "ok"
    assert not jobs["tryggare-lulea"]["mail"] and not jobs["tryggare-tillganglighet"]["mail"]
    index = (published_year.dir / "index.html").read_text(encoding="utf-8")
    assert 'href="tryggare-lulea/index.html"' in index


def test_links_stay_in_the_folder(residents_pages):
    """A page on the municipality's website links only to its own folder, the statement's contact
    address and Digg — never to the internal reports."""
    for name, page in residents_pages.items():
        for a in page.soup.find_all("a", href=True):
            href = a["href"]
            ok = (href.startswith("#") or href in ("index.html", "tillganglighetsredogorelse.html")
                  or href.startswith("mailto:") or href == tillganglighet.SUPERVISION_URL)
            assert ok, f"{name}: a link out of the folder: {href}"
    summary = residents_pages["index"].soup
    assert summary.find("a", href="tillganglighetsredogorelse.html"), "the statement is linked from the summary"
    assert residents_pages["tillganglighetsredogorelse"].soup.find("a", href="index.html")


def test_no_maps_images_grid_cells_or_offence_rows(published_year, residents_pages):
    offences = pd.read_parquet(published_year.store / "offences.parquet",
                               columns=["offence_id", "case_number", "place_text", "year"])
    sample = offences[offences["year"] == published_year.year].sample(300, random_state=1)
    for name, page in residents_pages.items():
        assert "<iframe" not in page.html and "<img" not in page.html and "leaflet" not in page.html.lower()
        assert not re.search(r"\brut(a|or|orna)\b", page.text, re.I), f"{name}: grid cells on a public page"
        for value in sample["case_number"].dropna().astype(str):
            assert value not in page.text, f"{name}: a case number is published"
        for value in sample["place_text"].dropna().astype(str):
            if len(value) > 8:
                assert value not in page.text, f"{name}: a free-text place is published"
        ids = [i for i in sample["offence_id"].astype(str) if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", page.text)]
        assert len(ids) < 3, f"{name}: offence ids are published: {ids}"  # a short id may equal a number by chance


def test_no_count_under_ten_in_sentences_or_count_columns(residents_pages):
    for name, page in residents_pages.items():
        small = [m.group(0) for text in page.paragraphs() for m in SMALL_IN_TEXT.finditer(text)]
        assert not small, f"{name}: a count under {T} in a sentence: {small}"
        for t in page.tables:
            for j in t.count_columns():
                for cell in t.column(t.headers[j]):
                    n = t.number(cell)
                    assert n is None or n == 0 or n >= T, f"{name} {t}: {cell!r} is under {T}"
    summary = residents_pages["index"]
    assert not re.search(r"\d+ (svarande|svar)\b", summary.text), "no numbers of respondents on the public page"


def test_area_rates_show_nothing_below_the_rule_and_no_hidden_count_can_be_worked_out(published_year, residents_pages):
    """The offences per area, counted again from the store: a shown rate stands on 10 offences or more,
    every area with 1–9 is hidden, and the integer-programming attack — knowing every shown area's count
    (rates times the public populations), the areas' total, that a hidden small count is 1–9 and any
    other hidden count 0 or at least 10 — pins no hidden small count."""
    year = published_year.year
    offences = pd.read_parquet(published_year.store / "offences.parquet", columns=["year", "area", "violent"])
    offences = offences[offences["year"] == year]
    table = next(t for t in residents_pages["index"].tables if t.find("Område") == 0 and t.find("Våldsbrott"))
    checked = 0
    for column, rows in (("Alla anmälda brott", offences), ("Våldsbrott", offences[offences["violent"].fillna(False)])):
        truth = rows.groupby("area").size()
        cells = dict(zip(table.column("Område"), table.column(column)))
        assert set(cells) == set(tryggare_areas(published_year.store))
        values, codes = [], []
        for area, cell in cells.items():
            n = int(truth.get(area, 0))
            shown = table.number(cell) is not None
            if 1 <= n < T:
                assert not shown, f"{column} {area}: {n} offences, yet the rate {cell} is shown"
            if shown:
                assert n == 0 or n >= T
            else:
                assert cell == "–", f"{column} {area}: a hidden rate shows {cell!r}"
            values.append(np.nan if not shown else float(n))
            codes.append(0 if shown else 1 if 1 <= n < T else 2)
            checked += 1
        values.append(float(truth.reindex(list(cells)).fillna(0).sum()))  # the areas' total, as if published
        codes.append(0)
        line = [[(i, 1.0) for i in range(len(cells))] + [(len(cells), -1.0)]]
        found = disclosure.recoverable(np.asarray(values), np.asarray(codes), line, primary_bounds=(1.0, float(T - 1)))
        assert found == [], f"{column}: a hidden small count can be worked out from the total"
    assert checked == 2 * len(cells)


def test_the_municipal_counts_equal_the_offences_counted_again(published_year, residents_pages):
    year = published_year.year
    offences = pd.read_parquet(published_year.store / "offences.parquet", columns=["year", "violent"])
    offences = offences[offences["year"] == year]
    table = next(t for t in residents_pages["index"].tables if t.find("Brott") == 0)
    counts = dict(zip(table.column("Brott"), table.column(f"Antal {year}")))
    assert table.number(counts["Alla anmälda brott"]) == len(offences)
    assert table.number(counts["Våldsbrott"]) == int(offences["violent"].fillna(False).sum())


def test_the_statement_says_what_digg_asks_for(residents_pages, published_year):
    page = residents_pages["tillganglighetsredogorelse"]
    text = page.text
    assert "Luleå kommun" in text and "Polisen" in text and "Tryggare Luleå" in text  # who and which service
    assert f"Sidorna är {tillganglighet.STATUS}" in text  # the compliance status in Digg's words
    for issue in tillganglighet.KNOWN_ISSUES:  # the content that is not accessible
        assert issue.split(".")[0] in text
    assert page.soup.find("a", href=tillganglighet.SUPERVISION_URL)  # Digg's reporting function
    assert page.soup.find("a", href="mailto:kommunen@lulea.se")  # where to write
    assert "självskattning" in text  # the evaluation method
    assert re.search(r"bedömdes senast den \d{1,2} \w+ 20\d\d", text) and re.search(r"uppdaterades senast den", text)
    headings = [h.get_text(" ", strip=True).rstrip("¶").strip() for h in page.soup.find_all(["h2", "h3"])]
    for required in ("Tillsyn", "Teknisk information om sidornas tillgänglighet", "Innehåll som inte är tillgängligt",
                     "Hur vi testat sidorna"):
        assert required in headings


def tryggare_areas(store) -> list[str]:
    return list(pd.read_parquet(store / "areas.parquet", columns=["area"])["area"].astype(str))
