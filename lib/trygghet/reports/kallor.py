"""Källor och deras begränsningar: the situation picture's section on its sources (Brå asks a lägesbild
to say which sources were used or left out and what each cannot show).

One row per source of the data contract: what it shows, what of it this store holds (years, rows read
and rejected, from the ingest's own report) or that it was not delivered, and its limitations in plain
Swedish. Called by :mod:`trygghet.reports.lagesbild`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.data.errors import DataError
from trygghet.data.store import TABLES, read_json, store_info
from trygghet.reports import format as fmt

__all__ = ["SOURCES", "sources_display", "sources_table"]

#: store table -> (source, what it shows, its limitations); in the order the situation picture uses them
SOURCES = {
    "offences": (
        "Polisens anmälda brott", "Kartläggningen: brottens antal, slag, plats och tid.",
        "Visar bara brott som anmäls: mörkertalet är stort för till exempel våld i nära relationer, hot och "
        "skadegörelse, och anmälningsbenägenheten kan ändras. Narkotika- och trafikbrott speglar mest polisens "
        "egna insatser. Ungefär vart femte brott saknar plats. Inbrott och skadegörelse upptäcks ofta i efterhand, "
        "så tidpunkten är osäker. Brott räknas där de sker: i Centrum drabbas många som inte bor där."),
    "population": (
        "Befolkning per område", "Nämnaren i brott per 1 000 invånare.",
        "Invånare per område och år; besökare, pendlare och studenter som inte är skrivna i kommunen räknas inte."),
    "kolada": (
        "Kolada (RKA): Brås och SCB:s statistik per kommun", "Jämförelsen med länet, liknande kommuner och riket samma år.",
        "Hämtas med kommandot trygghet fetch; Kolada räknar brott efter anmälningsår och brottsplats per invånare den 31 december, "
        "så talen kan skilja något från arbetsbokens egna (se datakvalitetsrapporten). Senaste årets siffror kan vara "
        "preliminära. Gruppen liknande kommuner är Koladas och dess värde är ett ovägt medelvärde."),
    "bra_offences": (
        "Brås statistikdatabas över anmälda brott", "Brås officiella antal anmälda brott i kommunen bredvid polisens uttag.",
        "Tas in som export med kommandot trygghet fetch --bra-export. Brå räknar brott det år de anmäldes och i den "
        "kommun där de begicks; senaste årets siffror kan vara preliminära. Våldsbrott jämförs bara när exporten "
        "har brottskoder."),
    "survey": (
        "Trygghetsmätningen", "Konsekvenserna: otrygghet, oro, utsatthet, förtroende och problem i området.",
        "Görs vissa år, inte varje år. Svarsfrekvensen är långt under 100 % och de som svarar kan skilja sig "
        "från dem som inte svarar (vikterna rättar bara delvis för det). Resultat från färre än 30 "
        "svarande visas inte."),
    "youth_survey": (
        "Ungdomsenkäten", "Kommunens bild: risk- och skyddsfaktorer bland unga.",
        "Bara årskurs 9 och gymnasiet år 2, och bara de som var i skolan den dagen: unga med hög frånvaro, "
        "ofta de med flest riskfaktorer, saknas. Svaren är självrapporterade."),
    "municipal_incidents": (
        "Kommunens händelserapporter", "Kommunens bild: skadegörelse, klotter och bränder vid kommunal egendom.",
        "Gäller bara kommunens fastigheter, och hur mycket som rapporteras beror på verksamhetens rutiner."),
    "young_suspects": (
        "Polisens sammanställning av unga misstänkta", "Kommunens och polisens bild av unga som begår brott.",
        "En misstanke är inte en dom. Polisen lämnar antal under 5 tomma."),
    "est_reports": (
        "EST-rapporter (effektiv samordning för trygghet)", "Annan relevant information: vad personal ser varje vecka.",
        "Iakttagelser, inte brott. Hur ofta och hur mycket som rapporteras skiljer mellan organisationer och "
        "veckor; fler rapporter kan betyda fler rapportörer."),
    "safety_walks": (
        "Trygghetsvandringar", "Brister i den fysiska miljön och om de åtgärdas.",
        "Görs i några områden per år; vad som hittas beror på vilka som går och vilken väg."),
    "events": (
        "Planerade evenemang", "Årshjulet och evenemangens effekt på brotten.",
        "Bara de evenemang som förts in i listan."),
    "measures": (
        "Verksamhetsplanens åtgärder", "Åtgärdsplanen: åtgärder per preventionsnivå och de problem de svarar mot.",
        "Beslut och planer; att en åtgärd finns säger inte att den fungerar."),
    "problems": (
        "Problemregistret", "Analysen: de problem som styrgruppen har beslutat att arbeta mot, med underlag.",
        "Orsaksanalysen är arbetsgruppernas; registret anger underlaget i ord."),
}


#: tables whose rows are offences, answers or observations about people: their row counts pass the gate
_ABOUT_PEOPLE = frozenset({"offences", "survey", "youth_survey", "municipal_incidents", "est_reports"})


def sources_display(store: str | Path | None) -> pd.DataFrame:
    """The sources as a table: ``Källa``, ``Används till``, ``I underlaget`` (years and rows read,
    rows rejected, or "levererades inte"), ``Begränsningar``. Only tables the store knows are listed."""
    info = store_info(store)
    years = info.get("years", {})
    tables = info.get("tables", {})
    read = _rows_by_table(store)
    rows = []
    for table, (name, use, limits) in SOURCES.items():
        if table not in TABLES:
            continue
        n = int(tables.get(table, {}).get("rows", 0))
        if n == 0:
            held = "Levererades inte; ingår inte i lägesbilden."
        else:
            ys = sorted(int(y) for y in years.get(table, []))
            span = (f"{ys[0]}–{ys[-1]}" if len(ys) > 1 and ys[-1] - ys[0] == len(ys) - 1 else ", ".join(map(str, ys))) if ys else ""
            rejected = read.get(table, 0)
            rows_text = fmt.count(n) if table in _ABOUT_PEOPLE else fmt.number(n, 0)
            held = ((f"{span}; " if span else "") + f"{rows_text} rader"
                    + (f" ({fmt.count(rejected)} avvisade, se datakvalitetsrapporten)" if rejected else ""))
        rows.append({"Källa": name, "Används till": use, "I underlaget": held, "Begränsningar": limits})
    return pd.DataFrame(rows, columns=["Källa", "Används till", "I underlaget", "Begränsningar"])


def sources_table(store: str | Path | None):
    """:func:`sources_display` as a table."""
    return fmt.table(sources_display(store), caption="Källorna i lägesbilden och deras begränsningar")


def _rows_by_table(store) -> dict[str, int]:
    """Rows rejected per store table, from the ingest's report."""
    try:
        report = read_json(store, "ingest_report.json")
    except DataError:  # an older store without the report: say nothing about rejects
        return {}
    out: dict[str, int] = {}
    for f in report.get("files", []):
        out[f.get("table")] = out.get(f.get("table"), 0) + int(f.get("rows_rejected") or 0)
    return out
