"""The notebooks record, publishing reads: a report notebook records its key results here.

``glue(key, value)`` displays one output of MIME type :data:`RECORD_MIME` holding
``{"key": key, "value": value}`` and nothing else (no ``text/plain``, so nothing shows in the notebook
or its HTML). The run collects every such output of the executed notebook into
``reports/<year>/records/<job name>.json`` (:mod:`trygghet.publish.records`), and readers of a run's
results — ``trygghet mail`` — read that file, never the live store. A value must be JSON: a dict,
list, text, number, true/false or null (no NaN).
"""

from __future__ import annotations

import json
from typing import Any

from IPython.display import display

from trygghet.data.errors import ParameterError

__all__ = ["RECORD_MIME", "glue", "record_output"]

#: MIME type of a recorded result in a notebook's outputs (the publish layer collects it)
RECORD_MIME = "application/vnd.trygghet.record+json"


def record_output(key: str, value: Any) -> dict:
    """The display data that records ``value`` under ``key``: ``{RECORD_MIME: {"key", "value"}}``.

    ``ParameterError`` when the key is not text or the value is not JSON (a NaN, a DataFrame, a date)."""
    if not isinstance(key, str) or not key.strip():
        raise ParameterError(f"glue(): the key must be a non-empty text, got {key!r}")
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"glue('{key}'): the value must be JSON (dict, list, text, number, true/false or "
                             f"null, no NaN); convert it first ({exc})") from None
    return {RECORD_MIME: {"key": key, "value": json.loads(text)}}


def glue(key: str, value: Any) -> None:
    """Record ``value`` under ``key`` in the running notebook's outputs (shown nowhere)."""
    display(record_output(key, value), raw=True)
