"""The timer's job: ingest -> run -> publish -> mail, with exit codes for monitoring and a log line
per step (``deploy/trygghet.service``, ``deploy/crontab``)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from rich.console import Console

from trygghet.data.config import paths
from trygghet.data.errors import TrygghetError
from trygghet.data.ingest import ingest, print_summary
from trygghet.publish.lock import run_lock
from trygghet.publish.mail import send_reports
from trygghet.publish.run import run_reports

__all__ = ["EXIT_OK", "EXIT_REPORTS_FAILED", "EXIT_BAD_INPUT", "EXIT_MAIL_FAILED", "cycle"]

EXIT_OK = 0
EXIT_REPORTS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_MAIL_FAILED = 3


def cycle(
    raw: str | Path | None = None,
    store: str | Path | None = None,
    out: str | Path | None = None,
    year: int | None = None,
    jobs: int = 2,
    log: str | Path | None = None,
    mail: bool = True,
    console: Console | None = None,
    plan: str | Path | None = None,
    mail_config: str | Path | None = None,
    period: str | None = None,
) -> int:
    """The timer's job: ingest -> run -> publish -> mail; returns the exit code for monitoring.

    0 everything done, 1 some reports failed, 2 bad input (ingest, parameters, lock), 3 the mail was not
    delivered (it stays in the outbox and the next cycle sends it). When reports and mail both failed
    the higher code, 3, wins. One log line per step with its duration goes to ``log``
    (default ``out/cycle.log``). ``plan`` and ``mail_config`` default to ``config/run_plan.yaml`` and
    ``config/mail.yaml``. With ``period`` (``2025-Q3``, ``last-week`` …) the plan's reports of that
    cadence run and publish to ``out/<period>/``; they are not mailed (the exit codes are the same).
    """
    console = console or Console(stderr=True)
    p = paths()
    raw_path = Path(raw) if raw is not None else p.raw
    store_path = Path(store) if store is not None else p.store
    out_path = Path(out) if out is not None else p.reports
    out_path.mkdir(parents=True, exist_ok=True)
    log_path = Path(log) if log is not None else out_path / "cycle.log"
    logger, handler = _cycle_logger(log_path)
    started = time.perf_counter()
    code = EXIT_OK
    logger.info("cycle start: raw=%s store=%s out=%s year=%s jobs=%d mail=%s",
                raw_path, store_path, out_path, year or "senaste", jobs, mail)
    if period:
        logger.info("period run: %s", period)
    try:
        with run_lock(out_path, "cycle"):
            code = _cycle_steps(raw_path, store_path, out_path, year, jobs, mail, console, logger, plan, mail_config,
                                period)
    except TrygghetError as exc:
        logger.error("cycle stopped: bad input: %s", exc)
        console.print(f"trygghet cycle: {exc}", markup=False)
        code = EXIT_BAD_INPUT
    except Exception:  # the timer must see a code and the log the traceback
        logger.exception("cycle crashed")
        code = EXIT_REPORTS_FAILED
    finally:
        logger.info("cycle end: exit %d (%.1f s)", code, time.perf_counter() - started)
        logger.removeHandler(handler)
        handler.close()
    return code


def _cycle_steps(raw: Path, store: Path, out: Path, year: int | None, jobs: int, mail: bool,
                 console: Console, logger: logging.Logger, plan, mail_config, period: str | None = None) -> int:
    t = time.perf_counter()
    report = ingest(raw, store)
    logger.info("ingest ok: %s -> %s, %d files, %d rows rejected, fingerprint %s (%.1f s)", raw, store,
                len(report.files), report.rows_rejected, str(report.fingerprint)[:12], time.perf_counter() - t)
    print_summary(report, console)

    t = time.perf_counter()
    result = run_reports(year=year, store=store, out=out, jobs=jobs, plan=plan, console=console, period=period)
    ok_count = len(result.jobs) - len([j for j in result.jobs if j.get("status") != "ok"])
    if result.failed:
        logger.error("run %d: %d failed (%s); %s (%.1f s)", result.year, len(result.failed),
                     ", ".join(result.failed), "published" if result.published else "NOT published",
                     time.perf_counter() - t)
    else:
        logger.info("run %d ok: %d reports published to %s (%.1f s)", result.year, ok_count,
                    result.index_path, time.perf_counter() - t)
    code = EXIT_REPORTS_FAILED if result.failed else EXIT_OK
    if not mail:
        logger.info("mail skipped (--no-mail)")
        return code
    if period:
        logger.info("mail skipped: a period run (%s) is published, not mailed", period)
        return code
    if not result.published:
        logger.error("mail skipped: nothing was published for %d", result.year)
        return code

    t = time.perf_counter()
    sent = send_reports(year=result.year, reports=out, config=mail_config, dry_run=False, console=console)
    if sent.ok:
        logger.info("mail ok: %s (%.1f s)", sent.summary, time.perf_counter() - t)
    else:
        logger.error("mail failed: %s (%.1f s)", sent.summary, time.perf_counter() - t)
        code = max(code, EXIT_MAIL_FAILED)
    return code


def _cycle_logger(log_path: Path) -> tuple[logging.Logger, logging.Handler]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("trygghet.cycle")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s pid=%(process)d %(message)s"))
    logger.addHandler(handler)
    return logger, handler
