"""Demo exports of Brå's statistics database (``RAW/open/bra_2580.csv`` and ``bra_2580_brottskod.csv``), as
``trygghet fetch --bra-export`` takes them in, so the reports' Brå comparison works without a real export.

The files have the shape of SOL's *Databasfil* (``Region;Brott;År;Period;Antal;/100 000 inv``, a yearly
search: ``År`` in the År column and the year in Period, every data row ending in ``;``, ISO-8859-1, whole
numbers without separators — as the recorded exports in ``tests/fixtures/open/bra/``). Their **values are
demo**: no Brå count of Luleå's offences for 2019–2025 is in the project's sources. Brå's counts are the demo
offences of each year by the date of report, nudged by a small random difference drawn with this part's own
generator ``default_rng([seed, 23])`` (Brå's figures and an extract never agree exactly); the violent codes
are those of the code list (Brå's definition). Region "Luleå kommun" follows Brå's naming of municipalities
("Höganäs och Malmö kommun", the database's help text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.data.open.files import PROVENANCE_SUFFIX, save_download

__all__ = ["BRA_FILES", "K_BRA", "write_bra"]

K_BRA = 23
CODE = "2580"
REGION = "Luleå kommun"
_HEADER = "Region;Brott;År;Period;Antal;/100 000 inv"
_URL = "https://statistik.bra.se/solwebb/action/index"
_LICENCE = "Brå: statistiken får användas fritt med källhänvisning ('Källa: Brå')"
_FETCHED = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)  # after Brå's final figures for 2025 (spring)
#: Brå's yearly menus used (SOL menyid 101 by offence type, 107 by offence code; overjoyde/bra-kriminalstatistik)
_MENUS = {"": "Brottstyp, årsvis – kommun (menyid 101)", "_brottskod": "Brottskod, årsvis – kommun (menyid 107)"}
#: Kolada key figures from Brå that the demo derives from its offences, by the code list's category
_KOLADA_CATEGORIES = {"N07546": "bostadsinbrott", "U07452": "skadegorelse"}
BRA_FILES = tuple(f"open/bra_{CODE}{kind}.csv{suffix}" for kind in _MENUS for suffix in ("", PROVENANCE_SUFFIX))


def write_bra(rng: np.random.Generator, raw: Path, offences: pd.DataFrame, pop: pd.DataFrame,
              codes: pd.DataFrame) -> tuple[list[Path], dict[tuple[str, int], float]]:
    """Write the demo's two Brå exports with provenance into ``raw/open/``; return their paths and the
    municipality's Brå rates per 100 000 inhabitants that Kolada publishes, ``{(kpi, year): value}``:
    N07540 (all offences, the export's own figure), N07546 (residential burglary) and U07452 (vandalism),
    the latter two the demo offences of the code list's categories scaled by the year's Brå-to-extract ratio
    (Kolada takes these figures from Brå; the demo's Kolada files then agree with Brå and, nearly, with
    the workbook's own rates, as real ones do)."""
    year = pd.DatetimeIndex(offences["reported"]).year.to_numpy()
    people = pop.groupby("år")["antal"].sum()
    years = sorted(int(y) for y in np.unique(year) if int(y) in people.index)
    labels = dict(zip(codes["offence_code"].astype(str), codes["offence_label_list"].astype(str)))
    lines = {"": [_HEADER], "_brottskod": [_HEADER]}
    per_100k = {}
    category = offences["code"].astype(str).map(dict(zip(codes["offence_code"].astype(str), codes["category"])))
    for y in years:
        local = float((year == y).sum())
        n = round(local * float(rng.normal(1.0, 0.006)))
        per_100k[("N07540", y)] = float(round(n / people[y] * 100_000))
        for kpi, cat in _KOLADA_CATEGORIES.items():
            rate = float(((year == y) & (category == cat).to_numpy()).sum()) * n / local / people[y] * 100_000
            per_100k[(kpi, y)] = float(round(rate, 1 if rate < 100 else 0))
        lines[""].append(f"{REGION};Totalt antal brott;År;{y};{n};{int(per_100k[('N07540', y)])};")
    violent = offences.loc[offences["violent"].to_numpy(dtype=bool)]
    v_year = pd.DatetimeIndex(violent["reported"]).year
    for code in sorted(set(violent["code"].astype(str))):
        for y in years:
            n = int(((violent["code"].astype(str) == code).to_numpy() & (v_year == y)).sum())
            n = max(n + int(rng.choice([-1, 0, 0, 0, 0, 1])), 0) if n else 0
            lines["_brottskod"].append(f"{REGION};{code} - {labels.get(code, code)};År;{y};{n};"
                                       f"{round(n / people[y] * 100_000)};")
    written = []
    for kind, rows in lines.items():
        data = ("\n".join(rows) + "\n").encode("latin-1", errors="replace")
        path, _ = save_download(raw / "open", f"bra_{CODE}{kind}.csv", data, url=_URL, licence=_LICENCE,
                                source_updated=str(years[-1]), now=_FETCHED,
                                details={"demo": True, "menu": _MENUS[kind], "rows": len(rows) - 1,
                                         "note": "Demodata i formatet av Brås databasfil; alla värden påhittade."})
        written += [path, path.with_name(path.name + PROVENANCE_SUFFIX)]
    return written, per_100k
