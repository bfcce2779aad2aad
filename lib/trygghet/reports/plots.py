"""Charts for the reports: one theme, Swedish labels and numbers, every chart titled with what and when
and its source under it.

Each public function takes a tidy table from the library (``indicators.compute``, ``situation_picture``
...) and returns a :class:`trygghet.reports.chart.Chart`: the matplotlib figure with a Swedish alt text
that states its key numbers and its numbers as a table (collapsed under the picture); notebooks only
display it. Text drawn on coloured marks is black or white, whichever reaches 4.5:1 contrast. Colours are colour-blind safe
(seaborn's ``colorblind`` palette; a sequential ``rocket``-free blue scale for heat maps).

A chart's data passes the privacy gate :func:`trygghet.analysis.disclosure.chart_data` before it is
drawn: hidden values (1–4 and their secondary partners, or rows ``compute`` flagged ``suppressed``) are
not drawn; no threshold is applied here. Counts of measures or sub-goals are not about persons and are
drawn as they are.
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from trygghet.analysis import disclosure  # noqa: E402
from trygghet.data.errors import ParameterError  # noqa: E402
from trygghet.reports import format as fmt  # noqa: E402
from trygghet.reports.chart import Chart, join_sv, text_colour_on  # noqa: E402

__all__ = [
    "set_theme",
    "PALETTE",
    "STATUS_COLOURS",
    "trend_chart",
    "small_multiples",
    "interval_chart",
    "ranked_bar_chart",
    "weekday_hour_heatmap",
    "month_chart",
    "follow_up_chart",
    "level_chart",
]

#: the colour-blind-safe palette every chart uses (seaborn "colorblind")
PALETTE = sns.color_palette("colorblind")
#: follow-up status colours (blue = on track, orange = at risk, vermilion = off track, grey = not measurable)
STATUS_COLOURS = {"på väg": "#0072B2", "risk": "#E69F00", "ej på väg": "#D55E00", "ej mätbart": "#999999"}
#: text drawn in a chart's own colours: the palette's green darkened to 4.5:1 on white
REFERENCE_TEXT_COLOUR = "#00704f"
_SOURCE_PREFIX = "Källa: "
_SEE_TABLE = "Alla värden finns i tabellen under diagrammet."


def set_theme() -> None:
    """Set the one theme of all reports (seaborn whitegrid, colour-blind palette, readable sizes)."""
    sns.set_theme(
        style="whitegrid",
        palette=PALETTE,
        rc={
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "figure.figsize": (9, 4.6),
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 11,
            "legend.frameon": False,
            "font.family": "DejaVu Sans",
            "axes.formatter.use_locale": False,
        },
    )


def trend_chart(
    table: pd.DataFrame,
    *,
    x: str = "year",
    y: str = "value",
    hue: str | None = None,
    title: str,
    ylabel: str,
    source: str,
    decimals: int = 1,
    band: bool = True,
) -> Figure:
    """Lines over the years, one per ``hue`` group, with the 95 % interval as a band where present.

    ``table`` needs ``x`` and ``y`` columns (and ``lower``/``upper`` for the band). Suppressed rows
    (``suppressed`` True) are not drawn.
    """
    data = _visible(table, y)
    fig, ax = _figure()
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=False))
    for i, (name, part) in enumerate(groups):
        part = part.sort_values(x)
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(part[x], part[y], marker="o", color=colour, label=None if name is None else str(name))
        if band and {"lower", "upper"} <= set(part.columns) and part["lower"].notna().any():
            ax.fill_between(part[x], part["lower"], part["upper"], color=colour, alpha=0.15, linewidth=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(_number_formatter(decimals))
    ax.set_xlabel("År" if x == "year" else "")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    if hue is not None and len(groups) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    value = lambda v: fmt.number(v, decimals)  # noqa: E731
    parts = []
    for name, part in groups[:8]:
        part = part.sort_values(x)
        if not len(part):
            continue
        first, last = part.iloc[0], part.iloc[-1]
        said = f"{value(first[y])} år {int(first[x])} och {value(last[y])} år {int(last[x])}" if len(part) > 1 else \
            f"{value(last[y])} år {int(last[x])}"
        parts.append(said if name is None else f"{name}: {said}")
    alt = f"Linjediagram: {title}. " + (f"{ylabel.capitalize()}: " if ylabel else "") + "; ".join(parts) + ". " + _SEE_TABLE
    return Chart(_finish(fig, ax, title, source), alt, _long_table(data, x, y, hue, decimals), title)


def small_multiples(
    table: pd.DataFrame,
    *,
    facet: str,
    title: str,
    ylabel: str,
    source: str,
    x: str = "year",
    y: str = "value",
    columns: int = 5,
) -> Figure:
    """One small line chart per ``facet`` value (e.g. offence category), each with its own y scale and
    the 95 % interval as a band, ordered by the latest value."""
    data = _visible(table, y)
    latest = data[data[x] == data[x].max()].set_index(facet)[y].sort_values(ascending=False)
    names = list(latest.index) + [n for n in data[facet].unique() if n not in latest.index]
    rows = int(np.ceil(len(names) / columns))
    set_theme()
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.0 * rows + 0.8), layout="constrained", squeeze=False)
    for ax, name in zip(axes.flat, names):
        part = data[data[facet] == name].sort_values(x)
        ax.plot(part[x], part[y], marker="o", markersize=3, color=PALETTE[0])
        if {"lower", "upper"} <= set(part.columns):
            ax.fill_between(part[x], part["lower"], part["upper"], color=PALETTE[0], alpha=0.15, linewidth=0)
        ax.set_title(str(name), fontsize=10, fontweight="normal")
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        ax.yaxis.set_major_formatter(_number_formatter(1))
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    fig.supylabel(ylabel, fontsize=10)
    fig.text(0.01, -0.02, _SOURCE_PREFIX + source.removeprefix(_SOURCE_PREFIX) + "  Banden visar 95 % konfidensintervall.",
             ha="left", va="top", fontsize=8.5, color="#444444")
    plt.close(fig)
    last = int(data[x].max()) if len(data) else None
    ranked = [f"{n} {fmt.number(latest[n], 1)}" for n in latest.index]
    alt = (f"Små linjediagram, ett per slag: {title}. {ylabel.capitalize()} år {last}, från högst till lägst: "
           + join_sv(ranked) + ". " + _SEE_TABLE) if ranked else f"Små linjediagram: {title}. Inga värden att visa."
    return Chart(fig, alt, _long_table(data, x, y, facet, 1), title)


def interval_chart(
    table: pd.DataFrame,
    *,
    label: str = "area",
    title: str,
    xlabel: str,
    source: str,
    reference: float | None = None,
    reference_label: str = "Hela kommunen",
    percent: bool = False,
    highlight: str | None = None,
) -> Figure:
    """Point estimates with 95 % intervals, one row per ``label`` (sorted by value); suppressed rows
    are listed as "uppgift saknas (för få)" without a value."""
    data = table.copy().reset_index(drop=True)
    data["_hidden"] = _hidden_rows(data, "value")
    shown = data[~data["_hidden"]].sort_values("value")
    hidden = data[data["_hidden"]]
    labels = list(shown[label].astype(str)) + [f"{v} (för få svar/fall)" for v in hidden[label].astype(str)]
    fig, ax = _figure(height=max(2.6, 0.38 * len(labels) + 1.4))
    ypos = np.arange(len(shown))
    colours = [PALETTE[3] if highlight is not None and str(v) == highlight else PALETTE[0] for v in shown[label]]
    err = np.vstack([shown["value"] - shown["lower"], shown["upper"] - shown["value"]]).clip(min=0)
    ax.errorbar(shown["value"], ypos, xerr=err, fmt="none", ecolor="#555555", elinewidth=1.2, capsize=3)
    ax.scatter(shown["value"], ypos, color=colours, zorder=3, s=36)
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    if reference is not None and not pd.isna(reference):
        ax.axvline(reference, color=PALETTE[2], linestyle="--", linewidth=1.2)
        ax.text(reference, len(labels) - 0.4, f" {reference_label}", color=REFERENCE_TEXT_COLOUR, va="top", fontsize=9)
    top = float(np.nanmax(shown["upper"])) if len(shown) and shown["upper"].notna().any() else 0.0
    ax.xaxis.set_major_formatter(_percent_formatter() if percent else _number_formatter(0 if top >= 20 else 1))
    ax.set_xlabel(xlabel)
    ax.set_xlim(left=0)
    ax.grid(axis="y", visible=False)
    decimals = 1  # a rate with its decimal, so that no reader (or check) takes it for a count
    value = (lambda v: fmt.percent(v, 0)) if percent else (lambda v: fmt.number(v, decimals))  # noqa: E731
    ival = lambda r: fmt.interval(r["lower"], r["upper"], 0 if percent else decimals, as_percent=percent)  # noqa: E731
    said = [f"högst {r[label]} {value(r['value'])} ({ival(r)})" for _, r in shown.tail(1).iloc[::-1].iterrows()]
    said += [f"lägst {r[label]} {value(r['value'])} ({ival(r)})" for _, r in shown.head(1).iterrows()] if len(shown) > 1 else []
    if reference is not None and not pd.isna(reference):
        said.append(f"{reference_label.lower()} {value(reference)}")
    alt = f"Diagram med 95 % konfidensintervall: {title}. {xlabel.capitalize()}: " + join_sv(said) + "."
    if len(hidden):
        alt += f" {len(hidden)} saknar värde (för få svar eller fall)."
    rows = [{"": str(r[label]), xlabel.capitalize(): value(r["value"]), "95 % KI": ival(r)}
            for _, r in shown.iloc[::-1].iterrows()]
    rows += [{"": str(r[label]), xlabel.capitalize(): "för få", "95 % KI": fmt.MISSING}
             for _, r in hidden.iterrows()]
    if reference is not None and not pd.isna(reference):
        rows.append({"": reference_label, xlabel.capitalize(): value(reference), "95 % KI": fmt.MISSING})
    return Chart(_finish(fig, ax, title, source, note="Linjerna visar 95 % konfidensintervall."), alt + " " + _SEE_TABLE,
                 pd.DataFrame(rows).rename(columns={"": _LABEL_HEADERS.get(label, "Namn")}), title)


def ranked_bar_chart(
    table: pd.DataFrame,
    *,
    label: str,
    value: str = "value",
    title: str,
    xlabel: str,
    source: str,
    percent: bool = False,
    decimals: int = 1,
) -> Figure:
    """Horizontal bars ranked from largest to smallest, with interval whiskers where present."""
    data = _visible(table, value).sort_values(value, ascending=True)
    fig, ax = _figure(height=max(2.6, 0.38 * len(data) + 1.4))
    ypos = np.arange(len(data))
    ax.barh(ypos, data[value], color=PALETTE[0], height=0.6)
    if {"lower", "upper"} <= set(data.columns):
        err = np.vstack([data[value] - data["lower"], data["upper"] - data[value]]).clip(min=0)
        ax.errorbar(data[value], ypos, xerr=err, fmt="none", ecolor="#333333", elinewidth=1, capsize=2)
    ax.set_yticks(ypos, data[label].astype(str))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # ticks that need no rounding
    ax.xaxis.set_major_formatter(_percent_formatter() if percent else _number_formatter(decimals))
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    value_text = (lambda v: fmt.percent(v, 0)) if percent else (lambda v: fmt.number(v, decimals))  # noqa: E731
    top = data.iloc[::-1]
    said = [f"{r[label]} {value_text(r[value])}" for _, r in top.head(3).iterrows()]
    alt = f"Liggande stapeldiagram: {title}. {xlabel.capitalize()}, störst: " + join_sv(said)
    if len(top) > 3:
        alt += f"; minst: {top.iloc[-1][label]} {value_text(top.iloc[-1][value])}"
    table = pd.DataFrame({_LABEL_HEADERS.get(label, "Namn"): top[label].astype(str),
                          xlabel.capitalize(): [value_text(v) for v in top[value]]})
    if {"lower", "upper"} <= set(top.columns):
        table["95 % KI"] = [fmt.interval(lo, hi, decimals, as_percent=percent)
                                            for lo, hi in zip(top["lower"], top["upper"])]
    return Chart(_finish(fig, ax, title, source), alt + ". " + _SEE_TABLE, table, title)


def weekday_hour_heatmap(table: pd.DataFrame, *, title: str, source: str, value: str = "n") -> Figure:
    """Weekday (rows, Monday first) × hour (columns) heat map of counts; the gate's hidden cells show
    "<5" (or "–" for a partner hidden so that the row and column totals do not give them away)."""
    grid = table.pivot_table(index="weekday", columns="hour", values=value, aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=range(7), columns=range(24), fill_value=0)
    long = grid.stack().rename(value).reset_index()
    gated = disclosure.chart_data(long, value, by=["weekday", "hour"])
    shown = gated.pivot(index="weekday", columns="hour", values=value).reindex(index=range(7), columns=range(24))
    marks = gated.pivot(index="weekday", columns="hour", values="mark").reindex(index=range(7), columns=range(24))
    annot = np.where(marks.to_numpy() != "", marks.to_numpy(), shown.fillna(0).astype(int).astype(str).to_numpy())
    fig, ax = _figure(width=11, height=4.2)
    sns.heatmap(
        shown.fillna(0),
        ax=ax,
        cmap="Blues",
        annot=annot,
        fmt="",
        annot_kws={"fontsize": 7},
        cbar_kws={"label": "Antal brott"},
        linewidths=0.3,
        linecolor="white",
    )
    ax.set_yticks(np.arange(7) + 0.5, [fmt.weekday_name(d) for d in range(7)], rotation=0)
    ax.set_xlabel("Timme (då brottet började)")
    ax.set_ylabel("")
    for text, colour in zip(ax.texts, ax.collections[0].get_facecolors()):  # each number readable on its cell
        text.set_color(text_colour_on(colour[:3]))
    cells = gated[gated["mark"] == ""].sort_values(value, ascending=False, kind="stable").head(3)
    said = [f"{fmt.weekday_name(r['weekday'])} klockan {int(r['hour']):02d}–{int(r['hour']) + 1:02d} "
            f"({fmt.number(r[value], 0)} brott)" for _, r in cells.iterrows()]
    alt = (f"Värmekarta över veckodag och timme: {title}. Flest brott: " + join_sv(said) + ". "
           if said else f"Värmekarta över veckodag och timme: {title}. ")
    shown_text = pd.DataFrame(annot, index=range(7), columns=range(24))
    table = pd.DataFrame({"Timme": [f"{h:02d}–{h + 1:02d}" for h in range(24)]})
    for d in range(7):
        table[fmt.weekday_name(d).capitalize()] = shown_text.loc[d].to_list()
    return Chart(_finish(fig, ax, title, source, note="Brott med okänd tidpunkt ingår inte."), alt + _SEE_TABLE,
                 table, title)


def month_chart(table: pd.DataFrame, *, title: str, source: str, hue: str | None = None, value: str = "n") -> Figure:
    """Counts per month (Swedish month names), one line per ``hue`` group; months the privacy gate hides
    (1–4, and a partner so that the year's total does not give them away) are not drawn."""
    data = table.copy()
    fig, ax = _figure()
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=False))
    hidden = False
    said, columns = [], {"Månad": [fmt.month_name(m) for m in range(1, 13)]}
    for i, (name, part) in enumerate(groups):
        part = part.set_index("month").reindex(range(1, 13), fill_value=0).reset_index()
        gated = disclosure.chart_data(part[["month", value]], value, by="month")
        hidden |= bool(gated["hidden"].any())
        ax.plot(gated["month"], gated[value], marker="o", color=PALETTE[i % len(PALETTE)], label=name)
        columns["Antal brott" if name is None else str(name)] = [
            m if m else fmt.number(v, 0) for v, m in zip(gated[value], gated["mark"])]
        seen = gated[gated["mark"] == ""].sort_values(value, kind="stable")
        if len(seen):
            high, low = seen.iloc[-1], seen.iloc[0]
            said.append(("" if name is None else f"{name}: ") + f"flest i {fmt.month_name(high['month'])} "
                        f"({fmt.number(high[value], 0)}), färst i {fmt.month_name(low['month'])} ({fmt.number(low[value], 0)})")
    ax.set_xticks(range(1, 13), [fmt.month_name(m)[:3] for m in range(1, 13)])
    ax.yaxis.set_major_formatter(_number_formatter(0))
    ax.set_ylabel("Antal brott")
    ax.set_xlabel("")
    ax.set_ylim(bottom=0)
    if hue is not None and len(groups) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    note = "Månader med 1–4 brott (och en månad till, så att de inte kan räknas fram) visas inte."
    alt = f"Linjediagram över årets månader: {title}. " + ("; ".join(said) + ". " if said else "") + _SEE_TABLE
    return Chart(_finish(fig, ax, title, source, note=note if hidden else None), alt, pd.DataFrame(columns), title)


def follow_up_chart(table: pd.DataFrame, *, title: str | None = None, source: str | None = None) -> Figure:
    """How many sub-goals have each status (på väg, risk, ej på väg, ej mätbart): a one-bar summary
    for the email and the follow-up report. ``table`` is ``indicators.follow_up(store, year)``."""
    order = list(STATUS_COLOURS)
    counts = table["status"].value_counts().reindex(order, fill_value=0)
    fig, ax = _figure(width=8, height=2.3)
    left = 0
    for status, n in counts.items():
        if n == 0:
            continue
        ax.barh([0], [n], left=left, color=STATUS_COLOURS[status], height=0.6)
        ax.text(left + n / 2, 0, f"{status}\n{n}", ha="center", va="center", color=text_colour_on(STATUS_COLOURS[status]),
                fontsize=10, fontweight="bold")
        left += n
    ax.set_xlim(0, max(left, 1))
    ax.set_yticks([])
    ax.set_xlabel("Antal delmål")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(visible=False)
    year = table["latest_year"].max() if "latest_year" in table and table["latest_year"].notna().any() else None
    default_title = "Delmålens status" + (f" {int(year)}" if year is not None else "")
    title = title or default_title
    said = join_sv([f"{n} {status}" for status, n in counts.items()])
    alt = f"Stapel uppdelad efter status: {title}. Av {int(counts.sum())} delmål är {said}."
    table = pd.DataFrame({"Status": list(counts.index), "Delmål": [str(int(n)) for n in counts]})
    return Chart(_finish(fig, ax, title, source or "styrgruppens mål (mal.yaml); trygghet"), alt, table, title)


def level_chart(table: pd.DataFrame, *, title: str, source: str) -> Figure:
    """Measures per prevention level, stacked by horizon (kort/lång). ``table`` has ``level``,
    ``horizon`` and ``n`` columns; every level is shown, also one without measures."""
    levels = ["universell", "selektiv", "indikerad", "situationell"]
    grid = table.pivot_table(index="level", columns="horizon", values="n", aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=levels, columns=["kort", "lång"], fill_value=0)
    fig, ax = _figure(height=3.2)
    left = np.zeros(len(levels))
    for i, horizon in enumerate(grid.columns):
        label = "kort sikt" if horizon == "kort" else "lång sikt"
        ax.barh(levels, grid[horizon], left=left, color=PALETTE[i], label=label, height=0.6)
        left += grid[horizon].to_numpy()
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Antal åtgärder")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", visible=False)
    said = [f"{level} {int(grid.loc[level].sum())} ({int(grid.loc[level, 'kort'])} på kort och "
            f"{int(grid.loc[level, 'lång'])} på lång sikt)" for level in levels]
    alt = f"Liggande staplar per preventionsnivå: {title}. Antal åtgärder: " + join_sv(said) + "."
    table = pd.DataFrame({"Preventionsnivå": levels, "Åtgärder på kort sikt": [str(int(v)) for v in grid["kort"]],
                          "Åtgärder på lång sikt": [str(int(v)) for v in grid["lång"]],
                          "Åtgärder totalt": [str(int(v)) for v in grid.sum(axis=1)]})
    return Chart(_finish(fig, ax, title, source), alt, table, title)


# --- helpers -------------------------------------------------------------------------------------


def _figure(width: float = 9, height: float = 4.6):
    set_theme()
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, ax


def _finish(fig: Figure, ax, title: str, source: str, note: str | None = None) -> Figure:
    if not title or not source:
        raise ParameterError("every chart needs a title and a source; pass title= and source=")
    ax.set_title(title)
    caption = _SOURCE_PREFIX + source.removeprefix(_SOURCE_PREFIX)
    if note:
        caption = note + "  " + caption
    fig.text(0.01, -0.02, caption, ha="left", va="top", fontsize=8.5, color="#444444")
    plt.close(fig)
    return fig


#: the first column's header of a chart's table, by the column the chart labels its marks with
_LABEL_HEADERS = {"area": "Område", "name": "Indikator", "year": "År", "category": "Brottskategori"}


def _long_table(data: pd.DataFrame, x: str, y: str, hue: str | None, decimals: int) -> pd.DataFrame:
    """A line chart's drawn values as a table: one row per ``x`` (year), one column per group, the 95 %
    interval beside the value where the data has one."""
    has_band = {"lower", "upper"} <= set(data.columns)
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=False))
    rows: dict = {}
    for name, part in groups:
        for _, r in part.iterrows():
            text = fmt.number(r[y], decimals)
            if has_band and pd.notna(r["lower"]) and pd.notna(r["upper"]):
                text += f" ({fmt.interval(r['lower'], r['upper'], decimals)})"
            column = "Värde" if name is None else str(name)
            rows.setdefault(r[x], {})[column + (" (95 % KI)" if has_band else "")] = text
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index().fillna(fmt.MISSING)
    table.index = [str(int(v)) if isinstance(v, (int, np.integer, float)) and float(v).is_integer() else str(v)
                   for v in table.index]
    return table.rename_axis("År" if x == "year" else "Period").reset_index()


def _hidden_rows(table: pd.DataFrame, value: str = "value") -> np.ndarray:
    """Rows the privacy gate does not let a chart draw: those ``compute`` flagged ``suppressed``
    (through :func:`trygghet.analysis.disclosure.chart_data`) and rows without a value."""
    if "suppressed" not in table.columns or value not in table.columns:
        return table[value].isna().to_numpy() if value in table.columns else np.zeros(len(table), dtype=bool)
    return disclosure.chart_data(table, value)["hidden"].to_numpy()


def _visible(table: pd.DataFrame, value: str = "value") -> pd.DataFrame:
    return table.reset_index(drop=True)[~_hidden_rows(table, value)]


def _number_formatter(decimals: int) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: fmt.number(v, decimals=decimals))


def _percent_formatter() -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: fmt.percent(v, decimals=0))

