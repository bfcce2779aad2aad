"""Every published report also as a PDF for the municipality's diary (*diarium*), printed by one headless
Chromium over the DevTools protocol (websocket-client).

:func:`write_pdfs` opens each report's HTML in a tab (``tabs`` at a time, one browser), replaces each
interactive map (an ``<iframe srcdoc>`` with Leaflet) by a picture of the same view taken in the same
browser, opens every collapsed ``<details>`` (a chart's table of numbers), and prints the page
(``Page.printToPDF``) on A4 with the report's title and year and the publication date at the top of
every page and "Sida N av M" at the bottom. Chromium embeds (subsets of) every font it uses and tags the
PDF. The PDF lies beside the HTML (``uppfoljning.html`` -> ``uppfoljning.pdf``) and the
manifest's job lists it under ``outputs.pdf``.

The run prints PDFs when its plan says ``pdf: true`` (``config/run_plan.yaml``; :func:`after_run`) and
Chromium is installed; without Chromium the reports are published without PDFs and the console says so.
Chromium does not write PDF/A (no kept tool of the project does), so the PDFs are tagged PDF 1.4 with
embedded fonts, not PDF/A-2b.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import websocket
from rich.console import Console

from trygghet.data.config import load_yaml
from trygghet.publish.lock import atomic_write

__all__ = ["PDF_KEY", "Chromium", "Tab", "chromium_path", "pdf_path", "write_pdfs", "after_run", "header_template", "footer_template"]

#: the run plan's top-level key that turns the PDFs on
PDF_KEY = "pdf"
MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")
#: the page printed at this scale: A4 then holds a 1 000 px wide layout, so the reports' wide tables fit
PRINT_SCALE = 0.8
#: how long one page may take to load and print, in seconds
PAGE_TIMEOUT = 180
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
          "--disable-background-networking", "--disable-component-update", "--hide-scrollbars",
          "--allow-file-access-from-files", "--remote-debugging-port=0",
          # every tab prints at once: none is throttled as a tab in the background
          "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
          "--disable-backgrounding-occluded-windows"]
#: waits (bounded) until every map's document and its images have loaded, then gives each map's box
_MAP_BOXES = """(async () => {
  const frames = [...document.querySelectorAll('iframe')];
  const style = document.createElement('style');
  style.textContent = 'h1,h2,h3,h4{break-after:avoid} tr,img{break-inside:avoid}';
  document.head.appendChild(style);
  document.querySelectorAll('details').forEach(d => { d.open = true; });  // paper cannot be tapped open
  for (let i = 0; i < 100; i++) {
    const ready = frames.every(f => { try { const d = f.contentDocument; return d && d.readyState === 'complete'
        && [...d.images].every(im => im.complete); } catch (e) { return true; } });
    if (ready) break;
    await new Promise(r => setTimeout(r, 50));
  }
  for (const f of frames) { try {  // the map's buttons mean nothing on paper; its legend stays
    const s = f.contentDocument.createElement('style');
    s.textContent = '.leaflet-control-zoom,.leaflet-control-layers{display:none !important}';
    f.contentDocument.head.appendChild(s); } catch (e) {} }
  await new Promise(r => setTimeout(r, 100));
  return frames.map(f => { const r = f.getBoundingClientRect();
    return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height}; });
})()"""
_REPLACE_MAP = """((i, src) => {
  const f = document.querySelectorAll('iframe')[i];
  const img = document.createElement('img');
  img.src = src; img.alt = 'Kartan som stillbild (den interaktiva kartan finns i webbversionen)';
  img.style.cssText = 'display:block;width:100%;height:auto;border:1px solid #ccc;break-inside:avoid';
  f.replaceWith(img);
  return new Promise(r => { if (img.complete) return r(true);
    img.onload = img.onerror = () => r(true); setTimeout(() => r(false), 5000); });
})"""


def chromium_path() -> str | None:
    """The headless Chromium to print with: ``TRYGGHET_CHROMIUM`` or ``chromium`` on the PATH."""
    return os.environ.get("TRYGGHET_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pdf_path(html_rel: str) -> str:
    """The PDF's path beside its HTML page (relative to the year folder)."""
    return str(Path(html_rel).with_suffix(".pdf"))


def header_template(title: str, year: int, date: str) -> str:
    """Chromium's header on every page: the report's title and year, and the date it was published."""
    e = html.escape
    return ("<div style=\"font-family:Arial,Helvetica,sans-serif;font-size:8pt;color:#333;width:100%;"
            "margin:0 12mm;display:flex;justify-content:space-between;\">"
            f"<span>{e(title)} · {int(year)}</span><span>Publicerad {e(date)}</span></div>")


def footer_template() -> str:
    """Chromium's footer on every page: "Sida N av M"."""
    return ("<div style=\"font-family:Arial,Helvetica,sans-serif;font-size:8pt;color:#333;width:100%;"
            "margin:0 12mm;text-align:right;\">Sida <span class=\"pageNumber\"></span> av "
            "<span class=\"totalPages\"></span></div>")


def write_pdfs(year_dir: str | Path, *, tabs: int = 2, console: Console | None = None,
               chromium: str | None = None) -> dict[str, str | None]:
    """Print every ok report of the published year ``year_dir`` to PDF and list them in its manifest
    (after an ``--only`` run, the reports that run made; the others keep their PDFs). Pages published
    in a folder of their own (the residents' website pages, ``tryggare-lulea/``) are not diary
    documents and get no PDF.

    Returns ``{job name: pdf path relative to year_dir, or None when it could not be printed}``; a page
    that fails is reported on the console and in the manifest's job (``pdf_error``), the others go on.
    """
    console = console or Console(stderr=True)
    year_dir = Path(year_dir)
    manifest_file = year_dir / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    exe = chromium or chromium_path()
    if exe is None:
        console.print("PDF: chromium not found (apt-get install chromium); reports published without PDFs",
                      highlight=False)
        return {}
    scope = set(manifest.get("only") or [j["name"] for j in manifest.get("jobs", [])])  # --only: the jobs run now
    for j in manifest.get("jobs", []):
        if j["name"] in scope and j.get("status") != "ok":  # no PDF of an older run beside a failed report
            (year_dir / f"{j['name']}.pdf").unlink(missing_ok=True)
    jobs = [j for j in manifest.get("jobs", []) if j["name"] in scope and j.get("status") == "ok"
            and (j.get("outputs") or {}).get("html") and "/" not in j["outputs"]["html"]
            and (year_dir / j["outputs"]["html"]).is_file()]
    date = _date_sv(manifest.get("finished") or manifest.get("started"))
    year = int(manifest["year"])
    results: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    t0 = time.perf_counter()
    with Chromium(exe) as browser, ThreadPoolExecutor(max_workers=max(1, min(tabs, len(jobs) or 1))) as pool:
        def one(job: dict) -> None:
            rel = pdf_path(job["outputs"]["html"])
            try:
                browser.print_page(year_dir / job["outputs"]["html"], year_dir / rel,
                                   header_template(job.get("title") or job["name"], year, date))
                results[job["name"]] = rel
            except Exception as exc:  # noqa: BLE001 - one page's failure must not stop the others
                results[job["name"]] = None
                errors[job["name"]] = f"{type(exc).__name__}: {exc}"[:300]

        list(pool.map(one, jobs))
    for job in manifest.get("jobs", []):
        if job["name"] in scope and job["name"] not in results:  # failed, or a page that gets no PDF
            (job.get("outputs") or {}).pop("pdf", None)
        if job["name"] in results:
            job.setdefault("outputs", {})["pdf"] = results[job["name"]]
            if job["name"] in errors:
                job["pdf_error"] = errors[job["name"]]
    manifest["pdf_seconds"] = round(time.perf_counter() - t0, 2)
    atomic_write(manifest_file, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    done = sum(1 for v in results.values() if v)
    console.print(f"PDF: {done} of {len(jobs)} reports printed in {manifest['pdf_seconds']:.1f} s"
                  + (f"; failed: {', '.join(f'{k} ({v})' for k, v in errors.items())}" if errors else ""),
                  highlight=False)
    return results


def after_run(result, plan: str | Path, console: Console | None = None) -> None:
    """The run's last step: the PDFs of the year it published, when the plan says ``pdf: true``. A browser
    that cannot start costs the PDFs, never the published reports (the console says why)."""
    if not getattr(result, "published", False):
        return
    doc = load_yaml(Path(plan), "the run plan does not exist")
    if doc.get(PDF_KEY) is not True:
        return
    try:
        write_pdfs(Path(result.manifest_path).parent, console=console)
    except (OSError, RuntimeError, ValueError, websocket.WebSocketException) as exc:  # the reports stay published
        (console or Console(stderr=True)).print(f"PDF: no PDFs this run — {type(exc).__name__}: {exc}", highlight=False)


def _date_sv(stamp: str | None) -> str:
    try:
        d = dt.datetime.fromisoformat(str(stamp)).date()
    except (TypeError, ValueError):
        d = dt.date.today()
    return f"{d.day} {MONTHS_SV[d.month - 1]} {d.year}"


class Chromium:
    """One headless Chromium (a context manager); each thread drives its own tab (:meth:`tab`) over its
    own DevTools connection."""

    def __init__(self, exe: str) -> None:
        self.exe = exe
        self.local = threading.local()
        self.sockets: list = []

    def __enter__(self) -> "Chromium":
        self.profile = tempfile.mkdtemp(prefix="trygghet-pdf-")
        port_file = Path(self.profile) / "DevToolsActivePort"
        self.proc = subprocess.Popen([self.exe, *_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):  # bounded: up to a minute for the browser to open its port
            if port_file.is_file() and len(port_file.read_text().splitlines()) >= 2:
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.exe} exited before it opened its DevTools port")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{self.exe} did not open its DevTools port within a minute")
        port, path = port_file.read_text().splitlines()[:2]
        self.endpoint = f"ws://127.0.0.1:{port}{path}"
        return self

    def __exit__(self, *exc) -> None:
        for ws in self.sockets:
            try:
                ws.close()
            except Exception:  # noqa: BLE001
                pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def tab(self) -> "Tab":
        """This thread's tab (opened on first use)."""
        tab = getattr(self.local, "tab", None)
        if tab is None:
            ws = websocket.create_connection(self.endpoint, timeout=PAGE_TIMEOUT, suppress_origin=True,
                                             enable_multithread=True)
            self.sockets.append(ws)
            tab = self.local.tab = Tab(ws)
        return tab

    def print_page(self, page: Path, target: Path, header: str) -> None:
        self.tab().print_page(page, target, header)


class Tab:
    def __init__(self, ws) -> None:
        self.ws = ws
        self.id = 0
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank", "newWindow": True})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": 1000, "height": 1400, "deviceScaleFactor": 1,
                                                         "mobile": False})

    def call(self, method: str, params: dict | None = None, wait_event: str | None = None) -> dict:
        self.id += 1
        msg = {"id": self.id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        result, seen = None, wait_event is None
        while result is None or not seen:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message', reply['error'])}")
                result = reply["result"]
            elif wait_event and reply.get("method") == wait_event and reply.get("sessionId") == self.session:
                seen = True
        return result

    def open(self, page: Path, width: int = 1000, height: int = 1400) -> None:
        """Load ``page`` in a window ``width`` x ``height`` CSS px wide (narrow widths as a phone)."""
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": width < 600})
        self.call("Page.navigate", {"url": Path(page).resolve().as_uri()}, wait_event="Page.loadEventFired")

    def evaluate(self, expression: str):
        """The JSON value of a JavaScript expression in the page (promises awaited)."""
        reply = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise RuntimeError(f"script failed: {reply['exceptionDetails'].get('text', '')}")
        return reply["result"].get("value")

    def print_page(self, page: Path, target: Path, header: str) -> None:
        self.open(page)
        boxes = self.evaluate(_MAP_BOXES) or []
        shots = []
        for box in boxes:  # the interactive maps as pictures of the same view
            if box["width"] < 10 or box["height"] < 10:
                shots.append(None)
                continue
            data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                        "clip": {**box, "scale": 1.5}})["data"]
            shots.append(data)
        for i in reversed(range(len(shots))):  # from the last, so the earlier indices still hold
            if shots[i]:
                self.evaluate(f"{_REPLACE_MAP}({i}, 'data:image/png;base64,{shots[i]}')")
        data = self.call("Page.printToPDF", {
            "printBackground": True, "displayHeaderFooter": True, "headerTemplate": header,
            "footerTemplate": footer_template(), "paperWidth": 8.27, "paperHeight": 11.69, "marginTop": 0.7,
            "marginBottom": 0.7, "marginLeft": 0.6, "marginRight": 0.6, "preferCSSPageSize": False, "scale": PRINT_SCALE,
        })["data"]
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(base64.b64decode(data))
        os.replace(tmp, target)
