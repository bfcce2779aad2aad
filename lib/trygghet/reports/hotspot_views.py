"""The hot-spot page's second views, in Swedish: risk relative to population ("many offences" is not
"high risk"), concentration (the 80-20 table, the curve and its Gini, the stability of the top cells),
repeat and near-repeat victimisation (the Knox test) and the locators of listed cells.

:func:`compute` fills a :class:`Views` from a page of :mod:`trygghet.reports.brottskoncentrationer`
(which re-exports the section functions for its notebook). Privacy: no section publishes an offence
count of a cell or a neighbourhood. Risk is shown in classes (never the count behind it), and only for
neighbourhoods whose count the gate would show; the concentration and the near-repeat tables hold
shares and ratios of whole populations of offences; the locators place a cell's centre, never an offence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown
from matplotlib import patheffects
from matplotlib.patches import Patch

from trygghet.analysis import disclosure
from trygghet.analysis.hotspots import (
    cell_centres,
    locators,
    near_repeat,
    risk,
    study_area,
)
from trygghet.analysis.hotspots import concentration as con
from trygghet.data import store as tstore
from trygghet.data.errors import DataError
from trygghet.data.vocabulary import MUNICIPAL_GROUP
from trygghet.reports import format as fmt
from trygghet.reports import maps, plots
from trygghet.reports.chart import Chart

__all__ = [
    "NEAR_REPEAT_NAMES",
    "Views",
    "compute",
    "concentration_chart",
    "concentration_table",
    "concentration_text",
    "locator_columns",
    "near_repeat_table",
    "near_repeat_text",
    "place_columns",
    "place_text",
    "risk_map",
    "risk_table",
    "risk_text",
    "stability_table",
]

DIRECTIONS_SV = {"N": "norr", "NE": "nordost", "E": "öster", "SE": "sydost", "S": "söder", "SW": "sydväst",
                 "W": "väster", "NW": "nordväst"}
#: the categories of the near-repeat section and their words ("efter ett bostadsinbrott")
NEAR_REPEAT_NAMES = {"bostadsinbrott": ("bostadsinbrott", "ett bostadsinbrott"),
                     "skadegorelse": ("skadegörelse", "en skadegörelse")}
#: classes of risk relative to the study area's average (lower bound, words); the number behind is not shown
RISK_CLASSES = ((3.0, "minst 3 gånger"), (2.0, "2–3 gånger"), (1.5, "1,5–2 gånger"), (1.0, "1–1,5 gånger"))
_MAP_CLASSES = ((0.0, 0.5, "under halva genomsnittet", "#4575b4"), (0.5, 0.8, "0,5–0,8", "#91bfdb"),
                (0.8, 1.25, "som genomsnittet (0,8–1,25)", "#ffffbf"), (1.25, 2.0, "1,25–2", "#fc8d59"),
                (2.0, np.inf, "minst dubbla genomsnittet", "#d73027"))


@dataclass
class Views:
    """The second views of one hot-spot page (every field from :func:`compute`)."""

    population: pd.Series | None
    risk: pd.DataFrame | None
    dual: pd.DataFrame | None
    concentration: pd.DataFrame
    curve: pd.DataFrame
    stability: pd.DataFrame | None
    near_repeat: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    near_repeat_years: list[int] = field(default_factory=list)
    names: gpd.GeoDataFrame | None = None
    populated: bool = False


def compute(page, *, near_repeat_years: int = 3, permutations: int = near_repeat.DEFAULT_PERMUTATIONS,
            seed: int = near_repeat.DEFAULT_SEED) -> Views:
    """The page's risk (when the store has a population grid), concentration, stability of the top
    cells over the store's years, and — on a page of every offence or of one of the categories — the
    Knox test of burglary and vandalism over the last ``near_repeat_years`` years (``permutations``,
    ``seed`` as :func:`trygghet.analysis.hotspots.near_repeat.knox`)."""
    cells, store = page.cells, page.store
    population = study_area.population_per_cell(store, cells) if study_area.has_population_grid(store) else None
    test = dual = None
    if population is not None and population.sum() > 0:
        test = risk.local_rate_test(cells, population)
        dual = risk.dual_kde(cells, population)
    counts = cells["n"].to_numpy()
    table = con.concentration_table(counts)
    stab = None
    table_name = "municipal_incidents" if page.group.startswith(MUNICIPAL_GROUP) else "offences"
    years = [y for y in tstore.years(store, table_name) if y <= page.year]
    if len(years) >= 2:
        stab = con.stability(con.counts_by_year(store, cells, page.group, years))
    views = Views(population, test, dual, table, con.concentration_curve(counts), stab,
                  populated=cells.attrs.get("study_area") == "populated")
    views.names = _names(store)
    if page.group == "alla" or page.group in NEAR_REPEAT_NAMES:
        views.near_repeat_years = list(range(page.year - int(near_repeat_years) + 1, page.year + 1))
        for category in NEAR_REPEAT_NAMES if page.group == "alla" else (page.group,):
            try:
                views.near_repeat[category] = near_repeat.knox_for_store(
                    store, category, views.near_repeat_years, permutations=permutations, seed=seed)
            except DataError:
                views.near_repeat[category] = None  # fewer than two placed offences
    return views


# --- locators -----------------------------------------------------------------------------------------


def place_text(anchor: str, kind: str, distance_m: float, direction: str, cell_size: float) -> str:
    """A cell's place in plain Swedish: "ca 600 m nordost om mitten av Hertsön", "ca 1,2 km söder om
    Gammelstad", "vid mitten av Centrum" (within half a cell)."""
    target = f"mitten av {anchor}" if kind == "area_centre" else anchor
    if distance_m < cell_size / 2.0:
        return f"vid {target}"
    if distance_m < 950:
        distance = f"{fmt.number(round(distance_m, -2), 0)} m"
    else:
        distance = f"{fmt.number(distance_m / 1000.0, 1)} km"
    return f"ca {distance} {DIRECTIONS_SV[direction]} om {target}"


def place_columns(store, cells: gpd.GeoDataFrame, grid: gpd.GeoDataFrame | None = None, *,
                  population: pd.Series | None = None, names: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """``Ruta-id`` and ``Läge`` (:func:`place_text`) of ``cells`` (listed cells of ``grid``, the page's
    whole result; default ``cells`` itself), aligned with them. Inside an area: from the area's centre,
    where its inhabitants live when the population per cell is known (``population`` of ``grid``, or
    read from the store's population grid); outside every area: from the nearest named place of the
    store's built-up areas (``names``, read from the store when not given), else the nearest area centre."""
    grid = cells if grid is None else grid
    if population is None and study_area.has_population_grid(store):
        population = study_area.population_per_cell(store, grid)
    names = _names(store) if names is None else names
    areas = tstore.read_table(store, "areas")
    found = locators.locate(cells, areas if len(areas) else None, names=names, weights=_weights(grid, population))
    size = float(grid.attrs.get("cell_size", 250))
    words = [place_text(a, k, d, r, size) for a, k, d, r in
             zip(found["anchor"], found["kind"], found["distance_m"], found["direction"])]
    return pd.DataFrame({"Ruta-id": found["cell_id"].astype(str).to_numpy(), "Läge": words}, index=cells.index)


def locator_columns(page, cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """:func:`place_columns` of listed ``cells`` of a page (its views' population and names reused)."""
    views = getattr(page, "views", None)
    return place_columns(page.store, cells, page.cells, population=views.population if views else None,
                         names=views.names if views else None)


def _names(store) -> gpd.GeoDataFrame | None:
    """The store's built-up areas with names (SCB's tätorter), or None."""
    try:
        built = tstore.read_table(store, "built_up_areas")
    except DataError:  # a store ingested before built-up areas were part of it
        return None
    return built if len(built) and "name" in built.columns else None


def _weights(grid: gpd.GeoDataFrame, population: pd.Series | None) -> pd.DataFrame | None:
    """The cells' centres and population by area: what makes an area's centre where its people live."""
    if population is None:
        return None
    centres = cell_centres(grid)
    weights = pd.DataFrame({"area": grid["area"].astype(object).to_numpy(), "x": centres["x"].to_numpy(),
                            "y": centres["y"].to_numpy(), "weight": population.to_numpy()})
    return weights[weights["area"].notna()]


# --- risk ------------------------------------------------------------------------------------------------


def _risk_class(ratio: float) -> str:
    for lower, words in RISK_CLASSES:
        if ratio >= lower:
            return words
    return "under genomsnittet"


def risk_text(page) -> Markdown:
    """"Many offences" and "high risk" told apart, with this year's figures (the section's heading
    first: "## Många brott eller hög risk?")."""
    views, word = page.views, maps.noun(page.group)
    heading = f"## Många {word} eller hög risk?\n\n"
    if views.risk is None:
        return Markdown(heading + "Risken per invånare kan inte beräknas: datalagret saknar befolkning per ruta "
                        "(`befolkning_rutor.csv`, SCB:s rutnät).")
    test, hot = views.risk, page.cells["hotspot"].to_numpy(dtype=bool)
    high = test["high_risk"].to_numpy(dtype=bool)
    both, only_hot, only_risk = int((hot & high).sum()), int((hot & ~high).sum()), int((high & ~hot).sum())
    a = test.attrs
    return Markdown(
        heading + f"**Många {word}** (en hot spot) betyder att rutan och dess grannrutor har fler {word} än de flesta andra "
        f"platser i analysområdet – ofta för att många bor eller rör sig där. **Hög risk** betyder fler {word} än "
        f"befolkningen i grannskapet ger anledning att vänta: varje invånare där löper större risk än genomsnittet. "
        f"I år är {both} rutor både hot spots och har förhöjd risk, {only_hot} hot spot-rutor har många {word} men "
        f"inte förhöjd risk per invånare, och {only_risk} rutor har förhöjd risk utan att vara hot spots.\n\n"
        f"Risken prövas för varje ruta med sina åtta grannrutor: antalet {word} jämförs med det antal som "
        f"grannskapets andel av befolkningen ger (exakt Poissontest, p-värden korrigerade för många test med "
        f"Benjamini–Hochberg, 5 % nivå). Grannskap med färre än {fmt.number(a['min_population'], 0)} invånare "
        f"prövas inte ({fmt.number(a['tested'], 0)} grannskap prövades). Befolkningen är de som bor i rutorna "
        f"(SCB:s rutnät); i centrum, vid köpcentrum och arbetsplatser rör sig många fler än de som bor där, så "
        "där blir risken per invånare hög av det skälet."
    )


def risk_table(page, n: int = 10):
    """The ``n`` neighbourhoods with the most certain raised risk (smallest adjusted p, then the
    largest ratio) whose count the gate would show, with their locators; risk in classes, no counts.
    A cell next to one already listed is skipped, so the list names ``n`` different places."""
    views = page.views
    if views.risk is None:
        return Markdown("")
    test = views.risk
    shown = ~test["observed"].map(disclosure.suppress_value).to_numpy(dtype=bool)
    high = test[test["high_risk"].to_numpy(dtype=bool) & shown]
    if high.empty:
        return Markdown(f"Inga grannskap har säkert förhöjd risk per invånare {page.year}.")
    high = high.sort_values(["pvalue_adj", "ratio"], ascending=[True, False])
    rows, cols = page.cells.loc[high.index, "row"].to_numpy(), page.cells.loc[high.index, "col"].to_numpy()
    chosen: list[int] = []
    for i in range(len(high)):
        if len(chosen) == int(n):
            break
        if all(abs(rows[i] - rows[j]) > 1 or abs(cols[i] - cols[j]) > 1 for j in chosen):
            chosen.append(i)
    high = high.iloc[chosen]
    cells = page.cells.loc[high.index]
    where = locator_columns(page, cells)
    table = pd.DataFrame({
        "Ruta-id": where["Ruta-id"].to_numpy(),
        "Område": cells["area"].fillna(maps.OUTSIDE_AREAS_LABEL).astype(str).to_numpy(),
        "Läge": where["Läge"].to_numpy(),
        "Invånare i grannskapet (ca)": [fmt.number(round(v, -1), 0) for v in high["nb_population"]],
        "Risk jämfört med genomsnittet": [_risk_class(v) for v in high["ratio"]],
        "Hot spot": ["ja" if h else "nej" for h in cells["hotspot"].to_numpy(dtype=bool)],
    })
    return fmt.table(table, caption=f"Grannskap med förhöjd risk {page.year}")


def risk_map(page):
    """The dual KDE's risk relative to the study area's average, in five classes, as a static map."""
    views = page.views
    if views.dual is None:
        return Markdown("")
    rr = views.dual["relative_risk"]
    cells = page.cells.assign(rr=rr.to_numpy())
    plots.set_theme()
    fig, ax = plt.subplots(figsize=(8.27, 8.0))
    base = cells[cells["rr"].isna()]
    if len(base):
        base.plot(ax=ax, color="#ececec", linewidth=0)
    shown = cells[cells["rr"].notna()]
    handles, per_class = [], []
    for lo, hi, label, colour in _MAP_CLASSES:
        part = shown[(shown["rr"] >= lo) & (shown["rr"] < hi)]
        if len(part):
            part.plot(ax=ax, color=colour, linewidth=0)
        handles.append(Patch(facecolor=colour, edgecolor="#999999", label=label))
        per_class.append((label, len(part)))
    handles.append(Patch(facecolor="#ececec", edgecolor="#999999", label="för få invånare för att räkna risk"))
    areas = tstore.read_table(page.store, "areas")
    if len(areas):
        areas.to_crs(cells.crs).boundary.plot(ax=ax, color="#555555", linewidth=0.6)
    if len(shown):
        x0, y0, x1, y1 = shown.total_bounds
        pad = max(x1 - x0, y1 - y0) * 0.08
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        if len(areas):  # the areas' names where their people live, so a reader knows which blob is which
            for _, a in locators.anchors(areas, weights=_weights(page.cells, views.population)).iterrows():
                if x0 - pad < a["x"] < x1 + pad and y0 - pad < a["y"] < y1 + pad:
                    ax.text(a["x"], a["y"], a["anchor"], fontsize=9, ha="center", va="center", color="#1a1a1a",
                            path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=9, frameon=False,
              title="Risk per invånare jämfört med genomsnittet", title_fontsize=9.5)
    word = maps.noun(page.group)
    fig.suptitle(f"Risk per invånare {page.year} – {word} i förhållande till befolkningen", fontsize=12, x=0.02,
                 ha="left")
    fig.text(0.02, -0.08, f"Källa: polisanmälda brott {page.year}, SCB:s befolkning per ruta. Kvoten mellan två "
             f"utjämnade kartor (samma bandbredd, {fmt.number(views.dual.attrs['bandwidth'], 0)} m): {word} och "
             "invånare.", fontsize=8, color="#444444", ha="left", wrap=True)
    fig.tight_layout()
    plt.close(fig)
    title = f"Risk per invånare {page.year}"
    said = "; ".join(f"{label}: {fmt.number(n, 0)} rutor" for label, n in per_class)
    alt = (f"Karta: {title}, {word} i förhållande till befolkningen jämfört med genomsnittet i analysområdet. {said}; "
           f"{fmt.number(len(base), 0)} rutor har för få invånare för att räkna risk.")
    table = pd.DataFrame({"Risk jämfört med genomsnittet": [label for label, _ in per_class],
                          "Rutor": [fmt.number(n, 0) for _, n in per_class]})
    return Chart(fig, alt, table, f"{title}: rutor per klass")


# --- concentration ------------------------------------------------------------------------------------


def _cells_word(views: Views) -> str:
    return "rutorna i det befolkade området" if views.populated else "rutorna i analysområdet"


def _the(word: str) -> str:
    """The definite plural of the page's noun: "brotten", "händelserna"."""
    return "brotten" if word == "brott" else "händelserna"


def concentration_text(page) -> Markdown:
    """"X % of the offences happened in Y % of the populated cells", and the Gini."""
    views, word = page.views, maps.noun(page.group)
    a = views.concentration.attrs
    if not a["n_offences"]:
        return Markdown(f"Inga {word} med plats i analysområdet {page.year}.")
    n = a["n_cells"]
    half, eighty = round(a["cells_for_half"] * n), round(a["cells_for_80"] * n)
    return Markdown(
        f"**Hälften av {_the(word)} skedde i {fmt.number(half, 0)} av de {fmt.number(n, 0)} {_cells_word(views)} "
        f"({_share(a['cells_for_half'])}), och 80 % i {fmt.number(eighty, 0)} rutor ({_share(a['cells_for_80'])}).** "
        f"Bara {_share(a['cells_with_offences'] / n)} av rutorna hade "
        f"{'något brott' if word == 'brott' else 'någon händelse'} alls. Gini-koefficienten är {fmt.number(a['gini'], 2)} "
        "(0 = lika många i varje ruta, nära 1 = allt i några få rutor); när det finns färre "
        f"{word} än rutor kan den inte bli låg, så läs den tillsammans med andelen rutor där något skedde."
    )


def _share(v: float) -> str:
    """A small share with enough decimals to be more than 0: "1,5 %", "0,03 %"."""
    return fmt.percent(v, 1 if v >= 0.01 else 2)


def concentration_table(page):
    """The 80-20 table: the share of the offences in the top 1 %, 2 %, 5 % … of the cells."""
    views, word = page.views, maps.noun(page.group)
    t = views.concentration
    labels = [f"De {fmt.percent(s, 0)} rutorna med flest {word}" for s in t["cell_share"].iloc[:-1]]
    labels.append(f"Alla rutor med {word}")
    table = pd.DataFrame({
        "Rutor": labels,
        "Andel av rutorna": [fmt.percent(s, 1) for s in t["cell_share"]],
        "Antal rutor": [fmt.number(v, 0) for v in t["cells"]],
        f"Andel av {_the(word)}": [fmt.percent(s, 0) for s in t["offence_share"]],
    })
    return fmt.table(table, caption=f"80-20-tabellen {page.year}")


def concentration_chart(page):
    """The concentration curve: share of the offences against share of the cells, top cells first."""
    views, word = page.views, maps.noun(page.group)
    curve = views.curve
    plots.set_theme()
    fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    ax.plot(curve["cell_share"] * 100, curve["offence_share"] * 100, color="#b2182b", linewidth=2,
            label=f"{word.capitalize()} i rutorna, flest först")
    ax.plot([0, 100], [0, 100], color="#777777", linestyle="--", linewidth=1, label="Lika många i varje ruta")
    cut = max(5.0, min(100.0, views.concentration.attrs["cells_with_offences"] / max(len(curve) - 1, 1) * 100 * 1.5))
    ax.set_xlim(0, cut)
    ax.set_ylim(0, 100)
    ax.set_xlabel(f"Andel av {_cells_word(views)} (%)")
    ax.set_ylabel(f"Andel av {_the(word)} (%)")
    ax.legend(loc="lower right")
    ax.set_title(f"Koncentrationskurva {page.year} (Gini {fmt.number(views.concentration.attrs['gini'], 2)})")
    fig.text(0.01, -0.02, f"Källa: polisanmälda brott {page.year}; x-axeln slutar där alla rutor med {word} är med.",
             fontsize=8.5, color="#444444", ha="left", va="top")
    plt.close(fig)
    a = views.concentration.attrs
    alt = (f"Linjediagram: koncentrationskurva {page.year}, andel av {_the(word)} mot andel av {_cells_word(views)}, "
           f"flest först. Hälften av {_the(word)} skedde i {_share(a['cells_for_half'])} av rutorna, 80 % i "
           f"{_share(a['cells_for_80'])}; Gini {fmt.number(a['gini'], 2)}.")
    t = views.concentration.iloc[:-1]
    table = pd.DataFrame({"Andel av rutorna": [fmt.percent(v, 1) for v in t["cell_share"]],
                          f"Andel av {_the(word)}": [fmt.percent(v, 0) for v in t["offence_share"]]})
    return Chart(fig, alt, table, f"Koncentrationskurvan {page.year} i några punkter")


def stability_table(page):
    """How many of one year's top cells (the cells with the most offences that held half of them) are
    top cells again the next year, and how much of next year's offences they held."""
    views, word = page.views, maps.noun(page.group)
    s = views.stability
    if s is None or s.empty:
        return Markdown("Det finns bara ett år i datalagret; stabiliteten över åren kan inte visas.")
    table = pd.DataFrame({
        "Från år": s["year_from"].astype(int).astype(str).to_numpy(),
        "Till år": s["year_to"].astype(int).astype(str).to_numpy(),
        "Rutor bland topprutorna första året": [fmt.number(v, 0) for v in s["top_cells"]],
        "Kvar bland topprutorna året efter": [fmt.percent(v, 0) for v in s["kept_share"]],
        "Deras andel av rutorna": [fmt.percent(v, 1) for v in s["cell_share"]],
        f"Deras andel av {_the(word)} året efter": [fmt.percent(v, 0) for v in s["next_year_share"]],
        "Rangkorrelation (Spearman)": [fmt.number(v, 2) for v in s["spearman"]],
    })
    return fmt.table(table, caption="Topprutorna år för år")


# --- near repeat ---------------------------------------------------------------------------------------


def _days(v: float) -> str:
    return f"{fmt.number(v, 0)} dagar"


def near_repeat_text(page) -> Markdown:
    """One sentence per category: "Efter ett bostadsinbrott är risken förhöjd inom X m under Y dagar"
    only where the Knox test is significant; otherwise that no pattern was found."""
    views = page.views
    if not views.near_repeat:
        return Markdown("Upprepade brott och närliggande upprepning (bostadsinbrott och skadegörelse) redovisas i "
                        "rapporten för alla brott.")
    years = views.near_repeat_years
    period = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    lines = []
    for category, result in views.near_repeat.items():
        name, after = NEAR_REPEAT_NAMES[category]
        if result is None:
            lines.append(f"- **{name.capitalize()}:** för få brott med plats {period} för att pröva mönstret.")
            continue
        found = near_repeat.elevated_risk(result)
        if found is None:
            lines.append(f"- **{name.capitalize()}:** inget säkert mönster av upprepning {period}: brott nära "
                         "varandra i tid ligger inte oftare nära varandra i rum än slumpen ger.")
            continue
        same = " Samma plats drabbas också igen oftare än slumpen ger." if found["same_place"] else ""
        lines.append(f"- **{name.capitalize()}:** efter {after} är risken förhöjd inom "
                     f"{fmt.number(found['distance_to'], 0)} m under {_days(found['days_to'])} "
                     f"(upp till {fmt.number(found['max_ratio'], 1)} gånger så många par som väntat, {period}).{same}")
    a = next((r.attrs for r in views.near_repeat.values() if r is not None), None)
    method = ""
    if a is not None:
        method = (f"\n\nKnoxtest som i Near Repeat Calculator: alla par av brott delas in efter avstånd "
                  f"({'kvartersavstånd' if a['metric'] == 'manhattan' else 'fågelvägen'}) och tid mellan dem och "
                  f"jämförs med {fmt.number(a['permutations'], 0)} slumpade fördelningar där datumen blandas om "
                  f"(startvärde {a['seed']}); p-värdena korrigeras för många test (Benjamini–Hochberg). Brottets "
                  "första möjliga datum används. Tabellerna visar kvoten mellan antalet par och det antal slumpen ger "
                  "(1 = som väntat); * = säkert fler.")
    return Markdown("\n".join(lines) + method)


def near_repeat_table(page, category: str):
    """The Knox ratios (observed/expected pairs) of ``category`` by distance × time band; certain
    excesses are marked. No pair counts are shown."""
    views = page.views
    result = views.near_repeat.get(category)
    if result is None:
        return Markdown("")
    rows = []
    for (d0, d1), part in result.groupby(["distance_from", "distance_to"], sort=True):
        dist = "samma plats (under 1 m)" if d1 <= 1 else f"{fmt.number(d0, 0)}–{fmt.number(d1, 0)} m"
        row = {"Avstånd": dist}
        for _, cell in part.iterrows():
            head = f"{fmt.number(cell['days_from'], 0)}–{fmt.number(cell['days_to'] - 1, 0)} dagar"
            sig = cell["pvalue_adj"] <= 0.05 and cell["ratio"] > 1
            row[head] = fmt.MISSING if pd.isna(cell["ratio"]) else fmt.number(cell["ratio"], 1) + (" *" if sig else "")
        rows.append(row)
    name = NEAR_REPEAT_NAMES[category][0]
    years = views.near_repeat_years
    return fmt.table(pd.DataFrame(rows), caption=f"{name.capitalize()} {years[0]}–{years[-1]}")
