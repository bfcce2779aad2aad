"""The residents' summary's plain words: the uncertainty and the changes are worded with the one change
vocabulary (``wording.change_word``) and the one value formatter, and read as Swedish sentences."""

from __future__ import annotations

from trygghet.reports import tryggare, wording
from trygghet.reports.tryggare import _changes_sentence, _level_sentence, _promise_sentence

UP, DOWN, SAME = (wording.change_word(c) for c in ("increased", "decreased", "no_certain_change"))


def test_an_interval_in_words_uses_the_reports_formatter():
    assert tryggare.between("otrygg_kvall", 0.171, 0.214) == "mellan 17\u00a0% och 21\u00a0%"
    assert tryggare.between("vald", 7.94, 9.31) == "mellan 7,9 och 9,3"
    assert tryggare.between("vald", None, 9.3) == "–"
    assert wording.format_interval("otrygg_kvall", 0.171, 0.214) == "17–21\u00a0%"  # the same bounds as the tables


def test_changes_in_sentences():
    rows = [{"area": "hela kommunen", "change": SAME}, {"area": "Centrum", "change": DOWN},
            {"area": "Porsön", "change": UP}, {"area": "Hertsön", "change": DOWN}, {"area": "Råneå", "change": "–"}]
    assert _changes_sentence(rows, "andelen", 2023, ", eftersom siffran är för liten") == (
        "Jämfört med 2023 har andelen ökat i Porsön och minskat i Centrum och Hertsön. I övriga områden finns ingen "
        "säker förändring. I Råneå går det inte att jämföra, eftersom siffran är för liten.")
    calm = [{"area": "Centrum", "change": SAME}, {"area": "Porsön", "change": SAME}]
    assert _changes_sentence(calm, "brotten", 2024) == "Jämfört med 2024 finns ingen säker förändring i något område."
    assert _changes_sentence(calm + [{"area": "Råneå", "change": "–"}], "brotten", 2024).startswith(
        "Jämfört med 2024 finns ingen säker förändring i något område där det går att jämföra. I Råneå går")


def test_the_work_and_the_promises_in_sentences_without_zeros():
    assert _level_sentence(1, 3, 2025) == "1 åtgärd blev klar och 3 pågick under 2025."
    assert _level_sentence(2, 0, 2025) == "2 åtgärder blev klara under 2025."
    assert _level_sentence(0, 1, 2025) == "1 åtgärd pågick under 2025."
    assert _level_sentence(0, 0, 2025) == "Inga åtgärder under 2025."
    s = {"year": 2025, "promise_counts": {"genomfört": 1, "pågår": 2, "ej påbörjat": 0}}
    assert _promise_sentence(s) == "Av 3 löften för 2025 är 1 genomfört och 2 pågår."
    s["promise_counts"] = {"genomfört": 0, "pågår": 0, "ej påbörjat": 0}
    assert _promise_sentence(s) == "Det finns inga medborgarlöften för 2025."
