"""Email the year's reports to the steering group: outbox first, sent once, retried when the server was down.

``send_reports`` builds one message per (year, data fingerprint, code version): a plain-text body and an
HTML alternative with the follow-up summary — read from the record the run published of the follow-up
report (``<year>/records/uppfoljning.json``, :mod:`trygghet.reports.uppfoljning`), never recomputed from
the live store: the status sentence, the decisions needed, the goal rows and the year's main changes,
with the status chart inlined by ``cid:`` — the HTML reports attached (zipped, and the largest left out, when the message would
pass Postfix's default 10 240 000 bytes). The message is written to ``OUT/outbox/<key>.eml`` before it is
sent and moved to ``OUT/outbox/sent/`` only once the SMTP server accepted it; a message still in the
outbox is sent by the next call, and a key found in ``sent/`` is never sent again.

Settings come from ``config/mail.yaml``; the SMTP password only from the environment variable it names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import json
import os
import hashlib
import logging
import re
import smtplib
import ssl
import time
import zipfile
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, parseaddr
from pathlib import Path
from typing import Any

from rich.console import Console

from trygghet.data.config import load_yaml, paths
from trygghet.data.errors import ParameterError, TrygghetError
from trygghet.publish import records
from trygghet.publish.lock import run_lock
from trygghet.reports import uppfoljning

_log = logging.getLogger("trygghet.publish.mail")

__all__ = [
    "MAX_MESSAGE_BYTES",
    "MailConfig",
    "MailResult",
    "load_config",
    "message_key",
    "build_message",
    "send_reports",
]

#: Postfix's default message_size_limit; the whole message as sent, base64 included
MAX_MESSAGE_BYTES = 10_240_000
SECURITY_MODES = ("starttls", "ssl", "none")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

STATUS_COLOURS = {  # follow_up's status codes: badge background, text (readable, colour-blind safe pairs)
    "on_track": ("#dcebf7", "#004b7a"), "at_risk": ("#fff0cc", "#7a5200"), "off_track": ("#fbe3d6", "#9c3400"),
    "not_measurable": ("#eeeeee", "#444444"),
}
#: the run-plan job whose record the body is built from
FOLLOW_UP_JOB = "uppfoljning"


@dataclass(frozen=True)
class MailConfig:
    """The mail settings (``config/mail.yaml``); ``password_env`` names the variable holding the password."""

    sender: str
    recipients: tuple[str, ...]
    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = "TRYGGHET_SMTP_PASSWORD"
    ca_file: Path | None = None
    timeout: float = 30.0
    reports_url: str | None = None


@dataclass
class MailResult:
    """``ok`` is False when a message could not be delivered (it stays in the outbox) or was refused."""

    ok: bool
    summary: str
    sent: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    eml: Path | None = None


def send_reports(
    year: int | None = None,
    reports: str | Path | None = None,
    config: str | Path | None = None,
    dry_run: bool = False,
    console: Console | None = None,
) -> MailResult:
    """Send the published reports of ``year`` (default: the latest published) to the steering group.

    First every message still waiting in the outbox is sent (oldest first), then this year's message
    unless its key is already in ``outbox/sent/``. ``dry_run`` writes the message to
    ``outbox/dry-run/<key>.eml`` and sends nothing. Raises ``ParameterError`` for a bad config or when
    nothing is published for the year; a server that is down gives ``ok=False`` (the message waits).
    """
    console = console or Console(stderr=True)
    out = Path(reports) if reports is not None else paths().reports
    cfg = load_config(config if config is not None else paths().config / "mail.yaml")
    year = int(year) if year is not None else _latest_published(out)
    manifest = _manifest(out, year)
    key = message_key(manifest)
    outbox = out / "outbox"
    (outbox / "sent").mkdir(parents=True, exist_ok=True)

    with run_lock(outbox, f"mail {year}"):
        if dry_run:
            target = outbox / "dry-run" / f"{key}.eml"
            target.parent.mkdir(exist_ok=True)
            _write_eml(target, build_message(manifest, out / str(year), cfg))
            return MailResult(ok=True, summary=f"dry run: message written to {target}; nothing sent", eml=target)
        eml = outbox / f"{key}.eml"
        already = (outbox / "sent" / f"{key}.eml").is_file()
        _drop_superseded(outbox, key)
        if not already and (not eml.is_file() or _run_of(eml) != str(manifest.get("run_id", ""))):
            # a message never accepted may be rebuilt: it then tells the latest run of the same key
            _write_eml(eml, build_message(manifest, out / str(year), cfg))
        return _deliver_outbox(outbox, cfg, console, key, already)


def _drop_superseded(outbox: Path, key: str) -> None:
    """A waiting (never accepted) message of the same year, data and code but another set of failed
    reports is replaced by this run's: the steering group gets the latest state once, not both."""
    base = key.split("-fel", 1)[0]
    for waiting in outbox.glob("*.eml"):
        if waiting.stem != key and waiting.stem.split("-fel", 1)[0] == base:
            _log.info("waiting message %s superseded by %s", waiting.name, key)
            waiting.unlink()


def load_config(path: str | Path) -> MailConfig:
    """Read and check ``mail.yaml``; ``ParameterError`` names the wrong key and the fix."""
    p = Path(path)
    doc = load_yaml(p, "mail settings not found; copy config/mail.yaml and fill in the steering group's list")
    smtp = doc.get("smtp") or {}
    recipients = doc.get("recipients") or []
    if isinstance(recipients, str):
        recipients = [recipients]
    if not recipients:
        raise ParameterError(f"{p}: 'recipients' is empty; list the steering group's addresses")
    for addr in [doc.get("sender", ""), *recipients]:
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", parseaddr(str(addr))[1] or ""):
            raise ParameterError(f"{p}: '{addr}' is not an email address (sender/recipients)")
    security = str(smtp.get("security", "starttls")).lower()
    if security not in SECURITY_MODES:
        raise ParameterError(f"{p}: smtp.security must be one of {', '.join(SECURITY_MODES)}, got '{security}'")
    host = str(smtp.get("host") or "")
    if not host:
        raise ParameterError(f"{p}: smtp.host is missing")
    if security == "none" and host not in LOCAL_HOSTS:
        raise ParameterError(f"{p}: smtp.security 'none' is only allowed for localhost, not '{host}'; "
                             "use starttls or ssl")
    if "password" in smtp:
        raise ParameterError(f"{p}: never put the password in the file; set smtp.password_env to the name of "
                             "an environment variable that holds it")
    try:
        port = int(smtp.get("port", 465 if security == "ssl" else 587))
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{p}: smtp.port must be a number") from exc
    ca = smtp.get("ca_file")
    ca_path = (p.parent / str(ca)).resolve() if ca else None
    if ca_path is not None and not ca_path.is_file():
        raise ParameterError(f"{p}: smtp.ca_file {ca_path} does not exist")
    return MailConfig(sender=str(doc["sender"]), recipients=tuple(str(r) for r in recipients), host=host, port=port,
                      security=security, username=smtp.get("username") or None,
                      password_env=smtp.get("password_env") or None, ca_file=ca_path,
                      timeout=float(smtp.get("timeout", 30)), reports_url=doc.get("reports_url") or None)


def message_key(manifest: dict) -> str:
    """The idempotence key of a year's message: year, data fingerprint, code version and which reports
    failed — so a re-run that mends a failed report sends the corrected set once more, and nothing else
    is ever sent twice."""
    fp = str(manifest.get("data_fingerprint") or "okant")[:12]
    version = re.sub(r"[^A-Za-z0-9.+_-]", "_", str(manifest.get("code_version") or "0"))
    failed = sorted(j["name"] for j in manifest.get("jobs", []) if j.get("status") != "ok")
    key = f"{manifest['year']}-{fp}-{version}"
    if failed:
        key += "-fel" + hashlib.sha256(",".join(failed).encode("utf-8")).hexdigest()[:8]
    return key


def build_message(manifest: dict, year_dir: str | Path, cfg: MailConfig) -> EmailMessage:
    """The year's message: multipart/mixed > alternative(text, related(html, chart png)) + attachments.

    Attachments are the published HTML reports; when the message would exceed ``MAX_MESSAGE_BYTES`` they
    are zipped, and if that is still too large the largest reports are left out, which the body says.
    """
    year_dir = Path(year_dir)
    summary = follow_up_summary(year_dir)
    files = [(j["title"], year_dir / j["outputs"]["html"]) for j in manifest.get("jobs", [])
             if j.get("status") == "ok" and j.get("mail", True) and (j.get("outputs") or {}).get("html")
             and (year_dir / j["outputs"]["html"]).is_file()]
    msg = _compose(manifest, cfg, summary, [(p.name, p.read_bytes()) for _, p in files], note=None)
    if len(msg.as_bytes()) <= MAX_MESSAGE_BYTES:
        return msg
    kept = sorted(files, key=lambda f: f[1].stat().st_size)
    left_out: list[str] = []
    while True:
        zip_name = f"trygghetsrapporter-{manifest['year']}.zip"
        attachments = [(zip_name, _zip(p for _, p in kept))] if kept else []
        note = (f"Rapporterna är packade i {zip_name} för att brevet inte ska bli för stort."
                if kept else "Rapporterna kunde inte bifogas eftersom brevet annars blir för stort.")
        if left_out:
            note += (" Följande rapporter fick inte plats och finns bara på den publicerade sidan: "
                     + ", ".join(left_out) + ".")
        msg = _compose(manifest, cfg, summary, attachments, note=note)
        if len(msg.as_bytes()) <= MAX_MESSAGE_BYTES or not kept:
            return msg
        title, _ = kept.pop()  # the largest goes first
        left_out.append(title)


# --------------------------------------------------------------------------------------------------
# delivery
# --------------------------------------------------------------------------------------------------


def _deliver_outbox(outbox: Path, cfg: MailConfig, console: Console, key: str, already: bool) -> MailResult:
    pending = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    sent: list[str] = []
    problems: list[str] = []
    if pending:
        console.print(f"mail: {len(pending)} message(s) to {cfg.host}:{cfg.port} ({cfg.security})", highlight=False)
    for eml in pending:
        if (outbox / "sent" / eml.name).is_file():  # sent before a crash could move it: never twice
            eml.unlink()
            continue
        try:
            refused = _smtp_send(cfg, eml.read_bytes())
        except TrygghetError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            problems.append(f"{eml.name} not sent: {cfg.host}:{cfg.port} — {type(exc).__name__}: {exc}".strip())
            break  # the server is down or refuses us: the rest waits as well
        os.replace(eml, outbox / "sent" / eml.name)
        with open(outbox / "sent.log", "a", encoding="utf-8") as log:
            log.write(f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')} sent {eml.name}"
                      + (f" refused: {', '.join(refused)}" if refused else "") + "\n")
        sent.append(eml.stem)
        if refused:
            problems.append(f"{eml.name}: the server refused {', '.join(sorted(refused))}")
    waiting = [p.stem for p in sorted(outbox.glob("*.eml"))]
    parts = []
    if sent:
        parts.append("sent " + ", ".join(sent))
    if already and key not in sent:
        parts.append(f"{key} was already sent; not sent again")
    if problems:
        parts.append("; ".join(problems))
    if waiting:
        parts.append(f"waiting in {outbox}: {', '.join(waiting)} (the next `trygghet mail` or cycle sends it)")
    summary = "; ".join(parts) or "nothing to send"
    eml_path = outbox / "sent" / f"{key}.eml" if (outbox / "sent" / f"{key}.eml").is_file() else outbox / f"{key}.eml"
    return MailResult(ok=not problems, summary=summary, sent=sent, pending=waiting, eml=eml_path)


def _smtp_send(cfg: MailConfig, raw: bytes) -> dict:
    """Hand one message to the server; returns the recipients it refused (the others accepted it)."""
    msg = BytesParser(policy=policy.SMTP).parsebytes(raw, headersonly=True)
    to = [addr for _, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", [])) if addr]
    sender = parseaddr(str(msg["From"]))[1]
    password = None
    if cfg.username:
        password = os.environ.get(cfg.password_env or "")
        if not password:
            raise ParameterError(f"smtp.username is set but the environment variable {cfg.password_env or '(none)'} "
                                 "holding the password is empty; export it (secrets never go in mail.yaml)")
    context = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
    if cfg.security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    else:
        server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    with server:
        server.ehlo()
        if cfg.security == "starttls":
            server.starttls(context=context)
            server.ehlo()
        if cfg.username:
            try:
                server.login(cfg.username, password)
            except UnicodeEncodeError as exc:
                raise ParameterError(f"the SMTP user name or password in {cfg.password_env} has non-ASCII "
                                     "characters, which Python's smtplib cannot send; use an ASCII password") from exc
        return server.sendmail(sender, to, raw)


def _run_of(eml: Path) -> str:
    with open(eml, "rb") as fh:
        return str(BytesParser(policy=policy.SMTP).parse(fh, headersonly=True).get("X-Trygghet-Run", ""))


def _write_eml(path: Path, msg: EmailMessage) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(msg.as_bytes(policy=policy.SMTP))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------------
# message content
# --------------------------------------------------------------------------------------------------


def _compose(manifest: dict, cfg: MailConfig, summary: dict, attachments: list[tuple[str, bytes]],
             note: str | None) -> EmailMessage:
    year = manifest["year"]
    jobs = manifest.get("jobs", [])
    failed = [j for j in jobs if j.get("status") != "ok"]
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = _subject(year, len(jobs), len(failed), summary.get("subject_status"))
    msg["From"] = cfg.sender
    msg["To"] = ", ".join(cfg.recipients)
    msg["Date"] = format_datetime(dt.datetime.now().astimezone())
    domain = parseaddr(cfg.sender)[1].split("@")[-1] or "trygghet.local"
    msg["Message-ID"] = f"<trygghet.{message_key(manifest)}@{domain}>"
    msg["X-Trygghet-Run"] = str(manifest.get("run_id", ""))
    context = {"year": year, "jobs": jobs, "failed": failed, "summary": summary, "note": note,
               "manifest": manifest, "reports_url": cfg.reports_url,
               "attached": [name for name, _ in attachments]}
    msg.set_content(_text_body(context), subtype="plain", charset="utf-8")
    msg.add_alternative(_html_body(context), subtype="html", charset="utf-8")
    if summary.get("chart_png"):
        html_part = msg.get_payload()[1]
        html_part.add_related(summary["chart_png"], maintype="image", subtype="png", cid=f"<{summary['chart_cid']}>",
                              filename="uppfoljning.png", disposition="inline")
    for name, data in attachments:
        if name.endswith(".zip"):
            msg.add_attachment(data, maintype="application", subtype="zip", filename=name)
        else:
            msg.add_attachment(data, maintype="text", subtype="html", filename=name)
    return msg


def _subject(year: int, total: int, failed: int, status: str | None = None) -> str:
    """"Trygghetsrapporter 2025: 1 av 11 delmål på väg" (and the failed reports, when any)."""
    reports = f"{failed} av {total} rapporter kunde inte skapas" if failed else f"alla {total} rapporter klara"
    return f"Trygghetsrapporter {year}: " + (f"{status}; {reports}" if status else reports)


def follow_up_summary(year_dir: str | Path) -> dict:
    """The follow-up as the run published it (the record of :data:`FOLLOW_UP_JOB`, keys in
    :data:`trygghet.reports.uppfoljning.RECORD_KEYS`) and its status chart; a clear note instead when the
    run published no record (the follow-up report failed or is not in the run plan)."""
    out: dict[str, Any] = {"status_sentence": "", "subject_status": None, "decisions": [], "decisions_intro": "",
                           "watch": "", "goals": [], "main_changes": [], "notes": [], "chart_png": None,
                           "chart_cid": f"uppfoljning-{Path(year_dir).name}@trygghet", "recorded": False}
    try:
        record = records.read(year_dir, FOLLOW_UP_JOB)
        missing = [k for k in uppfoljning.RECORD_KEYS if k not in record]
        if missing:
            raise ParameterError(f"the record of '{FOLLOW_UP_JOB}' lacks {', '.join(missing)}")
    except ParameterError as exc:  # the reports still go out; the body says why the summary is missing
        _log.warning("follow-up summary not available: %s", exc)
        out["notes"].append("Måluppföljningen kunde inte sammanställas för e-posten; se uppföljningsrapporten.")
        return out
    out.update({k: record[k] for k in uppfoljning.RECORD_KEYS}, recorded=True)
    out["chart_png"] = _chart_png(record, out["notes"])
    return out


def _chart_png(record: dict, notes: list[str]) -> bytes | None:
    try:
        fig = uppfoljning.status_chart(record)
    except Exception as exc:  # noqa: BLE001 - the table still goes out
        _log.warning("follow-up chart failed: %s: %s", type(exc).__name__, exc)
        notes.append("Diagrammet kunde inte ritas; se uppföljningsrapporten.")
        return None
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _status_colours(status: str) -> tuple[str, str]:
    return STATUS_COLOURS.get(status, ("#eeeeee", "#333333"))


def _text_body(c: dict) -> str:
    lines = [f"Hej!", "", f"Här är trygghetsrapporterna för {c['year']}."]
    if c["failed"]:
        lines.append(f"{len(c['failed'])} av {len(c['jobs'])} rapporter kunde inte skapas: "
                     + ", ".join(j["title"] for j in c["failed"]) + ".")
    else:
        lines.append(f"Alla {len(c['jobs'])} rapporter är klara.")
    if c["reports_url"]:
        lines.append(f"Alla rapporter: {c['reports_url'].rstrip('/')}/{c['year']}/index.html")
    s = c["summary"]
    if s["recorded"]:
        lines += ["", "MÅLUPPFÖLJNING", "", s["status_sentence"], "", f"{uppfoljning.DECISIONS_HEADING}:"]
        if s["decisions"]:
            lines += [s["decisions_intro"]] + [f"- {d}" for d in s["decisions"]]
        else:
            lines.append(uppfoljning.NO_DECISIONS)
        if s["watch"]:
            lines += ["", s["watch"]]
        lines += ["", "DELMÅLEN", ""]
        for r in s["goals"]:
            lines.append(f"- {r['subgoal']} ({r['area']}): {r['status_word']} — värde {r['value']}, mål {r['target']}, "
                         f"utveckling {r['trend']}. {r['reason']}")
        lines += ["", "ÅRETS VIKTIGASTE FÖRÄNDRINGAR", ""]
        lines += [f"- {t}" for t in s["main_changes"]] or [uppfoljning.NO_CHANGES]
    if s["notes"]:
        lines += [""] + s["notes"]
    lines += ["", "BIFOGAT", ""]
    lines += [f"- {name}" for name in c["attached"]] or ["- inga bilagor"]
    if c["note"]:
        lines += ["", c["note"]]
    m = c["manifest"]
    lines += ["", "--", f"Data (fingeravtryck): {m.get('data_fingerprint', '')}",
              f"Kodversion: {m.get('code_version', '')} · Körning: {m.get('run_id', '')}",
              "Det här brevet skickades automatiskt av trygghet (samverkan Luleå kommun – polisen Luleå-Boden)."]
    return "\n".join(lines) + "\n"


def _html_body(c: dict) -> str:
    e = html.escape
    s = c["summary"]
    font = "font-family:Arial,Helvetica,sans-serif;"
    cell = f"{font}font-size:13px;padding:6px 8px;border-bottom:1px solid #e5e5e5;vertical-align:top;"
    parts = [
        "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
        f"<title>{e(_subject(c['year'], len(c['jobs']), len(c['failed']), s.get('subject_status')))}</title></head>",
        "<body style=\"margin:0;padding:0;background:#f4f4f4;\">",
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
        "style=\"background:#f4f4f4;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">",
        "<table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
        "style=\"width:640px;max-width:640px;background:#ffffff;border-top:4px solid #005a8c;\">",
        f"<tr><td style=\"{font}padding:20px 24px 4px;font-size:22px;font-weight:bold;color:#222;\">"
        f"Trygghetsrapporter {e(str(c['year']))}</td></tr>",
    ]
    if c["failed"]:
        status = (f"<span style=\"background:#fde8e6;color:#a3261b;padding:2px 8px;font-weight:bold;\">"
                  f"{len(c['failed'])} av {len(c['jobs'])} rapporter kunde inte skapas</span>: "
                  + e(", ".join(j["title"] for j in c["failed"])))
    else:
        status = (f"<span style=\"background:#e3f4e6;color:#1d6b2a;padding:2px 8px;font-weight:bold;\">"
                  f"Alla {len(c['jobs'])} rapporter klara</span>")
    parts.append(f"<tr><td style=\"{font}padding:8px 24px;font-size:14px;color:#333;\">{status}</td></tr>")
    if c["reports_url"]:
        url = f"{c['reports_url'].rstrip('/')}/{c['year']}/index.html"
        parts.append(f"<tr><td style=\"{font}padding:4px 24px;font-size:14px;\"><a href=\"{e(url)}\" "
                     f"style=\"color:#005a8c;\">Öppna alla rapporter</a></td></tr>")
    if s["recorded"]:
        parts += _html_follow_up(s, font, cell)
    notes = list(s["notes"]) + ([c["note"]] if c["note"] else [])
    for n in notes:
        parts.append(f"<tr><td style=\"{font}padding:8px 24px;font-size:13px;color:#7a5200;\">{e(n)}</td></tr>")
    attached = ", ".join(c["attached"]) or "inga bilagor"
    parts.append(f"<tr><td style=\"{font}padding:12px 24px;font-size:13px;color:#333;\"><b>Bifogat:</b> "
                 f"{e(attached)}</td></tr>")
    m = c["manifest"]
    parts.append(f"<tr><td style=\"{font}padding:12px 24px 20px;font-size:11px;color:#777;border-top:1px solid #e5e5e5;\">"
                 f"Data (fingeravtryck): {e(str(m.get('data_fingerprint', '')))}<br>"
                 f"Kodversion: {e(str(m.get('code_version', '')))} · Körning: {e(str(m.get('run_id', '')))}<br>"
                 "Skickat automatiskt av trygghet (samverkan Luleå kommun – polisen Luleå-Boden).</td></tr>")
    parts.append("</table></td></tr></table></body></html>")
    return "\n".join(parts)


def _html_follow_up(s: dict, font: str, cell: str) -> list[str]:
    """The follow-up's rows of the HTML body: the same status sentence, decisions, goal rows and main
    changes as the follow-up report (its record), in table markup mail clients render."""
    e = html.escape
    heading = f"<tr><td style=\"{font}padding:16px 24px 4px;font-size:17px;font-weight:bold;\">{{}}</td></tr>"
    text = f"<tr><td style=\"{font}padding:4px 24px;font-size:14px;color:#222;\">{{}}</td></tr>"
    parts = [heading.format("Måluppföljning"), text.format(f"<b>{e(s['status_sentence'])}</b>")]
    if s["chart_png"]:
        parts.append(f"<tr><td style=\"padding:4px 24px;\"><img src=\"cid:{e(s['chart_cid'])}\" width=\"592\" "
                     "alt=\"Diagram: delmålens status\" style=\"display:block;width:100%;max-width:592px;"
                     "height:auto;border:0;\"></td></tr>")
    parts.append(heading.format(e(uppfoljning.DECISIONS_HEADING)))
    if s["decisions"]:
        items = "".join(f"<li style=\"margin:0 0 4px;\">{e(d)}</li>" for d in s["decisions"])
        parts.append(text.format(f"{e(s['decisions_intro'])}<ul style=\"margin:6px 0 0;padding-left:20px;\">{items}</ul>"))
    else:
        parts.append(text.format(e(uppfoljning.NO_DECISIONS)))
    if s["watch"]:
        parts.append(text.format(e(s["watch"])))
    head = "".join(f"<th align=\"left\" style=\"{cell}font-weight:bold;background:#f3f6f9;\">{h}</th>"
                   for h in ("Delmål", "Område", "Värde", "Mål", "Status"))
    body = []
    for r in s["goals"]:
        bg, fg = _status_colours(r["status"])
        reason = f"<br><span style=\"color:#555;font-size:12px;\">{e(r['reason'])}</span>" if r["reason"] else ""
        body.append(f"<tr><td style=\"{cell}\">{e(r['subgoal'])}</td><td style=\"{cell}\">{e(r['area'])}</td>"
                    f"<td style=\"{cell}\" align=\"right\">{e(r['value'])}</td>"
                    f"<td style=\"{cell}\" align=\"right\">{e(r['target'])}</td>"
                    f"<td style=\"{cell}\"><span style=\"background:{bg};color:{fg};padding:1px 6px;\">"
                    f"{e(r['status_word'])}</span><br><span style=\"color:#555;font-size:12px;\">"
                    f"Utveckling: {e(r['trend'])}</span>{reason}</td></tr>")
    parts.append(heading.format("Delmålen"))
    parts.append("<tr><td style=\"padding:4px 24px;\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
                 f"cellspacing=\"0\" border=\"0\"><tr>{head}</tr>{''.join(body)}</table></td></tr>")
    parts.append(heading.format("Årets viktigaste förändringar"))
    if s["main_changes"]:
        items = "".join(f"<li style=\"margin:0 0 6px;\">{e(t)}</li>" for t in s["main_changes"])
        parts.append(text.format(f"<ul style=\"margin:0;padding-left:20px;\">{items}</ul>"))
    else:
        parts.append(text.format(e(uppfoljning.NO_CHANGES)))
    return parts


def _zip(files) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.name, date_time=time.localtime(path.stat().st_mtime)[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# published runs
# --------------------------------------------------------------------------------------------------


def _latest_published(out: Path) -> int:
    found = sorted(int(p.parent.name) for p in out.glob("[0-9][0-9][0-9][0-9]/manifest.json"))
    if not found:
        raise ParameterError(f"{out}: no published reports to mail; run `trygghet run` first")
    return found[-1]


def _manifest(out: Path, year: int) -> dict:
    path = out / str(year) / "manifest.json"
    if not path.is_file():
        raise ParameterError(f"{path}: no published reports for {year}; run `trygghet run --year {year}` first")
    with contextlib.suppress(json.JSONDecodeError):
        return json.loads(path.read_text(encoding="utf-8"))
    raise ParameterError(f"{path}: the manifest is not valid JSON; re-run `trygghet run --year {year}`")
