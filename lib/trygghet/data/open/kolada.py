"""Kolada's REST API v3 (RKA): key figures on crime and safety for a municipality, its county, the country and
Kolada's group of similar municipalities.

The API answers ``{"count": n, "values": [...], "next_url": "...", "previous_url": "..."}`` and pages with
``page``/``per_page`` (``next_url`` empty or missing on the last page). A data object is
``{"kpi": "N07403", "municipality": "2580", "period": 2022, "values": [{"gender": "T", "count": 1,
"status": "", "value": 827.0}]}`` — ``gender`` T (total), K (women), M (men) where the figure is split,
``status`` Kolada's flag (kept as given; empty when none). Municipality groups are unweighted means of their
members. The downloads are kept in the API's own shape with the pages merged (``count`` and ``values``):

- ``kolada_<code>_kpi.json``  the key figures' metadata (``/v3/kpi/{ids}``), each title checked against
  ``resources/open_data.yaml`` before anything is written;
- ``kolada_<code>_regions.json``  the municipality, its county and the country (``/v3/municipality/{ids}``);
- ``kolada_<code>_group.json``  the similar-municipalities group with its members (``/v3/municipality_groups``);
- ``kolada_<code>_data.json``  the values (``/v3/data/kpi/{ids}/municipality/{ids}/year/{years}``).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable

import pandas as pd

from trygghet.data.open.http import FetchError, Http

__all__ = ["Download", "county_of", "fetch_kolada", "check_data", "kolada_frame", "REGION_KINDS"]

#: words of the similar-municipalities group to prefer when Kolada has several (else the first is taken)
_PREFERRED_GROUP_WORDS = ("övergripande", "brott", "trygghet")
#: the longest id or year list Kolada accepts in one request
MAX_LIST = 25
#: region kinds of the tidy frame, in reading order
REGION_KINDS = ("kommun", "län", "liknande", "riket")
_GENDERS = {"T", "K", "M"}


class Download(dict):
    """One file to save: ``name``, ``data`` (bytes), ``url``, ``source_updated``, ``details``."""


def county_of(municipality: str) -> str:
    """Kolada's id of the county (region) a municipality lies in: ``00`` + the code's first two digits."""
    return "00" + municipality[:2]


def fetch_kolada(http: Http, base: str, municipality: str, years: Iterable[int], kpis: list[dict], *,
                 country: str = "0000", group: str | None = None, group_title: str = "(?i)liknande kommuner",
                 per_page: int = 5000) -> list[Download]:
    """Download and check everything for one municipality; returns the files to save (nothing is written
    here, so a refused answer can never replace a good file)."""
    base = base.rstrip("/")
    years = sorted({int(y) for y in years})
    ids = [k["id"] for k in kpis]
    if len(ids) > MAX_LIST:
        raise FetchError(f"at most {MAX_LIST} Kolada key figures per fetch, got {len(ids)}; use --kpi to choose")
    county = county_of(municipality)

    regions = _pages(http, f"{base}/municipality/{','.join([municipality, county, country])}", per_page)
    known = {str(r.get("id")): r for r in regions}
    if municipality not in known:
        raise FetchError(f"Kolada does not know the municipality code {municipality}; give the four-digit code "
                         "of a Swedish municipality (Luleå 2580)")
    name = str(known[municipality].get("title", municipality))

    meta = _pages(http, f"{base}/kpi/{','.join(ids)}", per_page)
    _check_kpis(meta, kpis)
    updated = max((str(m.get("publication_date") or "") for m in meta), default="") or None

    group_doc = _find_group(http, base, municipality, name, group, group_title, per_page)
    members = [municipality, county, country] + ([str(group_doc["id"])] if group_doc else [])
    values: list = []
    asked: list[str] = []
    for i in range(0, len(years), MAX_LIST):  # the API refuses longer lists
        block = years[i:i + MAX_LIST]
        asked.append(f"{base}/data/kpi/{','.join(ids)}/municipality/{','.join(members)}"
                     f"/year/{','.join(str(y) for y in block)}")
        values.extend(_pages(http, asked[-1], per_page))
    data_url = (f"{base}/data/kpi/{','.join(ids)}/municipality/{','.join(members)}"
                f"/year/{','.join(str(y) for y in years)}")
    check_data({"values": values}, data_url)

    def doc(vals: list) -> bytes:
        return (json.dumps({"count": len(vals), "values": vals}, ensure_ascii=False, indent=1) + "\n").encode()

    out = [
        Download(name=f"kolada_{municipality}_kpi.json", data=doc(meta), url=f"{base}/kpi/{','.join(ids)}",
                 source_updated=updated, details={"kpis": ids}),
        Download(name=f"kolada_{municipality}_regions.json", data=doc(regions),
                 url=f"{base}/municipality/{','.join([municipality, county, country])}", source_updated=None,
                 details={"municipality": municipality, "county": county, "country": country}),
        Download(name=f"kolada_{municipality}_data.json", data=doc(values), url=data_url, source_updated=updated,
                 details={"kpis": ids, "regions": members, "years": years, "requests": asked}),
    ]
    if group_doc:
        out.insert(2, Download(name=f"kolada_{municipality}_group.json", data=doc([group_doc]),
                               url=f"{base}/municipality_groups/{group_doc['id']}", source_updated=None,
                               details={"group": group_doc["id"], "title": group_doc.get("title")}))
    return out


def _pages(http: Http, url: str, per_page: int) -> list:
    """Every page's ``values`` of a Kolada answer, following ``next_url``."""
    sep = "&" if "?" in url else "?"
    next_url: str | None = f"{url}{sep}per_page={per_page}"
    seen: set[str] = set()
    values: list = []
    while next_url:
        if next_url in seen:
            raise FetchError(f"{url}: the pages of the answer point back to themselves ({next_url}); "
                             "the API may have changed, try again later")
        seen.add(next_url)
        page = http.get(next_url).json()
        if not isinstance(page, dict) or not isinstance(page.get("values"), list):
            raise FetchError(f"{next_url}: the answer has no 'values' list; Kolada's format may have changed "
                             "(the last download stays in use)")
        values.extend(page["values"])
        nxt = page.get("next_url") or page.get("next_page")
        next_url = urllib.parse.urljoin(next_url, nxt) if nxt else None
    return values


def _check_kpis(meta: list, kpis: list[dict]) -> None:
    found = {str(m.get("id")): str(m.get("title", "")) for m in meta if isinstance(m, dict)}
    missing = [k["id"] for k in kpis if k["id"] not in found]
    if missing:
        raise FetchError(f"Kolada has no key figure {', '.join(missing)} any more; remove it from "
                         "resources/open_data.yaml or replace it by its successor")
    changed = [f"{k['id']} is now titled '{found[k['id']]}'" for k in kpis
               if not re.search(k["title"], found[k["id"]])]
    if changed:
        raise FetchError("Kolada's metadata no longer matches the expected key figures (" + "; ".join(changed)
                         + "); check the definitions and update the titles in resources/open_data.yaml")


def _find_group(http: Http, base: str, municipality: str, name: str, group: str | None, title: str,
                per_page: int) -> dict | None:
    if group:
        found = _pages(http, f"{base}/municipality_groups/{urllib.parse.quote(group)}", per_page)
        if not found:
            raise FetchError(f"Kolada has no municipality group {group}; check --group")
        return found[0]
    query = urllib.parse.urlencode({"title": name})
    found = []
    for candidate in _pages(http, f"{base}/municipality_groups?{query}", per_page):
        members = {str(m.get("id")) for m in candidate.get("members") or [] if isinstance(m, dict)}
        if re.search(title, str(candidate.get("title", ""))) and municipality in members:
            found.append(candidate)
    # Kolada has one such group per field (overall, schools, elderly care ...): the overall one first
    found.sort(key=lambda c: not any(w in str(c.get("title", "")).lower() for w in _PREFERRED_GROUP_WORDS))
    return found[0] if found else None


def check_data(doc: object, where: str) -> None:
    """Refuse a data answer that is not Kolada's shape (raises FetchError naming the first bad object)."""
    values = doc.get("values") if isinstance(doc, dict) else None
    if not isinstance(values, list):
        raise FetchError(f"{where}: no 'values' list; Kolada's format may have changed")
    for i, obj in enumerate(values):
        ok = (isinstance(obj, dict) and isinstance(obj.get("kpi"), str) and isinstance(obj.get("municipality"), str)
              and isinstance(obj.get("period"), int) and isinstance(obj.get("values"), list)
              and all(isinstance(v, dict) and v.get("gender") in _GENDERS
                      and (v.get("value") is None or isinstance(v.get("value"), (int, float)))
                      for v in obj["values"]))
        if not ok:
            raise FetchError(f"{where}: data object {i + 1} is not in Kolada's format ({str(obj)[:120]}); "
                             "the source may have changed (the last download stays in use)")


def kolada_frame(data: dict, regions: dict, group: dict | None, municipality: str) -> pd.DataFrame:
    """The values as a tidy frame: ``kpi``, ``region`` (Kolada's id), ``region_kind`` (kommun, län,
    liknande, riket), ``region_name``, ``year``, ``gender`` (T, K, M), ``value``, ``status``, ``count``."""
    check_data(data, "kolada data")
    names = {str(r.get("id")): str(r.get("title", "")) for r in regions.get("values", [])}
    group_id = str(group["id"]) if group else None
    if group:
        names[group_id] = str(group.get("title", group_id))
    kinds = {municipality: "kommun", county_of(municipality): "län", "0000": "riket"}
    if group_id:
        kinds[group_id] = "liknande"
    rows = []
    for obj in data["values"]:
        region = obj["municipality"]
        for v in obj["values"]:
            rows.append({"kpi": obj["kpi"], "region": region, "region_kind": kinds.get(region, "annan"),
                         "region_name": names.get(region, region), "year": obj["period"], "gender": v["gender"],
                         "value": v.get("value"), "status": v.get("status") or "", "count": v.get("count")})
    frame = pd.DataFrame(rows, columns=["kpi", "region", "region_kind", "region_name", "year", "gender", "value",
                                        "status", "count"])
    return frame.astype({"kpi": "string", "region": "string", "region_kind": "string", "region_name": "string",
                         "year": "int64", "gender": "string", "value": "float64", "status": "string",
                         "count": "Int64"})
