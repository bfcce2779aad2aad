"""Citizens' promises (*medborgarlöften*): what the police and the municipality promised residents,
and how far they got — frames for the residents' summary (:mod:`trygghet.reports.tryggare`).

A promise's ``status`` is the one the parties report in ``medborgarloften.yaml``
(:data:`~trygghet.data.vocabulary.PROMISE_STATUSES`); this module does not judge it again, it only adds
the share done of a countable target. Promises are the parties' public commitments, not personal data;
the number done counts activities (checks, walks, trainings), not persons, so no disclosure rule applies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.data.store import read_table
from trygghet.data.vocabulary import PROMISE_PARTIES, PROMISE_STATUSES

__all__ = ["STATUSES", "PARTIES", "promises", "status_counts"]

STATUSES = PROMISE_STATUSES
PARTIES = PROMISE_PARTIES


def promises(store: str | Path | None, year: int) -> pd.DataFrame:
    """The promises of ``year``, in the file's order. Columns: ``year``, ``promise``, ``party``,
    ``activity``, ``target``, ``unit``, ``done``, ``status``, ``comment`` (as the store's ``promises``
    table) and ``share_done`` (``done / target``; NaN without a positive target or a number done)."""
    table = read_table(store, "promises")
    table = table[table["year"] == int(year)].reset_index(drop=True)
    target = table["target"].to_numpy(dtype=float)
    done = table["done"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(target > 0, done / target, np.nan)
    return table.assign(share_done=share)


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """``{status: number of promises}`` for every status of :data:`STATUSES` (zeros included), from
    :func:`promises`' frame."""
    counts = table["status"].astype(str).value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}
