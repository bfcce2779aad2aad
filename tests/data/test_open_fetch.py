"""`trygghet fetch` against a real loopback HTTP server serving recorded answers (tests/fixtures/open/)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from trygghet.data.open import fetch_open, open_settings
from trygghet.data.open.files import provenance_path, read_provenance, sha256
from trygghet.data.open.http import FetchError, Http, OfflineError, RateLimit
from trygghet.data.open.kolada import check_data, group_members, kolada_frame
from trygghet.data.open.scb import check_jsonstat, jsonstat_frame

DATA = "/data/kpi/N07403,N07540/municipality/2580,0025,0000,G176325/year/2019,2020,2021,2022"
YEARS = [2019, 2020, 2021, 2022]
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "open"


def kolada_routes(server, *, data=None):
    server.route("/municipality/2580,0025,0000", {"file": "kolada/municipality.json"})
    server.route("/kpi/N07403,N07540", {"file": "kolada/kpi.json"})
    server.route("/municipality_groups", {"file": "kolada/groups.json"})
    return server.route(DATA, *(data or [{"file": "kolada/data-page1.json"}, {"file": "kolada/data-page2.json"}]))


def fast_http(**kw):
    waits = []
    http = Http(timeout=kw.pop("timeout", 5), retries=kw.pop("retries", 3), backoff=0.01, sleep=waits.append, **kw)
    return http, waits


def fetch_kolada(tmp_path, server, http=None, **kw):
    return fetch_open(tmp_path, "2580", YEARS, sources=("kolada",), kpis=["N07403", "N07540"],
                      kolada_url=server.base, http=http or fast_http()[0], now=NOW, **kw)


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_kolada_pages_are_merged_and_written_with_provenance(tmp_path, open_server):
    data_route = kolada_routes(open_server)
    report = fetch_kolada(tmp_path, open_server)
    assert report.ok, report.lines
    open_dir = tmp_path / "open"
    names = sorted(p.name for p in open_dir.iterdir())
    assert names == sorted(f"kolada_2580_{n}.json{s}" for n in ("kpi", "regions", "group", "data")
                           for s in ("", ".provenance.json"))
    assert data_route.calls == 2  # the second page came from next_url
    data = json.loads((open_dir / "kolada_2580_data.json").read_text(encoding="utf-8"))
    assert data["count"] == 6 and [v["period"] for v in data["values"][:4]] == YEARS
    prov = read_provenance(open_dir / "kolada_2580_data.json")
    assert prov["url"] == open_server.base + DATA
    assert prov["fetched_at"] == "2026-03-01T08:00:00Z"
    assert prov["sha256"] == sha256((open_dir / "kolada_2580_data.json").read_bytes())
    assert prov["source_updated"] == "2026-03-31" and "Kolada" in prov["licence"]
    # the request asked for the municipality, its county, the country and the similar-municipalities group
    paths = [p for _, p, _ in open_server.requests]
    assert any(p.startswith("/municipality_groups?title=Lule%C3%A5") for p in paths)


def test_a_second_fetch_changes_nothing(tmp_path, open_server):
    kolada_routes(open_server, data=[{"file": "kolada/data-page1.json"}, {"file": "kolada/data-page2.json"}] * 2)
    fetch_kolada(tmp_path, open_server)
    before = snapshot(tmp_path / "open")
    later = fetch_open(tmp_path, "2580", YEARS, sources=("kolada",), kpis=["N07403", "N07540"],
                       kolada_url=open_server.base, http=fast_http()[0], now=datetime(2026, 4, 1, tzinfo=timezone.utc))
    assert later.ok and not later.written and len(later.unchanged) == 4
    assert "unchanged" in later.lines[0]
    assert snapshot(tmp_path / "open") == before  # byte for byte, the provenance's time included


@pytest.mark.parametrize("broken", [
    {"body": "<html>Service unavailable</html>"},                             # not JSON
    {"body": '{"count": 1, "rows": []}'},                                       # no values list
    {"body": '{"count": 1, "values": [{"kpi": "N07403", "municipality": "2580", "period": "2019", "values": []}]}'},
    {"body": '{"count": 1, "values": [{"kpi": "N07403", "municipality": "2580", "period": 2019, '
             '"values": [{"gender": "X", "value": 1}]}]}'},                     # unknown gender
])
def test_a_broken_answer_is_refused_and_the_good_files_stay(tmp_path, open_server, broken):
    kolada_routes(open_server, data=[{"file": "kolada/data-page1.json"}, {"file": "kolada/data-page2.json"}, broken])
    assert fetch_kolada(tmp_path, open_server).ok
    before = snapshot(tmp_path / "open")
    report = fetch_kolada(tmp_path, open_server)
    assert not report.ok and report.failed == ["Kolada"]
    assert report.lines[0].startswith("Kolada: refused") and open_server.base in report.lines[0]
    assert snapshot(tmp_path / "open") == before
    assert not [p for p in (tmp_path / "open").iterdir() if p.name.endswith(".tmp")]


def test_a_changed_key_figure_title_is_refused(tmp_path, open_server):
    kolada_routes(open_server)
    doc = json.loads((open_server.FIXTURES / "kolada/kpi.json").read_text(encoding="utf-8"))
    doc["values"][0]["title"] = "Anmälda våldsbrott, antal/1000 inv (ny definition)"
    open_server.route("/kpi/N07403,N07540", {"body": json.dumps(doc, ensure_ascii=False)})
    report = fetch_kolada(tmp_path, open_server)
    assert not report.ok and "N07403 is now titled" in report.lines[0]
    assert not (tmp_path / "open").exists() or not any((tmp_path / "open").iterdir())


def test_retries_on_429_and_5xx_with_back_off_and_retry_after(tmp_path, open_server):
    kolada_routes(open_server, data=[{"status": 503}, {"status": 429, "headers": {"Retry-After": "0"}},
                                      {"status": 502}, {"file": "kolada/data-page1.json"},
                                      {"file": "kolada/data-page2.json"}])
    http, waits = fast_http(retries=3)
    assert fetch_kolada(tmp_path, open_server, http=http).ok
    assert waits == [0.01, 0, 0.04]  # backoff·2^0, the server's Retry-After, backoff·2^2
    assert len(http.log) == 3 and "HTTP 503" in http.log[0] and "HTTP 429" in http.log[1]


def test_retries_give_up_after_the_last_attempt(open_server):
    route = open_server.route("/x", {"status": 500})
    http, waits = fast_http(retries=2)
    with pytest.raises(FetchError, match="HTTP 500 after 3 attempts"):
        http.get(open_server.base + "/x")
    assert route.calls == 3 and len(waits) == 2


def test_404_is_not_retried(open_server):
    http, waits = fast_http()
    with pytest.raises(FetchError, match="not found \\(HTTP 404\\)"):
        http.get(open_server.base + "/kpi/N99999")
    assert len(open_server.requests) == 1 and waits == []


def test_a_time_out_is_retried_then_reported(open_server):
    route = open_server.route("/slow", {"delay": 1.0, "body": "{}"})
    http, _ = fast_http(timeout=0.2, retries=1)
    with pytest.raises(FetchError, match="no answer within 0.2 s after 2 attempts"):
        http.get(open_server.base + "/slow")
    assert route.calls == 2


def test_a_partial_download_is_retried(open_server):
    body = (open_server.FIXTURES / "kolada/municipality.json").read_text(encoding="utf-8")
    route = open_server.route("/part", {"body": body, "truncate": 40}, {"body": body})
    http, waits = fast_http()
    answer = http.get(open_server.base + "/part")
    assert answer.json()["count"] == 3 and route.calls == 2 and len(waits) == 1
    assert "broke off" in http.log[0]


def test_offline_is_one_line_and_the_last_download_stays(tmp_path, open_server):
    kolada_routes(open_server)
    fetch_kolada(tmp_path, open_server)
    before = snapshot(tmp_path / "open")
    dead = Http(timeout=2, retries=0)
    with pytest.raises(OfflineError):
        dead.get("http://127.0.0.1:9/")  # the discard port: connection refused
    report = fetch_open(tmp_path, "2580", YEARS, sources=("kolada",), kpis=["N07403"], kolada_url="http://127.0.0.1:9",
                        http=dead)
    assert report.failed == ["Kolada"] and len(report.lines) == 1
    assert report.lines[0].startswith("Kolada: offline") and "the download of 2026-03-01 stays in use" in report.lines[0]
    assert snapshot(tmp_path / "open") == before


def test_scb_population_keeps_the_rate_limit_of_its_config(tmp_path, open_server):
    open_server.route("/config", {"file": "scb/config.json"})
    open_server.route("/tables/TAB6574/data", {"file": "scb/TAB638-data.json"})
    http, _ = fast_http()
    report = fetch_open(tmp_path, "2580", [2024], sources=("scb",), scb_url=open_server.base, http=http, now=NOW)
    assert report.ok, report.lines
    assert http.rate.calls == 30 and http.rate.window == 10  # SCB's published limit
    method, path, body = open_server.requests[-1]
    assert method == "POST" and path == "/tables/TAB6574/data?lang=sv&outputFormat=json-stat2"
    selection = {s["variableCode"]: s["valueCodes"] for s in json.loads(body)["selection"]}
    assert selection["Region"] == ["2580*"] and selection["Kon"] == ["1", "2"] and selection["Tid"] == ["2024"]
    path = tmp_path / "open" / "scb_befolkning_2580.json"
    prov = read_provenance(path)
    assert prov["source_updated"] == "2025-02-21T07:00:00Z" and "CC0" in prov["licence"]
    assert path.read_bytes() == (open_server.FIXTURES / "scb/TAB638-data.json").read_bytes()  # kept as answered


def test_rate_limit_waits_for_the_window():
    now = [0.0]
    waits = []

    def sleep(s):
        waits.append(s)
        now[0] += s

    limit = RateLimit(calls=2, window=10)
    for _ in range(3):
        limit.wait(lambda: now[0], sleep)
    assert waits == [10.0]


def test_jsonstat_frame_reads_a_recorded_scb_answer(open_server):
    frame = jsonstat_frame((open_server.FIXTURES / "scb/TAB5974-data.json").read_bytes())
    assert list(frame["Kon"]) == ["1", "2"] and list(frame["Kon_label"]) == ["män", "kvinnor"]
    assert list(frame["value"]) == [50080, 47361] and set(frame["Tid"]) == {"2026"}


def test_a_partial_jsonstat_answer_is_refused(open_server):
    doc = json.loads((open_server.FIXTURES / "scb/TAB5974-data.json").read_text(encoding="utf-8"))
    doc["value"] = doc["value"][:1]
    with pytest.raises(FetchError, match="1 values for 2 cells"):
        check_jsonstat(doc, "TAB5974")


def test_a_bra_export_is_taken_with_provenance_and_a_broken_one_refused(tmp_path):
    export = tmp_path / "export.csv"
    export.write_bytes("Region;Brott;År;Period;Antal;/100 000 inv\r\nLuleå kommun;Våldsbrott;2025;Helår;"
                       "1&nbsp;012;1&nbsp;270,3\r\nLuleå kommun;Våldsbrott;2026 prel.;Jan;..;..\r\n".encode("cp1252"))
    report = fetch_open(tmp_path, "2580", sources=(), bra_export=export, now=NOW)
    assert report.ok
    saved = tmp_path / "open" / "bra_2580.csv"
    assert saved.read_bytes() == export.read_bytes() and read_provenance(saved)["source_updated"] == "2026 prel."
    export.write_text("Region;Brott\nLuleå;Rån\n", encoding="utf-8")
    report = fetch_open(tmp_path, "2580", sources=(), bra_export=export, now=NOW)
    assert not report.ok and "Brå export refused" in report.lines[0]
    assert read_provenance(saved)["sha256"] == sha256(saved.read_bytes())
    assert provenance_path(saved).is_file()


def test_the_command_fetches_and_says_offline_in_one_line(tmp_path, open_server, cli):
    kolada_routes(open_server)
    ok = cli("fetch", str(tmp_path), "--source", "kolada", "--kpi", "N07403", "--kpi", "N07540", "--years",
             "2019-2022", "--kolada-url", open_server.base)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().startswith("Kolada: 4 file(s) in") and (tmp_path / "open/kolada_2580_data.json").is_file()
    off = cli("fetch", str(tmp_path), "--source", "kolada", "--kolada-url", "http://127.0.0.1:9")
    assert off.returncode == 1 and len(off.stdout.strip().splitlines()) == 1
    assert "Kolada: offline" in off.stdout and "stays in use" in off.stdout and "Traceback" not in off.stderr


@pytest.mark.parametrize("text", ["2025-2019", "19-22", "2019,x"])
def test_bad_years_are_a_parameter_error(text):
    from trygghet.data.errors import ParameterError
    from trygghet.data.open import parse_years

    with pytest.raises(ParameterError, match="years must look like"):
        parse_years(text)


def test_more_than_25_years_are_asked_in_blocks(tmp_path, open_server):
    kolada_routes(open_server)
    years = list(range(1994, 2023))  # 29 years: 1994–2018 and 2019–2022
    first = "/data/kpi/N07403,N07540/municipality/2580,0025,0000,G176325/year/" + ",".join(map(str, years[:25]))
    open_server.route(first, {"body": '{"count": 0, "values": []}'})
    open_server.route(DATA, {"file": "kolada/data-page1.json"}, {"file": "kolada/data-page2.json"})
    report = fetch_open(tmp_path, "2580", years, sources=("kolada",), kpis=["N07403", "N07540"],
                        kolada_url=open_server.base, http=fast_http()[0], now=NOW)
    assert report.ok, report.lines
    asked = [p.split("?")[0] for _, p, _ in open_server.requests if p.startswith("/data/")]
    assert asked[0] == first and asked[1] == DATA
    prov = read_provenance(tmp_path / "open" / "kolada_2580_data.json")
    assert prov["details"]["years"] == years and prov["url"].endswith(",".join(map(str, years)))


def test_the_similar_municipalities_group_is_the_one_made_for_the_municipality(tmp_path, open_server):
    # groups.json is Kolada's answer to /municipality_groups?title=Luleå: RKA's twelve groups made for Luleå,
    # none of which contains Luleå; the socio-economic one is taken
    kolada_routes(open_server)
    assert fetch_kolada(tmp_path, open_server).ok
    prov = read_provenance(tmp_path / "open" / "kolada_2580_group.json")
    assert prov["details"] == {"group": "G176325", "title": "Liknande kommuner socioekonomi, Luleå, 2024"}
    saved = json.loads((tmp_path / "open" / "kolada_2580_group.json").read_text(encoding="utf-8"))["values"][0]
    assert group_members(saved)[:2] == [("1080", "Karlskrona"), ("1292", "Ängelholm")]
    assert "2580" not in dict(group_members(saved))


def test_a_group_made_for_another_municipality_is_not_taken_and_the_latest_matching_wins(tmp_path, open_server):
    kolada_routes(open_server)
    doc = json.loads((open_server.FIXTURES / "kolada/groups.json").read_text(encoding="utf-8"))
    by_id = {g["id"]: g for g in doc["values"]}
    overall = by_id["G37455"]  # "Liknande kommuner, övergripande, Luleå, 2025"
    umea = dict(overall, id="G176433", title="Liknande kommuner socioekonomi, Umeå, 2024",
                members=[{"member_id": "2580", "member_title": "Luleå"}])  # contains Luleå, made for Umeå
    older = dict(overall, id="G1", title="Liknande kommuner, övergripande, Luleå, 2022")
    open_server.route("/municipality_groups", {"body": json.dumps({"count": 3, "values": [older, umea, overall],
                                                                   "next_url": None}, ensure_ascii=False)})
    open_server.route(DATA.replace("G176325", "G37455"), {"body": '{"count": 0, "values": [], "next_url": null}'})
    assert fetch_kolada(tmp_path, open_server).ok
    prov = read_provenance(tmp_path / "open" / "kolada_2580_group.json")
    assert prov["details"] == {"group": "G37455", "title": "Liknande kommuner, övergripande, Luleå, 2025"}


def test_without_a_group_for_the_municipality_there_is_no_group_file(tmp_path, open_server):
    kolada_routes(open_server)
    open_server.route("/municipality_groups", {"body": '{"count": 0, "values": [], "next_url": null}'})
    route = open_server.route(DATA.replace(",G176325", ""), {"body": '{"count": 0, "values": [], "next_url": null}'})
    assert fetch_kolada(tmp_path, open_server).ok and route.calls == 1
    assert not (tmp_path / "open" / "kolada_2580_group.json").exists()


def test_a_list_kolada_refuses_with_422_is_explained(tmp_path, open_server):
    kolada_routes(open_server, data=[{"status": 422}])
    report = fetch_kolada(tmp_path, open_server)
    assert not report.ok and "HTTP 422" in report.lines[0] and "more than 25 ids" in report.lines[0]


def test_a_withdrawn_value_is_left_out_of_the_frame():
    data = {"values": [{"kpi": "N07403", "municipality": "2580", "period": 2022, "values": [
        {"count": 1, "gender": "T", "status": "", "value": 827.0, "isdeleted": False},
        {"count": 1, "gender": "K", "status": "", "value": 700.0, "isdeleted": True}]}]}
    frame = kolada_frame(data, {"values": []}, None, "2580")
    assert list(frame["gender"]) == ["T"] and list(frame["value"]) == [827.0]
    data["values"][0]["values"][1]["isdeleted"] = "yes"
    with pytest.raises(FetchError, match="data object 1 is not in Kolada's format"):
        check_data(data, "test")


def test_the_key_figures_of_the_settings_exist_in_koladas_catalogue_with_matching_titles():
    # kpi-open-data.json: these key figures' records in Kolada v3's KPI catalogue (rKolada's recording)
    catalogue = json.loads((FIXTURES / "kolada/kpi-open-data.json").read_text(encoding="utf-8"))["values"]
    titles = {k["id"]: k["title"] for k in catalogue}
    settings = open_settings()["kolada"]["kpis"]
    assert {k["id"] for k in settings} <= set(titles)
    assert all(re.search(k["title"], titles[k["id"]]) for k in settings)
    assert all(k["publ_period"] and k["publication_date"] for k in catalogue)
