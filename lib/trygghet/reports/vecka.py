"""Veckobild – EST och händelser (the weekly EST digest): the report module of ``notebooks/vecka.ipynb``.

The week's EST reports, municipal incidents and offences by area; what is unusual (the alarms of
:mod:`trygghet.analysis.alarms`, each in words with the measures already aimed at its area or problem:
"Intensifiera?"); what is new (a kind of report in an area where there was none in the eight weeks
before). ``period`` is an ISO week (``2025-W36``); empty, the latest complete week of ``year``.
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
from trygghet.reports import larmtext
from trygghet.reports.common import start_report

__all__ = ["SETTINGS", "start", "week", "summary", "alarms_text", "new_text", "area_table", "est_type_table",
           "method"]

#: the digest's alarm settings (defaults of :class:`trygghet.analysis.alarms.Settings`)
SETTINGS = alarms.Settings()
_QUIET = 8  # weeks without a report before one counts as new
_SOURCES = ("est", "kommunala", "brott")


def start(store: str | Path | None, year: int, period: str = "", lang: str = "sv") -> None:
    """The notebook's first call: the one parameter check, the week and the page's settings."""
    start_report(store, year, lang, where="vecka")
    week(store, year, period)


def week(store: str | Path | None, year: int, period: str = "") -> Period:
    """The digest's ISO week: ``period`` or the latest complete week of ``year``."""
    p = periodic.resolve_period(store, "week", period, year)
    if p.kind != "week":
        raise ParameterError(f"vecka: period {p.label} is not an ISO week; give e.g. {year}-W36 (the quarterly "
                             "picture, kvartal, takes quarters and months)")
    return p


@lru_cache(maxsize=4)
def _digest(store: str, label: str, stamp: str) -> periodic.Digest:
    return periodic.digest(store, week(store, 0, label), settings=SETTINGS, quiet=_QUIET)


def _get(store, year: int, period: str) -> periodic.Digest:
    p = week(store, year, period)
    folder = store_mod.store_dir(store)
    return _digest(str(folder), p.label, str(store_mod.store_info(folder).get("fingerprint", "")))


@lru_cache(maxsize=4)
def _page(store: str, label: str, stamp: str) -> dict[str, pd.DataFrame]:
    """The page's count tables (the week per area and source with "Hela kommunen"; EST per type with
    "Totalt" and the mean of the weeks before), protected together; the sentences read their totals here."""
    d = _digest(store, label, stamp)
    wide = d.counts.pivot_table(index="area", columns="source", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(_SOURCES), fill_value=0).reset_index()
    total = pd.DataFrame([{"area": "Hela kommunen", **{c: int(wide[c].sum()) for c in _SOURCES}}])
    by_area = pd.concat([wide, total], ignore_index=True).astype({c: "int64" for c in _SOURCES})
    series = alarms.count_series(store, "est", "week")
    before = series.loc[(series["period"] >= d.period.start - pd.Timedelta(weeks=_QUIET))
                        & (series["period"] < d.period.start)]
    now = series.loc[series["period"] == d.period.start].groupby("category")["count"].sum()
    types = pd.DataFrame({"n": now, "mean_before": before.groupby("category")["count"].sum() / _QUIET})
    types = types.fillna(0).reset_index(names="category")
    types["category"] = [larmtext.category_name("est", c) for c in types["category"]]
    types = pd.concat([types, pd.DataFrame([{"category": "Totalt", "n": types["n"].sum(),
                                             "mean_before": types["mean_before"].sum()}])], ignore_index=True)
    types["n"] = types["n"].astype("int64")
    return larmtext.protect_margins({"area": by_area, "types": types}, {"area": list(_SOURCES), "types": ["n"]},
                                    [("area", "est", "types", "n")])


def _shown(store, year: int, period: str, key: str) -> pd.DataFrame:
    p = week(store, year, period)
    folder = store_mod.store_dir(store)
    return _page(str(folder), p.label, str(store_mod.store_info(folder).get("fingerprint", "")))[key]


def summary(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """The week in a few sentences: the week, the counts per source (the page's table totals) against
    the eight weeks before, the number of alarms and of new kinds of reports."""
    d = _get(store, year, period)
    name = larmtext.period_name(d.period)
    lines = [f"**{name[:1].upper()}{name[1:]}.**", ""]
    totals = _shown(store, year, period, "area").iloc[-1]
    before = d.counts.groupby("source")["mean_before"].sum()
    for source in _SOURCES:
        label = larmtext.SOURCE_NAMES[source]
        lines.append(f"- {label[:1].upper()}{label[1:]}: {larmtext.cell_text(totals[source])} under veckan "
                     f"(i snitt {fmt.number(before.get(source, 0.0), 1)} per vecka de {_QUIET} veckorna före).")
    n_alarms = len(d.alarms)
    lines += ["", "Inget larm: inget område och ingen kategori har fler än väntat." if n_alarms == 0 else
              f"{n_alarms} larm: {'ett område och en kategori' if n_alarms == 1 else f'{n_alarms} par av område och kategori'} "
              "med fler än väntat (se nedan)."]
    if len(d.new):
        lines.append(f"{len(d.new)} nya: rapporter eller händelser av ett slag som inte har förekommit i området "
                     f"de {_QUIET} veckorna före.")
    return Markdown("\n".join(lines))


def alarms_text(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """Each alarm in words, with the measures already aimed at its area or problem."""
    d = _get(store, year, period)
    if d.alarms.empty:
        return Markdown(f"Inga larm {larmtext.period_name(d.period)}: inget av de {d.n_tests // 2} område–kategori-"
                        "par som prövades hade fler än väntat, vare sig under veckan eller de senaste fyra veckorna.")
    items = [f"- {larmtext.alarm_sentence(row)} "
             f"{larmtext.measures_sentence(store, d.period.year, row['area'], row['category'])}"
             for row in d.alarms.to_dict("records")]
    return Markdown("\n".join(items))


def new_text(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """What is new: a kind of report in an area where there was none in the eight weeks before."""
    d = _get(store, year, period)
    if d.new.empty:
        return Markdown(f"Inget nytt: allt som rapporterades under veckan har förekommit i samma område de "
                        f"{_QUIET} veckorna före.")
    items = [f"- **{r.area} – {larmtext.category_name(r.source, r.category).lower()}** "
             f"({larmtext.SOURCE_NAMES[r.source]}): {fmt.count(r.observed)} under veckan, inga de {_QUIET} veckorna före."
             for r in d.new.sort_values(["source", "area", "category"]).itertuples(index=False)]
    return Markdown("\n".join(items))


def area_table(store: str | Path | None, year: int, period: str = ""):
    """The week's counts per area and source, with the whole municipality (counts 1–4 shown as "<5")."""
    p = week(store, year, period)
    shown = larmtext.shown_text(_shown(store, year, period, "area"), list(_SOURCES))
    headers = {"area": "Område", "est": "EST-rapporter", "kommunala": "Kommunala händelser", "brott": "Anmälda brott"}
    return fmt.table(shown, headers=headers, caption=f"Rapporter och händelser {larmtext.period_name(p)}")


def est_type_table(store: str | Path | None, year: int, period: str = ""):
    """The week's EST reports per type in the whole municipality, beside the mean of the weeks before."""
    shown = larmtext.shown_text(_shown(store, year, period, "types"), ["n"])
    headers = {"category": "Typ", "n": "Under veckan", "mean_before": f"Snitt per vecka, {_QUIET} veckor före"}
    return fmt.table(shown, headers=headers, decimals={"mean_before": 1}, caption="EST-rapporter per typ, hela kommunen")


def method(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """How the expected level and the upper limit are computed, with this week's number of tests."""
    d = _get(store, year, period)
    return Markdown(larmtext.method_text(d.n_tests, SETTINGS, "week", "en vecka"))
