"""reports.uppfoljning and reports.record: the follow-up page shows and records one summary; the
notebook run records exactly what the report functions compute."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from trygghet.analysis import indicators as ind
from trygghet.data.errors import ParameterError
from trygghet.publish import records
from trygghet.reports import record, uppfoljning, wording

ROOT = Path(__file__).resolve().parents[2]


def test_a_record_output_is_json_under_its_own_mime_type_only():
    out = record.record_output("status_counts", {"on_track": 1})
    assert out == {record.RECORD_MIME: {"key": "status_counts", "value": {"on_track": 1}}}
    assert "text/plain" not in out and record.RECORD_MIME == records.RECORD_MIME
    with pytest.raises(ParameterError, match="JSON"):
        record.record_output("x", float("nan"))
    with pytest.raises(ParameterError, match="JSON"):
        record.record_output("x", {1, 2})
    with pytest.raises(ParameterError, match="key"):
        record.record_output("", 1)


def test_summary_of_the_tiny_store(indicator_store):
    s = uppfoljning.summary(indicator_store, 2025)
    follow = ind.follow_up(indicator_store, 2025)
    rec = uppfoljning.record_of(s)
    assert list(rec) == list(uppfoljning.RECORD_KEYS)
    json.dumps(rec, allow_nan=False)  # JSON as it is published
    statuses = follow["status"].tolist()
    assert rec["status_counts"] == {c: statuses.count(c) for c in ind.STATUSES}
    assert rec["status_sentence"] == wording.status_sentence(statuses)
    assert rec["subject_status"] == wording.subject_status(statuses)
    # one decision line per sub-goal not on track; the tiny plan's measures all name the indicator
    # 'vald', so only the sub-goals of other indicators get the note that no measure aims at them
    off = follow.loc[follow["status"] == "off_track"]
    assert [d.split(" – ")[0] for d in rec["decisions"]] == [f"{r.subgoal_id} {r.subgoal_text}" for r in off.itertuples()]
    for line, r in zip(rec["decisions"], off.itertuples()):
        assert line.endswith(uppfoljning.NO_MEASURE) == (r.indicator != "vald")
    # the goal rows: the trend in the agreed words from the same reading as the follow-up
    for row, r in zip(rec["goals"], follow.to_dict("records")):
        assert row["status"] == r["status"] and row["status_word"] == wording.status_word(r["status"])
        assert row["trend"].split(" (")[0] == wording.change_word(r["trend"])
        assert row["reason"] == wording.status_reason(r, 2025)
    mc = ind.main_changes(indicator_store, 2025)
    assert rec["main_changes"] == [wording.main_change_sentence(r) for r in mc.to_dict("records")]


@pytest.mark.slow
def test_the_notebook_records_what_the_report_functions_compute(demo_store, tmp_path):
    out = tmp_path / "uppfoljning.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "uppfoljning.ipynb"), str(out),
                        parameters={"store": str(demo_store), "year": 2025}, kernel_name="python3",
                        cwd=str(ROOT / "notebooks"), progress_bar=False)
    recorded = records.collect(nbformat.read(out, as_version=4))
    expected = uppfoljning.record_of(uppfoljning.summary(demo_store, 2025))
    assert recorded == json.loads(json.dumps(expected))
    # the trend of every goal is the reading of the year's change table, never a word of its own
    follow = ind.follow_up(demo_store, 2025)
    changes = ind.year_changes(demo_store, 2025).set_index(["indicator", "area"])
    for goal, r in zip(recorded["goals"], follow.itertuples()):
        if (r.indicator, r.area) in changes.index:
            assert goal["trend"].split(" (")[0] == wording.change_word(changes.loc[(r.indicator, r.area), "reading"])
