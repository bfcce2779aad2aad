"""A run-plan entry's ``html``: a page published in a folder of its own (the residents' folder), checked
before any kernel starts, and a real run (papermill, nbconvert) that writes it there, lists it in the
manifest and links it from the year's index."""

from __future__ import annotations

import json
import re

import pytest
from rich.console import Console

from trygghet.data.errors import ParameterError
from trygghet.publish.plan import html_path, load_plan
from trygghet.publish.run import run_reports


@pytest.fixture(scope="module")
def store(tmp_path_factory, make_tiny_store):
    return make_tiny_store(tmp_path_factory.mktemp("store"))


@pytest.mark.parametrize("value, message", [
    ("../utanfor.html", "must be a page name like 'folder/page.html'"),
    ("publik/under/djup.html", "must be a page name like 'folder/page.html'"),
    ("Publik/Sida.html", "must be a page name like 'folder/page.html'"),
    ("publik/sida.htm", "must be a page name like 'folder/page.html'"),
    ("index.html", "would replace the year's own files"),
    ("records/x.html", "would replace the year's own files"),
])
def test_a_bad_html_path_is_refused_before_any_kernel(tmp_path, store, write_plan, value, message):
    plan = write_plan(tmp_path / "p.yaml", [{"name": "x", "notebook": "rapport.ipynb", "html": value}])
    with pytest.raises(ParameterError, match=re.escape(message)):
        load_plan(plan, store, 2024)


def test_html_names_one_page_so_not_a_foreach_entry(tmp_path, store, write_plan):
    plan = write_plan(tmp_path / "p.yaml", [{"name": "x", "notebook": "rapport.ipynb", "foreach": "area",
                                             "html": "publik/x.html"}])
    with pytest.raises(ParameterError, match="'html' names one page; a 'foreach' entry publishes several"):
        load_plan(plan, store, 2024)


def test_a_page_is_published_in_its_folder(tmp_path, store, write_plan):
    plan = write_plan(tmp_path / "p.yaml", [
        {"name": "rapport", "notebook": "rapport.ipynb", "title": "Intern rapport"},
        {"name": "publik", "notebook": "rapport.ipynb", "title": "Publik sida", "html": "publik/index.html",
         "mail": False},
    ])
    jobs = load_plan(plan, store, 2024)
    assert [html_path(j) for j in jobs] == ["rapport.html", "publik/index.html"]
    out = tmp_path / "reports"
    result = run_reports(2024, store=store, out=out, plan=plan, jobs=1, console=Console(quiet=True))
    assert result.failed == []
    year = out / "2024"
    page = year / "publik" / "index.html"
    assert page.is_file() and (year / "rapport.html").is_file() and not (year / "publik.html").exists()
    assert "<title>Publik sida</title>" in page.read_text(encoding="utf-8")
    manifest = json.loads((year / "manifest.json").read_text(encoding="utf-8"))
    entry = next(j for j in manifest["jobs"] if j["name"] == "publik")
    assert entry["outputs"] == {"html": "publik/index.html", "notebook": "notebooks/publik.ipynb",
                                "record": "records/publik.json"}
    assert 'href="publik/index.html"' in (year / "index.html").read_text(encoding="utf-8")
