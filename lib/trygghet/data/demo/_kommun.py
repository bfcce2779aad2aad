"""Demo data for any of Sweden's 290 municipalities, from its outline and its population.

The demo generator is calibrated on Luleå (areas, places, rates; see ``docs/demo.md``). For another
municipality :func:`write_municipality_demo`

1. takes the municipality's outline from the shipped public boundaries
   (``data/reference/sverige_kommuner.geojson``, see ``data/reference/README.md`` for source and licence);
2. derives a reference folder: Luleå's twelve area centres moved into the outline with the same layout
   (the town's areas around the centre of the outline's largest inscribed circle, shrunk when the
   outline is smaller than Luleå's town; the villages further out, kept inside the outline), and the
   municipality's population, which scales the population and every count (rates stay Luleå's);
3. runs the ordinary generator on that folder (so Luleå's own demo is untouched) and then gives the
   areas, places and streets neutral Swedish names (:data:`RENAME`), so that no Luleå name remains;
4. leaves out Luleå's public statistics (``RAW/open/``, Kolada and Brå): another municipality's come from
   ``trygghet fetch``.

The population defaults to SCB's figure in ``data/reference/sverige_kommuner_befolkning.csv``
(:func:`populations`). :func:`write_county_demo` makes one demo store per municipality of a county, the
folder of stores ``trygghet run --stores`` reads.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.ops import nearest_points

from trygghet.data.config import CRS_SWEREF, CRS_WGS84, MUNICIPALITY_CODE, paths
from trygghet.data.demo import DEMO_BRA_FILES, DEMO_OPEN_FILES, _geo, write_demo
from trygghet.data.demo._population import TOTALS
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.ingest import ingest
from trygghet.data.municipalities import MUNICIPALITIES_FILE, municipalities
from trygghet.data.municipalities import read_boundaries as _read_all

__all__ = [
    "MUNICIPALITIES_FILE",
    "POPULATION_FILE",
    "RENAME",
    "county_scale_range",
    "derive_reference",
    "municipalities",
    "municipality_outline",
    "municipality_population",
    "populations",
    "write_county_demo",
    "write_municipality_demo",
]

#: the public boundaries of all 290 municipalities (WGS 84), shipped in ``data/reference/``

#: SCB's population of all 290 municipalities (1 November 2024, CC0), shipped in ``data/reference/``
POPULATION_FILE = "sverige_kommuner_befolkning.csv"

#: ``scale × population / Luleå's`` must lie in this range for a demo (enough data, and not too much)
_FACTOR_RANGE = (0.01, 10.0)

#: beyond this distance (metres) from the town centre a Luleå area counts as a village, not part of the town
_TOWN_RADIUS_M = 12_000.0

#: the calibration's Luleå names (areas, places, streets, villages) and the neutral names another municipality
#: gets; longest first when applied, so compounds ("Hertsöskolan") are renamed before their stems
RENAME = {
    # areas, with the forms the generator writes (genitive, compound stem)
    "Örnäset": "Ekdalen", "Örnäs": "Ekdals",
    "Notviken": "Norrviken", "Notviks": "Norrviks",
    "Porsön": "Campus", "Porsö centrum": "Campus centrum", "Porsö": "Campus",
    "Björkskatans": "Björkhagens", "Björkskatan": "Björkhagen", "Björkskata": "Björkhags",
    "Hertsöns": "Östermalms", "Hertsön": "Östermalm", "Hertsö": "Östermalms",
    "Bergnäsets": "Sandvikens", "Bergnäset": "Sandviken", "Bergnäs": "Sandviks",
    "Gammelstads kyrkstad": "Kyrkbyns kyrkstad", "Gammelstads": "Kyrkbyns", "Gammelstad": "Kyrkbyn",
    "Sunderbyn": "Västerbyn", "Sunderby": "Västerby",
    "Råneå": "Nyby",
    # places and streets of the calibration
    "Luleå tekniska universitet": "Högskolan", "Luleå resecentrum": "Resecentrum", "Lulevägen": "Älvvägen",
    "Tunaskolan": "Kyrkbyskolan", "Persöskolan": "Norrbyskolan", "Ersnässkolan": "Sörbyskolan",
    "Arcushallen": "Idrottshallen", "Galleria Shopping": "Gallerian", "Storheden": "Handelsområdet",
    "Mjölkuddsvägen": "Mjölkvägen", "Pålänge": "Udden", "Karlsviksvägen": "Karlsvägen",
    "Skomakargatan": "Skolgatan",
    # villages
    "Niemisel": "Åsen", "Jämtön": "Holmen", "Vitå": "Forsen", "Alvik": "Viken", "Bensbyn": "Bäckby",
    "Måttsund": "Sundet", "Persön": "Lillön", "Ersnäs": "Näset", "Antnäs": "Ängesby", "Rutvik": "Strand",
    "Kallax": "Flyget",
    "Luleborna": "invånarna", "lokalpolisområde Luleå-Boden": "lokalpolisområdet", "Luleå-Boden": "polisen",
}


def populations(reference: str | Path | None = None) -> pd.DataFrame:
    """SCB's population of every municipality: ``code`` (4 digits), ``name``, ``year``, ``population`` (int)."""
    ref = Path(reference) if reference is not None else paths().reference
    path = ref / POPULATION_FILE
    if not path.is_file():
        raise DataError(str(path), "the population of Sweden's municipalities is missing",
                        "restore data/reference/ from the repository, or give the population with --befolkning")
    table = pd.read_csv(path, sep=";", dtype={"code": str, "name": str}, encoding="utf-8")
    if list(table.columns) != ["code", "name", "year", "population"] or not table["code"].is_unique:
        raise DataError(str(path), "needs the columns code;name;year;population, one row per municipality",
                        "restore data/reference/ from the repository")
    return table.astype({"year": int, "population": int})


def municipality_population(code: str, reference: str | Path | None = None) -> tuple[int, int]:
    """``(population, year)`` of the municipality ``code`` from SCB's shipped table (:func:`populations`)."""
    code = _check_code(code)
    row = populations(reference).set_index("code")
    if code not in row.index:
        raise ParameterError(f"municipality code {code} has no population in data/reference/{POPULATION_FILE}; "
                             "give it with --befolkning (SCB's latest figure)")
    return int(row.at[code, "population"]), int(row.at[code, "year"])


def municipality_outline(code: str, reference: str | Path | None = None) -> tuple[dict, shapely.Geometry]:
    """``({"kommunkod", "kommun", "lanskod"}, outline in WGS 84)`` of the municipality ``code``."""
    code = _check_code(code)
    for f in _read_all(reference)["features"]:
        p = f["properties"]
        if str(p["id"]) == code:
            return {"kommunkod": code, "kommun": str(p["kom_namn"]), "lanskod": str(p["lan_code"])}, shape(f["geometry"])
    raise ParameterError(f"municipality code {code} is not among Sweden's 290 municipalities "
                         f"(data/reference/{MUNICIPALITIES_FILE}); use a code such as 2581 (Piteå)")


def derive_reference(code: str, population: int, folder: str | Path, reference: str | Path | None = None) -> Path:
    """Write ``kommun.geojson`` and ``omraden_demo.csv`` for municipality ``code`` into ``folder``; return it.

    ``population`` is the municipality's population (the latest year); ``reference`` the folder with Luleå's
    files and the shipped boundaries (default ``data/reference/``).
    """
    ref = Path(reference) if reference is not None else paths().reference
    if not isinstance(population, (int, np.integer)) or isinstance(population, bool) or population < 1000:
        raise ParameterError(f"population must be a whole number of at least 1 000 inhabitants, got {population!r}")
    props, outline = municipality_outline(code, ref)
    centres = pd.read_csv(ref / _geo.CENTRES_FILE, sep=";", encoding="utf-8")
    to_s = Transformer.from_crs(CRS_WGS84, CRS_SWEREF, always_xy=True)
    to_w = Transformer.from_crs(CRS_SWEREF, CRS_WGS84, always_xy=True)
    x, y = to_s.transform(centres["lon"].to_numpy(), centres["lat"].to_numpy())
    offsets = np.column_stack([x - x[0], y - y[0]])  # the first row is the town centre
    area = shapely.transform(outline, lambda c: np.column_stack(to_s.transform(c[:, 0], c[:, 1])))
    new = _place_centres(offsets, area)
    lon, lat = to_w.transform(new[:, 0], new[:, 1])
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    derived = centres.copy()
    derived["lat"] = np.round(lat, 5)
    derived["lon"] = np.round(lon, 5)
    derived.to_csv(out / _geo.DERIVED_CENTRES_FILE, sep=";", index=False, encoding="utf-8")
    doc = {"type": "FeatureCollection", "name": "kommun",
           "features": [{"type": "Feature", "properties": {**props, "befolkning": int(population)},
                         "geometry": mapping(outline)}]}
    (out / _geo.DERIVED_OUTLINE_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out


def write_municipality_demo(raw_dir: str | Path, code: str, population: int | None = None, seed: int = 2580, *,
                            scale: float = 1.0, reference: str | Path | None = None) -> list[Path]:
    """Write a synthetic raw data set for municipality ``code`` with ``population`` inhabitants into ``raw_dir``.

    The code ``2580`` (Luleå) writes the ordinary demo. ``population`` defaults to SCB's figure
    (:func:`municipality_population`). ``scale`` works as in ``write_demo`` on top of the population's
    factor (counts grow with the population); their product must lie between 0.01 and 10.
    """
    code = _check_code(code)
    if code == MUNICIPALITY_CODE:
        return write_demo(raw_dir, seed, scale=scale, reference=reference)
    if population is None:
        population = municipality_population(code, reference)[0]
    if not isinstance(population, (int, np.integer)) or population <= 0:
        raise ParameterError(f"population {population!r} for municipality {code}: give the number of inhabitants, a "
                             "whole number above 0 (SCB's latest figure), or leave --befolkning out to use SCB's")
    factor = population / TOTALS[max(TOTALS)]
    if not 0.01 <= float(scale) * factor <= 10.0:
        raise ParameterError(f"scale {scale} × population {population} / {TOTALS[max(TOTALS)]} (Luleå, the calibration) "
                             f"must lie between 0.01 and 10; choose a scale that brings it there")
    name = municipality_outline(code, reference)[0]["kommun"]
    raw = Path(raw_dir)
    with tempfile.TemporaryDirectory(prefix="trygghet-kommun-") as tmp:
        ref = derive_reference(code, population, tmp, reference)
        written = write_demo(raw, seed, scale=float(scale) * factor, reference=ref)
    _drop_open_files(raw)
    table = _rename_table(name)
    for path in written:
        _rename_file(path, table)
    return written


def county_scale_range(county: str, reference: str | Path | None = None) -> tuple[float, float]:
    """``(smallest, largest)`` scale (two decimals) a demo of every municipality of ``county`` allows: the
    smallest municipality gets at least a hundredth, the largest at most ten times Luleå's full demo."""
    factors = _county_table(county, reference)["factor"]
    return (math.ceil(_FACTOR_RANGE[0] / float(factors.min()) * 100) / 100,
            math.floor(_FACTOR_RANGE[1] / float(factors.max()) * 100) / 100)


def write_county_demo(out_dir: str | Path, county: str, seed: int = 2580, *, scale: float | None = None,
                      reference: str | Path | None = None,
                      progress: Callable[[str, str, int], None] | None = None) -> dict[str, Path]:
    """One demo store per municipality of ``county`` (2 digits, e.g. ``25`` Norrbotten) in ``out_dir``.

    Each municipality's raw files go to ``OUT/raw/<code>/`` and its store to ``OUT/<code>/`` — the folder
    of stores ``trygghet run --stores OUT`` reads. Populations are SCB's (:func:`populations`); one
    ``scale`` for all, by default the smallest that :func:`county_scale_range` allows (so the smallest
    municipality still gets enough data, and the county is quick). Luleå (2580) gets its own demo with
    ``seed``, the others seeds drawn from ``seed`` (each municipality differs). ``progress(code, name,
    population)`` is called before each municipality. Returns ``{code: store folder}``.
    """
    table = _county_table(county, reference)
    low, high = county_scale_range(county, reference)
    scale = low if scale is None else scale
    if not low <= float(scale) <= high:
        small = table.loc[table["factor"].idxmin()]
        raise ParameterError(f"--scale {scale} does not suit county {county}: its municipalities need a scale between "
                             f"{low:g} and {high:g} (the smallest, {small['name']}, has {small['population']} "
                             "inhabitants); leave --scale out for the smallest that works")
    out = Path(out_dir)
    rng = np.random.default_rng([int(seed), 24])
    seeds = rng.integers(1, 2**31 - 1, size=len(table))
    stores = {}
    for (_, row), own in zip(table.iterrows(), seeds):
        code = row["code"]
        if progress is not None:
            progress(code, row["name"], int(row["population"]))
        muni_seed = int(seed) if code == MUNICIPALITY_CODE else int(own)
        write_municipality_demo(out / "raw" / code, code, int(row["population"]), seed=muni_seed,
                                scale=float(scale), reference=reference)
        ingest(out / "raw" / code, out / code)
        stores[code] = out / code
    return stores


def _county_table(county: str, reference: str | Path | None) -> pd.DataFrame:
    """The municipalities of ``county`` with ``population`` (SCB) and ``factor`` (population / Luleå's)."""
    text = str(county).strip()
    table = municipalities(reference)
    if not re.fullmatch(r"\d{2}", text) or text not in set(table["county"]):
        raise ParameterError(f"a county code has two digits and is one of {', '.join(sorted(set(table['county'])))} "
                             f"(25 Norrbotten, 01 Stockholm), got {county!r}")
    table = table[table["county"] == text].merge(populations(reference)[["code", "population"]], on="code",
                                                 how="left")
    missing = table.loc[table["population"].isna(), "code"].tolist()
    if missing:
        raise DataError(str(POPULATION_FILE), f"no population for {', '.join(missing)}",
                        "restore data/reference/ from the repository")
    table["population"] = table["population"].astype(int)
    calibration = TOTALS[max(TOTALS)]
    table["factor"] = np.where(table["code"] == MUNICIPALITY_CODE, 1.0, table["population"] / calibration)
    return table.reset_index(drop=True)


def _place_centres(offsets: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Luleå's centre offsets moved into ``area``: town around the inscribed circle's centre, villages inside."""
    circle = shapely.maximum_inscribed_circle(area, tolerance=100.0)
    cx, cy = shapely.get_coordinates(circle)[0]
    radius = float(shapely.length(circle))
    dist = np.hypot(offsets[:, 0], offsets[:, 1])
    town = dist <= _TOWN_RADIUS_M
    town_scale = min(1.0, 0.8 * radius / max(float(dist[town].max()), 1.0))
    span = np.sqrt(float(area.area) / np.pi)  # the radius of a circle as large as the municipality
    village_scale = min(1.0, 0.9 * span / max(float(dist[~town].max()), 1.0)) if (~town).any() else 1.0
    pts = np.where(town[:, None], offsets * town_scale, offsets * max(village_scale, town_scale)) + [cx, cy]
    inner = area.buffer(-min(500.0, radius / 4))
    inner = inner if not inner.is_empty else area
    for i in np.flatnonzero(~shapely.contains_xy(inner, pts[:, 0], pts[:, 1])):
        near = nearest_points(inner, shapely.Point(pts[i]))[0]
        pts[i] = [near.x, near.y]
    for i in range(len(pts)):  # two villages pushed onto the same stretch of border: move the later inward
        for j in range(i):
            if np.hypot(*(pts[i] - pts[j])) < 300.0:
                pts[i] = pts[i] + (np.array([cx, cy]) - pts[i]) * 0.1
    return pts


def _rename_table(name: str) -> list[tuple[str, str]]:
    table = dict(RENAME)
    table["Luleås"] = name if name[-1:] in "sxz" else f"{name}s"
    table["Luleå"] = name
    return sorted(table.items(), key=lambda kv: -len(kv[0]))


def _replace(text: str, table: list[tuple[str, str]]) -> str:
    pattern = re.compile("|".join(re.escape(k) for k, _ in table))
    lookup = dict(table)
    return pattern.sub(lambda m: lookup[m.group(0)], text)


def _rename_file(path: Path, table: list[tuple[str, str]]) -> None:
    """Rename in place, keeping the file's encoding (UTF-8 with or without BOM, or Windows-1252)."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        path.write_bytes(_rename_xlsx(data, table))
        return
    try:
        text, enc = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, enc = data.decode("cp1252"), "cp1252"
    new = _replace(text, table)
    if new != text:
        path.write_bytes(new.encode(enc))


def _rename_xlsx(data: bytes, table: list[tuple[str, str]]) -> bytes:
    """Rename in the workbook's XML parts, keeping each entry's fixed time (the bytes stay reproducible)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename.endswith(".xml"):
                content = _replace(content.decode("utf-8"), table).encode("utf-8")
            dst.writestr(info, content)
    return out.getvalue()


def _drop_open_files(raw: Path) -> None:
    """Remove the Luleå public statistics ``write_demo`` puts under ``RAW/open/`` (Kolada, Brå; the empty
    folder too)."""
    folder = raw / "open"
    for name in (*DEMO_OPEN_FILES, *DEMO_BRA_FILES):
        for path in (raw / name, folder / Path(name).name):
            if path.is_file():
                path.unlink()
    if folder.is_dir() and not any(folder.iterdir()):
        shutil.rmtree(folder)


def _check_code(code) -> str:
    text = str(code).strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ParameterError(f"a municipality code has four digits (Luleå 2580, leading zero kept: 0180 Stockholm), "
                             f"got {code!r}")
    return text

