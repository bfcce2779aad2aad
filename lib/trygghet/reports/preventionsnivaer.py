"""Åtgärder per preventionsnivå: the report module of ``notebooks/preventionsnivaer.ipynb``.

The activity plan's measures per prevention level and horizon, who is responsible and what they cost,
the gaps ("Luckor") and the indicators beside each level. The queries are
:mod:`trygghet.analysis.activity_plan`; hot spots without a situational measure are
:mod:`trygghet.analysis.coverage`'s one rule on the same cells as the hot-spot report
(``brottskoncentrationer`` with group ``alla``, 250 m cells, 300 m), so both say the same numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.analysis import activity_plan, coverage
from trygghet.analysis.problems import split_ids as problems_ids
from trygghet.data.errors import ParameterError
from trygghet.reports import common
from trygghet.reports import format as fmt
from trygghet.reports import maps, plots, problemregister
from trygghet.reports.common import panel_display, start_report

__all__ = [
    "HEADERS_SV",
    "start",
    "level_chart",
    "portfolio_table",
    "gaps",
    "gaps_table",
    "evidence_table",
    "level_display",
    "level_table",
    "measures_display",
    "measures_table",
    "later_measures_display",
    "later_measures_table",
    "problem_summary",
    "problem_level_table",
    "problem_flags_table",
]

#: Swedish headers of the activity plan's frames
HEADERS_SV = {
    "level": "Preventionsnivå", "horizon": "Tidsperspektiv", "n": "Åtgärder", "kommun": "Kommunen",
    "polis": "Polisen", "gemensam": "Gemensamt", "planerad": "Planerade", "pågående": "Pågående",
    "genomförd": "Genomförda", "avbruten": "Avbrutna", "cost_sek": "Kostnad (kr)", "responsible": "Ansvarig",
    "indicators": "Indikatorer med data", "improved": "Förbättrade", "worsened": "Försämrade",
    "unchanged": "Ingen säker förändring", "note": "Att uppmärksamma",
}
#: the definite form used in sentences ("den indikerade nivån")
_DEFINITE = {"universell": "universella", "selektiv": "selektiva", "indikerad": "indikerade", "situationell": "situationella"}
_SCOPE_SV = {"area": "området", "whole_municipality": "hela kommunen"}


def start(store: str | Path | None, year: int, lang: str = "sv") -> None:
    """The notebook's first call: the one parameter check and the page's settings."""
    start_report(store, year, lang, where="preventionsnivaer")


def level_chart(store: str | Path | None, year: int):
    """The measures per level and horizon as a chart."""
    return plots.level_chart(activity_plan.level_horizon_counts(store, year),
                             title=f"Verksamhetsplanens åtgärder per preventionsnivå {year}",
                             source="Verksamhetsplanen (atgarder.xlsx)")


def portfolio_table(store: str | Path | None, year: int):
    """The measures per level by responsible party and status, and their cost."""
    return fmt.table(activity_plan.portfolio_summary(store, year), headers=HEADERS_SV, decimals={"cost_sek": 0})


def gaps(store: str | Path | None, year: int, *, distance: float = coverage.DEFAULT_DISTANCE,
         cell_size: float = coverage.DEFAULT_CELL_SIZE) -> pd.DataFrame:
    """Every gap an analyst looks for, in Swedish sentences: levels or horizons without measures;
    per area, the hot-spot cells (all offences, ``cell_size`` grid, the store's study area) that no
    situational measure covers by the one rule (:func:`trygghet.analysis.coverage.for_store` — the same
    numbers as the hot-spot report's table per area); and worsened indicators no measure aims at.
    Columns: ``Typ``, ``Lucka``."""
    rows = []
    for r in activity_plan.level_gaps(store, year).itertuples(index=False):
        text = (f"Inga åtgärder på den {_DEFINITE[r.level]} nivån." if pd.isna(r.horizon)
                else f"Inga åtgärder på {r.horizon} sikt på den {_DEFINITE[r.level]} nivån.")
        rows.append({"Typ": "Preventionsnivå", "Lucka": text})
    cov = coverage.for_store(store, year, coverage.DEFAULT_GROUP, cell_size=cell_size, distance=distance)
    by_area = coverage.uncovered_by_area(cov)
    for area, n in zip(by_area["area"], by_area["uncovered"]):
        if n:
            name = maps.OUTSIDE_AREAS_LABEL if area == coverage.OUTSIDE_AREAS else area
            rows.append({"Typ": "Hot spot utan situationell åtgärd",
                         "Lucka": f"{name}: {n} av {int(by_area.loc[by_area['area'] == area, 'cells'].iloc[0])} hot spot-rutor "
                                  f"utan situationell åtgärd inom {fmt.number(distance, 0)} m."})
    for r in activity_plan.worsened_without_measure(store, year).itertuples(index=False):
        rows.append({"Typ": "Försämring utan åtgärd",
                     "Lucka": f"{r.name} har försämrats (jfr {int(r.previous_year)}) och ingen åtgärd i planen siktar på indikatorn."})
    if not rows:
        rows.append({"Typ": "–", "Lucka": "Inga luckor hittades."})
    return pd.DataFrame(rows, columns=["Typ", "Lucka"])


def gaps_table(store: str | Path | None, year: int, *, distance: float = coverage.DEFAULT_DISTANCE,
               cell_size: float = coverage.DEFAULT_CELL_SIZE):
    """:func:`gaps` as a table, with the hot-spot rule stated under it."""
    rule = (f"Hot spot-rutor: alla brott {year}, rutor om {fmt.number(cell_size, 0)} m i kommunens analysområde, som i "
            f"rapporten Brottskoncentrationer. En situationell åtgärd räknas när den var pågående eller genomförd under "
            f"{year} och ligger inom {fmt.number(distance, 0)} m; planerade och avbrutna räknas inte.")
    return fmt.table(gaps(store, year, distance=distance, cell_size=cell_size), caption=rule)


def evidence_table(store: str | Path | None, year: int):
    """Per level: the measures beside the indicators that speak to it, and what stands out."""
    table = activity_plan.level_evidence(store, year)
    notes = []
    for r in table.itertuples(index=False):
        parts = (["åtgärder men inget underlag"] if r.measures_without_evidence else []) + \
                (["underlag men inga åtgärder"] if r.evidence_without_measures else []) + \
                (["försämrats: " + ", ".join(r.worsened_names)] if r.worsened_names else [])
        notes.append("; ".join(parts) if parts else fmt.MISSING)
    shown = table[["level", "n", "indicators", "improved", "worsened", "unchanged"]].assign(note=notes)
    return fmt.table(shown, headers=HEADERS_SV)


def level_display(store: str | Path | None, year: int, level: str) -> pd.DataFrame:
    """The indicators that speak to ``level`` with their latest value, interval and change, and
    whether a measure in the plan aims at each (a reading table)."""
    if level not in activity_plan.LEVELS:
        raise ParameterError(f"level must be one of {', '.join(activity_plan.LEVELS)}, got {level!r}")
    evidence = activity_plan.indicator_evidence(store, year)
    part = evidence[evidence["levels"].str.contains(level)].reset_index(drop=True)
    shown = panel_display(part)
    shown.insert(1, "Faktor", part["factor"].map({"risk": "riskfaktor", "skydd": "skyddsfaktor"}).fillna("").to_numpy())
    shown["Åtgärd i planen"] = part["has_measure"].map({True: "ja", False: "nej"}).to_numpy()
    return shown


def level_table(store: str | Path | None, year: int, level: str):
    """:func:`level_display` as a table."""
    return fmt.table(level_display(store, year, level))


def measures_display(store: str | Path | None, year: int, area: str | None = None) -> pd.DataFrame:
    """The measures as a reading table (for one area: its own and the whole municipality's): those that
    had started by the end of ``year``; :func:`later_measures_display` lists the plan's later ones."""
    table = activity_plan.area_measures(store, area, year) if area is not None else activity_plan.measures(store, year)
    if table.empty:
        return pd.DataFrame({"Åtgärd": ["Inga åtgärder i verksamhetsplanen."]})
    return _measure_rows(table)


def later_measures_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """The plan's measures that start after ``year`` (planned ones, typically), so that this page and
    the plan together list every measure that was read (datakvalitet counts the file's rows)."""
    every = activity_plan.measures(store)
    later = every[every["start"].notna() & (every["start"].dt.year > year)].reset_index(drop=True)
    if later.empty:
        return pd.DataFrame({"Åtgärd": [f"Inga åtgärder i planen startar efter {year}."]})
    return _measure_rows(later)


def later_measures_table(store: str | Path | None, year: int):
    """:func:`later_measures_display` as a table."""
    return fmt.table(later_measures_display(store, year))


def _measure_rows(table: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "Åtgärd": table["name"].to_numpy(),
        "Nivå": table["level"].to_numpy(),
        "Sikt": table["horizon"].to_numpy(),
        "Ansvarig": table["responsible"].to_numpy(),
        "Område": table["areas"].to_numpy(),
        "Status": table["status"].to_numpy(),
        "Start": table["start"].map(lambda d: fmt.MISSING if pd.isna(d) else d.strftime("%Y-%m-%d")).to_numpy(),
        "Kostnad": table["cost_sek"].map(lambda v: fmt.MISSING if pd.isna(v) else fmt.number(v, 0) + "\u00a0kr").to_numpy(),
    })
    if "problems" in table.columns:  # the problems of the register the measure answers (Lag 2023:196)
        out["Problem"] = table["problems"].map(lambda t: ", ".join(problems_ids(t)) or None).to_numpy()
    if "scope" in table.columns:
        out["Gäller"] = table["scope"].map(_SCOPE_SV).to_numpy()
    return out


def problem_summary(store: str | Path | None, year: int):
    """How many problems of the register, how many lack a measure, how many measures lack a problem."""
    return common.markdown(problemregister.summary_text(store, year))


def problem_level_table(store: str | Path | None, year: int):
    """Each problem of the register with its measures on each prevention level, flagged when it has none."""
    return problemregister.level_table(store, year)


def problem_flags_table(store: str | Path | None, year: int):
    """Problems without a measure and measures without a problem, in sentences."""
    return problemregister.flags_table(store, year)


def measures_table(store: str | Path | None, year: int, area: str | None = None):
    """:func:`measures_display` as a table."""
    return fmt.table(measures_display(store, year, area))
