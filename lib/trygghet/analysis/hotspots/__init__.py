"""Hot-spot analysis on a regular grid in SWEREF 99 TM: counts, quartic KDE, Getis–Ord Gi* with a
multiple-testing correction (:mod:`.core`), the lattice (:mod:`.grid`), the raster statistics
(:mod:`.statistics`), emerging hot spots (:mod:`.trends`), PAI/RRI (:mod:`.evaluation`) and the store's
hot spots on its one study area (:mod:`.store`: populated land by default, :mod:`.study_area`), permutation
inference as esda's crand (:mod:`.permutation`) and the calibration simulations (:mod:`.calibration`,
docs/hotspots-study-area.md). Frames in, frames out; no Swedish words — the
reports (:mod:`trygghet.reports.brottskoncentrationer`, :mod:`trygghet.reports.maps`) word them.

``from trygghet.analysis import hotspots; hotspots.for_store(...)`` is the usual entry point. Whether a
situational measure covers a hot-spot cell is :mod:`trygghet.analysis.coverage`.
"""

from trygghet.analysis.hotspots.core import analyse
from trygghet.analysis.hotspots.evaluation import PAI_DEFINITION, evaluate
from trygghet.analysis.hotspots.permutation import INFERENCES
from trygghet.analysis.hotspots.study_area import DEFAULT_BUFFER, STUDY_AREAS, populated_land, population_per_cell
from trygghet.analysis.hotspots.grid import DEFAULT_MAX_CELLS, MIN_CELL_SIZE, auto_cell_size, cell_centres, count_points
from trygghet.analysis.hotspots.statistics import CORRECTIONS, auto_bandwidth, mann_kendall
from trygghet.analysis.hotspots.store import GROUPS, emerging_for_store, for_store, study_area_for_store
from trygghet.analysis.hotspots.trends import EMERGING_KEYS, classify_emerging, emerging

__all__ = [
    "DEFAULT_BUFFER",
    "INFERENCES",
    "STUDY_AREAS",
    "populated_land",
    "population_per_cell",
    "DEFAULT_MAX_CELLS",
    "MIN_CELL_SIZE",
    "CORRECTIONS",
    "GROUPS",
    "EMERGING_KEYS",
    "PAI_DEFINITION",
    "analyse",
    "for_store",
    "study_area_for_store",
    "emerging",
    "emerging_for_store",
    "classify_emerging",
    "evaluate",
    "count_points",
    "cell_centres",
    "auto_cell_size",
    "auto_bandwidth",
    "mann_kendall",
]
