"""Who typed which configuration command: device log lines (a log buffer, a syslog file) into ``Command`` records.

One rule per message a platform writes; the engine finds the message anywhere in a line, so the syslog wrapper
in front of it (RFC 3164 ``<189>Nov 28 10:00:00 host``, RFC 5424 ``<189>1 2026-11-28T10:00:00+08:00 host app - -
-``, a collector's own prefix, the device's sequence number) never has to be known in advance. Lines no rule
knows, and lines a rule knows but that are cut short, are skipped; ``parse`` never raises.

Messages read (the recorded lines under ``tests/unit/recorded/cmdlog/`` say where each form was seen):

- huawei: ``SHELL/5/CMDRECORD`` ``Recorded command information. (Task=VT0, Ip=10.1.1.1, VpnName=, User=admin,
  AuthenticationMethod="Local-user", Command="…")``, VRP8 adding ``Result=Success``; the older firewall form
  ``task:HTPR ip:… user:… vrf:… command:….``. ``CMDRECORDFAILED`` repeats a CMDRECORD line and
  ``DISPLAY_CMDRECORD`` records ``display`` commands, so neither is read. ``**`` (not known) reads as "".
- hp_comware: ``SHELL/6/SHELL_CMD: -Line=vty0-IPAddr=…-User=admin; Command is …`` (Comware 5 writes ``-Task=``).
- cisco_ios: ``%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:…`` (``archive`` / ``log config``), and
  ``%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.1.1.1)``: a configuration session whose
  commands the line does not give, returned with ``command`` "" so the caller still knows who configured when.
- juniper_junos: ``UI_CMDLINE_READ_LINE: User 'admin', command '…'`` and ``UI_COMMIT: User 'admin' requested
  'commit' operation (comment: …)`` (``command`` is the operation, ``commit``; the comment stays in ``line``).
- frr: the lab's own format, written by its vtysh login sessions (FRR logs no such line itself)::

      2026-11-28T10:00:00+08:00 yl-core-01 vtysh[1234]: user=xlab client=198.18.0.254 command="interface eth1"

  an RFC 3339 time, the host, ``vtysh[pid]:``, then ``user=``, ``client=`` (blank-free) and ``command=`` in
  double quotes, a ``"`` or ``\\`` inside it escaped with a backslash.

The time is the one nearest the message: the device's own stamp when it wrote one, the wrapper's otherwise. A
stamp with an offset (``+08:00``, ``Z``, ``UTC``/``GMT``) is aware in that offset; one without is read in
``default_tz`` (China Standard Time unless told), as is one naming another zone (IOS ``clock timezone`` names such
as ``CET`` or ``CST`` say no offset for sure). A stamp without a year takes ``year``; when ``year`` is not
given, the current year, or last year if that would put the line in the future.

>>> [c.user for c in parse('<190>Nov 28 10:00:00 2026 sw1 %%10SHELL/6/SHELL_CMD: -Line=vty0-IPAddr=10.1.1.1'
...                        '-User=admin; Command is interface GigabitEthernet1/0/1')]
['admin']
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from re import Match, Pattern

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class Command:
    at: datetime | None
    user: str
    client: str
    command: str
    platform: str
    line: str


@dataclass(frozen=True)
class _Said:
    """What a message says, before the time is read from the line around it."""

    user: str
    client: str
    command: str


@dataclass(frozen=True)
class _Rule:
    platform: str
    message: Pattern[str]
    read: Callable[[Match[str]], _Said | None]


def _known(value: str) -> str:
    """Huawei and H3C write ``**`` for what they could not learn (a console login has no address)."""
    value = value.strip()
    return "" if set(value) <= {"*"} else value


_HUAWEI_FIELD = re.compile(r'(\w+)=("[^"]*"|[^,]*)')
# The command runs to the last quote before the trailing unquoted fields: VRP does not escape quotes inside it.
_HUAWEI_COMMAND = re.compile(r'Command="(?P<command>.*)"(?:\s*,\s*\w+=[^",]*)*\s*\)\s*\)?\s*$')


def _huawei(m: Match[str]) -> _Said | None:
    body = m["body"]
    command = _HUAWEI_COMMAND.search(body)
    if command is None:
        return None
    fields = {key.lower(): value.strip('"') for key, value in _HUAWEI_FIELD.findall(body[: command.start()])}
    client = _known(fields.get("ip", "")) or _known(fields.get("task", ""))
    return _Said(_known(fields.get("user", "")), client, command["command"])


def _huawei_firewall(m: Match[str]) -> _Said:
    return _Said(_known(m["user"]), _known(m["ip"]) or _known(m["task"]), m["command"].removesuffix("."))


_COMWARE_LINE = re.compile(r"-(?:Line|Task)=(.*?)(?=-IPAddr=|-User=|$)")
_COMWARE_ADDRESS = re.compile(r"-IPAddr=(.*?)(?=-User=|$)")
_COMWARE_USER = re.compile(r"-User=(.*)$")  # last: a Comware login may hold '-' and '@'


def _comware(m: Match[str]) -> _Said:
    head = m["head"]
    line, address, user = (pattern.search(head) for pattern in (_COMWARE_LINE, _COMWARE_ADDRESS, _COMWARE_USER))
    client = _known(address[1] if address else "") or _known(line[1] if line else "")
    return _Said(_known(user[1] if user else ""), client, m["command"])


def _cisco_logged(m: Match[str]) -> _Said:
    return _Said(m["user"], "", m["command"].rstrip())


def _cisco_configured(m: Match[str]) -> _Said:
    return _Said(m["user"], m["address"] or m["vty"] or "", "")


def _junos_read_line(m: Match[str]) -> _Said:
    return _Said(m["user"], "", m["command"].rstrip())


def _junos_commit(m: Match[str]) -> _Said:
    return _Said(m["user"], "", m["operation"])


def _frr(m: Match[str]) -> _Said:
    return _Said(m["user"], m["client"], re.sub(r"\\(.)", r"\1", m["command"]))


RULES: tuple[_Rule, ...] = (
    _Rule("huawei", re.compile(r"SHELL/\d/CMDRECORD\b[^:]*:\s*Record(?:ed)? command information\.?\s*\((?P<body>.*)$"),
          _huawei),
    _Rule("huawei", re.compile(r"SHELL/\d/CMDRECORD\b[^:]*:\s*task:(?P<task>\S*) ip:(?P<ip>\S*) user:(?P<user>\S*)"
                               r"(?: vrf:\S*)? command:(?P<command>.+)$"), _huawei_firewall),
    _Rule("hp_comware", re.compile(r"SHELL/\d/SHELL_CMD\b[^:]*:\s*(?P<head>-[^;]*);\s*Command is (?P<command>.+)$"),
          _comware),
    _Rule("cisco_ios", re.compile(r"%PARSER-(?:\w+-)?\d-CFGLOG_LOGGEDCMD:\s*User:\s*(?P<user>[^\s,]*),?\s+"
                                  r"logged command:(?P<command>.+)$"), _cisco_logged),
    _Rule("cisco_ios", re.compile(r"%SYS-(?:\w+-)?\d-CONFIG_I:\s*Configured from \S+ by (?P<user>\S+?)"
                                  r"(?: on (?P<vty>\S+?))?(?: \((?P<address>[^)\s]*)\))?\s*$"), _cisco_configured),
    _Rule("juniper_junos", re.compile(r"\bUI_CMDLINE_READ_LINE:\s*User '(?P<user>[^']*)', "
                                      r"command '(?P<command>.*)'\s*$"), _junos_read_line),
    _Rule("juniper_junos", re.compile(r"\bUI_COMMIT:\s*User '(?P<user>[^']*)' "
                                      r"requested '(?P<operation>[^']+)' operation"), _junos_commit),
    _Rule("frr", re.compile(r'\bvtysh\[\d+\]:\s*user=(?P<user>\S*) client=(?P<client>\S*) '
                            r'command="(?P<command>(?:[^"\\]|\\.)*)"\s*$'), _frr),
)  # fmt: skip

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZONE = r"(?P<zone>Z|[+-]\d\d:?\d\d|UTC|GMT)"
_ISO_STAMP = re.compile(
    r"(?<!\d)(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)[T ](?P<hms>\d\d:\d\d:\d\d)(?:[.,]\d{1,9})?" + f"(?:{_ZONE})?"
)
# BSD: ``Nov 28 10:00:00``; Huawei puts the year before the time, Comware after it (and milliseconds after a
# colon); Cisco may add milliseconds and a zone name.
_BSD_STAMP = re.compile(
    r"\b(?P<mon>" + "|".join(_MONTHS) + r")\s+(?P<day>\d{1,2})(?:\s+(?P<year>\d{4}))?\s+(?P<hms>\d\d:\d\d:\d\d)"
    r"(?:[.:]\d{1,6})?(?:\s+(?P<year_after>\d{4})(?!\d))?" + rf"(?:\s*{_ZONE}\b)?",
    re.IGNORECASE,
)


def _zone(name: str | None, default_tz: tzinfo) -> tzinfo:
    if not name:
        return default_tz
    if name.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if name[0] == "-" else 1
    digits = name[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _from_iso(m: Match[str], default_tz: tzinfo) -> datetime:
    hour, minute, second = (int(part) for part in m["hms"].split(":"))
    return datetime(int(m["year"]), int(m["month"]), int(m["day"]), hour, minute, second,
                    tzinfo=_zone(m["zone"], default_tz))  # fmt: skip


def _from_bsd(m: Match[str], default_tz: tzinfo, year: int | None) -> datetime:
    month = [name.lower() for name in _MONTHS].index(m["mon"].lower()) + 1
    hour, minute, second = (int(part) for part in m["hms"].split(":"))
    zone = _zone(m["zone"], default_tz)
    stated = m["year"] or m["year_after"]
    if stated or year is not None:
        return datetime(int(stated or year or 0), month, int(m["day"]), hour, minute, second, tzinfo=zone)
    now = datetime.now(zone)
    at = datetime(now.year, month, int(m["day"]), hour, minute, second, tzinfo=zone)
    # a log a day ahead of this clock is a clock skew, not last year's; further ahead, it was last year
    return at.replace(year=now.year - 1) if at > now + timedelta(days=1) else at


def _time(prefix: str, default_tz: tzinfo, year: int | None) -> datetime | None:
    """The stamp nearest the message in the text before it: the device's own, else the wrapper's."""
    found = [(m.start(), m, True) for m in _ISO_STAMP.finditer(prefix)]
    found += [(m.start(), m, False) for m in _BSD_STAMP.finditer(prefix)]
    if not found:
        return None
    _, m, iso = max(found, key=lambda item: item[0])
    try:
        return _from_iso(m, default_tz) if iso else _from_bsd(m, default_tz, year)
    except ValueError:  # 30 February, hour 25: the line is damaged, the command may still be worth having
        return None


def parse_line(line: str, default_tz: tzinfo = CHINA_STANDARD_TIME, year: int | None = None) -> Command | None:
    """The command one log line records, or None when it records none this module knows.

    >>> c = parse_line("Mar  5 14:47:45  r1 mgd[913]: UI_COMMIT: User 'ops' requested 'commit' operation", year=2020)
    >>> c.user, c.command, c.platform, c.at.isoformat()
    ('ops', 'commit', 'juniper_junos', '2020-03-05T14:47:45+08:00')
    """
    text = line.rstrip("\r\n")
    found = [(m, rule) for rule in RULES if (m := rule.message.search(text))]
    if not found:
        return None
    # the device's message comes first: another vendor's message typed into its command text comes after it
    m, rule = min(found, key=lambda item: item[0].start())
    said = rule.read(m)
    if said is None:
        return None
    return Command(_time(text[: m.start()], default_tz, year), said.user, said.client, said.command, rule.platform,
                   text)  # fmt: skip


def parse(text: str, default_tz: tzinfo = CHINA_STANDARD_TIME, year: int | None = None) -> list[Command]:
    """Every command the log text records, in its order; lines that record none are skipped.

    Lines end at a line feed only: a Unicode line separator a user typed into a command stays in that command
    and cannot start a forged line of its own.
    """
    commands = (parse_line(line, default_tz, year) for line in text.split("\n"))
    return [command for command in commands if command is not None]
