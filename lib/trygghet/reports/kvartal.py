"""Kvartalsbild för beredningsgruppen: the report module of ``notebooks/kvartal.ipynb``.

What changed in a quarter (or a month) against the same period last year and against the expected
level, by area and category, for offences, municipal incidents and EST reports
(:func:`trygghet.analysis.periodic.period_table`). Each area and category above its expected level is
said in words with the measures already aimed at it ("Intensifiera?"). ``period`` is a quarter
(``2025-Q3``) or a month (``2025-09``); empty, the latest complete quarter of ``year``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from trygghet.analysis import alarms, periodic
from trygghet.data import store as store_mod
from trygghet.data.errors import ParameterError
from trygghet.data.periods import Period
from trygghet.reports import format as fmt
from trygghet.reports import larmtext, wording
from trygghet.reports.common import start_report

__all__ = ["SETTINGS", "start", "period_of", "summary", "above_text", "area_table", "category_table", "method"]

#: the picture's settings for the expected level (defaults of :class:`trygghet.analysis.alarms.Settings`)
SETTINGS = alarms.Settings()
_SOURCES = ("est", "kommunala", "brott")
_NO_DATA = "inga uppgifter"  # the same period last year lies before the source's data begin


def start(store: str | Path | None, year: int, period: str = "", lang: str = "sv") -> None:
    """The notebook's first call: the one parameter check, the period and the page's settings."""
    start_report(store, year, lang, where="kvartal")
    period_of(store, year, period)


def period_of(store: str | Path | None, year: int, period: str = "") -> Period:
    """The picture's period: ``period`` (a quarter or a month) or the latest complete quarter of ``year``."""
    p = periodic.resolve_period(store, "quarter", period, year)
    if p.kind not in ("quarter", "month"):
        raise ParameterError(f"kvartal: period {p.label} is not a quarter or a month; give e.g. {year}-Q3 or "
                             f"{year}-09 (the weekly digest, vecka, takes ISO weeks)")
    return p


@lru_cache(maxsize=4)
def _table(store: str, label: str, stamp: str) -> pd.DataFrame:
    return periodic.period_table(store, period_of(store, 0, label), settings=SETTINGS)


def _get(store, year: int, period: str) -> tuple[Period, pd.DataFrame]:
    p = period_of(store, year, period)
    folder = store_mod.store_dir(store)
    return p, _table(str(folder), p.label, str(store_mod.store_info(folder).get("fingerprint", "")))


def _reading(n, n_last, reading) -> str:
    """The change word, or "ej mätbart" when either count is hidden on the page."""
    if larmtext.is_hidden(n) or larmtext.is_hidden(n_last):
        return wording.change_word("not_measurable")
    return wording.change_word(reading)


@lru_cache(maxsize=4)
def _page(store: str, label: str, stamp: str) -> dict[str, pd.DataFrame]:
    """Every count table of the page (per source: by area with "Hela kommunen", by category with
    "Totalt"), protected together: the sentences read their totals from here."""
    table = _table(store, label, stamp)
    tables, cols, same = {}, {}, []
    for source in _SOURCES:
        for by, total in (("area", "Hela kommunen"), ("category", "Totalt")):
            key = f"{source}:{by}"
            tables[key] = _by(table, source, by, total)
            cols[key] = ["n", "n_last_year"]
        same += [(f"{source}:area", c, f"{source}:category", c) for c in ("n", "n_last_year")]
    return larmtext.protect_margins(tables, cols, same)


def _shown(store, year: int, period: str, source: str, by: str) -> tuple[Period, pd.DataFrame]:
    p = period_of(store, year, period)
    folder = store_mod.store_dir(store)
    stamp = str(store_mod.store_info(folder).get("fingerprint", ""))
    return p, _page(str(folder), p.label, stamp)[f"{source}:{by}"]


def summary(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """The period in a few sentences: each source against the same period last year (the totals of the
    page's tables), and how many areas and categories were above their expected level."""
    p, table = _get(store, year, period)
    last = p.same_last_year()
    name = larmtext.period_name(p)
    lines = [f"**{name[:1].upper()}{name[1:]}**, jämfört med {larmtext.period_name(last)}.", ""]
    for source in _SOURCES:
        _, shown = _shown(store, year, period, source, "area")
        total = shown.iloc[-1]
        n, n_last = total["n"], total["n_last_year"]
        label = larmtext.SOURCE_NAMES[source]
        if n_last == _NO_DATA:
            lines.append(f"- {label[:1].upper()}{label[1:]}: {larmtext.cell_text(n)} (inga uppgifter för samma "
                         "period året före).")
            continue
        lines.append(f"- {label[:1].upper()}{label[1:]}: {larmtext.cell_text(n)} mot {larmtext.cell_text(n_last)} — "
                     f"{_reading(n, n_last, total['reading'])}.")
    above = table.loc[table["above"]]
    tested = int(table["n_tests"].iloc[0]) // 2 if len(table) else 0
    lines += ["", (f"Inget av de {tested} område–kategori-par som har ett förväntat läge låg över sin övre gräns."
                   if above.empty else
                   f"{len(above)} av {tested} område–kategori-par låg över sin övre gräns (se *Över det förväntade*).")]
    return Markdown("\n".join(lines))


def above_text(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """Each area and category above its expected level, in words, with the measures aimed at it."""
    p, table = _get(store, year, period)
    above = table.loc[table["above"]]
    if above.empty:
        return Markdown("Inget område och ingen kategori hade fler än förväntat under perioden.")
    items = []
    for r in above.itertuples(index=False):
        head = f"**{r.area} – {larmtext.category_name(r.source, r.category).lower()}** ({larmtext.SOURCE_NAMES[r.source]})"
        last = (f"samma period i fjol {fmt.count(r.n_last_year)} ({_reading(r.n, r.n_last_year, r.reading)})"
                if r.has_last_year else "inga uppgifter för samma period i fjol")
        items.append(f"- {head}: {fmt.count(r.n)} under perioden, väntat omkring {fmt.number(r.expected, 1)}, "
                     f"övre gräns {fmt.number(r.limit, 0)}; {last}. "
                     f"{larmtext.measures_sentence(store, p.year, r.area, r.category)}")
    return Markdown("\n".join(items))


def _by(table: pd.DataFrame, source: str, by: str, total_label: str) -> pd.DataFrame:
    sub = table.loc[table["source"] == source]
    if sub.empty:  # no data of the source in either period (EST before it began)
        return pd.DataFrame({by: [total_label], "n": [0], "n_last_year": [_NO_DATA], "reading": ["not_measurable"]})
    g = periodic.period_totals(sub, by)
    g = g.drop(columns="source")
    total = periodic.period_totals(sub.assign(**{by: total_label}), by).drop(columns="source")
    g = pd.concat([g, total], ignore_index=True)
    if not sub["has_last_year"].all():  # the source's data begin after the same period last year
        g["n_last_year"] = _NO_DATA
        g["reading"] = "not_measurable"
    if by == "category":
        g[by] = [c if c == total_label else larmtext.category_name(source, c) for c in g[by]]
    return g


def area_table(store: str | Path | None, year: int, source: str, period: str = ""):
    """One source per area: the period, the same period last year and the change (counts 1–4 "<5")."""
    return _change_table(store, year, source, period, "area", "Område")


def category_table(store: str | Path | None, year: int, source: str, period: str = ""):
    """One source per category (type) in the whole municipality, as :func:`area_table`."""
    return _change_table(store, year, source, period, "category", "Kategori" if source == "brott" else "Typ")


def _change_table(store, year: int, source: str, period: str, by: str, header: str):
    if source not in _SOURCES:
        raise ParameterError(f"kvartal: source must be one of {', '.join(_SOURCES)}, got {source!r}")
    p, shown = _shown(store, year, period, source, by)
    g = shown.copy()
    g["change"] = [_reading(a, b, r) for a, b, r in zip(g["n"], g["n_last_year"], g["reading"])]
    g = larmtext.shown_text(g.drop(columns="reading"), ["n", "n_last_year"])
    headers = {by: header, "n": larmtext.period_name(p).split(" (")[0].capitalize(),
               "n_last_year": "Samma period i fjol", "change": "Förändring"}
    label = larmtext.SOURCE_NAMES[source]
    return fmt.table(g, headers=headers,
                     caption=f"{label[:1].upper()}{label[1:]} per {'område' if by == 'area' else 'kategori'}")


def method(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """How the change against last year and the expected level are computed."""
    p, table = _get(store, year, period)
    n_tests = int(table["n_tests"].iloc[0]) if len(table) else 0
    change = ("**Förändring mot samma period i fjol** prövas med " + wording.test_name("poisson_count")
              + "; eftersom många jämförelser görs samtidigt justeras p-värdena med Benjamini–Hochberg. "
              "*Ökat* och *minskat* betyder en säker förändring, annars *ingen säker förändring*; "
              "ett antal under 5 visas som <5 och förändringen som *ej mätbart*.")
    what = "under en period" if p.kind == "quarter" else "en månad"
    _, used, _ = periodic.window_settings(p, SETTINGS)
    expected = larmtext.method_text(n_tests, used, "month", what)
    months = "tre månaderna" if p.kind == "quarter" else "månaden"
    return Markdown(change + "\n\n" + expected + f" Periodens förväntade antal är summan över de {months} "
                    "av månadsmodellen, skattad på månaderna före perioden.")
