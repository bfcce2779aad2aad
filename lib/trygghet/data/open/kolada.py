"""Kolada's REST API v3 (RKA): key figures on crime and safety for a municipality, its county, the country and
Kolada's group of similar municipalities.

The API answers ``{"count": n, "values": [...], "next_url": "...", "previous_url": "..."}`` and pages with
``page``/``per_page`` (at most 5000; ``next_url`` null on the last page). Lists of ids or years in a path take at
most 25 items (longer ones are refused with HTTP 422). A data object is ``{"kpi": "N07403", "municipality":
"2580", "period": 2022, "values": [{"gender": "T", "count": 1, "status": "", "value": 827.0, "isdeleted":
false}]}`` — ``gender`` T (total), K (women), M (men) where the figure is split, ``status`` Kolada's flag (kept
as given; empty when none), ``count`` 1 for a municipality and the number of members with a value for a group
(a group's value is the unweighted mean of its members), ``isdeleted`` true for a value Kolada has withdrawn
(left out of the tidy frame). A municipality group is ``{"id": "G176325", "title": "Liknande kommuner
socioekonomi, Luleå, 2024", "members": [{"member_id": "1080", "member_title": "Karlskrona"}, ...]}``: RKA's
similar-municipalities groups are made per field *for* one municipality (named in the title with the year of the
matching) and do not contain it. KPI metadata has ``publ_period`` (the latest period published or to be
published) and ``publication_date`` (its publication date, which may lie ahead). The shapes are those of
rKolada's recorded v3 answers (tests/fixtures/open/README.md). The downloads are kept in the API's own shape
with the pages merged (``count`` and ``values``):

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
from datetime import date

import pandas as pd

from trygghet.data.open.http import FetchError, Http

__all__ = ["Download", "county_of", "fetch_kolada", "check_data", "kolada_frame", "group_members", "REGION_KINDS"]

#: fields of RKA's similar-municipalities groups in order of preference: the socio-economic one (what Luleå's own
#: indicator site compares violent crime with), then the overall one; any other matching field after them
_PREFERRED_GROUP_WORDS = ("socioekonomi", "övergripande")
#: "<field>, <municipality>, <year of the matching>", e.g. "Liknande kommuner socioekonomi, Luleå, 2024"
_GROUP_TITLE = re.compile(r"^(?P<field>.+), (?P<name>[^,]+), (?P<year>\d{4})$")
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
                 country: str = "0000", group: str | None = None, group_title: str = "(?i)^liknande kommuner",
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
    updated = _published(meta)

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
                 source_updated=updated, details={"kpis": ids, "publication": {
                     str(m.get("id")): {k: m.get(k) for k in ("publ_period", "publication_date",
                                                               "prel_publication_date")} for m in meta}}),
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
        try:
            page = http.get(next_url).json()
        except FetchError as exc:
            if "(HTTP 422)" not in str(exc):
                raise
            raise FetchError(f"{exc}: Kolada refuses more than {MAX_LIST} ids or years in one list and more "
                             "than 5000 rows per page; choose fewer key figures (--kpi) or years") from None
        if not isinstance(page, dict) or not isinstance(page.get("values"), list):
            raise FetchError(f"{next_url}: the answer has no 'values' list; Kolada's format may have changed "
                             "(the last download stays in use)")
        values.extend(page["values"])
        nxt = page.get("next_url")
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
    """RKA's similar-municipalities group made for ``name``: a title "<field>, <name>, <year>" whose field matches
    ``title``; the socio-economic field first, then the overall one, the latest matching year first."""
    if group:
        found = _pages(http, f"{base}/municipality_groups/{urllib.parse.quote(group)}", per_page)
        if not found:
            raise FetchError(f"Kolada has no municipality group {group}; check --group")
        return found[0]
    query = urllib.parse.urlencode({"title": name})
    found = []
    for candidate in _pages(http, f"{base}/municipality_groups?{query}", per_page):
        m = _GROUP_TITLE.match(str(candidate.get("title", "")).strip())
        # a group made for another municipality may count this one among its members: not this one's group
        if m and m["name"] == name and re.search(title, m["field"]):
            field = m["field"].lower()
            rank = next((i for i, w in enumerate(_PREFERRED_GROUP_WORDS) if w in field), len(_PREFERRED_GROUP_WORDS))
            found.append((rank, -int(m["year"]), candidate))
    found.sort(key=lambda c: c[:2])
    return found[0][2] if found else None


def group_members(group: dict | None) -> list[tuple[str, str]]:
    """A municipality group's members as (code, name), from v3's ``member_id``/``member_title``."""
    return [(str(m.get("member_id")), str(m.get("member_title"))) for m in (group or {}).get("members") or []
            if isinstance(m, dict) and m.get("member_id")]


def _published(meta: list) -> str | None:
    """The latest ``publication_date`` of the key figures that has passed (Kolada also lists coming ones)."""
    today = date.today().isoformat()
    dates = [str(m.get("publication_date")) for m in meta if isinstance(m, dict) and m.get("publication_date")]
    return max((d for d in dates if d[:10] <= today), default=None)


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
                      and isinstance(v.get("isdeleted", False), bool)
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
            if v.get("isdeleted"):  # withdrawn by Kolada
                continue
            rows.append({"kpi": obj["kpi"], "region": region, "region_kind": kinds.get(region, "annan"),
                         "region_name": names.get(region, region), "year": obj["period"], "gender": v["gender"],
                         "value": v.get("value"), "status": v.get("status") or "", "count": v.get("count")})
    frame = pd.DataFrame(rows, columns=["kpi", "region", "region_kind", "region_name", "year", "gender", "value",
                                        "status", "count"])
    return frame.astype({"kpi": "string", "region": "string", "region_kind": "string", "region_name": "string",
                         "year": "int64", "gender": "string", "value": "float64", "status": "string",
                         "count": "Int64"})
