"""Reading text tables: encodings, separators, header names, line numbers, and the rows a file rejects.

Extracts are read the way Swedish systems and Excel write them: ``;`` or ``,``, UTF-8 (with or
without a byte order mark) or Windows-1252, header names with or without å/ä/ö. A file that starts
with a UTF-8 byte order mark is UTF-8: a line in it that is not valid UTF-8 goes to the rejects with
its line number and its bytes, never read as Windows-1252 (see :func:`decode`).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import yaml

from trygghet.data import schemas as sch
from trygghet.data import extract_layouts
from trygghet.data.errors import DataError
from trygghet.data.ingest.report import FileReport
from trygghet.data.ingest.values import fold_header

__all__ = ["read_yaml_with_lines", "yaml_records", "Context", "Spec", "Raw", "Checker", "Decoded", "NOT_UTF8", "decode", "decode_lines", "describe_bytes", "read_csv", "read_excel", "finish_raw", "parse_csv_text",
           "start_checker", "col"]

class Context:
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



@dataclass
class Spec:
    """What a CSV extract must and may hold: canonical (folded) name -> the name the contract uses."""

    kind: str
    table: str
    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    prefix: str | None = None  # extra columns allowed with this prefix (q_ for surveys)
    layouts: bool = False  # recognise the real police extract layouts (trygghet.data.extract_layouts)


@dataclass
class Raw:
    name: str
    frame: pd.DataFrame
    lines: np.ndarray
    headers: dict[str, str]  # canonical -> as written in the file
    report: FileReport
    bad_fields: np.ndarray
    not_utf8: dict[int, bytes] = field(default_factory=dict)  # line -> bytes of a line that is not UTF-8


class Checker:
    """Collects rejected rows of one file: the first problem of each row wins."""

    def __init__(self, raw: Raw, ctx: Context) -> None:
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


BOM = b"\xef\xbb\xbf"
#: stands in the text for a line of a UTF-8 file that is not valid UTF-8 (the line goes to the rejects)
NOT_UTF8 = "\ufffeline-not-utf-8\ufffe"


@dataclass
class Decoded:
    """A file's text. ``not_utf8``: line number -> the bytes of each line of a UTF-8 file that is not
    valid UTF-8; such a line stands in ``text`` as :data:`NOT_UTF8` followed by its line number."""

    text: str
    encoding: str
    not_utf8: dict[int, bytes] = field(default_factory=dict)


def decode_lines(name: str, data: bytes) -> Decoded:
    """The text of a raw file, line by line where it must be.

    - A file that starts with a UTF-8 byte order mark is UTF-8: the mark decides, whatever the bytes
      of single lines. A line that is not valid UTF-8 is kept apart (:attr:`Decoded.not_utf8`, with its
      line number and bytes), so it can go to the rejects; nothing is read as Windows-1252.
    - Without the mark, a file that decodes as UTF-8 is UTF-8. One that does not is UTF-8 with a few bad
      lines when most of its lines with letters beyond ASCII are valid UTF-8 (the bad lines are kept
      apart as above); otherwise it is Windows-1252 (what Excel's "CSV" writes on Swedish Windows).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(name, "the file is saved as UTF-16, which the workbook does not read",
                        "save it as CSV UTF-8 (or CSV with Windows-1252) and run again")
    if b"\0" in data[:65536]:
        raise DataError(name, "the file holds binary data, not text (is it an Excel file with a .csv name?)",
                        "save it from Excel as 'CSV UTF-8 (kommaavgränsad)' and run again")
    has_bom = data.startswith(BOM)
    body = data[len(BOM):] if has_bom else data
    try:
        return Decoded(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    lines = body.split(b"\n")
    texts: list[str] = []
    bad: dict[int, bytes] = {}
    good_non_ascii = 0
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            bad[number] = line.rstrip(b"\r")
            texts.append(NOT_UTF8 + str(number))
            continue
        good_non_ascii += not text.isascii()
        texts.append(text)
    if has_bom or good_non_ascii >= len(bad):
        if 1 in bad:
            raise DataError(name, f"the header line is not valid UTF-8 ({describe_bytes(bad[1])}) although the file is "
                            "saved as UTF-8", "save the file again as 'CSV UTF-8' and run again")
        return Decoded("\n".join(texts), "utf-8", bad)
    try:
        return Decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError as exc:
        raise DataError(
            name,
            f"the file is neither UTF-8 nor Windows-1252 (byte 0x{data[exc.start]:02x} at position {exc.start})",
            "save it again as 'CSV UTF-8' and run again",
        ) from None


def decode(name: str, data: bytes) -> tuple[str, str]:
    """The text and encoding of a file that must be read whole (YAML, the code list): a line that is
    not valid UTF-8 in a UTF-8 file stops the ingest with its line number."""
    decoded = decode_lines(name, data)
    if decoded.not_utf8:
        number, line = next(iter(decoded.not_utf8.items()))
        raise DataError(f"{name} line {number}", f"the line is not valid UTF-8 ({describe_bytes(line)}) although the "
                        "file is saved as UTF-8", "correct the line, or save the file again as UTF-8, and run again")
    return decoded.text, decoded.encoding


def describe_bytes(line: bytes) -> str:
    """The bytes of a line that are not UTF-8, e.g. ``bytes 0xe5, 0xf6 at positions 12, 30``."""
    text = line.decode("utf-8", "backslashreplace")
    found = re.findall(r"\\x([0-9a-f]{2})", text)
    positions, pos = [], 0
    while len(positions) < 5:
        try:
            line[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            positions.append(pos + exc.start + 1)
            pos += exc.start + 1
    shown = ", ".join(f"0x{b}" for b in found[:5])
    return f"bytes {shown} at position{'s' if len(positions) > 1 else ''} {', '.join(map(str, positions))}"


def read_geofile(path: Path, ctx: "Context", fix: str):
    """A GeoJSON or GeoPackage as a GeoDataFrame, its bytes counted in the ingest's fingerprint; a file
    that cannot be read is a DataError naming the file, the reader's words and ``fix``."""
    ctx.read_bytes(path)
    try:
        return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error types for unreadable files
        raise DataError(path.name, f"the file cannot be read as {path.suffix[1:]} ({exc})", fix) from None


def read_csv(path: Path, ctx: Context, spec: Spec) -> Raw:
    data = ctx.read_bytes(path)
    name = path.name
    if not data.strip():
        raise DataError(name, "the file is empty", "export the extract again with its header row")
    decoded = decode_lines(name, data)
    text, encoding = decoded.text, decoded.encoding
    header_line = text.split("\n", 1)[0].rstrip("\r")
    sep = ";" if ";" in header_line else ("," if "," in header_line else ("\t" if "\t" in header_line else ";"))
    report = FileReport(file=name, table=spec.table, encoding=encoding, separator=sep)
    if "Ã" in text and re.search("Ã[\u0080-\u00bf]", text):
        report.warnings.append("the text looks encoded twice (e.g. 'Ã¤' for 'ä'); check how the file was saved")
    if decoded.not_utf8:
        report.checks["lines_not_utf8"] = len(decoded.not_utf8)
        report.warnings.append(f"{len(decoded.not_utf8)} lines are not valid UTF-8 although the file is UTF-8 "
                               "(edited in another program?); they are in the rejects with their bytes")
    if encoding == "utf-8" and not decoded.not_utf8:
        utf8 = data[len(BOM):] if data.startswith(BOM) else data
    else:
        utf8 = text.encode("utf-8")
    del data
    frame = parse_csv_fast(utf8, sep)
    embedded = b'"' in utf8
    del utf8
    if frame is not None:
        del text
        raw = finish_raw(name, frame, np.zeros(len(frame), dtype=bool), report, spec, embedded_newlines=False)
    else:
        frame, bad_fields = parse_csv_text(text, sep)
        del text
        raw = finish_raw(name, frame, bad_fields, report, spec, embedded_newlines=embedded)
    raw.not_utf8 = decoded.not_utf8
    return raw


def parse_csv_fast(data: bytes, sep: str) -> pd.DataFrame | None:
    """Read a UTF-8 CSV with pyarrow, every column as text. None when a row is not one line of the file
    (blank lines, line breaks inside quoted values, rows with the wrong number of fields): the careful
    reader then keeps the line numbers right."""

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


def parse_csv_text(text: str, sep: str) -> tuple[pd.DataFrame, np.ndarray]:
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


def finish_raw(name: str, frame: pd.DataFrame, bad_fields: np.ndarray, report: FileReport, spec: Spec,
                embedded_newlines: bool) -> Raw:
    headers: dict[str, str] = {}
    rename: dict[str, str] = {}
    for col in frame.columns:
        original = str(col).lstrip("\ufeff").strip()
        key = fold_header(original)
        if key in headers:
            raise DataError(name, f"the columns '{headers[key]}' and '{original}' are the same column",
                            "remove one of them")
        headers[key] = original
        rename[col] = key
    frame = frame.rename(columns=rename)
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
    if spec.layouts:
        frame, headers, layout = extract_layouts.normalise(frame, headers, name, lines)
        if layout != "contract":
            report.checks["layout"] = layout
            report.warnings.append(f"read as the police's '{layout}' extract layout (docs/data-model.md)")
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
    return Raw(name=name, frame=frame, lines=lines, headers=headers, report=report, bad_fields=bad_fields)


def read_excel(path: Path, ctx: Context, spec: Spec) -> Raw:
    ctx.read_bytes(path)
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, na_filter=False)
    except Exception as exc:  # openpyxl raises many kinds of errors for a broken workbook
        raise DataError(path.name, f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                        "open it in Excel, save it again as .xlsx (or export the sheet as CSV)") from None
    report = FileReport(file=path.name, table=spec.table, encoding="xlsx")
    return finish_raw(path.name, frame, np.zeros(len(frame), dtype=bool), report, spec, embedded_newlines=False)


def start_checker(raw: Raw, ctx: Context) -> Checker:
    """A checker for the rows of a file, with the lines that could not be read already rejected: lines
    that are not valid UTF-8 (their bytes shown), then rows with the wrong number of fields."""
    checker = Checker(raw, ctx)
    if raw.not_utf8 and len(raw.frame):
        first = raw.frame.iloc[:, 0].astype(str)
        marked = first.str.startswith(NOT_UTF8).to_numpy(dtype=bool)
        numbers = [int(v[len(NOT_UTF8):]) for v in first[marked]]
        values = np.full(len(first), "", dtype=object)
        reasons = np.full(len(first), "", dtype=object)
        values[marked] = [raw.not_utf8[n].decode("utf-8", "backslashreplace")[:200] for n in numbers]
        reasons[marked] = [f"the line is not valid UTF-8 although the file is UTF-8 ({describe_bytes(raw.not_utf8[n])}); "
                           "save the file again as 'CSV UTF-8'" for n in numbers]
        checker.reject(marked, None, values, reasons)
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


def col(raw: Raw, key: str) -> pd.Series:
    """A column as stripped text; an absent optional column reads as empty."""
    if key in raw.frame.columns:
        return raw.frame[key]
    return pd.Series([""] * len(raw.frame), dtype=object)


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (``__line__``, for rejects)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def read_yaml_with_lines(path: Path, ctx: "Context"):
    """The YAML file ``path`` (decoded by the one encoding rule), every mapping carrying the line it starts
    on as ``__line__``; invalid YAML stops the ingest with the line and the fix."""
    text, _ = decode(path.name, ctx.read_bytes(path))
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DataError(path.name, f"the file is not valid YAML{where}", "correct the YAML (indentation, colons)") from None


def yaml_records(path: Path, data, keys: tuple[str, ...], what: str, hint: str) -> tuple[list[dict], list[int]]:
    """The list under the first of ``keys`` (folded headers; or ``data`` itself when it is a list): each
    mapping's fields with folded keys, and the line it starts on. Not a list stops the ingest with ``hint``."""
    items = data
    if isinstance(data, dict):
        folded = {fold_header(k): v for k, v in data.items() if isinstance(k, str)}
        items = next((folded[k] for k in keys if k in folded), None)
    if not isinstance(items, list):
        raise DataError(path.name, f"the file has no list of {what} (key '{keys[0]}')", hint)
    records, lines = [], []
    for item in items:
        if isinstance(item, dict):
            records.append({fold_header(k): v for k, v in item.items() if isinstance(k, str) and k != "__line__"})
            lines.append(int(item.get("__line__", 1)))
    return records, lines
