"""The notebooks record, publishing reads: a run's records of key results, one JSON per job.

A notebook records a key result with ``trygghet.reports.record.glue(key, value)``, which displays one
output of MIME type :data:`RECORD_MIME` holding ``{"key": key, "value": value}`` (no ``text/plain``, so
nothing shows). After a job ran, :func:`collect` gathers every such output of the executed notebook,
in cell order, into ``{key: value}``; the run writes it to ``<year>/records/<job name>.json``
(:func:`write`) and lists it in the manifest. The HTML export drops these outputs. Readers of a run's
results (``trygghet mail``) call :func:`read` on the published year folder — never the live store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trygghet.data.errors import ParameterError
from trygghet.publish.lock import atomic_write
from trygghet.reports.record import RECORD_MIME

__all__ = ["RECORD_MIME", "RECORDS_DIR", "collect", "is_record", "write", "read", "record_path"]

#: folder of the records inside a published year
RECORDS_DIR = "records"


def is_record(output: dict) -> bool:
    """Whether a notebook output is a recorded result (display data of :data:`RECORD_MIME`)."""
    return RECORD_MIME in (output.get("data") or {})


def collect(nb) -> dict[str, Any]:
    """``{key: value}`` of every recorded result in the executed notebook ``nb``, in cell order.

    A key recorded twice with the same value is kept once; with different values it is an error
    (ValueError naming the key): one figure, one truth.
    """
    found: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if not is_record(output):
                continue
            payload = output["data"][RECORD_MIME]
            if isinstance(payload, str):  # some writers keep JSON as text
                payload = json.loads(payload)
            if not isinstance(payload, dict) or "key" not in payload or "value" not in payload:
                raise ValueError(f"a record output must hold {{'key': ..., 'value': ...}}, got {payload!r:.200}")
            key, value = str(payload["key"]), _plain(payload["value"])
            if key in found and found[key] != value:
                raise ValueError(f"the record '{key}' is recorded twice with different values; record it once")
            found[key] = value
    return found


def record_path(name: str) -> str:
    """The record's path inside a published year folder: ``records/<job name>.json``."""
    return f"{RECORDS_DIR}/{name}.json"


def write(year_dir: Path, name: str, record: dict[str, Any]) -> str:
    """Write job ``name``'s record into ``year_dir``; returns its relative path (for the manifest)."""
    rel = record_path(name)
    target = Path(year_dir) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return rel


def read(year_dir: str | Path, name: str) -> dict[str, Any]:
    """The published record of job ``name`` in ``year_dir`` (``reports/<year>``).

    Raises ``ParameterError`` saying what to do when the run published no record for the job.
    """
    path = Path(year_dir) / record_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"{path}: the run published no record of '{name}'; "
                             f"run `trygghet run --year {Path(year_dir).name}` again") from None
    except json.JSONDecodeError as exc:
        raise ParameterError(f"{path}: the record is not valid JSON ({exc}); run the year again") from None
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: a record must be a JSON object of key: value; run the year again")
    return data


def _plain(value: Any) -> Any:
    """nbformat's NotebookNode values as plain dicts and lists (for JSON and comparison)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
