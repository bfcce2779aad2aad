"""The published pages in headless Chromium: charts, tables and the map render, offline.

Skipped with a reason where Debian's ``chromium`` is not installed (CI installs it).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest
from rich.console import Console

from trygghet.publish.run import run_reports


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)"),
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-extensions", "--virtual-time-budget=8000"]


def chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def published(tmp_path_factory, repo_root):
    """The hot-spot report (charts, tables, map) and the index, from the real notebook on demo data."""
    if not (repo_root / "notebooks" / "brottskoncentrationer.ipynb").is_file():
        pytest.skip("notebooks/brottskoncentrationer.ipynb is not written yet")
    demo = pytest.importorskip("trygghet.data.demo")
    ingest = pytest.importorskip("trygghet.data.ingest")

    base = tmp_path_factory.mktemp("browser")
    demo.write_demo(base / "raw", scale=0.1)
    ingest.ingest(base / "raw", base / "store")
    result = run_reports(store=base / "store", out=base / "reports", only=["brottskoncentrationer-alla"],
                         console=Console(quiet=True))
    assert result.failed == [], result.jobs
    return result.index_path.parent


def test_report_renders_charts_tables_and_map(published, tmp_path):
    page = published / "brottskoncentrationer-alla.html"
    dom = chromium("--dump-dom", page.as_uri()).stdout
    assert re.search(r'<img[^>]+src="data:image/png;base64,', dom), "no chart image in the rendered page"
    assert len(re.findall(r"<table", dom)) >= 1 and "<td" in dom
    assert '<nav class="trygghet-toc"' in dom and 'class="trygghet-footer"' in dom
    # the map is a self-contained document in an iframe: render it on its own and look for Leaflet's map
    source = page.read_text(encoding="utf-8")
    m = re.search(r'<iframe[^>]*srcdoc="([^"]*)"', source)
    assert m, "no map iframe in the report"
    map_file = tmp_path / "karta.html"
    map_file.write_text(html.unescape(m.group(1)), encoding="utf-8")
    assert not re.search(r'<script[^>]+src="https?://', map_file.read_text(encoding="utf-8")), "map needs a CDN"
    map_dom = chromium("--dump-dom", map_file.as_uri()).stdout
    assert "leaflet-container" in map_dom and "leaflet-pane" in map_dom, "Leaflet did not start in the map"
    assert re.search(r'<canvas|<path[^>]+class="leaflet-interactive', map_dom), "no vector layer drawn on the map"


def test_screenshots_show_content(published, tmp_path):
    from PIL import Image

    for name in ("brottskoncentrationer-alla.html", "index.html"):
        shot = tmp_path / f"{name}.png"
        proc = chromium(f"--screenshot={shot}", "--window-size=1280,3000", (published / name).as_uri())
        assert shot.is_file(), proc.stderr[-500:]
        with Image.open(shot) as img:
            colours = img.convert("RGB").resize((320, 750)).getcolors(maxcolors=1_000_000)
        assert len(colours) > 50, f"{name}: the screenshot is nearly blank"


def test_index_page_links_the_report(published):
    dom = chromium("--dump-dom", (published / "index.html").as_uri()).stdout
    assert 'href="brottskoncentrationer-alla.html"' in dom and "Rapporter" in dom
    overview = chromium("--dump-dom", (published.parent / "index.html").as_uri()).stdout
    assert f'href="{published.name}/index.html"' in overview
