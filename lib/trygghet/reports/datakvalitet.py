"""The data-quality report (``notebooks/datakvalitet.ipynb``): what the ingest read and rejected, offences
without a place on the maps, coordinates put right, unknown offence codes, survey response and the
population — in Swedish, through the privacy gate, as one page.

The notebook calls only this module::

    from trygghet.reports import datakvalitet as r
    r.start(store, year, lang)
    page = r.page(store, year)
    page.files()          # one table per section ...

:func:`page` builds every table of the page from :mod:`trygghet.analysis.quality` and protects them
together with :func:`trygghet.analysis.disclosure.protect_page`, so that no total minus its parts — read
minus accepted, a file's rejected rows minus its reasons, offences minus those on the maps — reveals a
count of 1–4. One choice is made here: the accepted rows are the totals every other report publishes (7 865
offences in 2025), so the page tells the gate that read and rejected differ by a known amount; when a
file's rejected rows are 1–4, the partner hidden is then the *rows read* (shown "–"), never the
accepted rows, since read − total would give the rejected count back.

Every word the page shows is here: table names (:data:`TABLE_NAMES`), reject reasons by their code
(:data:`REASONS`, codes from :mod:`trygghet.data.ingest.reasons`; ``rejects.csv`` keeps the ingest's
English reasons for the analysts) and column headers (:data:`HEADERS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from trygghet.analysis import disclosure, quality
from trygghet.analysis.places import NO_PLACE, OUTSIDE, PLACED
from trygghet.data.config import SURVEY_MIN_RESPONDENTS
from trygghet.data.ingest.reasons import OTHER
from trygghet.data.vocabulary import WHOLE_MUNICIPALITY
from trygghet.reports import format as fmt
from trygghet.reports import jamforelser
from trygghet.reports.common import start_report

__all__ = [
    "TABLE_NAMES",
    "REASONS",
    "HEADERS",
    "TOTAL_ROW",
    "ALL_UNKNOWN",
    "Page",
    "start",
    "page",
    "table_name",
    "reason_text",
    "kolada_check",
    "kolada_note",
    "bra_check",
    "bra_note",
]

#: the store's tables (and the codebooks) as the page names them
TABLE_NAMES = {
    "offences": "Anmälda brott",
    "areas": "Områden",
    "population": "Befolkning",
    "survey": "Trygghetsmätningen",
    "survey_codebook": "Trygghetsmätningen, kodbok",
    "youth_survey": "Ungdomsenkäten",
    "youth_survey_codebook": "Ungdomsenkäten, kodbok",
    "measures": "Åtgärder",
    "goals": "Mål och delmål",
    "safety_walks": "Trygghetsvandringar",
    "municipal_incidents": "Kommunens händelserapporter",
    "young_suspects": "Unga misstänkta",
    "events": "Evenemang",
    "code_list": "Brottskoder",
    "population_grid": "Befolkning per ruta",
    "built_up_areas": "Tätorter",
    "promises": "Medborgarlöften",
    "problems": "Problemregistret",
    "est_reports": "EST-rapporter",
    "kolada": "Kolada (öppen statistik)",
    "bra_offences": "Brå, anmälda brott (öppen statistik)",
}

#: a reject reason's code (:data:`trygghet.data.ingest.reasons.REASON_CODES`) in plain Swedish
REASONS = {
    "not_utf8": "raden går inte att läsa som UTF-8 (sparad med en annan teckenkodning)",
    "wrong_fields": "fel antal fält på raden (ett skiljetecken i ett värde utan citattecken?)",
    "duplicate": "samma id eller nyckel finns redan på en tidigare rad",
    "empty": "värdet saknas",
    "no_geometry": "området saknar gränser (geometri)",
    "not_polygon": "områdets gräns är inte en yta",
    "unknown_area": "okänt område",
    "year_mismatch": "året stämmer inte med året i filnamnet",
    "not_year": "inte ett årtal",
    "not_date": "inte ett datum (ÅÅÅÅ-MM-DD)",
    "not_time": "inte ett klockslag (TT:MM)",
    "bad_offence_code": "brottskoden har inte fyra siffror",
    "half_coordinate": "bara den ena koordinaten finns",
    "impossible_position": "koordinaten kan inte finnas på jorden",
    "bad_answer": "svaret är ingen svarskod i kodboken",
    "not_positive": "inte ett positivt tal",
    "not_whole": "inte ett heltal",
    "not_number": "inte ett tal",
    "end_before_start": "slutdatum före startdatum",
    "not_allowed": "inte ett av de tillåtna värdena",
    OTHER: "annat fel (se rejects.csv)",
}

#: column headers of the page's tables
HEADERS = {
    "file": "Fil",
    "table": "Uppgifter",
    "rows_read": "Rader i filen",
    "rows_accepted": "Godkända rader (i datalagret)",
    "rows_rejected": "Avvisade rader",
    "column": "Kolumn",
    "reason": "Skäl",
    "n": "Antal",
    "year": "År",
    "offences": "Anmälda brott",
    PLACED: "Med plats i kommunen (på kartorna)",
    "not_placed": "Utan plats eller utanför kommunen",
    OUTSIDE: "därav utanför kommunen",
    "share_placed": "Andel på kartorna",
    "swapped": "Koordinater i omvänd ordning (rättade)",
    "offence_code": "Brottskod",
    "area": "Område",
    "population": "Befolkning",
    "areas_with_population": "Områden med befolkning",
    "areas": "Områden",
    "complete": "Alla områden",
}

#: the label of a survey table's total row
TOTAL_ROW = WHOLE_MUNICIPALITY[:1].upper() + WHOLE_MUNICIPALITY[1:]
#: the label of a year's total row in the table of unknown codes
ALL_UNKNOWN = "Alla okända koder"
_FEW = f" (färre än {SURVEY_MIN_RESPONDENTS})"


def table_name(table: str) -> str:
    """A store table's Swedish name (the table's own name when it has none)."""
    return TABLE_NAMES.get(str(table), str(table))


def reason_text(code: str) -> str:
    """A reject reason's code in plain Swedish."""
    return REASONS.get(str(code), REASONS[OTHER])


def start(store: str | Path | None, year: int, lang: str = "sv") -> None:
    """The notebook's first call: the one parameter check, chart theme, library notes kept off the page."""
    start_report(store, year, lang, where="datakvalitet")


@dataclass
class Page:
    """The page's tables, protected together (:func:`page`). ``frames`` holds the display frames (hidden
    counts as "<5" or "–"); each method returns one of them as a table for reading."""

    frames: dict[str, pd.DataFrame]
    notes: dict[str, str] = field(default_factory=dict)

    def files(self):
        """Per raw file: rows in the file, accepted (in the store), rejected."""
        return _table(self.frames["files"], ["file", "table", "rows_read", "rows_accepted", "rows_rejected"])

    def reasons(self):
        """Rejected rows by file, column and reason (in Swedish)."""
        frame = self.frames["reasons"]
        if frame.empty:
            return Markdown("Inga rader avvisades.")
        return _table(frame, ["file", "column", "reason", "n"])

    def places(self):
        """Offences per year: on the maps, without a place or outside the municipality."""
        return _table(self.frames["places"], ["year", "offences", PLACED, "not_placed", OUTSIDE, "share_placed"],
                      percent_cols=["share_placed"])

    def coordinates(self):
        """Rows whose coordinates came in the wrong order and were put right, per file."""
        return _table(self.frames["coordinates"], ["file", "table", "swapped"])

    def unknown_codes(self):
        """Offences with codes not in the code list, per year and code, with the year's total."""
        frame = self.frames["unknown_codes"]
        if frame.empty:
            return Markdown("Alla brottskoder finns i kodlistan.")
        return _table(frame, ["year", "offence_code", "n"])

    def survey(self):
        """Respondents of the safety survey per area and round."""
        return _response_table(self.frames["survey"])

    def youth_survey(self):
        """Pupils answering the youth survey per area and round."""
        return _response_table(self.frames["youth_survey"])

    def population(self):
        """The population used as denominator per year, and whether every area has one."""
        frame = self.frames["population"].copy()
        frame["complete"] = frame["complete"].map({True: "ja", False: "nej"})
        return _table(frame, ["year", "population", "areas_with_population", "areas", "complete"])

    def note(self, key: str) -> Markdown:
        """A sentence of the page (``"places"``, ``"files"``)."""
        return Markdown(self.notes[key])


def kolada_check(store: str | Path | None, year: int):
    """The workbook's own indicators beside the same key figure in Kolada (per Kolada's scale), years up
    to ``year``; "skiljer" marks a difference beyond rounding."""
    return jamforelser.kolada_check_table(store, year)


def kolada_note(store: str | Path | None, year: int) -> Markdown:
    """How many of the comparisons with Kolada differ beyond rounding, and the usual reasons."""
    return jamforelser.kolada_check_note(store, year)


def bra_check(store: str | Path | None, year: int):
    """Brå's official count of reported offences (all, and violent by Brå's definition) beside the police
    extract's count, years up to ``year``; "skiljer" marks a difference beyond the documented margin."""
    return jamforelser.bra_check_table(store, year)


def bra_note(store: str | Path | None, year: int) -> Markdown:
    """How many years differ from Brå beyond the margin, the margin, the usual reasons and the source."""
    return jamforelser.bra_check_note(store, year)


def page(store: str | Path | None, year: int) -> Page:
    """Every table of the data-quality page from the store, protected as one page (``year``: the report
    year, which the page's sentences are about; the tables show every year of the store).

    Relations protected together: per file, rows read = accepted + rejected; per file, rejected = the
    sum of its reasons; per year, offences = on the maps + without a place or outside the municipality;
    per year, the unknown codes add up to the year's total; per survey round, the areas add up to the
    whole municipality. Counts of 1–4 show "<5" and their partners "–".
    """
    files = _files(store)
    reasons = _reasons(store)
    # without a place and outside the municipality are shown together (what the maps leave out): with
    # "outside" 1–4, the count without a place would give it back
    places = quality.place_coverage(store).rename(columns={"n": "offences"}).drop(columns=[NO_PLACE])
    coordinates = quality.coordinate_fixes(store)[["file", "table", "swapped"]]
    coordinates["table"] = coordinates["table"].map(table_name)
    unknown = _unknown(store)
    survey = _response(store, "survey")
    youth = _response(store, "youth_survey")
    population = quality.population_coverage(store)

    tables = {"files": files, "reasons": reasons, "places": places, "coordinates": coordinates,
              "unknown_codes": unknown, "survey": survey, "youth_survey": youth, "population": population}
    counts = {
        "files": ["rows_read", "rows_accepted", "rows_rejected"],
        "reasons": ["n"],
        "places": ["offences", PLACED, "not_placed", OUTSIDE],
        "coordinates": ["swapped"],
        "unknown_codes": ["n"],
        "survey": [c for c in survey.columns if c != "area"],
        "youth_survey": [c for c in youth.columns if c != "area"],
        "population": ["population"],
    }
    # accepted rows are the totals other reports publish: read and rejected differ by a known amount, so
    # a hidden rejected count takes the rows read with it; when accepted is itself 1–4 (hidden, so not
    # known), the relation is the whole sum read = accepted + rejected
    whole = disclosure.row_relations("files", files, "rows_read", ["rows_accepted", "rows_rejected"])
    known = disclosure.row_relations("files", files, "rows_read", ["rows_rejected"])
    relations = [w if disclosure.suppress_value(n) else k for w, k, n in zip(whole, known, files["rows_accepted"])]
    for i, file in enumerate(files["file"]):
        rows = [j for j, f in enumerate(reasons["file"]) if f == file]
        if rows:
            relations.append((("files", i, "rows_rejected"), [("reasons", j, "n") for j in rows]))
    relations += disclosure.row_relations("places", places, "offences", [PLACED, "not_placed"])
    for code_year in pd.unique(unknown["year"]):
        rows = [j for j, y in enumerate(unknown["year"]) if y == code_year]
        total = [j for j in rows if unknown["offence_code"].iloc[j] == ALL_UNKNOWN][0]
        relations.append((("unknown_codes", total, "n"), [("unknown_codes", j, "n") for j in rows if j != total]))
    for key, frame in (("survey", survey), ("youth_survey", youth)):
        if len(frame) > 1:
            relations += disclosure.column_relations(key, frame, counts[key], total_row=len(frame) - 1)
    shown = disclosure.protect_page(tables, relations, count_cols=counts)
    shown["places"]["share_placed"] = [
        share if not isinstance(placed, str) else fmt.MISSING
        for share, placed in zip(shown["places"]["share_placed"], shown["places"][PLACED])
    ]
    for key in ("survey", "youth_survey"):
        shown[key] = _mark_few(shown[key], tables[key])
    return Page(frames=shown, notes=_notes(shown, year))


# --------------------------------------------------------------------------------------------------
# the page's frames before protection


def _files(store) -> pd.DataFrame:
    """Rows per file: read, accepted, rejected; the store table by its Swedish name."""
    overview = quality.ingest_overview(store)
    out = overview[["file", "table", "rows_read", "rows_accepted", "rows_rejected"]].copy()
    out["table"] = out["table"].map(table_name)
    return out.reset_index(drop=True)


def _reasons(store) -> pd.DataFrame:
    """Rejected rows by file, column and Swedish reason. A file whose rejected rows are 1–4 gets ONE row
    with its reasons joined and the count "<5": one row per reason would tell that each reason has at
    least one row, and with as many reasons as the hidden count allows (four), every count would be
    known. So a file lists its reasons only while they are fewer than that, else "flera skäl"."""
    counts = quality.reject_reasons(store)
    out = pd.DataFrame({
        "file": counts["file"].astype(str),
        "column": counts["column"].astype(str).replace("", "(hela raden)"),
        "reason": counts["reason_code"].map(reason_text),
        "n": counts["n"].astype("int64"),
    })
    # one row per file, column and Swedish reason (two codes may share words)
    out = out.groupby(["file", "column", "reason"], sort=False, as_index=False)["n"].sum()
    rows = []
    for file, part in out.groupby("file", sort=False):
        total = int(part["n"].sum())
        if not disclosure.suppress_value(total):
            rows.append(part)
            continue
        listed = disclosure.suppress_value(len(part) + 1)  # fewer reasons than the largest hidden count
        rows.append(pd.DataFrame({
            "file": [file],
            "column": [", ".join(dict.fromkeys(part["column"])) if listed else "flera kolumner"],
            "reason": ["; ".join(dict.fromkeys(part["reason"])) if listed else "flera skäl (se rejects.csv)"],
            "n": [total],
        }))
    if not rows:
        return out
    return pd.concat(rows, ignore_index=True)


def _unknown(store) -> pd.DataFrame:
    codes = quality.unknown_codes(store)
    parts = []
    for year, rows in codes.groupby("year", sort=True):
        parts.append(rows[["year", "offence_code", "n"]])
        parts.append(pd.DataFrame({"year": [year], "offence_code": [ALL_UNKNOWN], "n": [int(rows["n"].sum())]}))
    if not parts:
        return pd.DataFrame({"year": pd.Series([], dtype="int64"), "offence_code": pd.Series([], dtype=object),
                             "n": pd.Series([], dtype="int64")})
    return pd.concat(parts, ignore_index=True)


def _response(store, table: str) -> pd.DataFrame:
    """Respondents per area (rows) and round (columns, as text), with the whole municipality last."""
    counts = quality.survey_response(store, table)
    if counts.empty:
        return pd.DataFrame({"area": pd.Series([], dtype=object)})
    wide = counts.pivot_table(index="area", columns="year", values="n", aggfunc="sum", fill_value=0)
    wide.columns = [str(int(c)) for c in wide.columns]
    wide.loc[TOTAL_ROW] = wide.sum()
    return wide.astype("int64").rename_axis("area").reset_index()


def _mark_few(shown: pd.DataFrame, raw: pd.DataFrame) -> pd.DataFrame:
    """Cells of an area with fewer respondents than the survey's minimum get "(färre än 30)": the other
    reports show no result for them."""
    out = shown.copy()
    for col in [c for c in raw.columns if c != "area"]:
        few = (raw[col] > 0) & (raw[col] < SURVEY_MIN_RESPONDENTS) & (raw["area"] != TOTAL_ROW)
        out[col] = [f"{fmt.count(v)}{_FEW}" if f and not isinstance(v, str) else v for v, f in zip(out[col], few)]
    return out


def _notes(shown: dict[str, pd.DataFrame], year: int) -> dict[str, str]:
    places = shown["places"]
    this = places[places["year"] == year]
    notes = {"places": ""}
    if len(this):
        row = this.iloc[0]
        notes["places"] = (
            f"År {year} hade {fmt.count(row['not_placed'])} av {fmt.count(row['offences'])} anmälda brott ingen "
            "plats i kommunen: de saknar koordinater eller har en plats utanför kommunen. De räknas i alla totaler "
            "och tal per 1 000 invånare, men kartorna kan bara visa brott med plats i kommunen."
        )
    hidden = shown["files"]["rows_read"].map(lambda v: v == fmt.MISSING)
    notes["files"] = (
        "*Rader i filen* räknar dataraderna i källfilen (utan rubrikraden och tomma rader), för alla år och "
        "all status i filen. *Godkända rader* finns i datalagret och är det som rapporterna räknar; de visar "
        "ofta ett urval (till exempel årets brott eller de åtgärder som pågår under året), så deras tal kan "
        "vara mindre. För varje fil gäller: rader i filen = godkända + avvisade."
        + (" När färre än 5 rader avvisats visas de som \"<5\", och raderna i filen som \"–\": annars "
           "kunde antalet avvisade räknas fram ur de andra rapporternas totaler." if hidden.any() else "")
    )
    return notes


def _table(frame: pd.DataFrame, columns: list[str], percent_cols: list[str] | None = None):
    return fmt.table(frame, columns=columns, headers=HEADERS, percent_cols=percent_cols or (),
                     integer_cols=[c for c in columns if c not in (percent_cols or ())
                                   and c not in ("file", "table", "column", "reason", "offence_code", "area")])


def _response_table(frame: pd.DataFrame):
    if "area" in frame and len(frame.columns) == 1:
        return Markdown("Ingen enkät inläst.")
    cols = list(frame.columns)
    return fmt.table(frame, columns=cols, headers={**HEADERS, "area": "Område"},
                     integer_cols=[c for c in cols if c != "area"])
