"""Hot spots of the store: one year's offences (or municipal incidents) of a group on the store's one
study area (:func:`study_area_for_store`), and the emerging hot spots over its years.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from trygghet.analysis.hotspots.core import analyse
from trygghet.analysis.hotspots.trends import emerging
from trygghet.analysis.places import NO_PLACE, OUTSIDE, PLACED, place_status
from trygghet.data import store as tstore
from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.vocabulary import MUNICIPAL_GROUP, MUNICIPAL_TYPES, OFFENCE_GROUPS, offence_group_mask

__all__ = ["GROUPS", "for_store", "emerging_for_store", "study_area_for_store"]

#: groups :func:`for_store` accepts besides a category name
GROUPS = (*OFFENCE_GROUPS, MUNICIPAL_GROUP)
#: options of :func:`analyse` whose plain values key :func:`for_store`'s cache (``areas``, ``grid`` and
#: ``study_area`` frames are computed each time)
_SCALAR_OPTIONS = frozenset({"cell_size", "shape", "bandwidth", "bandwidth_adjust", "correction", "alpha", "max_cells"})


def for_store(
    store,
    year: int,
    category_group: str = "alla",
    *,
    study_area: bool = True,
    **kwargs,
) -> gpd.GeoDataFrame:
    """:func:`analyse` of one year's offences (or municipal incidents) of the store.

    ``category_group``: ``"alla"`` (every offence), ``"vald"`` (BRÅ's violent offences), ``"mangdbrott"``
    (volume crime), a category of the code list (``"bostadsinbrott"`` ...), or ``"kommunala"`` for the
    municipality's own incident reports (``"kommunala_<type>"`` for one type, see
    :data:`MUNICIPAL_TYPES`). Offences without a usable place or outside the municipality cannot be put
    on the grid; they are left out and counted in ``attrs["n_without_place"]`` and
    ``attrs["n_outside_municipality"]`` by :func:`trygghet.analysis.places.place_status` (the one rule;
    reports state them).

    With ``study_area=True`` (default) the grid is the store's study area
    (:func:`study_area_for_store`: the municipality's cells), so every group and year of the store has
    the same cells and the same area ``attrs["study_km2"]``, the ``A`` of PAI; ``attrs["study_area"]``
    says which outline it is (``"municipality"``, ``"areas"``) and ``attrs["study_area_name"]`` its name.
    The store's areas label the cells (``area``). Other keyword arguments go to :func:`analyse`. With
    plain options (no ``areas``, ``grid`` or ``study_area`` frame) the result is cached in the store.
    ``attrs`` also hold ``year``, ``category_group`` and ``n_selected`` (rows of the group and year
    before dropping).
    """
    if all(k in _SCALAR_OPTIONS and (v is None or isinstance(v, (bool, int, float, str))) for k, v in kwargs.items()):
        # the same analysis for every report of the run (the situation picture, the hot-spot pages, the
        # area profiles, the plan's gaps): computed once into the store's cache (attrs and warnings kept)
        options = tuple(sorted((k, float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                               for k, v in kwargs.items()))  # 250 and 250.0 are the same cell size
        key = (int(year), str(category_group), bool(study_area), options)
        return tstore.disk_memo(store, "hotspots", key, lambda: _for_store(store, year, category_group, study_area,
                                                                          kwargs), geo=True)
    return _for_store(store, year, category_group, study_area, kwargs)


def _for_store(store, year: int, category_group: str, study_area: bool, kwargs: dict) -> gpd.GeoDataFrame:
    points, info = _store_points(store, category_group, [int(year)])
    kwargs = _store_kwargs(store, study_area, kwargs)
    if len(points) == 0:
        raise DataError(
            str(tstore.store_dir(store)),
            f"no {_group_text(category_group)} with a place in {year}",
            "choose another year or group (the store's years: "
            + ", ".join(map(str, tstore.years(store, info["table"])))
            + ")",
        )
    result = analyse(points, **kwargs)
    result.attrs.update(info, year=int(year), category_group=category_group)
    _name_study_area(result, kwargs)
    return result


def emerging_for_store(store, years=None, category_group: str = "alla", *, study_area: bool = True, **kwargs):
    """:func:`emerging` of the store's offences (or municipal incidents) of ``category_group``.

    ``years`` default: every year of the table. Offences without a place are left out and counted in
    ``attrs["n_without_place"]`` as in :func:`for_store`; the grid is the same study area.
    """
    table = "municipal_incidents" if category_group.startswith("kommunala") else "offences"
    years = tstore.years(store, table) if years is None else [int(v) for v in years]
    points, info = _store_points(store, category_group, years)
    kwargs = _store_kwargs(store, study_area, kwargs)
    result = emerging(points, years, **kwargs)
    result.attrs.update(info, category_group=category_group)
    _name_study_area(result, kwargs)
    return result


def study_area_for_store(store) -> gpd.GeoDataFrame | None:
    """The one hot-spot study area of a store, for every group and year: the municipality's outline
    (table ``municipality``), or, when the store has none, the union of its areas; ``None`` when it has
    neither (the grid then follows the points, and PAIs of different groups are not comparable).

    Returns a one-row GeoDataFrame (EPSG:3006) with ``study_area`` (``"municipality"`` or ``"areas"``),
    ``name`` and ``geometry``. Its cells (:func:`analyse` keeps those whose centre lies inside) make the
    ``A`` of PAI and RRI.
    """
    municipality = tstore.read_table(store, "municipality")
    if len(municipality):
        name = str(municipality["name"].iloc[0]) if "name" in municipality.columns else ""
        geom = shapely.union_all(municipality.to_crs(CRS_SWEREF).geometry.to_numpy())
        kind = "municipality"
    else:
        areas = tstore.read_table(store, "areas")
        if not len(areas):
            return None
        name, kind = "", "areas"
        geom = shapely.union_all(areas.to_crs(CRS_SWEREF).geometry.to_numpy())
    return gpd.GeoDataFrame({"study_area": [kind], "name": [name]}, geometry=[geom], crs=CRS_SWEREF)


def _store_kwargs(store, study_area: bool, kwargs: dict) -> dict:
    kwargs = dict(kwargs)
    areas = tstore.read_table(store, "areas")
    kwargs.setdefault("areas", areas if len(areas) else None)
    if study_area and "study_area" not in kwargs and kwargs.get("grid") is None:
        kwargs["study_area"] = study_area_for_store(store)
    return kwargs


def _name_study_area(result: gpd.GeoDataFrame, kwargs: dict) -> None:
    given = kwargs.get("study_area")
    if isinstance(given, gpd.GeoDataFrame) and "study_area" in given.columns and len(given):
        result.attrs.update(study_area=str(given["study_area"].iloc[0]), study_area_name=str(given["name"].iloc[0]))


def _group_text(group: str) -> str:
    return "municipal incidents" if group.startswith("kommunala") else f"offences of group '{group}'"


def _store_points(store, group: str, years: list[int]) -> tuple[pd.DataFrame, dict]:
    """The store's rows of the group and years, with a place; and counts of what was left out."""
    if group.startswith("kommunala"):
        table = tstore.read_table(store, "municipal_incidents")
        key = group[len("kommunala") :].lstrip("_")
        if key:
            if key not in MUNICIPAL_TYPES:
                raise ParameterError(
                    f"category_group='{group}' is unknown; use 'kommunala' or one of "
                    + ", ".join("kommunala_" + k for k in MUNICIPAL_TYPES)
                )
            table = table[table["type"].isin(MUNICIPAL_TYPES[key])]
        table = table[table["year"].isin(years)]
        placed = table["x"].notna() & table["y"].notna()
        info = {"table": "municipal_incidents", "n_selected": len(table), "n_without_place": int((~placed).sum()),
                "n_outside_municipality": 0}
        return table.loc[placed, ["x", "y", "year"]].reset_index(drop=True), info
    offences = tstore.read_table(store, "offences")
    offences = offences[offences["year"].isin(years)]
    offences = offences[offence_group_mask(offences, group)]
    status = place_status(offences)  # the one rule of interface 3: placed / outside_municipality / no_place
    info = {
        "table": "offences",
        "n_selected": len(offences),
        "n_without_place": int((status == NO_PLACE).sum()),
        "n_outside_municipality": int((status == OUTSIDE).sum()),
    }
    return offences.loc[(status == PLACED).to_numpy(), ["x", "y", "year"]].reset_index(drop=True), info
