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

The package is split by source, along the data's path:

- :mod:`.reading` — bytes to a table of text: encodings (the byte order mark decides), separators,
  header names, line numbers, rejected rows; :mod:`.values` — the value parsers;
- :mod:`.places` — coordinates, areas, the point-in-area join; :mod:`.code_list` — the offence codes;
- :mod:`.offences`, :mod:`.surveys`, :mod:`.plan` (measures, goals), :mod:`.tables` (the other tables);
- :mod:`.files` — finding the extracts and writing the store; :mod:`.driver` — :func:`ingest`;
- :mod:`.reasons` — a stable code for every reject reason (reports word them in Swedish).
"""

from __future__ import annotations

from trygghet.data.ingest.code_list import CODE_LIST_FILE, read_code_list
from trygghet.data.ingest.driver import ingest
from trygghet.data.ingest.places import MUNICIPALITY_NAME
from trygghet.data.ingest.report import FileReport, IngestReport, print_summary

__all__ = [
    "FileReport",
    "IngestReport",
    "ingest",
    "print_summary",
    "read_code_list",
    "CODE_LIST_FILE",
    "MUNICIPALITY_NAME",
]
