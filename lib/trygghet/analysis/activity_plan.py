"""The activity plan (*verksamhetsplan*): its measures by prevention level, horizon and responsible
party, and the gaps an analyst looks for — a level or horizon without measures, a hot spot without a
situational measure, a level with measures but no indicator that moved.

Measures are decisions of the steering group, not personal data; their names may be published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.reports import format as fmt
from trygghet.analysis import indicators
from trygghet.data.store import read_table

__all__ = [
    "HEADERS_SV",
    "gaps",
    "level_evidence",
    "level_display",
    "measures_display",
    "commitments",
    "LEVELS",
    "HORIZONS",
    "RESPONSIBLE",
    "STATUSES",
    "measures",
    "level_horizon_counts",
    "portfolio_summary",
    "level_gaps",
    "area_measures",
]

LEVELS = ["universell", "selektiv", "indikerad", "situationell"]
HORIZONS = ["kort", "lång"]
RESPONSIBLE = ["kommun", "polis", "gemensam"]
STATUSES = ["planerad", "pågående", "genomförd", "avbruten"]
#: the definite form used in sentences ("den indikerade nivån")
_DEFINITE = {"universell": "universella", "selektiv": "selektiva", "indikerad": "indikerade", "situationell": "situationella"}


#: Swedish headers of this module's tables
HEADERS_SV = {
    "level": "Preventionsnivå",
    "horizon": "Tidsperspektiv",
    "n": "Åtgärder",
    "kommun": "Kommunen",
    "polis": "Polisen",
    "gemensam": "Gemensamt",
    "planerad": "Planerade",
    "pågående": "Pågående",
    "genomförd": "Genomförda",
    "avbruten": "Avbrutna",
    "cost_sek": "Kostnad (kr)",
    "responsible": "Ansvarig",
    "indicators": "Indikatorer med data",
    "improved": "Förbättrade",
    "worsened": "Försämrade",
    "unchanged": "Ingen säker förändring",
    "note": "Att uppmärksamma",
}


def gaps(store: str | Path | None, year: int, *, distance: float = 300.0, cell_size: float = 250.0) -> pd.DataFrame:
    """Every gap an analyst looks for, in Swedish sentences: levels or horizons without measures,
    areas with a significant hot spot (all offences, ``cell_size`` grid) but no situational measure
    within ``distance`` metres, and worsening risk factors that no measure aims at.
    Columns: ``Typ``, ``Lucka``."""
    from trygghet.analysis import hotspots

    rows = [{"Typ": "Preventionsnivå", "Lucka": g} for g in level_gaps(store, year)["gap"]]
    cells = hotspots.for_store(store, year, "alla", cell_size=cell_size)
    coverage = hotspots.measure_coverage(cells, measures(store, year, active_only=True), read_table(store, "safety_walks"), distance=distance)
    uncovered = coverage[~coverage["has_measure"]]
    for area, n in uncovered["area"].fillna("utanför områdena").value_counts().items():
        rows.append({"Typ": "Hot spot utan situationell åtgärd",
                     "Lucka": f"{area}: {n} hot spot-rutor utan situationell åtgärd inom {fmt.number(distance, 0)} m."})
    evidence = _indicator_evidence(store, year)
    unmet = evidence[(evidence["change_previous"] == "försämring") & ~evidence["has_measure"]]
    for r in unmet.itertuples(index=False):
        rows.append({"Typ": "Försämring utan åtgärd",
                     "Lucka": f"{r.name} har försämrats (jfr {int(r.previous_year)}) och ingen åtgärd i planen siktar på indikatorn."})
    if not rows:
        rows.append({"Typ": "–", "Lucka": "Inga luckor hittades."})
    return pd.DataFrame(rows, columns=["Typ", "Lucka"])


def level_evidence(store: str | Path | None, year: int) -> pd.DataFrame:
    """Per prevention level: the measures aimed at it beside the indicators that speak to it, and
    what stands out (measures without evidence, evidence without measures, worsening indicators).
    Columns: ``level``, ``n`` (measures, not cancelled), ``indicators`` (with data), ``improved``,
    ``worsened``, ``unchanged``, ``note``."""
    counts = level_horizon_counts(store, year).groupby("level")["n"].sum().reindex(LEVELS, fill_value=0)
    evidence = _indicator_evidence(store, year)
    rows = []
    for level in LEVELS:
        part = evidence[evidence["levels"].str.contains(level) & ~evidence["suppressed"].astype(bool)]
        improved = int((part["change_previous"] == "förbättring").sum())
        worsened = int((part["change_previous"] == "försämring").sum())
        notes = []
        if counts[level] > 0 and part.empty:
            notes.append("åtgärder men inget underlag")
        if counts[level] == 0 and len(part):
            notes.append("underlag men inga åtgärder")
        if worsened:
            names = part.loc[part["change_previous"] == "försämring", "name"].tolist()
            notes.append("försämrats: " + ", ".join(names))
        rows.append({"level": level, "n": int(counts[level]), "indicators": len(part), "improved": improved,
                     "worsened": worsened, "unchanged": len(part) - improved - worsened,
                     "note": "; ".join(notes) if notes else "–"})
    return pd.DataFrame(rows)


def level_display(store: str | Path | None, year: int, level: str) -> pd.DataFrame:
    """The indicators that speak to ``level`` with their latest value, interval and change, and
    whether a measure in the plan aims at each (a reading table)."""
    from trygghet.data.errors import ParameterError
    from trygghet.reports.situation_picture import panel_display

    if level not in LEVELS:
        raise ParameterError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    evidence = _indicator_evidence(store, year)
    part = evidence[evidence["levels"].str.contains(level)].reset_index(drop=True)
    shown = panel_display(part)
    shown.insert(1, "Faktor", part["factor"].map({"risk": "riskfaktor", "skydd": "skyddsfaktor"}).fillna(""))
    shown["Åtgärd i planen"] = part["has_measure"].map({True: "ja", False: "nej"})
    return shown


def measures_display(store: str | Path | None, year: int, area: str | None = None) -> pd.DataFrame:
    """The measures as a reading table (for one area: its own and the whole municipality's)."""
    table = area_measures(store, area, year) if area is not None else measures(store, year)
    if table.empty:
        return pd.DataFrame({"Åtgärd": ["Inga åtgärder i verksamhetsplanen."]})
    return pd.DataFrame({
        "Åtgärd": table["name"],
        "Nivå": table["level"],
        "Sikt": table["horizon"],
        "Ansvarig": table["responsible"],
        "Område": table["areas"],
        "Status": table["status"],
        "Start": table["start"].map(lambda d: "–" if pd.isna(d) else d.strftime("%Y-%m-%d")),
        "Kostnad": table["cost_sek"].map(lambda v: "–" if pd.isna(v) else fmt.number(v, 0) + "\u00a0kr"),
    })


def commitments(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """Each party's commitments in the activity plan: measures by status and their cost.
    Columns: ``responsible``, ``n``, ``planerad``, ``pågående``, ``genomförd``, ``avbruten``, ``cost_sek``."""
    table = measures(store, year, active_only=year is not None)
    by_status = pd.crosstab(table["responsible"], table["status"]).reindex(index=RESPONSIBLE, columns=STATUSES, fill_value=0)
    cost = table.groupby("responsible")["cost_sek"].sum(min_count=1).reindex(RESPONSIBLE)
    out = pd.concat([by_status.sum(axis=1).rename("n"), by_status, cost.rename("cost_sek")], axis=1)
    return out.rename_axis("responsible").reset_index()


def measures(store: str | Path | None, year: int | None = None, *, active_only: bool = False) -> pd.DataFrame:
    """The activity plan's measures, ordered by level, horizon and name.

    With ``year``, only measures that had started by the end of that year; with ``active_only``, also
    only those not cancelled and not ended before the year began. Columns as ``measures.parquet``
    (docs/store.md)."""
    table = read_table(store, "measures")
    if year is not None:
        table = table[table["start"].isna() | (table["start"].dt.year <= year)]
        if active_only:
            ended = table["end"].notna() & (table["end"].dt.year < year)
            table = table[(table["status"] != "avbruten") & ~ended]
    order = {level: i for i, level in enumerate(LEVELS)}
    return (
        table.assign(_o=table["level"].map(order), _h=table["horizon"].map({h: i for i, h in enumerate(HORIZONS)}))
        .sort_values(["_o", "_h", "name"])
        .drop(columns=["_o", "_h"])
        .reset_index(drop=True)
    )


def level_horizon_counts(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """Measures per prevention level × horizon (every combination, zeros included), not counting
    cancelled ones nor, with ``year``, those that ended before the year. Columns: ``level``, ``horizon``, ``n``, ``cost_sek``."""
    table = measures(store, year, active_only=year is not None)
    table = table[table["status"] != "avbruten"]
    grouped = table.groupby(["level", "horizon"]).agg(n=("measure_id", "size"), cost_sek=("cost_sek", "sum"))
    full = pd.MultiIndex.from_product([LEVELS, HORIZONS], names=["level", "horizon"])
    return grouped.reindex(full, fill_value=0).reset_index().astype({"n": int})


def portfolio_summary(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """One row per prevention level: number of measures by responsible party and status, and the cost.

    Columns: ``level``, ``n``, ``kommun``, ``polis``, ``gemensam``, ``planerad``, ``pågående``,
    ``genomförd``, ``avbruten``, ``cost_sek``."""
    table = measures(store, year, active_only=year is not None)
    by_party = pd.crosstab(table["level"], table["responsible"]).reindex(index=LEVELS, columns=RESPONSIBLE, fill_value=0)
    by_status = pd.crosstab(table["level"], table["status"]).reindex(index=LEVELS, columns=STATUSES, fill_value=0)
    cost = table.groupby("level")["cost_sek"].sum(min_count=1).reindex(LEVELS)
    out = pd.concat([by_party.sum(axis=1).rename("n"), by_party, by_status, cost.rename("cost_sek")], axis=1)
    return out.rename_axis("level").reset_index()


def level_gaps(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """Levels and horizons without a (non-cancelled) measure: the agreement asks for every level,
    short- and long-term, every year. Columns: ``level``, ``horizon``, ``gap`` (Swedish sentence)."""
    counts = level_horizon_counts(store, year)
    missing = counts[counts["n"] == 0]
    rows = []
    for level in LEVELS:
        part = missing[missing["level"] == level]
        if len(part) == len(HORIZONS):
            rows.append({"level": level, "horizon": "", "gap": f"Inga åtgärder på den {_DEFINITE[level]} nivån."})
        elif len(part) == 1:
            horizon = part["horizon"].iloc[0]
            rows.append({"level": level, "horizon": horizon, "gap": f"Inga åtgärder på {horizon} sikt på den {_DEFINITE[level]} nivån."})
    return pd.DataFrame(rows, columns=["level", "horizon", "gap"])


def _indicator_evidence(store, year: int) -> pd.DataFrame:
    """Every indicator (but the count of measures) with its latest value and change, and whether any
    measure names it in its ``indicators`` field."""
    from trygghet.reports.situation_picture import panel

    ids = [i for i in indicators.definitions()["id"] if i != "atgarder_per_niva"]
    table = panel(store, ids, year)
    named = set()
    for text in measures(store, year, active_only=True)["indicators"].dropna():
        named.update(t.strip() for t in str(text).split(",") if t.strip())
    table["has_measure"] = table["indicator"].isin(named)
    return table


def area_measures(store: str | Path | None, area: str, year: int | None = None) -> pd.DataFrame:
    """The measures that apply to ``area``: those naming it and those for the whole municipality.

    Columns as :func:`measures` plus ``scope`` (``området`` or ``hela kommunen``)."""
    links = read_table(store, "measure_areas")
    own = set(links.loc[links["area"] == area, "measure_id"])
    everywhere = set(links.loc[links["area"] == "hela kommunen", "measure_id"])
    table = measures(store, year)
    table = table[table["measure_id"].isin(own | everywhere)].copy()
    table["scope"] = table["measure_id"].map(lambda m: "området" if m in own else "hela kommunen")
    return table.reset_index(drop=True)
