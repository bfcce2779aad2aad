"""Writes the report notebooks in notebooks/ (outputs empty). Kept so the six reports share one
structure; analysts may also edit the notebooks in JupyterLab and commit them (outputs stripped)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
COMMON = '''year: int = 2025  # report year: offences of this year, survey rounds up to it
store: str = "../data/store"  # folder of the ingested store (trygghet ingest data/raw --out ...)
lang: str = "sv"  # report language: "sv"; "en" adds English names in the indicator appendix'''
SETUP = '''from trygghet import activity_plan, disclosure, hotspots, indicators, maps, plots, quality
from trygghet import format as fmt
from trygghet import situation_picture as sp
from trygghet import store as tstore

sp.start_report(store, year, lang)'''


def md(text: str):
    return new_markdown_cell(text.strip())


def code(text: str):
    return new_code_cell(text.strip())


def notebook(cells: list, params: str) -> nbformat.NotebookNode:
    p = new_code_cell(params.strip())
    p.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[cells[0], p, code(SETUP)] + cells[1:])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (trygghet)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def datakvalitet():
    return notebook([
        md("""# Datakvalitet

**Vad rapporten är till för:** att visa hur komplett och tillförlitligt underlaget till årets lägesbild är —
vad som lästes in, vad som avvisades och varför, brott som saknar plats eller ligger utanför kommunen,
okända brottskoder, svarsfrekvensen i enkäterna och befolkningsunderlaget.

**Vem läser den:** beredningsgruppen och analytikerna (kommunpolisen och kommunens brottsförebyggande
samordnare), innan siffrorna i de andra rapporterna används."""),
        md("## Inläsning: vad lästes in och vad avvisades"),
        code('fmt.table(quality.ingest_overview_display(store), headers=quality.HEADERS_SV)'),
        md("""Varje rad i källfilerna är antingen godkänd eller avvisad: *lästa = godkända + avvisade* gäller för varje fil.
Avvisade rader finns med fil, radnummer och skäl i `rejects.csv` i datalagret (visas inte här, eftersom
raderna kan innehålla uppgifter om enskilda brott)."""),
        md("## Avvisade rader och skäl"),
        code('fmt.table(quality.reject_reasons(store), headers=quality.HEADERS_SV, count_cols=["n"])'),
        md("## Brott utan plats eller utanför kommunen"),
        code('fmt.table(quality.place_coverage_display(store), headers=quality.HEADERS_SV, percent_cols=["share_mapped"])'),
        md("""Brott utan plats (till exempel bedrägerier och brott på internet) räknas i alla totaler och i alla
tal per 1 000 invånare; bara kartorna lämnar dem utanför. Brott med en plats utanför kommunen och
koordinater i omvänd ordning är fynd om datakvaliteten som bör återkopplas till den som levererar uttaget."""),
        md("## Okända brottskoder"),
        code('fmt.table(quality.unknown_codes(store), headers=quality.HEADERS_SV, count_cols=["n"])'),
        md("""Okända koder behålls och räknas i kategorin *okänd*. Lägg till koden i kodlistan
(`lib/trygghet/resources/brottskoder.csv`) för att ge den en analyskategori."""),
        md("## Trygghetsmätningen: svarande per område"),
        code('fmt.table(quality.response_table(store, "survey"))'),
        md("## Ungdomsenkäten: svarande elever per område"),
        code('fmt.table(quality.response_table(store, "youth_survey"))'),
        md(f"""Resultat redovisas inte för grupper med färre än 30 svarande; sådana celler visas som \"–\" i de andra rapporterna."""),
        md("## Befolkningsunderlag"),
        code('fmt.table(quality.population_coverage(store), headers=quality.HEADERS_SV)'),
        md("""Tal per 1 000 invånare använder befolkningen samma år och i samma område. Ett år utan befolkning
för alla områden ger inga tal per område det året."""),
    ], COMMON)


def lagesbild():
    return notebook([
        md("""# Samlad lägesbild

**Vad rapporten är till för:** årets samlade lägesbild av brottsligheten och den upplevda tryggheten i
Luleå, byggd av polisens och kommunens bilder, som underlag för den gemensamma verksamhetsplanen på alla
preventionsnivåer.

**Vem läser den:** beredningsgruppen (prioriterar och samordnar), styrgruppen (beslutar verksamhetsplanen)
och arbetsgrupperna.

Alla tal redovisas med 95 % konfidensintervall. En förändring kallas *säker* bara när ett statistiskt test
visar den; antal 1–4 visas som \"<5\" och resultat från färre än 30 svarande visas inte."""),
        md("## Sammanfattning"),
        code('fmt.table(sp.panel_display(sp.panel(store, sp.KEY_INDICATORS, year)))'),
        md("### Årets viktigaste förändringar"),
        code('sp.changes_text(store, year)'),
        md("""Texten tar bara med förändringar som är statistiskt säkra efter korrigering för många jämförelser
(Benjamini–Hochberg), jämfört med föregående mätning och med utgångsåret 2019."""),
        md("## Brottsutvecklingen per kategori"),
        code('trends = sp.category_trends(store, until=year)'),
        code('plots.small_multiples(trends, facet="name", title="Anmälda brott per 1 000 invånare efter kategori, 2019–" + str(year), ylabel="per 1 000 invånare", source="Polisen, anmälda brott; SCB/kommunen, befolkning")'),
        code('fmt.table(sp.category_table(trends), caption="Antal anmälda brott per kategori och år")'),
        md("## Områdena jämförda"),
        code('violence, whole = sp.area_comparison(store, "vald", year)'),
        code('plots.interval_chart(violence, title=f"Våldsbrott per 1 000 invånare per område {year}", xlabel="per 1 000 invånare", source="Polisen, anmälda brott; befolkning per område", reference=whole, reference_label="Hela kommunen (brott med plats)")'),
        code('crime, whole = sp.area_comparison(store, "brott_totalt", year)'),
        code('plots.interval_chart(crime, title=f"Anmälda brott per 1 000 invånare per område {year}", xlabel="per 1 000 invånare", source="Polisen, anmälda brott; befolkning per område", reference=whole, reference_label="Hela kommunen (brott med plats)")'),
        md("""Brott utan plats (ungefär vart femte, främst bedrägerier) kan inte räknas till något område; kommunens
linje visar därför brotten *med plats* per invånare, så att områdena jämförs med samma mått.

Centrums höga tal speglar att många som brottsutsätts där inte bor i området (nöjesliv, handel,
resecentrum); talet per invånare säger därför mer om platsen än om de boende."""),
        md("## Trygghetsmätningen per område"),
        code('unsafe, whole = sp.area_comparison(store, "otrygg_kvall", year)'),
        code('plots.interval_chart(unsafe, title=f"Andel otrygga ute ensamma sent en kväll per område {int(unsafe[\'year\'].max())}", xlabel="andel av de svarande", source="Trygghetsmätningen (viktade andelar)", reference=whole, percent=True)'),
        code('index, whole = sp.area_comparison(store, "problemindex", year)'),
        code('plots.interval_chart(index, title=f"Problemindex per område {int(index[\'year\'].max())} (0 = inga problem, 6 = alarmerande)", xlabel="problemindex 0–6", source="Trygghetsmätningen", reference=whole)'),
        md("## Utsatthet och oro"),
        code('fmt.table(sp.panel_display(sp.panel(store, sp.EXPOSURE_INDICATORS, year)))'),
        md("## Ordningsstörningar, rangordnade"),
        code('disorder = sp.disorder_ranking(store, year)'),
        code('plots.ranked_bar_chart(disorder, label="name", title=f"Hur stora problem de svarande ser i sitt område {int(disorder[\'year\'].max())}", xlabel="genomsnitt 0–6", source="Trygghetsmätningen", decimals=1)'),
        md("## När brotten sker"),
        code('plots.weekday_hour_heatmap(sp.time_profile(store, [year - 2, year - 1, year], "vald"), title=f"Våldsbrott efter veckodag och timme {year - 2}–{year}", source="Polisen, anmälda brott (tre år sammanslagna)")'),
        code('plots.month_chart(sp.month_profile(store, [year - 1, year]), hue="year", title=f"Anmälda brott per månad {year - 1}–{year}", source="Polisen, anmälda brott")'),
        md("### Planerade evenemang"),
        code('fmt.table(sp.event_display(sp.event_effect(store, year, "vald")))'),
        md("""Jämförelsen gäller våldsbrott i evenemangets område under evenemangsdagarna mot samma veckodagar fyra
veckor före och efter (andra evenemang borträknade). Kvoten över 1 betyder fler brott per dag än vanligt;
intervallet är exakt (binomialmetoden för två Poissonantal)."""),
        md("## Brottskoncentrationer: översikt"),
        code('cells = hotspots.for_store(store, year, "alla", cell_size=250)'),
        code('maps.offline(maps.hotspot_map(cells, areas=tstore.read_table(store, "areas"), measures=activity_plan.measures(store, year), title=f"Brottskoncentrationer {year}, alla brott med plats"), height=560)'),
        code('sp.map_note(cells)'),
        md("## Jämförelse med riket"),
        code('fmt.table(sp.national_comparison(store, year))'),
        md("""Riksvärdena är de senaste som finns i BRÅ:s och Koladas publicerade statistik och gäller ofta ett
tidigare år än Luleås värde (året står inom parentes). Våldsbrotten redovisas per 1 000 invånare."""),
        md("## Kommunens bild: risk- och skyddsfaktorer"),
        md("""Kommunens egen bild kompletterar polisens: ungdomsenkäten (årskurs 9 och gymnasiet år 2) om risk- och
skyddsfaktorer, kommunens egna händelserapporter och polisens sammanställning av unga misstänkta."""),
        code('fmt.table(sp.panel_display(sp.panel(store, sp.YOUTH_INDICATORS, year)))'),
        code('fmt.table(sp.panel_display(sp.panel(store, sp.MUNICIPAL_INDICATORS, year)))'),
        code('plots.trend_chart(sp.municipal_incident_trend(store, until=year), hue="name", title=f"Skadegörelse och anlagda bränder vid kommunal egendom 2019–{year}", ylabel="antal händelser", source="Luleå kommun, händelserapporter; räddningstjänsten", decimals=0, band=False)'),
        md("## Bilaga: indikatorernas definitioner"),
        code('fmt.table(indicators.definitions_table(lang).drop(columns=["Id", "Typ", "Faktor", "Röjandekontroll", "Kind", "Factor", "Disclosure rule"], errors="ignore"))'),
    ], COMMON)


def brottskoncentrationer():
    params = COMMON + '''
category_group: str = "alla"  # offences mapped: alla, vald, mangdbrott, a category (e.g. misshandel) or kommunala
cell_size: int = 250  # grid cell size in metres (100, 250, 500 ...)
distance: int = 300  # metres within which a situational measure counts as covering a hot spot'''
    return notebook([
        md("""# Brottskoncentrationer

**Vad rapporten är till för:** att visa var brotten koncentreras, om koncentrationerna består, växer fram
eller avtar, och om de situationella åtgärderna i verksamhetsplanen står där problemen finns.

**Vem läser den:** beredningsgruppen och arbetsgrupperna (polis, kommunens samordnare, fastighetsägare).

**Metod:** brotten med plats räknas i rutor (SWEREF 99 TM). *Hot spots* är rutor där summan över rutan och
dess åtta grannar är signifikant högre än väntat (Getis–Ord Gi\\*, p-värden korrigerade för många test
med Benjamini–Hochberg). Kartan visar bara rutor, aldrig enskilda brott, och antal 1–4 visas som \"<5\"."""),
        code('sp.hotspot_intro(category_group, year)'),
        code('cells = hotspots.for_store(store, year, category_group, cell_size=cell_size)'),
        code('previous = hotspots.for_store(store, year - 1, category_group, grid=cells)'),
        code('trend = hotspots.emerging_for_store(store, None, category_group, cell_size=cell_size)'),
        code('coverage = hotspots.measure_coverage(cells, activity_plan.measures(store, year), tstore.read_table(store, "safety_walks"), distance=distance)'),
        md("## Karta"),
        code('maps.offline(maps.hotspot_map(cells, areas=tstore.read_table(store, "areas"), measures=activity_plan.measures(store, year), safety_walks=tstore.read_table(store, "safety_walks"), incidents=tstore.read_table(store, "municipal_incidents").query("year == @year"), emerging=trend, title=sp.hotspot_title(category_group, year)), height=620)'),
        code('sp.map_note(cells)'),
        md("Samma vy som bild för utskrift och e-post:"),
        code('maps.static_map(cells, areas=tstore.read_table(store, "areas"), measures=activity_plan.measures(store, year), title=sp.hotspot_title(category_group, year), source=sp.hotspot_source(category_group, year))'),
        md("## De starkaste koncentrationerna"),
        code('fmt.table(hotspots.top_hotspots(cells, 10))'),
        md("## Hot spots per område och situationella åtgärder"),
        code('fmt.table(sp.hotspot_area_display(cells, coverage), headers=sp.HOTSPOT_HEADERS, decimals={"nearest_measure_m": 0})'),
        code('sp.coverage_text(coverage, distance)'),
        md("## Utvecklingen över åren (framväxande hot spots)"),
        code('fmt.table(hotspots.emerging_summary(trend), headers={"kategori": "Kategori", "cells": "Antal rutor", "areas": "Områden"})'),
        md("""Kategorierna följer ArcGIS Pros *Emerging Hot Spot Analysis*: Gi\\* beräknas för varje år och
Mann–Kendalls trendtest per ruta avgör om koncentrationen tilltar eller avtar. *Ny* = hot spot bara
senaste året; *bestående* = hot spot minst 90 % av åren utan trend; *tilltagande* / *avtagande* = dessutom
en säker trend uppåt / nedåt; *sporadisk* = av och på; *växlande* = har tidigare varit cold spot."""),
        md("## Hur väl förra årets hot spots förutsade årets brott (PAI och RRI)"),
        code('evaluation = hotspots.evaluate(previous, cells)'),
        code('fmt.table(sp.evaluation_display(evaluation))'),
        code('sp.definition_note(evaluation)'),
    ], params)


def preventionsnivaer():
    return notebook([
        md("""# Åtgärder per preventionsnivå

**Vad rapporten är till för:** att visa verksamhetsplanens åtgärder på varje preventionsnivå — universell,
selektiv, indikerad och situationell — på kort och lång sikt, vem som ansvarar och vad de kostar, och att
ställa dem bredvid indikatorerna som talar till samma nivå. Då syns en nivå med åtgärder men utan underlag,
en riskfaktor som försämras utan åtgärd och en hot spot utan situationell åtgärd.

**Vem läser den:** beredningsgruppen inför förslaget till verksamhetsplan, och styrgruppen."""),
        md("## Åtgärderna per nivå och tidsperspektiv"),
        code('plots.level_chart(activity_plan.level_horizon_counts(store, year), title=f"Verksamhetsplanens åtgärder per preventionsnivå {year}", source="Verksamhetsplanen (atgarder.xlsx)")'),
        code('fmt.table(activity_plan.portfolio_summary(store, year), headers=activity_plan.HEADERS_SV, decimals={"cost_sek": 0})'),
        md("## Luckor"),
        code('fmt.table(activity_plan.gaps(store, year))'),
        md("## Underlag per nivå: indikatorer bredvid åtgärder"),
        code('fmt.table(activity_plan.level_evidence(store, year), headers=activity_plan.HEADERS_SV)'),
        md("### Universell nivå"),
        code('fmt.table(activity_plan.level_display(store, year, "universell"))'),
        md("### Selektiv nivå"),
        code('fmt.table(activity_plan.level_display(store, year, "selektiv"))'),
        md("### Indikerad nivå"),
        code('fmt.table(activity_plan.level_display(store, year, "indikerad"))'),
        md("### Situationell nivå"),
        code('fmt.table(activity_plan.level_display(store, year, "situationell"))'),
        md("## Alla åtgärder"),
        code('fmt.table(activity_plan.measures_display(store, year))'),
    ], COMMON)


def uppfoljning():
    return notebook([
        md("""# Uppföljning av mål och delmål

**Vad rapporten är till för:** att styrgruppen på några minuter ska se om samverkansöverenskommelsens mål
nås — öka den upplevda tryggheten och minska brottsligheten — delmål för delmål, och vilka beslut som behövs.
Sammanfattningen här är också e-postens innehåll.

**Vem läser den:** styrgruppen (lokalpolisområdeschefen, kommundirektören och kommunalråden); föredras av
kommunpolisen och kommunens brottsförebyggande samordnare."""),
        md("## Status i korthet"),
        code('follow = indicators.follow_up(store, year)'),
        code('plots.follow_up_chart(follow)'),
        code('sp.follow_up_text(follow, store, year)'),
        md("## Delmålen"),
        code('fmt.table(sp.follow_up_display(follow, store, year))'),
        md("""**Så sätts statusen:** målvägen är den raka linjen från utgångsvärdet till målvärdet målåret.
*På väg* – hela konfidensintervallet ligger på rätt sida om målvägen; *risk* – intervallet omfattar
målvägen; *ej på väg* – hela intervallet ligger på fel sida; *ej mätbart* – inget värde (saknas eller
dolt av röjandeskäl)."""),
        md("## Årets viktigaste förändringar"),
        code('sp.changes_text(store, year)'),
        md("## Parternas åtaganden"),
        code('fmt.table(activity_plan.commitments(store, year), headers=activity_plan.HEADERS_SV, decimals={"cost_sek": 0})'),
    ], COMMON)


def omradesprofil():
    params = COMMON + '''
area: str = "Hertsön"  # the area the profile is about (one of the store's areas)'''
    return notebook([
        md("""# Områdesprofil

**Vad rapporten är till för:** att ge arbetsgruppen för ett område hela bilden på ett ställe: området jämfört
med hela kommunen på varje indikator, dess brottskoncentrationer, risk- och skyddsfaktorer bland unga,
åtgärderna som gäller området och bristerna från trygghetsvandringarna.

**Vem läser den:** arbetsgruppen för området och beredningsgruppen."""),
        code('sp.area_intro(store, area, year)'),
        md("## Området jämfört med hela kommunen"),
        code('profile = sp.area_profile(store, area, year)'),
        code('sp.area_summary(profile, area)'),
        code('fmt.table(sp.area_profile_display(profile, "Brott"))'),
        code('fmt.table(sp.area_profile_display(profile, "Trygghet"))'),
        md("## Risk- och skyddsfaktorer bland unga"),
        code('fmt.table(sp.area_profile_display(profile, "Unga"))'),
        md("## Brottskoncentrationer i området"),
        code('cells = hotspots.for_store(store, year, "alla", cell_size=250)'),
        code('maps.offline(maps.hotspot_map(sp.area_cells(cells, store, area), areas=tstore.read_table(store, "areas"), measures=activity_plan.area_measures(store, area, year), safety_walks=tstore.read_table(store, "safety_walks").query("area == @area"), title=f"Brottskoncentrationer {year}, {area}"), height=520)'),
        code('fmt.table(sp.area_hotspots(cells, area))'),
        md("## Åtgärder som gäller området"),
        code('fmt.table(activity_plan.measures_display(store, year, area=area))'),
        md("## Trygghetsvandringar"),
        code('fmt.table(sp.safety_walk_summary(store, area))'),
    ], params)


def main() -> None:
    out = ROOT / "notebooks"
    for name, build in [("datakvalitet", datakvalitet), ("lagesbild", lagesbild),
                        ("brottskoncentrationer", brottskoncentrationer), ("preventionsnivaer", preventionsnivaer),
                        ("uppfoljning", uppfoljning), ("omradesprofil", omradesprofil)]:
        nb = build()
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:12]}-{i:02d}"
        nbformat.write(nb, out / f"{name}.ipynb")
        print(out / f"{name}.ipynb")


if __name__ == "__main__":
    main()
