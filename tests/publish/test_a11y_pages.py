"""Every published page as every reader gets it (issue 12, items 3 and 4): axe-core in headless Chromium,
no nbconvert default alt text, headings in order with the title first, each area profile's h1 naming the
area, and no key table wider than a 390 px phone.

All pages of the ``published_year`` fixture (the whole run plan on the full demo year, every folder under
``reports/``, index pages included) are opened in ONE headless Chromium, driven over the DevTools protocol
(websocket-client). The maps are self-contained documents inside ``<iframe srcdoc>``: each is written out
and checked as a page of its own. axe-core is the npm package pinned in the Makefile (``make test``
installs it into ``.venv/npm``; ``TRYGGHET_AXE`` may name another ``axe.min.js``).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPO = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("TRYGGHET_AXE") or REPO / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
PHONE = 390

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)"),
]


class Browser:
    """One headless Chromium, one tab, driven over the DevTools protocol."""

    def __init__(self, profile: Path) -> None:
        import websocket

        profile.mkdir(parents=True, exist_ok=True)
        port_file = profile / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--hide-scrollbars",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):  # a bounded wait for the browser to say its port (not a timed test)
            if port_file.is_file() and len(port_file.read_text().splitlines()) >= 2:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited before it opened its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=180, suppress_origin=True)
        self._id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def call(self, method: str, params: dict | None = None, session: bool = False, wait_event: str | None = None):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        result, event_seen = None, wait_event is None
        while result is None or not event_seen:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result = reply["result"]
            elif wait_event and reply.get("method") == wait_event and reply.get("sessionId") == self.session:
                event_seen = True
        return result

    def open(self, path: Path, width: int, height: int = 900) -> None:
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": width < 600}, session=True)
        self.call("Page.navigate", {"url": path.as_uri()}, session=True, wait_event="Page.loadEventFired")

    def evaluate(self, expression: str):
        reply = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True},
                          session=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"script failed: {reply['exceptionDetails'].get('exception', reply['exceptionDetails'])}")
        return reply["result"].get("value")

    def screenshot(self, target: Path, width: int, height: int) -> Path:
        """A PNG of the page at ``width`` px (the first ``height`` px of it)."""
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": width < 600}, session=True)
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        target.write_bytes(base64.b64decode(data))
        return target

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001 - the process is ended below either way
            pass
        self.ws.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def published_files(out: Path) -> list[Path]:
    """Every HTML page under the reports folder (reports, index pages, every sub-folder)."""
    return sorted(p for p in Path(out).rglob("*.html") if "notebooks" not in p.parts)


def map_documents(page: Path, folder: Path) -> list[Path]:
    """The maps of a page (``<iframe srcdoc>``) written out as pages of their own."""
    found = re.findall(r'<iframe[^>]*\ssrcdoc="([^"]*)"', page.read_text(encoding="utf-8"))
    docs = []
    for i, doc in enumerate(found, start=1):
        target = folder / f"{page.stem}-karta{i}.html"
        target.write_text(html.unescape(doc), encoding="utf-8")
        docs.append(target)
    return docs


AXE_RUN = """
axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations'], iframes: false})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
     nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 300))})))
"""
# What a page shows at a width: the document's and every visible table's width against its column.
LAYOUT = """
(() => {
  const doc = document.documentElement;
  const wide = [];
  for (const t of document.querySelectorAll('table')) {
    if (!t.offsetParent || t.closest('details:not([open])')) continue;
    const box = t.parentElement.getBoundingClientRect();
    const own = t.getBoundingClientRect();
    if (own.width > Math.min(box.width, window.innerWidth) + 1) {
      const head = (t.closest('.jp-Cell') || t).querySelector('h1,h2,h3');
      wide.push({table: (t.querySelector('caption, th') || t).textContent.trim().slice(0, 60),
                 width: Math.round(own.width), room: Math.round(box.width)});
    }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide: wide};
})()
"""
# The first words a reader meets in the page's main part (after the site header): they must be its h1.
FIRST_TEXT = """
(() => {
  const root = document.querySelector('main') || document.body;
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('.trygghet-top, style, script') || !el.offsetParent) continue;
    return {text: n.textContent.trim().slice(0, 80), inH1: !!el.closest('h1')};
  }
  return null;
})()
"""
HEADINGS = """
Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).filter(h => h.offsetParent !== null || h.closest('details'))
  .map(h => [Number(h.tagName[1]), h.textContent.replace('\u00b6', '').trim()])
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-a11y"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def documents(published_year):
    """Every published page (reports and index pages, every folder)."""
    files = published_files(published_year.out)
    assert len(files) >= 10, f"too few published pages under {published_year.out}: {files}"
    return files


@pytest.fixture(scope="module")
def pages(documents, tmp_path_factory):
    """Every published page and every map in one of them (written out as a page): a list of paths."""
    maps = tmp_path_factory.mktemp("maps")
    found = [m for f in documents for m in map_documents(f, maps)]
    assert found, "no map in the published pages"
    return documents + found


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make test` (it installs the pinned axe-core with npm) "
                    "or set TRYGGHET_AXE to an axe.min.js")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seen(browser, pages, documents, axe_source):
    """Each page opened once at 1280 px and once at 390 px: axe's violations at both widths, the layout at
    390 px, and at 1280 px its headings, first words, h1, title and language. ``{path: {...}}``."""
    found = {}
    for path in pages:
        got = found[path] = {}
        for width in (1280, PHONE):
            browser.open(path, width)
            browser.evaluate(axe_source + ";0")
            got["axe_version"] = browser.evaluate("axe.version")
            got[f"axe{width}"] = browser.evaluate(AXE_RUN % json.dumps(AXE_TAGS))
            if width == PHONE:
                got["layout"] = browser.evaluate(LAYOUT)
            elif path in documents:
                got["headings"] = browser.evaluate(HEADINGS)
                got["first"] = browser.evaluate(FIRST_TEXT)
                got["title"] = browser.evaluate("document.title")
                got["lang"] = browser.evaluate("document.documentElement.lang")
    return found


def test_axe_finds_no_violations_on_any_page_at_desktop_and_phone_width(seen):
    assert all(got["axe_version"].startswith("4.") for got in seen.values()), "axe-core 4.x expected"
    problems = {f"{path.name} @ {w}px": got[f"axe{w}"] for path, got in seen.items() for w in (1280, PHONE)
                if got[f"axe{w}"]}
    assert not problems, "axe violations:\n" + json.dumps(problems, indent=1, ensure_ascii=False)


def test_no_page_has_nbconvert_default_alt_text_and_every_image_has_an_alt(pages):
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert NBCONVERT_DEFAULT_ALT not in text, f"{path.name}: nbconvert's default alt text"
        for tag in re.findall(r"<img\b[^>]*>", text):
            alt = re.search(r'\salt="([^"]*)"', tag)
            assert alt and len(alt.group(1).strip()) >= 20, f"{path.name}: an image without a real alt text: {tag[:120]}"


def test_every_chart_and_map_has_its_table(documents):
    """Each chart (an ``<img>`` in the report) stands in a ``figure.tr-chart`` with its collapsed table of
    numbers, and each interactive map (``<iframe>``) is followed by its collapsed table alternative."""
    for path in documents:
        text = path.read_text(encoding="utf-8")
        charts = re.findall(r'<figure class="tr-chart"><img\b[^>]*>(?:<details class="tr-chart-data">)?', text)
        assert len(charts) == len(re.findall(r"<img\b", text)), f"{path.name}: a chart is not a trygghet Chart"
        assert all(c.endswith('<details class="tr-chart-data">') for c in charts), f"{path.name}: a chart without its table"
        frames = re.findall(r"</iframe>(<details class=\"tr-map-data\">)?", text)
        assert all(frames), f"{path.name}: a map without its table alternative"


def test_no_key_table_needs_sideways_scrolling_at_390_px(seen):
    problems = {path.name: got["layout"] for path, got in seen.items()
                if got["layout"]["scrollWidth"] > PHONE or got["layout"]["wide"]}
    assert not problems, f"pages wider than {PHONE} px or with tables wider than their column:\n" + json.dumps(
        problems, indent=1, ensure_ascii=False)


def test_headings_are_in_order_with_the_title_first(seen, documents):
    for path in documents:
        got = seen[path]
        heads = got["headings"]
        assert heads, f"{path.name}: no headings"
        assert heads[0][0] == 1, f"{path.name}: the first heading is h{heads[0][0]} {heads[0][1]!r}, not the title (h1)"
        assert sum(1 for level, _ in heads if level == 1) == 1, f"{path.name}: more than one h1"
        for (before, text_before), (level, text) in zip(heads, heads[1:]):
            assert level <= before + 1, f"{path.name}: h{before} {text_before!r} is followed by h{level} {text!r}"
        first = got["first"]
        assert first and first["inH1"], f"{path.name}: the page starts with {first and first['text']!r}, not its title"
        assert heads[0][1] in got["title"], f"{path.name}: the h1 {heads[0][1]!r} is not the page's title {got['title']!r}"
        assert got["lang"] == "sv", f"{path.name}: lang={got['lang']!r}"


def test_each_area_profile_h1_names_its_area(seen, published_year):
    from trygghet.data import store as tstore

    areas = list(tstore.read_table(published_year.store, "areas")["area"].astype(str))
    profiles = sorted(published_year.dir.glob("omradesprofil-*.html"))
    assert len(profiles) == len(areas), f"{len(profiles)} area profiles for {len(areas)} areas"
    named_all = set()
    for path in profiles:
        h1 = seen[path]["headings"][0][1]
        named = [a for a in areas if re.search(rf"(?<!\w){re.escape(a)}(?!\w)", h1)]
        assert len(named) == 1, f"{path.name}: h1 {h1!r} names {named or 'no area'}"
        named_all.add(named[0])
    assert named_all == set(areas)
