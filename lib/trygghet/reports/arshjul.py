"""The årshjul (the year's wheel) for the preparation group: when in the year, the week and the day
each offence category happens, beside the year's planned events — as a chart and two tables to plan
from. Called by the situation picture (:mod:`trygghet.reports.lagesbild`).

The numbers are :mod:`trygghet.analysis.seasonal`'s. A month's index gives its count back with the
category's total, so the counts pass the privacy gate first
(:func:`trygghet.analysis.disclosure.chart_data` over categories × months): a hidden count hides its
index too. A month is called high or low only for a category whose seasonal pattern is statistically
certain (chi-square test, adjusted over the categories).
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from trygghet.analysis import disclosure, indicators, seasonal
from trygghet.data.store import store_dir, store_info
from trygghet.reports import format as fmt
from trygghet.reports import plots
from trygghet.reports.chart import Chart, join_sv, text_colour_on

__all__ = ["SOURCE", "wheel_data", "wheel_chart", "month_display", "month_table", "pattern_display",
           "pattern_table", "method_text"]

SOURCE = "Polisen, anmälda brott; verksamhetsplanens evenemang"
_HIGH, _LOW = 1.2, 0.8


def wheel_data(store: str | Path | None, year: int, *, n_years: int = seasonal.DEFAULT_YEARS,
               alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """The gated month table (``index`` NaN and ``mark`` "<5"/"–" where the count is hidden; ``name``
    the category's Swedish name), the patterns and the years pooled. Computed once per store version
    and arguments in a report's process (the chart and both tables share it)."""
    key = (str(store_dir(store).resolve()), store_info(store).get("fingerprint"), int(year), int(n_years), float(alpha))
    gated, patterns, years = _wheel_data(*key)
    return gated.copy(), patterns.copy(), list(years)


@lru_cache(maxsize=8)
def _wheel_data(store: str, _fingerprint, year: int, n_years: int, alpha: float):
    years = seasonal.years_before(store, year, n_years)
    months = seasonal.month_index(store, years)
    patterns = seasonal.seasonal_patterns(months, alpha=alpha, high=_HIGH, low=_LOW)
    gated = disclosure.chart_data(months, "n", by=["category", "month"])
    gated["index"] = gated["index"].where(~gated["hidden"])
    gated["name"] = gated["category"].map(_name)
    return gated, patterns, years


def wheel_chart(store: str | Path | None, year: int, *, n_years: int = seasonal.DEFAULT_YEARS,
                alpha: float = 0.05) -> Chart:
    """The årshjul as a chart: categories (rows, most offences first) × months, the colour and the
    number the month's offences against an ordinary month (1,0); the year's planned events above their
    month. Categories with a certain seasonal pattern are marked with *. A :class:`~trygghet.reports.chart.Chart`:
    the alt text names the seasonal categories and their peak months and the events; the table holds
    every cell as drawn."""
    gated, patterns, years = wheel_data(store, year, n_years=n_years, alpha=alpha)
    order = patterns[patterns["n"] > 0].sort_values("n", ascending=False, kind="stable")
    seasonal_cats = set(order.loc[order["seasonal"], "category"])
    grid = gated.pivot(index="category", columns="month", values="index").reindex(index=order["category"],
                                                                                   columns=range(1, 13))
    marks = gated.pivot(index="category", columns="month", values="mark").reindex(index=order["category"],
                                                                                  columns=range(1, 13))
    annot = np.vectorize(lambda v: "" if pd.isna(v) else fmt.number(v, 1), otypes=[object])(grid.to_numpy(float))
    plots.set_theme()
    height = 2.2 + 0.36 * max(len(grid), 1)
    fig, (top, ax) = plt.subplots(2, 1, figsize=(11, height), layout="constrained",
                                  gridspec_kw={"height_ratios": [1.1, max(len(grid), 1) * 0.36]}, sharex=False)
    sns.heatmap(grid.astype(float), ax=ax, cmap="vlag", center=1.0, vmin=0.4, vmax=1.6, annot=annot, fmt="",
                annot_kws={"fontsize": 8}, linewidths=0.4, linecolor="white",
                cbar_kws={"label": "jämfört med en vanlig månad (1,0)", "shrink": 0.8})
    labels = [_name(c) + (" *" if c in seasonal_cats else "") for c in grid.index]
    mesh = ax.collections[0]
    for text in ax.texts:  # each number readable on its cell (4.5:1)
        x, y = text.get_position()
        text.set_color(text_colour_on(mesh.cmap(mesh.norm(grid.iat[int(y), int(x)]))[:3]))
    ax.set_facecolor("#eeeeee")  # hidden cells: grey, with their mark
    ax.grid(False)
    for (i, j), mark in np.ndenumerate(marks.fillna("").to_numpy()):
        if mark:
            ax.text(j + 0.5, i + 0.5, mark, ha="center", va="center", fontsize=8, color="#333333")
    ax.set_yticks(np.arange(len(grid)) + 0.5, labels, rotation=0)
    ax.set_xticks(np.arange(12) + 0.5, [fmt.month_name(m)[:3] for m in range(1, 13)], rotation=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    planned = seasonal.planned_events(store, year)
    _event_strip(top, planned, year)
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]) if years else str(year)
    note = ("* = säkert säsongsmönster. 1,0 = lika många brott per dag som årets genomsnitt; "
            "<5 och – = dolt (för få brott).")
    title = f"Årshjulet: brott per månad jämfört med en vanlig månad, {span}"
    fig = plots._finish(fig, top, title, SOURCE, note=note)
    cells = np.where(marks.fillna("").to_numpy() != "", marks.fillna("").to_numpy(), annot)
    table = pd.DataFrame(cells, columns=[fmt.month_name(m) for m in range(1, 13)])
    table.insert(0, "Brottskategori", labels)
    return Chart(fig, _alt_text(title, order, planned, year), table, title)


def month_display(store: str | Path | None, year: int, *, n_years: int = seasonal.DEFAULT_YEARS,
                  alpha: float = 0.05) -> pd.DataFrame:
    """The årshjul as a table, one row per month: the year's planned events and the categories with a
    certain seasonal pattern that have clearly more (index ≥ 1,2) or fewer (≤ 0,8) offences than in an
    ordinary month, with the index in brackets."""
    gated, patterns, years = wheel_data(store, year, n_years=n_years, alpha=alpha)
    certain = set(patterns.loc[patterns["seasonal"], "category"])
    shown = gated[gated["category"].isin(certain) & gated["index"].notna()]
    events = seasonal.planned_events(store, year)
    rows = []
    for m in range(1, 13):
        part = shown[shown["month"] == m].sort_values("index", ascending=False)
        evs = events[events["month"] == m]
        rows.append({
            "Månad": fmt.month_name(m).capitalize(),
            f"Planerade evenemang {year}": "; ".join(f"{n} ({_span(s, e)}, {a})" for n, s, e, a in
                                                      zip(evs["name"], evs["start"], evs["end"], evs["area"].fillna("hela kommunen")))
                                          or None,
            "Fler brott än vanligt": _listing(part[part["index"] >= _HIGH]),
            "Färre brott än vanligt": _listing(part[part["index"] <= _LOW].iloc[::-1]),
        })
    return pd.DataFrame(rows)


def month_table(store: str | Path | None, year: int, **kwargs):
    """:func:`month_display` as a table, with the rule in the caption."""
    years = seasonal.years_before(store, year, kwargs.get("n_years", seasonal.DEFAULT_YEARS))
    span = f"{years[0]}–{years[-1]}" if years else str(year)
    return fmt.table(month_display(store, year, **kwargs),
                     caption=f"Årshjulet {year}: evenemang och brottskategorier med säkert säsongsmönster "
                             f"({span}), index inom parentes (1,0 = en vanlig månad)")


def pattern_display(store: str | Path | None, year: int, *, n_years: int = seasonal.DEFAULT_YEARS,
                    window: int = seasonal.DEFAULT_WINDOW, alpha: float = 0.05) -> pd.DataFrame:
    """One row per category with offences: whether its seasonal pattern is certain, the months with
    most and fewest offences, the busiest weekday and the busiest ``window`` hours of the week with
    their share of the offences with a known time."""
    gated, patterns, years = wheel_data(store, year, n_years=n_years, alpha=alpha)
    peaks = seasonal.week_peaks(store, years, window=window).set_index("category")
    order = patterns[patterns["n"] > 0].sort_values("n", ascending=False, kind="stable")
    rows = []
    for p in order.itertuples(index=False):
        pk = peaks.loc[p.category]
        hidden_peak = pd.isna(pk["n_window"]) or disclosure.suppress_value(pk["n_window"])
        rows.append({
            "Brottskategori": _name(p.category),
            "Säkert säsongsmönster": "ja" if p.seasonal else "nej",
            "Flest brott": _months(p.high_months) if p.seasonal else None,
            "Färst brott": _months(p.low_months) if p.seasonal else None,
            "Vanligaste veckodag": None if hidden_peak else fmt.weekday_name(int(pk["busiest_weekday"])),
            f"Vanligaste {window} timmarna i veckan": None if hidden_peak else _window(pk),
            "Andel av brotten med känd tid": None if hidden_peak else
            f"{fmt.percent(pk['share'])} ({fmt.number(pk['ratio'], 1)} gånger det jämna)",
        })
    return pd.DataFrame(rows)


def pattern_table(store: str | Path | None, year: int, **kwargs):
    """:func:`pattern_display` as a table."""
    return fmt.table(pattern_display(store, year, **kwargs),
                     caption="Säsong, veckodag och tid på dygnet per brottskategori")


def method_text(year: int, n_years: int = seasonal.DEFAULT_YEARS, alpha: float = 0.05) -> str:
    """How the årshjul is made, in plain words (markdown)."""
    return (f"Årshjulet slår ihop de {n_years} senaste åren till och med {year}. En månads tal är antalet brott "
            "per dag i månaden delat med kategorins genomsnitt per dag: 1,0 är en vanlig månad, 1,3 betyder 30 % "
            "fler brott per dag än vanligt. Ett säsongsmönster räknas som *säkert* när ett chi-två-test visar att "
            f"månaderna skiljer sig mer än slumpen förklarar (p < {fmt.number(alpha, 2)} efter korrigering för "
            "att alla kategorier testas, Benjamini–Hochberg); bara då nämns månader med fler (1,2 eller mer) eller "
            "färre (0,8 eller mindre) brott. Veckans vanligaste timmar räknas på brott med känd starttid; "
            "fönstret kan gå över midnatt.")


# --- helpers -------------------------------------------------------------------------------------


def _alt_text(title: str, patterns: pd.DataFrame, events: pd.DataFrame, year: int) -> str:
    """The chart's key numbers in words: the categories with a certain seasonal pattern and their
    high months, and the year's events."""
    seasonal_rows = patterns[patterns["seasonal"]]
    said = [f"{_name(c)} (flest i {_months(h) or 'ingen enskild månad'})"
            for c, h in zip(seasonal_rows["category"], seasonal_rows["high_months"])]
    text = f"Värmekarta: {title}, en rad per brottskategori och en kolumn per månad. "
    text += ("Säkert säsongsmönster: " + join_sv(said) + ". ") if said else "Ingen kategori har ett säkert säsongsmönster. "
    names = [f"{n} ({fmt.month_name(int(m))})" for n, m in zip(events["name"], events["month"])]
    text += (f"Planerade evenemang {year}: " + join_sv(names) + ". ") if names else f"Inga planerade evenemang {year}. "
    return text + "Siffrorna finns i tabellen under diagrammet."



def _name(category: str) -> str:
    return indicators.definition(f"brott_{category}")["name_sv"]


def _listing(part: pd.DataFrame) -> str:
    return ", ".join(f"{n} ({fmt.number(i, 1)})" for n, i in zip(part["name"], part["index"])) or None


def _months(months) -> str:
    return ", ".join(fmt.month_name(int(m)) for m in months) or None


def _window(pk) -> str:
    start_day, start_hour, w = int(pk["weekday"]), int(pk["hour"]), int(pk["window"])
    end = start_day * 24 + start_hour + w
    end_day, end_hour = (end // 24) % 7, end % 24
    first = fmt.weekday_name(start_day)
    if end_hour == 0 and (end_day - start_day) % 7 == 1:
        return f"{first} {start_hour:02d}–24"
    if end_day == start_day:
        return f"{first} {start_hour:02d}–{end_hour:02d}"
    return f"{first} {start_hour:02d} – {fmt.weekday_name(end_day).lower()} {end_hour:02d}"


def _span(a, b) -> str:
    if pd.isna(b) or a.normalize() == b.normalize():
        return fmt.date(a).rsplit(" ", 1)[0]
    if a.month == b.month:
        return f"{a.day}–{fmt.date(b).rsplit(' ', 1)[0]}"
    return f"{fmt.date(a).rsplit(' ', 1)[0]} – {fmt.date(b).rsplit(' ', 1)[0]}"


def _event_strip(ax, events: pd.DataFrame, year: int) -> None:
    """The year's planned events as labels above their month (the top of the årshjul)."""
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.text(-0.1, 0.5, f"Planerade\nevenemang\n{year}", fontsize=8.5, fontweight="bold", ha="right", va="center",
            color="#222222")
    if events.empty:
        ax.text(6, 0.4, "Inga planerade evenemang registrerade för året.", ha="center", fontsize=8.5, color="#444444")
        return
    for m, part in events.groupby("month"):
        text = "\n".join(textwrap.fill(str(n), 14, break_long_words=False) for n in part["name"])
        ax.text(m - 0.5, 0.08 + 0.34 * (m % 2), text, ha="center", va="bottom", fontsize=7.5, color="#222222")
        ax.plot([m - 0.5], [0.0], marker="v", color="#333333", markersize=5, clip_on=False)
