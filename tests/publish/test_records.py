"""Records: what a notebook records (``glue``) is collected per job, written and read back."""

from __future__ import annotations

import json

import nbformat
import pytest

from trygghet.data.errors import ParameterError
from trygghet.publish import records
from trygghet.publish.records import RECORD_MIME


def _glue(key, value, *, as_text=False, result=False):
    payload = {"key": key, "value": value}
    kind = "execute_result" if result else "display_data"
    out = nbformat.v4.new_output(kind, data={RECORD_MIME: json.dumps(payload) if as_text else payload})
    return out


def _nb(*outputs_per_cell):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T")] + [
        nbformat.v4.new_code_cell("x", outputs=list(outs)) for outs in outputs_per_cell])


def test_collect_gathers_every_record_in_cell_order():
    nb = _nb([_glue("status_counts", {"på väg": 1, "ej på väg": 10})],
             [nbformat.v4.new_output("stream", name="stdout", text="hej"), _glue("decisions", ["Beslut A"])],
             [_glue("subject_status", "1 av 11 delmål på väg", as_text=True, result=True)])
    got = records.collect(nb)
    assert got == {"status_counts": {"på väg": 1, "ej på väg": 10}, "decisions": ["Beslut A"],
                   "subject_status": "1 av 11 delmål på väg"}
    assert list(got) == ["status_counts", "decisions", "subject_status"]
    assert json.loads(json.dumps(got)) == got  # plain JSON, no NotebookNode


def test_collect_without_records_is_empty():
    assert records.collect(_nb([nbformat.v4.new_output("display_data", data={"text/plain": "1"})])) == {}


def test_same_key_twice_must_agree():
    assert records.collect(_nb([_glue("a", [1, 2])], [_glue("a", [1, 2])])) == {"a": [1, 2]}
    with pytest.raises(ValueError, match="'a' is recorded twice with different values"):
        records.collect(_nb([_glue("a", 1)], [_glue("a", 2)]))


def test_malformed_record_is_an_error():
    bad = nbformat.v4.new_output("display_data", data={RECORD_MIME: {"value": 1}})
    with pytest.raises(ValueError, match="must hold"):
        records.collect(_nb([bad]))


def test_write_and_read_back(tmp_path):
    year_dir = tmp_path / "2025"
    rel = records.write(year_dir, "uppfoljning", {"goals": [{"id": "M1", "status": "på väg"}], "n": 3})
    assert rel == "records/uppfoljning.json" and (year_dir / rel).is_file()
    assert records.read(year_dir, "uppfoljning") == {"goals": [{"id": "M1", "status": "på väg"}], "n": 3}
    with pytest.raises(ParameterError, match=r"no record of 'lagesbild'; run `trygghet run --year 2025` again"):
        records.read(year_dir, "lagesbild")
    (year_dir / "records" / "trasig.json").write_text("{", encoding="utf-8")
    with pytest.raises(ParameterError, match="not valid JSON"):
        records.read(year_dir, "trasig")
