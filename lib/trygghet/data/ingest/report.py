"""What an ingest did: one :class:`FileReport` per raw file, the :class:`IngestReport`, and
:func:`print_summary` for the screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["FileReport", "IngestReport", "print_summary"]

@dataclass
class FileReport:
    """What happened to one raw file. ``rows_read == rows_accepted + rows_rejected`` always."""

    file: str
    table: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    encoding: str | None = None
    separator: str | None = None

    def as_dict(self) -> dict:
        out = {
            "file": self.file,
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "warnings": list(self.warnings),
            "checks": self.checks,
        }
        return out


@dataclass
class IngestReport:
    """The outcome of :func:`ingest`: one :class:`FileReport` per raw file, rows per table, the rejects."""

    raw_dir: Path
    store_dir: Path
    files: list[FileReport]
    tables: dict[str, int]
    rejects: pd.DataFrame
    ignored: list[str]
    warnings: list[str]
    fingerprint: str

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def as_dict(self) -> dict:
        return {
            "files": [f.as_dict() for f in self.files],
            "tables": dict(self.tables),
            "rows_rejected": self.rows_rejected,
            "ignored_files": list(self.ignored),
            "warnings": list(self.warnings),
        }



def print_summary(report: IngestReport, console) -> None:
    """Print the ingest on screen with rich: files and counts, warnings, the commonest reject reasons."""
    from rich.table import Table

    table = Table(title=f"Ingest {report.raw_dir} -> {report.store_dir}", title_justify="left")
    for col, justify in (("file", "left"), ("table", "left"), ("read", "right"), ("accepted", "right"),
                         ("rejected", "right"), ("warnings", "right")):
        table.add_column(col, justify=justify, overflow="fold")
    for f in report.files:
        style = "yellow" if f.rows_rejected else None
        table.add_row(f.file, f.table, f"{f.rows_read:,}".replace(",", " "), f"{f.rows_accepted:,}".replace(",", " "),
                      f"{f.rows_rejected:,}".replace(",", " "), str(len(f.warnings)), style=style)
    console.print(table)
    for text in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {text}", highlight=False)
    for f in report.files:
        for text in f.warnings:
            console.print(f"[yellow]warning:[/yellow] {f.file}: {text}", highlight=False)
    if report.ignored:
        console.print("ignored files (not an extract of the data model): " + ", ".join(report.ignored), highlight=False)
    if report.rows_rejected:
        top = report.rejects.groupby(["file", "reason"], sort=True).size().sort_values(ascending=False, kind="stable")
        console.print(f"[bold yellow]{report.rows_rejected} rows rejected[/bold yellow] "
                      f"(all of them in {report.store_dir / 'rejects.csv'}); commonest reasons:", highlight=False)
        for (file, reason), n in top.head(10).items():
            console.print(f"  {n:>6}  {file}: {reason}", highlight=False, markup=False)
    else:
        console.print("no rows rejected", highlight=False)
    console.print(f"store written to {report.store_dir}", highlight=False)
