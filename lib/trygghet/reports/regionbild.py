"""The regional picture (``notebooks/regionbild.ipynb``): the municipalities of a run over many stores
(``trygghet run --stores``) side by side, for a county or a police region.

Every figure comes from the function the municipality's own reports use, on that municipality's store
(computed already, in the store's cache, by its run): the key indicators with their intervals and the
tested change since the previous measurement (:func:`trygghet.analysis.panels.panel`, the area profiles'
indicators, already through the disclosure gate: a hidden value is "–"), the goals' statuses
(:func:`trygghet.analysis.indicators.follow_up`; counts of sub-goals, not of people) and the hot-spot
concentration of all offences (:mod:`trygghet.analysis.hotspots.concentration` on the situation
picture's grid: shares of cells, never counts of offences).

The notebook calls only this module::

    from trygghet.reports import regionbild as r
    stores = r.start(store, year, lang)
    r.municipalities(stores, year)
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from trygghet.analysis import coverage, hotspots, panels
from trygghet.analysis.hotspots import concentration
from trygghet.analysis.indicators import follow_up
from trygghet.data import store as store_mod
from trygghet.data.errors import DataError, ParameterError
from trygghet.reports import common, wording
from trygghet.reports import format as fmt
from trygghet.reports.plots import set_theme

__all__ = ["concentration_table", "goal_statuses", "indicators", "intro", "municipalities", "start"]

#: the share of all offences whose smallest share of cells the concentration table shows ("half the offences")
TOP_SHARE = 0.5


def start(store: str, year: int, lang: str = "sv") -> dict[str, Path]:
    """The notebook's first call: ``store`` is the run's stores as JSON ``{key: store folder}`` (or one store's
    folder); returns them checked (each an ingested store)."""
    if lang != "sv":
        raise ParameterError(f"lang={lang!r}: the regional picture is written in Swedish only (lang: sv)")
    if not str(store).lstrip().startswith("{"):  # one store: the page of one municipality
        store = json.dumps({store_mod.municipality(store)["code"]: str(store)})
    try:
        found = json.loads(store)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"store: needs the stores as JSON {{\"2580\": \"data/stores/2580\"}} ({exc})") from None
    if not isinstance(found, dict) or not found:
        raise ParameterError("store: needs at least one municipality as JSON {\"2580\": \"data/stores/2580\"}")
    stores = {str(k): store_mod.store_dir(v) for k, v in found.items()}
    set_theme()
    warnings.filterwarnings("ignore", category=UserWarning, module=r"trygghet(\.|$)")
    return stores


def intro(stores: dict[str, Path], year: int) -> Markdown:
    """The page's first lines: which municipalities, which year."""
    names = [store_mod.municipality(s)["name"] for s in stores.values()]
    listed = ", ".join(names[:-1]) + (f" och {names[-1]}" if len(names) > 1 else names[0])
    return common.markdown(f"Sidan ställer {len(names)} kommuner sida vid sida för {year}: {listed}. "
                           "Varje siffra kommer från kommunens egna rapporter, med samma regler för vad som "
                           "visas: små antal döljs, och en förändring kallas ökning eller minskning bara när "
                           "den är statistiskt säker.")


def municipalities(stores: dict[str, Path], year: int):
    """One row per municipality: its code, name and a link to its own reports."""
    rows = []
    for key, s in stores.items():
        m = store_mod.municipality(s)
        rows.append({"Kommun": m["name"], "Kommunkod": m["code"],
                     "Rapporter": f"[{common.genitive(m['name'])} rapporter](../{key}/{int(year)}/index.html)"})
    return common.markdown(_markdown_table(pd.DataFrame(rows)))


def _markdown_table(df: pd.DataFrame) -> str:
    """A small table of words and links as Markdown (links stay links on the published page)."""
    head = "| " + " | ".join(df.columns) + " |\n| " + " | ".join("---" for _ in df.columns) + " |\n"
    return head + "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False))


def indicators(stores: dict[str, Path], year: int):
    """The key indicators of every municipality: value, 95 % interval and the change since the previous
    measurement, in the agreed words (the area profiles' panel of each store)."""
    frames = []
    for s in stores.values():
        shown = common.panel_display(panels.panel(s, panels.area_profile_ids(s), int(year)), with_baseline=False)
        shown.insert(1, "Kommun", store_mod.municipality(s)["name"])
        frames.append(shown)
    table = pd.concat(frames, ignore_index=True)
    order = {name: i for i, name in enumerate(dict.fromkeys(table["Indikator"]))}
    table = table.sort_values(["Indikator", "Kommun"], key=lambda c: c.map(order) if c.name == "Indikator" else c,
                              kind="stable")
    return fmt.table(table, caption=f"Nyckeltal per kommun {year}")


def goal_statuses(stores: dict[str, Path], year: int):
    """How many sub-goals of each municipality are on track, at risk, off track or not measurable."""
    rows = []
    for s in stores.values():
        try:
            counts = follow_up(s, int(year))["status"].value_counts()
        except DataError:
            counts = pd.Series(dtype="int64")
        rows.append({"Kommun": store_mod.municipality(s)["name"],
                     **{wording.status_word(st): int(counts.get(st, 0)) for st in wording.STATUS_ORDER}})
    table = pd.DataFrame(rows)
    return fmt.table(table, caption=f"Delmålens status per kommun {year} (antal delmål)", decimals=0)


def concentration_table(stores: dict[str, Path], year: int):
    """How concentrated all offences are in place: the smallest share of the grid's cells that holds half
    the offences, and the Gini coefficient of the cells' counts (0 evenly spread, 1 all in one cell)."""
    rows = []
    for s in stores.values():
        try:
            cells = hotspots.for_store(s, int(year), coverage.DEFAULT_GROUP, cell_size=coverage.DEFAULT_CELL_SIZE)
            counts = cells["n"]
            share, gini = concentration.cells_for_share(counts, TOP_SHARE), concentration.gini(counts)
        except DataError:
            share = gini = float("nan")
        rows.append({"Kommun": store_mod.municipality(s)["name"], "Andel rutor med hälften av brotten": share,
                     "Gini": gini})
    return fmt.table(pd.DataFrame(rows), percent_cols=["Andel rutor med hälften av brotten"], percent_decimals=1,
                     decimals={"Gini": 2},
                     caption=f"Hur samlade brotten är i rutor om {int(coverage.DEFAULT_CELL_SIZE)} m, {year}")
