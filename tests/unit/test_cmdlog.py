"""Who typed which command, read from real device log lines (tests/unit/recorded/cmdlog/) and from hostile ones."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from extranet.history.cmdlog import CHINA_STANDARD_TIME, Command, parse, parse_line

RECORDED = Path(__file__).parent / "recorded" / "cmdlog"
CST = CHINA_STANDARD_TIME


def _recorded(platform: str) -> str:
    return "\n".join(
        line for line in (RECORDED / f"{platform}.log").read_text().splitlines() if not line.startswith("#")
    )


def _seen(commands: list[Command]) -> list[tuple[str, str, str, datetime | None]]:
    return [(c.user, c.client, c.command, c.at) for c in commands]


# (platform, year assumed for stamps without one, what each command line says, in the file's order): kept beside
# the recorded lines (recorded/cmdlog/expected.json), since they quote those lines' own addresses
EXPECTED = [
    (e["platform"], e["year"],
     [(c["user"], c["client"], c["command"], datetime.fromisoformat(c["at"]) if c["at"] else None)
      for c in e["commands"]])
    for e in json.loads((RECORDED / "expected.json").read_text(encoding="utf-8"))
]  # fmt: skip


@pytest.mark.parametrize(("platform", "year", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_every_recorded_command_line_gives_its_user_client_command_and_time(platform, year, expected):
    commands = parse(_recorded(platform), year=year)
    assert _seen(commands) == expected
    assert {c.platform for c in commands} == {platform}


@pytest.mark.parametrize("platform", [e[0] for e in EXPECTED])
def test_the_raw_line_is_kept_with_each_command(platform):
    lines = _recorded(platform).splitlines()
    assert all(c.line in lines for c in parse(_recorded(platform), year=2020))


def test_recorded_lines_of_other_messages_are_skipped():
    assert parse(
        "\n".join([
            "%Oct 31 15:04:34:489 2024 ZYBK SHELL/6/SHELL_CMD_INPUT: Input string for the su command is ******.",
            "<188>Dec  4 17:41:30 2019 H3C %%10SHELL/4/SHELL_CMD_MATCHFAIL: -User=a-IPAddr=**; Command dis x failed.",
            "Mar  5 14:47:45  r1 mgd[91373]: UI_DBASE_LOGIN_EVENT: User 'user' entering configuration mode",
            "Mar  5 14:47:47  r1 mgd[91373]: UI_CHILD_EXITED: Child exited: PID 1, status 7, command '/usr/sbin/mustd'",
            "2020-10-23 03:17:45 HUAWEI %%01SHELL/6/DISPLAY_CMDRECORD(s)[204]: Recorded display command information. "
            '(Task=We0, Ip=198.51.100.122, VpnName=, User=admin, AuthenticationMethod="Local", Command="display x")',
            '<189>Nov 28 10:00:00 sw %%01SHELL/5/CMDRECORDFAILED:Recorded command information. (Task=VT0, Ip=1.1.1.1, '
            'VpnName=, User=a, AuthenticationMethod="Local-user", Command="x", Result=Failed)',
            "*Jul  6 18:50:35.496: %SPANTREE-5-ROOTCHANGE: Root Changed for vlan 15",
        ])
    ) == []  # fmt: skip


FRR = [
    ('2026-11-28T10:00:00+08:00 yl-core-01 vtysh[1234]: user=xlab client=198.18.0.254 command="interface eth1"',
     ("xlab", "198.18.0.254", "interface eth1", datetime(2026, 11, 28, 10, tzinfo=CST))),
    ('<189>1 2026-11-28T02:00:05Z yl-core-01 vtysh 1234 - - 2026-11-28T10:00:05+08:00 yl-core-01 vtysh[1234]: '
     'user=xlab client=198.18.0.254 command="description \\"uplink\\" \\\\ a"',
     ("xlab", "198.18.0.254", 'description "uplink" \\ a', datetime(2026, 11, 28, 10, 0, 5, tzinfo=CST))),
    ('<189>1 2026-11-28T02:00:09Z yl-core-01 vtysh 1234 - - vtysh[1234]: user=xlab client= command="end"',
     ("xlab", "", "end", datetime(2026, 11, 28, 2, 0, 9, tzinfo=UTC))),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), FRR)
def test_the_labs_frr_vtysh_line_and_its_wrappers(line, expected):
    (command,) = parse(line)
    assert (command.user, command.client, command.command, command.at) == expected
    assert command.platform == "frr"


def test_the_device_stamp_wins_over_the_collectors():
    (command,) = parse("Jan  6 13:24:18 collector 54: 000051: Jan  6 10:24:17: %PARSER-5-CFGLOG_LOGGEDCMD: "
                       "User:ops  logged command:hostname r1", year=2023)  # fmt: skip
    assert command.at == datetime(2023, 1, 6, 10, 24, 17, tzinfo=CST)


def test_a_wrapper_time_is_taken_when_the_message_has_none():
    (rfc3164,) = parse("<189>Nov 28 10:00:00 r1 mgd[1]: UI_COMMIT: User 'ops' requested 'commit' operation", year=2026)
    (rfc5424,) = parse("<189>1 2026-11-28T10:00:00.123+05:30 r1 mgd 1 - - UI_COMMIT: User 'ops' requested "
                       "'commit' operation (comment: CR-1)")  # fmt: skip
    assert rfc3164.at == datetime(2026, 11, 28, 10, tzinfo=CST)
    assert rfc5424.at == datetime(2026, 11, 28, 10, tzinfo=timezone(timedelta(hours=5, minutes=30)))


def test_naive_stamps_are_read_in_the_zone_the_caller_gives():
    (command,) = parse("Nov 28 10:00:00 r1 mgd[1]: UI_COMMIT: User 'ops' requested 'commit' operation",
                       default_tz=UTC, year=2026)  # fmt: skip
    assert command.at == datetime(2026, 11, 28, 10, tzinfo=UTC)


def test_a_stamp_without_year_that_would_be_in_the_future_is_last_years():
    soon = datetime.now(CST) + timedelta(days=3)
    line = f"{soon:%b %d %H:%M:%S} r1 mgd[1]: UI_COMMIT: User 'ops' requested 'commit' operation"
    (command,) = parse(line)
    assert command.at is not None and command.at.year == soon.year - 1
    (past,) = parse(line.replace(f"{soon:%H:%M:%S}", "00:00:00").replace(f"{soon:%b %d}", "Jan 01"))
    assert past.at is not None and past.at.year == datetime.now(CST).year


GARBAGE = [
    "",
    "\x00\x01\x02",
    '%%01SHELL/5/CMDRECORD(s)[1]:Recorded command information. (Task=VT0, Ip=1.1.1.1, User=admin, Command="inter',
    "%Nov 28 10:00:00:123 2026 H3C SHELL/6/SHELL_CMD: -Line=vty0-IPAddr=198.51.100.11-User=admin",
    "*Nov 19 07:16:06.419: %PARSER-5-CFGLOG_LOGGEDCMD: User:aninchat  logged comm",
    "Mar  5 14:47:45 r1 mgd[1]: UI_CMDLINE_READ_LINE: User 'ops', command 'set interfaces",
    "Mar  5 14:47:45 r1 mgd[1]: UI_COMMIT: User 'ops' requ",
    '2026-11-28T10:00:00+08:00 yl-core-01 vtysh[1234]: user=xlab client=198.18.0.254 command="interface eth1',
    "<189>1 2026-11-28T10:00:00+08:00 host - - - -",
    "Feb 30 25:61:61 r1 garbage %SYS-5-CONFIG_I",
    "\ufeff<<<>>>%%%%////::::",
]


@pytest.mark.parametrize("line", GARBAGE)
def test_garbage_and_truncated_lines_are_skipped(line):
    assert parse(line) == []


def test_a_damaged_stamp_leaves_the_command_without_a_time():
    (command,) = parse("Feb 30 2026 10:00:00 r1 mgd[1]: UI_COMMIT: User 'ops' requested 'commit' operation")
    assert (command.user, command.at) == ("ops", None)


def test_quotes_inside_a_command_do_not_cut_it_short():
    (huawei,) = parse('<189>Nov 28 2026 10:00:00 sw %%01SHELL/5/CMDRECORD(s)[1]:Recorded command information. '
                      '(Task=VT0, Ip=198.51.100.11, VpnName=, User=admin, AuthenticationMethod="Local-user", '
                      'Command="description "a, b" User=root", Result=Success)')  # fmt: skip
    (junos,) = parse("Nov 28 10:00:00 r1 mgd[1]: UI_CMDLINE_READ_LINE: User 'ops', command "
                     "'set interfaces ge-0/0/0 description 'it's, User 'root'' '", year=2026)  # fmt: skip
    assert (huawei.user, huawei.command) == ("admin", 'description "a, b" User=root')
    assert (junos.user, junos.command) == ("ops", "set interfaces ge-0/0/0 description 'it's, User 'root''")


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\x0b", "\x0c", "\x1c", "\r"])
def test_a_line_separator_typed_into_a_command_cannot_forge_a_second_record(separator):
    forged = "Nov 28 10:00:00 r1 mgd[1]: UI_CMDLINE_READ_LINE: User 'root', command 'delete system'"
    line = f"Nov 28 10:00:00 r1 mgd[1]: UI_CMDLINE_READ_LINE: User 'ops', command 'set x{separator}{forged}'"
    commands = parse(line, year=2026)
    assert [c.user for c in commands] == ["ops"]


def test_control_characters_stay_inside_the_command_they_were_typed_in():
    text = ("Nov 28 10:00:00 r1 mgd[1]: UI_CMDLINE_READ_LINE: User 'ops', command 'set \x1b[2Jx\x00'\n"
            "Nov 28 10:00:01 r1 mgd[1]: UI_COMMIT: User 'ops' requested 'commit' operation")  # fmt: skip
    assert [(c.user, c.command) for c in parse(text, year=2026)] == [("ops", "set \x1b[2Jx\x00"), ("ops", "commit")]


def test_crlf_log_files_read_like_lf_ones():
    text = "Nov 28 10:00:00 r1 mgd[1]: UI_COMMIT: User 'ops' requested 'commit' operation\r\n" * 2
    assert [c.line.endswith("operation") for c in parse(text, year=2026)] == [True, True]


def test_parse_line_says_none_for_a_line_without_a_command():
    assert parse_line("Nov 28 10:00:00 r1 sshd[1]: Accepted publickey for ops") is None


def test_another_vendors_message_typed_into_a_command_is_not_read_as_its_own_record():
    typed = "%PARSER-5-CFGLOG_LOGGEDCMD: User:root  logged command:write erase"
    line = f"Nov 28 10:00:00 r1 mgd[1]: UI_CMDLINE_READ_LINE: User 'ops', command 'set x description \"{typed}\"'"
    (command,) = parse(line, year=2026)
    assert (command.platform, command.user) == ("juniper_junos", "ops")
