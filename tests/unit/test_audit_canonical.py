"""What an audit event's hash covers stays exactly what it always was: ``json.dumps`` of its fields, keys sorted,
no spaces, text as it is. `audit verify` writes that text out field by field and reads the table with the DB-API
cursor (issue 16: 10^5 events in seconds); these tests hold the two forms equal and show that an edit of any
stored field, in any form SQLite lets it take, is still named."""

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extranet import store

from .test_cli import run

# the definition, as it was before the text was written out
REFERENCE: dict[str, Any] = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":"), "default": str}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
TEXT = st.text()  # quotes, backslashes, control characters, U+2028, CJK, astral characters
MAYBE = st.none() | TEXT


def _reference(at: str, fields: dict[str, Any]) -> str:
    body = {"at": at, **{k: v for k, v in fields.items() if k not in ("os_user", "ssh_client")}}
    body |= {k: fields[k] for k in ("os_user", "ssh_client") if fields[k] is not None}
    return json.dumps(body, **REFERENCE)


@settings(max_examples=500, deadline=None)
@given(run_id=st.none() | st.integers(), operator=TEXT, action=TEXT, target=TEXT, outcome=TEXT, detail=JSON,
       reason=MAYBE, prev_hash=TEXT, os_user=MAYBE, ssh_client=MAYBE)  # fmt: skip
def test_the_written_out_text_is_json_dumps_of_the_fields(**fields: Any) -> None:
    at = "2026-11-27T23:59:01.000123+00:00"
    assert store.canonical_event(at, **fields) == _reference(at, fields)


@settings(max_examples=200, deadline=None)
@given(run_id=st.booleans() | TEXT | st.floats(), operator=TEXT | st.integers(), detail=JSON,
       reason=MAYBE | st.integers() | st.floats(), os_user=MAYBE | st.booleans())  # fmt: skip
def test_values_of_other_kinds_an_edit_may_leave_are_hashed_as_json_dumps_hashes_them(**fields: Any) -> None:
    fields |= {"action": "a", "target": "t", "outcome": "ok", "prev_hash": store.GENESIS, "ssh_client": None}
    at = "2026-11-27T23:59:01.000123+00:00"
    assert store.canonical_event(at, **fields) == _reference(at, fields)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(timezones=st.none() | st.just(UTC) | st.just(timezone(timedelta(hours=8)))))
def test_the_time_is_hashed_in_utc_to_the_microsecond(at: datetime) -> None:
    expected = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    assert store.utc_text(at) == expected
    stored = at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f").rjust(26, "0")  # as SQLite keeps it
    assert store._stored_utc_text(stored) == store.utc_text(datetime.fromisoformat(stored))


@settings(max_examples=300, deadline=None)
@given(JSON, st.sampled_from(["", " ", "\n", "x", "}", ",1"]))
def test_a_stored_json_text_is_read_as_json_loads_reads_it(value: Any, tail: str) -> None:
    reader = store._json_text_reader(json.loads)
    for text in (json.dumps(value), json.dumps(value, separators=(",", ":")), json.dumps(value) + tail):
        try:
            expected: Any = json.loads(text)
        except ValueError as exc:
            with pytest.raises(type(exc), match=re.escape(str(exc))):
                reader(text)
            continue
        got = reader(text)
        assert json.dumps(got, **REFERENCE) == json.dumps(expected, **REFERENCE)  # NaN != NaN, its text is one


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", "2026-01-01 00:00:00.000000"),
        ("at", "2026-01-01T00:00:00"),  # another spelling SQLite keeps as it is
        ("at", "2026-01-01 00:00:00.000000+08:00"),
        ("detail", '{"lines": 99}'),
        ("detail", "7"),  # a number where a document was
        ("run_id", "1"),  # text where a number was
        ("run_id", 1),
        ("operator", 42),
        ("operator", "someone-else"),
        ("reason", None),
        ("os_user", None),
        ("os_user", "mallory"),
        ("ssh_client", "198.51.100.9"),
        ("target", 'core1","outcome":"ok'),
    ],
)
def test_an_edit_of_any_field_in_any_form_is_named(workspace: Path, column: str, value: object) -> None:
    db = store.open_store()
    for n in range(3):
        db.audit("config.push", f"core{n}", "ok", {"lines": n, "note": "说明"}, reason="CHG-1")
    assert db.verify_audit_chain() == []
    with sqlite3.connect(workspace / "test.db") as conn:
        conn.execute(f"UPDATE audit_events SET {column} = ? WHERE id = 2", (value,))
    assert db.verify_audit_chain() == ["event 2: contents do not match its hash (the row was edited)"]


def test_audit_verify_names_an_edited_detail_and_exits_1(workspace: Path) -> None:
    db = store.open_store()
    for n in range(3):
        db.audit("config.push", f"core{n}", "ok", {"lines": n}, reason="CHG-1")
    with sqlite3.connect(workspace / "test.db") as conn:
        conn.execute("""UPDATE audit_events SET detail = '{"lines": 9}' WHERE id = 2""")
    result = run("audit", "verify", cwd=workspace)
    assert (result.returncode, result.stdout) == (
        1, "broken: event 2: contents do not match its hash (the row was edited)\n"
    )


def test_a_detail_stored_in_another_json_spelling_is_the_same_event(workspace: Path) -> None:
    """The hash covers the document, not how the database spells it (as before: the value is read, then hashed)."""
    db = store.open_store()
    db.audit("config.push", "core1", "ok", {"b": 1, "a": [1, 2]})
    with sqlite3.connect(workspace / "test.db") as conn:
        conn.execute("""UPDATE audit_events SET detail = '{"a":[1,2],  "b":1}' WHERE id = 1""")
    assert db.verify_audit_chain() == []
