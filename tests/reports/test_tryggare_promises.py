"""Citizens' promises (medborgarloften.yaml, data contract round 2): the ingest reads the contract's
file in the ways people write it, rejects what it cannot use with line and reason, warns about a
promise marked done that fell short, and the demo writes the same file for the same seed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trygghet.analysis import promises
from trygghet.data.demo._promises import promises_yaml
from trygghet.data.errors import DataError
from trygghet.data.ingest.promises import ingest_promises, split_target
from trygghet.data.ingest.reading import Context
from trygghet.data.ingest.reasons import reason_code

GOOD = """\
# a comment
medborgarloften:
  - år: 2025
    löfte: Vi gör trafikkontroller varje dag
    part: polisen
    aktivitet: Hastighetskontroller
    mål: 365 kontroller
    utfört: "340"
    status: pågår
    kommentar: Färre under semestern.
  - Ar: 2025
    Lofte: Vi går igenom gångtunnlarna
    Part: [polisen, kommunen]
    Aktivitet: Kontroll av belysning
    Mal: {antal: 4, enhet: genomgångar}
    Utfort: 4
    Status: Klar
  - år: 2024
    löfte: Trygghetsvandringar
    part: Kommunen
    mål: 6
    utfört: 6,0
    status: genomfört
"""


def _read(tmp_path: Path, text: str, name: str = "medborgarloften.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ctx = Context(raw=tmp_path)
    return ingest_promises([(path, None)], ctx), ctx


def test_the_contracts_file_is_read_in_its_variants(tmp_path):
    table, ctx = _read(tmp_path, GOOD)
    assert list(table["year"]) == [2024, 2025, 2025]  # by year, then as written
    first = table.iloc[0]
    assert (first["promise"], first["party"], first["target"], first["done"], first["status"]) == (
        "Trygghetsvandringar", "kommunen", 6.0, 6.0, "genomfört")
    assert pd.isna(first["unit"]) and pd.isna(first["activity"]) and pd.isna(first["comment"])
    traffic, tunnels = table.iloc[1], table.iloc[2]
    assert (traffic["target"], traffic["unit"], traffic["done"], traffic["status"]) == (365.0, "kontroller", 340.0, "pågår")
    assert traffic["comment"] == "Färre under semestern."
    assert (tunnels["party"], tunnels["target"], tunnels["unit"], tunnels["status"]) == (
        "polisen och kommunen", 4.0, "genomgångar", "genomfört")
    report = ctx.reports[0]
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 3, 0)
    assert not ctx.rejects


def test_rows_that_cannot_be_used_are_rejected_with_line_and_reason(tmp_path):
    text = """\
medborgarloften:
  - år: 2025
    löfte: Ett bra löfte
    part: polisen
    mål: 2 utbildningar
    utfört: 1
    status: pågår
  - år: 2025
    part: polisen
    status: pågår
  - år: 2025
    löfte: Brandkåren lovar
    part: brandkåren
    status: pågår
  - år: 2025
    löfte: Kanske
    part: kommunen
    status: kanske
  - år: 2025
    löfte: Många
    part: kommunen
    mål: många kontroller
    status: pågår
  - år: tjugofem
    löfte: Fel år
    part: kommunen
    status: pågår
"""
    table, ctx = _read(tmp_path, text)
    assert list(table["promise"]) == ["Ett bra löfte"]
    rejects = pd.concat(ctx.rejects, ignore_index=True)
    got = {(int(r.line), r.column): r.reason for r in rejects.itertuples(index=False)}
    assert set(got) == {(8, "löfte"), (11, "part"), (15, "status"), (19, "mål"), (24, "år")}
    assert "'löfte' is missing" in got[(8, "löfte")]
    assert "not one of polisen, kommunen, polisen och kommunen" in got[(11, "part")]
    assert "genomfört, pågår, ej påbörjat" in got[(15, "status")]
    assert "is not a number (it must start with one" in got[(19, "mål")]
    codes = {key: reason_code(reason) for key, reason in got.items()}  # the data-quality page words them by code
    assert codes == {(8, "löfte"): "empty", (11, "part"): "not_allowed", (15, "status"): "not_allowed",
                     (19, "mål"): "not_number", (24, "år"): "not_year"}
    report = ctx.reports[0]
    assert report.rows_read == report.rows_accepted + report.rows_rejected == 6


def test_a_promise_marked_done_below_its_target_is_kept_with_a_warning(tmp_path):
    text = "- år: 2025\n  löfte: Fyra kontroller\n  part: polisen\n  mål: 4 kontroller\n  utfört: 3\n  status: genomfört\n"
    table, ctx = _read(tmp_path, text)
    assert list(table["status"]) == ["genomfört"]
    assert ctx.reports[0].warnings == ["line 1: 'Fyra kontroller' is marked genomfört but utfört is below its mål"]


def test_a_file_that_is_not_yaml_or_has_no_list_stops_with_one_line(tmp_path):
    with pytest.raises(DataError, match=r"medborgarloften.yaml.*not valid YAML at line \d+; correct the YAML"):
        _read(tmp_path, "medborgarloften:\n  - år: [2025\n")
    with pytest.raises(DataError, match=r"no list of promises \(key 'medborgarloften'\)"):
        _read(tmp_path, "loften_2025: inga\n")


def test_split_target_reads_a_number_and_its_unit():
    assert split_target("4 kontroller per år") == ("4", "kontroller per år")
    assert split_target("minst 1 000 samtal") == ("1 000", "samtal")
    assert split_target({"Antal": 80, "Enhet": "kvällar"}) == ("80", "kvällar")
    assert split_target(12) == ("12", "")
    assert split_target("varje dag") == ("varje dag", "")
    assert split_target(None) == ("", "")


def test_demo_promises_are_reproducible_and_reach_the_store(demo_store):
    assert promises_yaml(2580) == promises_yaml(2580)
    assert promises_yaml(2580) != promises_yaml(7)
    raw = Path(demo_store).parent / "raw" / "medborgarloften.yaml"
    assert raw.read_text(encoding="utf-8") == promises_yaml(2580)
    table = promises.promises(demo_store, 2025)
    assert len(table) >= 5
    assert set(table["status"]) <= set(promises.STATUSES) and set(table["party"]) <= set(promises.PARTIES)
    counts = promises.status_counts(table)
    assert sum(counts.values()) == len(table)
    for status in promises.STATUSES:  # an independent count of the status column
        assert counts[status] == sum(1 for s in table["status"] if s == status)
    done = table[table["status"] == "genomfört"]
    assert (done["done"] >= done["target"]).all()
    assert table["share_done"].round(6).tolist() == (table["done"] / table["target"]).round(6).tolist()
