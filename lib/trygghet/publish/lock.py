"""One writer at a time: the lock on a reports folder, and atomic file writes.

``run_lock`` keeps two runs (or a run and the mail, or two timers) from writing to the same folder at
once; ``atomic_write`` replaces a file in one step, so a reader never sees half a page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from trygghet.data.errors import TrygghetError

__all__ = ["RunLockedError", "run_lock", "atomic_write", "now", "TIMEZONE"]

TIMEZONE = ZoneInfo("Europe/Stockholm")

#: locks this process holds: resolved folder -> [file descriptor, depth]
_HELD_LOCKS: dict[str, list] = {}


class RunLockedError(TrygghetError):
    """Another run holds the lock on the reports folder."""


def now() -> dt.datetime:
    """The current time in Swedish local time (what the reports and logs show)."""
    return dt.datetime.now(TIMEZONE)


@contextlib.contextmanager
def run_lock(out: str | Path, what: str) -> Iterator[None]:
    """Hold ``out/.lock`` (fcntl.flock) for the block; re-entrant within one process.

    Raises ``RunLockedError`` naming the holder's pid when another process has it.
    """
    out_path = Path(out).resolve()
    key = str(out_path)
    if key in _HELD_LOCKS:
        _HELD_LOCKS[key][1] += 1
        try:
            yield
        finally:
            _HELD_LOCKS[key][1] -= 1
        return
    out_path.mkdir(parents=True, exist_ok=True)
    lock_file = out_path / ".lock"
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip() or "unknown process"
        os.close(fd)
        raise RunLockedError(
            f"{out_path} is being written by another trygghet run ({holder}); "
            "wait until it finishes, then run again") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}, {what}, since {now().isoformat(timespec='seconds')}\n".encode(), 0)
    _HELD_LOCKS[key] = [fd, 1]
    try:
        yield
    finally:
        del _HELD_LOCKS[key]
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing releases the flock


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and one rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
