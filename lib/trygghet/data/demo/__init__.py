"""Synthetic demo data for Luleå: a complete raw data set in the contract formats, quirks included.

``write_demo(raw_dir, seed)`` writes every extract the ingest reads (see ``docs/demo.md`` for what is
synthetic and what is calibrated to which published figure). The same seed writes byte-identical files.
It reads only ``data/reference/`` and the package's resources.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.data.config import paths, resource_path
from trygghet.data.demo import _geo, _municipal, _offence_files, _offences, _plan, _population, _survey, _youth
from trygghet.data.demo import _problems
from trygghet.data.demo import _promises
from trygghet.data.demo._est import K_EST, generate_est
from trygghet.data.demo._grid import GRID_FILE, K_GRID, population_grid
from trygghet.data.demo._bra import BRA_FILES, K_BRA, write_bra
from trygghet.data.demo._open import K_OPEN, OPEN_FILES, write_open
from trygghet.data.demo._io import fmt_decimal, write_csv, write_geojson, write_text, write_xlsx
from trygghet.data.demo._survey import problem_index
from trygghet.data.errors import ParameterError
from trygghet.data.ingest import read_code_list

__all__ = ["write_demo", "DEMO_FILES", "DEMO_OPEN_FILES", "DEMO_BRA_FILES"]

#: every file :func:`write_demo` writes (at any scale)
DEMO_FILES = (
    "omraden.geojson", "befolkning.csv",
    *(f"anmalda_brott_{y}.csv" for y in range(2019, 2026)),
    "trygghetsmatning_2019.csv", "trygghetsmatning_2023.csv", "trygghetsmatning_2025.csv",
    "trygghetsmatning_kodbok.yaml",
    "ungdomsenkat_2019.csv", "ungdomsenkat_2021.csv", "ungdomsenkat_2023.csv", "ungdomsenkat_2025.csv",
    "ungdomsenkat_kodbok.yaml",
    "kommunala_handelser.csv", "misstankta_unga.csv", "atgarder.xlsx", "mal.yaml", "trygghetsvandringar.csv",
    "evenemang.csv",
    "befolkning_rutor.csv",
    "problem.yaml",
    "medborgarloften.yaml",
    "est_rapporter.csv",
)


#: the public statistics the demo writes under RAW/open/ (as `trygghet fetch` would; not returned by write_demo)
DEMO_OPEN_FILES = OPEN_FILES
#: the demo's exports of Brå's statistics database under RAW/open/ (as `trygghet fetch --bra-export` takes them)
DEMO_BRA_FILES = BRA_FILES


def write_demo(raw_dir: str | Path, seed: int = 2580, *, scale: float = 1.0,
               reference: str | Path | None = None) -> list[Path]:
    """Write the synthetic raw extracts into ``raw_dir`` (created if missing) and return their paths.

    ``seed`` makes the data reproducible (same seed, same bytes). ``scale`` multiplies the number of
    offences and survey respondents (1.0 is the full demo; tests use 0.1). ``reference`` is the folder
    with the outline and area centres (default ``data/reference/``).
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    if not (0.01 <= float(scale) <= 10.0):
        raise ParameterError(f"scale must be between 0.01 and 10, got {scale!r}")
    raw = Path(raw_dir)
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(int(seed))
    # one child generator per part, so that changing one part does not reshuffle the others
    r_off, r_files, r_survey, r_youth, r_inc, r_susp, r_walk = rng.spawn(7)

    geo = _geo.load_geography(Path(reference) if reference is not None else paths().reference)
    pop = _population.population(geo.areas)
    codes = read_code_list()
    category_of = dict(zip(codes["offence_code"], codes["category"]))
    written: list[Path] = []

    written.append(write_geojson(_geo.area_features(geo), raw / "omraden.geojson", "omraden"))
    written.append(write_csv(pop.astype({"år": str, "antal": str}), raw / "befolkning.csv"))

    offences = _offences.generate_offences(r_off, geo, pop, codes, float(scale))
    files, _ = _offence_files.write_offence_files(r_files, offences, geo, raw, set(codes["offence_code"]))
    written.extend(files)

    survey_cb = _survey.load_codebook("trygghetsmatning_kodbok.yaml")
    youth_cb = _survey.load_codebook("ungdomsenkat_kodbok.yaml")
    surveys = {}
    survey_format = {2019: ("cp1252", False, True, True), 2023: ("utf-8", True, False, True),
                     2025: ("utf-8", False, False, False)}
    for year in _survey.SURVEY_YEARS:
        zs = _survey.area_offence_z(offences, pop, year, category_of)
        frame = _survey.generate_survey(r_survey, year, pop, zs, survey_cb, float(scale))
        surveys[year] = frame
        enc, bom, crlf, comma = survey_format[year]
        out = frame.astype(object)
        out["vikt"] = fmt_decimal(frame["vikt"], 3, comma).to_numpy()
        written.append(write_csv(out, raw / f"trygghetsmatning_{year}.csv", encoding=enc, bom=bom, crlf=crlf))
    written.append(_copy_resource("demo/trygghetsmatning_kodbok.yaml", raw / "trygghetsmatning_kodbok.yaml"))

    youth = {}
    for year in _youth.YOUTH_YEARS:
        zs = _survey.area_offence_z(offences, pop, year, category_of)
        frame = _youth.generate_youth(r_youth, year, pop, zs, geo, youth_cb, float(scale))
        youth[year] = frame
        out = frame.astype(object)
        out["vikt"] = fmt_decimal(frame["vikt"], 3, True).to_numpy()
        written.append(write_csv(out, raw / f"ungdomsenkat_{year}.csv"))
    written.append(_copy_resource("demo/ungdomsenkat_kodbok.yaml", raw / "ungdomsenkat_kodbok.yaml"))

    incidents = _municipal.generate_incidents(r_inc, geo)
    inc = incidents.drop(columns=["x", "y", "kostnad"]).astype(object)
    inc["x_sweref99tm"] = fmt_decimal(incidents["x"], 1, True).to_numpy()
    inc["y_sweref99tm"] = fmt_decimal(incidents["y"], 1, True).to_numpy()
    inc["kostnad_kr"] = fmt_decimal(incidents["kostnad"], 2, True).to_numpy()
    written.append(write_csv(inc, raw / "kommunala_handelser.csv", encoding="cp1252", crlf=True))

    suspects = _municipal.generate_young_suspects(r_susp, pop)
    written.append(write_csv(suspects.astype(object), raw / "misstankta_unga.csv", bom=True))

    written.append(write_xlsx(_plan.measures(geo), raw / "atgarder.xlsx", "Verksamhetsplan"))

    walks = _plan.safety_walks(r_walk, geo)
    baselines = _baselines(offences, pop, surveys[2019], youth[2019], suspects, walks, codes)
    written.append(write_text(_plan.goals_yaml(baselines), raw / "mal.yaml"))
    w = walks.drop(columns=["x", "y"]).astype(object)
    w.insert(2, "x_sweref99tm", fmt_decimal(walks["x"], 1, False).to_numpy())
    w.insert(3, "y_sweref99tm", fmt_decimal(walks["y"], 1, False).to_numpy())
    written.append(write_csv(w, raw / "trygghetsvandringar.csv"))
    written.append(write_csv(_plan.events(), raw / "evenemang.csv"))
    written.append(write_text(_problems.problems_yaml(), raw / "problem.yaml"))
    written.append(write_text(_promises.promises_yaml(seed), raw / "medborgarloften.yaml"))
    written.append(write_csv(generate_est(np.random.default_rng([int(seed), K_EST]), geo), raw / "est_rapporter.csv"))
    written.append(write_csv(population_grid(np.random.default_rng([int(seed), K_GRID]), geo, pop), raw / GRID_FILE))
    _, from_bra = write_bra(np.random.default_rng([int(seed), K_BRA]), raw, offences, pop, codes)
    write_open(np.random.default_rng([int(seed), K_OPEN]), raw, from_bra)  # Kolada takes these figures from Brå
    return written


def _copy_resource(name: str, target: Path) -> Path:
    shutil.copyfile(resource_path(name), target)
    return target


def _baselines(offences: pd.DataFrame, pop: pd.DataFrame, survey: pd.DataFrame, youth: pd.DataFrame,
               suspects: pd.DataFrame, walks: pd.DataFrame, codes: pd.DataFrame) -> dict[str, float]:
    """The 2019 values of the goals' indicators, computed from the generated data (rates per 1 000)."""
    people = pop.loc[pop["år"] == 2019]
    total = people["antal"].sum()
    o = offences.loc[offences["year"] == 2019]
    cat = o["code"].map(dict(zip(codes["offence_code"], codes["category"])))
    public = o["code"].map(dict(zip(codes["offence_code"], codes["public_place"]))).fillna(False).astype(bool)
    hour = pd.DatetimeIndex(o["start"]).hour
    night = o["time_known"].to_numpy() & ((hour >= 22) | (hour < 5))  # hours 22–04, as the indicator
    centrum = (o["area"] == "Centrum").to_numpy()
    centrum_pop = people.loc[people["område"] == "Centrum", "antal"].sum()

    def share(frame, col, yes, valid):
        ok = frame[col].isin(valid).to_numpy()
        return float(np.average(frame.loc[ok, col].isin(yes), weights=frame.loc[ok, "vikt"]))

    items = [c for c in survey.columns if c.startswith("q_problem_")]
    scoring = {1: 0.0, 2: 2.0, 3: 4.0, 4: 6.0}

    def pi(area):
        sub = survey.loc[survey["område"] == area]
        if not sub["vikt"].sum() > 0:  # nobody answered there (a very small demo): the whole municipality stands in
            sub = survey
        coded = {i: sub[i].fillna(0).to_numpy(dtype=int) for i in items}
        return problem_index(coded, scoring, sub["vikt"].to_numpy())

    young = people.loc[people["åldersgrupp"].isin(["10-14", "15-17", "18-20", "21-24"]), "antal"].sum()
    s19 = suspects.loc[suspects["år"] == 2019, "personer"].fillna(0).sum()
    w19 = walks.loc[walks["datum"].str.startswith("2019")]
    return {
        "otrygg_kvall": share(survey, "q_otrygg_kvall", [3, 4, 5], [1, 2, 3, 4, 5]),
        "fortroende_polis": share(survey, "q_fortroende_polis", [1, 2], [1, 2, 3, 4]),
        "problemindex_Hertsön": pi("Hertsön"),
        "problemindex_Porsön": pi("Porsön"),
        "vald": float(o["violent"].sum() / total * 1000),
        "brott_bostadsinbrott": float((cat == "bostadsinbrott").sum() / total * 1000),
        "vald_offentlig_natt_Centrum": float((o["violent"].to_numpy() & public.to_numpy() & night & centrum).sum()
                                             / centrum_pop * 1000),
        "ung_alkohol": share(youth, "q_alkohol", [1], [1, 2]),
        "ung_vuxen": share(youth, "q_vuxen", [1], [1, 2]),
        "misstankta_unga": float(s19 / young * 1000),
        "trygghetsvandring_atgardade": float((w19["åtgärdad"] == "ja").mean()) if len(w19) else 0.5,
    }
