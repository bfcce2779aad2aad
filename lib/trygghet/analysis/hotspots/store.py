"""Hot spots of the store: one year's offences (or municipal incidents) of a group on the store's one
study area (:func:`study_area_for_store`: populated land by default, :mod:`.study_area`), and the
emerging hot spots over its years.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from trygghet.analysis.hotspots.core import analyse
from trygghet.analysis.hotspots.study_area import DEFAULT_BUFFER, STUDY_AREAS, populated_land
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
_SCALAR_OPTIONS = frozenset({"cell_size", "shape", "bandwidth", "bandwidth_adjust", "correction", "alpha", "max_cells",
                             "inference", "permutations", "seed"})


def for_store(
    store,
    year: int,
    category_group: str = "alla",
    *,
    study_area: str | bool = "populated",
    buffer: float = DEFAULT_BUFFER,
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

    ``study_area="populated"`` (default) puts the grid on the store's populated land
    (:func:`study_area_for_store`: the populated squares of SCB's grid, or the built-up areas, widened by
    ``buffer`` metres and clipped to the municipality; the municipality where the store has neither);
    ``"municipality"`` on the whole municipality (``True`` means ``"populated"``, ``False`` a grid
    around the points). Every group and year of the store then has the same cells and the same area
    ``attrs["study_km2"]``, the ``A`` of PAI; ``attrs["study_area"]`` says which it is
    (``"populated"``, ``"municipality"``, ``"areas"``), ``attrs["study_area_name"]`` the municipality's
    name, and for populated land ``study_area_source``, ``study_area_year`` and ``study_area_buffer``.
    Placed offences outside the study area are not analysed and are counted in
    ``attrs["n_outside_study_area"]`` (reports say how many).
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
        key = (int(year), str(category_group), _kind(study_area), float(buffer), options)
        return tstore.disk_memo(store, "hotspots", key, lambda: _for_store(store, year, category_group, study_area,
                                                                          kwargs, buffer), geo=True)
    return _for_store(store, year, category_group, study_area, kwargs, buffer)


def _for_store(store, year: int, category_group: str, study_area, kwargs: dict, buffer: float) -> gpd.GeoDataFrame:
    points, info = _store_points(store, category_group, [int(year)])
    kwargs = _store_kwargs(store, study_area, kwargs, buffer)
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


def emerging_for_store(store, years=None, category_group: str = "alla", *, study_area: str | bool = "populated",
                       buffer: float = DEFAULT_BUFFER, **kwargs):
    """:func:`emerging` of the store's offences (or municipal incidents) of ``category_group``.

    ``years`` default: every year of the table. Offences without a place are left out and counted in
    ``attrs["n_without_place"]`` as in :func:`for_store`; the grid is the same study area.
    """
    table = "municipal_incidents" if category_group.startswith("kommunala") else "offences"
    years = tstore.years(store, table) if years is None else [int(v) for v in years]
    points, info = _store_points(store, category_group, years)
    kwargs = _store_kwargs(store, study_area, kwargs, buffer)
    result = emerging(points, years, **kwargs)
    result.attrs.update(info, category_group=category_group)
    _name_study_area(result, kwargs)
    return result


def study_area_for_store(store, kind: str = "populated", *, buffer: float = DEFAULT_BUFFER) -> gpd.GeoDataFrame | None:
    """The one hot-spot study area of a store, for every group and year.

    ``kind="populated"`` (default): the store's populated land
    (:func:`~trygghet.analysis.hotspots.study_area.populated_land`, widened by ``buffer`` metres), or
    the municipality when the store has no population grid and no built-up areas.
    ``kind="municipality"``: the municipality's outline (table ``municipality``), or, when the store
    has none, the union of its areas. ``None`` when it has neither (the grid then follows the points,
    and PAIs of different groups are not comparable).

    Returns a one-row GeoDataFrame (EPSG:3006) with ``study_area`` (``"populated"``,
    ``"municipality"`` or ``"areas"``), ``name`` and ``geometry`` (populated land adds ``source``,
    ``year``, ``buffer``). Its cells (:func:`analyse` keeps those whose centre lies inside) make the
    ``A`` of PAI and RRI.
    """
    if kind not in STUDY_AREAS:
        raise ParameterError(f"study_area={kind!r} is unknown; use one of " + ", ".join(map(repr, STUDY_AREAS)))
    if kind == "populated":
        land = populated_land(store, buffer=buffer)
        if land is not None:
            return land
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


def _kind(study_area) -> str | None:
    """``"populated"``/``"municipality"`` from for_store's ``study_area`` (``True``: populated, ``False``: none)."""
    if study_area is True:
        return "populated"
    if study_area is False or study_area is None:
        return None
    if study_area not in STUDY_AREAS:
        raise ParameterError(f"study_area={study_area!r} is unknown; use one of " + ", ".join(map(repr, STUDY_AREAS)))
    return study_area


def _store_kwargs(store, study_area, kwargs: dict, buffer: float = DEFAULT_BUFFER) -> dict:
    kwargs = dict(kwargs)
    kind = _kind(study_area)
    areas = tstore.read_table(store, "areas")
    kwargs.setdefault("areas", areas if len(areas) else None)
    if kind is not None and "study_area" not in kwargs and kwargs.get("grid") is None:
        kwargs["study_area"] = study_area_for_store(store, kind, buffer=buffer)
    return kwargs


def _name_study_area(result: gpd.GeoDataFrame, kwargs: dict) -> None:
    given = kwargs.get("study_area")
    if isinstance(given, gpd.GeoDataFrame) and "study_area" in given.columns and len(given):
        result.attrs.update(study_area=str(given["study_area"].iloc[0]), study_area_name=str(given["name"].iloc[0]))
        for column in ("source", "year", "buffer"):
            if column in given.columns:
                value = given[column].iloc[0]
                result.attrs[f"study_area_{column}"] = None if pd.isna(value) else (
                    value if isinstance(value, str) else float(value) if column == "buffer" else int(value))
    result.attrs.setdefault("n_outside_study_area", int(result.attrs.get("n_outside", 0)))


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
