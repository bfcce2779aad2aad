"""The steering group's three answers in Swedish — *tryggare? var? rätt riktat?* — that open the
follow-up report (:func:`trygghet.reports.uppfoljning.answers_text`) and the email.

:func:`answers` words the frames of :mod:`trygghet.analysis.answers`. Each answer is a dict (what the
follow-up records as ``answers``, so the email says exactly what the page said)::

    {"key": "safer" | "where" | "aimed", "question": "Tryggare?",
     "parts": [[text, href or None], ...],   # the sentence in pieces; a piece with an href links
     "text": "…",                            # the pieces joined: the sentence as plain text
     "numbers": {...}}                       # the figures the sentence states, for checks

Links (``href``) point into the published year folder: ``lagesbild.html#…``, ``#…`` (this page) or
``brottskoncentrationer-alla.html#…``; :func:`absolute` turns them into addresses under
``reports_url`` for the email.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pandas as pd

from trygghet.analysis import answers as frames
from trygghet.analysis import coverage
from trygghet.analysis.indicators import definition
from trygghet.data.errors import DataError, ParameterError
from trygghet.reports import format as fmt
from trygghet.reports.maps import EMERGING_LABELS
from trygghet.reports.wording import join_sv

__all__ = ["QUESTIONS", "EVIDENCE", "anchor", "answers", "markdown", "absolute", "safer", "where", "aimed"]

#: the three questions, in the order the answers are shown
QUESTIONS = {"safer": "Tryggare?", "where": "Var?", "aimed": "Rätt riktat?"}
#: said instead of the hot spots when the store has no places, areas or measures to find them with
NO_HOTSPOT_DATA = "Hot spots kan inte beräknas: lagret saknar platser, områden eller åtgärder"
#: the hot-spot report the "where" answer points to (the run plan's job of all offences)
HOTSPOT_PAGE = "brottskoncentrationer-alla.html"
#: the page and heading each answer's evidence is under (a heading's id as nbconvert writes it)
EVIDENCE = {
    "key_figures": ("lagesbild.html", "Sammanfattning"),
    "main_changes": ("", "Årets viktigaste förändringar"),
    "hotspots": (HOTSPOT_PAGE, "Hot spots per område och situationella åtgärder"),
    "emerging": (HOTSPOT_PAGE, "Utvecklingen över åren (framväxande hot spots)"),
    "goals": ("", "Delmålen"),
    "events": ("lagesbild.html", "Planerade evenemang"),
}


def anchor(key: str) -> str:
    """The link to the evidence ``key`` of :data:`EVIDENCE`: ``page#id`` with the id nbconvert gives a
    heading (spaces as hyphens, percent-encoded UTF-8)."""
    page, heading = EVIDENCE[key]
    return f"{page}#{quote(heading.replace(' ', '-'), safe='-(),:')}"


def answers(store: str | Path | None, year: int, follow: pd.DataFrame, *, alpha: float = 0.05,
            max_changes: int = 8, distance: float = coverage.DEFAULT_DISTANCE,
            cell_size: float = coverage.DEFAULT_CELL_SIZE) -> list[dict]:
    """The three answers of ``year`` (see the module's docstring); ``follow`` is the follow-up frame the
    page shows, ``alpha``/``max_changes`` those of its main changes, ``distance``/``cell_size`` the
    hot-spot report's."""
    try:
        hot = frames.hotspot_coverage(store, year, cell_size=cell_size, distance=distance)
    except DataError:  # a store without places or measures: the answers say so instead of a count
        hot = None
    try:
        rising = frames.worsening_hotspots(store, cell_size=cell_size)
    except (DataError, ParameterError):  # fewer than two years of places: no trend to tell
        rising = None
    try:
        excess = frames.excess_events(store, year, alpha=alpha)
    except DataError:
        excess = pd.DataFrame(columns=frames.EVENT_COLUMNS)
    return [
        safer(frames.safer(store, year, alpha=alpha)),
        where(frames.worsened_areas(store, year, alpha=alpha, max_items=max_changes), hot, rising),
        aimed(hot, frames.uncovered_goals(follow, store, year), len(follow), excess, year, distance),
    ]


def safer(table: pd.DataFrame) -> dict:
    """"Tryggare? Delvis: av 4 nyckeltal för brott och trygghet har 1 blivit bättre (våldsbrott), …"."""
    names = {a: [_lower(n) for n in table.loc[table["assessment"] == a, "name"]] for a in
             ("improved", "worsened", "no_certain_change", "not_measurable")}
    better, worse, same, unknown = (names[k] for k in ("improved", "worsened", "no_certain_change", "not_measurable"))
    verdict = ("Delvis" if better and worse else "Ja" if better else "Nej" if worse else "Ingen säker förändring")
    if not (better or worse):
        text = (f"{verdict}: inget av de {len(table)} nyckeltalen för brott och trygghet ({join_sv(same + unknown)}) "
                "har blivit säkert bättre eller sämre sedan föregående mätning")
    else:
        moved = [f"{len(better)} blivit bättre ({join_sv(better)})"] if better else []
        moved += [f"{len(worse)} blivit sämre ({join_sv(worse)})"] if worse else []
        rest = [f"{len(same)} visar ingen säker förändring"] if same else []
        rest += [f"{len(unknown)} kan inte jämföras"] if unknown else []
        text = (f"{verdict}: av {len(table)} nyckeltal för brott och trygghet har {join_sv(moved)} sedan "
                "föregående mätning" + (f"; {join_sv(rest)}" if rest else ""))
    parts = [[text + " (", None], ["nyckeltalen i lägesbilden", anchor("key_figures")], [").", None]]
    return _answer("safer", parts, {"indicators": len(table), "improved": len(better), "worsened": len(worse),
                                    "no_certain_change": len(same), "not_measurable": len(unknown)})


def where(worsened: pd.DataFrame, hot: pd.DataFrame | None, rising: pd.DataFrame | None = None) -> dict:
    """"Var? Sämre i år: Centrum (våldsbrott). Brotten är koncentrerade till 223 hot spot-rutor, flest i …
    Över åren har 1 ruta blivit sämre: sammanhängande hot spot (Hertsön: 1)." (``rising``: the frame of
    :func:`trygghet.analysis.answers.worsening_hotspots`; ``None`` leaves the last sentence out)."""
    by_area: dict[str, list[str]] = {}
    for r in worsened.itertuples(index=False):
        by_area.setdefault(str(r.area), []).append(_lower(definition(str(r.indicator))["name_sv"]))
    if by_area:
        listing = join_sv([f"{a} ({join_sv(v)})" for a, v in by_area.items()])
        first = [[f"Sämre i år: {listing} (", None], ["årets säkra förändringar", anchor("main_changes")], ["). ", None]]
    else:
        first = [["Inget område har blivit säkert sämre i år (", None],
                 ["årets säkra förändringar", anchor("main_changes")], ["). ", None]]
    cells = int(hot["cells"].sum()) if hot is not None and len(hot) else 0
    if hot is None:
        second = [[NO_HOTSPOT_DATA + " (", None], ["hot spot-rapporten", anchor("hotspots")], [").", None]]
    elif cells:
        top = hot.sort_values(["cells", "area"], ascending=[False, True]).head(3)
        second = [[f"Brotten är koncentrerade till {cells} hot spot-rutor, flest i "
                   + join_sv([f"{_area(a)} ({n})" for a, n in zip(top["area"], top["cells"])]) + " (", None],
                  ["hot spot-rapporten", anchor("hotspots")], [").", None]]
    else:
        second = [["Inga signifikanta hot spots i år (", None], ["hot spot-rapporten", anchor("hotspots")], [").", None]]
    third: list[list] = []
    rising_cells = int(rising["cells"].sum()) if rising is not None and len(rising) else 0
    if rising is not None:
        if rising_cells:
            kinds = [f"{EMERGING_LABELS[c].lower()} ("
                     + ", ".join(f"{_area(a)}: {int(n)}" for a, n in zip(g["area"].fillna(coverage.OUTSIDE_AREAS), g["cells"]))
                     + ")" for c, g in rising.groupby("category", sort=False)]
            third = [[f" Över åren har {rising_cells} {'ruta' if rising_cells == 1 else 'rutor'} blivit sämre: "
                      f"{join_sv(kinds)} (", None]]
        else:
            third = [[" Ingen ruta har blivit en ny, sammanhängande eller tilltagande hot spot över åren (", None]]
        third += [["utvecklingen över åren", anchor("emerging")], [").", None]]
    return _answer("where", first + second + third, {"areas_worsened": len(by_area), "worsened_changes": len(worsened),
                                                     "hotspot_cells": cells, "hotspot_cells_worsening": rising_cells})


def aimed(hot: pd.DataFrame | None, goals: pd.DataFrame, n_goals: int, excess: pd.DataFrame, year: int,
          distance: float = coverage.DEFAULT_DISTANCE) -> dict:
    """"Rätt riktat? 159 av 223 hot spot-rutor saknar en situationell åtgärd inom 300 m; 4 av 11 delmål …"."""
    cells = int(hot["cells"].sum()) if hot is not None and len(hot) else 0
    uncovered = int(hot["uncovered"].sum()) if hot is not None and len(hot) else 0
    parts: list[list] = []
    if cells:
        worst = hot[hot["uncovered"] > 0].head(1)
        most = (f", flest i {_area(worst['area'].iloc[0])} ({int(worst['uncovered'].iloc[0])})" if len(worst) else "")
        parts += [[f"{uncovered} av {cells} hot spot-rutor saknar en situationell åtgärd inom "
                   f"{fmt.number(distance, 0)} m{most} (", None], ["hot spot-rapporten", anchor("hotspots")], ["); ", None]]
    ids = [str(g) for g in goals["subgoal_id"]]
    if ids:
        parts += [[f"{len(ids)} av {n_goals} delmål har ingen åtgärd i planen som siktar på indikatorn "
                   f"({', '.join(ids)}; ", None], ["delmålen", anchor("goals")], [")", None]]
    else:
        parts += [[f"alla {n_goals} delmål har en åtgärd i planen (", None], ["delmålen", anchor("goals")], [")", None]]
    for ev in excess.itertuples(index=False):
        plan = ev.measures.split(",") if ev.measures else []
        if not plan:
            does = "ingen åtgärd i planen gäller evenemanget"
        elif ev.measures_active:
            does = f"planens åtgärd för evenemanget ({', '.join(plan)}) är aktiv {year}"
        else:
            does = f"planens åtgärd för evenemanget ({', '.join(plan)}) är inte aktiv {year}"
        parts += [[f"; under {ev.name} var våldsbrotten per dag {fmt.number(ev.ratio, 1)} gånger fler "
                   f"(95 % KI {fmt.number(ev.lower, 1)}–{fmt.number(ev.upper, 1)}) än samma veckodagar runt omkring "
                   f"och {does} (", None], ["evenemangen", anchor("events")], [")", None]]
    parts[0][0] = parts[0][0][0].upper() + parts[0][0][1:]
    parts.append([".", None])
    return _answer("aimed", parts, {"hotspot_cells": cells, "hotspot_cells_uncovered": uncovered,
                                    "goals": int(n_goals), "goals_without_measure": len(ids),
                                    "events_with_excess": len(excess)})


def markdown(items: list[dict]) -> str:
    """The answers as the page shows them: one paragraph each, the question bold, the links live."""
    out = []
    for a in items:
        body = "".join(f"[{_md(t)}]({h})" if h else _md(t) for t, h in a["parts"])
        out.append(f"**{a['question']}** {body}")
    return "\n\n".join(out)


def absolute(href: str, base: str | None, page: str = "uppfoljning.html") -> str | None:
    """An answer's ``href`` as an address under ``base`` (the year's published folder), or ``None``
    without a base; ``#id`` links point into ``page``."""
    if not base:
        return None
    return base.rstrip("/") + "/" + (page + href if href.startswith("#") else href)


def _answer(key: str, parts: list[list], numbers: dict) -> dict:
    return {"key": key, "question": QUESTIONS[key], "parts": parts, "text": "".join(t for t, _ in parts),
            "numbers": numbers}


def _lower(name: str) -> str:
    name = str(name)
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _area(a) -> str:
    return "områden utanför" if a == coverage.OUTSIDE_AREAS else str(a)


def _md(text: str) -> str:
    return text.replace("_", "\\_").replace("*", "\\*").replace("[", "\\[").replace("]", "\\]")
