"""What the steering group's email says and carries (:mod:`trygghet.publish.mail` sends it).

- :func:`text_body` and :func:`html_body`: the three answers first (the follow-up's record ``answers``,
  the same sentences that open the follow-up report), then whether every report was made, the link to
  the published reports (``reports_url``), the goals' status, the decisions needed, each sub-goal as a
  block of its own (readable at 390 px: no table wider than the phone), the main changes.
- :func:`reports_zip`: the year's index page and the reports in one zip whose links work offline —
  a link to a page that is not in the zip points to the published copy under ``reports_url`` (or is
  left as plain text without it).
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import urljoin

from trygghet.reports import answers as answer_words
from trygghet.reports import uppfoljning

__all__ = ["STATUS_COLOURS", "year_url", "text_body", "html_body", "reports_zip", "INDEX_NAME"]

STATUS_COLOURS = {  # follow_up's status codes: badge background, text (readable, colour-blind safe pairs)
    "on_track": ("#dcebf7", "#004b7a"), "at_risk": ("#fff0cc", "#7a5200"), "off_track": ("#fbe3d6", "#9c3400"),
    "not_measurable": ("#eeeeee", "#444444"),
}
#: the year's index page, at the zip's root like the reports it links
INDEX_NAME = "index.html"
_FONT = "font-family:Arial,Helvetica,sans-serif;"
_HREF = re.compile(r'href="([^"]*)"')


def year_url(reports_url: str | None, year) -> str | None:
    """The published year folder's address: ``<reports_url>/<year>/`` (``None`` without a URL)."""
    return f"{reports_url.rstrip('/')}/{year}/" if reports_url else None


def text_body(c: dict) -> str:
    """The plain-text body: the three answers first, then the reports, the goals and the changes."""
    s = c["summary"]
    base = year_url(c["reports_url"], c["year"])
    lines: list[str] = []
    if s["recorded"] and s.get("answers"):
        lines += [f"TRYGGHETSRAPPORTERNA {c['year']} – SVAREN FÖRST", ""]
        for a in s["answers"]:  # the links as addresses in angle brackets after their words
            text = "".join(f"{w} <{answer_words.absolute(h, base)}>" if h and base else w for w, h in a["parts"])
            lines += [f"{a['question']} {text}", ""]
    lines.append(_reports_status(c))
    if base:
        lines.append(f"Alla rapporter: {base}index.html")
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
              f"Det här brevet skickades automatiskt av trygghet ({_partners(m)})."]
    return "\n".join(lines) + "\n"


def html_body(c: dict, subject: str) -> str:
    """The HTML body: one column at most 640 px wide that shrinks with the screen (no fixed widths, no
    side-by-side columns), inline styles only (mail clients drop ``<style>``)."""
    e = html.escape
    s = c["summary"]
    base = year_url(c["reports_url"], c["year"])
    row = f"<tr><td style=\"{_FONT}padding:{{pad}};font-size:{{size}};color:#222;\">{{body}}</td></tr>"
    parts = [
        "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(subject)}</title></head>",
        "<body style=\"margin:0;padding:0;background:#f4f4f4;\">",
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
        "style=\"background:#f4f4f4;\"><tr><td align=\"center\" style=\"padding:12px 6px;\">",
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
        "style=\"width:100%;max-width:640px;background:#ffffff;border-top:4px solid #005a8c;\">",
        row.format(pad="18px 16px 4px", size="21px", body=f"<b>Trygghetsrapporter {e(str(c['year']))}</b>"),
    ]
    if s["recorded"] and s.get("answers"):
        for a in s["answers"]:
            body = "".join(_link(t, answer_words.absolute(h, base)) if h else e(t) for t, h in a["parts"])
            parts.append(row.format(pad="6px 16px", size="15px", body=f"<b>{e(a['question'])}</b> {body}"))
    if c["failed"]:
        status = (f"<span style=\"background:#fde8e6;color:#a3261b;padding:2px 6px;font-weight:bold;\">"
                  f"{len(c['failed'])} av {len(c['jobs'])} rapporter kunde inte skapas</span>: "
                  + e(", ".join(j["title"] for j in c["failed"])))
    else:
        status = (f"<span style=\"background:#e3f4e6;color:#1d6b2a;padding:2px 6px;font-weight:bold;\">"
                  f"Alla {len(c['jobs'])} rapporter klara</span>")
    parts.append(row.format(pad="10px 16px 4px", size="14px", body=status))
    if base:
        parts.append(row.format(pad="4px 16px", size="15px",
                                body=_link("Öppna alla rapporter", f"{base}index.html")))
    if s["recorded"]:
        parts += _follow_up(s, row)
    for n in list(s["notes"]) + ([c["note"]] if c["note"] else []):
        parts.append(row.format(pad="8px 16px", size="13px", body=f"<span style=\"color:#7a5200;\">{e(n)}</span>"))
    parts.append(row.format(pad="12px 16px", size="13px",
                            body=f"<b>Bifogat:</b> {e(', '.join(c['attached']) or 'inga bilagor')}"))
    m = c["manifest"]
    parts.append(f"<tr><td style=\"{_FONT}padding:12px 16px 18px;font-size:11px;color:#595959;"
                 "border-top:1px solid #e5e5e5;word-break:break-all;\">"
                 f"Data (fingeravtryck): {e(str(m.get('data_fingerprint', '')))}<br>"
                 f"Kodversion: {e(str(m.get('code_version', '')))} · Körning: {e(str(m.get('run_id', '')))}<br>"
                 f"Skickat automatiskt av trygghet ({e(_partners(m))}).</td></tr>")
    parts.append("</table></td></tr></table></body></html>")
    return "\n".join(parts)


def _follow_up(s: dict, row: str) -> list[str]:
    """The follow-up's rows: the same status sentence, decisions, sub-goals and main changes as the
    follow-up report (its record); each sub-goal a block of lines, so nothing is cut off on a phone."""
    e = html.escape
    heading = lambda text: row.format(pad="16px 16px 4px", size="17px", body=f"<b>{e(text)}</b>")  # noqa: E731
    parts = [heading("Måluppföljning"), row.format(pad="4px 16px", size="14px", body=f"<b>{e(s['status_sentence'])}</b>")]
    if s["chart_png"]:
        parts.append(f"<tr><td style=\"padding:4px 16px;\"><img src=\"cid:{e(s['chart_cid'])}\" width=\"600\" "
                     "alt=\"Diagram: delmålens status. " + e(s["status_sentence"]) + "\" style=\"display:block;"
                     "width:100%;max-width:600px;height:auto;border:0;\"></td></tr>")
    parts.append(heading(uppfoljning.DECISIONS_HEADING))
    if s["decisions"]:
        items = "".join(f"<li style=\"margin:0 0 4px;\">{e(d)}</li>" for d in s["decisions"])
        parts.append(row.format(pad="4px 16px", size="14px",
                                body=f"{e(s['decisions_intro'])}<ul style=\"margin:6px 0 0;padding-left:20px;\">{items}</ul>"))
    else:
        parts.append(row.format(pad="4px 16px", size="14px", body=e(uppfoljning.NO_DECISIONS)))
    if s["watch"]:
        parts.append(row.format(pad="4px 16px", size="14px", body=e(s["watch"])))
    parts.append(heading("Delmålen"))
    for r in s["goals"]:
        bg, fg = STATUS_COLOURS.get(r["status"], ("#eeeeee", "#333333"))
        reason = f"<br><span style=\"color:#444;font-size:13px;\">{e(r['reason'])}</span>" if r["reason"] else ""
        parts.append(
            f"<tr><td style=\"{_FONT}padding:8px 16px;font-size:14px;color:#222;border-bottom:1px solid #e5e5e5;\">"
            f"<b>{e(r['subgoal'])}</b> <span style=\"background:{bg};color:{fg};padding:1px 6px;white-space:nowrap;\">"
            f"{e(r['status_word'])}</span><br><span style=\"color:#444;font-size:13px;\">{e(r['area'])} · "
            f"värde {e(r['value'])} · mål {e(r['target'])}<br>Utveckling: {e(r['trend'])}</span>{reason}</td></tr>")
    parts.append(heading("Årets viktigaste förändringar"))
    if s["main_changes"]:
        items = "".join(f"<li style=\"margin:0 0 6px;\">{e(t)}</li>" for t in s["main_changes"])
        parts.append(row.format(pad="4px 16px", size="14px", body=f"<ul style=\"margin:0;padding-left:20px;\">{items}</ul>"))
    else:
        parts.append(row.format(pad="4px 16px", size="14px", body=e(uppfoljning.NO_CHANGES)))
    return parts


def _partners(manifest: dict) -> str:
    """"samverkan Luleå kommun och polisen": the municipality the run's store names (its manifest)."""
    name = str((manifest.get("municipality") or {}).get("name") or "").strip()
    return f"samverkan {name} kommun och polisen" if name else "samverkan kommunen och polisen"


def _reports_status(c: dict) -> str:
    if c["failed"]:
        return (f"Trygghetsrapporterna för {c['year']}: {len(c['failed'])} av {len(c['jobs'])} rapporter kunde inte "
                "skapas: " + ", ".join(j["title"] for j in c["failed"]) + ".")
    return f"Trygghetsrapporterna för {c['year']}: alla {len(c['jobs'])} rapporter är klara."


def _link(text: str, href: str | None) -> str:
    e = html.escape
    return f"<a href=\"{e(href)}\" style=\"color:#005a8c;\">{e(text)}</a>" if href else e(text)


def reports_zip(year_dir: Path, pages: list[Path], base: str | None) -> bytes:
    """The index page of ``year_dir`` (when there is one) and ``pages`` in one zip, at its root as in the
    published folder. In every page, a relative link to a file not in the zip points to ``base`` (the
    published year folder's address) or, without one, loses its link and keeps its text."""
    files = ([year_dir / INDEX_NAME] if (year_dir / INDEX_NAME).is_file() else []) + [p for p in pages if p.name != INDEX_NAME]
    names = {p.name for p in files}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            text = _relink(path.read_text(encoding="utf-8"), names, base)
            info = zipfile.ZipInfo(path.name, date_time=time.localtime(path.stat().st_mtime)[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def _relink(page: str, names: set[str], base: str | None) -> str:
    def fix(m: re.Match) -> str:
        href = html.unescape(m.group(1))
        if not href or href.startswith("#") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href) or href.startswith("/"):
            return m.group(0)
        path = href.split("#", 1)[0].split("?", 1)[0]
        if posixpath.normpath(path) in names:
            return m.group(0)
        return f'href="{html.escape(urljoin(base, href))}"' if base else 'data-link-outside-zip=""'
    return _HREF.sub(fix, page)
