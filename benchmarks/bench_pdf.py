"""What the PDFs for the diary add to a run: print a published year's reports with 1, 2 and 3 tabs of one
headless Chromium and compare with the run's own duration (its manifest's ``duration_s``).

    .venv/bin/python benchmarks/bench_pdf.py reports/2025        # a year published by `make reports`

The year folder is copied to a temporary folder first (the published PDFs stay as they are). Prints one
line per tab count and, last, ``pdf_share=<seconds with 2 tabs / run seconds>``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from trygghet.publish.pdf import write_pdfs


def main(year_dir: str) -> None:
    src = Path(year_dir)
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    run_s = 0.0 if manifest.get("only") else float(manifest.get("duration_s") or 0)  # a partial run says little
    seconds = {}
    for tabs in (1, 2, 3):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / src.name
            shutil.copytree(src, copy, ignore=shutil.ignore_patterns("notebooks", "*.pdf"))
            whole = dict(manifest, only=None)  # every report of the year, also after an --only run
            (copy / "manifest.json").write_text(json.dumps(whole, ensure_ascii=False), encoding="utf-8")
            t0 = time.perf_counter()
            done = write_pdfs(copy, tabs=tabs, console=Console(quiet=True))
            seconds[tabs] = time.perf_counter() - t0
            print(f"tabs={tabs} reports={sum(1 for v in done.values() if v)}/{len(done)} seconds={seconds[tabs]:.1f}")
    print(f"run_seconds={run_s:.1f}")
    print(f"pdf_share={seconds[2] / run_s:.2f}" if run_s else "pdf_share=unknown (the year's last run was not a full run)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "reports/2025")
