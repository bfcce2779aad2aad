"""The offence code list (``resources/brottskoder.csv``) rebuilt from Brå's list of offence codes.

Brå (the Swedish National Council for Crime Prevention) publishes every offence code the police use,
active and discontinued, in its statistics database SOL. A copy of that list, as exported on
2026-09-24, is shipped as ``resources/bra_brottskoder_sol.csv`` (columns
``brottskod;benamning;upphord;kodgrupp``). This module turns it into the project's code list:

* :func:`read_source` reads a Brå-format export (UTF-8, with or without a byte-order mark);
* :func:`clean_source` applies the documented corrections of known errors in that export;
* :func:`classify` gives each code its categories and flags by the ordered rules in :data:`RULES`,
  from the code, its code group and its title only;
* :func:`build` regenerates ``brottskoder.csv`` (the shipped file is exactly ``build()``'s output);
* :func:`compare` lists what changed between the shipped list and a newer export.

Run ``python -m trygghet.data.offence_codes build`` to regenerate the list and
``python -m trygghet.data.offence_codes compare NEWER.csv`` to see what a newer export changes.
``docs/brottskoder.md`` explains the rules and the decisions behind them.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from trygghet.data.errors import DataError
from trygghet.data.config import resource_path
from trygghet.data.vocabulary import CATEGORIES

__all__ = [
    "SOURCE_FILE",
    "CODE_LIST_FILE",
    "SOURCE_COLUMNS",
    "OUTPUT_COLUMNS",
    "FINE_CATEGORIES",
    "VIOLENT",
    "VOLUME",
    "KNOWN_CODE_FIXES",
    "Rule",
    "RULES",
    "read_source",
    "clean_source",
    "classify",
    "read_shipped",
    "to_code_list",
    "build",
    "compare",
    "summary",
    "main",
]

#: the copy of Brå's code list shipped in ``resources/``
SOURCE_FILE = "bra_brottskoder_sol.csv"
#: the code list the rest of the library reads
CODE_LIST_FILE = "brottskoder.csv"
SOURCE_COLUMNS = ["brottskod", "benamning", "upphord", "kodgrupp"]
#: columns of ``brottskoder.csv``; the first six are the ones ingest requires
OUTPUT_COLUMNS = ["brottskod", "rubricering", "kategori", "valdsbrott", "mangdbrott", "offentlig_plats",
                  "delkategori", "upphord", "kodgrupp", "offer_kon", "offer_alder"]

#: fine analysis category (``delkategori``) -> coarse category (``kategori``, the reports' categories)
FINE_CATEGORIES: dict[str, str] = {
    "mord_drap": "misshandel",            # completed murder, manslaughter, infanticide, lethal assault
    "forsok_mord_drap": "misshandel",     # attempted (incl. prepared, conspired) murder or manslaughter
    "misshandel": "misshandel",           # assault, not aggravated
    "grov_misshandel": "misshandel",      # aggravated assault
    "grov_fridskrankning": "misshandel",  # gross violation of (a woman's) integrity
    "vald_mot_tjansteman": "misshandel",  # violence against a public official
    "ran": "ran",                         # robbery incl. aggravated
    "hot": "hot_ofredande",               # unlawful threat, threat against a public official
    "ofredande": "hot_ofredande",         # molestation
    "olaga_forfoljelse": "hot_ofredande",  # stalking
    "olaga_tvang": "hot_ofredande",       # unlawful coercion
    "valdtakt": "sexualbrott",            # rape incl. aggravated, completed or attempted (ch. 6 s. 1, 4)
    "sexualbrott": "sexualbrott",         # every other sexual offence, negligent rape included
    "inbrott_villa": "bostadsinbrott",    # burglary in a house or terraced house, completed or attempted
    "inbrott_lagenhet": "bostadsinbrott",  # burglary in a flat, completed or attempted
    "inbrott_bostad": "bostadsinbrott",   # burglary in a flat or house, not told apart (until 1996)
    "inbrott_fritidshus": "ovrig_stold",  # burglary in a holiday home
    "inbrott_ovrig_bostad": "ovrig_stold",  # burglary in another kind of dwelling
    "inbrott_kallare_vind": "ovrig_stold",  # burglary in a cellar or attic
    "inbrott_ovrigt": "ovrig_stold",      # burglary in shops, schools, offices, sites ...
    "butiksstold": "butiksstold",         # theft (shoplifting) in a shop without burglary
    "cykelstold": "cykelstold",           # theft of a bicycle, e-bike or e-scooter, theft from a bicycle
    "fordon": "fordon",                   # theft of or from a motor vehicle
    "ovrig_stold": "ovrig_stold",         # other theft
    "skadegorelse": "skadegorelse",       # criminal damage and graffiti
    "brand": "skadegorelse",              # arson and criminal damage by fire
    "narkotika": "narkotika",             # narcotic drugs: possession, use, supply, smuggling
    "vapen": "vapen",                     # weapons, knives, explosives
    "bedrageri": "bedrageri",             # fraud (chapter 9 except handling stolen goods, extortion, usury)
    "trafik": "trafik",                   # traffic offences (codes 3000-3999)
    "ovrigt": "ovrigt",                   # everything else
}
#: fine categories that are *våldsbrott* by Brå's definition (Kolada N07403)
VIOLENT = frozenset({"mord_drap", "forsok_mord_drap", "misshandel", "grov_misshandel", "grov_fridskrankning",
                     "vald_mot_tjansteman", "ran", "valdtakt"})
#: fine categories that are volume crime besides the violent ones: theft, burglary, criminal damage
VOLUME = frozenset({"inbrott_villa", "inbrott_lagenhet", "inbrott_bostad", "inbrott_fritidshus",
                    "inbrott_ovrig_bostad", "inbrott_kallare_vind", "inbrott_ovrigt", "butiksstold", "cykelstold",
                    "fordon", "ovrig_stold", "skadegorelse", "brand"})
#: arson proper (chapter 13) is not volume crime, criminal damage by fire is
_NOT_VOLUME_TITLE = re.compile(r"^mordbrand", re.IGNORECASE)

#: wrong codes in Brå's export -> the right code. 5910 sits among 9508-9511 (misleading someone into a
#: marriage trip: girl, boy, woman, man), belongs to code group 70-98 and 9510 is missing.
KNOWN_CODE_FIXES = {"5910": "9510"}
_DISCONTINUED_IN_TITLE = re.compile(r"\(upph(?:örde|\.)\s*(?:år)?\s*(\d{4})\)", re.IGNORECASE)

_BURGLARY = r"(?:inbrottsstöld|genom inbrott|medelst inbrott|gm inbr)"
_NOT_BURGLARY = r"utan inbrott|ej inbr"


@dataclass(frozen=True)
class Rule:
    """One classification rule: the first rule that matches a code gives its fine category.

    A rule matches when the code lies in one of ``codes`` (inclusive ranges; none = any code), the
    code group equals ``kodgrupp`` (empty = any), ``pattern`` is found in the title and ``exclude`` is
    not (both case-insensitive regular expressions; empty = no condition)."""

    name: str
    fine: str
    pattern: str = ""
    exclude: str = ""
    codes: tuple[tuple[int, int], ...] = ()
    kodgrupp: str = ""
    note: str = ""

    def matches(self, code: int, group: str, title: str) -> bool:
        if self.codes and not any(lo <= code <= hi for lo, hi in self.codes):
            return False
        if self.kodgrupp and group != self.kodgrupp:
            return False
        if self.pattern and not re.search(self.pattern, title, re.IGNORECASE):
            return False
        return not (self.exclude and re.search(self.exclude, title, re.IGNORECASE))


def _burglary(place: str = "") -> str:
    return rf"^(?=.*{_BURGLARY})(?=.*(?:{place}))" if place else rf"^(?=.*{_BURGLARY})"


#: the classification rules, in the order they are tried (docs/brottskoder.md shows them as a table)
RULES: tuple[Rule, ...] = (
    Rule("trafik", "trafik", codes=((3000, 3999),), note="codes 3000-3999: traffic and maritime traffic offences"),
    Rule("valdtakt", "valdtakt", r"våldtäkt", r"oaktsam",
         note="title says rape (våldtäkt), not negligent rape (oaktsam våldtäkt)"),
    Rule("sexualbrott_kap6", "sexualbrott", codes=((600, 699), (6100, 6199), (9600, 9699)),
         note="codes 0600-0699, 6100-6199, 9600-9699: the other offences of chapter 6 (sexual offences)"),
    Rule("sexualbrott_ovriga", "sexualbrott", r"^köp av sexuell tjänst|barnpornografibrott",
         note="purchase of a sexual service; child pornography offences"),
    Rule("mord_drap", "mord_drap", r"^fullb(?:ordat)?\b.*\bmord|^barnadråp|dödlig utgång", r"ej med dödlig utgång",
         note="completed murder or manslaughter, infanticide, assault with lethal outcome"),
    Rule("forsok_mord_drap", "forsok_mord_drap", r"^förs(?:ök)?\b.*\bmord",
         note="attempted, prepared or conspired murder or manslaughter"),
    Rule("grov_misshandel", "grov_misshandel", r"^(?=.*\bmissh)(?=.*(?<!ej )\bgrov\b)",
         note="assault (misshandel, missh) and aggravated (grov, not 'ej grov')"),
    Rule("misshandel", "misshandel", r"\bmissh", note="every other assault"),
    Rule("grov_fridskrankning", "grov_fridskrankning", r"\bgrov (?:kvinno)?fridskränkning",
         note="gross violation of integrity or of a woman's integrity"),
    Rule("vald_mot_tjansteman", "vald_mot_tjansteman", r"^våld mot tjänstem",
         note="violence against a public official (not violent resistance)"),
    Rule("ran", "ran", r"^rån\b", note="robbery"),
    Rule("olaga_forfoljelse", "olaga_forfoljelse", r"olaga förföljelse", note="stalking"),
    Rule("hot", "hot", r"\bolaga hot\b|^hot eller förgripelse mot tjänsteman",
         note="unlawful threat; threat or assault on a public official"),
    Rule("olaga_tvang", "olaga_tvang", r"^olaga tvång", note="unlawful coercion"),
    Rule("ofredande", "ofredande", r"^ofredande", note="molestation (not sexual molestation)"),
    Rule("stold_skjutvapen", "ovrig_stold", r"^(?:övrig )?stöld\b.*\b(?:skjvapen|skjutvapen)",
         note="theft of firearms, also by burglary and in homes (Brå counts it apart from burglary)"),
    Rule("inbrott_ovrig_bostad", "inbrott_ovrig_bostad", _burglary("annan typ av bostad"), _NOT_BURGLARY,
         note="burglary in another kind of dwelling than house, flat or holiday home"),
    Rule("inbrott_bostad", "inbrott_bostad", _burglary("lägenhet eller villa"), _NOT_BURGLARY,
         note="burglary in a flat or house (one code until 1996)"),
    Rule("inbrott_villa", "inbrott_villa", _burglary("villa"), _NOT_BURGLARY,
         note="burglary in a house or terraced house (villa/radhus)"),
    Rule("inbrott_lagenhet", "inbrott_lagenhet", _burglary("lägenhet"), _NOT_BURGLARY, note="burglary in a flat"),
    Rule("inbrott_fritidshus", "inbrott_fritidshus", _burglary("fritidshus"), _NOT_BURGLARY,
         note="burglary in a holiday home"),
    Rule("inbrott_kallare_vind", "inbrott_kallare_vind", _burglary(r"källare|\bvind\b"), _NOT_BURGLARY,
         note="burglary in a cellar or attic"),
    Rule("inbrott_ovrigt", "inbrott_ovrigt", _burglary(), _NOT_BURGLARY,
         note="every other burglary (shops, schools, offices, sites, ships ...)"),
    Rule("cykelstold", "cykelstold", r"^(?:tillgrepp|stöld)\b.*(?<!motor)cykel",
         note="taking of a bicycle, e-bike or e-scooter; theft from a bicycle"),
    Rule("fordon", "fordon", r"^(?:tillgrepp|stöld)\b.*(?:(?<!ej )motordr|lastbil)",
         note="taking of, or theft from, a motor vehicle (not 'ej motordrivet')"),
    Rule("butiksstold", "butiksstold", r"^stöld utan inbrott,? (?:i )?butik", note="theft in a shop without burglary"),
    Rule("ovrig_stold", "ovrig_stold", r"^(?:stöld|tillgrepp)\b|fickstöld|väskryckning", note="every other theft"),
    Rule("ovrigt_kap8", "ovrigt", r"^övr brott kap\. 8", note="other offences of chapter 8 (not theft)"),
    Rule("stold_kap8", "ovrig_stold", kodgrupp="08",
         note="the rest of code group 08 (0859's title is cut off in the export)"),
    Rule("brand", "brand", r"genom brand|bilbrand|\bmordbrand",
         note="criminal damage by fire, vehicle fires, arson (mordbrand)"),
    Rule("datasabotage", "ovrigt", r"datasabotage", note="computer sabotage is not criminal damage to property"),
    Rule("skadegorelse", "skadegorelse", r"^(?:annan )?skadegörelse|klotter", note="criminal damage, graffiti"),
    Rule("narkotika", "narkotika",
         r"narkotikasmuggling|narkotikastrafflagen|narkstrafflagen|kontr av narkotika|smuggelgods, narkotika",
         note="Narcotic Drugs Act, drug smuggling, drug-control offences"),
    Rule("vapen", "vapen",
         r"^vapenlagen|vapenbrott|vapensmuggling|brott mot vapenlagen|knivar|explosiv vara|^lbe\b"
         r"|smuggelgods(?:,| inkl\. grovt,) (?:vapen|explosiva)|^grov smuggling, vapen|utförsel av vapen",
         note="Weapons Act, knives, explosives (LBE), smuggling of weapons or explosives"),
    Rule("ovrigt_kap9", "ovrigt", r"häleri|^utpressning|^ocker\b", kodgrupp="09",
         note="handling stolen goods, extortion, usury"),
    Rule("bedrageri", "bedrageri", kodgrupp="09", note="the rest of code group 09 (fraud)"),
    Rule("ovrigt", "ovrigt", note="everything else"),
)

_FEMALE = re.compile(r"\b(?:kvinna|kvinnor|flicka|flickor)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:man|män|pojke|pojkar|poje)\b", re.IGNORECASE)  # 'poje' is a typo in 9604
_CHILD = re.compile(r"\bunder 1[58]\b|\b(?:0-6|7-14|7-17|15-17|15\?17)\s*år|\bmot barn\b|utnyttjande av barn\b"
                    r"|\bunderårig\b|^barnadråp", re.IGNORECASE)
_ADULT = re.compile(r"\b18 år (?:eller|el\.?) äldre", re.IGNORECASE)
_OUTDOORS = re.compile(r"\butomhus\b", re.IGNORECASE)
_INDOORS = re.compile(r"\binomhus\b", re.IGNORECASE)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


def _codes(frame: pd.DataFrame) -> pd.Series:
    return _text(frame, "brottskod").str.zfill(4)


def read_source(path: str | Path) -> pd.DataFrame:
    """A Brå-format export of the offence codes: ``brottskod, benamning, upphord, kodgrupp`` as text.

    UTF-8 with or without a byte-order mark, ``;``-separated. Codes keep their leading zeros; a code
    that is not four digits, a missing column or a repeated code raises ``ValueError``."""
    fix = "export Brå's code list again as brottskod;benamning;upphord;kodgrupp (UTF-8)"
    try:
        frame = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except UnicodeDecodeError as exc:
        raise DataError(str(path), f"is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at {exc.start})", fix) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(str(path), f"is not a ';'-separated table ({exc})", fix) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in SOURCE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(str(path), f"column(s) {', '.join(missing)} missing; found {';'.join(frame.columns)}", fix)
    frame = frame[SOURCE_COLUMNS].apply(lambda col: col.str.strip())
    bad = ~frame["brottskod"].str.fullmatch(r"\d{4}")
    if bad.any():
        raise DataError(str(path), f"line {int(bad.to_numpy().argmax()) + 2}: brottskod "
                        f"{frame.loc[bad, 'brottskod'].iloc[0]!r} is not four digits", fix)
    dup = frame["brottskod"].duplicated()
    if dup.any():
        raise DataError(str(path), f"brottskod {frame.loc[dup, 'brottskod'].iloc[0]} is listed twice", fix)
    return frame.reset_index(drop=True)


def clean_source(codes: pd.DataFrame) -> pd.DataFrame:
    """``codes`` with the known errors of Brå's export corrected, sorted by code.

    * a code in :data:`KNOWN_CODE_FIXES` is renamed (5910 -> 9510) unless the right code is present;
    * an empty ``upphord`` is filled from a title that says when the code was discontinued
      (0318 says "upph.år 1983")."""
    out = codes.copy()
    out["brottskod"] = _codes(out)
    present = set(out["brottskod"])
    fixes = {wrong: right for wrong, right in KNOWN_CODE_FIXES.items() if right not in present}
    out["brottskod"] = out["brottskod"].replace(fixes)
    upphord = _text(out, "upphord")
    from_title = _text(out, "benamning").str.extract(_DISCONTINUED_IN_TITLE, expand=False).fillna("")
    out["upphord"] = upphord.where(upphord != "", from_title)
    return out.sort_values("brottskod", kind="stable").reset_index(drop=True)


def _fine(code: str, group: str, title: str) -> tuple[str, str]:
    number = int(code) if code.isdigit() else -1
    for rule in RULES:
        if rule.matches(number, group, title):
            return rule.fine, rule.name
    raise AssertionError("the last rule matches every code")  # pragma: no cover


def _victim_sex(title: str) -> str:
    female, male = bool(_FEMALE.search(title)), bool(_MALE.search(title))
    return "kvinna" if female and not male else "man" if male and not female else ""


def _victim_age(title: str) -> str:
    child, adult = bool(_CHILD.search(title)), bool(_ADULT.search(title))
    return "barn" if child and not adult else "vuxen" if adult and not child else ""


def _place(title: str) -> str:
    out, inside = bool(_OUTDOORS.search(title)), bool(_INDOORS.search(title))
    return "utomhus" if out and not inside else "inomhus" if inside and not out else ""


def classify(codes: pd.DataFrame) -> pd.DataFrame:
    """Categories and flags of every code in ``codes`` (columns ``brottskod``, ``benamning`` and,
    if present, ``upphord`` and ``kodgrupp``), by :data:`RULES` and the title alone.

    Returns one row per code with :data:`OUTPUT_COLUMNS` plus ``plats`` and ``regel``:
    ``rubricering`` (the title), ``kategori`` (coarse category, one of the library's categories),
    ``delkategori`` (fine category, :data:`FINE_CATEGORIES`), ``valdsbrott``/``mangdbrott``/
    ``offentlig_plats`` (bool), ``offer_kon`` (``kvinna``, ``man`` or ``""``), ``offer_alder``
    (``barn`` under 18, ``vuxen`` or ``""``), ``plats`` (``utomhus``, ``inomhus`` or ``""``) and
    ``regel`` (the name of the rule that decided). Victim and place come only from what the title
    says; nothing is guessed."""
    code = _codes(codes)
    title = _text(codes, "benamning")
    group = _text(codes, "kodgrupp")
    decided = [_fine(c, g, t) for c, g, t in zip(code, group, title)]
    fine = pd.Series([d[0] for d in decided], index=codes.index, dtype=object)
    coarse = fine.map(FINE_CATEGORIES)
    unknown = set(coarse) - set(CATEGORIES)
    if unknown:
        raise AssertionError(f"coarse categories outside the vocabulary: {sorted(unknown)}")
    violent = fine.isin(VIOLENT)
    volume = violent | (fine.isin(VOLUME) & ~title.str.contains(_NOT_VOLUME_TITLE))
    place = title.map(_place)
    out = pd.DataFrame({
        "brottskod": code,
        "rubricering": title,
        "kategori": coarse,
        "valdsbrott": violent.astype(bool),
        "mangdbrott": volume.astype(bool),
        "offentlig_plats": (place == "utomhus").astype(bool),
        "delkategori": fine,
        "upphord": _text(codes, "upphord"),
        "kodgrupp": group,
        "offer_kon": title.map(_victim_sex),
        "offer_alder": title.map(_victim_age),
        "plats": place,
        "regel": [d[1] for d in decided],
    })
    return out.reset_index(drop=True)


def to_code_list(classified: pd.DataFrame) -> pd.DataFrame:
    """The :func:`classify` result as ``brottskoder.csv`` holds it: :data:`OUTPUT_COLUMNS`, all text,
    flags ``ja``/``nej``."""
    out = classified[OUTPUT_COLUMNS].copy()
    for flag in ("valdsbrott", "mangdbrott", "offentlig_plats"):
        out[flag] = out[flag].map({True: "ja", False: "nej"})
    return out


def _write(frame: pd.DataFrame, path: Path) -> None:
    text = frame.to_csv(sep=";", index=False, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))


def build(source_path: str | Path | None = None, out_path: str | Path | None = None) -> pd.DataFrame:
    """Regenerate the code list from a Brå export: read, :func:`clean_source`, :func:`classify`, and
    write :data:`OUTPUT_COLUMNS` (UTF-8 without byte-order mark, ``;``, ``\\n``) to ``out_path``.

    Defaults: the shipped copy ``resources/bra_brottskoder_sol.csv`` and ``resources/brottskoder.csv``.
    Returns the frame written."""
    source = Path(source_path) if source_path is not None else resource_path(SOURCE_FILE)
    out = Path(out_path) if out_path is not None else resource_path(CODE_LIST_FILE)
    code_list = to_code_list(classify(clean_source(read_source(source))))
    _write(code_list, out)
    return code_list


def read_shipped(path: str | Path | None = None) -> pd.DataFrame:
    """``brottskoder.csv`` (default: the shipped one) as text columns, as :func:`compare` takes it."""
    target = Path(path) if path is not None else resource_path(CODE_LIST_FILE)
    frame = pd.read_csv(target, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame


def _norm_title(title: str) -> str:
    """A title without Brå's '(upphörde år YYYY)' marker and with its whitespace collapsed."""
    without = re.sub(r"\(\s*upph(?:örde|\.)[^)]*\)", " ", title, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", without).strip()


def _titles(frame: pd.DataFrame) -> pd.DataFrame:
    title_column = "rubricering" if "rubricering" in frame.columns else "benamning"
    return pd.DataFrame({"brottskod": _codes(frame), "title": _text(frame, title_column),
                         "upphord": _text(frame, "upphord")}).drop_duplicates("brottskod")


_CHANGE_ORDER = {"ny": 0, "upphörd": 1, "ny_benamning": 2}


def compare(shipped: pd.DataFrame, newer: pd.DataFrame) -> pd.DataFrame:
    """What ``newer`` (a Brå export, ideally through :func:`clean_source`) changes in ``shipped``
    (``brottskoder.csv`` or another export).

    Columns ``brottskod, change, old_title, new_title``; ``change`` is ``ny`` (a code that is new),
    ``upphörd`` (a code newly discontinued, or gone from ``newer``; then ``new_title`` is empty) or
    ``ny_benamning`` (the title changed beyond Brå's '(upphörde år YYYY)' marker and whitespace).
    A code can be both ``upphörd`` and ``ny_benamning``. Titles are taken from ``rubricering`` or,
    failing that, ``benamning``."""
    old, new = _titles(shipped), _titles(newer)
    both = old.merge(new, on="brottskod", how="outer", suffixes=("_old", "_new"), indicator="where")
    rows = []
    for r in both.itertuples(index=False):
        old_title = "" if pd.isna(r.title_old) else r.title_old
        new_title = "" if pd.isna(r.title_new) else r.title_new
        if r.where == "right_only":
            rows.append((r.brottskod, "ny", "", new_title))
            continue
        if r.where == "left_only":
            rows.append((r.brottskod, "upphörd", old_title, ""))
            continue
        if not r.upphord_old and r.upphord_new:
            rows.append((r.brottskod, "upphörd", old_title, new_title))
        if _norm_title(old_title) != _norm_title(new_title):
            rows.append((r.brottskod, "ny_benamning", old_title, new_title))
    out = pd.DataFrame(rows, columns=["brottskod", "change", "old_title", "new_title"])
    order = out["change"].map(_CHANGE_ORDER)
    return out.assign(_o=order).sort_values(["brottskod", "_o"]).drop(columns="_o").reset_index(drop=True)


def summary(code_list: pd.DataFrame, by: str = "kategori") -> pd.DataFrame:
    """Codes per category (``by``: ``kategori`` or ``delkategori``): ``aktiva``, ``upphorda``,
    ``totalt``, with a last row ``totalt``."""
    active = code_list["upphord"].fillna("").astype(str).str.strip() == ""
    table = pd.DataFrame({by: code_list[by], "aktiva": active.astype(int), "upphorda": (~active).astype(int)})
    out = table.groupby(by, sort=True)[["aktiva", "upphorda"]].sum()
    out["totalt"] = out["aktiva"] + out["upphorda"]
    out.loc["totalt"] = out.sum()
    return out.reset_index()


def main(argv: list[str] | None = None) -> int:
    """``build [--source P] [--out P]`` or ``compare NEWER [--shipped P]``."""
    parser = argparse.ArgumentParser(prog="python -m trygghet.data.offence_codes",
                                     description="Rebuild or check the offence code list from Brå's code list.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="regenerate brottskoder.csv from a Brå export")
    make.add_argument("--source", help=f"Brå export (default: resources/{SOURCE_FILE})")
    make.add_argument("--out", help=f"where to write (default: resources/{CODE_LIST_FILE})")
    check = commands.add_parser("compare", help="list new, discontinued and retitled codes in a newer export")
    check.add_argument("newer", help="a newer Brå export (brottskod;benamning;upphord;kodgrupp)")
    check.add_argument("--shipped", help=f"the list to compare with (default: resources/{CODE_LIST_FILE})")
    args = parser.parse_args(argv)
    if args.command == "build":
        written = build(args.source, args.out)
        print(summary(written).to_string(index=False))
        print(f"{len(written)} codes written to {args.out or resource_path(CODE_LIST_FILE)}")
        return 0
    changes = compare(read_shipped(args.shipped), clean_source(read_source(args.newer)))
    if changes.empty:
        print("no changes")
    else:
        print(changes.to_string(index=False))
        print(changes["change"].value_counts().to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
