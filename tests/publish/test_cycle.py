"""trygghet cycle (the timer's job) on demo data, its exit codes and log, and the deploy files."""

from __future__ import annotations

import configparser
import re
import shlex
import socket
from pathlib import Path

import pytest
from rich.console import Console

from trygghet.publish.cycle import EXIT_BAD_INPUT, EXIT_MAIL_FAILED, EXIT_OK, EXIT_REPORTS_FAILED, cycle

QUIET = Console(quiet=True)


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    demo = pytest.importorskip("trygghet.data.demo")
    pytest.importorskip("trygghet.data.ingest")
    path = tmp_path_factory.mktemp("raw")
    demo.write_demo(path, scale=0.1)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mail_config(path: Path, port: int) -> Path:
    path.write_text("sender: trygghet@lulea.example\nrecipients: [styrgrupp@lulea.example]\n"
                    f"smtp: {{host: 127.0.0.1, port: {port}, security: none, timeout: 5}}\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_cycle_exit_codes_log_and_mail_retry(tmp_path, raw, monkeypatch, write_plan):
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    import trygghet.publish.run

    # the clone's HEAD may move while the test runs (the key holds the code version)
    monkeypatch.setattr(trygghet.publish.run, "_git_commit", lambda: "testcommit")

    class Inbox:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append(envelope)
            return "250 OK"

    out, store = tmp_path / "reports", tmp_path / "store"
    port = _free_port()
    mail_cfg = _mail_config(tmp_path / "mail.yaml", port)
    plan = write_plan(tmp_path / "plan.yaml", [
        {"name": "rapport", "notebook": "rapport.ipynb", "title": "Testrapport"},
        {"name": "fel", "notebook": "fel.ipynb", "title": "Felande rapport"}])
    args = dict(raw=raw, store=store, out=out, year=2024, jobs=2, console=QUIET, mail_config=mail_cfg)

    # a failing report and a mail server that is down: 3 wins over 1, the message waits in the outbox
    assert cycle(plan=plan, **args) == EXIT_MAIL_FAILED
    assert (out / "2024" / "rapport.html").is_file()
    assert len(list((out / "outbox").glob("*.eml"))) == 1
    log = (out / "cycle.log").read_text(encoding="utf-8")
    assert re.search(r"INFO .*ingest ok: .* \(\d+\.\d s\)", log)
    assert re.search(r"ERROR .*run 2024: 1 failed \(fel\); published \(\d+\.\d s\)", log)
    assert re.search(r"ERROR .*mail failed: .*ConnectionRefusedError", log)
    assert "cycle end: exit 3" in log

    # server up, notebook fixed: same data and code but no failed report, so the waiting message (never
    # accepted) is superseded by this run's and one message is sent; later cycles send nothing
    ok_plan = write_plan(tmp_path / "ok.yaml", [{"name": "rapport", "notebook": "rapport.ipynb", "title": "T"}])
    ctrl = Controller(Inbox(), hostname="127.0.0.1", port=port)
    ctrl.start()
    try:
        assert cycle(plan=ok_plan, **args) == EXIT_OK
        assert len(ctrl.handler.envelopes) == 1
        assert b"Subject: Trygghetsrapporter 2024: alla 1 rapporter klara" in ctrl.handler.envelopes[0].original_content
        # the plan has no follow-up report, so the email says so instead of a summary it would recompute
        message = message_from_bytes(ctrl.handler.envelopes[0].original_content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "Måluppföljningen kunde inte sammanställas" in body and b"image/png" not in message.as_bytes()
        assert cycle(plan=ok_plan, **args) == EXIT_OK
        assert len(ctrl.handler.envelopes) == 1
    finally:
        ctrl.stop()
    log = (out / "cycle.log").read_text(encoding="utf-8")
    assert log.count("cycle end: exit 0") == 2
    assert "was already sent; not sent again" in log


def test_cycle_bad_input_is_exit_2(tmp_path):
    empty = tmp_path / "raw"
    empty.mkdir()
    code = cycle(raw=tmp_path / "saknas", store=tmp_path / "store", out=tmp_path / "reports", console=QUIET,
                 mail=False)
    assert code == EXIT_BAD_INPUT
    log = (tmp_path / "reports" / "cycle.log").read_text(encoding="utf-8")
    assert "cycle stopped: bad input:" in log and "cycle end: exit 2" in log


def test_exit_codes_are_the_documented_ones():
    assert (EXIT_OK, EXIT_REPORTS_FAILED, EXIT_BAD_INPUT, EXIT_MAIL_FAILED) == (0, 1, 2, 3)


def test_systemd_units_and_cron_line_call_the_cycle(repo_root, cli):
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(repo_root / "deploy" / "trygghet.service")
    assert service["Service"]["Type"] == "oneshot"
    argv = shlex.split(service["Service"]["ExecStart"])
    assert argv[0].endswith("/.venv/bin/trygghet") and argv[1] == "cycle"
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(repo_root / "deploy" / "trygghet.timer")
    assert timer["Timer"]["Persistent"] == "true" and timer["Timer"]["Unit"] == "trygghet.service"
    assert re.fullmatch(r"\*-\d\d-\d\d \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"])
    cron = [line for line in (repo_root / "deploy" / "crontab").read_text().splitlines() if line and not line.startswith("#")]
    assert len(cron) == 1 and len(cron[0].split()[:5]) == 5 and "trygghet cycle" in cron[0]
    # the options the deploy files use exist on the command line
    help_text = cli("cycle", "--help").stdout
    for option in [a for a in argv[2:] if a.startswith("--")]:
        assert option in help_text
