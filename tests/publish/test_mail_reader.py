"""The email as a reader gets it (issue 12, item 2): the three answers first, links to the published
reports under ``reports_url``, the follow-up's PDF attached, one zip with the index page whose links
between reports work offline, a body that reads at 390 px without sideways scrolling (measured in
headless Chromium), and all of it under the size guard."""

from __future__ import annotations

import base64
import io
import json
import posixpath
import re
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from trygghet.publish import pdf
from trygghet.publish.mail import MAX_MESSAGE_BYTES, build_message, load_config

URL = "https://intranat.lulea.example/trygghet"
INDEX = """<!DOCTYPE html><html lang="sv"><body><a href="../index.html">Alla år</a>
<a href="rapport-0.html">Rapport 0</a> <a href="rapport-1.html#avsnitt">Rapport 1</a>
<a href="analys.html">Analytikernas rapport</a> <a href="manifest.json">Manifest</a>
<a href="notebooks/">Notebooks</a> <a href="#topp">Upp</a> <a href="https://polisen.se/">Polisen</a></body></html>"""


def publish(out: Path, record: dict, sizes=(30_000, 50_000), with_pdf: bool = True) -> tuple[dict, Path]:
    """A published year: index page, two mailed reports linking each other and the index, one report
    kept out of the mail, the follow-up's record and (``with_pdf``) its PDF."""
    year_dir = out / "2024"
    (year_dir / "records").mkdir(parents=True)
    (year_dir / "records" / "uppfoljning.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (year_dir / "index.html").write_text(INDEX, encoding="utf-8")
    jobs = []
    for i, size in enumerate(sizes):
        other = f"rapport-{1 - i}.html"
        body = (f'<a href="index.html">Alla rapporter</a> <a href="{other}">Den andra</a> '
                f'<a href="analys.html#x">Analys</a><p>' + "Trygghet i Luleå. " * (size // 18) + "</p>")
        (year_dir / f"rapport-{i}.html").write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")
        jobs.append({"name": f"rapport-{i}", "title": f"Rapport {i}", "status": "ok", "outputs": {"html": f"rapport-{i}.html"}})
    (year_dir / "analys.html").write_text("<html><body>analys</body></html>", encoding="utf-8")
    jobs.append({"name": "analys", "title": "Analys", "status": "ok", "mail": False, "outputs": {"html": "analys.html"}})
    follow = {"name": "uppfoljning", "title": "Uppföljning", "status": "ok", "mail": False, "outputs": {"html": None}}
    if with_pdf:
        (year_dir / "uppfoljning.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n")
        follow["outputs"]["pdf"] = "uppfoljning.pdf"
    jobs.append(follow)
    manifest = {"run_id": "2024-test", "year": 2024, "status": "ok", "data_fingerprint": "ab" * 32,
                "code_version": "0.1.0", "municipality": {"code": "2581", "name": "Piteå"}, "jobs": jobs}
    (year_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest, year_dir


def config(path: Path, url: str | None) -> Path:
    doc = {"sender": "Trygghet <trygghet@lulea.example>", "recipients": ["styrgrupp@lulea.example"],
           "smtp": {"host": "127.0.0.1", "port": 25, "security": "none"}}
    if url:
        doc["reports_url"] = url
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def message(tmp_path: Path, record: dict, url: str | None = URL, **kw):
    manifest, year_dir = publish(tmp_path / "reports", record, **kw)
    raw = build_message(manifest, year_dir, load_config(config(tmp_path / "mail.yaml", url))).as_bytes()
    return raw, BytesParser(policy=policy.default).parsebytes(raw)


def zipped(msg) -> zipfile.ZipFile:
    part = next(p for p in msg.iter_attachments() if p.get_filename().endswith(".zip"))
    return zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True)))


def links(page: str) -> list[str]:
    return [a.get("href") for a in BeautifulSoup(page, "html.parser").find_all("a") if a.get("href") is not None]


def test_links_answers_first_and_the_pdf(tmp_path, follow_up_record):
    raw, msg = message(tmp_path, follow_up_record)
    assert len(raw) <= MAX_MESSAGE_BYTES
    assert [p.get_filename() for p in msg.iter_attachments()] == ["uppfoljning.pdf", "trygghetsrapporter-2024.zip"]
    assert next(msg.iter_attachments()).get_content_type() == "application/pdf"
    html = msg.get_body(preferencelist=("html",)).get_content()
    plain = msg.get_body(preferencelist=("plain",)).get_content()
    hrefs = links(html)
    assert f"{URL}/2024/index.html" in hrefs and f"{URL}/2024/index.html" in plain
    # each answer's links go to the published pages: the evidence of the same year
    for a in follow_up_record["answers"]:
        for _, href in (p for p in a["parts"] if p[1]):
            target = f"{URL}/2024/" + ("uppfoljning.html" + href if href.startswith("#") else href)
            assert target in hrefs and f"<{target}>" in plain
    # the answers come first in both bodies
    first = plain.strip().splitlines()
    assert first[2].startswith("Tryggare? ") and "Var? " in plain.split("MÅLUPPFÖLJNING")[0]
    assert "uppfoljning.pdf" in plain.split("BIFOGAT")[1]
    # the store's municipality, not a name written into the code
    assert "samverkan Piteå kommun och polisen" in plain and "samverkan Piteå kommun och polisen" in html
    assert "Luleå" not in plain.split("--")[-1]


def test_zip_holds_the_index_and_its_links_work(tmp_path, follow_up_record):
    _, msg = message(tmp_path, follow_up_record)
    with zipped(msg) as zf:
        names = set(zf.namelist())
        assert names == {"index.html", "rapport-0.html", "rapport-1.html"}
        for name in names:
            for href in links(zf.read(name).decode("utf-8")):
                if href.startswith("#") or re.match(r"^https?:", href):
                    continue
                assert posixpath.normpath(href.split("#")[0]) in names, f"{name}: the link {href} leads nowhere in the zip"
        index = links(zf.read("index.html").decode("utf-8"))
    # pages not in the zip are reached on the published site; the rest stays as it was
    assert f"{URL}/index.html" in index and f"{URL}/2024/analys.html" in index and f"{URL}/2024/notebooks/" in index
    assert "rapport-1.html#avsnitt" in index and "#topp" in index and "https://polisen.se/" in index

    # without reports_url a link that would lead nowhere keeps its words and loses its link
    _, msg = message(tmp_path / "utan", follow_up_record, url=None)
    with zipped(msg) as zf:
        page = zf.read("index.html").decode("utf-8")
        assert "Analytikernas rapport" in page and "analys.html" not in links(page)
        assert all(not h.startswith(("..", "manifest", "notebooks")) for h in links(page))
    plain = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Alla rapporter:" not in plain and "<https://" not in plain


def test_size_guard_keeps_the_pdf_and_drops_the_largest_reports(tmp_path, follow_up_record):
    import random

    rng = random.Random(2)
    manifest, year_dir = publish(tmp_path / "reports", follow_up_record, sizes=(10,) * 2)
    for i, size in enumerate((10_000_000, 2_000_000)):  # incompressible: zipped they still do not both fit
        noise = "".join(rng.choices("abcdefghijklmnopqrstuvwxyzåäö0123456789", k=size))
        (year_dir / f"rapport-{i}.html").write_text(f'<html><body><a href="rapport-{1 - i}.html">Den andra</a>{noise}'
                                                    "</body></html>", encoding="utf-8")
    raw = build_message(manifest, year_dir, load_config(config(tmp_path / "m.yaml", URL))).as_bytes()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert len(raw) <= MAX_MESSAGE_BYTES
    assert [p.get_filename() for p in msg.iter_attachments()] == ["uppfoljning.pdf", "trygghetsrapporter-2024.zip"]
    with zipped(msg) as zf:
        assert sorted(zf.namelist()) == ["index.html", "rapport-1.html"]
        assert f"{URL}/2024/rapport-0.html" in links(zf.read("rapport-1.html").decode("utf-8"))
    assert "Rapport 0" in msg.get_body(preferencelist=("plain",)).get_content().split("fick inte plats")[1]


@pytest.mark.browser
@pytest.mark.skipif(pdf.chromium_path() is None, reason="headless Chromium not installed (apt-get install chromium)")
def test_body_reads_at_390_px(tmp_path, follow_up_record):
    _, msg = message(tmp_path, follow_up_record)
    html = msg.get_body(preferencelist=("html",)).get_content()
    related = msg.get_body(preferencelist=("related",))
    for part in related.iter_parts():  # the inline chart as the mail client shows it
        if part.get_content_type() == "image/png":
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            html = html.replace(f"cid:{part['Content-ID'].strip('<>')}", f"data:image/png;base64,{data}")
    body = tmp_path / "brev.html"
    body.write_text(html, encoding="utf-8")
    with pdf.Chromium(pdf.chromium_path()) as browser:
        tab = browser.tab()
        tab.open(body, width=390, height=800)
        size = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth, "
                            "Math.max(...[...document.querySelectorAll('td, img, span, b')].map(e => "
                            "e.getBoundingClientRect().right))]")
        assert size[0] <= size[1] <= 390, f"the body scrolls sideways at 390 px: {size}"
        assert size[2] <= 390, f"something sticks out at 390 px: {size}"
        shown = tab.evaluate("document.body.innerText")
        tab.open(body, width=1280, height=800)
        wide = tab.evaluate("document.querySelector('table table').getBoundingClientRect().width")
    assert wide == 640, "one column of at most 640 px on a wide screen"
    first = [line for line in shown.splitlines() if line.strip()][:4]
    assert first[0] == "Trygghetsrapporter 2024" and first[1].startswith("Tryggare?") and first[3].startswith("Rätt riktat?")
