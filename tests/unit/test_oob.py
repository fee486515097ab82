"""Issue 15 item 2: out-of-band changes, hunk by hunk, attributed from the device's command log."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from extranet.history.oob import attribute, hunks, summary

OLD = "hostname core1\ninterface lo\n ip address 198.18.1.1/32\n!\nsnmp-server location county\n"
NEW = "hostname core1\ninterface lo\n ip address 198.18.1.1/32\n description by hand\n!\n"
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Line:
    at: datetime | None
    user: str
    client: str
    command: str


def test_hunks_are_the_changed_blocks() -> None:
    found = hunks(OLD, NEW)
    assert [(h.removed, h.added) for h in found] == [([], [" description by hand"]),
                                                     (["snmp-server location county"], [])]  # fmt: skip


def test_each_hunk_goes_to_who_typed_it_after_the_last_record() -> None:
    found = hunks(OLD, NEW)
    log = [Line(T0 - timedelta(hours=1), "mallory", "198.51.100.9", "description by hand"),  # before the record
           Line(T0 + timedelta(minutes=5), "alice", "198.51.100.7", "description  by hand"),
           Line(T0 + timedelta(minutes=6), "bob", "198.51.100.8", "no snmp-server location county")]  # fmt: skip
    attribute(found, log, T0)
    assert [(h.attribution, h.client) for h in found] == [("out-of-band:alice", "198.51.100.7"),
                                                          ("out-of-band:bob", "198.51.100.8")]  # fmt: skip
    assert summary(found) == "out-of-band:alice,bob"


def test_a_session_without_commands_attributes_what_no_command_explains() -> None:
    found = hunks(OLD, NEW)
    attribute(found, [Line(T0 + timedelta(minutes=1), "xlab", "198.18.0.254", "")], T0)
    assert {h.attribution for h in found} == {"out-of-band:xlab"}


def test_nothing_logged_is_unattributed_and_our_own_login_is_not_counted() -> None:
    found = hunks(OLD, NEW)
    ours = Line(T0 + timedelta(minutes=9), "xlab", "198.18.0.254", "")  # the backup's own login
    attribute(found, [ours], T0, until=T0 + timedelta(minutes=8))
    assert {h.attribution for h in found} == {"unattributed"} and summary(found) == "unattributed"
    assert summary([]) == ""
