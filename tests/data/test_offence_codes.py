"""The offence code list rebuilt from Brå's code list (trygghet.data.offence_codes)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from trygghet.data.config import resource_path
from trygghet.data.offence_codes import (
    CODE_LIST_FILE,
    FINE_CATEGORIES,
    OUTPUT_COLUMNS,
    SOURCE_FILE,
    build,
    classify,
    clean_source,
    compare,
    read_shipped,
    read_source,
    summary,
)
from trygghet.data.vocabulary import CATEGORIES

#: coarse categories of theft and burglary: no violent code may be in them
THEFT = {"bostadsinbrott", "fordon", "cykelstold", "butiksstold", "ovrig_stold"}


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    return read_source(resource_path(SOURCE_FILE))


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return read_shipped().set_index("brottskod", drop=False)


def _range(lo: int, hi: int) -> list[str]:
    return [f"{c:04d}" for c in range(lo, hi + 1)]


# code -> (fine category, coarse category, violent, a fragment of Brå's title that says so)
EXPECTED: dict[str, tuple[str, str, bool, str]] = {
    "9801": ("inbrott_villa", "bostadsinbrott", False, "Inbrottsstöld, fullbordat, i villa/radhus"),
    "9802": ("inbrott_lagenhet", "bostadsinbrott", False, "Inbrottsstöld, fullbordat, i lägenhet"),
    "0857": ("inbrott_villa", "bostadsinbrott", False, "Inbrottsstöld, försök, i villa/radhus"),
    "0874": ("inbrott_lagenhet", "bostadsinbrott", False, "Inbrottsstöld, försök, i lägenhet"),
    "0825": ("inbrott_kallare_vind", "ovrig_stold", False, "Inbrottsstöld i källare, vind"),
    "0826": ("inbrott_fritidshus", "ovrig_stold", False, "Inbrottsstöld i fritidshus"),
    "0877": ("ran", "ran", True, "rån mot privatperson, utomhus"),
    "0878": ("ran", "ran", True, "rån mot privatperson, inomhus"),
    "0401": ("ovrigt", "ovrigt", False, "Hemfridsbrott, olaga intrång"),
    "1703": ("vald_mot_tjansteman", "misshandel", True, "Våld mot tjänsteman, mot ordningsvakt"),
    "1704": ("vald_mot_tjansteman", "misshandel", True, "Våld mot tjänsteman, övriga fall"),
    "0490": ("olaga_tvang", "hot_ofredande", False, "Olaga tvång mot kvinna"),
    "0491": ("olaga_tvang", "hot_ofredande", False, "Olaga tvång mot man"),
    "0853": ("butiksstold", "butiksstold", False, "Stöld utan inbrott butik/varuhus"),
    "9829": ("cykelstold", "cykelstold", False, "elcykel"),
    "9830": ("cykelstold", "cykelstold", False, "cykel (ej elcykel)"),
    "9833": ("cykelstold", "cykelstold", False, "Stöld av elsparkcykel"),
    "0803": ("fordon", "fordon", False, "motorcykel"),
    "1211": ("brand", "skadegorelse", False, "bilbrand"),
    "1301": ("brand", "skadegorelse", False, "Mordbrand"),
    "4023": ("vapen", "vapen", False, "knivar"),
    "0412": ("grov_fridskrankning", "misshandel", True, "Grov kvinnofridskränkning"),
    "0309": ("mord_drap", "misshandel", True, "Barnadråp"),
    "9389": ("forsok_mord_drap", "misshandel", True, "Försök, förberedelse och stämpling till mord"),
}
EXPECTED.update({c: ("ran", "ran", True, "Rån, med skjutvapen") for c in _range(862, 867)})
EXPECTED["0868"] = ("ran", "ran", True, "Rån, utan skjutvapen, bankrån")
EXPECTED.update({c: ("ran", "ran", True, "Rån mot privatperson") for c in _range(9806, 9813)})
EXPECTED.update({c: ("grov_misshandel", "misshandel", True, "Grov missh") for c in ("0375", "0377", "0385", "0387")})
EXPECTED.update({c: ("misshandel", "misshandel", True, "Miss") for c in ("0355", "0357", "0365", "0367")})
EXPECTED.update({c: ("hot", "hot_ofredande", False, "Olaga hot") for c in
                 ["0450", "0451", "0452", "0453", "0458", "0459", *_range(9432, 9447)]})
EXPECTED.update({c: ("ofredande", "hot_ofredande", False, "Ofredande") for c in
                 ("0407", "0408", "0414", "0428", "0429")})
EXPECTED.update({c: ("mord_drap", "misshandel", True, "Fullbordat mord eller dråp") for c in _range(310, 313)})
EXPECTED.update({c: ("valdtakt", "sexualbrott", True, "våldtäkt inkl. grov") for c in _range(9627, 9658)})
# negligent rape (chapter 6 s. 1 a) is not "våldtäkt inkl. grov" in Brå's statistics, so not violent
EXPECTED.update({c: ("sexualbrott", "sexualbrott", False, "Oaktsam våldtäkt") for c in _range(9659, 9674)})


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_code_has_the_category_and_flags_its_title_gives(shipped, code):
    fine, coarse, violent, title = EXPECTED[code]
    row = shipped.loc[code]
    assert title.lower() in row["rubricering"].lower(), row["rubricering"]
    assert (row["delkategori"], row["kategori"], row["valdsbrott"]) == (fine, coarse, "ja" if violent else "nej")
    if violent or coarse in THEFT or fine == "brand" and code != "1301":
        assert row["mangdbrott"] == "ja"


def test_assault_9373_to_9388_is_aggravated_exactly_where_the_title_says_grov(shipped):
    for code in _range(9373, 9388):
        row = shipped.loc[code]
        aggravated = row["rubricering"].startswith("Misshandel, grov,")
        assert row["delkategori"] == ("grov_misshandel" if aggravated else "misshandel"), code
        assert row["kategori"] == "misshandel" and row["valdsbrott"] == "ja"


def test_discontinued_codes_keep_their_last_year(shipped):
    assert shipped.loc["0877", "upphord"] == shipped.loc["0878", "upphord"] == "2007"
    assert shipped.loc["0490", "upphord"] == shipped.loc["0491", "upphord"] == "2019"
    assert shipped.loc["9801", "upphord"] == ""
    assert shipped.loc["0318", "upphord"] == "1983"  # from its title; the export leaves the field empty


def test_outdoors_and_victim_come_from_the_title_only(shipped):
    assert shipped.loc["0877", "offentlig_plats"] == "ja" and shipped.loc["0878", "offentlig_plats"] == "nej"
    assert shipped.loc["0375", "offentlig_plats"] == "ja" and shipped.loc["0385", "offentlig_plats"] == "nej"
    outdoors = shipped["rubricering"].str.contains(r"\butomhus\b", case=False)
    assert ((shipped["offentlig_plats"] == "ja") == outdoors).all()
    assert tuple(shipped.loc["0375", ["offer_kon", "offer_alder"]]) == ("kvinna", "vuxen")
    assert tuple(shipped.loc["9806", ["offer_kon", "offer_alder"]]) == ("", "barn")
    assert tuple(shipped.loc["0310", ["offer_kon", "offer_alder"]]) == ("kvinna", "")  # "kvinna/flicka": no age
    assert tuple(shipped.loc["0412", ["offer_kon", "offer_alder"]]) == ("", "")  # the title names no victim
    assert tuple(shipped.loc["9604", ["offer_kon", "offer_alder"]]) == ("man", "barn")  # "poje" (sic)
    assert set(shipped["offer_kon"]) <= {"kvinna", "man", ""}
    assert set(shipped["offer_alder"]) <= {"barn", "vuxen", ""}


def test_every_code_of_the_source_is_listed_with_a_title_and_categories(source, shipped):
    assert list(shipped.columns) == OUTPUT_COLUMNS
    assert len(shipped) == len(source) == 1361
    assert shipped["brottskod"].str.fullmatch(r"\d{4}").all() and shipped["brottskod"].is_unique
    assert (shipped["rubricering"] != "").all()
    assert shipped["kategori"].isin(CATEGORIES).all()
    assert shipped["delkategori"].isin(list(FINE_CATEGORIES)).all()
    assert (shipped["delkategori"].map(FINE_CATEGORIES) == shipped["kategori"]).all()
    for flag in ("valdsbrott", "mangdbrott", "offentlig_plats"):
        assert shipped[flag].isin(["ja", "nej"]).all()
    assert set(shipped["brottskod"]) == set(source["brottskod"]) - {"5910"} | {"9510"}


def test_no_code_is_both_violent_and_theft(shipped):
    violent = shipped[shipped["valdsbrott"] == "ja"]
    assert not violent["kategori"].isin(THEFT).any()
    assert not violent["delkategori"].str.startswith("inbrott").any()
    assert set(violent["kategori"]) == {"misshandel", "ran", "sexualbrott"}


def test_violence_follows_bras_definition(shipped):
    violent = set(shipped.loc[shipped["valdsbrott"] == "ja", "delkategori"])
    assert violent == {"mord_drap", "forsok_mord_drap", "misshandel", "grov_misshandel", "grov_fridskrankning",
                       "vald_mot_tjansteman", "ran", "valdtakt"}
    not_violent = shipped.loc[["0440", "9424", "1705", "1706", "0315", "9552", "9611"], "valdsbrott"]
    assert (not_violent == "nej").all()  # stalking, threat to an official, violent resistance, negligent ...


def test_build_reproduces_the_shipped_list(tmp_path):
    out = tmp_path / CODE_LIST_FILE
    written = build(resource_path(SOURCE_FILE), out)
    assert out.read_bytes() == resource_path(CODE_LIST_FILE).read_bytes()
    assert list(written.columns) == OUTPUT_COLUMNS


def test_read_source_with_and_without_byte_order_mark(tmp_path):
    text = "brottskod;benamning;upphord;kodgrupp\n0401;Hemfridsbrott, olaga intrång;;04\n"
    for name, encoding in (("plain.csv", "utf-8"), ("bom.csv", "utf-8-sig")):
        (tmp_path / name).write_text(text, encoding=encoding)
        frame = read_source(tmp_path / name)
        assert list(frame.columns) == ["brottskod", "benamning", "upphord", "kodgrupp"]
        assert frame.loc[0, "brottskod"] == "0401" and frame.loc[0, "benamning"].startswith("Hemfrids")
    (tmp_path / "bad.csv").write_text(text.replace("0401", "401"), encoding="utf-8")
    with pytest.raises(ValueError, match="four digits"):
        read_source(tmp_path / "bad.csv")


def test_clean_source_fixes_the_known_typo_and_the_missing_year(source):
    assert "5910" in set(source["brottskod"]) and "9510" not in set(source["brottskod"])
    cleaned = clean_source(source).set_index("brottskod")
    assert "5910" not in cleaned.index
    assert cleaned.loc["9510", "benamning"] == "Vilseledande till äktenskapsresa mot kvinna 18 år eller äldre"
    assert cleaned.loc["0318", "upphord"] == "1983"
    assert {"9342", "9426", "9805"}.isdisjoint(cleaned.index)  # gaps in Brå's list, not filled in


def test_compare_finds_new_discontinued_and_retitled_codes():
    shipped = pd.DataFrame({"brottskod": ["0001", "0002", "0003", "0005"],
                            "rubricering": ["Gammal kod", "Gammal rubrik", "Aktiv kod", "Oförändrad  kod"],
                            "upphord": ["", "", "", ""]})
    newer = pd.DataFrame({"brottskod": ["0002", "0003", "0004", "0005"],
                          "benamning": ["Ny rubrik", "Aktiv kod (upphörde år 2026)", "Helt ny kod", "Oförändrad kod"],
                          "upphord": ["", "2026", "", ""], "kodgrupp": ["", "", "", ""]})
    changes = compare(shipped, newer)
    assert list(changes.columns) == ["brottskod", "change", "old_title", "new_title"]
    got = {(r.brottskod, r.change) for r in changes.itertuples()}
    assert got == {("0001", "upphörd"), ("0002", "ny_benamning"), ("0003", "upphörd"), ("0004", "ny")}
    assert changes.set_index("brottskod").loc["0004", "new_title"] == "Helt ny kod"


def test_compare_of_the_source_with_the_shipped_list_is_empty(source, shipped):
    assert compare(shipped.reset_index(drop=True), clean_source(source)).empty


def test_classify_takes_a_bare_frame_and_summary_counts_every_code(source):
    one = classify(pd.DataFrame({"brottskod": ["857"], "benamning": ["Inbrottsstöld, försök, i villa/radhus"]}))
    assert one.loc[0, "brottskod"] == "0857" and one.loc[0, "kategori"] == "bostadsinbrott"
    table = summary(classify(clean_source(source))).set_index("kategori")
    assert table.loc["totalt", "totalt"] == 1361
    assert table.loc["bostadsinbrott", "aktiva"] == 4  # 0857, 0874, 9801, 9802


def test_rules_are_documented():
    docs = Path(__file__).resolve().parents[2] / "docs" / "brottskoder.md"
    text = docs.read_text(encoding="utf-8")
    for fine in FINE_CATEGORIES:
        assert re.search(rf"`{fine}`", text), fine
