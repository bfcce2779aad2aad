"""Jämförelser med öppen statistik: the municipality beside its county, similar municipalities and the country
for the same years (Kolada), the workbook's own indicators beside the same key figure in Kolada, and Brå's
official count of reported offences beside the police extract's own count.

The situation picture shows :func:`benchmark_chart` (one key figure per chart, the source and its update date
under the chart), :func:`benchmark_table` and :func:`benchmark_note`; the data-quality report shows
:func:`kolada_check_table` and :func:`kolada_check_note`. Brå: :func:`bra_table` (situation picture),
:func:`bra_check_table` and :func:`bra_check_note` (data-quality report). The numbers come from
:mod:`trygghet.analysis.benchmarks` and :mod:`trygghet.analysis.bra_check`; every Swedish word is here.
Without downloaded statistics (no ``trygghet fetch``) each function says so in one sentence instead of failing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from trygghet.analysis import benchmarks, bra_check, disclosure, indicators
from trygghet.reports import format as fmt
from trygghet.reports import plots

__all__ = [
    "BRA_MEASURES",
    "KPI_NAMES",
    "REGION_LABELS",
    "benchmark_chart",
    "benchmark_display",
    "benchmark_note",
    "benchmark_table",
    "bra_check_note",
    "bra_check_table",
    "bra_display",
    "bra_source_line",
    "bra_table",
    "kolada_check_display",
    "kolada_check_note",
    "kolada_check_table",
    "source_line",
]

#: how each region kind is named on the page (the municipality by its own name)
REGION_LABELS = {"län": "Länet", "liknande": "Liknande kommuner", "riket": "Riket"}
#: short Swedish names of Kolada's key figures (Kolada's own title is shown in the table)
KPI_NAMES = {
    "N07403": "Anmälda våldsbrott per 100 000 invånare",
    "N07540": "Anmälda brott totalt per 100 000 invånare",
    "N07546": "Anmälda bostadsinbrott per 100 000 invånare",
    "N07544": "Anmälda narkotikabrott per 100 000 invånare",
    "U07452": "Anmälda skadegörelsebrott per 100 000 invånare",
    "U07417": "Anmälda stöld- och tillgreppsbrott per 100 000 invånare",
    "N07617": "Oroar sig för bostadsinbrott (NTU), andel (%)",
}
_NONE = ("Ingen jämförelse med öppen statistik: datalagret saknar nedladdade värden från Kolada. "
         "Kör `trygghet fetch` och läs in igen (`trygghet ingest`).")


def _label(row_kind: str, name: str | None) -> str:
    if row_kind == "kommun":
        return str(name)
    label = REGION_LABELS.get(row_kind, str(name))
    return f"{label} ({name})" if row_kind == "län" and name else label


def _kpi_name(store, kpi: str) -> str:
    return KPI_NAMES.get(kpi) or benchmarks.kpi_source(store, kpi).get("title") or kpi


def source_line(store: str | Path | None, kpi: str) -> str:
    """The line under a chart: Kolada, the key figure, Kolada's update date and the download date (and that
    the values are demo data, when they are)."""
    src = benchmarks.kpi_source(store, kpi)
    if not src:
        return f"Kolada, nyckeltal {kpi}"
    updated = fmt.date(src["source_updated"]) if src.get("source_updated") else "okänt datum"
    fetched = fmt.date(str(src["fetched_at"])[:10]) if src.get("fetched_at") else "okänt datum"
    text = f"Kolada (RKA), nyckeltal {kpi}, uppdaterat {updated}, hämtat {fetched}"
    if src.get("demo"):
        text += " (demodata i Koladas format)"
    return text


def benchmark_display(store: str | Path | None, year: int, kpi: str) -> pd.DataFrame:
    """The chart's rows: ``year``, ``value``, ``Område`` (the municipality, the county, similar municipalities,
    the country), only the municipality's years up to ``year``."""
    table = benchmarks.benchmark(store, kpi, years=list(range(1990, int(year) + 1)))
    table = table.assign(Område=[_label(k, n) for k, n in zip(table["region_kind"], table["region_name"])])
    return table[["year", "value", "Område", "region_kind", "status"]]


def benchmark_chart(store: str | Path | None, year: int, kpi: str = "N07403"):
    """One key figure over the years: the municipality, its county, similar municipalities and the country,
    same years only, with the source and Kolada's update date under the chart."""
    table = benchmark_display(store, year, kpi)
    if table.empty:
        return Markdown(_NONE)
    first, last = int(table["year"].min()), int(table["year"].max())
    decimals = 0 if table["value"].abs().max() >= 100 else 1
    return plots.trend_chart(table.dropna(subset=["value"]), hue="Område",
                             title=f"{_kpi_name(store, kpi)}, {first}–{last}", ylabel=_unit(kpi),
                             source=source_line(store, kpi), decimals=decimals, band=False)


def benchmark_table(store: str | Path | None, year: int):
    """Every downloaded key figure in the latest year up to ``year`` that the municipality has: the
    municipality, the county, similar municipalities and the country for that same year, the municipality's
    women and men where Kolada splits the figure by gender, and the source's update date."""
    kpis = benchmarks.benchmark_kpis(store)
    split = pd.concat([benchmarks.kolada_values(store, g) for g in ("K", "M")], ignore_index=True)
    rows = []
    for kpi in kpis:
        t = benchmark_display(store, year, kpi)
        if t.empty:
            continue
        latest = int(t["year"].max())
        at = t.loc[t["year"] == latest].set_index("region_kind")
        src = benchmarks.kpi_source(store, kpi)
        row = {"Nyckeltal": _kpi_name(store, kpi), "Id": kpi, "year": latest}
        for kind in benchmarks.REGION_ORDER:
            header = "Kommunen" if kind == "kommun" else REGION_LABELS[kind]
            row[header] = _value(at["value"].get(kind), at["status"].get(kind))
        row["Kvinnor / män i kommunen"] = _by_gender(split, kpi, latest)
        row["Uppdaterat i Kolada"] = fmt.date(src["source_updated"]) if src.get("source_updated") else fmt.MISSING
        rows.append(row)
    if not rows:
        return Markdown(_NONE)
    shown = pd.DataFrame(rows)
    if (shown["Kvinnor / män i kommunen"] == fmt.MISSING).all():
        shown = shown.drop(columns=["Kvinnor / män i kommunen"])  # no key figure is split by gender
    return fmt.table(shown)


def benchmark_note(store: str | Path | None) -> Markdown:
    """Where the benchmarks come from: Kolada's terms, the group of similar municipalities, the download."""
    kpis = benchmarks.benchmark_kpis(store)
    if not kpis:
        return Markdown(_NONE)
    src = benchmarks.kpi_source(store, kpis[0])
    group = src.get("group") or {}
    parts = ["Värdena kommer från Kolada (Rådet för främjande av kommunala analyser, RKA), som hämtar "
             "brottsstatistiken från Brå och befolkningen från SCB. Alla linjer och kolumner gäller samma år; "
             "saknas ett värde för ett år visas inget i stället för ett annat års värde."]
    if group.get("title"):
        members = ", ".join(m for m in group.get("members") or [])
        parts.append(f"*Liknande kommuner* är Koladas grupp \"{group['title']}\"" + (f" ({members})" if members else "")
                     + "; gruppens värde är ett ovägt medelvärde av kommunernas.")
    parts.append("Kolada räknar per invånare den 31 december och efter brottsplats; arbetsbokens egna tal "
                 "kan därför skilja något (se rapporten Datakvalitet). " + (src.get("licence") or "Källa: Kolada."))
    if src.get("demo"):
        parts.append("**Demodata:** filerna har Koladas format men värdena är påhittade, utom Luleås våldsbrott "
                     "2019–2022 och rikets 2022 som är Koladas publicerade värden.")
    return Markdown(" ".join(parts))


def kolada_check_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """The workbook's own value beside Kolada's for every indicator with a Kolada key figure, the years up to
    ``year``: ``Indikator``, ``Nyckeltal``, ``Per`` (Kolada's scale), ``year``, ``Arbetsboken``, ``Kolada``,
    ``Skillnad`` (text, Kolada's precision), ``Skillnad (%)``, ``Bedömning`` ("inom avrundning" or "skiljer")."""
    check = benchmarks.local_vs_kolada(store, years=list(range(1990, int(year) + 1)))
    names = {d["id"]: d["name_sv"] for d in indicators.definitions().to_dict("records")}
    digits = [0 if s == 100000 else 1 for s in check["scale"]]  # Kolada's own precision
    return pd.DataFrame({
        "Indikator": check["indicator"].map(names),
        "Nyckeltal": check["kpi"],
        "Per": ["100 000 inv." if s == 100000 else "1 000 inv." for s in check["scale"]],
        "year": check["year"],
        "Arbetsboken": [_rounded(v, d) for v, d in zip(check["local"], digits)],
        "Kolada": [_rounded(v, d) for v, d in zip(check["kolada"], digits)],
        "Skillnad": [_rounded(v, d) for v, d in zip(check["difference"], digits)],
        "Skillnad (%)": check["relative"],
        "Bedömning": ["inom avrundning" if ok else "skiljer" for ok in check["within_rounding"]],
    })


def kolada_check_table(store: str | Path | None, year: int):
    """:func:`kolada_check_display` as the page's table (per Kolada's own scale)."""
    shown = kolada_check_display(store, year)
    if shown.empty:
        return Markdown("Ingen jämförelse med Kolada: datalagret saknar nedladdade värden (kör `trygghet fetch`), "
                        "eller så har inga av arbetsbokens indikatorer samma år som Kolada.")
    return fmt.table(shown, percent_cols=["Skillnad (%)"], percent_decimals=1)


def kolada_check_note(store: str | Path | None, year: int) -> Markdown:
    """One paragraph: how many comparisons differ beyond rounding, and the usual reasons."""
    shown = kolada_check_display(store, year)
    if shown.empty:
        return Markdown("")
    differ = shown.loc[shown["Bedömning"] == "skiljer"]
    n, k = len(shown), len(differ)
    if k == 0:
        head = f"Alla {n} jämförelser stämmer med Kolada inom avrundningen."
    else:
        worst = differ.loc[differ["Skillnad (%)"].abs().idxmax()]
        head = (f"{k} av {n} jämförelser skiljer mer än avrundningen; störst är {worst['Indikator'].lower()} "
                f"{int(worst['year'])} ({fmt.percent(worst['Skillnad (%)'], 1)}).")
    return Markdown(head + " Vanliga skäl: Kolada räknar brotten efter anmälningsår och brottsplats enligt Brå och "
                    "per invånare den 31 december, medan arbetsboken räknar brott som började under året i "
                    "polisens uttag och befolkningen i kommunens fil; Brås siffror för senaste året kan vara "
                    "preliminära. En stor skillnad kan också betyda att uttaget saknar brott eller har dubbletter.")


def _unit(kpi: str) -> str:
    name = KPI_NAMES.get(kpi, "")
    if "100 000" in name:
        return "per 100 000 invånare"
    if "1 000" in name:
        return "per 1 000 invånare"
    return "procent" if "%" in name else "värde"


def _by_gender(split: pd.DataFrame, kpi: str, year: int) -> str:
    """"women / men" of the municipality where Kolada splits the key figure by gender, else "–"."""
    at = split.loc[(split["kpi"] == kpi) & (split["year"] == year) & (split["region_kind"] == "kommun")]
    values = {g: at.loc[at["gender"] == g, "value"] for g in ("K", "M")}
    if any(v.empty or v.isna().all() for v in values.values()):
        return fmt.MISSING
    return " / ".join(_value(float(values[g].iloc[0]), None) for g in ("K", "M"))


def _rounded(value: float, decimals: int) -> str:
    return fmt.number(round(float(value), decimals) + 0.0, decimals)  # + 0.0: never "-0"


def _value(value, status) -> str:
    if value is None or pd.isna(value):
        return fmt.MISSING
    text = fmt.number(value, 0 if abs(value) >= 100 else 1)
    return f"{text} ({status})" if isinstance(status, str) and status else text


#: how the compared measures of Brå's count are named on the page
BRA_MEASURES = {"alla": "Alla anmälda brott", "vald": "Våldsbrott (Brås definition)"}
_BRA_NONE = ("Ingen jämförelse med Brås statistik: datalagret saknar en export från Brås statistikdatabas. "
             "Ta in en export med `trygghet fetch --bra-export FIL` och läs in igen (`trygghet ingest`).")
_LOCAL = "Polisens uttag"


def bra_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """Brå's yearly count beside the extract's, the years up to ``year``: ``Brott``, ``year``, ``Brå``,
    ``Brå per 100 000 inv.``, ``Polisens uttag`` (offences reported that year), ``Skillnad``,
    ``Skillnad (%)``, ``Bedömning`` ("inom marginalen" or "skiljer"). The extract's count of 1–4 and its
    difference are hidden ("<5", "–")."""
    check = bra_check.local_vs_bra(store, years=list(range(1990, int(year) + 1)))
    hide = [disclosure.suppress_value(v) for v in check["local"]]
    return pd.DataFrame({
        "Brott": check["measure"].map(BRA_MEASURES),
        "year": check["year"],
        "Brå": [f"{fmt.number(v, 0)} (prel.)" if p else v for v, p in zip(check["bra"], check["preliminary"])],
        "Brå per 100 000 inv.": check["bra_per_100k"],
        _LOCAL: check["local"],
        "Skillnad": [fmt.MISSING if h else v for v, h in zip(check["difference"], hide)],
        "Skillnad (%)": [pd.NA if h else v for v, h in zip(check["relative"], hide)],
        "Bedömning": ["inom marginalen" if ok else "skiljer" for ok in check["within_tolerance"]],
    })


def bra_source_line(store: str | Path | None) -> str:
    """The line under the Brå tables: Brå's database, the exports' latest year and download date (and that
    the values are demo data, when they are)."""
    sources = bra_check.bra_source(store)
    text = "Källa: Brå, statistikdatabasen över anmälda brott"
    if not sources:
        return text + "."
    latest = max((str(s["source_updated"]) for s in sources if s.get("source_updated")), default=None)
    fetched = max((str(s["fetched_at"])[:10] for s in sources if s.get("fetched_at")), default=None)
    parts = [f"uttag till och med {latest}" if latest else None, f"hämtat {fmt.date(fetched)}" if fetched else None]
    text += " (" + ", ".join(p for p in parts if p) + ")" if any(parts) else ""
    return text + (". Demodata i Brås format." if any(s.get("demo") for s in sources) else ".")


def bra_table(store: str | Path | None, year: int):
    """Brå's official count of reported offences per year beside the police extract's count (situation
    picture), with the source under it."""
    shown = bra_display(store, year)
    if shown.empty:
        return Markdown(_BRA_NONE)
    return fmt.table(shown.drop(columns=["Bedömning"]), count_cols=[_LOCAL], by=["Brott", "year"],
                     within=["Brott", "year"], secondary=False, percent_cols=["Skillnad (%)"], percent_decimals=1,
                     decimals=0, caption=bra_source_line(store))


def bra_check_table(store: str | Path | None, year: int):
    """:func:`bra_display` with its verdict (data-quality report)."""
    shown = bra_display(store, year)
    if shown.empty:
        return Markdown(_BRA_NONE)
    return fmt.table(shown, count_cols=[_LOCAL], by=["Brott", "year"], within=["Brott", "year"], secondary=False,
                     percent_cols=["Skillnad (%)"], percent_decimals=1, decimals=0, caption=bra_source_line(store))


def bra_check_note(store: str | Path | None, year: int) -> Markdown:
    """One paragraph: the margin, how many years differ beyond it, and the usual reasons."""
    shown = bra_display(store, year)
    if shown.empty:
        return Markdown("")
    margin = (f"Marginalen är {fmt.percent(bra_check.TOLERANCE, 0)} av Brås antal, dock minst "
              f"{bra_check.MIN_DIFFERENCE} brott (Brås preliminära och slutliga siffror har skilt mindre än "
              "0,5 procent).")
    differ = shown.loc[shown["Bedömning"] == "skiljer"]
    if differ.empty:
        head = f"Polisens uttag stämmer med Brås statistik inom marginalen alla {len(shown)} jämförda år."
    else:
        years = ", ".join(f"{b[:1].lower()}{b[1:]} {int(y)}" for b, y in zip(differ["Brott"], differ["year"]))
        head = f"{len(differ)} av {len(shown)} jämförelser skiljer mer än marginalen: {years}."
    return Markdown(head + " " + margin + " Brå räknar brotten det år de anmäldes och i den kommun där de begicks; "
                    "uttaget räknas här efter anmälningsdatum. En större skillnad kan betyda att uttaget saknar "
                    "brott, har dubbletter eller att brott har fått en annan brottskod sedan uttaget gjordes.")
