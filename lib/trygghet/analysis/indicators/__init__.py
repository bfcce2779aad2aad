"""The indicators: one definition each (``resources/indicators.yaml``), computed with uncertainty and
disclosure control, compared between years and followed up against the steering group's goals.

Frames in, frames out — no Swedish sentences here; :mod:`trygghet.reports.wording` words the codes.

Public API (all return tidy DataFrames; the submodules document the columns and methods):

- :func:`definitions` / :func:`definition` / :func:`load_definitions` (:mod:`.definitions`).
- :func:`compute` — an indicator by year (and area, sex, age group, grade or level) with its interval
  (:mod:`.compute`, the kinds in :mod:`.kinds`); :func:`warm_cache` fills the store's cache.
- :func:`change` — the change between two years, tested, as a reading code; :func:`year_changes` —
  every indicator's latest measurement against the previous one (:mod:`.change`).
- :func:`follow_up` — the goals of ``goals.parquet`` with status and trend (:mod:`.follow_up`).
- :func:`main_changes` — the year's statistically certain changes (:mod:`.main_changes`).

The package's functions share their modules' names; import a module's other names from the module
itself (``from trygghet.analysis.indicators.change import compare``).
"""

from trygghet.analysis.indicators.definitions import KINDS, definition, definitions, load_definitions
from trygghet.analysis.indicators.compute import COLUMNS, compute, warm_cache
from trygghet.analysis.indicators.change import ASSESSMENTS, READINGS, change, year_changes
from trygghet.analysis.indicators.follow_up import STATUSES, follow_up
from trygghet.analysis.indicators.main_changes import main_changes

__all__ = [
    "KINDS",
    "COLUMNS",
    "READINGS",
    "ASSESSMENTS",
    "STATUSES",
    "definitions",
    "definition",
    "load_definitions",
    "compute",
    "warm_cache",
    "change",
    "year_changes",
    "follow_up",
    "main_changes",
]
