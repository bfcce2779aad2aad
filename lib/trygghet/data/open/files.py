"""Downloaded files and their provenance: ``<name>`` beside ``<name>.provenance.json``, swapped in whole.

A download is checked first (the caller's ``check`` raises on a broken or changed answer), then written to
temporary files in the same folder and renamed over the old ones (``os.replace``: a reader sees the old file
or the new one, never half of one). An answer identical to the file already there (same SHA-256) leaves
both files untouched, so fetching twice changes nothing. The provenance file holds ``url``, ``fetched_at``
(UTC, ISO 8601), ``licence``, ``sha256`` of the data file, ``source_updated`` (the source's own update date
or version) and free ``details``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from trygghet.data.errors import DataError

__all__ = ["PROVENANCE_SUFFIX", "provenance_path", "save_download", "read_provenance", "sha256"]

PROVENANCE_SUFFIX = ".provenance.json"
_KEYS = ("url", "fetched_at", "licence", "sha256", "source_updated")


def provenance_path(path: Path) -> Path:
    return path.with_name(path.name + PROVENANCE_SUFFIX)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_download(folder: Path, name: str, data: bytes, *, url: str, licence: str, source_updated: str | None,
                  details: dict | None = None, now: datetime | None = None) -> tuple[Path, bool]:
    """Write ``data`` as ``folder/name`` with its provenance; returns (path, changed). Call only with data
    that passed its check: this function never validates, it only swaps whole files."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    digest = sha256(data)
    if target.is_file() and sha256(target.read_bytes()) == digest and provenance_path(target).is_file():
        return target, False
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    provenance = {"url": url, "fetched_at": stamp.isoformat().replace("+00:00", "Z"), "licence": licence,
                  "sha256": digest, "source_updated": source_updated, "details": details or {}}
    text = json.dumps(provenance, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    tmp_data = _temp(folder, data)
    try:
        tmp_prov = _temp(folder, text.encode("utf-8"))
    except BaseException:
        os.unlink(tmp_data)
        raise
    os.replace(tmp_data, target)  # the data first: a provenance file never describes a file not there
    os.replace(tmp_prov, provenance_path(target))
    return target, True


def read_provenance(path: Path) -> dict:
    """The provenance of a downloaded file, checked against the file's bytes (a mismatch is a DataError)."""
    prov = provenance_path(path)
    if not prov.is_file():
        raise DataError(str(path), "has no provenance file beside it",
                        "download it again with `trygghet fetch` (never put files into open/ by hand)")
    try:
        doc = json.loads(prov.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(str(prov), f"is not valid JSON ({exc})", "download again with `trygghet fetch`") from None
    missing = [k for k in _KEYS if k not in doc]
    if missing:
        raise DataError(str(prov), f"lacks {', '.join(missing)}", "download again with `trygghet fetch`")
    if doc["sha256"] != sha256(path.read_bytes()):
        raise DataError(str(path), "does not match the checksum in its provenance file (changed by hand, or a "
                        "download was interrupted)", "download again with `trygghet fetch`")
    return doc


def _temp(folder: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".fetch-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp
