"""One figure, one truth: the whole demo year is run and published once (``published_year``), and every
figure shown in more than one place must be the same everywhere (issue 10's list of contradictions).

The tests read the published HTML as a reader does (``published_pages``: tables and text per page) and
the steering group's email as ``trygghet mail --dry-run`` writes it (``published_mail``).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

NUM = r"\d{1,3}(?: \d{3})*(?:,\d+)?"
VERDICTS = {"ökat", "minskat", "ingen säker förändring", "ej mätbart"}
CHANGE_HEADERS = ("Utveckling sedan föregående mätning", "Sedan föregående mätning", "Sedan utgångsåret", "Utveckling")
HOTSPOT_PAGES = ("brottskoncentrationer-alla", "brottskoncentrationer-vald", "brottskoncentrationer-kommunala")


def num(text: str) -> float | None:
    """A Swedish number as shown ("7 865", "8,6", "19 %") -> float, else None."""
    t = text.replace("\u00a0", " ").strip()
    t = re.sub(r"\s*(%|kr)$", "", t)
    if not re.fullmatch(r"-?\d{1,3}( \d{3})*(,\d+)?|-?\d+(,\d+)?", t):
        return None
    return float(t.replace(" ", "").replace(",", "."))


def verdict(cell: str) -> str:
    """The verdict of a change cell without its comparison: "minskat (jfr 2023)" -> "minskat"."""
    return re.sub(r"\s*\((?:jfr )?\d{4}(?:–\d{4})?\)$", "", cell).strip()


def one_table(page, *headers):
    tables = page.tables_with(*headers)
    assert tables, f"{page.name}: no table with the columns {headers}; tables: {page.tables}"
    return tables[0]


def area_profiles(published_pages):
    profiles = {n: p for n, p in published_pages.items() if n.startswith("omradesprofil-")}
    assert profiles, f"no area profile was published: {sorted(published_pages)}"
    return profiles


# ------------------------------------------------------------------------------------------------ hot spots


def test_uncovered_hotspot_cells_per_area_agree(page):
    """preventionsnivaer's "Luckor" and brottskoncentrationer-alla (table and sentence) give the same
    number of hot-spot cells without a situational measure per area, within the same distance."""
    gaps = one_table(page("preventionsnivaer"), "Typ", "Lucka")
    levels, distances = {}, set()
    for typ, text in zip(gaps.column("Typ"), gaps.column("Lucka")):
        m = re.match(rf"(.+?): ({NUM})(?: av {NUM})? hot spot-rutor? utan situationell åtgärd inom ({NUM}) m", text)
        if m:
            levels[m.group(1)] = int(num(m.group(2)))
            distances.add(int(num(m.group(3))))
    hot = page("brottskoncentrationer-alla")
    table = one_table(hot, "Område", "Rutor utan situationell åtgärd")
    in_table = {a: int(num(n)) for a, n in zip(table.column("Område"), table.column("Rutor utan situationell åtgärd"))
                if num(n) is not None}
    sentence = hot.sentence(rf"({NUM}) av ({NUM}) hot spot-rutor saknar en situationell åtgärd inom ({NUM}) m: (.+?)\.")
    assert sentence, "brottskoncentrationer-alla: the sentence on cells without a situational measure is missing"
    in_sentence = {a: int(num(n)) for a, n in re.findall(rf"([A-ZÅÄÖ][\wåäöé-]+) \(({NUM}) rut", sentence.group(4))}
    assert {a: n for a, n in in_table.items() if n > 0} == in_sentence
    assert levels == {a: n for a, n in in_table.items() if n > 0}, (
        f"preventionsnivaer 'Luckor' {levels} vs brottskoncentrationer-alla {in_table}")
    assert distances == {int(num(sentence.group(3)))}
    assert int(num(sentence.group(1))) == sum(in_table.values())
    assert int(num(sentence.group(2))) == sum(int(num(n)) for n in table.column("Hot spot-rutor"))


def test_pai_study_area_is_stated_and_identical(page):
    """Every hot-spot report states its study area A in km² (a number), the same in all of them, and the
    shown area shares of the PAI table follow from it (cells × cell area / A)."""
    areas = {}
    for name in HOTSPOT_PAGES:
        p = page(name)
        pai = one_table(p, "Rutor$", "Andel av ytan")
        stated = pai.find("Analysområdets yta")
        if stated is not None:
            values = {num(c) for c in pai.column(pai.headers[stated])}
            assert len(values) == 1 and None not in values, f"{name}: study area {values}"
            areas[name] = values.pop()
        else:
            m = re.search(rf"(?:analysområde|studieområde)\w*[^.]*?({NUM}) km²", p.text, re.IGNORECASE)
            assert m, f"{name}: the study area (A, in km²) is not stated as a number"
            areas[name] = num(m.group(1))
        cell = re.search(rf"rutor om ({NUM}) m", p.text)
        for cells, share in zip(pai.column("Rutor$"), pai.column("Andel av ytan")):
            if cell and num(cells) is not None and num(share) is not None:
                implied = num(cells) * (num(cell.group(1)) / 1000) ** 2 / areas[name] * 100
                decimals = len(share.split(",")[1].rstrip(" %")) if "," in share else 0
                assert abs(implied - num(share)) <= 0.5 * 10 ** -decimals + 1e-9, (name, cells, share, areas[name])
    assert len(set(areas.values())) == 1, f"study areas differ between the hot-spot reports: {areas}"


# --------------------------------------------------------------------------------------------- safety walks


def test_safety_walks_fixed_agree_in_the_area_profile(published_pages, published_year):
    """The area profile's safety-walk table and its indicator row give the same share fixed for the same
    year, and findings whose 180-day window is still open are shown as "mäts nästa år", never as a share."""
    checked = 0
    for name, p in area_profiles(published_pages).items():
        walks = p.tables_with("År", "Fynd", "Åtgärdade")
        rows = [r for t in p.tables_with("Indikator", "År", "Området") for r in t.records()
                if r["Indikator"].startswith("Åtgärdade brister från trygghetsvandringar")]
        if not walks:
            continue
        by_year = {r["År"]: r["Åtgärdade"] for r in walks[0].records()}  # "Åtgärdade (inom 180 dagar)"
        this_year = by_year.get(str(published_year.year))
        if this_year is not None:
            assert "mäts nästa år" in this_year, f"{name}: {published_year.year}'s findings shown as {this_year!r}"
        for r in rows:
            if num(r["Området"]) is None:
                continue
            assert r["År"] != str(published_year.year), f"{name}: the indicator shows an open window as {r['Området']}"
            assert by_year.get(r["År"]) == r["Området"], (
                f"{name}: indicator {r['År']} {r['Området']} vs safety-walk table {by_year.get(r['År'])!r}")
            checked += 1
    assert checked, "no area profile shows both a safety-walk table and the indicator's value"


# ------------------------------------------------------------------------------------------- places, totals


def test_offences_without_a_place_agree(page, published_year):
    """datakvalitet's place table shows how many offences have no place, and the map text (hot spots,
    situation picture) gives the same number."""
    dq = one_table(page("datakvalitet"), "År", "Antal|Anmälda brott", "Med plats i kommunen", "Utan plats")
    row = next(r for r in dq.records() if r["År"] == str(published_year.year))
    combined = "utanför" in dq.headers[dq.find("Utan plats")].lower()  # "Utan plats eller utanför kommunen"
    shown = num(row["Utan plats"])
    assert shown is not None, f"datakvalitet: '{dq.headers[dq.find('Utan plats')]}' {published_year.year} is {row['Utan plats']!r}"
    assert shown == num(row["Antal|Anmälda brott"]) - num(row["Med plats i kommunen"]) or not combined
    for name in ("brottskoncentrationer-alla", "lagesbild"):
        m = page(name).sentence(rf"({NUM}) brott saknar plats( eller ligger utanför kommunen)?")
        assert m, f"{name}: the map text on offences without a place is missing"
        assert bool(m.group(2)) == combined, f"{name}: {m.group(0)!r} and datakvalitet count different things"
        assert num(m.group(1)) == shown, f"{name}: map text {m.group(0)!r} vs datakvalitet {dict(row)}"


def test_category_table_sums_to_the_years_offences(page):
    """The situation picture's offences per category and year add up to the offences of the year that
    datakvalitet read (and to its own total row, when it has one)."""
    cats = next((t for t in page("lagesbild").tables if t.caption.startswith("Antal anmälda brott per kategori")), None)
    assert cats, "lagesbild: the table of offences per category and year is missing"
    dq = one_table(page("datakvalitet"), "År", "Antal|Anmälda brott", "Med plats i kommunen")
    offences = {r["År"]: num(r["Antal|Anmälda brott"]) for r in dq.records()}
    t = cats.total_row()
    for j, year in enumerate(cats.headers):
        if not re.fullmatch(r"(19|20)\d\d", year):
            continue
        cells = [r[j] for i, r in enumerate(cats.rows) if i != t]
        shown = sum(num(c) or 0 for c in cells)
        small = sum(1 for c in cells if c == "<5")
        totals = [offences.get(year)] + ([num(cats.rows[t][j])] if t is not None else [])
        for total in totals:
            assert total is not None, f"{year}: no total to compare with"
            if small == 0 and "–" not in cells:
                assert shown == total, f"{year}: categories sum to {shown:.0f}, the year's offences are {total:.0f}"
            else:
                assert shown + small <= total, f"{year}: shown categories {shown:.0f} exceed the total {total:.0f}"


def test_measures_count_consistent_between_reports(page):
    """The activity plan's measures: 'Alla åtgärder' lists every measure datakvalitet read, and the per-level
    table and the parties' table count the same measures of the year per status."""
    read = one_table(page("datakvalitet"), "Fil", "Godkända")
    accepted = next(num(r["Godkända"]) for r in read.records() if r["Fil"].startswith("atgarder"))
    prev = page("preventionsnivaer")
    listed = prev.tables_with("Åtgärd", "Nivå", "Status")
    assert len(listed) >= 2, "preventionsnivaer: the list of all measures (started by the year, and later) is missing"
    shown = len(listed[-2].rows) + len(listed[-1].rows)  # 'Alla åtgärder' and 'som startar senare'
    assert shown == accepted, f"'Alla åtgärder' and the later ones list {shown} measures, datakvalitet read {accepted:.0f}"
    levels = one_table(prev, "Preventionsnivå", "Åtgärder", "Pågående")
    parties = one_table(page("uppfoljning"), "Ansvarig", "Åtgärder", "Pågående")
    for col in ("Åtgärder", "Planerade", "Pågående", "Genomförda", "Avbrutna"):
        a = sum(num(c) or 0 for c in levels.column(col) if c) if levels.find(col) is not None else None
        b = sum(num(c) or 0 for c in parties.column(col) if c) if parties.find(col) is not None else None
        assert a == b, f"{col}: {a} measures by level (preventionsnivaer) vs {b} by party (uppfoljning)"


def test_every_table_total_matches_its_parts(published_pages):
    """In every table of every page, a total row/column (and read = accepted + rejected, etc.) equals the
    sum of its parts where all are shown; with hidden parts the shown ones do not exceed it."""
    problems = []
    for name, p in published_pages.items():
        for t in p.tables:
            for (ti, tj), parts in t.relations():
                total = num(t.rows[ti][tj])
                cells = [t.rows[i][j] for i, j in parts]
                if total is None:
                    continue
                shown = sum(num(c) or 0 for c in cells)
                if all(num(c) is not None for c in cells):
                    if shown != total:
                        problems.append(f"{name} § {t.heading}: {t.headers[tj]} {t.rows[ti][0]!r} {total:.0f} != parts {shown:.0f}")
                elif shown + sum(c == "<5" for c in cells) > total:
                    problems.append(f"{name} § {t.heading}: {t.headers[tj]} {t.rows[ti][0]!r} {total:.0f} < shown parts")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------- follow-up, changes, email


def follow_up_summary(p):
    status = p.section("Status i korthet")
    sentence = re.search(r"Av (\d+) delmål är (\d+) på väg[^.]*\.", status)
    assert sentence, f"uppfoljning: no status sentence in 'Status i korthet': {status[:300]!r}"
    decisions = [i for i in p.section_items("Status i korthet") if re.match(r"M\d", i)]
    assert decisions, "uppfoljning: no decision lines under 'Beslut som behövs'"
    return sentence, decisions


def test_email_carries_the_follow_ups_status_and_decisions(page, published_mail):
    """The email's plain and HTML bodies hold uppfoljning.html's status sentence and decision lines, and the
    subject carries the status ("1 av 11 delmål på väg")."""
    sentence, decisions = follow_up_summary(page("uppfoljning"))
    for body, what in ((published_mail.text, "plain body"), (published_mail.html_text, "HTML body")):
        assert sentence.group(0) in body, f"the email's {what} lacks {sentence.group(0)!r}"
        for line in decisions:
            assert line in body, f"the email's {what} lacks the decision line {line!r}"
    assert f"{sentence.group(2)} av {sentence.group(1)} delmål på väg" in published_mail.subject, published_mail.subject


def test_change_verdicts_use_only_the_four_words(published_pages, published_mail):
    """Every change verdict reads "ökat", "minskat", "ingen säker förändring" or "ej mätbart" (with an
    optional "(jfr YEAR)"), on every page and in the email; "oförändrad" and "förbättras" appear nowhere."""
    bad = []
    for name, p in published_pages.items():
        for t in p.tables:
            for h in {t.headers[j] for j in (t.find(c) for c in CHANGE_HEADERS) if j is not None}:
                if h:
                    for cell in t.column(h):
                        word = verdict(cell)
                        if word not in VERDICTS | {"–", ""}:
                            bad.append(f"{name} § {t.heading} [{h}]: {cell!r}")
        for word in ("oförändrad", "förbättras"):
            if re.search(rf"\b{word}\b", p.text):
                bad.append(f"{name}: uses {word!r}")
    for word in ("oförändrad", "förbättras"):
        if re.search(rf"\b{word}\b", published_mail.text):
            bad.append(f"email: uses {word!r}")
    assert not bad, "\n".join(sorted(set(bad)))


def main_changes(p):
    text = p.section("Årets viktigaste förändringar")
    return re.findall(r"([A-ZÅÄÖ][^.]*? (ökade|minskade) från (" + NUM + r") till (" + NUM + r")[^.]*? mellan (\d{4}) och (\d{4}) \([^)]*\)\.)", text)


def test_main_changes_are_this_years_and_unique(page, published_year):
    """'Årets viktigaste förändringar' (situation picture and follow-up, the same list) holds only changes
    into the report year from the previous measurement, each subject once."""
    lists = {}
    for name in ("lagesbild", "uppfoljning"):
        found = main_changes(page(name))
        lists[name] = [f[0] for f in found]
        subjects = [f[0].split(f" {f[1]} ")[0] for f in found]
        assert len(subjects) == len(set(subjects)), f"{name}: a subject is listed twice: {subjects}"
        for sentence, _, _, _, y1, y2 in found:
            assert int(y2) == published_year.year, f"{name}: not this year's change: {sentence}"
            previous = published_year.year - 1 if "per 1 000" in sentence else None
            assert int(y1) != 2019 or previous == 2019, f"{name}: a change since the baseline, not this year's: {sentence}"
            if previous is not None:
                assert int(y1) == previous, f"{name}: {sentence}"
    assert lists["lagesbild"] == lists["uppfoljning"]


def test_follow_up_trend_agrees_with_the_main_changes(page):
    """A sub-goal whose indicator is among the year's main changes has the same direction as its trend
    ("minskade" <-> "minskat", "ökade" <-> "ökat")."""
    p = page("uppfoljning")
    goals = one_table(p, "Delmål", "Område", "Senaste värde (95 % KI)", "Utveckling sedan föregående mätning")
    for sentence, verb, _, to, _, _ in main_changes(p):
        area = re.search(r" i ([A-ZÅÄÖ][\wåäö]+) (?:ökade|minskade)", sentence)
        for g in goals.records():
            latest = g["Senaste värde (95 % KI)"].split(" (")[0].rstrip(" %")
            same_area = (g["Område"] == area.group(1)) if area else g["Område"].lower() == "hela kommunen"
            stems = {w[:8] for w in re.findall(r"[a-zåäö]{8,}", g["Delmål"].lower())}
            if same_area and latest == to and any(s in sentence.lower() for s in stems):
                word = verdict(g["Utveckling sedan föregående mätning"])
                assert word == {"ökade": "ökat", "minskade": "minskat"}[verb], (g["Delmål"], word, sentence)


def test_status_agrees_with_the_shown_interval(page):
    """The follow-up's status follows from the numbers shown beside it: "ej på väg" when the whole shown
    interval lies on the wrong side of the target (or its path), "på väg" on the right side, "risk" when
    the shown interval holds it."""
    goals = one_table(page("uppfoljning"), "Delmål", "Senaste värde (95 % KI)", "Mål", "Status", "Motivering")
    problems = []
    for g in goals.records():
        m = re.search(rf"\(({NUM}) ?%?–({NUM}) ?%?\)", g["Senaste värde (95 % KI)"])
        target = re.match(rf"(högst|minst) ({NUM})", g["Mål"])
        if not m or not target:
            continue
        lo, hi = num(m.group(1)), num(m.group(2))
        path = re.search(rf"\(({NUM}) ?%? år \d{{4}}\)", g["Motivering"])
        ref = num(path.group(1)) if path else num(target.group(2))
        wrong_side = lo > ref if target.group(1) == "högst" else hi < ref
        right_side = hi < ref if target.group(1) == "högst" else lo > ref
        status = g["Status"]
        if (status == "ej på väg" and not wrong_side) or (status == "på väg" and not right_side) or \
                (status == "risk" and (wrong_side or right_side)):
            problems.append(f"{g['Delmål'][:6]}: {g['Senaste värde (95 % KI)']} beside {g['Mål']} is '{status}'")
    assert not problems, "\n".join(problems)
