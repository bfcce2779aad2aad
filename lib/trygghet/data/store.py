"""Reading the typed store that ``trygghet ingest`` writes (see ``docs/store.md``).

Every notebook and library function reads data through here, never from raw files. Reads are cached
per (store folder, table, file modification time), so a notebook that asks for the offences ten times
reads the file once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from trygghet.data.config import MUNICIPALITY_CODE, MUNICIPALITY_NAME, paths, resource_path
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.vocabulary import sort_key_sv

__all__ = [
    "TABLES",
    "GEO_TABLES",
    "PRIVATE_COLUMNS",
    "store_dir",
    "read_table",
    "read_json",
    "store_info",
    "years",
    "latest_year",
    "area_names",
    "disk_memo",
    "municipality",
]

#: table name -> file name in the store
TABLES = {
    "offences": "offences.parquet",
    "areas": "areas.parquet",
    "municipality": "municipality.parquet",
    "population": "population.parquet",
    "population_grid": "population_grid.parquet",
    "built_up_areas": "built_up_areas.parquet",
    "survey": "survey.parquet",
    "measures": "measures.parquet",
    "measure_areas": "measure_areas.parquet",
    "goals": "goals.parquet",
    "safety_walks": "safety_walks.parquet",
    "youth_survey": "youth_survey.parquet",
    "municipal_incidents": "municipal_incidents.parquet",
    "young_suspects": "young_suspects.parquet",
    "events": "events.parquet",
    "promises": "promises.parquet",
    "problems": "problems.parquet",
    "est_reports": "est_reports.parquet",
    "kolada": "kolada.parquet",
    "bra_offences": "bra_offences.parquet",
}
GEO_TABLES = frozenset({"areas", "municipality", "built_up_areas"})
#: columns that stay on the analyst's machine: never in a published table, map or email
PRIVATE_COLUMNS = frozenset({"case_number", "offence_label", "place_text", "source_file", "source_line"})


def store_dir(store: str | Path | None = None) -> Path:
    """The store folder: ``store`` if given, else ``data/store`` of the project. Checks that it exists."""
    path = Path(store) if store is not None else paths().store
    if not (path / "store.json").is_file():
        raise DataError(
            str(path),
            "this is not an ingested store (store.json is missing)",
            "run `trygghet ingest data/raw --out " + str(path) + "` first (or `make reports`)",
        )
    return path


def read_table(store: str | Path | None, table: str) -> pd.DataFrame:
    """One table of the store as a (Geo)DataFrame; a copy, so callers may change it."""
    if table not in TABLES:
        raise ParameterError(f"unknown store table '{table}'; use one of " + ", ".join(sorted(TABLES)))
    path = store_dir(store) / TABLES[table]
    if not path.is_file():
        raise DataError(str(path), "the table is missing from the store", "re-run `trygghet ingest`")
    return _read_cached(str(path.resolve()), path.stat().st_mtime_ns, table in GEO_TABLES).copy()


def read_json(store: str | Path | None, name: str) -> dict:
    """A JSON file of the store (``store.json``, ``ingest_report.json``, ``survey_codebook.json`` ...)."""
    path = store_dir(store) / name
    if not path.is_file():
        raise DataError(str(path), "the file is missing from the store", "re-run `trygghet ingest`")
    return json.loads(path.read_text(encoding="utf-8"))


def store_info(store: str | Path | None = None) -> dict:
    """``store.json``: fingerprint, version, years per table."""
    return read_json(store, "store.json")


def years(store: str | Path | None, table: str = "offences") -> list[int]:
    """The years a table has data for, ascending."""
    info = store_info(store)
    return sorted(int(y) for y in info.get("years", {}).get(table, []))


def latest_year(store: str | Path | None = None) -> int:
    """The latest year with offences in the store."""
    found = years(store, "offences")
    if not found:
        raise DataError(str(store_dir(store)), "the store has no offences", "check data/raw and re-run ingest")
    return found[-1]


def area_names(store: str | Path | None = None) -> list[str]:
    """The areas' names, sorted the Swedish way (Å, Ä, Ö last)."""
    return sorted(read_table(store, "areas")["area"].astype(str), key=sort_key_sv)


def municipality(store: str | Path | None = None) -> dict[str, str]:
    """The store's municipality: ``{"code": "2580", "name": "Luleå"}`` (its table ``municipality``, written by
    ingest from the areas file's ``kommunkod``/``kommun``); the defaults when the store has none."""
    path = store_dir(store) / TABLES["municipality"]
    table = read_table(store, "municipality") if path.is_file() else None
    if table is None or not len(table):
        return {"code": MUNICIPALITY_CODE, "name": MUNICIPALITY_NAME}
    return {"code": str(table["code"].iloc[0]), "name": str(table["name"].iloc[0])}


def disk_memo(store: str | Path | None, name: str, key: tuple, compute, *, geo: bool = False) -> pd.DataFrame:
    """``compute()`` cached on disk in the store (``STORE/.cache/NAME-<hash>.parquet``), so that report
    processes running in parallel or one after another share a result instead of recomputing it.

    ``key`` must hold every argument the result depends on; the store's version (``store.json``'s
    modification time) and the package's resources are added here, so a new ingest or an edited
    definition never gets an old result. Best effort: a read-only store just computes. Written to a
    temporary file and renamed, so a parallel reader never sees half a file. With ``geo`` the result
    is a GeoDataFrame (its ``attrs`` kept), and the warnings ``compute()`` gave are given again when
    the result comes from the cache (kept beside it in ``NAME-<hash>.warnings.json``)."""
    folder = store_dir(store).resolve()
    stamp = ((folder / "store.json").stat().st_mtime_ns, resource_path("indicators.yaml").stat().st_mtime_ns,
             _library_version())
    digest = hashlib.sha256(repr((name, key, stamp)).encode("utf-8")).hexdigest()[:32]
    path = folder / ".cache" / f"{name}-{digest}.parquet"
    notes = path.with_suffix(".warnings.json")
    if path.is_file():
        try:
            if not geo:
                return pd.read_parquet(path)
            given = json.loads(notes.read_text(encoding="utf-8"))  # written before the table
            cached = gpd.read_parquet(path)
            for w in given:
                warnings.warn_explicit(w["message"], _WARNING_CLASSES.get(w["category"], UserWarning),
                                       w["filename"], w["lineno"], module=w["module"])
            return cached
        except (OSError, ValueError, KeyError, TypeError):
            pass
    if geo:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = compute()
        given = [{"message": str(w.message), "category": w.category.__name__, "filename": w.filename,
                  "lineno": w.lineno, "module": _module_of(w.filename)} for w in caught]
        for w in given:  # as if compute() had been called here
            warnings.warn_explicit(w["message"], _WARNING_CLASSES.get(w["category"], UserWarning), w["filename"],
                                   w["lineno"], module=w["module"])
    else:
        result = compute()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if geo:
            _write_atomic(notes, json.dumps(given, ensure_ascii=False).encode("utf-8"))
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        result.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - the cache is best effort; the result is returned either way
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return result


_WARNING_CLASSES = {c.__name__: c for c in (UserWarning, RuntimeWarning, FutureWarning, DeprecationWarning)}


def _module_of(filename: str) -> str:
    """The module name of a source file (for warning filters that match modules), else the file's stem."""
    for name, module in list(sys.modules.items()):
        if getattr(module, "__file__", None) == filename:
            return name
    return Path(filename).stem


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@lru_cache(maxsize=1)
def _library_version() -> str:
    """A digest of the library's own source files, so a changed or upgraded library never gets a
    result cached by an older one."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=32)
def _read_cached(path: str, mtime_ns: int, geo: bool) -> pd.DataFrame:
    if geo:
        return gpd.read_parquet(path)
    return pd.read_parquet(path)
