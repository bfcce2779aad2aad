"""What every report module shares: the first call of a report (:func:`start_report`) and the
panel of indicators as a reading table (:func:`panel_display`), used by the situation picture, the
area profile and the prevention levels' report.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from trygghet.analysis.panels import NOT_MEASURABLE
from trygghet.data import store as store_mod
from trygghet.data.parameters import check_parameters
from trygghet.reports import format as fmt
from trygghet.reports import wording
from trygghet.reports.plots import set_theme

__all__ = ["start_report", "panel_display", "change_text", "unit_text", "value_text", "interval_text", "markdown"]
__all__ += ["municipality_name", "genitive"]
__all__ += ["LOCAL_POLICE_AREAS", "police_area", "parties"]


def start_report(
    store: str | Path | None,
    year: int,
    lang: str = "sv",
    area: str | None = None,
    group: str | None = None,
    *,
    municipal: bool = False,
    where: str = "the report",
) -> None:
    """The first call of every report notebook: checks the parameters with the one check
    (:func:`trygghet.data.parameters.check_parameters`, ``where`` names the notebook in its message),
    sets the chart theme, and keeps the library's data notes (points outside the grid, small samples
    ...) out of the published page — the reports state those counts in their own text."""
    check_parameters(store, year=year, area=area, group=group, lang=lang, municipal=municipal, where=where)
    set_theme()
    warnings.filterwarnings("ignore", category=UserWarning, module=r"trygghet(\.|$)")


def panel_display(table: pd.DataFrame, *, with_baseline: bool = True) -> pd.DataFrame:
    """A panel (:func:`trygghet.analysis.panels.panel`) as a Swedish table for reading: values
    formatted by their kind (shares as "21 %", rates with one decimal), hidden values as "–", and the
    changes in the agreed words with the year compared with ("ökat (jfr 2023)")."""
    out = pd.DataFrame({
        "Indikator": table["name"].to_numpy(),
        "År": table["year"].map(lambda y: fmt.MISSING if pd.isna(y) else str(int(y))).to_numpy(),
        "Värde": [value_text(i, v, h) for i, v, h in zip(table["indicator"], table["value"], table["suppressed"])],
        "95 % konfidensintervall": [interval_text(i, lo, hi, h) for i, lo, hi, h
                                    in zip(table["indicator"], table["lower"], table["upper"], table["suppressed"])],
        "Enhet": table["unit"].map(unit_text).to_numpy(),
        "Sedan föregående mätning": [change_text(c, y) for c, y in zip(table["change_previous"], table["previous_year"])],
    })
    if with_baseline:
        out["Sedan utgångsåret"] = [change_text(c, y) for c, y in zip(table["change_baseline"], table["baseline_year"])]
    return out


def value_text(indicator: str, value, hidden: bool = False) -> str:
    """One indicator value in Swedish ("21 %", "8,3", "<5" ...), "–" when hidden or missing."""
    return wording.format_value(indicator, value, hidden=bool(hidden))


def interval_text(indicator: str, lower, upper, hidden: bool = False) -> str:
    """"17–21 %" by the indicator's kind; "–" when hidden or without an interval."""
    return wording.format_interval(indicator, lower, upper, hidden=bool(hidden))


def change_text(reading, year) -> str:
    """A tested change (a ``reading`` code of :func:`trygghet.analysis.indicators.change`) in the
    agreed words — "ökat", "minskat" or "ingen säker förändring" — with the year compared with
    ("ökat (jfr 2023)"); "–" when not measurable."""
    if reading is None or pd.isna(reading) or reading == NOT_MEASURABLE or year is None or pd.isna(year):
        return fmt.MISSING
    return f"{wording.change_word(reading)} (jfr {int(year)})"


def unit_text(unit: str) -> str:
    """The unit beside a value: none for shares (the value has "%")."""
    return "" if unit == "andel" else str(unit)


def markdown(text: str) -> Markdown:
    """Text for the page (a Markdown display object)."""
    return Markdown(text)


def municipality_name(store: str | Path | None) -> str:
    """The store's municipality as the pages name it ("Luleå"): never write the name into a report, ask the store
    (:func:`trygghet.data.store.municipality`; Luleå when the areas file names none)."""
    return store_mod.municipality(store)["name"]


def genitive(name: str) -> str:
    """Swedish genitive of a name: "Luleås", "Piteås"; a name ending in s, x or z takes none ("Västerås")."""
    return name if name[-1:].lower() in ("s", "x", "z") else f"{name}s"


#: the local police area the pages name beside the municipality, by municipality code (the default's own);
#: a municipality not listed says "polisen"
LOCAL_POLICE_AREAS = {"2580": "lokalpolisområde Luleå-Boden"}


def police_area(store: str | Path | None) -> str:
    """The store's local police area as the pages name it ("lokalpolisområde Luleå-Boden", from
    :data:`LOCAL_POLICE_AREAS` by the store's municipality code); "" when none is known."""
    return LOCAL_POLICE_AREAS.get(store_mod.municipality(store)["code"], "")


def parties(store: str | Path | None) -> str:
    """Who works together, as the index pages say it: "Luleå kommun och lokalpolisområde Luleå-Boden";
    "Piteå kommun och polisen" for a municipality without a known police area."""
    return f"{municipality_name(store)} kommun och {police_area(store) or 'polisen'}"
