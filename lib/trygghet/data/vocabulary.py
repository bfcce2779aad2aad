"""The project's vocabulary, defined once: offence categories and groups, prevention levels, measure
statuses, the whole municipality, municipal incident types, and Swedish sort order.

Everything that names one of these (ingest, schemas, indicators, hot spots, reports, the email) imports
it from here. Values are the store's own Swedish ids; what a reader sees is worded in
:mod:`trygghet.reports.wording`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

from trygghet.data.errors import ParameterError

__all__ = [
    "CATEGORIES",
    "CATEGORY_UNKNOWN",
    "OFFENCE_GROUPS",
    "MUNICIPAL_GROUP",
    "MUNICIPAL_TYPES",
    "PREVENTION_LEVELS",
    "HORIZONS",
    "RESPONSIBLE",
    "MEASURE_STATUSES",
    "ACTIVE_STATUSES",
    "WHOLE_MUNICIPALITY",
    "offence_group_mask",
    "check_group",
    "sort_key_sv",
]

#: analysis categories of the code list (column ``kategori``); unknown codes get CATEGORY_UNKNOWN
CATEGORIES = (
    "misshandel",
    "hot_ofredande",
    "ran",
    "sexualbrott",
    "bostadsinbrott",
    "fordon",
    "cykelstold",
    "butiksstold",
    "ovrig_stold",
    "skadegorelse",
    "narkotika",
    "bedrageri",
    "trafik",
    "vapen",
    "ovrigt",
)
CATEGORY_UNKNOWN = "okand"
#: offence groups beside the single categories: every offence, violent offences, volume crime
OFFENCE_GROUPS = ("alla", "vald", "mangdbrott")
#: the group of municipal incident reports (``kommunala`` or ``kommunala_<key>``)
MUNICIPAL_GROUP = "kommunala"
#: ``kommunala_<key>`` groups of municipal incidents -> the store's ``type`` values
MUNICIPAL_TYPES = {
    "skadegorelse": ("skadegörelse",),
    "klotter": ("klotter",),
    "brand": ("brand",),
    "hot_vald": ("hot/våld mot personal",),
    "inbrott": ("inbrott i kommunal lokal",),
    "ovrigt": ("övrigt",),
}
PREVENTION_LEVELS = ("universell", "selektiv", "indikerad", "situationell")
HORIZONS = ("kort", "lång")
RESPONSIBLE = ("kommun", "polis", "gemensam")
MEASURE_STATUSES = ("planerad", "pågående", "genomförd", "avbruten")
#: statuses of a measure that is (or was, during its dates) carried out
ACTIVE_STATUSES = ("pågående", "genomförd")
WHOLE_MUNICIPALITY = "hela kommunen"


def check_group(group: str, *, municipal: bool = False) -> str:
    """``group`` if it is an offence group or category (or, with ``municipal``, a municipal incident
    group); else a :class:`ParameterError` naming the choices."""
    if group in OFFENCE_GROUPS or group in CATEGORIES or group == CATEGORY_UNKNOWN:
        return group
    if municipal and group.startswith(MUNICIPAL_GROUP):
        key = group[len(MUNICIPAL_GROUP):].lstrip("_")
        if not key or key in MUNICIPAL_TYPES:
            return group
    choices = list(OFFENCE_GROUPS) + ([MUNICIPAL_GROUP] + [f"{MUNICIPAL_GROUP}_{k}" for k in MUNICIPAL_TYPES]
                                      if municipal else []) + list(CATEGORIES) + [CATEGORY_UNKNOWN]
    raise ParameterError(f"category_group='{group}' is unknown; use one of " + ", ".join(choices))


def offence_group_mask(offences: pd.DataFrame, group: str) -> pd.Series:
    """Which offences belong to ``group``: ``alla`` (all), ``vald`` (the code list's violence flag),
    ``mangdbrott`` (volume crime) or one category. The one definition every report, map and email uses."""
    check_group(group)
    if group == "alla":
        return pd.Series(True, index=offences.index)
    if group == "vald":
        return offences["violent"].fillna(False).astype(bool)
    if group == "mangdbrott":
        return offences["volume_crime"].fillna(False).astype(bool)
    return (offences["category"] == group).fillna(False).astype(bool)


# Swedish alphabetical order (SAOL 14: w is its own letter after v); å, ä, ö come last.
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzåäö"
_ORDER = {ch: i for i, ch in enumerate(_ALPHABET)}
# letters Swedish collation treats as variants of a base letter
_EQUIVALENT = {"æ": "ä", "ø": "ö", "ü": "y", "é": "e", "è": "e", "ê": "e", "á": "a", "à": "a", "ç": "c"}


def sort_key_sv(s: Any) -> tuple:
    """Key for sorting text the Swedish way: case-insensitive, å ä ö after z, é as e, ü as y.

    ``sorted(["Örnäset", "Bergnäset", "Ålund"], key=sort_key_sv)`` -> Bergnäset, Ålund, Örnäset.
    """
    text = "" if s is None or (isinstance(s, float) and s != s) or s is pd.NA else str(s)
    folded = text.casefold()
    primary = []
    for ch in folded:
        ch = _EQUIVALENT.get(ch, ch)
        if ch in _ORDER:
            primary.append(_ORDER[ch])
        elif ch.isspace() or unicodedata.category(ch).startswith("P"):
            primary.append(-1)  # spaces and punctuation before letters ("Norr by" < "Norrby")
        else:
            primary.append(len(_ALPHABET) + ord(ch))
    return (tuple(primary), folded, text)


# --- citizens' promises (medborgarloften.yaml; added by the residents' summary) ---------------------
#: a citizens' promise's status, as the contract names them
PROMISE_STATUSES = ("genomfört", "pågår", "ej påbörjat")
#: who gives a citizens' promise: the police, the municipality, or both together
PROMISE_PARTIES = ("polisen", "kommunen", "polisen och kommunen")
