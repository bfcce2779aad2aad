"""Ingest: read every raw extract (``docs/data-model.md``), validate it and write the typed store.

``ingest(RAW_DIR, STORE_DIR)`` reads the extracts the way Swedish systems and Excel write them (``;`` or
``,``, decimal comma or point, UTF-8 or Windows-1252, header names with or without å/ä/ö), converts
places to SWEREF 99 TM, maps offence codes through the editable code list, joins places to the areas and
writes the store described in ``docs/store.md``. Rows that cannot be used go to ``rejects.csv`` with
file, line, column, value and reason; for every file ``rows_read == rows_accepted + rows_rejected``.
A file that cannot be read at all raises :class:`~trygghet.data.errors.DataError` (one line: file, problem,
fix). The store is written to a temporary folder beside STORE_DIR and swapped in at the end, so a failed
run leaves the previous store as it was; the same input always gives byte-identical store files.

All parsing is vectorised: columns are read as text, and low-cardinality columns (dates, times, codes,
areas, answer codes) are parsed once per distinct value.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml

from trygghet import __version__
from trygghet.data import schemas as sch
from trygghet.data.config import CRS_SWEREF, CRS_WGS84, MUNICIPALITY_CODE, resource_path
from trygghet.data.errors import DataError
from trygghet.data.store import GEO_TABLES, TABLES

__all__ = [
    "FileReport",
    "IngestReport",
    "ingest",
    "print_summary",
    "read_code_list",
    "CODE_LIST_FILE",
    "MUNICIPALITY_NAME",
]

#: the editable code list shipped in the package; a file of the same name in RAW_DIR replaces it
CODE_LIST_FILE = "brottskoder.csv"
MUNICIPALITY_NAME = "Luleå"

_STORE_FILES = TABLES
_GEO_TABLES = GEO_TABLES
_YEAR_TABLES = (
    "offences",
    "population",
    "survey",
    "youth_survey",
    "safety_walks",
    "municipal_incidents",
    "young_suspects",
    "events",
)

# Luleå in WGS 84 lies near lat 65-66, lon 21-23; anything in Sweden has lat 55-70, lon 10-25.
_LAT_RANGE = (54.0, 70.0)
_LON_RANGE = (10.0, 25.0)
# SWEREF 99 TM in Sweden: easting 200 000 - 1 000 000 m, northing 6 100 000 - 7 700 000 m.
_NORTHING_MIN = 5_000_000.0
_EASTING_MAX = 2_000_000.0


# --------------------------------------------------------------------------------------------------
# Reports


@dataclass
class FileReport:
    """What happened to one raw file. ``rows_read == rows_accepted + rows_rejected`` always."""

    file: str
    table: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    encoding: str | None = None
    separator: str | None = None

    def as_dict(self) -> dict:
        out = {
            "file": self.file,
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "warnings": list(self.warnings),
            "checks": self.checks,
        }
        return out


@dataclass
class IngestReport:
    """The outcome of :func:`ingest`: one :class:`FileReport` per raw file, rows per table, the rejects."""

    raw_dir: Path
    store_dir: Path
    files: list[FileReport]
    tables: dict[str, int]
    rejects: pd.DataFrame
    ignored: list[str]
    warnings: list[str]
    fingerprint: str

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def as_dict(self) -> dict:
        return {
            "files": [f.as_dict() for f in self.files],
            "tables": dict(self.tables),
            "rows_rejected": self.rows_rejected,
            "ignored_files": list(self.ignored),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------------------------------
# Public functions


def ingest(raw_dir: str | Path, store_dir: str | Path) -> IngestReport:
    """Read every extract in ``raw_dir``, validate it and write the typed store to ``store_dir``.

    Returns the :class:`IngestReport` (also written as ``ingest_report.json``). Raises
    :class:`~trygghet.data.errors.DataError` when a file cannot be read or lacks a required column; the
    previous store is then left untouched.
    """
    raw = Path(raw_dir)
    store = Path(store_dir)
    _check_folders(raw, store)
    found = _discover(raw)
    ctx = _Context(raw=raw)
    ctx.code_list = _load_code_list(found, ctx)

    tables: dict[str, pd.DataFrame] = {}
    jsons: dict[str, object] = {}
    tables["areas"], tables["municipality"] = _ingest_areas(found.get("areas", []), ctx)
    tables["offences"] = _ingest_offences(found.get("offences", []), ctx)
    tables["population"] = _ingest_simple(found.get("population", []), ctx, _POPULATION)
    tables["survey"], jsons["survey_codebook.json"] = _ingest_survey(
        found.get("survey", []), found.get("survey_codebook", []), ctx, _SAFETY_SURVEY
    )
    tables["youth_survey"], jsons["youth_codebook.json"] = _ingest_survey(
        found.get("youth_survey", []), found.get("youth_codebook", []), ctx, _YOUTH_SURVEY
    )
    tables["measures"], tables["measure_areas"] = _ingest_measures(found.get("measures", []), ctx)
    tables["goals"] = _ingest_goals(found.get("goals", []), ctx)
    tables["safety_walks"] = _ingest_simple(found.get("safety_walks", []), ctx, _SAFETY_WALKS)
    tables["municipal_incidents"] = _ingest_simple(found.get("municipal_incidents", []), ctx, _INCIDENTS)
    tables["young_suspects"] = _ingest_simple(found.get("young_suspects", []), ctx, _SUSPECTS)
    tables["events"] = _ingest_simple(found.get("events", []), ctx, _EVENTS)

    for name in _STORE_FILES:
        tables[name] = sch.validate_table(name, tables[name])

    rejects = _collect_rejects(ctx)
    report = IngestReport(
        raw_dir=raw,
        store_dir=store,
        files=ctx.reports,
        tables={name: len(tables[name]) for name in _STORE_FILES},
        rejects=rejects,
        ignored=found.get("ignored", []),
        warnings=ctx.warnings,
        fingerprint=ctx.fingerprint(),
    )
    info = {
        "fingerprint": report.fingerprint,
        "trygghet_version": __version__,
        "years": {name: _years(tables[name]) for name in _YEAR_TABLES},
        "tables": {name: {"file": _STORE_FILES[name], "rows": len(tables[name])} for name in _STORE_FILES},
    }
    _write_store(store, tables, jsons, rejects, report.as_dict(), info)
    return report


def print_summary(report: IngestReport, console) -> None:
    """Print the ingest on screen with rich: files and counts, warnings, the commonest reject reasons."""
    from rich.table import Table

    table = Table(title=f"Ingest {report.raw_dir} -> {report.store_dir}", title_justify="left")
    for col, justify in (("file", "left"), ("table", "left"), ("read", "right"), ("accepted", "right"),
                         ("rejected", "right"), ("warnings", "right")):
        table.add_column(col, justify=justify, overflow="fold")
    for f in report.files:
        style = "yellow" if f.rows_rejected else None
        table.add_row(f.file, f.table, f"{f.rows_read:,}".replace(",", " "), f"{f.rows_accepted:,}".replace(",", " "),
                      f"{f.rows_rejected:,}".replace(",", " "), str(len(f.warnings)), style=style)
    console.print(table)
    for text in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {text}", highlight=False)
    for f in report.files:
        for text in f.warnings:
            console.print(f"[yellow]warning:[/yellow] {f.file}: {text}", highlight=False)
    if report.ignored:
        console.print("ignored files (not an extract of the data model): " + ", ".join(report.ignored), highlight=False)
    if report.rows_rejected:
        top = report.rejects.groupby(["file", "reason"], sort=True).size().sort_values(ascending=False, kind="stable")
        console.print(f"[bold yellow]{report.rows_rejected} rows rejected[/bold yellow] "
                      f"(all of them in {report.store_dir / 'rejects.csv'}); commonest reasons:", highlight=False)
        for (file, reason), n in top.head(10).items():
            console.print(f"  {n:>6}  {file}: {reason}", highlight=False, markup=False)
    else:
        console.print("no rows rejected", highlight=False)
    console.print(f"store written to {report.store_dir}", highlight=False)


def read_code_list(path: str | Path | None = None) -> pd.DataFrame:
    """The offence code list: ``offence_code``, ``offence_label_list``, ``category``, ``violent``,
    ``volume_crime``, ``public_place``. Default: the list shipped in the package (``brottskoder.csv``)."""
    ctx = _Context(raw=Path("."))
    target = Path(path) if path is not None else resource_path(CODE_LIST_FILE)
    return _parse_code_list(target, ctx)


# --------------------------------------------------------------------------------------------------
# Context, discovery and the store


class _Context:
    """State shared by the steps of one ingest: areas, code list, reports, rejects, file digests."""

    def __init__(self, raw: Path) -> None:
        self.raw = raw
        self.reports: list[FileReport] = []
        self.rejects: list[pd.DataFrame] = []
        self.warnings: list[str] = []
        self.digests: dict[str, str] = {}
        self.areas = sch.empty_table("areas")
        self.area_lookup: dict[str, str] = {}
        self.code_list: pd.DataFrame | None = None
        self.offence_ids: list[tuple[str, pd.Series, np.ndarray]] = []  # accepted brott_id per offence file

    def read_bytes(self, path: Path) -> bytes:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataError(path.name, f"the file cannot be read ({exc.strerror or exc})",
                            "check that it exists and that you may read it") from None
        self.digests[path.name] = hashlib.sha256(data).hexdigest()
        return data

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.digests):
            digest.update(name.encode("utf-8") + b"\0" + self.digests[name].encode("ascii") + b"\n")
        return digest.hexdigest()


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
    ("safety_walks", re.compile(r"^trygghetsvandringar\.csv$")),
    ("municipal_incidents", re.compile(r"^kommunala_handelser\.csv$")),
    ("young_suspects", re.compile(r"^misstankta_unga\.csv$")),
    ("events", re.compile(r"^evenemang\.csv$")),
    ("code_list", re.compile(r"^brottskoder\.csv$")),
)
_SINGLE = {"survey_codebook", "youth_codebook", "measures", "goals", "areas", "population", "safety_walks",
           "municipal_incidents", "young_suspects", "events", "code_list"}


def _check_folders(raw: Path, store: Path) -> None:
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


def _discover(raw: Path) -> dict[str, list]:
    found: dict[str, list] = {"ignored": []}
    for path in sorted(raw.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue
        key = _fold(path.name)
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


def _write_store(store: Path, tables: dict[str, pd.DataFrame], jsons: dict[str, object], rejects: pd.DataFrame,
                 report: dict, info: dict) -> None:
    parent = store.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{store.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        for name, frame in tables.items():
            _write_table(frame, tmp / _STORE_FILES[name], name in _GEO_TABLES)
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


def _collect_rejects(ctx: _Context) -> pd.DataFrame:
    cols = ["file", "line", "column", "value", "reason"]
    parts = [p for p in ctx.rejects if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "line" else object) for c in cols})
    out = pd.concat(parts, ignore_index=True)[cols]
    out["line"] = out["line"].astype("int64")
    return out.sort_values(["file", "line", "column"], kind="stable").reset_index(drop=True)


def _years(frame: pd.DataFrame) -> list[int]:
    if "year" not in frame.columns or frame.empty:
        return []
    return sorted(int(y) for y in pd.unique(frame["year"].dropna()))


# --------------------------------------------------------------------------------------------------
# Text helpers

_FOLD_TABLE = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o",
                             "–": "-", "—": "-", "\u00a0": " "})


def _fold(text: str) -> str:
    """Case-insensitive key without Swedish letters: ``'  Örnäset '`` -> ``'ornaset'``."""
    return re.sub(r"\s+", " ", str(text).lstrip("\ufeff").strip().casefold().translate(_FOLD_TABLE))


def _fold_header(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", _fold(text))


def _unique_map(series: pd.Series, func: Callable[[pd.Series], pd.Series | np.ndarray]) -> np.ndarray:
    """Apply ``func`` to the distinct values of ``series`` only, then spread the result to every row."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    values = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    return np.asarray(values)[codes]


def _to_string(values) -> pd.Series:
    """A pandas ``string`` column with ``<NA>`` for empty text."""
    if isinstance(values, pd.Series) and values.dtype != object:
        text = values.astype(sch._STR)
        return text.mask(text == "").reset_index(drop=True)
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values.astype(object)
    s = s.where(s.notna() & (s != ""), None)
    return s.astype(sch._STR).reset_index(drop=True)


def _strings_from_codes(codes: np.ndarray, names) -> pd.Series:
    """A ``string`` column from integer codes into ``names`` (a code < 0 or a name '' gives ``<NA>``)."""
    import pyarrow as pa

    names = [None if (n is None or n == "" or (isinstance(n, float) and np.isnan(n))) else str(n) for n in names]
    codes = np.asarray(codes, dtype=np.int64)
    indices = pa.array(np.where(codes < 0, 0, codes), mask=codes < 0)
    values = pa.array(names, type=pa.string()).take(indices) if len(names) else pa.nulls(len(codes), pa.string())
    return pd.Series(pd.array(values, dtype=sch._STR))


def _take(s, keep: np.ndarray):
    """Rows ``keep`` of a column; no copy when every row is kept."""
    if keep.all():
        return s.reset_index(drop=True) if isinstance(s, pd.Series) else s
    return s[keep].reset_index(drop=True) if isinstance(s, pd.Series) else s[keep]


# --------------------------------------------------------------------------------------------------
# Reading text tables


@dataclass
class _Spec:
    """What a CSV extract must and may hold: canonical (folded) name -> the name the contract uses."""

    kind: str
    table: str
    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    prefix: str | None = None  # extra columns allowed with this prefix (q_ for surveys)


@dataclass
class _Raw:
    name: str
    frame: pd.DataFrame
    lines: np.ndarray
    headers: dict[str, str]  # canonical -> as written in the file
    report: FileReport
    bad_fields: np.ndarray


class _Checker:
    """Collects rejected rows of one file: the first problem of each row wins."""

    def __init__(self, raw: _Raw, ctx: _Context) -> None:
        self.raw = raw
        self.ctx = ctx
        self.bad = np.zeros(len(raw.frame), dtype=bool)
        self.parts: list[pd.DataFrame] = []

    def reject(self, mask, column: str | None, values, reason) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if not mask.any():
            return
        if isinstance(values, pd.Series):
            vals = values.to_numpy(dtype=object)[mask]
        else:
            vals = np.asarray(values, dtype=object)[mask]
        reasons = reason[mask] if isinstance(reason, np.ndarray) else reason
        label = self.raw.headers.get(column, column) if column else ""
        self.parts.append(pd.DataFrame({
            "file": self.raw.name,
            "line": self.raw.lines[mask],
            "column": label,
            "value": vals,
            "reason": reasons,
        }))
        self.bad |= mask

    def finish(self, accepted: int | None = None) -> np.ndarray:
        """Record the file's counts; returns the mask of accepted rows."""
        keep = ~self.bad
        rep = self.raw.report
        rep.rows_read = len(self.bad)
        rep.rows_rejected = int(self.bad.sum())
        rep.rows_accepted = rep.rows_read - rep.rows_rejected
        self.ctx.rejects.extend(self.parts)
        return keep


def _decode(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(name, "the file is saved as UTF-16, which the workbook does not read",
                        "save it as CSV UTF-8 (or CSV with Windows-1252) and run again")
    if b"\0" in data[:65536]:
        raise DataError(name, "the file holds binary data, not text (is it an Excel file with a .csv name?)",
                        "save it from Excel as 'CSV UTF-8 (kommaavgränsad)' and run again")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise DataError(
            name,
            f"the file is neither UTF-8 nor Windows-1252 (byte 0x{data[exc.start]:02x} at position {exc.start})",
            "save it again as 'CSV UTF-8' and run again",
        ) from None


def _read_csv(path: Path, ctx: _Context, spec: _Spec) -> _Raw:
    data = ctx.read_bytes(path)
    name = path.name
    if not data.strip():
        raise DataError(name, "the file is empty", "export the extract again with its header row")
    text, encoding = _decode(name, data)
    header_line = text.split("\n", 1)[0].rstrip("\r")
    sep = ";" if ";" in header_line else ("," if "," in header_line else ("\t" if "\t" in header_line else ";"))
    report = FileReport(file=name, table=spec.table, encoding=encoding, separator=sep)
    if "Ã" in text and re.search("Ã[\u0080-\u00bf]", text):
        report.warnings.append("the text looks encoded twice (e.g. 'Ã¤' for 'ä'); check how the file was saved")
    if encoding == "utf-8":
        utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    else:
        utf8 = text.encode("utf-8")
    del data
    frame = _parse_csv_fast(utf8, sep)
    embedded = b'"' in utf8
    del utf8
    if frame is not None:
        del text
        return _finish_raw(name, frame, np.zeros(len(frame), dtype=bool), report, spec, embedded_newlines=False)
    frame, bad_fields = _parse_csv_text(text, sep)
    del text
    return _finish_raw(name, frame, bad_fields, report, spec, embedded_newlines=embedded)


def _parse_csv_fast(data: bytes, sep: str) -> pd.DataFrame | None:
    """Read a UTF-8 CSV with pyarrow, every column as text. None when a row is not one line of the file
    (blank lines, line breaks inside quoted values, rows with the wrong number of fields): the careful
    reader then keeps the line numbers right."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    try:
        names = pcsv.read_csv(
            io.BytesIO(data.split(b"\n", 1)[0] + b"\n"),
            parse_options=pcsv.ParseOptions(delimiter=sep),
        ).column_names
        table = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    if table.num_rows != lines - 1:
        return None
    if len(set(names)) != len(names):
        return None
    text_dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper=lambda t: text_dtype if t == pa.string() else None)


def _parse_csv_text(text: str, sep: str) -> tuple[pd.DataFrame, np.ndarray]:
    options = dict(sep=sep, dtype=str, na_filter=False, skip_blank_lines=False, quotechar='"')
    try:
        frame = pd.read_csv(io.StringIO(text), engine="c", **options)
        return frame, np.zeros(len(frame), dtype=bool)
    except pd.errors.ParserError:
        pass
    marker = "\x00wrong-fields\x00"

    def bad_line(fields: list[str]) -> list[str]:
        return [marker + str(len(fields)) + "\x00" + sep.join(fields)]

    frame = pd.read_csv(io.StringIO(text), engine="python", on_bad_lines=bad_line, **options)
    first = frame.iloc[:, 0].astype(object)
    bad = first.str.startswith(marker, na=False).to_numpy(dtype=bool)
    return frame, bad


def _finish_raw(name: str, frame: pd.DataFrame, bad_fields: np.ndarray, report: FileReport, spec: _Spec,
                embedded_newlines: bool) -> _Raw:
    headers: dict[str, str] = {}
    rename: dict[str, str] = {}
    for col in frame.columns:
        original = str(col).lstrip("\ufeff").strip()
        key = _fold_header(original)
        if key in headers:
            raise DataError(name, f"the columns '{headers[key]}' and '{original}' are the same column",
                            "remove one of them")
        headers[key] = original
        rename[col] = key
    frame = frame.rename(columns=rename)
    for key, contract_name in spec.required.items():
        if key not in frame.columns:
            found = ", ".join(f"'{h}'" for h in headers.values()) or "none"
            raise DataError(
                name,
                f"column '{contract_name}' is missing; the columns found are {found}",
                f"add the column '{contract_name}' (names are matched without regard to case or å/ä/ö) "
                "or export the extract again; docs/data-model.md lists the required columns",
            )
    known = set(spec.required) | set(spec.optional)
    extra = [h for k, h in headers.items() if k not in known and not (spec.prefix and k.startswith(spec.prefix))]
    if extra:
        report.warnings.append("columns not in the data model were left out: " + ", ".join(extra))
    for col in frame.columns:
        column = frame[col]
        if column.hasnans:
            column = column.fillna("")
        if column.dtype == object:
            column = column.astype(str)
        frame[col] = column.str.strip()
    lines = np.arange(len(frame), dtype=np.int64) + 2
    if embedded_newlines and len(frame):
        extra_lines = np.zeros(len(frame), dtype=np.int64)
        for col in frame.columns:
            extra_lines += frame[col].str.count("\n").to_numpy(dtype=np.int64)
        if extra_lines.any():
            lines = lines + np.concatenate([[0], np.cumsum(extra_lines)[:-1]])
    empty = np.ones(len(frame), dtype=bool)
    for col in frame.columns:
        empty &= (frame[col] == "").to_numpy(dtype=bool)
    empty &= ~bad_fields
    if empty.any():
        report.checks["blank_lines_skipped"] = int(empty.sum())
        frame = frame.loc[~empty].reset_index(drop=True)
        lines = lines[~empty]
        bad_fields = bad_fields[~empty]
    return _Raw(name=name, frame=frame, lines=lines, headers=headers, report=report, bad_fields=bad_fields)


def _read_excel(path: Path, ctx: _Context, spec: _Spec) -> _Raw:
    ctx.read_bytes(path)
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, na_filter=False)
    except Exception as exc:  # openpyxl raises many kinds of errors for a broken workbook
        raise DataError(path.name, f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                        "open it in Excel, save it again as .xlsx (or export the sheet as CSV)") from None
    report = FileReport(file=path.name, table=spec.table, encoding="xlsx")
    return _finish_raw(path.name, frame, np.zeros(len(frame), dtype=bool), report, spec, embedded_newlines=False)


def _start_checker(raw: _Raw, ctx: _Context) -> _Checker:
    checker = _Checker(raw, ctx)
    if raw.bad_fields.any():
        first = raw.frame.iloc[:, 0].to_numpy(dtype=object)
        counts = np.array([str(v).split("\x00")[2] if "\x00" in str(v) else "" for v in first[raw.bad_fields]])
        lines = np.array([str(v).split("\x00", 3)[-1] for v in first[raw.bad_fields]], dtype=object)
        reasons = np.full(len(first), "", dtype=object)
        values = np.full(len(first), "", dtype=object)
        reasons[raw.bad_fields] = [f"wrong number of fields: {n} instead of {raw.frame.shape[1]} "
                                   "(a separator inside a value without quotes?)" for n in counts]
        values[raw.bad_fields] = [v[:200] for v in lines]
        checker.reject(raw.bad_fields, None, values, reasons)
    return checker


def _col(raw: _Raw, key: str) -> pd.Series:
    """A column as stripped text; an absent optional column reads as empty."""
    if key in raw.frame.columns:
        return raw.frame[key]
    return pd.Series([""] * len(raw.frame), dtype=object)


# --------------------------------------------------------------------------------------------------
# Value parsers (vectorised): each returns values and a mask of rows whose non-empty text is unusable

def _parse_number(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    empty = (s == "").to_numpy(dtype=bool)
    text = s.astype(str)
    for space in (" ", "\u00a0", "\u202f", "\t"):  # thousands separators (plain replaces stay in pyarrow)
        text = text.str.replace(space, "", regex=False)
    text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text.where(~empty, None), errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    bad = ~empty & ~np.isfinite(values)
    values[bad] = np.nan
    return values, bad


def _parse_int(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    def one(u: pd.Series) -> np.ndarray:
        v, bad = _parse_number(u)
        frac = np.where(np.isfinite(v), v - np.round(v), 0.0)
        return np.where(bad | (np.abs(frac) > 1e-9), np.inf, v)

    values = _unique_map(s, one).astype(float)
    bad = np.isinf(values)
    values[bad] = np.nan
    return values, bad


def _parse_day(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct date texts -> (datetime64[ns], minutes of the embedded time or NaN, bad date, bad time)."""
    text = u.astype(str)
    day = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    rest = text.str.slice(10).str.lstrip("T ").str.strip()
    minutes, bad_time = _minutes(rest)
    ok_shape = text.str.match(r"^\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
    bad_day = ~(day.notna().to_numpy(dtype=bool) & ok_shape) & (text != "").to_numpy(dtype=bool)
    return day.to_numpy(dtype="datetime64[ns]"), minutes, bad_day, bad_time


def _minutes(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    text = u.astype(str).str.strip()
    parts = text.str.extract(r"^(\d{1,2})[:.](\d{2})(?::(\d{2}))?$")
    hours = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float)
    mins = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float)
    ok = (hours >= 0) & (hours <= 23) & (mins >= 0) & (mins <= 59)
    empty = (text == "").to_numpy(dtype=bool)
    value = np.where(ok, hours * 60 + mins, np.nan)
    return value, ~ok & ~empty


def _parse_datetime(date: pd.Series, time: pd.Series | None = None):
    """Date (YYYY-MM-DD, optionally with HH:MM) plus an optional time column (HH:MM).

    Returns ``(values datetime64[ns] with NaT, time_known, bad_date, bad_time)``.
    """
    d_codes, d_uniques = pd.factorize(date, use_na_sentinel=False)
    day, emb_minutes, bad_day_u, bad_emb_u = _parse_day(pd.Series(np.asarray(d_uniques, dtype=object)))
    values = day[d_codes]
    minutes = emb_minutes[d_codes]
    bad_date = bad_day_u[d_codes] | bad_emb_u[d_codes]
    bad_time = np.zeros(len(date), dtype=bool)
    if time is not None:
        t_min = _unique_map(time, lambda u: _minutes(u)[0]).astype(float)
        t_bad = _unique_map(time, lambda u: _minutes(u)[1]).astype(bool)
        given = (time != "").to_numpy(dtype=bool)
        minutes = np.where(given, t_min, minutes)
        bad_time = t_bad
    known = np.isfinite(minutes)
    offset = np.where(known, minutes, 0.0).astype("int64") * np.int64(60_000_000_000)
    out = values.copy()
    ok = ~np.isnat(values)
    out[ok] = values[ok] + offset[ok].astype("timedelta64[ns]")
    return out, known & ok, bad_date, bad_time


def _parse_choice(s: pd.Series, allowed: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Map folded text to a canonical value; ``allowed`` maps folded variants -> canonical."""

    def one(u: pd.Series) -> np.ndarray:
        return np.array([allowed.get(_fold(v), None) if v != "" else "" for v in u], dtype=object)

    values = _unique_map(s, one)
    bad = pd.isna(values) & (s != "").to_numpy(dtype=bool)
    values = np.where(pd.isna(values), "", values)
    return values, bad


def _choices(*canonical: str, **aliases: str) -> dict[str, str]:
    out = {_fold(c): c for c in canonical}
    out.update({_fold(k.replace("_", " ")): v for k, v in aliases.items()})
    return out


_BOOL = {"ja": True, "j": True, "yes": True, "y": True, "true": True, "sant": True, "1": True, "x": True,
         "nej": False, "n": False, "no": False, "false": False, "falskt": False, "0": False}


def _parse_bool(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    def one(u: pd.Series) -> np.ndarray:
        return np.array([_BOOL.get(_fold(v), None) if v != "" else False for v in u], dtype=object)

    values = _unique_map(s, one)
    bad = pd.isna(values)
    return np.where(bad, False, values).astype(bool), bad


# --------------------------------------------------------------------------------------------------
# Places


def _resolve_areas(s: pd.Series, ctx: _Context, whole: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area names as written -> (canonical name or '', bad mask, reasons)."""
    lookup = dict(ctx.area_lookup)
    if whole:
        lookup[_fold(sch.WHOLE_MUNICIPALITY)] = sch.WHOLE_MUNICIPALITY

    def one(u: pd.Series) -> np.ndarray:
        if not ctx.area_lookup:
            return np.array([v for v in u], dtype=object)
        return np.array([lookup.get(_fold(v), None) if v != "" else "" for v in u], dtype=object)

    values = _unique_map(s, one)
    bad = pd.isna(values)
    values = np.where(bad, "", values)
    return values, bad


def _unknown_area_reason(ctx: _Context, whole: bool = False) -> str:
    names = sorted(set(ctx.area_lookup.values()))
    extra = f", or '{sch.WHOLE_MUNICIPALITY}'" if whole else ""
    return "unknown area; the areas are " + ", ".join(names) + extra


def _read_place(raw: _Raw, checker: _Checker, report: FileReport) -> tuple[np.ndarray, np.ndarray]:
    """SWEREF 99 TM x/y (or WGS 84 lat/lon) -> x, y in EPSG:3006; NaN without a place."""
    n = len(raw.frame)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if "x_sweref99tm" in raw.frame.columns or "y_sweref99tm" in raw.frame.columns:
        x, y = _coordinate_pair(raw, checker, ("x_sweref99tm", "x", "SWEREF 99 TM easting in metres"),
                                ("y_sweref99tm", "y", "SWEREF 99 TM northing in metres"))
        swapped = np.isfinite(x) & (x > _NORTHING_MIN) & (y < _EASTING_MAX)
        if swapped.any():
            x, y = np.where(swapped, y, x), np.where(swapped, x, y)
            report.checks["swapped_xy"] = int(swapped.sum())
            report.warnings.append(f"{int(swapped.sum())} rows had x and y swapped (x looked like a northing); swapped back")
    if "lat" in raw.frame.columns or "lon" in raw.frame.columns:
        lat, lon = _coordinate_pair(raw, checker, ("lat", "lat", "WGS 84 latitude in degrees"),
                                    ("lon", "lon", "WGS 84 longitude in degrees"))
        use = np.isfinite(lat) & np.isfinite(lon) & ~np.isfinite(x)
        swapped = use & (lat >= _LON_RANGE[0]) & (lat <= _LON_RANGE[1]) & (lon >= _LAT_RANGE[0]) & (lon <= _LAT_RANGE[1])
        if swapped.any():
            lat, lon = np.where(swapped, lon, lat), np.where(swapped, lat, lon)
            report.checks["swapped_latlon"] = int(swapped.sum())
            report.warnings.append(
                f"{int(swapped.sum())} rows had lat and lon in swapped order (lat {_LON_RANGE[0]:.0f}-{_LON_RANGE[1]:.0f}, "
                f"lon {_LAT_RANGE[0]:.0f}-{_LAT_RANGE[1]:.0f}); swapped back")
        impossible = use & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
        checker.reject(impossible, "lat", _col(raw, "lat"), "not a WGS 84 position (latitude beyond ±90 or longitude beyond ±180)")
        use &= ~impossible
        if use.any():
            from pyproj import Transformer

            tx, ty = Transformer.from_crs(CRS_WGS84, CRS_SWEREF, always_xy=True).transform(lon[use], lat[use])
            x[use] = tx
            y[use] = ty
    return x, y


def _coordinate_pair(raw: _Raw, checker: _Checker, first: tuple[str, str, str],
                     second: tuple[str, str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two coordinate columns parsed as numbers; a value that is no number, or one given without its
    partner, goes to the rejects. ``first``/``second``: (column, short name, what the number is)."""
    (col_a, name_a, what_a), (col_b, name_b, what_b) = first, second
    a, bad_a = _parse_number(_col(raw, col_a))
    b, bad_b = _parse_number(_col(raw, col_b))
    checker.reject(bad_a, col_a, _col(raw, col_a), f"not a number ({what_a})")
    checker.reject(bad_b, col_b, _col(raw, col_b), f"not a number ({what_b})")
    half = np.isfinite(a) != np.isfinite(b)
    checker.reject(half & ~np.isfinite(b), col_b, _col(raw, col_b), f"{name_a} is given without {name_b}")
    checker.reject(half & ~np.isfinite(a), col_a, _col(raw, col_a), f"{name_b} is given without {name_a}")
    return a, b


def _locate_codes(x: np.ndarray, y: np.ndarray, ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
    """Point-in-polygon join of places to the areas: (index into ctx.areas or -1, inside the municipality).

    Vectorised with shapely's ``intersects_xy`` on prepared polygons (the same result as a geopandas
    ``sjoin(predicate="intersects")`` without building a point object per offence); a point on the border
    of two areas goes to the first area in name order.
    """
    import shapely

    n = len(x)
    has = np.isfinite(x) & np.isfinite(y)
    codes = np.full(n, -1, dtype=np.int64)
    if ctx.areas.empty:
        return codes, has.copy()
    idx = np.flatnonzero(has)
    px, py = x[idx], y[idx]
    found = np.full(len(idx), -1, dtype=np.int64)
    for i, polygon in enumerate(ctx.areas.geometry.to_numpy()):
        todo = found < 0
        if not todo.any():
            break
        shapely.prepare(polygon)
        hit = shapely.intersects_xy(polygon, px[todo], py[todo])
        sub = np.flatnonzero(todo)[hit]
        found[sub] = i
    codes[idx] = found
    return codes, codes >= 0


def _locate(x: np.ndarray, y: np.ndarray, ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`_locate_codes`, with area names ('' outside or without a place)."""
    codes, inside = _locate_codes(x, y, ctx)
    names = np.array(list(ctx.areas["area"]) + [""], dtype=object)
    return names[codes], inside


def _place_checks(report: FileReport, has_place: np.ndarray, inside: np.ndarray, ctx: _Context, what: str) -> None:
    n = len(has_place)
    without = int((~has_place).sum())
    outside = int((has_place & ~inside).sum())
    report.checks["without_place"] = without
    report.checks["outside_municipality"] = outside if not ctx.areas.empty else 0
    if without:
        report.warnings.append(f"{without} of {n} {what} ({100 * without / max(n, 1):.1f} %) have no place; "
                               "they count in every total and are left out of maps only")
    if outside and not ctx.areas.empty:
        report.warnings.append(f"{outside} {what} have a place outside the municipality; kept, without an area")
    if ctx.areas.empty and has_place.any():
        report.warnings.append("no areas file (omraden.geojson): places were not checked against the municipality")


# --------------------------------------------------------------------------------------------------
# The code list


def _load_code_list(found: dict, ctx: _Context) -> pd.DataFrame:
    override = found.get("code_list", [])
    if override:
        path = override[0][0]
        ctx.warnings.append(f"the code list {path.name} in the raw-data folder replaces the one in the package")
    else:
        path = resource_path(CODE_LIST_FILE)
    return _parse_code_list(path, ctx)


_CODE_SPEC = _Spec(
    kind="code_list",
    table="code_list",
    required={"brottskod": "brottskod", "rubricering": "rubricering", "kategori": "kategori",
              "valdsbrott": "valdsbrott", "mangdbrott": "mangdbrott", "offentlig_plats": "offentlig_plats"},
)


def _parse_code_list(path: Path, ctx: _Context) -> pd.DataFrame:
    data = path.read_bytes()
    text, _ = _decode(path.name, data)
    frame, bad_fields = _parse_csv_text(text, ";")
    raw = _finish_raw(path.name, frame, bad_fields, FileReport(path.name, "code_list"), _CODE_SPEC, False)
    f = raw.frame
    problems = []
    codes = f["brottskod"]
    if bad_fields.any():
        problems.append(f"line {raw.lines[bad_fields][0]} has the wrong number of fields")
    bad_code = ~codes.str.fullmatch(r"\d{4}").to_numpy(dtype=bool)
    if bad_code.any():
        problems.append(f"line {raw.lines[bad_code][0]}: brottskod '{codes[bad_code].iloc[0]}' is not 4 digits")
    dup = codes.duplicated().to_numpy(dtype=bool)
    if dup.any():
        problems.append(f"line {raw.lines[dup][0]}: brottskod {codes[dup].iloc[0]} is listed twice")
    cat = f["kategori"].str.lower()
    bad_cat = ~cat.isin(sch.CATEGORIES).to_numpy(dtype=bool)
    if bad_cat.any():
        problems.append(f"line {raw.lines[bad_cat][0]}: kategori '{f['kategori'][bad_cat].iloc[0]}' is not one of "
                        + ", ".join(sch.CATEGORIES))
    flags = {}
    for col in ("valdsbrott", "mangdbrott", "offentlig_plats"):
        value = f[col].str.lower()
        bad = ~value.isin(["ja", "nej"]).to_numpy(dtype=bool)
        if bad.any():
            problems.append(f"line {raw.lines[bad][0]}: {col} '{f[col][bad].iloc[0]}' is not ja or nej")
        flags[col] = (value == "ja").to_numpy(dtype=bool)
    if problems:
        raise DataError(str(path), "the offence code list is invalid: " + "; ".join(problems[:3]),
                        "correct the code list (columns brottskod;rubricering;kategori;valdsbrott;mangdbrott;offentlig_plats)")
    return pd.DataFrame({
        "offence_code": codes.astype(sch._STR).to_numpy(),
        "offence_label_list": f["rubricering"].astype(sch._STR).to_numpy(),
        "category": cat.astype(sch._STR).to_numpy(),
        "violent": flags["valdsbrott"],
        "volume_crime": flags["mangdbrott"],
        "public_place": flags["offentlig_plats"],
    })


# --------------------------------------------------------------------------------------------------
# Areas and municipality


def _ingest_areas(files: list, ctx: _Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    import geopandas as gpd

    if not files:
        ctx.warnings.append("no areas file (omraden.geojson or omraden.gpkg): areas are empty and places "
                            "are not joined to areas")
        return sch.empty_table("areas"), sch.empty_table("municipality")
    path = files[0][0]
    ctx.read_bytes(path)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error types for unreadable files
        raise DataError(path.name, f"the file cannot be read as {path.suffix[1:]} ({exc})",
                        "export the areas again as GeoJSON or GeoPackage") from None
    report = FileReport(file=path.name, table="areas")
    headers = {_fold_header(c): c for c in gdf.columns if c != gdf.geometry.name}
    for key, name in (("omrade", "område"), ("omradeskod", "områdeskod")):
        if key not in headers:
            found = ", ".join(f"'{c}'" for c in headers.values()) or "none"
            raise DataError(path.name, f"column '{name}' is missing; the columns found are {found}",
                            f"add the property '{name}' to every area")
    if gdf.crs is None:
        raise DataError(path.name, "the file has no coordinate reference system",
                        "save it with its CRS (for instance EPSG:3006 or EPSG:4326)")
    frame = pd.DataFrame({key: gdf[col].astype(object).where(gdf[col].notna(), "").astype(str).str.strip()
                          for key, col in headers.items()})
    raw = _Raw(name=path.name, frame=frame, lines=np.arange(len(frame), dtype=np.int64) + 1,
               headers=headers, report=report, bad_fields=np.zeros(len(frame), dtype=bool))
    report.checks["line_is_feature_number"] = True
    checker = _Checker(raw, ctx)
    geom = gdf.geometry.to_crs(CRS_SWEREF)
    names = frame["omrade"]
    checker.reject((names == "").to_numpy(dtype=bool), "omrade", names, "the area has no name")
    checker.reject(geom.isna().to_numpy() | geom.is_empty.to_numpy(), "omrade", names, "the area has no geometry")
    poly = geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(dtype=bool)
    checker.reject(~poly, "omrade", names, "the geometry is not a polygon")
    keys = names.map(_fold)
    checker.reject(keys.duplicated().to_numpy(dtype=bool), "omrade", names, "the area is listed twice")
    keep = checker.finish()
    geom = geom[keep]
    invalid = ~geom.is_valid.to_numpy(dtype=bool)
    if invalid.any():
        geom = geom.make_valid()
        report.warnings.append(f"{int(invalid.sum())} area geometries were invalid and were repaired")
    areas = gpd.GeoDataFrame({
        "area": _to_string(names[keep].to_numpy()),
        "area_code": _to_string(frame["omradeskod"][keep].to_numpy()),
        "area_km2": geom.area.to_numpy() / 1e6,
    }, geometry=gpd.GeoSeries(geom.to_numpy(), crs=CRS_SWEREF), crs=CRS_SWEREF)
    areas = areas.sort_values("area", kind="stable").reset_index(drop=True)
    ctx.areas = areas
    ctx.area_lookup = {_fold(a): a for a in areas["area"]}
    ctx.area_lookup.update({_fold(c): a for c, a in zip(areas["area_code"], areas["area"]) if isinstance(c, str)})
    ctx.reports.append(report)
    union = areas.geometry.union_all() if len(areas) else None
    name = _first_value(frame, ("kommun", "kommunnamn"), MUNICIPALITY_NAME)
    code = _first_value(frame, ("kommunkod",), MUNICIPALITY_CODE)
    if union is None:
        return areas, sch.empty_table("municipality")
    municipality = gpd.GeoDataFrame({
        "name": _to_string([name]),
        "code": _to_string([code]),
        "area_km2": [union.area / 1e6],
    }, geometry=gpd.GeoSeries([union], crs=CRS_SWEREF), crs=CRS_SWEREF)
    return areas, municipality


def _first_value(frame: pd.DataFrame, keys: tuple[str, ...], default: str) -> str:
    for key in keys:
        if key in frame.columns:
            values = frame[key][frame[key] != ""]
            if len(values):
                return str(values.iloc[0])
    return default


# --------------------------------------------------------------------------------------------------
# Offences

_OFFENCE_SPEC = _Spec(
    kind="offences",
    table="offences",
    required={"brott_id": "brott_id", "brottskod": "brottskod", "datum_fran": "datum_från"},
    optional={"arendenummer": "ärendenummer", "brottsrubricering": "brottsrubricering", "tid_fran": "tid_från",
              "datum_till": "datum_till", "tid_till": "tid_till", "anmald_datum": "anmäld_datum",
              "x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm", "lat": "lat", "lon": "lon",
              "plats": "plats"},
)


def _ingest_offences(files: list, ctx: _Context) -> pd.DataFrame:
    parts = []
    for path, _ in files:
        raw = _read_csv(path, ctx, _OFFENCE_SPEC)
        ctx.reports.append(raw.report)
        parts.append(_offences_from(raw, ctx))
    if not parts:
        return sch.empty_table("offences")
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    start = frame["start"].to_numpy()
    if len(start) > 1 and (start[1:] < start[:-1]).any():
        order = np.argsort(start, kind="stable")  # ties keep file and line order
        frame = frame.take(order).reset_index(drop=True)
    return frame[sch.columns("offences")]


def _offences_from(raw: _Raw, ctx: _Context) -> pd.DataFrame:
    checker = _start_checker(raw, ctx)
    report = raw.report
    f = raw.frame
    ids = f["brott_id"]
    checker.reject((ids == "").to_numpy(dtype=bool), "brott_id", ids, "brott_id is empty")

    code_text = f["brottskod"]
    code_rows, code_table = _offence_codes(code_text, ctx.code_list)
    code_bad = code_table["bad"].to_numpy()[code_rows]
    padded = code_table["padded"].to_numpy()[code_rows]
    checker.reject((code_text == "").to_numpy(dtype=bool), "brottskod", code_text, "brottskod is empty")
    checker.reject(code_bad, "brottskod", code_text, "brottskod is not a 4-digit BRÅ offence code")
    if padded.any():
        report.checks["codes_zero_padded"] = int(padded.sum())
        report.warnings.append(f"{int(padded.sum())} offence codes had fewer than 4 digits (Excel drops leading "
                               "zeros) and were padded with zeros")

    start, known, bad_date, bad_time = _parse_datetime(f["datum_fran"], _col(raw, "tid_fran"))
    checker.reject((f["datum_fran"] == "").to_numpy(dtype=bool), "datum_fran", f["datum_fran"], "datum_från is empty")
    checker.reject(bad_date, "datum_fran", f["datum_fran"], "not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    checker.reject(bad_time, "tid_fran", _col(raw, "tid_fran"), "not a time (expected HH:MM)")
    date_till = _col(raw, "datum_till")
    time_till = _col(raw, "tid_till")
    end, end_known, bad_end, bad_end_time = _parse_datetime(date_till, time_till)
    checker.reject(bad_end, "datum_till", date_till, "not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    checker.reject(bad_end_time, "tid_till", time_till, "not a time (expected HH:MM)")
    only_time = (date_till == "").to_numpy(dtype=bool) & (time_till != "").to_numpy(dtype=bool)
    if only_time.any():
        day = start.astype("datetime64[D]").astype("datetime64[ns]")
        t_min = _unique_map(time_till, lambda u: _minutes(u)[0]).astype(float)
        fill = only_time & np.isfinite(t_min) & ~np.isnat(start)
        end[fill] = day[fill] + (t_min[fill].astype("int64") * 60_000_000_000).astype("timedelta64[ns]")
    reported_text = _col(raw, "anmald_datum")
    reported, _, bad_rep, _ = _parse_datetime(reported_text)
    checker.reject(bad_rep, "anmald_datum", reported_text, "not a date (expected YYYY-MM-DD)")

    x, y = _read_place(raw, checker, report)
    _reject_duplicate_ids(raw, checker, ctx)
    keep = checker.finish()
    _remember_ids(raw, keep, ctx)

    x, y = x[keep], y[keep]
    has_place = np.isfinite(x) & np.isfinite(y)
    area_codes, inside = _locate_codes(x, y, ctx)
    _place_checks(report, has_place, inside, ctx, "offences")

    rows = code_rows[keep]
    unknown_u = (~code_table["known"].to_numpy()) & ~code_table["bad"].to_numpy()
    unknown = unknown_u[rows]
    if unknown.any():
        counts = pd.Series(code_table["code"].to_numpy()[rows[unknown]]).value_counts().sort_index()
        listed = ", ".join(f"{c} ({n})" for c, n in counts.head(20).items())
        more = f" and {len(counts) - 20} more" if len(counts) > 20 else ""
        report.checks["unknown_codes"] = {str(c): int(n) for c, n in counts.items()}
        report.warnings.append(f"{int(unknown.sum())} offences have codes not in the code list, kept as "
                               f"'{sch.CATEGORY_UNKNOWN}': {listed}{more}")

    start_k, end_k = start[keep], end[keep]
    later = ~np.isnat(end_k) & (end_k < start_k)
    if later.any():
        report.checks["end_before_start"] = int(later.sum())
        report.warnings.append(f"{int(later.sum())} offences end before they start (datum_till before datum_från); kept")
    stamp = pd.DatetimeIndex(start_k)
    known_k = known[keep]
    hour = pd.array(np.where(known_k, stamp.hour, 0), dtype="Int8")
    hour[~known_k] = pd.NA
    n = int(keep.sum())
    return pd.DataFrame({
        "offence_id": _to_string(_take(ids, keep)),
        "case_number": _to_string(_take(_col(raw, "arendenummer"), keep)),
        "offence_code": _strings_from_codes(rows, code_table["code"]),
        "offence_label": _to_string(_take(_col(raw, "brottsrubricering"), keep)),
        "category": _strings_from_codes(rows, code_table["category"]),
        "violent": code_table["violent"].to_numpy(dtype=bool)[rows],
        "volume_crime": code_table["volume_crime"].to_numpy(dtype=bool)[rows],
        "public_place": code_table["public_place"].to_numpy(dtype=bool)[rows],
        "start": start_k,
        "start_time_known": known_k,
        "end": end_k,
        "reported": reported[keep],
        "year": stamp.year.to_numpy().astype("int16"),
        "month": stamp.month.to_numpy().astype("int8"),
        "weekday": stamp.day_of_week.to_numpy().astype("int8"),
        "hour": hour,
        "x": np.where(has_place, x, np.nan),
        "y": np.where(has_place, y, np.nan),
        "has_place": has_place,
        "in_municipality": inside,
        "area": _strings_from_codes(area_codes, list(ctx.areas["area"])),
        "place_text": _to_string(_take(_col(raw, "plats"), keep)),
        "source_file": _strings_from_codes(np.zeros(n, dtype=np.int64), [raw.name]),
        "source_line": raw.lines[keep].astype("int32"),
    })


def _offence_codes(text: pd.Series, code_list: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Distinct offence codes looked up in the code list once: (row -> distinct index, table of distinct)."""
    rows, uniques = pd.factorize(text, use_na_sentinel=False)
    raw_codes = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    digits = raw_codes.str.fullmatch(r"\d{1,4}").to_numpy(dtype=bool)
    code = raw_codes.str.zfill(4).where(digits, raw_codes)
    looked = code_list.set_index(code_list["offence_code"].astype(object)).reindex(pd.Index(code.to_numpy()))
    known = looked["category"].notna().to_numpy(dtype=bool)
    table = pd.DataFrame({
        "code": code.to_numpy(dtype=object),
        "bad": ~digits & (raw_codes != "").to_numpy(dtype=bool),
        "padded": digits & (raw_codes.str.len().to_numpy() < 4),
        "known": known,
        "category": np.where(known, looked["category"].astype(object).to_numpy(), sch.CATEGORY_UNKNOWN),
    })
    for flag in ("violent", "volume_crime", "public_place"):
        table[flag] = looked[flag].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return rows, table


def _reject_duplicate_ids(raw: _Raw, checker: _Checker, ctx: _Context) -> None:
    """Reject a brott_id seen before (in this file or an earlier one); the first usable row keeps it."""
    ids = raw.frame["brott_id"]
    cand = ~checker.bad & (ids != "").to_numpy(dtype=bool)
    within = ids.duplicated(keep="first").to_numpy(dtype=bool)
    if within.any():  # a duplicate of a rejected row is not a duplicate
        within = cand & ids.where(cand, None).duplicated(keep="first").to_numpy(dtype=bool) & ids.where(cand).notna().to_numpy()
    earlier = np.zeros(len(ids), dtype=bool)
    for _, seen, _ in ctx.offence_ids:
        earlier |= ids.isin(seen).to_numpy(dtype=bool)
    dup = cand & (within | earlier)
    if not dup.any():
        return
    reasons = np.full(len(ids), "", dtype=object)
    values = ids.to_numpy(dtype=object)
    first_line = {}
    dup_values = pd.unique(values[dup])
    for pos in np.flatnonzero(cand & ~dup & ids.isin(dup_values).to_numpy(dtype=bool)):
        first_line.setdefault(values[pos], raw.lines[pos])
    for pos in np.flatnonzero(dup):
        value = values[pos]
        where = None
        for name, seen, lines in ctx.offence_ids:
            hit = np.flatnonzero((seen == value).to_numpy(dtype=bool))
            if len(hit):
                where = f"{name} line {int(lines[hit[0]])}"
                break
        if where is None:
            where = f"{raw.name} line {int(first_line[value])}"
        reasons[pos] = f"duplicate brott_id, first seen in {where}"
    checker.reject(dup, "brott_id", ids, reasons)
    raw.report.checks["duplicate_ids"] = int(dup.sum())


def _remember_ids(raw: _Raw, keep: np.ndarray, ctx: _Context) -> None:
    ctx.offence_ids.append((raw.name, _take(raw.frame["brott_id"], keep), raw.lines[keep]))


# --------------------------------------------------------------------------------------------------
# Surveys


@dataclass
class _SurveyKind:
    table: str
    codebook_name: str
    spec: _Spec


_SAFETY_SURVEY = _SurveyKind(
    table="survey",
    codebook_name="trygghetsmatning_kodbok.yaml",
    spec=_Spec(kind="survey", table="survey",
               required={"respondent_id": "respondent_id", "ar": "år", "omrade": "område"},
               optional={"kon": "kön", "aldersgrupp": "åldersgrupp", "vikt": "vikt"}, prefix="q_"),
)
_YOUTH_SURVEY = _SurveyKind(
    table="youth_survey",
    codebook_name="ungdomsenkat_kodbok.yaml",
    spec=_Spec(kind="youth_survey", table="youth_survey",
               required={"respondent_id": "respondent_id", "ar": "år", "omrade": "område", "arskurs": "årskurs"},
               optional={"skola": "skola", "kon": "kön", "vikt": "vikt"}, prefix="q_"),
)
_SEX_SURVEY = _choices("kvinna", "man", "annat", kvinnor="kvinna", k="kvinna", flicka="kvinna", tjej="kvinna",
                       man_="man", m="man", pojke="man", kille="man", men="man", woman="kvinna", other="annat")
_SEX_SURVEY[_fold("män")] = "man"
_AGE_SURVEY = {g: g for g in sch.SURVEY_AGE_GROUPS}
_GRADE = _choices("åk9", "gy2", **{"9": "åk9", "åk 9": "åk9", "årskurs 9": "åk9", "ak9": "åk9",
                                   "gy 2": "gy2", "gymnasiet år 2": "gy2", "gymnasiet 2": "gy2", "gy2": "gy2",
                                   "år 2": "gy2"})


def _ingest_survey(files: list, codebook_files: list, ctx: _Context, kind: _SurveyKind):
    codebook = None
    if codebook_files:
        codebook = _read_codebook(codebook_files[0][0], ctx, kind)
    elif files:
        raise DataError(files[0][0].name, f"the codebook {kind.codebook_name} is missing",
                        f"put {kind.codebook_name} beside the responses (see docs/data-model.md)")
    questions = [q["id"] for q in codebook["fragor"]] if codebook else []
    parts = []
    for path, year in files:
        raw = _read_csv(path, ctx, kind.spec)
        ctx.reports.append(raw.report)
        parts.append(_survey_from(raw, int(year), codebook, questions, ctx, kind))
    base = sch.empty_table(kind.table)
    if not parts:
        frame = base
        for q in questions:
            frame[q] = pd.Series([], dtype="Int64")
    else:
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.sort_values(["year", "respondent_id"], kind="stable").reset_index(drop=True)
    return frame[sch.columns(kind.table) + questions], (codebook or {})


def _read_codebook(path: Path, ctx: _Context, kind: _SurveyKind) -> dict:
    data = ctx.read_bytes(path)
    text, _ = _decode(path.name, data)
    try:
        book = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DataError(path.name, f"the codebook is not valid YAML{where}", "correct the YAML (indentation, colons)") from None
    questions = book.get("fragor") if isinstance(book, dict) else None
    if not isinstance(questions, list) or not questions:
        raise DataError(path.name, "the codebook has no list 'fragor'", "see the codebook format in docs/data-model.md")
    seen = set()
    for i, q in enumerate(questions, start=1):
        qid = q.get("id") if isinstance(q, dict) else None
        if not isinstance(qid, str) or not qid.startswith("q_"):
            raise DataError(path.name, f"question {i} has no id starting with 'q_'", "give every question an id q_...")
        svar = q.get("svar")
        if not isinstance(svar, dict) or not svar or not all(isinstance(k, int) for k in svar):
            raise DataError(path.name, f"question {qid} has no answer codes ('svar' with integer codes)",
                            "list the answer codes as 'svar: {1: ..., 2: ...}'")
        vet_ej = q.get("vet_ej", []) or []
        if not isinstance(vet_ej, list) or not set(vet_ej) <= set(svar):
            raise DataError(path.name, f"question {qid}: 'vet_ej' codes are not among its answer codes", "correct vet_ej")
        if qid in seen:
            raise DataError(path.name, f"question {qid} is listed twice", "remove one of them")
        seen.add(qid)
    report = FileReport(file=path.name, table=f"{kind.table}_codebook", rows_read=len(questions),
                        rows_accepted=len(questions))
    ctx.reports.append(report)
    return book


def _survey_from(raw: _Raw, year: int, codebook: dict, questions: list[str], ctx: _Context,
                 kind: _SurveyKind) -> pd.DataFrame:
    checker = _start_checker(raw, ctx)
    f = raw.frame
    report = raw.report
    ids = f["respondent_id"]
    checker.reject((ids == "").to_numpy(dtype=bool), "respondent_id", ids, "respondent_id is empty")
    years, bad_year = _parse_int(f["ar"])
    checker.reject(bad_year | (f["ar"] == "").to_numpy(dtype=bool), "ar", f["ar"], "år is not a year")
    checker.reject(np.isfinite(years) & (years != year), "ar", f["ar"],
                   f"år does not match the survey round {year} of the file name")
    area, bad_area = _resolve_areas(f["omrade"], ctx)
    checker.reject((f["omrade"] == "").to_numpy(dtype=bool), "omrade", f["omrade"], "område is empty")
    checker.reject(bad_area, "omrade", f["omrade"], _unknown_area_reason(ctx))
    sex, bad_sex = _parse_choice(_col(raw, "kon"), _SEX_SURVEY)
    checker.reject(bad_sex, "kon", _col(raw, "kon"), "kön is not kvinna, man or annat")
    weight, bad_w = _parse_number(_col(raw, "vikt"))
    checker.reject(bad_w | (weight <= 0), "vikt", _col(raw, "vikt"), "vikt is not a positive number")
    extra = {}
    if kind.table == "survey":
        age_text = _col(raw, "aldersgrupp").str.replace(r"\s*[–—-]\s*", "-", regex=True)
        age, bad_age = _parse_choice(age_text, _AGE_SURVEY)
        checker.reject(bad_age, "aldersgrupp", _col(raw, "aldersgrupp"),
                       "åldersgrupp is not one of " + ", ".join(sch.SURVEY_AGE_GROUPS))
        extra["age_group"] = age
    else:
        grade, bad_grade = _parse_choice(f["arskurs"], _GRADE)
        checker.reject(bad_grade | (f["arskurs"] == "").to_numpy(dtype=bool), "arskurs", f["arskurs"],
                       "årskurs is not åk9 or gy2")
        extra["school"] = _col(raw, "skola").to_numpy(dtype=object)
        extra["grade"] = grade
    answers = {}
    book = {q["id"]: q for q in codebook["fragor"]}
    in_file = [c for c in f.columns if c.startswith("q_")]
    unknown_q = [raw.headers[c] for c in in_file if c not in book]
    if unknown_q:
        report.warnings.append("questions not in the codebook were left out: " + ", ".join(unknown_q))
    missing_q = [q for q in questions if q not in f.columns]
    if missing_q:
        report.warnings.append("questions of the codebook not in this round (empty): " + ", ".join(missing_q))
    for q in questions:
        if q not in f.columns:
            continue
        values, bad = _parse_int(f[q])
        codes = sorted(book[q]["svar"])
        checker.reject(bad, q, f[q], f"not an answer code of {q} (an integer)")
        outside = np.isfinite(values) & ~np.isin(values, codes)
        checker.reject(outside, q, f[q], f"answer code not in the codebook for {q} (codes: "
                       + ", ".join(str(c) for c in codes) + ")")
        answers[q] = values
    dup = (ids.duplicated(keep="first").to_numpy(dtype=bool)) & (ids != "").to_numpy(dtype=bool)
    checker.reject(dup, "respondent_id", ids, "respondent_id appears twice in the round")
    keep = checker.finish()
    n = int(keep.sum())
    out = {
        "respondent_id": _to_string(ids[keep].to_numpy()),
        "year": np.full(n, year, dtype="int16"),
        "area": _to_string(area[keep]),
        "sex": _to_string(sex[keep]),
    }
    if kind.table == "survey":
        out["age_group"] = _to_string(extra["age_group"][keep])
    else:
        out["school"] = _to_string(extra["school"][keep])
        out["grade"] = _to_string(extra["grade"][keep])
    out["weight"] = np.where(np.isfinite(weight[keep]), weight[keep], 1.0)
    for q in questions:
        values = answers.get(q)
        out[q] = pd.array(values[keep] if values is not None else np.full(n, np.nan), dtype="Float64").astype("Int64")
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------------
# Measures

_MEASURE_SPEC = _Spec(
    kind="measures",
    table="measures",
    required={"id": "id", "atgard": "åtgärd", "preventionsniva": "preventionsnivå", "tidsperspektiv": "tidsperspektiv",
              "ansvarig": "ansvarig", "omrade": "område", "start": "start", "status": "status"},
    optional={"arbetsgrupp": "arbetsgrupp", "slut": "slut", "kostnad_kr": "kostnad_kr", "indikatorer": "indikatorer",
              "x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm"},
)
_LEVELS = _choices(*sch.PREVENTION_LEVELS)
_HORIZONS = _choices("kort", "lång", kortsiktig="kort", långsiktig="lång")
_RESPONSIBLE = _choices("kommun", "polis", "gemensam", kommunen="kommun", polisen="polis")
_STATUS = _choices(*sch.MEASURE_STATUSES)


def _ingest_measures(files: list, ctx: _Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not files:
        return sch.empty_table("measures"), sch.empty_table("measure_areas")
    path = files[0][0]
    raw = _read_excel(path, ctx, _MEASURE_SPEC) if path.suffix.lower() == ".xlsx" else _read_csv(path, ctx, _MEASURE_SPEC)
    ctx.reports.append(raw.report)
    checker = _start_checker(raw, ctx)
    f = raw.frame
    ids = f["id"]
    checker.reject((ids == "").to_numpy(dtype=bool), "id", ids, "id is empty")
    checker.reject((f["atgard"] == "").to_numpy(dtype=bool), "atgard", f["atgard"], "åtgärd is empty")
    parsed = {}
    for key, choices, label in (("preventionsniva", _LEVELS, "preventionsnivå"), ("tidsperspektiv", _HORIZONS, "tidsperspektiv"),
                                ("ansvarig", _RESPONSIBLE, "ansvarig"), ("status", _STATUS, "status")):
        values, bad = _parse_choice(f[key], choices)
        allowed = ", ".join(sorted(set(choices.values())))
        checker.reject(bad | (f[key] == "").to_numpy(dtype=bool), key, f[key], f"{label} is not one of {allowed}")
        parsed[key] = values
    lists, bad_areas = _area_lists(f["omrade"], ctx)
    checker.reject((f["omrade"] == "").to_numpy(dtype=bool), "omrade", f["omrade"], "område is empty")
    checker.reject(bad_areas, "omrade", f["omrade"], _unknown_area_reason(ctx, whole=True))
    start, _, bad_start, _ = _parse_datetime(f["start"])
    checker.reject(bad_start | (f["start"] == "").to_numpy(dtype=bool), "start", f["start"], "start is not a date (YYYY-MM-DD)")
    end, _, bad_end, _ = _parse_datetime(_col(raw, "slut"))
    checker.reject(bad_end, "slut", _col(raw, "slut"), "slut is not a date (YYYY-MM-DD)")
    cost, bad_cost = _parse_number(_col(raw, "kostnad_kr"))
    checker.reject(bad_cost, "kostnad_kr", _col(raw, "kostnad_kr"), "kostnad_kr is not a number")
    x, y = _read_place(raw, checker, raw.report)
    checker.reject(ids.duplicated(keep="first").to_numpy(dtype=bool) & (ids != "").to_numpy(dtype=bool), "id", ids,
                   "the id appears twice")
    keep = checker.finish()
    indicators = _col(raw, "indikatorer").map(lambda v: ",".join(p.strip() for p in v.split(",") if p.strip()))
    _warn_unknown_indicators(raw.report, [i for v in indicators[keep] for i in v.split(",") if i])
    measures = pd.DataFrame({
        "measure_id": _to_string(ids[keep].to_numpy()),
        "name": _to_string(f["atgard"][keep].to_numpy()),
        "level": _to_string(parsed["preventionsniva"][keep]),
        "horizon": _to_string(parsed["tidsperspektiv"][keep]),
        "responsible": _to_string(parsed["ansvarig"][keep]),
        "working_group": _to_string(_col(raw, "arbetsgrupp")[keep].to_numpy()),
        "areas": _to_string([", ".join(a) for a in lists[keep]]),
        "start": start[keep],
        "end": end[keep],
        "status": _to_string(parsed["status"][keep]),
        "cost_sek": cost[keep],
        "indicators": _to_string(indicators[keep].to_numpy()),
        "x": x[keep],
        "y": y[keep],
    }).sort_values("measure_id", kind="stable").reset_index(drop=True)
    pairs = [(m, a) for m, names in zip(ids[keep], lists[keep]) for a in names]
    measure_areas = pd.DataFrame({
        "measure_id": _to_string([m for m, _ in pairs]),
        "area": _to_string([a for _, a in pairs]),
    }).sort_values(["measure_id", "area"], kind="stable").reset_index(drop=True)
    return measures, measure_areas


def _area_lists(s: pd.Series, ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
    lists = np.empty(len(s), dtype=object)
    bad = np.zeros(len(s), dtype=bool)
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    resolved = []
    for text in uniques:
        parts = [p.strip() for p in str(text).split(",") if p.strip()]
        names, ok = [], True
        for p in parts:
            key = _fold(p)
            if key == _fold(sch.WHOLE_MUNICIPALITY):
                names.append(sch.WHOLE_MUNICIPALITY)
            elif not ctx.area_lookup:
                names.append(p)
            elif key in ctx.area_lookup:
                names.append(ctx.area_lookup[key])
            else:
                ok = False
        resolved.append((list(dict.fromkeys(names)), not ok))
    for i, code in enumerate(codes):
        lists[i], bad[i] = resolved[code]
    return lists, bad


def _warn_unknown_indicators(report: FileReport, ids: list[str]) -> None:
    try:
        path = resource_path("indicators.yaml")
    except FileNotFoundError:
        return
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return
    known = _indicator_ids(data)
    if not known:
        return
    unknown = sorted(set(ids) - known)
    if unknown:
        report.warnings.append("indicator ids not in indicators.yaml: " + ", ".join(unknown))


def _indicator_ids(data) -> set[str]:
    if isinstance(data, dict):
        items = data.get("indicators", data)
        if isinstance(items, dict):
            return {str(k) for k in items}
        if isinstance(items, list):
            return {str(i.get("id")) for i in items if isinstance(i, dict) and i.get("id")}
    if isinstance(data, list):
        return {str(i.get("id")) for i in data if isinstance(i, dict) and i.get("id")}
    return set()


# --------------------------------------------------------------------------------------------------
# Goals (mal.yaml)


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (for rejects)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)

_TARGET_TYPES = _choices("tak", "golv")


def _ingest_goals(files: list, ctx: _Context) -> pd.DataFrame:
    if not files:
        return sch.empty_table("goals")
    path = files[0][0]
    text, _ = _decode(path.name, ctx.read_bytes(path))
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DataError(path.name, f"the file is not valid YAML{where}", "correct the YAML (indentation, colons)") from None
    goals = data.get("mal") if isinstance(data, dict) else None
    if not isinstance(goals, list):
        raise DataError(path.name, "the file has no list 'mal'", "see the mal.yaml format in docs/data-model.md")
    rows, lines = [], []
    report = FileReport(file=path.name, table="goals")
    for goal in goals:
        if not isinstance(goal, dict):
            continue
        subgoals = goal.get("delmal") or []
        if not subgoals:
            report.warnings.append(f"goal {goal.get('id')} (line {goal.get('__line__')}) has no sub-goals")
        for sub in subgoals:
            if not isinstance(sub, dict):
                continue
            rows.append({
                "mal_id": goal.get("id"), "mal_text": goal.get("text"), "mal_ansvarig": goal.get("ansvarig"),
                "id": sub.get("id"), "text": sub.get("text"), "indikator": sub.get("indikator"),
                "omrade": sub.get("omrade"), "utgangsar": sub.get("utgangsar"), "utgangsvarde": sub.get("utgangsvarde"),
                "malvarde": sub.get("malvarde"), "malar": sub.get("malar"), "typ": sub.get("typ"),
                "ansvarig": sub.get("ansvarig", goal.get("ansvarig")),
            })
            lines.append(sub.get("__line__", goal.get("__line__", 1)))
    cols = ["mal_id", "mal_text", "mal_ansvarig", "id", "text", "indikator", "omrade", "utgangsar", "utgangsvarde",
            "malvarde", "malar", "typ", "ansvarig"]
    frame = pd.DataFrame(rows, columns=cols).map(lambda v: "" if v is None else str(v).strip())
    raw = _Raw(name=path.name, frame=frame, lines=np.asarray(lines, dtype=np.int64), headers={c: c for c in cols},
               report=report, bad_fields=np.zeros(len(frame), dtype=bool))
    ctx.reports.append(report)
    checker = _Checker(raw, ctx)
    for key in ("mal_id", "id", "indikator", "omrade", "typ"):
        checker.reject((frame[key] == "").to_numpy(dtype=bool), key, frame[key], f"'{key}' is missing")
    area, bad_area = _resolve_areas(frame["omrade"], ctx, whole=True)
    checker.reject(bad_area, "omrade", frame["omrade"], _unknown_area_reason(ctx, whole=True))
    numbers = {}
    for key in ("utgangsar", "malar"):
        values, bad = _parse_int(frame[key])
        checker.reject(bad | (np.isfinite(values) & ((values < 1990) | (values > 2100))), key, frame[key], f"'{key}' is not a year")
        numbers[key] = values
    for key in ("utgangsvarde", "malvarde"):
        values, bad = _parse_number(frame[key])
        checker.reject(bad, key, frame[key], f"'{key}' is not a number")
        numbers[key] = values
    kind, bad_kind = _parse_choice(frame["typ"], _TARGET_TYPES)
    checker.reject(bad_kind, "typ", frame["typ"], "typ is not tak (at most) or golv (at least)")
    checker.reject(frame["id"].duplicated(keep="first").to_numpy(dtype=bool) & (frame["id"] != "").to_numpy(dtype=bool),
                   "id", frame["id"], "the sub-goal id appears twice")
    keep = checker.finish()
    _warn_unknown_indicators(report, list(frame["indikator"][keep]))
    out = pd.DataFrame({
        "goal_id": _to_string(frame["mal_id"][keep].to_numpy()),
        "goal_text": _to_string(frame["mal_text"][keep].to_numpy()),
        "goal_responsible": _to_string(frame["mal_ansvarig"][keep].to_numpy()),
        "subgoal_id": _to_string(frame["id"][keep].to_numpy()),
        "subgoal_text": _to_string(frame["text"][keep].to_numpy()),
        "indicator": _to_string(frame["indikator"][keep].to_numpy()),
        "area": _to_string(area[keep]),
        "baseline_year": pd.array(numbers["utgangsar"][keep], dtype="Float64").astype("Int16"),
        "baseline_value": numbers["utgangsvarde"][keep],
        "target_value": numbers["malvarde"][keep],
        "target_year": pd.array(numbers["malar"][keep], dtype="Float64").astype("Int16"),
        "target_type": _to_string(kind[keep]),
        "responsible": _to_string(frame["ansvarig"][keep].to_numpy()),
    })
    return out.sort_values(["goal_id", "subgoal_id"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Simple tables: population, safety walks, municipal incidents, young suspects, events


@dataclass
class _Simple:
    spec: _Spec
    build: Callable[[_Raw, _Checker, _Context], pd.DataFrame]
    sort: list[str]


def _ingest_simple(files: list, ctx: _Context, simple: _Simple) -> pd.DataFrame:
    if not files:
        return sch.empty_table(simple.spec.table)
    raw = _read_csv(files[0][0], ctx, simple.spec)
    ctx.reports.append(raw.report)
    checker = _start_checker(raw, ctx)
    frame = simple.build(raw, checker, ctx)
    return frame.sort_values(simple.sort, kind="stable", key=_sort_key).reset_index(drop=True)[
        sch.columns(simple.spec.table)]


def _sort_key(column: pd.Series) -> pd.Series:
    if column.name == "age_group":
        order = {g: i for i, g in enumerate(sch.SUSPECT_AGE_GROUPS)}
        return column.astype(object).map(lambda g: order.get(g, len(order)))
    return column


def _required_text(raw: _Raw, checker: _Checker, key: str, label: str) -> pd.Series:
    s = raw.frame[key]
    checker.reject((s == "").to_numpy(dtype=bool), key, s, f"{label} is empty")
    return s


def _year_of(raw: _Raw, checker: _Checker, key: str = "ar") -> np.ndarray:
    s = raw.frame[key]
    values, bad = _parse_int(s)
    checker.reject(bad | (s == "").to_numpy(dtype=bool) | (np.isfinite(values) & ((values < 1900) | (values > 2100))),
                   key, s, "år is not a year")
    return values


def _area_column(raw: _Raw, checker: _Checker, ctx: _Context, required: bool, whole: bool = False) -> np.ndarray:
    s = _col(raw, "omrade")
    if required:
        checker.reject((s == "").to_numpy(dtype=bool), "omrade", s, "område is empty")
    area, bad = _resolve_areas(s, ctx, whole=whole)
    checker.reject(bad, "omrade", s, _unknown_area_reason(ctx, whole=whole))
    return area


def _age_text(s: pd.Series) -> pd.Series:
    return s.str.replace(r"\s+", "", regex=True).str.replace(r"[–—]", "-", regex=True)


_SEX_POP = _choices("kvinna", "man", "alla", kvinnor="kvinna", k="kvinna", m="man", totalt="alla", total="alla",
                    samtliga="alla", t="alla")
_SEX_POP[_fold("män")] = "man"


def _build_population(raw: _Raw, checker: _Checker, ctx: _Context) -> pd.DataFrame:
    f = raw.frame
    year = _year_of(raw, checker)
    area = _area_column(raw, checker, ctx, required=True)
    count, bad = _parse_int(f["antal"])
    checker.reject(bad | (f["antal"] == "").to_numpy(dtype=bool) | (count < 0), "antal", f["antal"],
                   "antal is not a whole number of people")
    sex, bad_sex = _parse_choice(_col(raw, "kon"), _SEX_POP)
    checker.reject(bad_sex, "kon", _col(raw, "kon"), "kön is not kvinna, man or alla")
    sex = np.where(sex == "", "alla", sex)
    age = _age_text(_col(raw, "aldersgrupp")).to_numpy(dtype=object)
    age = np.where(age == "", "alla", age)
    key = pd.DataFrame({"y": year, "a": area, "s": sex, "g": age})
    dup = key.duplicated(keep="first").to_numpy(dtype=bool)
    checker.reject(dup, "antal", f["antal"], "the same year, area, sex and age group appear twice")
    keep = checker.finish()
    return pd.DataFrame({
        "year": year[keep].astype("int16"),
        "area": _to_string(area[keep]),
        "sex": _to_string(sex[keep]),
        "age_group": _to_string(age[keep]),
        "population": count[keep].astype("int64"),
    })


_DEFICIENCY = _choices(*sch.DEFICIENCIES, **{"skymd_sikt": "skymd sikt", "nedskrapning": "nedskräpning"})


def _build_safety_walks(raw: _Raw, checker: _Checker, ctx: _Context) -> pd.DataFrame:
    f = raw.frame
    date, _, bad_date, _ = _parse_datetime(f["datum"])
    checker.reject(bad_date | (f["datum"] == "").to_numpy(dtype=bool), "datum", f["datum"], "datum is not a date (YYYY-MM-DD)")
    area = _area_column(raw, checker, ctx, required=False)
    deficiency, bad_def = _parse_choice(f["brist"], _DEFICIENCY)
    checker.reject(bad_def | (f["brist"] == "").to_numpy(dtype=bool), "brist", f["brist"],
                   "brist is not one of " + ", ".join(sch.DEFICIENCIES))
    fixed, bad_fixed = _parse_bool(_col(raw, "atgardad"))
    checker.reject(bad_fixed, "atgardad", _col(raw, "atgardad"), "åtgärdad is not ja or nej")
    fixed_date, _, bad_fd, _ = _parse_datetime(_col(raw, "atgardad_datum"))
    checker.reject(bad_fd, "atgardad_datum", _col(raw, "atgardad_datum"), "åtgärdad_datum is not a date (YYYY-MM-DD)")
    x, y = _read_place(raw, checker, raw.report)
    keep = checker.finish()
    area, x, y = _area_from_place(area[keep], x[keep], y[keep], ctx, raw.report, "findings")
    fixed_k = fixed[keep] | ~np.isnat(fixed_date[keep])
    return pd.DataFrame({
        "date": date[keep],
        "year": pd.DatetimeIndex(date[keep]).year.to_numpy().astype("int16"),
        "area": _to_string(area),
        "x": x,
        "y": y,
        "deficiency": _to_string(deficiency[keep]),
        "fixed": fixed_k,
        "fixed_date": fixed_date[keep],
    })


def _area_from_place(area: np.ndarray, x: np.ndarray, y: np.ndarray, ctx: _Context, report: FileReport,
                     what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill an empty area from the place (spatial join); report places outside the municipality."""
    has = np.isfinite(x) & np.isfinite(y)
    located, inside = _locate(x, y, ctx)
    fill = (area == "") & has & (located != "")
    area = np.where(fill, located, area)
    outside = has & ~inside
    if outside.any() and not ctx.areas.empty:
        report.checks["outside_municipality"] = int(outside.sum())
        report.warnings.append(f"{int(outside.sum())} {what} have a place outside the municipality; kept")
    differs = has & inside & (area != "") & (located != area)
    if differs.any():
        report.checks["area_differs_from_place"] = int(differs.sum())
        report.warnings.append(f"{int(differs.sum())} {what} name an area other than the one their place lies in; "
                               "the named area is kept")
    return area, x, y


_INCIDENT_TYPE = _choices(*sch.INCIDENT_TYPES, **{"hot/vald": "hot/våld mot personal", "hot och våld mot personal":
                                                  "hot/våld mot personal", "inbrott": "inbrott i kommunal lokal"})


def _build_incidents(raw: _Raw, checker: _Checker, ctx: _Context) -> pd.DataFrame:
    f = raw.frame
    ids = _required_text(raw, checker, "handelse_id", "händelse_id")
    date, _, bad_date, bad_time = _parse_datetime(f["datum"], _col(raw, "tid"))
    checker.reject(bad_date | (f["datum"] == "").to_numpy(dtype=bool), "datum", f["datum"], "datum is not a date (YYYY-MM-DD)")
    checker.reject(bad_time, "tid", _col(raw, "tid"), "tid is not a time (HH:MM)")
    kind, bad_kind = _parse_choice(f["typ"], _INCIDENT_TYPE)
    checker.reject(bad_kind | (f["typ"] == "").to_numpy(dtype=bool), "typ", f["typ"],
                   "typ is not one of " + ", ".join(sch.INCIDENT_TYPES))
    area = _area_column(raw, checker, ctx, required=False)
    cost, bad_cost = _parse_number(_col(raw, "kostnad_kr"))
    checker.reject(bad_cost, "kostnad_kr", _col(raw, "kostnad_kr"), "kostnad_kr is not a number")
    x, y = _read_place(raw, checker, raw.report)
    checker.reject(ids.duplicated(keep="first").to_numpy(dtype=bool) & (ids != "").to_numpy(dtype=bool),
                   "handelse_id", ids, "händelse_id appears twice")
    keep = checker.finish()
    area, x, y = _area_from_place(area[keep], x[keep], y[keep], ctx, raw.report, "incidents")
    return pd.DataFrame({
        "incident_id": _to_string(ids[keep].to_numpy()),
        "date": date[keep],
        "year": pd.DatetimeIndex(date[keep]).year.to_numpy().astype("int16"),
        "type": _to_string(kind[keep]),
        "area": _to_string(area),
        "x": x,
        "y": y,
        "cost_sek": cost[keep],
    })


_SUSPECT_AGE = {"<15": "<15", "15-17": "15-17", "18-20": "18-20", "21-24": "21-24", "0-14": "<15", "-14": "<15"}
_SUPPRESSED = {"", "<5", "..", ".", "-", "x"}


def _build_suspects(raw: _Raw, checker: _Checker, ctx: _Context) -> pd.DataFrame:
    f = raw.frame
    year = _year_of(raw, checker)
    age, bad_age = _parse_choice(_age_text(f["aldersgrupp"]), _SUSPECT_AGE)
    checker.reject(bad_age | (f["aldersgrupp"] == "").to_numpy(dtype=bool), "aldersgrupp", f["aldersgrupp"],
                   "åldersgrupp is not one of " + ", ".join(sch.SUSPECT_AGE_GROUPS))
    sex, bad_sex = _parse_choice(_col(raw, "kon"), _SEX_POP)
    checker.reject(bad_sex, "kon", _col(raw, "kon"), "kön is not kvinna, man or alla")
    sex = np.where(sex == "", "alla", sex)
    counts = {}
    suppressed = 0
    for key in ("personer", "brott", "personer_med_tidigare_misstanke"):
        s = f[key]
        blank = s.str.replace(" ", "", regex=False).isin(list(_SUPPRESSED)).to_numpy(dtype=bool)
        values, bad = _parse_int(s.where(~blank, ""))
        checker.reject(bad | (values < 0), key, s, f"{key} is not a whole number (leave a suppressed cell empty)")
        counts[key] = values
        suppressed += int((blank & (s != "").to_numpy(dtype=bool)).sum())
    key = pd.DataFrame({"y": year, "a": age, "s": sex})
    checker.reject(key.duplicated(keep="first").to_numpy(dtype=bool), "aldersgrupp", f["aldersgrupp"],
                   "the same year, age group and sex appear twice")
    keep = checker.finish()
    if suppressed:
        raw.report.warnings.append(f"{suppressed} cells marked as suppressed ('<5', '..') read as empty")
    empty_cells = sum(int(np.isnan(v[keep]).sum()) for v in counts.values())
    raw.report.checks["empty_cells"] = empty_cells
    return pd.DataFrame({
        "year": year[keep].astype("int16"),
        "age_group": _to_string(age[keep]),
        "sex": _to_string(sex[keep]),
        "persons": pd.array(counts["personer"][keep], dtype="Float64").astype("Int64"),
        "offences": pd.array(counts["brott"][keep], dtype="Float64").astype("Int64"),
        "persons_previously_suspected": pd.array(counts["personer_med_tidigare_misstanke"][keep], dtype="Float64").astype("Int64"),
    })


def _build_events(raw: _Raw, checker: _Checker, ctx: _Context) -> pd.DataFrame:
    f = raw.frame
    names = _required_text(raw, checker, "namn", "namn")
    start, _, bad_start, _ = _parse_datetime(f["start"])
    checker.reject(bad_start | (f["start"] == "").to_numpy(dtype=bool), "start", f["start"], "start is not a date (YYYY-MM-DD)")
    end, _, bad_end, _ = _parse_datetime(_col(raw, "slut"))
    checker.reject(bad_end, "slut", _col(raw, "slut"), "slut is not a date (YYYY-MM-DD)")
    checker.reject(~np.isnat(end) & ~np.isnat(start) & (end < start), "slut", _col(raw, "slut"), "slut is before start")
    area = _area_column(raw, checker, ctx, required=False, whole=True)
    keep = checker.finish()
    return pd.DataFrame({
        "name": _to_string(names[keep].to_numpy()),
        "start": start[keep],
        "end": end[keep],
        "area": _to_string(area[keep]),
        "year": pd.DatetimeIndex(start[keep]).year.to_numpy().astype("int16"),
    })


_POPULATION = _Simple(
    spec=_Spec(kind="population", table="population",
               required={"ar": "år", "omrade": "område", "antal": "antal"},
               optional={"kon": "kön", "aldersgrupp": "åldersgrupp"}),
    build=_build_population,
    sort=["year", "area", "sex", "age_group"],
)
_SAFETY_WALKS = _Simple(
    spec=_Spec(kind="safety_walks", table="safety_walks",
               required={"datum": "datum", "omrade": "område", "brist": "brist"},
               optional={"x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm", "lat": "lat", "lon": "lon",
                         "atgardad": "åtgärdad", "atgardad_datum": "åtgärdad_datum"}),
    build=_build_safety_walks,
    sort=["date", "area", "deficiency", "x", "y"],
)
_INCIDENTS = _Simple(
    spec=_Spec(kind="municipal_incidents", table="municipal_incidents",
               required={"handelse_id": "händelse_id", "datum": "datum", "typ": "typ"},
               optional={"tid": "tid", "omrade": "område", "x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm",
                         "lat": "lat", "lon": "lon", "kostnad_kr": "kostnad_kr"}),
    build=_build_incidents,
    sort=["date", "incident_id"],
)
_SUSPECTS = _Simple(
    spec=_Spec(kind="young_suspects", table="young_suspects",
               required={"ar": "år", "aldersgrupp": "åldersgrupp", "personer": "personer", "brott": "brott",
                         "personer_med_tidigare_misstanke": "personer_med_tidigare_misstanke"},
               optional={"kon": "kön"}),
    build=_build_suspects,
    sort=["year", "age_group", "sex"],
)
_EVENTS = _Simple(
    spec=_Spec(kind="events", table="events", required={"namn": "namn", "start": "start"},
               optional={"slut": "slut", "omrade": "område"}),
    build=_build_events,
    sort=["start", "name"],
)
