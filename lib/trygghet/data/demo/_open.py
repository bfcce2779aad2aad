"""Demo public statistics (``RAW/open/``): Kolada's answers as ``trygghet fetch`` saves them, for Luleå, Norrbotten,
the country and Luleå's socio-economic similar-municipalities group, so the reports' benchmark section works
without network.

The files have Kolada's v3 shape and provenance (marked ``"demo": true``). What is Kolada's own, as recorded from
the v3 API by rKolada (LCHansson/rKolada ``R/sysdata.rda``, commit d529388, March 2026; see
tests/fixtures/open/README.md): the key figures' metadata (titles, descriptions, ``publ_period`` 2025 published
2026-03-31), the region ids and names, and the group "Liknande kommuner socioekonomi, Luleå, 2024" (G176325) with
its seven members. Values published in Kolada are used where they are known (N07403 violent offences per 100 000:
Luleå 2019–2022 and the country 2022 — see the domain notes; their Luleå values for 2013–2018 lie before the
demo's years). Luleå's N07403 for 2023–2025 are the demo offences' own targets (848, 871, 862); every other value
is *demo*: a random walk from a plausible level, drawn with this part's own generator ``default_rng([seed, 13])``.
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
YEARS = tuple(range(2019, 2026))
#: /v3/municipality: id -> (title, type)
_REGIONS = {"0000": ("Riket", "L"), COUNTY: ("Region Norrbotten", "L"), CODE: ("Luleå", "K")}
#: /v3/municipality_groups/G176325 (RKA's group made for Luleå; Luleå itself is not a member)
_GROUP = {"id": "G176325", "title": "Liknande kommuner socioekonomi, Luleå, 2024",
          "members": [{"member_id": i, "member_title": t} for i, t in (
              ("1080", "Karlskrona"), ("1292", "Ängelholm"), ("1383", "Varberg"), ("1496", "Skövde"),
              ("1780", "Karlstad"), ("2080", "Falun"), ("2281", "Sundsvall"))]}
_BRA = ("Antalet anmälda brott divideras med antal invånare och multipliceras med 100 000. Kommunstatistiken "
        "baseras på uppgift om brottsplats. I vissa fall saknas uppgift om brottsplats för det anmälda brottet vilket "
        "ger ett bortfall i kommunstatistiken. Bortfallet kan variera i storlek från år till år och bör därför "
        "betraktas vid tolkning av eventuella ökningar eller minskningar över tid i kommunerna. Källa: BRÅ och SCB")
#: key figure -> (title and description as in Kolada v3, municipality_type, start level per region kind, yearly sd)
_KPIS = {
    "N07403": ("Anmälda våldsbrott, antal/100 000 inv",
               "Avser summering av: Försök till mord eller dråp, Misshandel inkl. grov, Våldtäkt inkl. grov, Grov "
               "kvinnofridskränkning, Grov fridskränkning, Våld mot tjänsteman och Rån inkl. grovt. " + _BRA, "A",
               {"kommun": 850.0, "län": 900.0, "riket": 960.0, "liknande": 880.0}, 0.05),
    "N07540": ("Anmälda brott totalt, antal/100 000 inv", "Avser totalt antal anmälda brott. " + _BRA, "K",
               {"kommun": 9700.0, "län": 10400.0, "riket": 13900.0, "liknande": 11500.0}, 0.04),
    "N07546": ("Anmälda bostadsinbrott, antal/100 000 inv",
               "Avser antal anmälda brott i bostad (lägenhet och villa), i källare och på vind samt i fritidshus i "
               "enlighet med 8 kap. Stöld, rån m.m. , inbrottsstöld, ej skjutvapen (1, 2, 4 §). " + _BRA, "K",
               {"kommun": 95.0, "län": 80.0, "riket": 160.0, "liknande": 110.0}, 0.12),
    "U07452": ("Anmälda brott om skadegörelse, antal/100 000 inv",
               "Avser antal anmälda brott om skadegörelse 12 kap. I brottskategorin brott om skadegörelse ingår "
               "\"skadegörelse/grov skadegörelse/åverkan på motorfordon (ej brand), genom brand (även motorfordon), "
               "klotter, mot stat, kommun, region (ej klotter), annan skadegörelse\" samt \"mordbrand/grov "
               "mordbrand\". " + _BRA + "\\n\\n", "K",  # the backslashes are in Kolada's text
               {"kommun": 1400.0, "län": 1300.0, "riket": 1600.0, "liknande": 1500.0}, 0.08),
}
#: values published in Kolada (domain notes), kept as they are; Luleå 2023–2025 are the demo offences'
#: own calibration targets (docs/demo.md), so the demo's local-vs-Kolada check agrees where it should
_PUBLISHED = {("N07403", CODE, 2019): 827.0, ("N07403", CODE, 2020): 780.0, ("N07403", CODE, 2021): 855.0,
              ("N07403", CODE, 2022): 827.0, ("N07403", "0000", 2022): 964.0,
              ("N07403", CODE, 2023): 848.0, ("N07403", CODE, 2024): 871.0, ("N07403", CODE, 2025): 862.0}
#: Kolada's ``auspice`` where it is not "X"
_AUSPICE = {"U07452": "T"}
_PUBLICATION = "2026-03-31"
_BASE = "https://api.kolada.se/v3"
_FETCHED = datetime(2026, 4, 2, 6, 0, tzinfo=timezone.utc)
_LICENCE = ("Kolada (RKA): fri användning utan avtal, även kommersiell; källan anges som 'Källa: Kolada' "
            "(kolada.se/om-oss/api)")
OPEN_FILES = tuple(f"open/kolada_{CODE}_{part}.json{suffix}" for part in ("kpi", "regions", "group", "data")
                   for suffix in ("", PROVENANCE_SUFFIX))


def write_open(rng: np.random.Generator, raw: Path, from_bra: dict[tuple[str, int], float] | None = None) -> list[Path]:
    """Write the demo's Kolada files with provenance into ``raw/open/`` and return their paths.

    ``from_bra``: the municipality's rates per 100 000 by key figure and year as in the demo's Brå export
    (:func:`trygghet.data.demo._bra.write_bra`); Kolada takes these from Brå, so the demo's values for the
    municipality are those same numbers (the situation picture shows both; they must not disagree)."""
    published = dict(_PUBLISHED)
    published.update({(kpi, CODE, int(y)): float(v) for (kpi, y), v in (from_bra or {}).items()
                      if (kpi, CODE, int(y)) not in _PUBLISHED})
    folder = raw / "open"
    group = _GROUP["id"]
    kinds = {CODE: "kommun", COUNTY: "län", "0000": "riket", group: "liknande"}
    values = []
    for kpi, (_, _, _, start, sd) in _KPIS.items():
        for region, kind in kinds.items():
            level = start[kind] * float(rng.normal(1.0, 0.03))
            for year in YEARS:
                level *= float(np.exp(rng.normal(0.0, sd)))
                value = published.get((kpi, region, year), round(level, 1 if level < 100 else 0))
                count = len(_GROUP["members"]) if kind == "liknande" else 1
                gender = [{"count": count, "gender": "T", "status": "", "value": value, "isdeleted": False}]
                values.append({"kpi": kpi, "municipality": region, "period": year, "values": gender})
    ids = ",".join(_KPIS)
    regions = [{"id": i, "title": t, "type": k} for i, (t, k) in sorted(_REGIONS.items())]
    meta = [{"id": k, "title": t, "description": d, "is_divided_by_gender": False, "municipality_type": mt,
             "auspice": _AUSPICE.get(k, "X"), "operating_area": "Befolkning", "perspective": "Övrigt", "prel_publication_date": None,
             "publication_date": _PUBLICATION, "publ_period": "2025", "has_ou_data": False}
            for k, (t, d, mt, _, _) in _KPIS.items()]
    members = ",".join([CODE, COUNTY, "0000", group])
    years = ",".join(str(y) for y in YEARS)
    parts = [
        ("kpi", meta, f"{_BASE}/kpi/{ids}", _PUBLICATION),
        ("regions", regions, f"{_BASE}/municipality/{CODE},{COUNTY},0000", None),
        ("group", [_GROUP], f"{_BASE}/municipality_groups/{group}", None),
        ("data", values, f"{_BASE}/data/kpi/{ids}/municipality/{members}/year/{years}", _PUBLICATION),
    ]
    written = []
    for part, vals, url, updated in parts:
        data = (json.dumps({"count": len(vals), "values": vals}, ensure_ascii=False, indent=1) + "\n").encode()
        path, _ = save_download(folder, f"kolada_{CODE}_{part}.json", data, url=url, licence=_LICENCE,
                                source_updated=updated, now=_FETCHED,
                                details={"demo": True, "note": "Demodata i Koladas format. Koladas egna: nyckeltalens "
                                         "metadata, regionerna, gruppen liknande kommuner och N07403 för Luleå "
                                         "2019–2022 och riket 2022; övriga värden är påhittade."})
        written += [path, path.with_name(path.name + PROVENANCE_SUFFIX)]
    return written
