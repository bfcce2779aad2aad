"""Email the year's reports to the steering group: outbox first, sent once, retried when the server was down.

``send_reports`` builds one message per (year, data fingerprint, code version): a plain-text body and an
HTML alternative with the follow-up summary — read from the record the run published of the follow-up
report (``<year>/records/uppfoljning.json``, :mod:`trygghet.reports.uppfoljning`), never recomputed from
the live store: the three answers first (safer? where? aimed right?), the status sentence, the decisions
needed, the goal rows and the year's main changes, with the status chart inlined by ``cid:``; the status
in the subject; a link to the published reports (``reports_url``) — and attached the follow-up's PDF and
a zip of the year's index page and reports with working links between them (the largest reports left
out, and said so, when the message would pass Postfix's default 10 240 000 bytes). Body and zip:
:mod:`trygghet.publish.mail_content`. The message is written to ``OUT/outbox/<key>.eml`` before it is
sent and moved to ``OUT/outbox/sent/`` only once the SMTP server accepted it; a message still in the
outbox is sent by the next call, and a key found in ``sent/`` is never sent again.

Settings come from ``config/mail.yaml``; the SMTP password only from the environment variable it names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import hashlib
import logging
import re
import smtplib
import ssl
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
from trygghet.publish import mail_content, records
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

    Attachments: the follow-up report's PDF (when the run printed one) and one zip holding the year's
    index page and the reports that go by mail, with working links between them
    (:func:`trygghet.publish.mail_content.reports_zip`). When the message would exceed
    ``MAX_MESSAGE_BYTES`` the largest reports leave the zip (the body names them), and last the PDF.
    """
    year_dir = Path(year_dir)
    summary = follow_up_summary(year_dir)
    base = mail_content.year_url(cfg.reports_url, manifest["year"])
    files = [(j["title"], year_dir / j["outputs"]["html"]) for j in manifest.get("jobs", [])
             if j.get("status") == "ok" and j.get("mail", True) and (j.get("outputs") or {}).get("html")
             and (year_dir / j["outputs"]["html"]).is_file()]
    pdf = [(Path(j["outputs"]["pdf"]).name, year_dir / j["outputs"]["pdf"]) for j in manifest.get("jobs", [])
           if j.get("name") == FOLLOW_UP_JOB and j.get("status") == "ok" and (j.get("outputs") or {}).get("pdf")
           and (year_dir / j["outputs"]["pdf"]).is_file()]
    kept = sorted(files, key=lambda f: f[1].stat().st_size)
    left_out: list[str] = []
    zip_name = f"trygghetsrapporter-{manifest['year']}.zip"
    while True:
        attachments = [(name, path.read_bytes()) for name, path in pdf]
        if kept:
            attachments.append((zip_name, mail_content.reports_zip(year_dir, [p for _, p in kept], base)))
            note = (f"Rapporterna finns i {zip_name}: packa upp den och öppna {mail_content.INDEX_NAME}, så "
                    "fungerar länkarna mellan rapporterna.")
        else:
            note = "Rapporterna kunde inte bifogas eftersom brevet annars blir för stort."
        if left_out:
            note += (" Följande rapporter fick inte plats och finns bara på den publicerade sidan: "
                     + ", ".join(left_out) + ".")
        if pdf and not kept and left_out:
            note += f" Uppföljningen som PDF ({pdf[0][0]}) är bifogad."
        msg = _compose(manifest, cfg, summary, attachments, note=note)
        if len(msg.as_bytes()) <= MAX_MESSAGE_BYTES:
            return msg
        if kept:
            title, _ = kept.pop()  # the largest goes first
            left_out.append(title)
        elif pdf:
            pdf = []
            left_out.append("Uppföljningen som PDF")
        else:
            return msg


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
    msg.set_content(mail_content.text_body(context), subtype="plain", charset="utf-8")
    msg.add_alternative(mail_content.html_body(context, str(msg["Subject"])), subtype="html", charset="utf-8")
    if summary.get("chart_png"):
        html_part = msg.get_payload()[1]
        html_part.add_related(summary["chart_png"], maintype="image", subtype="png", cid=f"<{summary['chart_cid']}>",
                              filename="uppfoljning.png", disposition="inline")
    for name, data in attachments:
        if name.endswith(".zip"):
            msg.add_attachment(data, maintype="application", subtype="zip", filename=name)
        elif name.endswith(".pdf"):
            msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
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
                           "watch": "", "goals": [], "main_changes": [], "answers": [], "notes": [], "chart_png": None,
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
