"""Periods shorter than a year: `--period 2025-Q3 | 2025-09 | 2025-W36`, the run plan's cadence, a period
run through the timer's cycle (published to OUT/<period>/, not mailed, the same exit codes)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import yaml
from rich.console import Console
from trygghet.data import periods
from trygghet.data.errors import ParameterError
from trygghet.publish.cycle import EXIT_BAD_INPUT, EXIT_OK, cycle
from trygghet.publish.plan import load_plan


@pytest.mark.parametrize("text,kind,start,end,year", [
    ("2025-Q3", "quarter", "2025-07-01", "2025-09-30", 2025),
    ("2025-09", "month", "2025-09-01", "2025-09-30", 2025),
    ("2025-w36", "week", "2025-09-01", "2025-09-07", 2025),
    ("2026-W01", "week", "2025-12-29", "2026-01-04", 2026),  # an ISO week's year is its Thursday's
])
def test_periods_are_parsed(text, kind, start, end, year):
    p = periods.parse_period(text)
    assert (p.kind, p.start, p.end, p.year) == (kind, pd.Timestamp(start), pd.Timestamp(end), year)


def test_same_period_last_year_and_the_timers_words():
    assert periods.parse_period("2025-Q3").same_last_year().label == "2024-Q3"
    assert periods.parse_period("2021-W10").same_last_year().label == "2020-W10"
    assert periods.parse_period("2020-W53").same_last_year().label == "2019-W52"  # 2019 has no week 53
    assert periods.parse_period("2026-W53").same_last_year().label == "2025-W52"  # 2025 has no week 53
    today = dt.date(2025, 9, 10)  # a Wednesday of week 37
    assert periods.parse_period("last-week", today=today).label == "2025-W36"
    assert periods.parse_period("last-month", today=today).label == "2025-08"
    assert periods.parse_period("last-quarter", today=today).label == "2025-Q2"


@pytest.mark.parametrize("text,message", [("2025-W54", "has no ISO week 54"), ("2025-13", "not a period"),
                                          ("Q3-2025", "not a period")])
def test_a_wrong_period_says_how_to_write_one(text, message):
    with pytest.raises(ParameterError, match=message) as err:
        periods.parse_period(text)
    assert "2025" in str(err.value)


def test_latest_periods_of_the_demo_and_a_period_beyond_the_data(demo_store):
    assert periods.latest_period(demo_store, "quarter").label == "2025-Q4"
    assert periods.latest_period(demo_store, "week").label == "2025-W52"  # 29–31 December are an unfinished week
    assert periods.latest_period(demo_store, "month", year=2024).label == "2024-12"
    with pytest.raises(ParameterError, match="choose a period up to 2025-W52"):
        periods.check_period(demo_store, periods.parse_period("2026-W02"))


def test_the_plan_says_which_reports_run_for_which_cadence(demo_store, repo_root, tmp_path):
    plan = repo_root / "config" / "run_plan.yaml"
    year_jobs = {j.name: j for j in load_plan(plan, demo_store, 2025)}
    assert {"kvartal", "vecka"} <= set(year_jobs) and "manad" not in year_jobs
    assert "period" not in year_jobs["vecka"].parameters  # the notebook's default: the year's latest week
    for cadence, label, names in (("quarter", "2025-Q3", ["kvartal"]), ("month", "2025-09", ["manad"]),
                                  ("week", "2025-W36", ["vecka"])):
        jobs = load_plan(plan, demo_store, 2025, cadence=cadence, period=label)
        assert [j.name for j in jobs] == names and jobs[0].parameters["period"] == label
    bad = yaml.safe_load(plan.read_text(encoding="utf-8"))
    bad["notebooks"] = str(repo_root / "notebooks")
    bad["jobs"][0]["cadence"] = ["year", "fortnight"]
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError, match="cadence .*fortnight.* year, quarter, month, week"):
        load_plan(tmp_path / "plan.yaml", demo_store, 2025)


def test_a_period_beyond_the_data_is_one_line_and_exit_2(cli, demo_store, tmp_path):
    done = cli("run", "--period", "2026-W02", "--store", str(demo_store), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "trygghet: error: --period 2026-W02: the store's data end on 2025-12-31, before the period ends; "
        "choose a period up to 2025-W52"]


def test_a_period_cycle_publishes_the_week_and_keeps_its_exit_codes(demo_store, tmp_path):
    raw = demo_store.parent / "raw"
    out = tmp_path / "reports"
    quiet = Console(stderr=True, quiet=True)
    code = cycle(raw=raw, store=tmp_path / "store", out=out, jobs=1, period="2025-W50", console=quiet)
    assert code == EXIT_OK
    manifest = json.loads((out / "2025-W50" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == "2025-W50" and [j["name"] for j in manifest["jobs"]] == ["vecka"]
    html = (out / "2025-W50" / "vecka.html").read_text(encoding="utf-8")
    assert "Vecka 50 2025 (8–14 december)" in html
    assert "Hertsön – klotter" in html and "Intensifiera?" in html  # the demo's wave of graffiti
    log = (out / "cycle.log").read_text(encoding="utf-8")
    assert "mail skipped: a period run (2025-W50)" in log and "exit 0" in log
    assert not (out / "2025").exists()  # a period run leaves the year's folder alone

    code = cycle(raw=raw, store=tmp_path / "store", out=out, jobs=1, period="2025-W60", console=quiet)
    assert code == EXIT_BAD_INPUT
    assert "no ISO week 60" in (out / "cycle.log").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind,period", [("week", "last-week"), ("quarter", "last-quarter")])
def test_the_weekly_and_quarterly_timers_run_a_period_cycle(repo_root, cli, kind, period):
    import configparser
    import shlex
    import shutil
    import subprocess

    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(repo_root / "deploy" / f"trygghet-{kind}.service")
    argv = shlex.split(service["Service"]["ExecStart"])
    assert argv[1] == "cycle" and argv[argv.index("--period") + 1] == period
    periods.parse_period(period)  # the value the timer passes is a period
    help_text = cli("cycle", "--help").stdout
    assert all(option in help_text for option in argv[2:] if option.startswith("--"))
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(repo_root / "deploy" / f"trygghet-{kind}.timer")
    assert timer["Timer"]["Unit"] == f"trygghet-{kind}.service" and timer["Timer"]["Persistent"] == "true"
    if shutil.which("systemd-analyze"):  # the calendar expression is one systemd accepts
        check = subprocess.run(["systemd-analyze", "calendar", timer["Timer"]["OnCalendar"]], capture_output=True,
                               text=True, timeout=30)
        assert check.returncode == 0, check.stderr
    cron = [line for line in (repo_root / "deploy" / "crontab.continuous").read_text().splitlines()
            if line and not line.startswith("#")]
    assert any(f"--period {period}" in line and "trygghet cycle" in line for line in cron)
