"""The report notebooks: their shape in git, and a real papermill run of each on the demo data."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = [p.stem for p in NOTEBOOKS]
EXPECTED = {"datakvalitet", "lagesbild", "brottskoncentrationer", "preventionsnivaer", "uppfoljning", "omradesprofil"}
# small parameters where a notebook is slow; every notebook also runs with its defaults in the pipeline tests
EXTRA = {"omradesprofil": {"area": "Porsön"}, "brottskoncentrationer": {"category_group": "vald", "cell_size": 500}}


def test_every_report_notebook_exists():
    assert EXPECTED <= set(NAMES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_shape_in_git(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "outputs must be stripped"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    for line in tagged[0].source.splitlines():
        assert re.match(r"^\w+: (int|str|float|bool) = .+  # \S", line), f"parameter without type or comment: {line}"
    assert {"year", "store", "lang"} <= set(pm.inspect_notebook(str(path)).keys())
    assert nb.cells[0].cell_type == "markdown" and "Vem läser den" in nb.cells[0].source
    for cell in code:
        tree = ast.parse(cell.source)
        banned = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.For, ast.While, ast.ClassDef))]
        assert not banned, f"logic belongs in the library, not in a notebook cell: {cell.source[:80]}"
        assert len(cell.source.splitlines()) <= 12, "notebook cells stay short"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_calls_one_report_module(path):
    """Code cells import from ``trygghet.reports`` only — one report module (``from trygghet.reports
    import uppfoljning as r``), nothing from the analysis or data layers, no other package — and hold no
    definitions or loops: the notebook is a report, the library does the work."""
    nb = nbformat.read(path, as_version=4)
    modules, offending = set(), []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "trygghet.reports" and not node.level:
                modules.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trygghet.reports.") and not node.level:
                modules.add(node.module.removeprefix("trygghet.reports."))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                offending.append(ast.unparse(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.For,
                                   ast.AsyncFor, ast.While)):
                offending.append(f"{type(node).__name__} in: {cell.source[:60]}")
    assert not offending, f"{path.name}: import only one report module from trygghet.reports; no def/for/while: {offending}"
    assert modules == {path.stem}, (f"{path.name}: the code cells call its one report module "
                                    f"trygghet.reports.{path.stem}, not {sorted(modules) or 'none'}")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_clean_on_demo_data(name, demo_store, tmp_path):
    out = tmp_path / f"{name}.ipynb"
    params = {"store": str(demo_store), "year": 2025, **EXTRA.get(name, {})}
    pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(out), parameters=params,
                        kernel_name="python3", cwd=str(ROOT / "notebooks"), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error", f"{name}: cell failed: {cell.source[:80]}"
            assert not (o["output_type"] == "stream" and o.get("name") == "stderr"), f"{name}: warning output: {o.get('text', '')[:300]}"
    html, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(nb)
    _assert_publishable(html, demo_store)


def _assert_publishable(html: str, store: Path) -> None:
    """No offence rows, case numbers, places, offence labels or free text in the published page."""
    import pandas as pd

    offences = pd.read_parquet(store / "offences.parquet")
    assert "5000-K" not in html, "a case number is published"
    for text in offences["place_text"].dropna().unique()[:200]:
        if len(text) > 8:
            assert text not in html, f"a free-text place is published: {text}"
    ids = set(offences["offence_id"].astype(str).sample(200, random_state=1))
    found = [i for i in ids if re.search(rf"[>\s]{re.escape(i)}[<\s]", html)]
    assert not found, f"offence ids are published: {found[:5]}"
    for headers, rows in _tables(html):
        for j, header in enumerate(headers):
            h = header.lower()
            if not COUNT_HEADER.search(h) or NOT_COUNT.search(h):
                continue
            small = [r[j] for r in rows if j < len(r) and re.fullmatch(r"[1-4]", r[j].strip())]
            assert not small, f"a count of 1–4 is published in column '{header}': {small[:5]}"


COUNT_HEADER = re.compile(r"antal|brott|fynd|händelser|personer|misstänkta")
NOT_COUNT = re.compile(r"^rang|^år|per |andel|kvot|index|kategori|^hot spot-rutor|^antal rutor|^rutor")


def _tables(html: str) -> list[tuple[list[str], list[list[str]]]]:
    """The HTML tables of a page as (headers, rows of cell texts), with the standard library's parser."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell, self.row = [], None, None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append(([], []))
            elif tag == "tr" and self.tables:
                self.row = []
            elif tag in ("td", "th") and self.row is not None:
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.row.append((tag, self.cell.strip()))
                self.cell = None
            elif tag == "tr" and self.row is not None and self.tables:
                headers, rows = self.tables[-1]
                if all(t == "th" for t, _ in self.row) and not headers:
                    headers.extend(c for _, c in self.row)
                else:
                    rows.append([c for _, c in self.row])
                self.row = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Parser()
    parser.feed(html)
    return parser.tables
