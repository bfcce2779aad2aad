"""The ``trygghet`` command line: demo data, ingest, runs, mail and the timer's cycle.

Every command turns bad input into one line on stderr and exit code 2 (never a traceback); a run whose
reports partly failed exits 1. The commands are thin: each calls one library function.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from trygghet.data.config import paths
from trygghet.data.errors import TrygghetError

__all__ = ["app", "main"]

app = typer.Typer(
    name="trygghet",
    help="Trygghet: the workbook of a municipality's crime-prevention collaboration, Luleå's by default "
         "(demo, ingest, run, mail, cycle).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_err = Console(stderr=True, highlight=False, soft_wrap=True)
_out = Console(highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point of the console script: runs the app and maps user errors to exit code 2."""
    try:
        app()
    except TrygghetError as exc:
        _fail(str(exc))
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        _err.print("trygghet: interrupted")
        sys.exit(130)


@app.command()
def demo(
    raw_dir: Annotated[Optional[Path], typer.Argument(help="folder to write the synthetic raw extracts to (default data/raw)")] = None,
    seed: Annotated[int, typer.Option(help="random seed; the same seed writes the same files")] = 2580,
    kommun: Annotated[Optional[str], typer.Option(help="municipality code (4 digits, e.g. 2581 Piteå): a demo "
                                                       "for that municipality (default 2580, Luleå)")] = None,
    befolkning: Annotated[Optional[int], typer.Option(help="with --kommun: the municipality's population "
                                                           "(default SCB's figure, data/reference/)")] = None,
    scale: Annotated[Optional[float], typer.Option(help="multiplies offences and survey answers (default 1.0, "
                                                        "the full demo; with --lan the smallest that suits "
                                                        "the county)")] = None,
    lan: Annotated[Optional[str], typer.Option("--lan", help="county code (2 digits, e.g. 25 Norrbotten): one "
                                                             "demo store per municipality of the county in "
                                                             "--out (for `trygghet run --stores`)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="with --lan: the folder of stores to write")] = None,
) -> None:
    """Write a complete synthetic raw data set in the contract formats (Luleå's, or with --kommun another
    municipality's: its outline, its population, neutral area names; with --lan a store for every
    municipality of a county)."""
    from trygghet.data.demo import write_demo
    from trygghet.data.demo._kommun import (
        county_scale_range,
        municipality_outline,
        municipality_population,
        write_county_demo,
        write_municipality_demo,
    )
    from trygghet.data.errors import ParameterError

    if lan is not None:
        if out is None or raw_dir is not None or kommun is not None or befolkning is not None:
            raise ParameterError("--lan writes stores: give their folder with --out (e.g. trygghet demo --lan 25 "
                                 "--out stores-norrbotten), without RAW_DIR, --kommun or --befolkning")
        scale = county_scale_range(lan)[0] if scale is None else scale
        stores = write_county_demo(out, lan, seed=seed, scale=scale,
                                   progress=lambda code, name, pop: _out.print(f"  {code} {name} ({pop} inhabitants)"))
        _out.print(f"demo stores of county {lan.strip()} (synthetic, seed {seed}, scale {scale:g}): {len(stores)} "
                   f"municipalities in {out}; next: trygghet run --stores {out} --out REPORTS")
        return
    if out is not None:
        raise ParameterError("--out is for --lan; a single demo is written to RAW_DIR (trygghet demo RAW_DIR)")
    scale = 1.0 if scale is None else scale
    raw_dir = raw_dir or paths().raw
    if kommun is None or kommun.strip() == "2580":
        written = write_demo(raw_dir, seed=seed, scale=scale)
        _out.print(f"demo data (synthetic, seed {seed}): {len(written)} files in {raw_dir}")
        return
    if befolkning is None:
        befolkning, year = municipality_population(kommun)
        _out.print(f"population {befolkning} (SCB, {year}; --befolkning overrides it)")
    written = write_municipality_demo(raw_dir, kommun, befolkning, seed=seed, scale=scale)
    name = municipality_outline(kommun)[0]["kommun"]
    _out.print(f"demo data for {name} ({kommun.strip()}, synthetic, seed {seed}): {len(written)} files in {raw_dir}")


@app.command()
def ingest(
    raw_dir: Annotated[Optional[Path], typer.Argument(help="folder with the raw extracts (default data/raw)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="store folder to write (default data/store)")] = None,
) -> None:
    """Validate the raw extracts and write the typed store (exit 2 when a file cannot be read)."""
    from trygghet.data.ingest import ingest as run_ingest
    from trygghet.data.ingest import print_summary

    report = run_ingest(raw_dir or paths().raw, out or paths().store)
    print_summary(report, _out)


@app.command()
def run(
    year: Annotated[Optional[int], typer.Option(help="report year (default: the latest year in the store)")] = None,
    store: Annotated[Optional[Path], typer.Option(help="the ingested store (default data/store)")] = None,
    out: Annotated[Optional[Path], typer.Option(help="folder the reports are published to (default reports)")] = None,
    only: Annotated[Optional[list[str]], typer.Option(help="run only these jobs of the run plan (repeatable)")] = None,
    jobs: Annotated[int, typer.Option(min=1, max=16, help="notebooks run in parallel")] = 2,
    plan: Annotated[Optional[Path], typer.Option(help="run plan (default config/run_plan.yaml)")] = None,
    period: Annotated[Optional[str], typer.Option(help="a period instead of the year: 2025-Q3, 2025-09, 2025-W36, "
                                                       "last-week, last-month or last-quarter")] = None,
    stores: Annotated[Optional[Path], typer.Option(help="many municipalities: a folder of stores or a YAML file "
                                                        "`code: store`; each published to OUT/<code>/ (Dask)")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="with --stores: a Dask scheduler (tcp://host:8786); "
                                                          "default a local cluster")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="with --stores: worker processes of the local "
                                                              "cluster")] = 2,
) -> None:
    """Run the notebooks of the run plan with papermill and publish them as HTML (with --period: the
    plan's reports of that cadence, published to OUT/<period>/; with --stores: every municipality's
    reports as tasks on dask.distributed, docs/scaling.md)."""
    if stores is not None:
        from trygghet.publish.distributed import run_many

        many = run_many(stores, out=out or paths().reports, year=year, only=only, plan=plan, scheduler=scheduler,
                        workers=workers, console=_out)
        _out.print(str(many.index_path))
        if many.failed:
            _err.print("municipalities with failed reports: " + ", ".join(many.failed))
            raise typer.Exit(1)
        return
    from trygghet.publish.run import run_reports

    result = run_reports(year=year, store=store or paths().store, out=out or paths().reports, only=only, jobs=jobs,
                         plan=plan, console=_out, period=period)
    _out.print(str(result.index_path))
    if result.failed:
        _err.print("failed reports: " + ", ".join(result.failed))
        raise typer.Exit(1)


@app.command()
def mail(
    year: Annotated[Optional[int], typer.Option(help="report year (default: the latest published)")] = None,
    out: Annotated[Optional[Path], typer.Option(help="folder the reports were published to (default reports)")] = None,
    config: Annotated[Optional[Path], typer.Option(help="mail settings (default config/mail.yaml)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="write the .eml to the outbox only; send nothing")] = False,
) -> None:
    """Email the year's reports to the steering group (secrets from the environment)."""
    from trygghet.publish.mail import send_reports

    result = send_reports(year=year, reports=out or paths().reports, config=config, dry_run=dry_run, console=_out)
    _out.print(result.summary)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def cycle(
    raw: Annotated[Optional[Path], typer.Option(help="raw extracts (default data/raw)")] = None,
    store: Annotated[Optional[Path], typer.Option(help="store folder (default data/store)")] = None,
    out: Annotated[Optional[Path], typer.Option(help="reports folder (default reports)")] = None,
    year: Annotated[Optional[int], typer.Option(help="report year (default: latest)")] = None,
    jobs: Annotated[int, typer.Option(min=1, max=16, help="notebooks run in parallel")] = 2,
    log: Annotated[Optional[Path], typer.Option(help="log file (default reports/cycle.log)")] = None,
    no_mail: Annotated[bool, typer.Option("--no-mail", help="skip the email")] = False,
    period: Annotated[Optional[str], typer.Option(help="a period run (2025-Q3, 2025-W36, last-week, last-quarter …); "
                                                       "published, not mailed")] = None,
) -> None:
    """The timer's job: ingest, run, publish and mail. Exit 0 ok, 1 reports failed, 2 bad input, 3 mail failed."""
    from trygghet.publish.cycle import cycle as run_cycle

    code = run_cycle(raw=raw or paths().raw, store=store or paths().store, out=out or paths().reports, year=year,
                     jobs=jobs, log=log, mail=not no_mail, console=_out, period=period)
    raise typer.Exit(code)


@app.command()
def docs(
    out: Annotated[Optional[Path], typer.Option(help="where to write the indicator page (default docs/indicators.md)")] = None,
) -> None:
    """Write the page that lists every indicator definition (also the reports' appendix)."""
    from trygghet.reports.indicator_docs import write_definitions_page

    path = write_definitions_page(out or paths().docs / "indicators.md")
    _out.print(str(path))


@app.command()
def codes(
    newer: Annotated[Path, typer.Argument(help="a newer export of Brå's code list (brottskod;benamning;upphord;kodgrupp)")],
) -> None:
    """Compare the shipped offence code list with a newer export of Brå's list: new, discontinued and
    retitled codes. Regenerate the list with `python -m trygghet.data.offence_codes build --source NEWER`."""
    from trygghet.data.offence_codes import clean_source, compare, read_shipped, read_source

    changes = compare(read_shipped(), clean_source(read_source(newer)))
    if changes.empty:
        _out.print("the code list is up to date with " + str(newer))
        return
    _out.print(changes.to_string(index=False, max_colwidth=60), markup=False)
    counts = changes["change"].value_counts()
    _out.print(", ".join(f"{n} {k}" for k, n in counts.items()), markup=False)


@app.command()
def fetch(
    raw_dir: Annotated[Optional[Path], typer.Argument(help="raw-data folder; files go to its open/ (default data/raw)")] = None,
    municipality: Annotated[Optional[str], typer.Option(help="four-digit municipality code (default the store's, "
                                                        "else 2580)")] = None,
    years: Annotated[Optional[str], typer.Option(help="years, e.g. 2015-2024 or 2019,2023 (default the last ten)")] = None,
    source: Annotated[Optional[list[str]], typer.Option(help="kolada, scb or scbgeo (repeatable; default all)")] = None,
    bra_export: Annotated[Optional[Path], typer.Option(help="an export of Brå's statistics database to take in")] = None,
    group: Annotated[Optional[str], typer.Option(help="Kolada's id of the similar-municipalities group")] = None,
    kpi: Annotated[Optional[list[str]], typer.Option(help="only these Kolada key figures (repeatable)")] = None,
    kolada_url: Annotated[Optional[str], typer.Option(help="Kolada's API address (default the public v3 API)")] = None,
    scb_url: Annotated[Optional[str], typer.Option(help="SCB's PxWebApi 2 address (default the public API)")] = None,
    areas: Annotated[Optional[str], typer.Option(help="SCB's areas used when data/raw has no omraden file: deso "
                                                 "(default) or regso")] = None,
    scb_geo_url: Annotated[Optional[str], typer.Option(help="SCB's geodata WFS address (default the public one)")] = None,
) -> None:
    """Download public statistics (Kolada, SCB; a Brå export) into data/raw/open/ with provenance.
    Offline or refused sources keep their last download; exit 1 when a source failed."""
    from trygghet.data.open import SOURCES, fetch_open, parse_years, store_municipality

    code = municipality or store_municipality(paths().store)
    report = fetch_open(raw_dir or paths().raw, code, parse_years(years) if years else None,
                        sources=tuple(source) if source else SOURCES, bra_export=bra_export, group=group,
                        kpis=kpi or None, kolada_url=kolada_url, scb_url=scb_url, areas=areas,
                        scb_geo_url=scb_geo_url)
    for line in report.lines:
        _out.print(line, markup=False)
    if not report.ok:
        raise typer.Exit(1)


def _fail(message: str) -> None:
    _err.print(f"trygghet: error: {message}", markup=False)
    sys.exit(2)
