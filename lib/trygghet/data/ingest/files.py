"""The folders of an ingest: which raw files hold which extract, and writing the store atomically
(a temporary folder beside it, swapped in at the end, so a failed run leaves the old store)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd

from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import Context
from trygghet.data.ingest.values import fold
from trygghet.data.store import GEO_TABLES, TABLES

__all__ = ["check_folders", "discover", "write_store", "collect_rejects", "years_of"]

_FILE_PATTERNS = (
    ("offences", re.compile(r"^anmalda_brott.*\.csv$")),
    ("survey", re.compile(r"^trygghetsmatning_(\d{4})\.csv$")),
    ("survey_codebook", re.compile(r"^trygghetsmatning_kodbok\.ya?ml$")),
    ("youth_survey", re.compile(r"^ungdomsenkat_(\d{4})\.csv$")),
    ("youth_codebook", re.compile(r"^ungdomsenkat_kodbok\.ya?ml$")),
    ("measures", re.compile(r"^atgarder\.(xlsx|csv)$")),
    ("goals", re.compile(r"^mal\.ya?ml$")),
    ("areas", re.compile(r"^omraden\.(geojson|gpkg|json)$")),
    ("population", re.compile(r"^befolkning\.csv$")),
    ("population_grid", re.compile(r"^befolkning_rutor\.csv$")),
    ("built_up_areas", re.compile(r"^tatorter\.gpkg$")),
    ("safety_walks", re.compile(r"^trygghetsvandringar\.csv$")),
    ("municipal_incidents", re.compile(r"^kommunala_handelser\.csv$")),
    ("young_suspects", re.compile(r"^misstankta_unga\.csv$")),
    ("events", re.compile(r"^evenemang\.csv$")),
    ("problems", re.compile(r"^problem\.ya?ml$")),
    ("code_list", re.compile(r"^brottskoder\.csv$")),
    ("promises", re.compile(r"^medborgarloften\.ya?ml$")),
    ("est_reports", re.compile(r"^est_rapporter\.csv$")),
)
_SINGLE = {"survey_codebook", "youth_codebook", "measures", "goals", "areas", "population", "safety_walks",
           "municipal_incidents", "young_suspects", "events", "code_list", "problems", "est_reports"}
_SINGLE |= {"population_grid", "built_up_areas"}  # populated land (hot-spot study area)
_SINGLE.add("promises")  # medborgarloften.yaml (the residents' summary)


def check_folders(raw: Path, store: Path) -> None:
    if not raw.is_dir():
        raise DataError(str(raw), "the raw-data folder does not exist",
                        f"put the extracts there or write demo data with `trygghet demo {raw}`")
    if store.exists() and not store.is_dir():
        raise DataError(str(store), "the store path is a file", "give a folder with --out")
    if store.is_dir() and any(store.iterdir()) and not (store / "store.json").is_file():
        raise DataError(str(store), "the folder is not empty and is not a trygghet store (no store.json)",
                        "give an empty or new folder with --out, so that nothing else is replaced")
    if store.resolve() == raw.resolve():
        raise DataError(str(store), "the store folder is the raw-data folder", "give another folder with --out")


def discover(raw: Path) -> dict[str, list]:
    found: dict[str, list] = {"ignored": []}
    for path in sorted(raw.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue
        key = fold(path.name)
        for kind, pattern in _FILE_PATTERNS:
            match = pattern.match(key)
            if match:
                found.setdefault(kind, []).append((path, match.group(1) if kind in ("survey", "youth_survey") else None))
                break
        else:
            found["ignored"].append(path.name)
    for kind in _SINGLE:
        if len(found.get(kind, [])) > 1:
            names = " and ".join(p.name for p, _ in found[kind])
            raise DataError(names, "two files hold the same extract", "keep one of them in the raw-data folder")
    data_kinds = [k for k in found if k not in ("ignored", "code_list")]
    if not data_kinds:
        raise DataError(str(raw), "no extract of the data model was found",
                        f"put the extracts there (see docs/data-model.md) or run `trygghet demo {raw}`")
    return found


def write_store(store: Path, tables: dict[str, pd.DataFrame], jsons: dict[str, object], rejects: pd.DataFrame,
                 report: dict, info: dict) -> None:
    parent = store.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{store.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        for name, frame in tables.items():
            _write_table(frame, tmp / TABLES[name], name in GEO_TABLES)
        for name, obj in jsons.items():
            _write_json(tmp / name, obj)
        _write_rejects(rejects, tmp / "rejects.csv")
        _write_json(tmp / "ingest_report.json", report)
        _write_json(tmp / "store.json", info)
        _swap(tmp, store)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_table(frame: pd.DataFrame, path: Path, geo: bool) -> None:
    frame = frame.reset_index(drop=True)
    if geo:
        frame.to_parquet(path, index=False, schema_version="1.0.0", write_covering_bbox=False)
    else:
        frame.to_parquet(path, index=False)


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_rejects(rejects: pd.DataFrame, path: Path) -> None:
    rejects.to_csv(path, sep=";", index=False, encoding="utf-8", lineterminator="\n")


def _swap(tmp: Path, store: Path) -> None:
    old = store.parent / f".{store.name}.old-{os.getpid()}"
    if old.exists():
        shutil.rmtree(old)
    if store.exists():
        store.rename(old)
    try:
        tmp.rename(store)
    except BaseException:
        if old.exists() and not store.exists():
            old.rename(store)
        raise
    shutil.rmtree(old, ignore_errors=True)


def collect_rejects(ctx: Context) -> pd.DataFrame:
    cols = ["file", "line", "column", "value", "reason"]
    parts = [p for p in ctx.rejects if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "line" else object) for c in cols})
    out = pd.concat(parts, ignore_index=True)[cols]
    out["line"] = out["line"].astype("int64")
    return out.sort_values(["file", "line", "column"], kind="stable").reset_index(drop=True)


def years_of(frame: pd.DataFrame) -> list[int]:
    if "year" not in frame.columns or frame.empty:
        return []
    return sorted(int(y) for y in pd.unique(frame["year"].dropna()))
