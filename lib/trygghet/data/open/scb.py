"""SCB's PxWebApi 2 (Statistics Sweden): population by region (DeSO, RegSO) × age band × sex as JSON-stat 2.

``GET {base}/config`` gives the API's published rate limit (``maxCallsPerTimeWindow`` calls per ``timeWindow``
seconds) and licence; the client keeps to it. The data come from ``POST {base}/tables/{table}/data?lang=sv&
outputFormat=json-stat2`` with a selection; the region selection ``<code>*`` takes the municipality and every
DeSO and RegSO inside it (codes like ``2580A0010_DeSO2025`` and ``2580R001_RegSO2025``).

A JSON-stat 2 dataset is checked before it is saved: ``version`` 2.0, ``class`` dataset, ``id`` and ``size``
of the same length, a ``dimension`` with a category index for every id, and as many values as the sizes'
product. :func:`jsonstat_frame` turns one into a tidy frame (one column per dimension's code, ``value``).
"""

from __future__ import annotations

import json
import math

import pandas as pd

from trygghet.data.open.http import FetchError, Http, RateLimit
from trygghet.data.open.kolada import Download

__all__ = ["fetch_population", "check_jsonstat", "jsonstat_frame", "read_config"]


def read_config(http: Http, base: str, calls: int, window: float) -> dict:
    """The API's ``/config``; sets ``http.rate`` to the published limit (or ``calls``/``window``)."""
    config = http.get(f"{base.rstrip('/')}/config").json()
    if not isinstance(config, dict):
        raise FetchError(f"{base}/config: not a PxWebApi configuration")
    n = config.get("maxCallsPerTimeWindow")
    w = config.get("timeWindow")
    if isinstance(n, int) and n > 0 and isinstance(w, (int, float)) and w > 0:
        http.rate = RateLimit(calls=n, window=float(w))
    else:
        http.rate = RateLimit(calls=calls, window=float(window))
    return config


def fetch_population(http: Http, base: str, municipality: str, years: list[int], *, table: str, contents: str,
                     age_bands: list[str], calls: int = 10, window: float = 10.0) -> list[Download]:
    """Population of the municipality and its DeSO and RegSO areas by age band and sex, checked."""
    base = base.rstrip("/")
    config = read_config(http, base, calls, window)
    url = f"{base}/tables/{table}/data?lang=sv&outputFormat=json-stat2"
    body = {"selection": [
        {"variableCode": "Region", "valueCodes": [f"{municipality}*"]},
        {"variableCode": "Alder", "valueCodes": list(age_bands)},
        {"variableCode": "Kon", "valueCodes": ["1", "2"]},
        {"variableCode": "ContentsCode", "valueCodes": [contents]},
        {"variableCode": "Tid", "valueCodes": [str(y) for y in sorted(set(years))]},
    ]}
    answer = http.post_json(url, body)
    doc = answer.json()
    check_jsonstat(doc, url, required=("Region", "Alder", "Kon", "Tid"))
    licence = config.get("license") if isinstance(config.get("license"), str) else None
    return [Download(name=f"scb_befolkning_{municipality}.json", data=answer.body, url=url,
                     source_updated=doc.get("updated"),
                     details={"table": table, "selection": body["selection"], "licence_url": licence,
                              "label": doc.get("label")})]


def check_jsonstat(doc: object, where: str, required: tuple[str, ...] = ()) -> None:
    """Refuse an answer that is not a consistent JSON-stat 2 dataset (FetchError naming what is wrong)."""
    def bad(what: str) -> FetchError:
        return FetchError(f"{where}: {what}; SCB's answer is not the expected JSON-stat 2 dataset "
                          "(the last download stays in use)")

    if not isinstance(doc, dict) or doc.get("class") != "dataset" or str(doc.get("version")) != "2.0":
        raise bad("not a JSON-stat 2.0 dataset")
    ids, size, dims = doc.get("id"), doc.get("size"), doc.get("dimension")
    if not (isinstance(ids, list) and isinstance(size, list) and len(ids) == len(size) and isinstance(dims, dict)):
        raise bad("'id' and 'size' do not match")
    for i, dim in enumerate(ids):
        index = (dims.get(dim) or {}).get("category", {}).get("index")
        if not isinstance(index, (dict, list)) or len(index) != size[i]:
            raise bad(f"dimension {dim} has no category index of size {size[i]}")
    missing = [d for d in required if d not in ids]
    if missing:
        raise bad(f"the dimension(s) {', '.join(missing)} are missing")
    values = doc.get("value")
    n = math.prod(size)
    if isinstance(values, dict):  # the sparse form: {"<position>": value}
        if any(not str(k).isdigit() or int(k) >= n for k in values):
            raise bad("a value's position is outside the table")
    elif not isinstance(values, list) or len(values) != n:
        raise bad(f"{len(values) if isinstance(values, list) else 'no'} values for {n} cells (a partial answer?)")


def jsonstat_frame(doc: dict | bytes | str) -> pd.DataFrame:
    """A JSON-stat 2 dataset as a tidy frame: one column of codes per dimension (in ``id`` order), the
    labels in ``<dim>_label``, and ``value`` (float, NaN for a missing value). Row-major order, as the
    format defines (the last dimension varies fastest)."""
    if not isinstance(doc, dict):
        doc = json.loads(doc)
    check_jsonstat(doc, "JSON-stat dataset")
    ids, size = doc["id"], doc["size"]
    codes = []
    for dim in ids:
        index = doc["dimension"][dim]["category"]["index"]
        order = index if isinstance(index, list) else sorted(index, key=index.get)
        codes.append(order)
    n = math.prod(size)
    raw = doc["value"]
    values = [raw.get(str(i)) for i in range(n)] if isinstance(raw, dict) else raw
    frame = pd.MultiIndex.from_product(codes, names=ids).to_frame(index=False)
    for dim in ids:
        labels = doc["dimension"][dim]["category"].get("label") or {}
        frame[f"{dim}_label"] = frame[dim].map(labels).fillna(frame[dim])
    frame["value"] = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(float)
    return frame
