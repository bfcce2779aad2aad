"""Real police extract layouts rewritten to the contract's keys and formats (trygghet.data.extract_layouts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trygghet.data import extract_layouts as el


def _frame(rows: dict) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype=object)


def test_hhmm_times_become_hh_mm():
    out = el.hhmm_to_time(pd.Series(["2130", "930", "0005", "12:15", "", "25x"]))
    assert list(out) == ["21:30", "09:30", "00:05", "12:15", "", "25x"]


def test_excel_serial_dates():
    # 45658 is 2025-01-01 in Excel's 1900 date system; .75 is 18:00
    out = el.excel_serial_to_date(pd.Series(["45658", "45658.75", "2025-03-04", "", "12"]))
    assert list(out) == ["2025-01-01", "2025-01-01 18:00", "2025-03-04", "", "12"]


def test_detects_each_layout():
    assert el.detect_layout(["brott_id", "brottskod", "datum_fran"]) == "contract"
    assert el.detect_layout(["id", "brottskod", "brottskod_klartext", "inskrivningsdatum", "brottsdatum",
                             "kommun", "lan", "deso_omrade", "antal"]) == "deso"
    assert el.detect_layout(["inskrdat", "napo", "basomrade", "gata", "brottskod", "antal", "brottsdagstart",
                             "brottsdagslut", "brottstidstart", "brottstidslut"]) == "rar"
    assert el.detect_layout(["id", "brottskod", "latitude", "longitude", "gata", "gatunr", "kommun",
                             "brottsdatumtid_start", "brottsdatumtid_slut"]) == "wgs84"


def test_rar_layout_gets_ids_times_dates_place_and_street():
    f = _frame({"inskrdat": ["45660", "45661"], "napo": ["Luleå", "Luleå"], "basomrade": ["Hertsön", ""],
                "gata": ["Storgatan", "Skomakargatan"], "brottskod": ["9357", "0825"], "antal": ["1", "3"],
                "brottsdagstart": ["45658", "2025-01-02"], "brottsdagslut": ["", "45659"],
                "brottstidstart": ["2130", "0915"], "brottstidslut": ["", ""]})
    headers = {c: c for c in f.columns}
    out, headers, layout = el.normalise(f, headers, "x.csv", np.array([2, 3]))
    assert layout == "rar"
    assert list(out["brott_id"]) == ["x.csv:2", "x.csv:3"]
    assert list(out["datum_fran"]) == ["2025-01-01", "2025-01-02"]
    assert list(out["datum_till"]) == ["", "2025-01-02"]
    assert list(out["anmald_datum"]) == ["2025-01-03", "2025-01-04"]
    assert list(out["tid_fran"]) == ["21:30", "09:15"]
    assert list(out["omrade"]) == ["Hertsön", "Luleå"]  # Näpo where the base area is empty
    assert list(out["plats"]) == ["Storgatan", "Skomakargatan"]
    assert list(out["antal"]) == ["1", "3"]


def test_wgs84_layout_splits_nothing_and_keeps_positions():
    f = _frame({"id": ["a"], "brottskod": ["9357"], "latitude": ["65.58"], "longitude": ["22.15"],
                "gata": ["Storgatan"], "gatunr": ["12"], "kommun": ["Luleå"],
                "brottsdatumtid_start": ["2025-06-01 23:40:00"], "brottsdatumtid_slut": ["2025-06-02T00:10"]})
    out, _, layout = el.normalise(f, {c: c for c in f.columns}, "y.csv", np.array([2]))
    assert layout == "wgs84"
    assert out.loc[0, "brott_id"] == "a" and out.loc[0, "lat"] == "65.58" and out.loc[0, "lon"] == "22.15"
    assert out.loc[0, "datum_fran"] == "2025-06-01 23:40" and out.loc[0, "datum_till"] == "2025-06-02 00:10"
    assert out.loc[0, "plats"] == "Storgatan 12"


def test_contract_file_is_left_as_it_is():
    f = _frame({"brott_id": ["1"], "brottskod": ["9357"], "datum_fran": ["2025-01-01"]})
    out, _, layout = el.normalise(f, {c: c for c in f.columns}, "z.csv", np.array([2]))
    assert layout == "contract" and out is f
