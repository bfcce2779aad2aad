"""EST-veckosammanställning: the report module of ``notebooks/vecka.ipynb``.

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


def summary(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """The week in a few sentences: the week, the counts per source against the eight weeks before,
    the number of alarms and of new kinds of reports."""
    d = _get(store, year, period)
    lines = [f"**{larmtext.period_name(d.period)[:1].upper()}{larmtext.period_name(d.period)[1:]}.**", ""]
    totals = d.counts.groupby("source")[["n", "mean_before"]].sum()
    for source in ("est", "kommunala", "brott"):
        n = int(totals.loc[source, "n"]) if source in totals.index else 0
        mean = float(totals.loc[source, "mean_before"]) if source in totals.index else 0.0
        lines.append(f"- {larmtext.SOURCE_NAMES[source][:1].upper()}{larmtext.SOURCE_NAMES[source][1:]}: "
                     f"{fmt.count(n)} under veckan (i snitt {fmt.number(mean, 1)} per vecka de "
                     f"{_QUIET} veckorna före).")
    n_alarms = len(d.alarms)
    alarm_words = ("Inget larm: inget område och ingen kategori har fler än väntat." if n_alarms == 0 else
                   f"{n_alarms} {'larm' if n_alarms == 1 else 'larm'}: "
                   f"{'ett område och en kategori' if n_alarms == 1 else f'{n_alarms} kombinationer av område och kategori'} "
                   "med fler än väntat (se nedan).")
    lines += ["", alarm_words]
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
    items = []
    for row in d.alarms.to_dict("records"):
        items.append(f"- {larmtext.alarm_sentence(row)} "
                     f"{larmtext.measures_sentence(store, d.period.year, row['area'], row['category'])}")
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
    d = _get(store, year, period)
    wide = d.counts.pivot_table(index="area", columns="source", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=["est", "kommunala", "brott"], fill_value=0).reset_index()
    total = pd.DataFrame([{"area": "Hela kommunen", **{c: int(wide[c].sum()) for c in ("est", "kommunala", "brott")}}])
    table = pd.concat([wide, total], ignore_index=True)
    headers = {"area": "Område", "est": "EST-rapporter", "kommunala": "Kommunala händelser", "brott": "Anmälda brott"}
    return fmt.table(table, headers=headers, count_cols=["est", "kommunala", "brott"], by="area",
                     total="Hela kommunen", caption=f"Rapporter och händelser {larmtext.period_name(d.period)}")


def est_type_table(store: str | Path | None, year: int, period: str = ""):
    """The week's EST reports per type in the whole municipality, beside the mean of the weeks before."""
    d = _get(store, year, period)
    series = alarms.count_series(store, "est", "week")
    start_before = d.period.start - pd.Timedelta(weeks=_QUIET)
    now = series.loc[series["period"] == d.period.start].groupby("category")["count"].sum()
    before = series.loc[(series["period"] >= start_before) & (series["period"] < d.period.start)]
    mean = before.groupby("category")["count"].sum() / _QUIET
    table = pd.DataFrame({"n": now, "mean_before": mean}).fillna(0).reset_index(names="category")
    table["n"] = table["n"].astype("int64")
    table["category"] = [larmtext.category_name("est", c) for c in table["category"]]
    headers = {"category": "Typ", "n": "Under veckan", "mean_before": f"Snitt per vecka, {_QUIET} veckor före"}
    return fmt.table(table, headers=headers, count_cols=["n"], decimals={"mean_before": 1}, by="category",
                     caption="EST-rapporter per typ, hela kommunen")


def method(store: str | Path | None, year: int, period: str = "") -> Markdown:
    """How the expected level and the upper limit are computed, with this week's number of tests."""
    d = _get(store, year, period)
    return Markdown(larmtext.method_text(d.n_tests, SETTINGS, "week", "en vecka"))
