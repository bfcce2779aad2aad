"""The synthetic demo data: files, reproducibility, encodings, calibration and structure.

The checks read the written files back with their own small reader (not the project's ingest) and compute
the calibrated figures independently: weighted shares and the problem index by hand.
"""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from pyproj import Transformer
from shapely.geometry import shape

from trygghet.data.config import paths, resource_path
from trygghet.data.demo import DEMO_FILES, write_demo
from trygghet.data.errors import ParameterError

YEARS = range(2019, 2026)
TOTALS = {2019: 78105, 2020: 78549, 2021: 78900, 2022: 79244, 2023: 79409, 2024: 79600, 2025: 79800}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, list[Path]]:
    raw = tmp_path_factory.mktemp("demo_small")
    return raw, write_demo(raw, seed=2580, scale=0.1)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("demo_full")
    write_demo(raw, seed=2580)
    return raw


@pytest.fixture(scope="module")
def code_list() -> pd.DataFrame:
    codes = pd.read_csv(resource_path("brottskoder.csv"), sep=";", dtype=str, encoding="utf-8-sig")
    for col in ("valdsbrott", "offentlig_plats"):
        codes[col] = codes[col].str.lower().eq("ja")
    return codes.set_index("brottskod")


@pytest.fixture(scope="module")
def offences(full) -> pd.DataFrame:
    return pd.concat([_read_offences(full / f"anmalda_brott_{y}.csv", y) for y in YEARS], ignore_index=True)


def _norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _read_offences(path: Path, year: int) -> pd.DataFrame:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        text = data.decode("cp1252")
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    frame.columns = [_norm(c) for c in frame.columns]
    frame["year"] = year
    if "lat" in frame.columns:
        lat = pd.to_numeric(frame["lat"].str.replace(",", "."), errors="coerce")
        lon = pd.to_numeric(frame["lon"].str.replace(",", "."), errors="coerce")
        x, y = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(lon.to_numpy(), lat.to_numpy())
        frame["x"], frame["y"] = np.where(lat > 30, x, np.nan), np.where(lat > 30, y, np.nan)
        frame["swapped"] = lat < 30
    else:
        x = pd.to_numeric(frame["x_sweref99tm"].str.replace(",", "."), errors="coerce")
        y = pd.to_numeric(frame["y_sweref99tm"].str.replace(",", "."), errors="coerce")
        frame["swapped"] = x > 5_000_000
        frame["x"], frame["y"] = np.where(frame["swapped"], np.nan, x), np.where(frame["swapped"], np.nan, y)
    frame["start"] = pd.to_datetime(frame["datum_fran"] + " " + frame["tid_fran"].replace("", "00:00"),
                                    format="%Y-%m-%d %H:%M", errors="coerce")
    frame["time_known"] = frame["tid_fran"] != ""
    return frame


def _outline():
    doc = json.loads((paths().reference / "lulea_kommun.geojson").read_text(encoding="utf-8"))
    geom = shapely.union_all([shape(f["geometry"]) for f in doc["features"]])
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    return shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def _wshare(frame: pd.DataFrame, col: str, yes, valid) -> float:
    ok = frame[col].isin(valid)
    return float(np.average(frame.loc[ok, col].isin(yes), weights=frame.loc[ok, "vikt"]))


def _read_survey(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype={"respondent_id": str})
    frame["vikt"] = pd.to_numeric(frame["vikt"].astype(str).str.replace(",", "."))
    return frame


def _problem_index(frame: pd.DataFrame) -> float:
    items = [c for c in frame.columns if c.startswith("q_problem_")]
    scores = frame[items].apply(lambda s: s.map({1: 0.0, 2: 2.0, 3: 4.0, 4: 6.0}))
    per_person = scores.mean(axis=1)  # NaN (vet ej, empty) left out
    ok = per_person.notna()
    return float(np.average(per_person[ok], weights=frame.loc[ok, "vikt"]))


# --- files, reproducibility, encodings ------------------------------------------------------------------


def test_every_file_is_written(small):
    raw, written = small
    assert sorted(p.name for p in written) == sorted(DEMO_FILES)
    for name in DEMO_FILES:
        assert (raw / name).stat().st_size > 0, name


def test_same_seed_gives_identical_bytes_and_another_seed_differs(small, tmp_path):
    raw, _ = small
    again = write_demo(tmp_path / "again", seed=2580, scale=0.1)
    for path in again:
        assert path.read_bytes() == (raw / path.name).read_bytes(), path.name
    other = tmp_path / "other"
    write_demo(other, seed=7, scale=0.1)
    for name in ("anmalda_brott_2019.csv", "trygghetsmatning_2023.csv", "ungdomsenkat_2021.csv",
                 "kommunala_handelser.csv", "trygghetsvandringar.csv"):
        assert (other / name).read_bytes() != (raw / name).read_bytes(), name


def test_encodings_as_intended(small):
    raw, _ = small
    for year in (2019, 2020, 2021):
        data = (raw / f"anmalda_brott_{year}.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        text = data.decode("cp1252")
        assert "Örnäset" in text and "\r\n" in text
        first = text.splitlines()[1].split(";")
        assert "," in first[9] or first[9] == ""  # decimal comma (or no place)
    for year in (2022, 2023, 2024, 2025):
        data = (raw / f"anmalda_brott_{year}.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert "Örnäset" in data.decode("utf-8")
    assert (raw / "kommunala_handelser.csv").read_bytes().decode("cp1252").count("Örnäset") > 0
    assert "Örnäset" in (raw / "trygghetsmatning_2019.csv").read_bytes().decode("cp1252")


def test_header_variants_and_lat_lon_year(small):
    raw, _ = small
    header = {y: (raw / f"anmalda_brott_{y}.csv").read_bytes().decode("cp1252" if y < 2022 else "utf-8-sig")
              .splitlines()[0].split(";") for y in YEARS}
    assert "Ärendenummer" in header[2019] and " Brottskod " in header[2019] and "datum_fran" in header[2019]
    assert "DATUM_FRÅN" in header[2020]
    assert header[2023][9:11] == ["lat", "lon"]
    for year in YEARS:
        names = {_norm(h) for h in header[year]}
        assert {"brott_id", "brottskod", "datum_fran"} <= names, year


def test_seed_and_scale_are_checked(tmp_path):
    with pytest.raises(ParameterError):
        write_demo(tmp_path, seed=-1)
    with pytest.raises(ParameterError):
        write_demo(tmp_path, scale=0)


def test_codebooks_are_copies_of_the_package_resources(small):
    raw, _ = small
    for name in ("trygghetsmatning_kodbok.yaml", "ungdomsenkat_kodbok.yaml"):
        assert (raw / name).read_bytes() == resource_path(f"demo/{name}").read_bytes()


# --- areas and population -------------------------------------------------------------------------------


def test_areas_are_twelve_cells_tiling_the_municipality(small):
    raw, _ = small
    doc = json.loads((raw / "omraden.geojson").read_text(encoding="utf-8"))
    names = [f["properties"]["område"] for f in doc["features"]]
    codes = [f["properties"]["områdeskod"] for f in doc["features"]]
    assert len(names) == 12 and "Örnäset" in names and "Porsön" in names
    assert codes == [f"2580-{i:02d}" for i in range(1, 13)]
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    cells = [shapely.transform(shape(f["geometry"]), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
             for f in doc["features"]]
    outline = _outline()
    assert sum(c.area for c in cells) == pytest.approx(outline.area, rel=1e-3)
    assert shapely.union_all(cells).symmetric_difference(outline).area / outline.area < 1e-3


def test_population_totals_are_exact(small):
    raw, _ = small
    pop = pd.read_csv(raw / "befolkning.csv", sep=";")
    assert list(pop.columns) == ["år", "område", "kön", "åldersgrupp", "antal"]
    assert pop.groupby("år")["antal"].sum().to_dict() == TOTALS
    assert set(pop["åldersgrupp"]) == {"0-9", "10-14", "15-17", "18-20", "21-24", "25-44", "45-64", "65-84", "85+"}
    assert set(pop["kön"]) == {"kvinna", "man"}
    young = pop[pop["åldersgrupp"].isin(["18-20", "21-24"])].groupby("område")["antal"].sum()
    share = young / pop.groupby("område")["antal"].sum()
    assert share.idxmax() == "Porsön"


# --- offences: volume, calibration, structure, quirks ---------------------------------------------------


def test_offence_volume_and_violent_rate(offences, code_list):
    violent = offences["brottskod"].map(code_list["valdsbrott"]).fillna(False).astype(bool)
    per_year = offences.groupby("year").size()
    assert per_year.between(7000, 8000).all(), per_year.to_dict()
    rate = violent.groupby(offences["year"]).sum() / pd.Series(TOTALS) * 100_000
    assert rate.between(780, 945).all(), rate.round(1).to_dict()


def test_about_one_offence_in_five_lacks_a_place_and_fraud_mostly(offences, code_list):
    no_place = offences["x"].isna() & ~offences["swapped"]
    assert 0.15 <= no_place.mean() <= 0.27
    fraud = offences["brottskod"].map(code_list["kategori"]) == "bedrageri"
    assert no_place[fraud].mean() >= 0.8


def test_violence_gathers_in_centrum_on_weekend_nights(offences, code_list, full):
    doc = json.loads((full / "omraden.geojson").read_text(encoding="utf-8"))
    centrum = next(shape(f["geometry"]) for f in doc["features"] if f["properties"]["område"] == "Centrum")
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    centrum = shapely.transform(centrum, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    o = offences[offences["x"].notna() & offences["time_known"] & offences["start"].notna()]
    violent_public = o["brottskod"].map(code_list["valdsbrott"]).fillna(False) & \
        o["brottskod"].map(code_list["offentlig_plats"]).fillna(False)
    v = o[violent_public.astype(bool)]
    wd, hour = v["start"].dt.day_of_week, v["start"].dt.hour
    weekend_night = ((wd.isin([4, 5]) & (hour >= 21)) | (wd.isin([5, 6]) & (hour < 5)))
    in_centrum = shapely.contains_xy(centrum, v["x"].to_numpy(), v["y"].to_numpy())
    share = (weekend_night & in_centrum).mean()
    assert share >= 0.35, share  # Centrum has 12 % of the people and weekend nights 10 % of the week's hours
    # a 200 m grid finds a real hot spot: the busiest cell holds many times the mean of non-empty cells
    cells = pd.Series(list(zip((v["x"] // 200).astype(int), (v["y"] // 200).astype(int)))).value_counts()
    assert cells.iloc[0] >= 8 * cells.mean()


def test_bicycle_theft_peaks_in_summer_and_trends(offences, code_list):
    cat = offences["brottskod"].map(code_list["kategori"])
    month = offences["start"].dt.month
    bikes = month[cat == "cykelstold"].value_counts()
    assert bikes.reindex([6, 7, 8]).mean() >= 4 * bikes.reindex([12, 1, 2], fill_value=0).mean()
    per_year = pd.crosstab(offences["year"], cat)
    assert per_year.loc[2025, "bedrageri"] > 1.3 * per_year.loc[2019, "bedrageri"]
    assert per_year.loc[2025, "bostadsinbrott"] < 0.75 * per_year.loc[2019, "bostadsinbrott"]


def test_burglary_has_wide_time_windows(offences, code_list):
    burglary = offences[offences["brottskod"].map(code_list["kategori"]) == "bostadsinbrott"]
    start = pd.to_datetime(burglary["datum_fran"], errors="coerce")
    end = pd.to_datetime(burglary["datum_till"], errors="coerce")
    assert end.notna().mean() > 0.95
    assert (end - start).dt.days.median() >= 2


def test_festival_weekend_shows_as_extra_violence(offences, code_list, full):
    events = pd.read_csv(full / "evenemang.csv", sep=";")
    fest = events[events["namn"] == "Hamnfestivalen"]
    assert len(fest) == 7
    violent = offences[offences["brottskod"].map(code_list["valdsbrott"]).fillna(False).astype(bool)]
    day = violent["start"].dt.normalize()
    fest_days = set()
    for row in fest.itertuples():
        fest_days |= set(pd.date_range(row.start, pd.Timestamp(row.slut) + pd.Timedelta(days=1)))
    on_fest = day.isin(fest_days).sum() / len(fest_days)
    weekend = day[day.dt.day_of_week.isin([4, 5, 6]) & ~day.isin(fest_days)]
    per_weekend_day = len(weekend) / weekend.nunique()
    assert on_fest > 1.5 * per_weekend_day


def test_each_year_has_planted_data_quality_findings(small, code_list):
    raw, _ = small
    outline = _outline()
    for year in YEARS:
        o = _read_offences(raw / f"anmalda_brott_{year}.csv", year)
        unknown = ~o["brottskod"].isin(code_list.index)
        assert 2 <= unknown.sum() <= 5, year
        assert 1 <= o["swapped"].sum() <= 3, year
        bad_dates = o["start"].isna()
        assert 1 <= bad_dates.sum() <= 3, year
        placed = o[o["x"].notna()]
        outside = ~shapely.contains_xy(outline, placed["x"].to_numpy(), placed["y"].to_numpy())
        assert 1 <= outside.sum() <= 3, year
        assert o["arendenummer"].str.fullmatch(rf"5000-K\d{{6}}-{year % 100:02d}").all()
        assert o["brott_id"].is_unique


# --- surveys ----------------------------------------------------------------------------------------------


def test_safety_survey_is_calibrated(full):
    targets = {2019: 1.40, 2023: 1.38}
    for year in (2019, 2023, 2025):
        s = _read_survey(full / f"trygghetsmatning_{year}.csv")
        assert 2000 <= len(s) <= 2450
        assert 1.45 <= s["vikt"].mean() <= 1.8 and s["vikt"].std() > 0.1
        assert set(s["åldersgrupp"]) == {"16-24", "25-44", "45-64", "65-84"}
        index = _problem_index(s)
        if year in targets:
            assert index == pytest.approx(targets[year], abs=0.03)
        by_area = {a: _problem_index(g) for a, g in s.groupby("område")}
        assert set(sorted(by_area, key=by_area.get)[-2:]) == {"Porsön", "Hertsön"}, by_area
        unsafe = _wshare(s, "q_otrygg_kvall", [3, 4, 5], [1, 2, 3, 4, 5])
        assert 0.16 <= unsafe <= 0.24
        women = _wshare(s[s["kön"] == "kvinna"], "q_otrygg_kvall", [3, 4, 5], [1, 2, 3, 4, 5])
        men = _wshare(s[s["kön"] == "man"], "q_otrygg_kvall", [3, 4, 5], [1, 2, 3, 4, 5])
        assert women > men + 0.05
        for area in ("Porsön", "Hertsön"):
            assert _wshare(s[s["område"] == area], "q_otrygg_kvall", [3, 4, 5], [1, 2, 3, 4, 5]) > unsafe
        exposure = [c for c in s.columns if c.startswith("q_utsatt_")]
        exposed = np.average((s[exposure] == 1).any(axis=1), weights=s["vikt"])
        assert 0.12 <= exposed <= 0.18
        assert (s["q_otrygg_kvall"] == 9).any() and s["q_problem_narkotika"].isna().any()


def test_survey_columns_follow_the_codebook(small):
    raw, _ = small
    book = yaml.safe_load((raw / "trygghetsmatning_kodbok.yaml").read_text(encoding="utf-8"))
    s = _read_survey(raw / "trygghetsmatning_2025.csv")
    ids = [q["id"] for q in book["fragor"]]
    assert list(s.columns) == ["respondent_id", "år", "område", "kön", "åldersgrupp", "vikt", *ids]
    for q in book["fragor"]:
        allowed = {int(k) for k in q["svar"]}
        assert set(s[q["id"]].dropna().astype(int)) <= allowed, q["id"]


def test_youth_survey_rounds(full):
    book = yaml.safe_load((full / "ungdomsenkat_kodbok.yaml").read_text(encoding="utf-8"))
    small_cells = 0
    for year in (2019, 2021, 2023, 2025):
        y = _read_survey(full / f"ungdomsenkat_{year}.csv")
        assert 1300 <= len(y) <= 1700
        assert set(y["årskurs"]) == {"åk9", "gy2"}
        assert list(y.columns[:7]) == ["respondent_id", "år", "skola", "område", "årskurs", "kön", "vikt"]
        assert [c for c in y.columns if c.startswith("q_")] == [q["id"] for q in book["fragor"]]
        assert (y.groupby("område").size() >= 30).all()
        small_cells += int((y.groupby(["område", "årskurs"]).size() < 30).sum())
        alcohol = y.groupby("årskurs").apply(lambda g: _wshare(g, "q_alkohol", [1], [1, 2]), include_groups=False)
        assert alcohol["gy2"] > alcohol["åk9"]
        risk = y[y["område"].isin(["Hertsön", "Porsön", "Björkskatan"])]
        calm = y[y["område"].isin(["Sunderbyn", "Bergnäset", "Gammelstad"])]
        assert _wshare(risk, "q_brott_skadegorelse", [1], [1, 2]) > _wshare(calm, "q_brott_skadegorelse", [1], [1, 2])
    assert 1 <= small_cells <= 12


# --- the municipality's picture and the plan ----------------------------------------------------------------


def test_young_suspects_leave_small_cells_empty(small):
    raw, _ = small
    text = (raw / "misstankta_unga.csv").read_bytes().decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), sep=";")
    assert list(frame.columns) == ["år", "åldersgrupp", "kön", "personer", "brott", "personer_med_tidigare_misstanke"]
    assert len(frame) == 7 * 4 * 2
    assert frame["personer_med_tidigare_misstanke"].isna().sum() >= 3
    for col in ("personer", "brott", "personer_med_tidigare_misstanke"):
        assert (frame[col].dropna() >= 5).all()


def test_municipal_incidents(small):
    raw, _ = small
    text = (raw / "kommunala_handelser.csv").read_bytes().decode("cp1252")
    frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["händelse_id", "datum", "tid", "typ", "område", "x_sweref99tm", "y_sweref99tm",
                                   "kostnad_kr"]
    assert set(frame["typ"]) == {"skadegörelse", "klotter", "brand", "hot/våld mot personal",
                                 "inbrott i kommunal lokal", "övrigt"}
    per_year = frame["datum"].str[:4].value_counts()
    assert per_year.between(150, 500).all()
    cost = pd.to_numeric(frame["kostnad_kr"].str.replace(",", "."), errors="coerce")
    assert cost.notna().mean() > 0.6 and frame["kostnad_kr"].str.contains(",").any()
    top = frame["område"].value_counts()
    assert top.index[0] in {"Hertsön", "Björkskatan"}


def test_measures_cover_all_levels_and_leave_hot_spots_uncovered(small):
    raw, _ = small
    m = pd.read_excel(raw / "atgarder.xlsx")
    assert 20 <= len(m) <= 30 and m["id"].is_unique
    assert set(m["preventionsnivå"]) == {"universell", "selektiv", "indikerad", "situationell"}
    assert set(m["tidsperspektiv"]) == {"kort", "lång"}
    assert set(m["status"]) <= {"planerad", "pågående", "genomförd", "avbruten"} and m["status"].nunique() == 4
    assert m["kostnad_kr"].notna().sum() >= 15
    sit = m[(m["preventionsnivå"] == "situationell") & m["x_sweref99tm"].notna()]
    assert len(sit) >= 5
    doc = json.loads((raw / "omraden.geojson").read_text(encoding="utf-8"))
    hertson = next(shape(f["geometry"]) for f in doc["features"] if f["properties"]["område"] == "Hertsön")
    lon, lat = 22.2330, 65.5790  # Hertsön's centre in the reference file: its shopping centre
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(lon, lat)
    assert hertson is not None
    assert np.hypot(sit["x_sweref99tm"] - x, sit["y_sweref99tm"] - y).min() > 300


def test_goals_follow_the_store_format(small):
    raw, _ = small
    doc = yaml.safe_load((raw / "mal.yaml").read_text(encoding="utf-8"))
    goals = doc["mal"]
    subs = [s for g in goals for s in g["delmal"]]
    assert 3 <= len(goals) <= 4 and 8 <= len(subs) <= 12
    keys = {"id", "text", "indikator", "omrade", "utgangsar", "utgangsvarde", "malvarde", "malar", "typ", "ansvarig"}
    for s in subs:
        assert keys <= set(s), s["id"]
        assert s["typ"] in {"tak", "golv"}
        assert (s["malvarde"] < s["utgangsvarde"]) if s["typ"] == "tak" else (s["malvarde"] >= s["utgangsvarde"])
    otrygg = next(s for s in subs if s["indikator"] == "otrygg_kvall")
    assert 0.16 <= otrygg["utgangsvarde"] <= 0.26


def test_safety_walks_and_events(small):
    raw, _ = small
    walks = pd.read_csv(raw / "trygghetsvandringar.csv", sep=";", dtype=str, keep_default_na=False)
    assert list(walks.columns) == ["datum", "område", "x_sweref99tm", "y_sweref99tm", "brist", "åtgärdad",
                                   "åtgärdad_datum"]
    assert set(walks["brist"]) <= {"belysning", "vegetation", "skymd sikt", "klotter", "nedskräpning", "övrigt"}
    assert set(walks["åtgärdad"]) == {"ja", "nej"}
    fixed = walks[walks["åtgärdad"] == "ja"]
    assert (fixed["åtgärdad_datum"] > fixed["datum"]).all()
    assert (walks.loc[walks["åtgärdad"] == "nej", "åtgärdad_datum"] == "").all()
    assert walks["datum"].str[:4].nunique() == 7 and walks["område"].nunique() >= 4
    events = pd.read_csv(raw / "evenemang.csv", sep=";")
    assert list(events.columns) == ["namn", "start", "slut", "område"]
    assert (pd.to_datetime(events["slut"]) >= pd.to_datetime(events["start"])).all()
    assert events["namn"].nunique() >= 3
