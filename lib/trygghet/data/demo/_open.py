"""Demo public statistics (``RAW/open/``): Kolada's answers as ``trygghet fetch`` saves them, for Luleå, Norrbotten,
the country and a group of similar municipalities, so the reports' benchmark section works without network.

The files have Kolada's shape and provenance (marked ``"demo": true``). Values published in Kolada are used
where they are known (N07403 violent offences per 100 000: Luleå 2019 827, 2020 780, 2021 855, 2022 827;
the country 2022 964 — see the domain notes); Luleå's N07403 for 2023–2025 are the demo offences' own targets
(848, 871, 862); every other value is *demo*: a random walk from a plausible level, drawn with this part's
own generator ``default_rng([seed, 13])``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from trygghet.data.open.files import PROVENANCE_SUFFIX, save_download

__all__ = ["K_OPEN", "OPEN_FILES", "write_open"]

K_OPEN = 13
CODE = "2580"
COUNTY = "0025"
GROUP = "G-DEMO"
YEARS = tuple(range(2019, 2026))
_NAMES = {"0000": "Riket", COUNTY: "Region Norrbotten", CODE: "Luleå"}
_GROUP_MEMBERS = {"2480": "Umeå", "2281": "Sundsvall", "2380": "Östersund", "2482": "Skellefteå", "0880": "Kalmar",
                  CODE: "Luleå"}
#: key figure -> (title as in Kolada, start level per region kind, yearly relative sd)
_KPIS = {
    "N07403": ("Anmälda våldsbrott, antal/100 000 inv",
               {"kommun": 850.0, "län": 900.0, "riket": 960.0, "liknande": 880.0}, 0.05),
    "N07540": ("Anmälda brott totalt, antal/100 000 inv",
               {"kommun": 9700.0, "län": 10400.0, "riket": 13900.0, "liknande": 11500.0}, 0.04),
    "N07546": ("Anmälda bostadsinbrott, antal/100 000 inv",
               {"kommun": 95.0, "län": 80.0, "riket": 160.0, "liknande": 110.0}, 0.12),
    "U07452": ("Anmälda skadegörelsebrott, antal/1000 inv",
               {"kommun": 14.0, "län": 13.0, "riket": 16.0, "liknande": 15.0}, 0.08),
}
#: values published in Kolada (domain notes), kept as they are; Luleå 2023–2025 are the demo offences'
#: own calibration targets (docs/demo.md), so the demo's local-vs-Kolada check agrees where it should
_PUBLISHED = {("N07403", CODE, 2019): 827.0, ("N07403", CODE, 2020): 780.0, ("N07403", CODE, 2021): 855.0,
              ("N07403", CODE, 2022): 827.0, ("N07403", "0000", 2022): 964.0,
              ("N07403", CODE, 2023): 848.0, ("N07403", CODE, 2024): 871.0, ("N07403", CODE, 2025): 862.0}
_BASE = "https://api.kolada.se/v3"
_FETCHED = datetime(2026, 2, 2, 6, 0, tzinfo=timezone.utc)
_LICENCE = ("Kolada (RKA): fri användning utan avtal, även kommersiell; källan anges som 'Källa: Kolada' "
            "(kolada.se/om-oss/api)")
OPEN_FILES = tuple(f"open/kolada_{CODE}_{part}.json{suffix}" for part in ("kpi", "regions", "group", "data")
                   for suffix in ("", PROVENANCE_SUFFIX))


def write_open(rng: np.random.Generator, raw: Path) -> list[Path]:
    """Write the demo's Kolada files with provenance into ``raw/open/`` and return their paths."""
    folder = raw / "open"
    kinds = {CODE: "kommun", COUNTY: "län", "0000": "riket", GROUP: "liknande"}
    values = []
    for kpi, (_, start, sd) in _KPIS.items():
        for region, kind in kinds.items():
            level = start[kind] * float(rng.normal(1.0, 0.03))
            for year in YEARS:
                level *= float(np.exp(rng.normal(0.0, sd)))
                value = _PUBLISHED.get((kpi, region, year), round(level, 1 if level < 100 else 0))
                gender = [{"count": len(_GROUP_MEMBERS) if kind == "liknande" else 1, "gender": "T", "status": "",
                           "value": value}]
                values.append({"kpi": kpi, "municipality": region, "period": year, "values": gender})
    ids = ",".join(_KPIS)
    regions = [{"id": i, "title": t, "type": "K" if i == CODE else "L"} for i, t in sorted(_NAMES.items())]
    group = {"id": GROUP, "title": "Liknande kommuner, Luleå (demo)",
             "members": [{"id": i, "title": t} for i, t in sorted(_GROUP_MEMBERS.items())]}
    meta = [{"id": k, "title": t, "description": "", "is_divided_by_gender": False, "municipality_type": "K",
             "publication_date": "2026-01-15", "publ_period": "2025"} for k, (t, _, _) in _KPIS.items()]
    members = ",".join([CODE, COUNTY, "0000", GROUP])
    years = ",".join(str(y) for y in YEARS)
    parts = [
        ("kpi", meta, f"{_BASE}/kpi/{ids}", "2026-01-15"),
        ("regions", regions, f"{_BASE}/municipality/{CODE},{COUNTY},0000", None),
        ("group", [group], f"{_BASE}/municipality_groups/{GROUP}", None),
        ("data", values, f"{_BASE}/data/kpi/{ids}/municipality/{members}/year/{years}", "2026-01-15"),
    ]
    written = []
    for part, vals, url, updated in parts:
        data = (json.dumps({"count": len(vals), "values": vals}, ensure_ascii=False, indent=1) + "\n").encode()
        path, _ = save_download(folder, f"kolada_{CODE}_{part}.json", data, url=url, licence=_LICENCE,
                                source_updated=updated, now=_FETCHED,
                                details={"demo": True, "note": "Demodata i Koladas format; N07403 för Luleå "
                                         "2019–2022 och riket 2022 är Koladas publicerade värden, resten påhittat."})
        written += [path, path.with_name(path.name + PROVENANCE_SUFFIX)]
    return written
