"""The published pages without running a notebook: table of contents, hidden records, titles, index labels."""

from __future__ import annotations

import re

import nbformat

from trygghet.publish.html import notebook_to_html, parameters_text, write_year_index
from trygghet.publish.records import RECORD_MIME

PROVENANCE = {"title": "Brottskoncentrationer – våldsbrott", "year": 2025, "notebook": "b.ipynb",
              "parameters_text": "brottsgrupp: Våldsbrott", "fingerprint": "f", "code_version": "v",
              "run_at": "nu", "duration": "1 s", "run_id": "r"}


def _page(cells) -> str:
    return notebook_to_html(nbformat.v4.new_notebook(cells=cells), PROVENANCE)


def _toc(page: str) -> str:
    return re.search(r'<nav class="trygghet-toc".*?</nav>', page, re.S).group(0)


def test_toc_numbers_the_sections_without_gaps():
    page = _page([nbformat.v4.new_markdown_cell(
        "# Brottskoncentrationer\n\n## Karta\n\n## Tabell\n\n### Per område\n\n### Per år\n\n## Utveckling")])
    toc = _toc(page)
    numbered = re.search(r"<ol>(.*)</ol>", toc, re.S).group(1)
    top = re.sub(r"<ul>.*?</ul>", "", numbered, flags=re.S)  # what the <ol> numbers 1, 2, 3 …
    assert re.findall(r">([^<>]+)</a>", top) == ["Karta", "Tabell", "Utveckling"]
    sub = re.search(r"<ul>(.*?)</ul>", numbered, re.S).group(1)  # the h3s sit inside "Tabell", unnumbered
    assert re.findall(r">([^<>]+)</a>", sub) == ["Per område", "Per år"]
    assert numbered.index("Tabell") < numbered.index("<ul>") < numbered.index("Utveckling")
    for anchor in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{anchor}"' in page


def test_an_h3_before_any_h2_is_a_numbered_entry():
    toc = _toc(_page([nbformat.v4.new_markdown_cell("# T\n\n### Inledning\n\n## Del ett\n\n## Del två")]))
    assert re.findall(r'<li class="toc-(\d)">', toc) == ["3", "2", "2"] and "<ul>" not in toc


def test_records_never_show_in_the_page():
    record = nbformat.v4.new_output("display_data", data={RECORD_MIME: {"key": "beslut", "value": ["HEMLIGT-BESLUT"]}})
    both = nbformat.v4.new_output("display_data", data={RECORD_MIME: {"key": "k", "value": 1},
                                                        "text/plain": "SYNLIG-TEXT"})
    shown = nbformat.v4.new_output("display_data", data={"text/html": "<p>SYNLIG-TABELL</p>"})
    page = _page([nbformat.v4.new_markdown_cell("# T"),
                  nbformat.v4.new_code_cell("glue()", outputs=[record]),
                  nbformat.v4.new_code_cell("glue(); tabell()", outputs=[both, shown])])
    assert "HEMLIGT-BESLUT" not in page and "vnd.trygghet.record" not in page and "SYNLIG-TEXT" not in page
    assert "SYNLIG-TABELL" in page
    assert page.count('class="jp-Cell jp-CodeCell') == 1  # the record-only cell is gone, no empty box


def test_the_template_alone_hides_records(tmp_path):
    """Even an export without the run's filter (the template on its own) shows no record."""
    from nbconvert import HTMLExporter

    from trygghet.publish.html import templates_dir

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("glue()", outputs=[nbformat.v4.new_output(
        "display_data", data={RECORD_MIME: {"key": "k", "value": "HEMLIGT"}, "text/plain": "HEMLIGT-TEXT"})])])
    body, _ = HTMLExporter(template_name="trygghet", extra_template_basedirs=[str(templates_dir() / "nbconvert")]
                           ).from_notebook_node(nb, resources={"trygghet": {}})
    assert "HEMLIGT" not in body


def test_page_title_and_first_heading_are_the_jobs_title():
    page = _page([nbformat.v4.new_markdown_cell("# Brottskoncentrationer\n\nText.\n\n## Karta\n\n# Annan rubrik")])
    assert re.search(r"<title>Brottskoncentrationer – våldsbrott</title>", page)
    h1s = [re.sub(r"<[^>]+>|¶", "", h).strip() for h in re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)]
    assert h1s == ["Brottskoncentrationer – våldsbrott", "Annan rubrik"]  # only the first heading


def test_parameters_read_as_swedish_words():
    assert parameters_text({"category_group": "vald"}) == "brottsgrupp: Våldsbrott"
    assert parameters_text({"category_group": "alla", "area": "Örnäset"}) == "brottsgrupp: Alla brott, område: Örnäset"
    assert parameters_text({"category_group": "kommunala"}) == "brottsgrupp: Kommunala händelser"
    assert parameters_text({}) == "inga"


def test_year_index_shows_readable_labels(tmp_path):
    jobs = [{"name": f"brottskoncentrationer-{g}", "title": t, "group": None, "label": None, "status": "ok",
             "parameters": {"year": 2025, "lang": "sv", "category_group": g},
             "outputs": {"html": f"brottskoncentrationer-{g}.html"}}
            for g, t in (("alla", "Brottskoncentrationer – alla brott"), ("vald", "Brottskoncentrationer – våldsbrott"))]
    manifest = {"year": 2025, "jobs": jobs, "finished": "2025-03-01T06:00:00+01:00", "data_fingerprint": "f",
                "run_id": "r", "code_version": "v"}
    page = write_year_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert "brottsgrupp: Våldsbrott" in page and "brottsgrupp: Alla brott" in page
    assert not re.search(r"=\s*(vald|alla)\b", page) and ">vald<" not in page
    assert "språk" not in page and "2025-03" not in page  # run-wide parameters are not repeated per link
    assert "params_text" not in manifest["jobs"][0]  # the manifest itself is left as it is
