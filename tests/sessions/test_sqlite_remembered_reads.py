"""The SQLite store answers repeated reads from memory, but never one that a write, in any process, has made stale."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from flask_cognito_signin.sessions import StoreUnavailable
from flask_cognito_signin.sessions.change_markers import MARKERS, ChangeMarkers, new_marker, slot_of
from flask_cognito_signin.sessions.sqlite import SQLiteStore
from tests.support.clock import Clock


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sessions.db"


def sqlite_calls(store: SQLiteStore) -> list[str]:
    """Record the statements this thread's connection runs from now on."""
    statements: list[str] = []
    store._connection().set_trace_callback(statements.append)
    return statements


def test_a_repeated_read_makes_no_sqlite_call(path):
    store = SQLiteStore(path)
    store.put("session:a", {"user": "alice"}, ttl=60)
    store.get("session:a")
    statements = sqlite_calls(store)
    assert store.get("session:a").value == {"user": "alice"}
    assert statements == []


@pytest.mark.parametrize(
    "write, expected",
    [
        (lambda other: other.delete("session:a"), None),
        (lambda other: other.put("session:a", {"user": "bob"}, ttl=60), {"user": "bob"}),
        (lambda other: other.take("session:a"), None),
    ],
    ids=["delete", "put", "take"],
)
def test_a_write_through_another_store_is_seen_at_once(path, write, expected):
    reader, writer = SQLiteStore(path), SQLiteStore(path)  # as two gunicorn workers have
    reader.put("session:a", {"user": "alice"}, ttl=60)
    assert reader.get("session:a").value == {"user": "alice"}
    write(writer)
    entry = reader.get("session:a")
    assert (entry.value if entry else None) == expected


def test_a_touch_elsewhere_is_seen_at_once(path):
    reader, writer = SQLiteStore(path), SQLiteStore(path)
    reader.put("session:a", {}, ttl=60)
    before = reader.get("session:a").expires_at
    assert writer.touch("session:a", 600)
    assert reader.get("session:a").expires_at > before + 500


def test_an_add_elsewhere_is_seen_at_once(path):
    clock = Clock()
    reader, writer = SQLiteStore(path, clock=clock), SQLiteStore(path, clock=clock)
    reader.put("lock:a", {"owner": 1}, ttl=10)
    assert reader.get("lock:a").value == {"owner": 1}
    clock.advance(11)
    assert writer.add("lock:a", {"owner": 2}, ttl=60)
    assert reader.get("lock:a").value == {"owner": 2}


def test_a_remembered_entry_still_expires(path):
    store = SQLiteStore(path, clock=Clock())
    store.put("session:a", {}, ttl=10)
    assert store.get("session:a") is not None
    statements = sqlite_calls(store)
    store.clock.advance(11)
    assert store.get("session:a") is None
    assert statements == [], "the remembered read itself knows its expiry"


def test_a_purge_elsewhere_is_seen_at_once(path):
    reader, writer = SQLiteStore(path), SQLiteStore(path)
    reader.put("session:a", {}, ttl=60)
    reader.get("session:a")
    writer.clock = lambda: time.time() + 120  # to the purging store, the entry has expired
    assert writer.purge_expired() == 1
    statements = sqlite_calls(reader)
    assert reader.get("session:a") is None
    assert statements, "the purge must send the reader back to the database"


def test_changing_what_a_read_returned_does_not_change_the_next_read(path):
    store = SQLiteStore(path)
    store.put("session:a", {"groups": ["x"]}, ttl=60)
    store.get("session:a").value["groups"].append("admins")
    assert store.get("session:a").value == {"groups": ["x"]}


def test_a_repeated_read_of_a_missing_key_makes_no_sqlite_call(path):
    """A bearer token's check of the signed-out logins reads a key that is almost always absent."""
    store = SQLiteStore(path)
    store.put("ended-login:a", {}, ttl=60)
    store.delete("ended-login:a")  # its slot has a marker now
    assert store.get("ended-login:a") is None
    statements = sqlite_calls(store)
    assert store.get("ended-login:a") is None
    assert statements == []


def test_a_repeated_read_of_a_key_in_a_slot_never_written_makes_no_sqlite_call(path):
    """The usual case of that check: nothing of its share of keys was ever signed out."""
    store = SQLiteStore(path)
    store.put("session:other", {}, ttl=60)  # the database exists, this slot has no marker yet
    assert slot_of("session:other") != slot_of("ended-login:a")
    assert store.get("ended-login:a") is None
    statements = sqlite_calls(store)
    assert store.get("ended-login:a") is None
    assert statements == []


@pytest.mark.parametrize("write", [
    lambda other: other.put("ended-login:a", {"until": 1}, ttl=60),
    lambda other: other.add("ended-login:a", {"until": 1}, ttl=60),
], ids=["put", "add"])
def test_a_key_written_elsewhere_in_a_slot_never_written_before_is_seen_at_once(path, write):
    reader, writer = SQLiteStore(path), SQLiteStore(path)
    reader.put("session:other", {}, ttl=60)
    assert reader.get("ended-login:a") is None  # remembered under the slot's first, all-zero marker
    write(writer)
    assert reader.get("ended-login:a").value == {"until": 1}


@pytest.mark.parametrize("write", [
    lambda other: other.put("ended-login:a", {"until": 1}, ttl=60),
    lambda other: other.add("ended-login:a", {"until": 1}, ttl=60),
], ids=["put", "add"])
def test_a_key_written_elsewhere_after_a_read_found_it_missing_is_seen_at_once(path, write):
    reader, writer = SQLiteStore(path), SQLiteStore(path)
    reader.put("ended-login:a", {}, ttl=60)
    reader.delete("ended-login:a")
    assert reader.get("ended-login:a") is None
    write(writer)
    assert reader.get("ended-login:a").value == {"until": 1}


def _put_in_another_process(path: str) -> None:
    SQLiteStore(path).put("ended-login:a", {"until": 1}, ttl=60)


def test_a_key_written_in_another_process_after_a_read_found_it_missing_is_seen_at_once(path):
    store = SQLiteStore(path)
    store.put("ended-login:a", {}, ttl=60)
    store.delete("ended-login:a")
    assert store.get("ended-login:a") is None
    process = multiprocessing.get_context("spawn").Process(target=_put_in_another_process, args=(str(path),))
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert store.get("ended-login:a").value == {"until": 1}


def _delete_in_another_process(path: str) -> None:
    SQLiteStore(path).delete("session:a")


def test_a_delete_in_another_process_is_seen_at_once(path):
    store = SQLiteStore(path)
    store.put("session:a", {}, ttl=60)
    assert store.get("session:a") is not None
    process = multiprocessing.get_context("spawn").Process(target=_delete_in_another_process, args=(str(path),))
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert store.get("session:a") is None


def test_a_write_sends_back_only_reads_of_keys_that_share_its_marker(path):
    store = SQLiteStore(path)
    keys = [f"session:{n}" for n in range(3)]
    for key in keys:
        store.put(key, {}, ttl=60)
        store.get(key)
    markers = ChangeMarkers(path.with_name(path.name + "-changes"))
    markers.set(slot_of(keys[0]), new_marker())
    statements = sqlite_calls(store)
    for key in keys:
        store.get(key)
    assert len(statements) == 1


def test_markers_are_spread_over_the_whole_file(tmp_path):
    markers = ChangeMarkers(tmp_path / "changes")
    before = {key: markers.of(slot_of(key)) for key in (f"session:{n}" for n in range(200))}
    markers.set(slot_of("session:7"), new_marker())
    changed = [key for key, marker in before.items() if markers.of(slot_of(key)) != marker]
    assert "session:7" in changed and len(changed) <= 2  # 200 keys over 1024 markers rarely share one
    assert (tmp_path / "changes").stat().st_size == MARKERS * 8


def test_an_unusable_marker_file_raises_store_unavailable(path):
    path.with_name(path.name + "-changes").mkdir()
    store = SQLiteStore(path)
    with pytest.raises(StoreUnavailable, match="sessions.db-changes"):
        store.put("session:a", {}, ttl=60)
    with pytest.raises(StoreUnavailable, match="sessions.db-changes"):
        store.get("session:a")


def test_a_read_can_be_the_first_thing_a_store_in_a_new_folder_does(tmp_path):
    """A bearer token's sign-out check may be a fresh instance's first request."""
    store = SQLiteStore(tmp_path / "instance" / "sessions.db")
    assert store.get("ended-login:a") is None
    store.put("ended-login:a", {"until": 1}, ttl=60)
    assert store.get("ended-login:a").value == {"until": 1}
