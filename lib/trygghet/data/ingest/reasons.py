"""A stable code for every reason a row is rejected.

``rejects.csv`` keeps the ingest's reasons as plain English sentences for the analysts (with the details:
which codes a question allows, where a duplicate was first seen). Reports count and word the reasons by
their code instead (:func:`reason_code`), so one reason reads the same whatever its details, and the
report's own language (Swedish) is chosen in the report.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["REASON_CODES", "OTHER", "reason_code", "reason_codes"]

OTHER = "other"

#: (code, pattern) in order; the first pattern that matches a reason gives its code
_PATTERNS = (
    ("not_utf8", r"^the line is not valid UTF-8"),
    ("wrong_fields", r"^wrong number of fields"),
    ("duplicate", r"duplicate |appears? twice|listed twice"),
    ("empty", r" is empty$|^'\w+' is missing$|has no name$"),
    ("no_geometry", r"has no geometry$"),
    ("not_polygon", r"is not a polygon$"),
    ("unknown_area", r"^unknown area"),
    ("year_mismatch", r"does not match the survey round"),
    ("not_year", r"is not a year$"),
    ("not_date", r"not a date\b"),
    ("not_time", r"not a time\b"),
    ("bad_offence_code", r"not a 4-digit"),
    ("half_coordinate", r" is given without "),
    ("impossible_position", r"not a WGS 84 position"),
    ("bad_answer", r"answer code"),
    ("not_positive", r"not a positive number"),
    ("not_whole", r"not a whole number"),
    ("not_number", r"not a number"),
    ("end_before_start", r"is before start$"),
    ("not_allowed", r" is not (one of|kvinna|åk9|ja or nej|tak)"),
)
_COMPILED = tuple((code, re.compile(pattern)) for code, pattern in _PATTERNS)
#: every reason code, in the order above, then :data:`OTHER`
REASON_CODES = tuple(code for code, _ in _PATTERNS) + (OTHER,)


def reason_code(reason: str) -> str:
    """The code of one reject reason as the ingest writes it (``"other"`` when none matches)."""
    text = str(reason)
    for code, pattern in _COMPILED:
        if pattern.search(text):
            return code
    return OTHER


def reason_codes(reasons: pd.Series) -> pd.Series:
    """:func:`reason_code` of a column of reasons (each distinct text classified once)."""
    codes, uniques = pd.factorize(reasons.astype(str), use_na_sentinel=False)
    mapped = np.array([reason_code(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(uniques) else np.array([], dtype=object), index=reasons.index,
                     name="reason_code", dtype=object)
