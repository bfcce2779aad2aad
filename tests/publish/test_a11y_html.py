"""The published page's structure for phones and screen readers, without a browser: tables that stack row by
row with their column names, the full table one tap away, and the title before the table of contents."""

from __future__ import annotations

import re

import nbformat
import pandas as pd

from trygghet.publish.html import STACK_FROM_COLUMNS, notebook_to_html, responsive_tables

PROVENANCE = {"title": "Uppföljning", "year": 2025, "notebook": "u.ipynb", "parameters_text": "inga",
              "fingerprint": "f", "code_version": "v", "run_at": "nu", "duration": "1 s", "run_id": "r"}


def test_wide_tables_get_column_names_roles_and_the_full_table_switch():
    wide = pd.DataFrame({"Delmål": ["M1.1 Otrygghet", "M1.2 Index"], "Värde": ["20 %", "2,1"], "Mål": ["17 %", "1,9"],
                         "Status": ["risk", "på väg"]}).style.hide(axis="index").to_html()
    out = responsive_tables(wide)
    assert '<div class="tr-table"><details class="tr-table-wide"><summary>Visa hela tabellen</summary>' in out
    assert 'tabindex="0" role="region" aria-label="Tabell: Delmål, Värde, Mål"' in out
    cells = re.findall(r'<td[^>]*data-label="([^"]*)"[^>]*>([^<]*)</td>', out)
    assert cells[:4] == [("Delmål", "M1.1 Otrygghet"), ("Värde", "20 %"), ("Mål", "17 %"), ("Status", "risk")]
    assert out.count('role="columnheader"') == 4 and out.count('role="row"') == 3 and 'role="table"' in out


def test_narrow_tables_and_tables_without_header_pass_unchanged():
    narrow = pd.DataFrame({"a": [1], "b": [2]}).style.hide(axis="index").to_html()
    assert STACK_FROM_COLUMNS > 2 and responsive_tables(narrow) == narrow
    bare = "<table><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></table>"
    assert responsive_tables(bare) == bare


def test_a_spanning_header_cell_names_every_column_it_spans():
    table = ('<table><thead><tr><th>Område</th><th colspan="2">Värde</th><th>Status</th></tr></thead>'
             '<tbody><tr><td>A</td><td>1</td><td>2</td><td>ok</td></tr></tbody></table>')
    labels = re.findall(r'data-label="([^"]*)"', responsive_tables(table))
    assert labels == ["Område", "Värde", "Värde", "Status"]


def test_the_title_comes_before_the_table_of_contents():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Rubrik\n\nVem läser den: styrgruppen."),
        nbformat.v4.new_markdown_cell("## Första\n\ntext"),
        nbformat.v4.new_markdown_cell("## Andra\n\ntext"),
    ])
    page = notebook_to_html(nb, PROVENANCE)
    h1, intro, toc, first = (page.index("<h1"), page.index("Vem läser den"), page.index('<nav class="trygghet-toc"'),
                             page.index('<h2 id="F'))
    assert h1 < intro < toc < first
    assert '<html lang="sv"' in page or "<html lang='sv'" in page
