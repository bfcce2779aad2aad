"""``trygghet fetch``: public statistics (Kolada, SCB, Brå) into ``data/raw/open/`` with provenance.

Each source is downloaded and checked completely before anything is written; then each file is swapped in
with its ``<name>.provenance.json`` (:mod:`.files`). A source that cannot be reached is reported in one line
and its last download stays in use; an answer that is broken or has changed shape is refused with the reason
and never replaces a good file. Sources: :mod:`.kolada`, :mod:`.scb`, :mod:`.bra`; the HTTP rules
(retries, back-off, time-outs, rate limits): :mod:`.http`. Settings: ``resources/open_data.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from trygghet.data.config import MUNICIPALITY_CODE, load_yaml, resource_path
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.open.bra import take_bra_export
from trygghet.data.open.files import provenance_path, read_provenance, save_download
from trygghet.data.open.http import FetchError, Http, OfflineError
from trygghet.data.open.kolada import fetch_kolada
from trygghet.data.open.scb import fetch_population
from trygghet.data.open.scb_geo import LEVELS, fetch_geo
from trygghet.data.store import read_table

__all__ = ["SOURCES", "FetchReport", "fetch_open", "open_settings", "parse_years", "store_municipality", "FetchError",
           "OfflineError"]

SOURCES = ("kolada", "scb")
SOURCES = SOURCES + ("scbgeo",)  # SCB's geodata: DeSO/RegSO areas and the 1 km population grid


@dataclass
class FetchReport:
    """What a fetch did: one line per source (``lines``) and whether every source succeeded (``ok``)."""

    lines: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def open_settings() -> dict:
    """``resources/open_data.yaml``: the sources' addresses, licences and Kolada's checked key figures."""
    return load_yaml(resource_path("open_data.yaml"), "the open-data settings are missing; reinstall the package")


def fetch_open(raw_dir: str | Path, municipality: str = MUNICIPALITY_CODE, years: list[int] | None = None, *,
               sources: tuple[str, ...] = SOURCES, bra_export: str | Path | None = None, group: str | None = None,
               kpis: list[str] | None = None, kolada_url: str | None = None, scb_url: str | None = None, http: Http | None = None,
               areas: str | None = None, scb_geo_url: str | None = None,
               now: datetime | None = None) -> FetchReport:
    """Download the public statistics for ``municipality`` (four digits) and ``years`` (default the last ten
    full years) into ``raw_dir/open/``; ``bra_export`` takes a file exported from Brå's database; ``kpis``
    limits Kolada to some of the key figures of ``resources/open_data.yaml``."""
    if not re.fullmatch(r"\d{4}", str(municipality)):
        raise ParameterError(f"municipality must be a four-digit municipality code (Luleå 2580), got {municipality!r}")
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown:
        raise ParameterError(f"unknown source(s) {', '.join(unknown)}; use {', '.join(SOURCES)}")
    settings = open_settings()
    this_year = (now or datetime.now()).year
    years = sorted({int(y) for y in years}) if years else list(range(this_year - 10, this_year))
    folder = Path(raw_dir) / "open"
    http = http or Http()
    report = FetchReport()
    k, s, b = settings["kolada"], settings["scb"], settings["bra"]
    chosen = [x for x in k["kpis"] if not kpis or x["id"] in kpis]
    if kpis and len(chosen) != len(set(kpis)):
        raise ParameterError(f"unknown Kolada key figure(s) {', '.join(sorted(set(kpis) - {x['id'] for x in chosen}))}; "
                             "use ids listed in resources/open_data.yaml")
    jobs = []
    if "kolada" in sources:
        jobs.append(("Kolada", k["licence"], lambda: fetch_kolada(
            http, kolada_url or k["base_url"], municipality, years, chosen, country=k["country"], group=group,
            group_title=k["similar_group_title"], per_page=int(k["per_page"]))))
    if "scb" in sources:
        jobs.append(("SCB", s["licence"], lambda: fetch_population(
            http, scb_url or s["base_url"], municipality, years, table=s["population_table"],
            contents=s["population_contents"], age_bands=s["age_bands"], calls=int(s["calls"]),
            window=float(s["window"]))))
    if "scbgeo" in sources:
        g = settings["scb_geo"]
        level = areas or g["areas"]
        if level not in LEVELS:
            raise ParameterError(f"areas must be deso or regso (SCB's DeSO or RegSO), got {level!r}")
        jobs.append(("SCB geodata", g["licence"], lambda: fetch_geo(
            http, scb_geo_url or g["wfs_url"], municipality, level=level, layers=g["layers"])))
    if bra_export is not None:
        jobs.append(("Brå", b["licence"], lambda: take_bra_export(bra_export, municipality, b["url"])))
    for label, licence, job in jobs:
        try:
            downloads = job()
        except OfflineError as exc:
            report.failed.append(label)
            report.lines.append(f"{label}: offline — {exc}; {_last(folder, label)}")
            continue
        except FetchError as exc:
            report.failed.append(label)
            report.lines.append(f"{label}: refused — {exc}")
            continue
        changed = 0
        for d in downloads:
            path, was_changed = save_download(folder, d["name"], d["data"], url=d["url"], licence=licence,
                                              source_updated=d["source_updated"], details=d["details"], now=now)
            (report.written if was_changed else report.unchanged).append(path)
            changed += was_changed
        report.lines.append(f"{label}: {len(downloads)} file(s) in {folder}, "
                            + (f"{changed} new or changed" if changed else "unchanged since the last download"))
    return report


def store_municipality(store: str | Path | None) -> str:
    """The municipality code of an ingested store (its ``municipality`` table), else the default (2580)."""
    try:
        table = read_table(store, "municipality")
    except (DataError, ParameterError):
        return MUNICIPALITY_CODE
    return str(table["code"].iloc[0]) if len(table) else MUNICIPALITY_CODE


def parse_years(text: str) -> list[int]:
    """``2015-2024`` or ``2019,2023`` (or both, comma-separated) as a sorted list of years."""
    years: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
            raise ParameterError(f"years must look like 2015-2024 or 2019,2023, got {text!r}")
        years.update(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    return sorted(years)


def _last(folder: Path, label: str) -> str:
    prefix = {"Kolada": "kolada_", "SCB": "scb_", "Brå": "bra_", "SCB geodata": "scb_omraden_"}[label]
    kept = sorted(p for p in folder.glob(prefix + "*") if not p.name.endswith(".provenance.json"))
    stamps = []
    for p in kept:
        if provenance_path(p).is_file():
            try:
                stamps.append(read_provenance(p)["fetched_at"])
            except ValueError:
                continue
    if not stamps:
        return "no earlier download exists, so the reports show no benchmark from this source"
    return f"the download of {max(stamps)[:10]} stays in use"
