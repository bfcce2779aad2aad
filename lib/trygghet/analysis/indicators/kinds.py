"""What each kind of indicator counts: a frame per year × groups with ``value, lower, upper, numerator,
denominator, n, n_eff, se, unknown`` before disclosure control (see :mod:`.compute`), and the table
readers behind them (events, measures by year, young suspects, population).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from trygghet.analysis import safety_walks as _walks
from trygghet.analysis import survey as _survey
from trygghet.data.errors import DataError
from trygghet.data.store import TABLES, read_json, read_table, store_dir
from trygghet.data.vocabulary import PREVENTION_LEVELS, WHOLE_MUNICIPALITY, sort_key_sv

__all__ = ["KIND_FUNCS", "area_list"]

_YOUNG_BAND = {"<15": "10-14"}  # young suspects' age group -> population band used as denominator
_CODEBOOKS = {"survey": "survey_codebook.json", "youth_survey": "youth_codebook.json"}


# per kind: a frame with year, groups, value, lower, upper, numerator, denominator, n, n_eff, se, unknown


def _rate(store, d, groups, area, alpha, interval):
    counts = _event_counts(store, d, groups, area)
    if d["denominator"] == "befolkning_aldersgrupp":
        pop = _population_bands(store, d, groups)
    else:
        pop = _population(store, groups, area)
    out = counts.merge(pop, on=["year"] + groups, how="left")
    k = out["count"].to_numpy(dtype=float)
    p = out["population"].to_numpy(dtype=float)
    lo, hi = _garwood(k, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(p > 0, 1000.0 / p, np.nan)
    out["value"], out["lower"], out["upper"] = k * scale, lo * scale, hi * scale
    out["numerator"], out["denominator"], out["n"] = k, p, k
    out["n_eff"], out["se"] = np.nan, np.sqrt(k) * scale
    return out


def _count(store, d, groups, area, alpha, interval):
    counts = _event_counts(store, d, groups, area)
    k = counts["count"].to_numpy(dtype=float)
    census = d["table"] == "measures"
    lo, hi = (np.full(len(k), np.nan), np.full(len(k), np.nan)) if census else _garwood(k, alpha)
    out = counts
    out["value"], out["lower"], out["upper"] = k, lo, hi
    out["numerator"], out["denominator"], out["n"] = k, np.nan, k
    out["n_eff"], out["se"] = np.nan, (np.nan if census else np.sqrt(k))
    return out


def _sum(store, d, groups, area, alpha, interval):
    counts = _event_counts(store, d, groups, area, value_column=d["value_column"])
    out = counts
    out["value"] = out["total"].astype(float)
    out["lower"] = out["upper"] = np.nan
    out["numerator"], out["denominator"], out["n"] = out["value"], np.nan, out["count"].astype(float)
    out["n_eff"], out["se"] = np.nan, np.nan
    return out


def _share(store, d, groups, area, alpha, interval):
    if d["table"] == "safety_walks":
        t = read_table(store, "safety_walks")
        if area is not None:
            t = t.loc[t["area"] == area]
        years = sorted(pd.to_numeric(read_table(store, "safety_walks")["year"]).dropna().astype(int).unique())
        fixed = t[d["numerator_column"]].fillna(False).astype(bool)
        window = d.get("fix_window_days")
        if window:
            # the one rule "a finding is fixed" (trygghet.analysis.safety_walks): fixed within the window;
            # a finding whose window is still open at the end of the data counts in neither part
            status = _walks.finding_status(t, _walks.data_end(store), window_days=int(window))
            keep = (status != _walks.NOT_YET_MEASURABLE).to_numpy(dtype=bool)
            t, fixed = t.loc[keep], (status == _walks.FIXED).loc[keep]
        t = t.assign(_num=fixed.astype(float), _den=1.0, _unknown=False)
    else:
        t = _young_rows(store, d, groups)
        num = pd.to_numeric(t[d["numerator_column"]], errors="coerce")
        den = pd.to_numeric(t["persons"], errors="coerce")
        # a cell the police left empty (under 5) is left out of both numerator and denominator; a group
        # with no reported cell at all is unknown
        known = num.notna() & den.notna()
        t = t.assign(_num=num.where(known, 0).astype(float), _den=den.where(known, 0).astype(float),
                     _unknown=~known)
        years = sorted(t["year"].astype(int).unique())
    keys = ["year"] + groups
    t = t.assign(year=pd.to_numeric(t["year"]).astype(int))
    agg = t.groupby(keys, dropna=True, observed=True).agg(numerator=("_num", "sum"), denominator=("_den", "sum"),
                                                           unknown=("_unknown", "all")).reset_index()
    agg = _complete(agg, store, d, groups, area, years, fill={"numerator": 0.0, "denominator": 0.0, "unknown": False})
    agg = agg.loc[(agg["denominator"] > 0) | agg["unknown"]].reset_index(drop=True)
    x, n = agg["numerator"].to_numpy(float), agg["denominator"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        bounds = [_survey.proportion_interval(xi / ni, ni, alpha, "wilson") if ni > 0 else (np.nan, np.nan)
                  for xi, ni in zip(x, n)]
        agg["value"] = x / n
    agg["lower"] = [b[0] for b in bounds]
    agg["upper"] = [b[1] for b in bounds]
    agg["n"], agg["n_eff"] = n, np.nan
    agg["se"] = np.sqrt(agg["value"] * (1 - agg["value"]) / n)
    agg.loc[agg["unknown"], ["value", "lower", "upper", "numerator", "se"]] = np.nan
    return agg


def _survey_estimate(store, d, groups, area, alpha, interval):
    t = read_table(store, d["table"])
    codebook = read_json(store, _CODEBOOKS[d["table"]])
    source = f"{d['table']} codebook ({_CODEBOOKS[d['table']]})"
    qbook = _survey.questions(codebook, source)
    qids = [q for q, spec in qbook.items() if spec.get("problemindex")] if d["questions"] == "problemindex" \
        else list(d["questions"])
    for q in qids:
        if q not in qbook:
            raise DataError(source, f"indicator '{d['id']}' uses question '{q}', which the codebook lacks",
                            "add the question to the codebook or fix indicators.yaml")
        if q not in t.columns:
            raise DataError(d["table"], f"indicator '{d['id']}' needs the column '{q}', which the survey lacks",
                            "check the survey extract's header and the codebook")
    if area is not None:
        t = t.loc[t["area"] == area]
    vet_ej = {q: qbook[q]["vet_ej"] for q in qids}
    weights = pd.to_numeric(t["weight"], errors="coerce").fillna(1.0)
    frame = t.loc[:, ["year"] + groups].assign(weight=weights.to_numpy())
    frame["year"] = pd.to_numeric(frame["year"]).astype(int)
    if d["kind"] == "survey_share":
        frame["_y"] = _survey.answer_any(t, qids, d["yes_codes"], vet_ej)
        est = _survey.estimate_groups(frame, "_y", ["year"] + groups, statistic="share", alpha=alpha, method=interval)
    else:
        scoring = _survey.score_map(codebook, source)
        frame["_y"] = _survey.answer_score(t, qids, scoring, vet_ej)
        lo_b, hi_b = min(scoring.values()), max(scoring.values())
        est = _survey.estimate_groups(frame, "_y", ["year"] + groups, statistic="mean", alpha=alpha,
                                      bounds=(lo_b, hi_b))
    est["unknown"] = False
    return est


KIND_FUNCS = {
    "rate_per_1000": _rate,
    "count": _count,
    "sum": _sum,
    "share": _share,
    "survey_share": _survey_estimate,
    "survey_index": _survey_estimate,
    "survey_mean": _survey_estimate,
}


def _event_counts(store, d, groups, area, value_column=None) -> pd.DataFrame:
    """Counts (and sums) per year × groups, with zero rows for groups without events."""
    table = d["table"]
    filt = d.get("filter") or {}
    if table == "young_suspects":
        t = _young_rows(store, d, groups)
        vals = pd.to_numeric(t[d.get("value_column") or "persons"], errors="coerce")
        t = t.assign(_k=vals.fillna(0).astype(float), _unknown=vals.isna(), year=t["year"].astype(int))
        agg = t.groupby(["year"] + groups, observed=True).agg(count=("_k", "sum"), unknown=("_unknown", "any"))
        agg = agg.reset_index()
        years = sorted(t["year"].unique())
        return _complete(agg, store, d, groups, area, years, fill={"count": 0.0, "unknown": False})
    if table == "measures":
        t = _measure_years(store, filt, area if "area" not in groups else None, "area" in groups)
        years = sorted(t["year"].unique())
    else:
        full = read_table(store, table)
        years = sorted(pd.to_numeric(full["year"]).dropna().astype(int).unique())
        t = full.loc[_filter_mask(full, table, filt)]
        if area is not None:
            t = t.loc[t["area"] == area]
        t = t.assign(year=pd.to_numeric(t["year"]).astype(int))
    if "area" in groups:
        t = t.loc[t["area"].notna()]
    keys = ["year"] + groups
    spec = {"count": ("year", "size")}
    if value_column:
        t = t.assign(_v=pd.to_numeric(t[value_column], errors="coerce").fillna(0.0))
        spec["total"] = ("_v", "sum")
    agg = t.groupby(keys, observed=True).agg(**spec).reset_index() if len(t) else pd.DataFrame(columns=keys + list(spec))
    agg["unknown"] = False
    fill = {"count": 0.0, "unknown": False, **({"total": 0.0} if value_column else {})}
    return _complete(agg, store, d, groups, area, years, fill=fill)


def _filter_mask(t: pd.DataFrame, table: str, filt: Mapping) -> pd.Series:
    mask = pd.Series(True, index=t.index)
    if table == "offences":
        if "categories" in filt:
            mask &= t["category"].isin(filt["categories"]).fillna(False).astype(bool)
        for flag in ("violent", "volume_crime", "public_place"):
            if flag in filt:
                mask &= (t[flag].fillna(False).astype(bool) == bool(filt[flag]))
        if "hours" in filt:
            hour = pd.to_numeric(t["hour"], errors="coerce")
            mask &= hour.isin(filt["hours"]).fillna(False).astype(bool)
    elif table == "municipal_incidents" and "types" in filt:
        mask &= t["type"].isin(filt["types"]).fillna(False).astype(bool)
    return mask


def _measure_years(store, filt: Mapping, area: str | None, need_area: bool) -> pd.DataFrame:
    """One row per measure × year it runs (× area when asked)."""
    m = read_table(store, "measures")
    m = m.loc[~m["status"].isin(filt.get("exclude_status", [])).fillna(False).astype(bool)]
    m = m.loc[m["start"].notna()]
    rows = []
    for rec in m.itertuples(index=False):
        y0 = int(pd.Timestamp(rec.start).year)
        y1 = int(pd.Timestamp(rec.end).year) if pd.notna(rec.end) else None
        rows.append((rec.measure_id, rec.level, y0, y1))
    if not rows:
        return pd.DataFrame({"measure_id": [], "level": [], "year": [], "area": []})
    last = max(max(r[2] for r in rows), max((r[3] for r in rows if r[3] is not None), default=0))
    expanded = [(mid, lvl, y) for mid, lvl, y0, y1 in rows for y in range(y0, (y1 if y1 is not None else last) + 1)]
    out = pd.DataFrame(expanded, columns=["measure_id", "level", "year"])
    if area is not None or need_area:
        ma = read_table(store, "measure_areas").loc[:, ["measure_id", "area"]]
        out = out.merge(ma, on="measure_id", how="inner")
        if area is not None:
            out = out.loc[out["area"].isin([area, WHOLE_MUNICIPALITY])]
            out = out.drop_duplicates(["measure_id", "year"])
    return out


def _young_rows(store, d, groups) -> pd.DataFrame:
    """Young-suspect rows for the grouping: by sex the kvinna/man rows, else the 'alla' rows when the
    year has them and the sum of kvinna and man otherwise."""
    t = read_table(store, "young_suspects")
    ages = (d.get("filter") or {}).get("age_groups")
    if ages:
        t = t.loc[t["age_group"].isin(ages)]
    t = t.assign(year=pd.to_numeric(t["year"]).astype(int))
    if "sex" in groups:
        return t.loc[t["sex"].isin(["kvinna", "man"])]
    has_all = t.loc[t["sex"] == "alla"].groupby("year").size()
    use_all = t["year"].isin(has_all.index)
    return t.loc[(use_all & (t["sex"] == "alla")) | (~use_all & t["sex"].isin(["kvinna", "man"]))]


def _population(store, groups, area) -> pd.DataFrame:
    pop = read_table(store, "population")
    if area is not None:
        pop = pop.loc[pop["area"] == area]
    pop = pop.assign(year=pd.to_numeric(pop["year"]).astype(int))
    keys = ["year"] + [g for g in groups if g == "area"]
    return pop.groupby(keys, observed=True)["population"].sum().astype(float).reset_index()


def _population_bands(store, d, groups) -> pd.DataFrame:
    pop = read_table(store, "population")
    pop = pop.assign(year=pd.to_numeric(pop["year"]).astype(int))
    ages = (d.get("filter") or {}).get("age_groups") or []
    bands = {a: _YOUNG_BAND.get(a, a) for a in ages}
    if not set(bands.values()) & set(pop["age_group"].astype(str)):
        raise DataError("population.parquet", f"indicator '{d['id']}' needs the population by age group "
                        f"({', '.join(sorted(set(bands.values())))}), but the population is not split by age",
                        "deliver befolkning.csv with the column åldersgrupp")
    if "sex" in groups and not pop["sex"].isin(["kvinna", "man"]).any():
        raise DataError("population.parquet", "the population is not split by sex",
                        "deliver befolkning.csv with the column kön, or compute without by='sex'")
    rows = []
    for a, band in bands.items():
        sub = pop.loc[pop["age_group"] == band]
        keys = ["year"] + (["sex"] if "sex" in groups else [])
        s = sub.groupby(keys, observed=True)["population"].sum().reset_index().assign(age_group=a)
        rows.append(s)
    allp = pd.concat(rows, ignore_index=True)
    keys = ["year"] + [g for g in groups if g in ("sex", "age_group")]
    return allp.groupby(keys, observed=True)["population"].sum().astype(float).reset_index()


def _complete(agg: pd.DataFrame, store, d, groups, area, years, fill: Mapping) -> pd.DataFrame:
    """Add the rows with no events (zero counts) for every covered year × group value."""
    levels = [list(map(int, years))]
    for g in groups:
        levels.append(_group_values(store, d, g, agg, area))
    if not levels[0]:
        return agg.iloc[0:0].assign(**{k: pd.Series(dtype=float) for k in fill if k not in agg})
    grid = pd.MultiIndex.from_product(levels, names=["year"] + groups).to_frame(index=False)
    agg = agg.assign(year=agg["year"].astype(int)) if len(agg) else agg.astype({"year": int})
    for g in groups:
        grid[g] = grid[g].astype(object)
        agg[g] = agg[g].astype(object)
    out = grid.merge(agg, on=["year"] + groups, how="left")
    for k, v in fill.items():
        if k not in out:
            out[k] = v
        out[k] = out[k].astype(object).where(out[k].notna(), v).infer_objects()
    return out


def _group_values(store, d, g, agg, area) -> list:
    if g == "area":
        if area is not None:
            return [area]
        names = area_list(store)
        extra = [a for a in agg["area"].dropna().unique() if a not in names] if "area" in agg else []
        return names + sorted(extra, key=sort_key_sv)
    if g == "level":
        return list(PREVENTION_LEVELS)
    if g == "sex":
        return ["kvinna", "man"]
    if g == "age_group":
        return list((d.get("filter") or {}).get("age_groups") or sorted(agg[g].dropna().unique()))
    return sorted(agg[g].dropna().unique(), key=sort_key_sv)


def area_list(store) -> list[str]:
    """The store's areas (the areas table, else the population's), sorted the Swedish way; read once
    per version of the two tables (every indicator computed per area asks)."""
    folder = store_dir(store).resolve()
    stamp = tuple((folder / TABLES[t]).stat().st_mtime_ns if (folder / TABLES[t]).exists() else 0
                  for t in ("areas", "population"))
    return list(_area_list(str(folder), stamp))


@lru_cache(maxsize=16)
def _area_list(folder: str, stamp: tuple) -> tuple[str, ...]:
    try:
        names = read_table(folder, "areas")["area"].dropna().astype(str).tolist()
    except DataError:
        names = []
    if not names:
        names = read_table(folder, "population")["area"].dropna().astype(str).unique().tolist()
    names = [n for n in dict.fromkeys(names) if n != WHOLE_MUNICIPALITY]
    return tuple(sorted(names, key=sort_key_sv))


def _garwood(k: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for counts ``k`` (Garwood 1936)."""
    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    lo = np.where(np.isnan(k), np.nan, lo)
    return lo, hi
