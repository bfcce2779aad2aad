"""The privacy attack on the published demo year: for every page, every "<5" must stay unknown.

The attacker reads each published page (``published_pages``), takes every table of whole counts, the
totals and parts it states (a "Totalt"/"Summa"/"Hela kommunen" row, a total column, read = accepted +
rejected, offences = placed + without a place + outside; see ``PublishedTable.relations`` in conftest) and
the relations between the tables of the page that a reader can see (the data-quality page's accepted
offences of a year = its offences of that year; a file's rejected rows = the sum of its reasons), and asks
the library's own integer-programming audit (:func:`trygghet.analysis.disclosure.recoverable`) whether any
"<5" can be pinned to one value, knowing that "<5" is 1–4 and "–" is 0 or at least 5. None may be.
No page may show a count of 1–4 in the clear either, in a table of counts or in a sentence.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from trygghet.analysis import disclosure

pytestmark = pytest.mark.slow

#: columns of counts that are not about persons or offences (measures, indicators, grid cells, areas,
#: findings, warnings), matched as header prefixes: a 1–4 there may be shown
EXEMPT_HEADERS = {
    "Åtgärder", "Planerade", "Pågående", "Genomförda", "Avbrutna", "Kommunen", "Polisen", "Gemensamt",
    "Indikatorer med data", "Förbättrade", "Försämrade", "Ingen säker förändring", "Antal rutor", "Hot spot-rutor",
    "Rutor", "Rutor utan situationell åtgärd", "Områden", "Områden med befolkning", "Fynd", "Varningar",
    "Kostnad (kr)", "Befolkning", "Delmål",
    "Indikatorer", "Förbättrats", "Försämrats",  # counts of a problem's indicators (lagesbild, problem register)
}
#: files whose rows are not persons or offences (areas, codebooks, goals, measures …): their row counts may be small
EXEMPT_FILES = re.compile(r"omraden|kodbok|mal\.yaml|atgarder|evenemang|befolkning")
SMALL_IN_TEXT = re.compile(r"(?<![–\-\d,])\b([1-4]) (brott|anmälda brott|händelser|misstänkta|svarande|personer|unga|elever)\b")


def page_cells(p):
    """Flat cells of every count column of every table of page ``p``: values (NaN when hidden), codes
    (0 shown, 1 "<5", 2 "–"), an index ``(table, row, col) -> cell`` and the lines (total −1, parts +1)."""
    values, codes, index = [], [], {}
    for k, t in enumerate(p.tables):
        for j in t.count_columns():
            for i, r in enumerate(t.rows):
                cell = r[j] if j < len(r) else ""
                index[(k, i, j)] = len(values)
                n = t.number(cell)
                values.append(np.nan if n is None else n)
                codes.append(0 if n is not None else 1 if cell.strip() == "<5" else 2)
    lines = []
    for k, t in enumerate(p.tables):
        for (ti, tj), parts in t.relations():
            if (k, ti, tj) in index and all((k, i, j) in index for i, j in parts):
                lines.append([(index[(k, ti, tj)], -1.0)] + [(index[(k, i, j)], 1.0) for i, j in parts])
    lines += cross_table_lines(p, index)
    return np.asarray(values, dtype=float), np.asarray(codes), index, lines


def cross_table_lines(p, index):
    """Relations a reader sees between the tables of the data-quality page: a year's accepted offences (file
    anmalda_brott_YEAR) = the offences of that year in the place table; a file's rejected rows = its reasons."""
    lines = []
    read = [(k, t) for k, t in enumerate(p.tables) if t.find("Fil") == 0 and t.find("Godkända") and t.find("Avvisade")]
    places = [(k, t) for k, t in enumerate(p.tables) if t.find("År") is not None and t.find("Antal|Anmälda brott")
              and t.find("Med plats i kommunen")]
    reasons = [(k, t) for k, t in enumerate(p.tables) if t.find("Fil") == 0 and t.find("Skäl") and t.find("Antal")]
    for kr, tr in read:
        jf, ja, jr = (tr.find(h) for h in ("Fil", "Godkända", "Avvisade"))
        for i, row in enumerate(tr.rows):
            year = re.search(r"anmalda_brott_(\d{4})", row[jf])
            for kp, tp in places if year else []:
                jy, jn = tp.find("År"), tp.find("Antal|Anmälda brott")
                for ip, prow in enumerate(tp.rows):
                    if prow[jy] == year.group(1) and (kr, i, ja) in index and (kp, ip, jn) in index:
                        lines.append([(index[(kr, i, ja)], -1.0), (index[(kp, ip, jn)], 1.0)])
            for ks, ts in reasons:
                js, jn = ts.find("Fil"), ts.find("Antal")
                parts = [(ks, ip, jn) for ip, srow in enumerate(ts.rows) if srow[js] == row[jf]]
                if parts and (kr, i, jr) in index and all(c in index for c in parts):
                    lines.append([(index[(kr, i, jr)], -1.0)] + [(index[c], 1.0) for c in parts])
    return lines


def test_no_hidden_count_can_be_recovered_on_any_page(published_pages):
    recovered, attacked = [], 0
    for name, p in published_pages.items():
        values, codes, index, lines = page_cells(p)
        if not lines or not (codes == 1).any():
            continue
        where = {v: k for k, v in index.items()}
        try:
            exposed = disclosure.recoverable(values, codes, lines)
        except Exception as exc:  # the shown figures contradict their own totals
            pytest.fail(f"{name}: the published totals and parts cannot all be true: {exc}")
        attacked += 1
        for cell in exposed:
            k, i, j = where[cell]
            t = p.tables[k]
            recovered.append(f"{name} § {t.heading}: {t.headers[j]} of {t.rows[i][0]!r} (shown '<5') is recoverable")
    assert attacked, "no page had a '<5' inside a stated total: the attack had nothing to attack"
    assert not recovered, "\n".join(recovered)


def test_no_count_of_1_to_4_is_shown_in_the_clear(published_pages):
    shown = []
    for name, p in published_pages.items():
        for t in p.tables:
            for j in t.count_columns():
                if any(t.headers[j].startswith(h) for h in EXEMPT_HEADERS):
                    continue
                for r in t.rows:
                    if r and EXEMPT_FILES.search(r[0]):
                        continue
                    n = t.number(r[j]) if j < len(r) else None
                    if n is not None and 1 <= n <= 4:
                        shown.append(f"{name} § {t.heading}: {t.headers[j]} {r[0]!r} = {r[j]}")
        for m in SMALL_IN_TEXT.finditer(p.text):
            shown.append(f"{name}: '…{p.text[max(0, m.start() - 40):m.end() + 10]}…'")
    assert not shown, "\n".join(shown)
