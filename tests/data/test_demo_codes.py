"""The demo draws real offence codes: every code is in Brå's list, active, and of the type's category."""

from __future__ import annotations

import pytest

from trygghet.data.demo._offences import OFFENCE_TYPES
from trygghet.data.ingest import read_code_list

#: demo offence type -> the analysis category all its codes must have
TYPE_CATEGORY = {
    "vald_natt": "misshandel", "vald_ute": "misshandel", "vald_inne": "misshandel", "ran": "ran",
    "valdtakt": "sexualbrott", "vald_tjansteman": "misshandel", "hot": "hot_ofredande",
    "sexualbrott": "sexualbrott", "bostadsinbrott": "bostadsinbrott", "kallare_vind": "ovrig_stold",
    "fordon": "fordon", "cykelstold": "cykelstold", "butiksstold": "butiksstold", "ovrig_stold": "ovrig_stold",
    "skadegorelse_skola": "skadegorelse", "skadegorelse": "skadegorelse", "narkotika": None,
    "bedrageri": "bedrageri", "trafik": "trafik", "vapen": "vapen", "ovrigt": "ovrigt",
}


@pytest.fixture(scope="module")
def codes():
    return read_code_list().set_index("offence_code")


@pytest.mark.parametrize("t", OFFENCE_TYPES, ids=lambda t: t.key)
def test_every_demo_code_is_a_real_active_code_of_its_category(t, codes):
    raw = {c: r for c, r in zip(*_shipped())}
    for code in t.codes:
        assert code in codes.index, f"{t.key}: {code} is not in the code list"
        assert raw[code] == "", f"{t.key}: {code} was discontinued in {raw[code]}"
        expected = TYPE_CATEGORY[t.key]
        if expected:
            assert codes.loc[code, "category"] == expected, (t.key, code, codes.loc[code, "offence_label_list"])
        # violent types draw violent codes only, the others none
        assert bool(codes.loc[code, "violent"]) == (t.violent_share > 0), (t.key, code)


def test_narcotics_type_is_drugs_or_drugged_driving(codes):
    t = next(t for t in OFFENCE_TYPES if t.key == "narkotika")
    assert {codes.loc[c, "category"] for c in t.codes} <= {"narkotika", "trafik"}


def test_cellar_and_attic_burglary_is_more_common_than_villa_burglary():
    by_key = {t.key: t for t in OFFENCE_TYPES}
    cellar = by_key["kallare_vind"].n2019 * by_key["kallare_vind"].codes["0825"]
    villa = by_key["bostadsinbrott"].n2019 * (by_key["bostadsinbrott"].codes["9801"] + by_key["bostadsinbrott"].codes["0857"])
    assert cellar > villa


def _shipped():
    import csv

    from trygghet.data.config import resource_path

    with open(resource_path("brottskoder.csv"), encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    return [r["brottskod"] for r in rows], [r["upphord"] for r in rows]
