"""PDFs for the diary (issue 12, item 5): every published report of the demo year printed by headless
Chromium, read back with poppler (pdftotext, pdffonts, pdfimages) and rendered to PNG (pdftoppm): title,
year, publication date and "Sida N av M" on every page, every font embedded, the interactive map replaced
by a picture of it. A small hand-made year checks the map swap and ``--only`` on its own.

Skipped with a reason where Chromium or poppler-utils is missing (CI installs both).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from trygghet.publish import pdf

TOOLS = [shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm", "pdfimages", "pdfinfo")]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(pdf.chromium_path() is None, reason="headless Chromium not installed (apt-get install chromium)"),
    pytest.mark.skipif(None in TOOLS, reason="poppler-utils not installed (apt-get install poppler-utils)"),
]
QUIET = Console(quiet=True)


def pages_text(path: Path) -> list[str]:
    """The text of each page (pdftotext, form feed between pages), whitespace normalised."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", " ", p).strip() for p in out.split("\f") if p.strip()]


def fonts(path: Path) -> list[list[str]]:
    """pdffonts' rows: name, type, encoding, emb, sub, uni, object, generation."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    return [line.split() for line in out[2:] if line.strip()]


def images(path: Path) -> int:
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return len(out.splitlines()[2:])


def render(path: Path, target: Path, page: int = 1, mode: str = "L") -> Image.Image:
    """Page ``page`` rendered by pdftoppm at 40 dpi."""
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(path),
                    str(target)], check=True, capture_output=True)
    return Image.open(f"{target}.png").convert(mode)


def check_pdf(path: Path, title: str, year: int, date: str) -> list[str]:
    """Every page carries title · year, the publication date and "Sida N av M"; every font is embedded."""
    texts = pages_text(path)
    assert texts, f"{path.name}: no text"
    for n, text in enumerate(texts, 1):
        assert f"{title} · {year}" in text, f"{path.name} page {n}: no title and year in the header"
        assert f"Publicerad {date}" in text, f"{path.name} page {n}: no publication date"
        assert f"Sida {n} av {len(texts)}" in text, f"{path.name} page {n}: no page number"
    rows = fonts(path)
    assert rows, f"{path.name}: no fonts"
    assert all(r[-5] == "yes" for r in rows), f"{path.name}: fonts not embedded: {[r[0] for r in rows if r[-5] != 'yes']}"
    return texts


# ---------------------------------------------------------------------------------------------- the demo year


def test_every_report_of_the_year_has_its_pdf(published_year, tmp_path):
    manifest = json.loads((published_year.dir / "manifest.json").read_text(encoding="utf-8"))
    date = pdf._date_sv(manifest.get("finished"))
    ok = [j for j in manifest["jobs"] if j["status"] == "ok" and "/" not in j["outputs"]["html"]]
    assert ok and manifest.get("pdf_seconds") is not None
    # the residents' website pages (a folder of their own) are not diary documents
    for job in manifest["jobs"]:
        if job["status"] == "ok" and "/" in job["outputs"]["html"]:
            assert not job["outputs"].get("pdf")
    for job in ok:
        rel = job["outputs"].get("pdf")
        assert rel == pdf.pdf_path(job["outputs"]["html"]), f"{job['name']}: no PDF in the manifest ({job.get('pdf_error')})"
        texts = check_pdf(published_year.dir / rel, job["title"], published_year.year, date)
        assert any(job["title"].split(" – ")[0] in t for t in texts)
    # the follow-up opens with its three answers, as on the web page
    first = pages_text(published_year.dir / "uppfoljning.pdf")[0]
    assert all(q in first for q in ("Tryggare?", "Var?", "Rätt riktat?"))
    # the maps are pictures on paper: the situation picture's map is an image, and page 1 is not blank
    assert images(published_year.dir / "lagesbild.pdf") >= 1
    page1 = render(published_year.dir / "uppfoljning.pdf", tmp_path / "u")
    assert page1.size[0] > 250 and int(np.asarray(page1).min()) < 100, "the first page rendered blank"


# ---------------------------------------------------------------------------------------------- a small year


MAP_DOC = ("<html><body style='margin:0'><div style='width:100%;height:300px;background:#d55e00'></div>"
           "<div class='leaflet-control-layers'>Lager</div></body></html>")


def small_year(root: Path) -> Path:
    year_dir = root / "2025"
    year_dir.mkdir(parents=True)
    srcdoc = MAP_DOC.replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
    pages = {
        "karta": f"<h1>Karta</h1><p>Före kartan.</p><iframe srcdoc='{srcdoc}' style='width:600px;height:300px'></iframe>"
                 "<p>Efter kartan.</p>",
        "lang": "<h1>Lång rapport</h1>" + "".join(f"<p>Stycke {i} om tryggheten i Luleå.</p>" for i in range(160)),
    }
    jobs = []
    for name, body in pages.items():
        (year_dir / f"{name}.html").write_text(f"<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'><title>{name}"
                                               f"</title></head><body>{body}</body></html>", encoding="utf-8")
        jobs.append({"name": name, "title": f"Rapport {name}", "status": "ok", "outputs": {"html": f"{name}.html"}})
    jobs.append({"name": "fel", "title": "Felande", "status": "failed", "outputs": {"html": None}})
    (year_dir / "fel.pdf").write_bytes(b"%PDF-1.4 gammal")  # an older run's PDF of a report that now failed
    manifest = {"year": 2025, "finished": "2026-02-15T06:10:00+01:00", "jobs": jobs}
    (year_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return year_dir


def test_small_year_map_swap_page_numbers_and_only(tmp_path):
    year_dir = small_year(tmp_path)
    done = pdf.write_pdfs(year_dir, console=QUIET)
    assert done == {"karta": "karta.pdf", "lang": "lang.pdf"}
    assert not (year_dir / "fel.pdf").exists(), "a failed report keeps no PDF of an older run"
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [j["outputs"].get("pdf") for j in manifest["jobs"]] == ["karta.pdf", "lang.pdf", None]
    long_pages = check_pdf(year_dir / "lang.pdf", "Rapport lang", 2025, "15 februari 2026")
    assert len(long_pages) >= 2 and "Stycke 159" in long_pages[-1]
    karta = check_pdf(year_dir / "karta.pdf", "Rapport karta", 2025, "15 februari 2026")
    # the iframe became a picture of it: one image, orange where the map was, and the layer control hidden
    assert images(year_dir / "karta.pdf") == 1 and "Lager" not in karta[0]
    rgb = render(year_dir / "karta.pdf", tmp_path / "k", mode="RGB")
    px = np.asarray(rgb).reshape(-1, 3).astype(int)
    oranges = int(((px[:, 0] > 180) & (px[:, 1] > 60) & (px[:, 1] < 130) & (px[:, 2] < 60)).sum())
    assert oranges > 500, "the map's picture is not on the page"

    # --only: the reports of this run are printed again, the others keep theirs
    before = (year_dir / "lang.pdf").stat().st_mtime_ns
    manifest["only"] = ["karta"]
    (year_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert pdf.write_pdfs(year_dir, console=QUIET) == {"karta": "karta.pdf"}
    assert (year_dir / "lang.pdf").stat().st_mtime_ns == before
    again = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [j["outputs"].get("pdf") for j in again["jobs"]] == ["karta.pdf", "lang.pdf", None]


def test_no_chromium_publishes_without_pdfs(tmp_path, monkeypatch):
    year_dir = small_year(tmp_path)
    monkeypatch.delenv("TRYGGHET_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "tom"))
    assert pdf.chromium_path() is None
    before = (year_dir / "manifest.json").read_bytes()
    assert pdf.write_pdfs(year_dir, console=QUIET) == {}
    assert (year_dir / "manifest.json").read_bytes() == before
    assert not (year_dir / "karta.pdf").exists() and not (year_dir / "lang.pdf").exists()


def test_a_browser_that_cannot_start_costs_only_the_pdfs(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    year_dir = small_year(tmp_path)
    plan = tmp_path / "plan.yaml"
    plan.write_text("notebooks: .\npdf: true\njobs: []\n", encoding="utf-8")
    monkeypatch.setenv("TRYGGHET_CHROMIUM", shutil.which("false") or "/bin/false")
    before = (year_dir / "manifest.json").read_bytes()
    pdf.after_run(SimpleNamespace(published=True, manifest_path=year_dir / "manifest.json"), plan,
                  Console(file=None, force_terminal=False, width=200))
    assert "PDF: no PDFs this run" in capsys.readouterr().out
    assert (year_dir / "manifest.json").read_bytes() == before and not (year_dir / "karta.pdf").exists()
