"""trygghet mail: the body from the run's record of the follow-up (never the live store), message structure,
size guard, and delivery through a real SMTP server on loopback; end to end, the email says what the
published uppfoljning.html says."""

from __future__ import annotations

import io
import json
import re
import socket
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from rich.console import Console

from trygghet.analysis import indicators
from trygghet.data.errors import ParameterError
from trygghet.publish.mail import MAX_MESSAGE_BYTES, build_message, load_config, message_key, send_reports
from trygghet.publish.run import run_reports
from trygghet.reports import uppfoljning

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
QUIET = Console(quiet=True)
FINGERPRINT = "cd" * 32


# ---------------------------------------------------------------------------------------------- fixtures


class Inbox:
    """aiosmtpd handler that keeps what the server accepted."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK: queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, **kw):
    ctrl = aiosmtpd_controller.Controller(Inbox(), hostname="127.0.0.1", port=port, **kw)
    ctrl.start()
    return ctrl


def publish(out: Path, year: int = 2024, sizes=(40_000, 60_000), failed: bool = True, content=None,
            record: dict | None = None) -> Path:
    """A published year as `trygghet run` leaves it: manifest.json, the HTML reports and, with ``record``,
    the follow-up's record ``records/uppfoljning.json``."""
    year_dir = out / str(year)
    year_dir.mkdir(parents=True)
    if record is not None:
        (year_dir / "records").mkdir()
        (year_dir / "records" / "uppfoljning.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    jobs = []
    for i, size in enumerate(sizes):
        name = f"rapport-{i}"
        body = content(i, size) if content else ("<p>" + "Trygghet i Luleå. " * (size // 18) + "</p>")
        (year_dir / f"{name}.html").write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")
        jobs.append({"name": name, "title": f"Rapport {i}", "status": "ok", "outputs": {"html": f"{name}.html"},
                     "parameters": {"year": year}, "duration_s": 1.0, "error": None})
    if failed:
        jobs.append({"name": "fel", "title": "Felande rapport", "status": "failed", "outputs": {"html": None},
                     "parameters": {}, "duration_s": 0.5, "error": "ValueError: avsiktligt"})
    manifest = {"run_id": f"{year}-test", "year": year, "status": "failed" if failed else "ok",
                "data_fingerprint": FINGERPRINT, "code_version": "0.1.0+gabc", "jobs": jobs}
    (year_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return year_dir


def write_config(path: Path, port: int, security: str = "none", **smtp) -> Path:

    doc = {"sender": "Trygghet <trygghet@lulea.example>",
           "recipients": ["styrgrupp@lulea.example", "polis@lulea.example"],
           "smtp": {"host": "127.0.0.1", "port": port, "security": security, "timeout": 5, **smtp}}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def norm(text: str) -> str:
    """Whitespace (and no-break spaces) as one space, so texts compare as a reader reads them."""
    return re.sub(r"\s+", " ", text).strip()


def visible_text(html: str) -> str:
    """What a reader sees of an HTML page or body: its text, whitespace normalised."""
    return norm(BeautifulSoup(html, "html.parser").get_text(" ", strip=True))


# ---------------------------------------------------------------------------------------------- content


def test_message_structure_summary_and_attachments(tmp_path, follow_up_record, indicator_store):
    rec = follow_up_record
    statuses = indicators.follow_up(indicator_store, 2025)["status"]
    status = f"{(statuses == 'on_track').sum()} av {len(statuses)} delmål på väg"
    year_dir = publish(tmp_path / "reports", record=rec)
    cfg = load_config(write_config(tmp_path / "mail.yaml", 25))
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    msg = parse(build_message(manifest, year_dir, cfg).as_bytes())

    assert rec["subject_status"] == status
    assert msg["Subject"] == f"Trygghetsrapporter 2024: {status}; 1 av 3 rapporter kunde inte skapas"
    assert msg["To"] == "styrgrupp@lulea.example, polis@lulea.example"
    # the key names the failed set, so a re-run that mends the failed report mails the corrected set once
    assert msg["Message-ID"] == f"<trygghet.{message_key(manifest)}@lulea.example>"
    assert message_key(manifest).startswith(f"2024-{FINGERPRINT[:12]}-0.1.0+gabc-fel")
    mended = {**manifest, "jobs": [{**j, "status": "ok"} for j in manifest["jobs"]]}
    assert message_key(mended) == f"2024-{FINGERPRINT[:12]}-0.1.0+gabc"
    assert msg.get_content_type() == "multipart/mixed"
    alt, *attachments = msg.get_payload()
    assert alt.get_content_type() == "multipart/alternative"
    text, related = alt.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html" and image.get_content_type() == "image/png"
    assert image.get_payload(decode=True).startswith(b"\x89PNG")
    html = html_part.get_content()
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    assert "<script" not in html.lower() and "<iframe" not in html.lower() and "<style" not in html.lower()
    assert "max-width:640px" in html and 'width="640"' not in html, "one column that shrinks with the screen"
    shown = visible_text(html)
    plain = norm(text.get_content())
    # the record's words, as recorded: the status sentence, the decisions, every goal row, the main changes
    assert rec["status_sentence"].startswith("Av 6 delmål är ") and rec["decisions"]
    for body in (shown, plain):
        assert norm(rec["status_sentence"]) in body and uppfoljning.DECISIONS_HEADING in body
        for line in rec["decisions"] + rec["main_changes"]:
            assert norm(line) in body
        for goal in rec["goals"]:
            assert all(norm(goal[k]) in body for k in ("subgoal", "status_word", "trend", "value", "reason"))
    assert "1 av 3 rapporter kunde inte skapas: Felande rapport." in plain
    # the answers open both bodies, before anything else the follow-up says
    assert [a["key"] for a in rec["answers"]] == ["safer", "where", "aimed"]
    for body in (shown, plain):
        starts = [body.index(norm(a["text"])) for a in rec["answers"]]
        assert starts == sorted(starts) and starts[-1] < body.index(norm(rec["status_sentence"]))
    assert [a.get_filename() for a in attachments] == ["trygghetsrapporter-2024.zip"]
    with zipfile.ZipFile(io.BytesIO(attachments[0].get_payload(decode=True))) as zf:
        assert sorted(zf.namelist()) == ["rapport-0.html", "rapport-1.html"]
        assert zf.read("rapport-0.html") == (year_dir / "rapport-0.html").read_bytes()


def test_record_text_is_escaped_in_the_html_body(tmp_path, follow_up_record):
    rec = json.loads(json.dumps(follow_up_record))
    rec["decisions"] = ["M9.9 Fler <b>trygga</b> & nöjda"]
    year_dir = publish(tmp_path / "reports", record=rec, failed=False)
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    msg = parse(build_message(manifest, year_dir, load_config(write_config(tmp_path / "m.yaml", 25))).as_bytes())
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "Fler &lt;b&gt;trygga&lt;/b&gt; &amp; nöjda" in html and "<b>trygga</b>" not in html


def test_size_guard_zips_then_leaves_out_the_largest(tmp_path):
    import random
    import zipfile

    cfg = load_config(write_config(tmp_path / "mail.yaml", 25))
    # compressible: 5 reports of 2.5 MB go over the limit as base64 but fit zipped
    year_dir = publish(tmp_path / "a", sizes=[2_500_000] * 5, failed=False)
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    raw = build_message(manifest, year_dir, cfg).as_bytes()
    assert len(raw) <= MAX_MESSAGE_BYTES
    msg = parse(raw)
    attachments = msg.get_payload()[1:]
    assert [a.get_filename() for a in attachments] == ["trygghetsrapporter-2024.zip"]
    with zipfile.ZipFile(__import__("io").BytesIO(attachments[0].get_payload(decode=True))) as zf:
        assert sorted(zf.namelist()) == [f"rapport-{i}.html" for i in range(5)]
    assert "finns i trygghetsrapporter-2024.zip" in msg.get_payload()[0].get_payload()[0].get_content()

    # incompressible: even zipped they do not fit, so the largest are left out and the body says which
    rng = random.Random(1)
    alphabet = "abcdefghijklmnopqrstuvwxyzåäöABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    noise = lambda i, size: "".join(rng.choices(alphabet, k=size))  # noqa: E731
    year_dir = publish(tmp_path / "b", sizes=[3_000_000, 5_000_000, 2_000_000], failed=False, content=noise)
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    raw = build_message(manifest, year_dir, cfg).as_bytes()
    assert len(raw) <= MAX_MESSAGE_BYTES
    plain = parse(raw).get_payload()[0].get_payload()[0].get_content()
    assert "fick inte plats" in plain and "Rapport 1" in plain.split("fick inte plats")[1]
    with zipfile.ZipFile(__import__("io").BytesIO(parse(raw).get_payload()[1].get_payload(decode=True))) as zf:
        assert "rapport-1.html" not in zf.namelist() and "rapport-2.html" in zf.namelist()


def test_a_run_without_a_follow_up_record_gives_a_clear_note(tmp_path, monkeypatch):
    # the live store is not read: a store path in the environment or the manifest changes nothing
    year_dir = publish(tmp_path / "reports", failed=False)
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    msg = parse(build_message(manifest, year_dir, load_config(write_config(tmp_path / "m.yaml", 25))).as_bytes())
    assert msg["Subject"] == "Trygghetsrapporter 2024: alla 2 rapporter klara"
    body = msg.get_payload()[0].get_payload()[0].get_content()
    assert "Måluppföljningen kunde inte sammanställas för e-posten" in body
    assert "records/uppfoljning.json" not in body, "error details belong in the log, not in the steering group's email"
    # a broken record is the same clear note, not a crash
    (year_dir / "records").mkdir()
    (year_dir / "records" / "uppfoljning.json").write_text('{"status_sentence": "x"}', encoding="utf-8")
    msg = parse(build_message(manifest, year_dir, load_config(write_config(tmp_path / "m.yaml", 25))).as_bytes())
    assert "Måluppföljningen kunde inte sammanställas" in msg.get_payload()[0].get_payload()[0].get_content()


@pytest.mark.parametrize("smtp, message", [
    ({"password": "hemligt"}, "never put the password in the file"),
    ({"host": "smtp.lulea.example"}, "only allowed for localhost"),
    ({"security": "tls13"}, "must be one of starttls, ssl, none"),
    ({"ca_file": "saknas.pem"}, "does not exist"),
])
def test_bad_config_is_refused(tmp_path, smtp, message):
    with pytest.raises(ParameterError, match=message):
        load_config(write_config(tmp_path / "m.yaml", 25, **smtp))


def test_shipped_config_is_valid():
    cfg = load_config(Path(__file__).resolve().parents[2] / "config" / "mail.yaml")
    assert cfg.security in ("starttls", "ssl") and cfg.password_env == "TRYGGHET_SMTP_PASSWORD"


# ---------------------------------------------------------------------------------------------- delivery


def test_server_down_then_up_sends_exactly_once(tmp_path, follow_up_record):
    out = tmp_path / "reports"
    publish(out, record=follow_up_record)
    port = free_port()
    config = write_config(tmp_path / "mail.yaml", port)

    down = send_reports(year=2024, reports=out, config=config, console=QUIET)
    assert not down.ok and "not sent" in down.summary and "ConnectionRefusedError" in down.summary
    key = message_key(json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8")))
    assert (out / "outbox" / f"{key}.eml").is_file() and down.pending == [key]

    ctrl = start_server(port)
    try:
        up = send_reports(year=None, reports=out, config=config, console=QUIET)
        assert up.ok and up.sent == [key] and up.pending == []
        again = send_reports(year=2024, reports=out, config=config, console=QUIET)
        assert again.ok and again.sent == [] and "already sent" in again.summary
        assert len(ctrl.handler.envelopes) == 1
        env = ctrl.handler.envelopes[0]
        assert env.mail_from == "trygghet@lulea.example"
        assert sorted(env.rcpt_tos) == ["polis@lulea.example", "styrgrupp@lulea.example"]
        received = parse(env.original_content)
        assert received["Subject"] == (f"Trygghetsrapporter 2024: {follow_up_record['subject_status']}; "
                                       "1 av 3 rapporter kunde inte skapas")
        assert env.original_content.replace(b"\r\n", b"\n") == \
            (out / "outbox" / "sent" / f"{key}.eml").read_bytes().replace(b"\r\n", b"\n")
    finally:
        ctrl.stop()
    assert not list((out / "outbox").glob("*.eml"))


def test_starttls_with_login(tmp_path, smtp_cert, monkeypatch):
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.login == b"trygghet" and auth_data.password == b"hemligt-123")

    out = tmp_path / "reports"
    publish(out)
    port = free_port()
    config = write_config(tmp_path / "mail.yaml", port, security="starttls", username="trygghet",
                          password_env="TEST_TRYGGHET_SMTP_PW", ca_file=str(smtp_cert["cert"]))
    ctrl = start_server(port, tls_context=smtp_cert["context"], require_starttls=True, authenticator=authenticator,
                        auth_require_tls=True)
    try:
        monkeypatch.delenv("TEST_TRYGGHET_SMTP_PW", raising=False)
        with pytest.raises(ParameterError, match="TEST_TRYGGHET_SMTP_PW"):
            send_reports(year=2024, reports=out, config=config, console=QUIET)
        monkeypatch.setenv("TEST_TRYGGHET_SMTP_PW", "hemligt-123")
        ok = send_reports(year=2024, reports=out, config=config, console=QUIET)
        assert ok.ok and len(ok.sent) == 1, ok.summary
        assert len(ctrl.handler.envelopes) == 1
    finally:
        ctrl.stop()


def test_implicit_tls_and_untrusted_certificate(tmp_path, smtp_cert):
    out = tmp_path / "reports"
    publish(out, failed=False)
    port = free_port()
    ctrl = start_server(port, ssl_context=smtp_cert["context"])
    try:
        untrusted = write_config(tmp_path / "u.yaml", port, security="ssl")
        bad = send_reports(year=2024, reports=out, config=untrusted, console=QUIET)
        assert not bad.ok and "CERTIFICATE_VERIFY_FAILED" in bad.summary
        trusted = write_config(tmp_path / "t.yaml", port, security="ssl", ca_file=str(smtp_cert["cert"]))
        good = send_reports(year=2024, reports=out, config=trusted, console=QUIET)
        assert good.ok and len(ctrl.handler.envelopes) == 1
    finally:
        ctrl.stop()


def test_dry_run_writes_the_eml_only(tmp_path, cli):
    out = tmp_path / "reports"
    publish(out)
    config = write_config(tmp_path / "mail.yaml", free_port())
    proc = cli("mail", "--year", "2024", "--out", str(out), "--config", str(config), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    dry = list((out / "outbox" / "dry-run").glob("*.eml"))
    assert len(dry) == 1 and "nothing sent" in proc.stdout
    assert parse(dry[0].read_bytes())["Subject"].startswith("Trygghetsrapporter 2024")
    assert not list((out / "outbox").glob("*.eml")) and not list((out / "outbox" / "sent").glob("*.eml"))


def test_nothing_published_is_a_clear_error(tmp_path, cli):
    config = write_config(tmp_path / "mail.yaml", 25)
    proc = cli("mail", "--out", str(tmp_path / "tom"), "--config", str(config))
    assert proc.returncode == 2 and "no published reports to mail" in proc.stderr


def test_message_key_changes_with_data_and_code():
    m = {"year": 2024, "data_fingerprint": FINGERPRINT, "code_version": "0.1.0+gabc"}
    assert message_key(m) != message_key({**m, "data_fingerprint": "ef" * 32})
    assert message_key(m) != message_key({**m, "code_version": "0.1.1"})
    assert message_key(m) == message_key(dict(m))


# ---------------------------------------------------------------------------------------------- end to end


def test_the_email_says_what_the_published_follow_up_says(tmp_path, demo_store):
    """A real run of the follow-up notebook (papermill + nbconvert through `trygghet run`) on the small
    demo store, then `trygghet mail` to a real SMTP server: the email's plain and HTML bodies hold the
    status sentence and the decision lines of uppfoljning.html, and the subject its status."""
    out = tmp_path / "reports"
    run = run_reports(2025, store=demo_store, out=out, only=["uppfoljning"], jobs=1, console=QUIET)
    assert not run.failed, run.failed
    year_dir = out / "2025"
    rec = json.loads((year_dir / "records" / "uppfoljning.json").read_text(encoding="utf-8"))
    assert set(uppfoljning.RECORD_KEYS) <= set(rec)
    page_html = (year_dir / "uppfoljning.html").read_text(encoding="utf-8")
    page = visible_text(page_html)
    assert "vnd.trygghet.record" not in page_html and "status_counts" not in page, "the record must not show"
    assert norm(rec["status_sentence"]) in page and f"{uppfoljning.DECISIONS_HEADING}:" in page
    assert rec["decisions"], "the demo year has sub-goals that are not on track"
    for line in rec["decisions"]:
        assert norm(line) in page
    for goal in rec["goals"]:
        assert norm(goal["reason"]) in page and norm(goal["trend"]) in page
    assert sum(rec["status_counts"].values()) == len(rec["goals"])

    port = free_port()
    ctrl = start_server(port)
    try:
        sent = send_reports(year=2025, reports=out, config=write_config(tmp_path / "mail.yaml", port), console=QUIET)
        assert sent.ok, sent.summary
        assert len(ctrl.handler.envelopes) == 1
        msg = parse(ctrl.handler.envelopes[0].original_content)
    finally:
        ctrl.stop()
    assert rec["subject_status"] in msg["Subject"] and re.fullmatch(r"\d+ av \d+ delmål på väg", rec["subject_status"])
    plain = norm(msg.get_body(preferencelist=("plain",)).get_content())
    html = visible_text(msg.get_body(preferencelist=("html",)).get_content())
    for body in (plain, html):
        assert norm(rec["status_sentence"]) in body
        for line in rec["decisions"]:
            assert norm(line) in body
