"""The published pages: an executed notebook as self-contained HTML, and the index pages.

``notebook_to_html`` exports a report without code, prompts, parameter cells, stderr or recorded
results (:mod:`trygghet.publish.records`), with images inline, a table of contents, the run plan's
title as the page's title and first heading, and a provenance footer. ``write_year_index`` and
``write_overview_index`` write ``<year>/index.html`` and ``index.html`` from the manifests.
"""

from __future__ import annotations

import copy
import datetime as dt
import html as html_mod
import json
import re
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from babel.dates import format_datetime
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from trygghet.publish.lock import TIMEZONE, atomic_write
from trygghet.publish.records import is_record
from trygghet.reports import brottskoncentrationer, wording

__all__ = ["notebook_to_html", "responsive_tables", "html_exporter", "write_year_index", "write_overview_index", "parameters_text",
           "format_time", "templates_dir", "REMOVE_CELL_TAGS"]

#: cell tags removed from the published HTML (besides papermill's parameter cells)
REMOVE_CELL_TAGS = ("parameters", "injected-parameters", "remove-cell", "remove_cell", "hide")
#: run parameters that are the same for every report of a year (not shown beside each link)
_RUN_PARAMETERS = ("store", "year", "lang", "period")

_EXPORTER: HTMLExporter | None = None
_HEADING = re.compile(r'<h([1-3]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_H1_LINE = re.compile(r"^#\s+\S.*$", re.M)
_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S | re.I)
_CELL = re.compile(r"<(td|th)\b([^>]*)>", re.I)
#: tables with at least this many columns are stacked row by row on a phone (narrower ones fit)
STACK_FROM_COLUMNS = 4


def notebook_to_html(nb, provenance: dict | None = None) -> str:
    """An executed notebook as a self-contained HTML page (str) the steering group can read.

    No code, no prompts, no parameter cells, no stderr output, no recorded results; images stay inline
    (base64); a table of contents from the headings and, with ``provenance`` (keys ``title``, ``year``,
    ``notebook``, ``parameters_text``, ``fingerprint``, ``code_version``, ``run_at``, ``duration``,
    ``run_id``), a header, the title as ``<title>`` and first heading, and a provenance footer. Nothing
    is fetched from the web when the page opens.
    """
    resources: dict[str, Any] = {"trygghet": provenance or {}}
    if provenance and provenance.get("title"):  # the browser tab's and the attachment's <title>
        resources["metadata"] = {"name": str(provenance["title"])}
    body, _ = html_exporter().from_notebook_node(copy.deepcopy(nb), resources=resources)
    return responsive_tables(_insert_toc(body))


def html_exporter() -> HTMLExporter:
    """The one configured exporter of this process (built once: it reads the templates)."""
    global _EXPORTER
    if _EXPORTER is None:
        exporter = HTMLExporter(
            template_name="trygghet",
            extra_template_basedirs=[str(templates_dir() / "nbconvert")],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            language_code="sv",
            theme="light",
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL_TAGS, remove_input_tags=("remove-input",),
                                  remove_all_outputs_tags=("remove-output",)), enabled=True)
        exporter.register_preprocessor(_publish_filter, enabled=True)
        _EXPORTER = exporter
    return _EXPORTER


def parameters_text(params: dict) -> str:
    """A job's parameters as a reader reads them: ``"område: Örnäset"``, ``"brottsgrupp: Våldsbrott"``
    (Swedish names and values, never the store's ids); ``"inga"`` when there are none."""
    return ", ".join(f"{wording.parameter_name(k)}: {_value_text(k, v)}" for k, v in params.items()) or "inga"


def write_year_index(year_dir: Path, manifest: dict) -> Path:
    """Write ``year_dir/index.html``: the year's reports (grouped as the plan says) and the failures."""
    jobs = copy.deepcopy(manifest["jobs"])
    ok = [j for j in jobs if j.get("status") == "ok"]
    failed = [j for j in jobs if j.get("status") != "ok"]
    for j in ok:  # shown beside each link
        shown = {k: v for k, v in (j.get("parameters") or {}).items() if k not in _RUN_PARAMETERS}
        j["params_text"] = parameters_text(shown) if shown else ""
    reports = [j for j in ok if not j.get("group")]
    groups: dict[str, list] = {}
    for j in ok:
        if j.get("group"):
            groups.setdefault(j["group"], []).append(j)
    html = _render_template("index_year.html.j2", m=manifest, reports=reports, groups=list(groups.items()),
                            failed=failed, run_at=format_time(manifest.get("finished")),
                            code_version=manifest.get("code_version", ""))
    target = Path(year_dir) / "index.html"
    atomic_write(target, html)
    return target


def write_overview_index(out: str | Path) -> Path:
    """Write ``out/index.html`` listing every published year (from each year's manifest)."""
    out_path = Path(out)
    years, periods, municipality = [], [], None
    for manifest in sorted(out_path.glob("*/manifest.json"), key=lambda p: p.parent.name, reverse=True):
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        jobs = m.get("jobs", [])
        entry = {
            "year": m.get("year", manifest.parent.name),
            "period": m.get("period") or manifest.parent.name,
            "total": len(jobs),
            "failed": sum(1 for j in jobs if j.get("status") != "ok"),
            "run_at": format_time(m.get("finished") or m.get("started")),
        }
        if m.get("period"):  # a quarter, month or week (trygghet run --period)
            periods.append(entry)
        elif re.fullmatch(r"\d{4}", manifest.parent.name):
            years.append(entry)
            municipality = municipality or (m.get("municipality") or {}).get("name")
    html = _render_template("index_all.html.j2", years=years, periods=periods, municipality=municipality)
    target = out_path / "index.html"
    atomic_write(target, html)
    return target


def format_time(iso: str | None) -> str:
    """An ISO time as Swedish readers read it: ``"3 mars 2025 kl. 06:15"`` (Swedish local time)."""
    if not iso:
        return "okänd tid"
    when = dt.datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=TIMEZONE)
    return format_datetime(when.astimezone(TIMEZONE), "d MMMM y 'kl.' HH:mm", locale="sv_SE")


def _value_text(name: str, value: Any) -> str:
    if name == "category_group":
        return brottskoncentrationer.group_name(str(value))
    if name == "lang":
        return wording.language_name(str(value))
    return str(value)


def templates_dir() -> Path:
    """The package's templates (the index pages and the nbconvert template ``trygghet``)."""
    return Path(__file__).resolve().parents[1] / "templates"


def _publish_filter(nb, resources):
    """Drop what a reader must not see — stderr streams, recorded results, papermill's error banner,
    code cells left without output — and give the page the run plan's title as its first heading."""
    cells = []
    for cell in nb.cells:
        if "papermill-error-cell-tag" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and not is_record(o)]
            if not cell.outputs:
                continue
        cells.append(cell)
    title = str((resources.get("trygghet") or {}).get("title") or "")
    if title:
        for cell in cells:  # the notebook's own "# Heading" is the same for every job of a notebook
            if cell.cell_type == "markdown" and _H1_LINE.search(cell.source):
                cell.source = _H1_LINE.sub(lambda _m: "# " + title.replace("\\", "\\\\"), cell.source, count=1)
                break
    nb.cells = cells
    return nb, resources


def _insert_toc(body: str) -> str:
    """Replace the template's ``<!--trygghet-toc-->`` with a table of contents: the h2 headings as a
    numbered list (1, 2, 3 …), each with its h3 headings as an unnumbered sub-list (h1 if no h2)."""
    found = [(int(level), anchor, html_mod.unescape(re.sub(r"<[^>]+>", "", text)).replace("¶", "").strip())
             for level, anchor, text in _HEADING.findall(body)]
    entries = [f for f in found if f[0] >= 2] or found
    if len(entries) < 2:
        return body.replace("<!--trygghet-toc-->", "", 1)
    top = min(level for level, _, _ in entries)
    items: list[str] = []
    sub: list[str] = []

    def close_sub() -> None:
        if sub:
            items[-1] = items[-1].removesuffix("</li>") + '<ul>' + "".join(sub) + "</ul></li>"
            sub.clear()

    for level, anchor, text in entries:
        link = f'<a href="#{anchor}">{html_mod.escape(text)}</a>'
        if level == top or not items:
            close_sub()
            items.append(f'<li class="toc-{level}">{link}</li>')
        else:
            sub.append(f'<li class="toc-{level}">{link}</li>')
    close_sub()
    nav = ('<nav class="trygghet-toc" aria-label="Innehåll"><h2>Innehåll</h2><ol>\n'
           + "\n".join(items) + "\n</ol></nav>")
    if "</h1>" not in body:
        return body.replace("<!--trygghet-toc-->", nav, 1)
    # the title comes first: the contents follow the cell that holds the page's h1
    body = body.replace("<!--trygghet-toc-->", "", 1)
    h1 = re.search(r"</h1>", body)
    cell = re.compile(r'<div class="jp-Cell\b').search(body, h1.end())
    if cell is None:
        return body[:h1.end()] + nav + body[h1.end():]
    return body[:cell.start()] + nav + "\n" + body[cell.start():]


def responsive_tables(body: str) -> str:
    """Tables that read on a phone: every table of :data:`STACK_FROM_COLUMNS` or more columns with a
    header row gets each cell's column name (``data-label``), table roles (kept when CSS stacks the
    rows) and a wrapper with a "Visa hela tabellen" switch. The page's CSS (the nbconvert template)
    shows such a table row by row below 640 px, and as the full table, scrolling sideways in its own
    box, when the reader opens the switch. Other tables pass unchanged."""
    return _TABLE.sub(_responsive_table, body)


def _responsive_table(match: re.Match) -> str:
    table = match.group(0)
    head = re.search(r"<thead\b.*?</thead>", table, re.S | re.I)
    if head is None:
        return table
    rows = re.findall(r"<tr\b.*?</tr>", head.group(0), re.S | re.I)
    if not rows:
        return table
    labels = []
    for attrs, text in re.findall(r"<th\b([^>]*)>(.*?)</th>", rows[-1], re.S | re.I):
        span = re.search(r'colspan="?(\d+)', attrs)
        label = html_mod.unescape(re.sub(r"<[^>]+>|¶", "", text)).strip()
        labels += [label] * (int(span.group(1)) if span else 1)
    if len(labels) < STACK_FROM_COLUMNS:
        return table
    body_start = head.end()

    def row(m: re.Match) -> str:
        i = -1

        def cell(c: re.Match) -> str:
            nonlocal i
            span = re.search(r'colspan="?(\d+)', c.group(2))
            i += int(span.group(1)) if span else 1
            label = labels[min(i, len(labels) - 1)]
            role = "rowheader" if c.group(1).lower() == "th" else "cell"
            return f'<{c.group(1)}{c.group(2)} role="{role}" data-label="{html_mod.escape(label)}">'

        return '<tr role="row"' + _CELL.sub(cell, m.group(0)[3:])

    rest = re.sub(r"<tr\b.*?</tr>", row, table[body_start:], flags=re.S | re.I)
    thead = re.sub(r"<th\b", '<th role="columnheader"', head.group(0), flags=re.I)
    thead = re.sub(r"<tr\b", '<tr role="row"', thead, flags=re.I)
    opening = re.match(r"<table\b([^>]*)>", table, re.I)
    caption = re.search(r"<caption\b[^>]*>(.*?)</caption>", table, re.S | re.I)
    name = html_mod.unescape(re.sub(r"<[^>]+>", "", caption.group(1))).strip() if caption else ", ".join(labels[:3])
    start = f'<table{opening.group(1)} role="table" class="tr-stack">' if 'class="' not in opening.group(1) else \
        re.sub(r'class="', 'role="table" class="tr-stack ', opening.group(0), count=1)
    return ('<div class="tr-table"><details class="tr-table-wide"><summary>Visa hela tabellen</summary></details>'
            f'<div class="tr-table-box" tabindex="0" role="region" aria-label="Tabell: {html_mod.escape(name)}">'
            + start + table[opening.end():head.start()] + thead + rest + "</div></div>")


def _render_template(name: str, **context) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True)
    return env.get_template(name).render(**context)


def without_server_paths(node, paths_to_hide: dict[str, str]) -> int:
    """Replace server paths in an executed notebook before it is published: every string in its
    metadata and in the injected-parameters cell that holds a key of ``paths_to_hide`` (an absolute
    path) gets the value instead (e.g. the store's folder name). Returns the number of strings changed.
    The notebook can still be run again after setting ``store`` to the analyst's own store."""
    changed = 0

    def clean(value):
        nonlocal changed
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            new = value
            for path, shown in sorted(paths_to_hide.items(), key=lambda kv: -len(kv[0])):
                new = new.replace(path, shown)
            changed += new != value
            return new
        return value

    node.metadata = nbformat.from_dict(clean(dict(node.metadata)))
    for cell in node.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = clean(cell.source)
    return changed
