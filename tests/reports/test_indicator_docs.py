"""reports.indicator_docs: the definitions for readers (the appendix) and the generated docs/indicators.md."""

from __future__ import annotations

import pytest

from trygghet.analysis import indicators as ind
from trygghet.data.config import paths
from trygghet.data.errors import ParameterError
from trygghet.reports.indicator_docs import definitions_table, write_definitions_page


def test_definitions_table_in_swedish_and_english():
    sv = definitions_table()
    assert list(sv.columns[:3]) == ["Id", "Indikator", "Beskrivning"] and len(sv) == len(ind.definitions())
    assert sv.set_index("Id").loc["vald", "Jämförelse"].startswith("Kolada N07403 (per 100\u00a0000)")
    en = definitions_table(lang="en")
    assert en.set_index("Id").loc["ung_vuxen", "Factor"] == "protective factor"
    with pytest.raises(ParameterError):
        definitions_table(lang="fi")


def test_the_committed_definitions_page_is_up_to_date(tmp_path):
    out = write_definitions_page(tmp_path / "indicators.md")
    text = out.read_text(encoding="utf-8")
    for i in ind.definitions()["id"]:
        assert f"`{i}`" in text
    committed = paths().docs / "indicators.md"
    assert committed.read_text(encoding="utf-8") == text, "run `trygghet docs` and commit docs/indicators.md"
