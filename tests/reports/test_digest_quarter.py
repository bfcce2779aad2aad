"""The quarterly picture on a year whose same quarter last year lies before a source's data began (EST
from 2023): that source has nothing to compare with, and the page says so instead of "ökat"."""

from __future__ import annotations

from trygghet.reports import kvartal


def test_a_source_without_last_year_is_not_compared(demo_store):
    kvartal.start(demo_store, 2023)
    text = kvartal.summary(demo_store, 2023).data
    assert "**Fjärde kvartalet 2023 (oktober–december)**, jämfört med fjärde kvartalet 2022" in text
    est = next(line for line in text.splitlines() if line.startswith("- EST-rapporter:"))
    assert est.endswith("(inga uppgifter för samma period året före).") and "ökat" not in est
    offences = next(line for line in text.splitlines() if line.startswith("- Anmälda brott:"))
    assert " mot " in offences and offences.rsplit("— ", 1)[1] in ("ökat.", "minskat.", "ingen säker förändring.")
    table = kvartal.area_table(demo_store, 2023, "est").data
    assert (table["n_last_year"] == "inga uppgifter").all() and (table["change"] == "ej mätbart").all()
