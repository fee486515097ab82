"""`extranet track plan` (issue 13, items 3 and 4): waves with their dates, deadlines from the inventory or the
rule's clause, each department's forecast finish date from the rate it has finished items so far, the facts
behind each zombie, and cloud hosts to scale down from the platform's utilisation export."""

import csv
import io
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from extranet.cli import app
from extranet.store.schema import TrackEvent
from extranet.track import RULES, Item
from extranet.track.forecast import forecasts
from extranet.track.sizing import p95
from extranet.track.waves import wave_of

from ..conftest import REPO

TODAY = "2026-11-27"
FIXTURE = REPO / "tests" / "fixtures" / "utilisation" / "cloudmonitor-ecs-14d.csv"
START = datetime(2026, 11, 13, tzinfo=UTC)  # 14 days of hourly samples, up to 2026-11-26 23:00 UTC
HOSTS = {  # instanceId: (private IP, load profile); the IPs are the inventory systems' (198.18.16.0/24)
    "i-bp1oa000000000011": ("198.18.16.11", "busy"),  # oa: office hours on weekdays
    "i-bp1xy000000000031": ("198.18.16.31", "idle"),  # scjg-xyxx: idle but for a weekly 02:00 batch
    "zwfw": ("", "moderate"),  # named after its system, no IP in the export
    "i-bp1old00000000099": ("198.18.16.99", "idle"),  # not in the inventory
    "i-bp1new00000000041": ("198.18.16.41", "new"),  # created three days before the export
}


def cpu(profile: str, hour: int) -> float | None:
    """The CPU % of a load profile in the export's ``hour``-th hour (None: the host did not exist yet)."""
    of_day, day = hour % 24, hour // 24
    wobble = (hour * 7 % 10) / 10  # 0.0 … 0.9, evenly spread
    if profile == "busy":
        return round(8 + (40 if 8 <= of_day < 18 and day % 7 < 5 else 0) + wobble * 5, 1)
    if profile == "moderate":
        return round(6 + (8 if 9 <= of_day < 17 else 0) + wobble, 1)
    if profile == "new" and day < 11:
        return None
    return round(2 + wobble * 3 + (10 if of_day == 2 and day % 7 == 0 else 0), 1)


def utilisation_csv() -> str:
    """The export as Alibaba Cloud CloudMonitor's data points, flattened: epoch milliseconds, instanceId, IP."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "instanceId", "IP", "CPUUtilization", "memory_usedutilization"])
    for hour in range(14 * 24):
        at = START + timedelta(hours=hour)
        for host, (ip, profile) in HOSTS.items():
            value = cpu(profile, hour)
            if value is not None:
                memory = 62.5 if profile == "busy" else 21.0
                writer.writerow([int(at.timestamp() * 1000), host, ip, value, memory])
    return out.getvalue()


def expected_p95(profile: str) -> float:
    return p95([v for hour in range(14 * 24) if (v := cpu(profile, hour)) is not None])


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "inventory", tmp_path / "inventory")
    monkeypatch.chdir(tmp_path)
    for name in ("EXTRANET_INVENTORY", "EXTRANET_DB_URL", "EXTRANET_OPERATOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def track(*args: str) -> Result:
    result = CliRunner().invoke(app, ["track", *args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def plan(*args: str) -> dict[str, object]:
    result = track("plan", "--json", "--on", TODAY, *args)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_the_committed_utilisation_fixture_is_what_its_generator_makes() -> None:
    assert FIXTURE.read_text(encoding="utf-8") == utilisation_csv()


def test_plan_json_is_one_stable_document(workspace: Path) -> None:
    found = plan()
    assert list(found) == ["on", "waves", "items", "violations", "zombies", "forecast", "right_sizing_rule",
                           "right_sizing"]  # fmt: skip
    assert found["right_sizing"] == [] and found["right_sizing_rule"] == {"utilisation": None, "cpu_p95": 10.0,
                                                                          "days": 14}  # fmt: skip
    items = found["items"]
    assert isinstance(items, list) and all(i["wave"] == wave_of(date.fromisoformat(i["deadline"]))
                                           if i["deadline"] else i["wave"] == "unscheduled" for i in items)  # fmt: skip
    assert [v["item"] for v in found["violations"]] == ["system:gaj-video-analysis"]


def test_waves_of_the_example_inventory_are_its_deadlines_by_quarter(workspace: Path) -> None:
    waves = {w["wave"]: w for w in plan()["waves"]}
    assert list(waves) == ["2018-Q2", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4", "unscheduled"]
    assert waves["2027-Q1"]["members"] == ["connection:rmt", "network:rsj-sibao"]  # connect_by / deadline 2027-03-31
    assert waves["2027-Q1"]["due"] == "2027-03-31" and waves["2027-Q1"]["overdue"] == 0
    assert set(waves["2027-Q2"]["members"]) == {"connection:vil-dm-jwh", "network:gaj-video", "network:ybj-yibao",
                                                "system:gaj-video-analysis"}  # fmt: skip
    assert waves["2027-Q3"]["members"] == ["network:swj-tax", "network:nyj-nongye"]  # by deadline: 09-14, 09-30
    assert (waves["2027-Q3"]["done"], waves["2027-Q3"]["open"]) == (1, 1)  # the exemption is not work
    # no date in the inventory, none in the clause (逐步迁移, 逐步取消): not scheduled
    assert {"system:budget", "exit:jyj", "connection:xwb"} <= set(waves["unscheduled"]["members"])
    assert waves["unscheduled"]["due"] is None


def test_zombies_take_the_date_of_the_clause_that_orders_their_clean_up(workspace: Path) -> None:
    found = plan()
    row = next(i for i in found["items"] if i["item"] == "system:zjj-dust")
    assert (row["deadline"], row["deadline_from"], row["wave"]) == ("2018-05-31", "policy", "2018-Q2")
    assert row["overdue_days"] == (date.fromisoformat(TODAY) - date(2018, 5, 31)).days
    assert RULES["zombie-retire"].default_deadline == date(2018, 5, 31)
    assert "2018年5月底前" in RULES["zombie-retire"].deadline_basis
    wave = next(w for w in found["waves"] if w["wave"] == "2018-Q2")
    assert wave["overdue"] == wave["items"] == 8 and wave["overdue_days"] == row["overdue_days"]
    text = track("plan", "--on", TODAY).stdout
    assert "8 overdue, up to 3102 d" in text and "2018-05-31 (policy)" in text


def test_the_inventorys_deadline_wins_over_the_clauses_and_moves_the_item_to_its_wave(workspace: Path) -> None:
    path = workspace / "inventory" / "systems.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - id: zjj-dust\n", "  - id: zjj-dust\n    deadline: 2027-02-15\n"), "utf-8")
    row = next(i for i in plan()["items"] if i["item"] == "system:zjj-dust")
    assert (row["deadline"], row["deadline_from"], row["wave"], row["overdue_days"]) == (
        "2027-02-15", "inventory", "2027-Q1", 0)  # fmt: skip


def test_status_shows_the_wave(workspace: Path) -> None:
    result = track("status", "--json", "--on", TODAY, "--dept", "rsj")
    waves = {row["item"]: row["wave"] for row in json.loads(result.stdout)["items"]}
    assert waves["network:rsj-sibao"] == "2027-Q1" and waves["system:sibao"] == "unscheduled"
    assert "2027-Q1" in track("status", "--on", TODAY, "--dept", "rsj").stdout


def test_zombie_verdicts_list_every_fact_and_a_replacement_only_when_it_is_live(workspace: Path) -> None:
    zombies = {z["item"]: z["facts"] for z in plan()["zombies"]}
    assert zombies["system:oa-2009"] == [
        "its function is covered by oa (maintained, used daily)", "maintenance has stopped", "it is not used",
        "last used 2019-12-31, over 180 days before 2026-11-21"]  # fmt: skip
    path = workspace / "inventory" / "systems.yml"  # budget, which replaces czj-gkk-query, is no longer maintained
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - id: budget\n", "  - id: budget\n    maintained: false\n"), "utf-8")
    found = {i["item"]: i for i in plan()["items"]}
    assert found["system:czj-gkk-query"]["disposition"] == "merge"  # no live replacement: merged, not retired


def test_a_later_day_does_not_make_every_system_idle(workspace: Path) -> None:
    found = {i["item"]: i for i in plan("--on", "2028-06-01")["items"]}
    assert found["system:budget"]["disposition"] == "cloud"  # used 2026-11, the census's own date


def item(id_: str, owner: str, state: str = "planned", deadline: date | None = None) -> Item:
    return Item("system", id_, owner, "cloud", "cloud-first", state, deadline, ("test",))


def event(id_: str, state: str, day: date, seq: int) -> TrackEvent:
    at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    return TrackEvent(id=seq, item=f"system:{id_}", action="advance", status="applied", previous="planned",
                      state=state, operator="alice", at=at)  # fmt: skip


def test_forecast_is_today_plus_the_remaining_items_at_the_rate_so_far() -> None:
    found = [item(f"s{n}", "czj", deadline=date(2027, 1, 15)) for n in range(5)]
    found.append(item("done-before", "czj", state="closed"))  # already in place: not work
    events = [event("s0", "verified", date(2027, 1, 1), 1), event("s1", "retired", date(2027, 1, 10), 2)]
    [czj] = forecasts(found, events, date(2027, 1, 10))
    assert (czj.total, czj.done, czj.remaining, czj.first_done) == (5, 2, 3, date(2027, 1, 1))
    assert czj.rate == 0.2  # two items in the ten days 1–10 January
    assert czj.finish == date(2027, 1, 25)  # three more at 0.2 a day: 15 days
    assert czj.late_days == 10  # its items are due 2027-01-15


def test_forecast_says_no_rate_before_the_first_item_is_done_and_the_last_day_when_all_are() -> None:
    found = [item("a1", "a"), item("a2", "a"), item("b1", "b")]
    events = [event("a1", "verified", date(2027, 2, 1), 1), event("a2", "closed", date(2027, 2, 3), 2)]
    a, b = forecasts(found, events, date(2027, 3, 1))
    assert (a.owner, a.remaining, a.finish) == ("a", 0, date(2027, 2, 3))
    assert (b.owner, b.done, b.rate, b.finish) == ("b", 0, None, None)


def test_forecast_counts_an_item_done_only_while_its_last_event_leaves_it_done() -> None:
    found = [item("a1", "a"), item("a2", "a")]
    events = [event("a1", "verified", date(2027, 2, 1), 1), event("a1", "cut-over", date(2027, 2, 2), 2),
              event("a2", "verified", date(2027, 2, 5), 3)]  # fmt: skip
    [a] = forecasts(found, events, date(2027, 2, 2))  # judged on the 2nd: a2's event has not happened yet
    assert (a.done, a.rate) == (0, None)
    [a] = forecasts(found, events, date(2027, 2, 5))
    assert (a.done, a.first_done, a.finish) == (1, date(2027, 2, 5), date(2027, 2, 6))


def test_plan_forecasts_from_the_recorded_changes(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRANET_OPERATOR", "alice")
    assert track("override", "connection:czj", "verified", "--reason", "probe blocked by firewall").exit_code == 0
    monkeypatch.setenv("EXTRANET_OPERATOR", "bob")
    assert track("approve", "connection:czj").exit_code == 0
    [change] = [h for h in json.loads(track("show", "connection:czj", "--json").stdout)["history"]
                if h["action"] == "approve"]  # fmt: skip
    day = date.fromisoformat(change["at"][:10])
    found = plan("--dept", "czj", "--on", day.isoformat())
    assert found["forecast"] == [{
        "owner": "czj", "items": 4, "done": 1, "remaining": 3, "first_done": day.isoformat(),
        "last_done": day.isoformat(), "rate_per_day": 1.0, "forecast": (day + timedelta(days=3)).isoformat(),
        "due": "2018-05-31", "late_days": (day + timedelta(days=3) - date(2018, 5, 31)).days}]  # fmt: skip
    assert {i["owner"] for i in found["items"]} == {"czj"}
    text = track("plan", "--dept", "czj", "--on", day.isoformat()).stdout
    assert "1.00/day since" in text and "no rate yet" not in text


def test_right_sizing_lists_low_cpu_hosts_with_the_facts(workspace: Path) -> None:
    found = plan("--utilisation", str(FIXTURE))
    hosts = {h["host"]: h for h in found["right_sizing"]}
    assert {h: v["verdict"] for h, v in hosts.items()} == {
        "i-bp1oa000000000011": "keep", "i-bp1xy000000000031": "scale-down", "zwfw": "keep",
        "i-bp1old00000000099": "scale-down", "i-bp1new00000000041": "too-little-data"}  # fmt: skip
    xy = hosts["i-bp1xy000000000031"]
    assert (xy["system"], xy["owner"], xy["address"]) == ("scjg-xyxx", "scjgj", "198.18.16.31")  # by address
    assert xy["cpu_p95"] == expected_p95("idle") <= 10 < xy["cpu_max"]  # the weekly batch does not save it
    assert (xy["samples"], xy["days"], xy["memory_p95"]) == (336, 14.0, 21.0)
    assert hosts["zwfw"]["system"] == "zwfw" and hosts["zwfw"]["cpu_p95"] == expected_p95("moderate") > 10  # by id
    assert hosts["i-bp1old00000000099"]["system"] is None
    assert hosts["i-bp1new00000000041"]["days"] == 3.0
    assert xy["facts"][0] == f"CPU p95 {expected_p95('idle'):g} % (limit 10 %), max {xy['cpu_max']:g} %"


def test_right_sizing_thresholds_can_be_changed(workspace: Path) -> None:
    found = plan("--utilisation", str(FIXTURE), "--cpu-p95", "15", "--days", "3")
    verdicts = {h["host"]: h["verdict"] for h in found["right_sizing"]}
    assert verdicts["zwfw"] == "scale-down" and verdicts["i-bp1new00000000041"] == "scale-down"
    assert found["right_sizing_rule"] == {"utilisation": str(FIXTURE), "cpu_p95": 15.0, "days": 3}
    dept = plan("--utilisation", str(FIXTURE), "--dept", "scjgj")
    assert [h["host"] for h in dept["right_sizing"]] == ["i-bp1xy000000000031"]


def test_right_sizing_text_names_the_candidates(workspace: Path) -> None:
    result = track("plan", "--on", TODAY, "--utilisation", str(FIXTURE))
    assert result.exit_code == 0
    assert "2 of 5 hosts to scale down (CPU p95 ≤ 10 % over 14 days" in result.stdout
    assert "(not in the inventory)" in result.stdout


def test_a_cloudwatch_style_export_with_iso_times_is_read(workspace: Path) -> None:
    rows = ["Timestamp,InstanceId,CPUUtilization (%)"]
    rows += [f"{(START + timedelta(hours=h)).isoformat()},zwfw,{3 + h % 4}" for h in range(14 * 24)]
    (workspace / "cw.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    [host] = plan("--utilisation", "cw.csv")["right_sizing"]
    assert (host["system"], host["verdict"], host["cpu_p95"], host["cpu_max"]) == ("zwfw", "scale-down", 6.0, 6.0)


GOOD = "timestamp,instanceId,CPUUtilization\n"


def days_of(cpu_value: str = "5", days: int = 14) -> str:
    return "".join(f"{(START + timedelta(hours=h)).isoformat()},zwfw,{cpu_value}\n" for h in range(days * 24))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("time,host\n1,2\n", "bad.csv:1: header: no cpu column (found time, host); allowed: cpuutilization, cpu_util"),
        (GOOD + "2026-11-13T00:00:00Z,zwfw,high\n", "bad.csv:2: CPUUtilization: 'high' is not a percentage; "
                                                    "allowed: a number from 0 to 100"),
        (GOOD + "2026-11-13T00:00:00Z,zwfw,130\n", "bad.csv:2: CPUUtilization: '130' is not a percentage"),
        (GOOD + "2026-11-13T00:00:00Z,zwfw,-1\n", "bad.csv:2: CPUUtilization: '-1' is not a percentage"),
        (GOOD + days_of() + "13/11/2026 10:00,zwfw,5\n", "bad.csv:338: timestamp: '13/11/2026 10:00' is not a time; "
                                                         "allowed: ISO 8601"),
        (GOOD + "2026-11-13T00:00:00Z,zwfw\n", "bad.csv:2: row: 2 fields, the header has 3"),
        (GOOD + days_of(days=3), "bad.csv: timestamp: the samples cover 3 days at most (up to 2026-11-15 23:00); "
                                 "14 days are needed; allowed: an export of at least 14 days, or a smaller --days"),
        (GOOD, "bad.csv:1: rows: no samples"),
        ("", "bad.csv:1: header: the file is empty"),
        ("cpu,CPUUtilization,timestamp,host\n", "bad.csv:1: CPUUtilization: a second cpu column (the first is 'cpu')"),
    ],
)
def test_a_bad_utilisation_file_exits_2_naming_the_line_and_column(workspace: Path, text: str, said: str) -> None:
    (workspace / "bad.csv").write_text(text, encoding="utf-8")
    result = track("plan", "--on", TODAY, "--utilisation", "bad.csv")
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.stderr.split()) and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--utilisation", "missing.csv"], "--utilisation missing.csv: No such file or directory"),
        (["--utilisation", "."], "is a directory, not a regular file"),
        (["--cpu-p95", "150"], "Invalid value for '--cpu-p95'"),
        (["--days", "0"], "Invalid value for '--days'"),
        (["--dept", "atlantis"], "--dept 'atlantis': no such department"),
    ],
)
def test_bad_plan_options_exit_2(workspace: Path, args: list[str], said: str) -> None:
    result = track("plan", "--on", TODAY, *args)
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.stderr.replace("│", " ").split())


def test_a_chinese_console_export_in_gb18030_is_read(workspace: Path) -> None:
    rows = ["时间,实例ID,IP地址,CPU使用率（%）,内存使用率(%)"]
    for h in range(14 * 24):
        rows.append(f"{START + timedelta(hours=h):%Y-%m-%d %H:%M:%S},[red]办公主机,198.18.16.11,{h % 5}%,40")
    (workspace / "cn.csv").write_bytes("\n".join(rows).encode("gb18030"))
    [host] = plan("--utilisation", "cn.csv")["right_sizing"]
    assert (host["host"], host["system"], host["cpu_p95"], host["memory_p95"]) == ("[red]办公主机", "oa", 4.0, 40.0)
    assert "[red]办公主机" in track("plan", "--on", TODAY, "--utilisation", "cn.csv").stdout  # text, not markup
