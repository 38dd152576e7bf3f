"""A write's change marker is part of its transaction: no worker, killed or slow, leaves others serving what it changed."""

from __future__ import annotations

import multiprocessing
import os
import threading

from flask_cognito_signin.sessions.sqlite import SQLiteStore

WAIT = 30  # seconds; only ever reached when the test is already failing


class _Connection:
    """A connection that runs `at_commit` the moment a write is committed (autocommit or COMMIT)."""

    def __init__(self, connection, at_commit):
        self._connection, self._at_commit = connection, at_commit

    def execute(self, sql: str, *parameters):
        before = sql.lstrip().upper().startswith("COMMIT")
        if before:
            self._at_commit("before")
        cursor = self._connection.execute(sql, *parameters)
        if not sql.lstrip().upper().startswith(("SELECT", "BEGIN", "PRAGMA")) and not self._connection.in_transaction:
            self._at_commit("after")
        return cursor

    def __getattr__(self, name):
        return getattr(self._connection, name)


def _delete_and_die_once_committed(path: str) -> None:
    store = SQLiteStore(path)
    connection = _Connection(store._connection(), lambda when: when == "after" and os._exit(0))
    store._connection = lambda: connection
    store.delete("session:a")
    os._exit(1)  # not reached: the process is killed as soon as the delete is committed


def test_a_worker_killed_right_after_committing_a_delete_leaves_no_one_serving_the_entry(tmp_path):
    path = tmp_path / "sessions.db"
    reader = SQLiteStore(path)
    reader.put("session:a", {"user": "alice"}, ttl=60)
    assert reader.get("session:a") is not None  # remembered by this worker
    process = multiprocessing.get_context("spawn").Process(target=_delete_and_die_once_committed, args=(str(path),))
    process.start()
    process.join(WAIT)
    assert process.exitcode == 0, "killed at the commit"
    assert reader.get("session:a") is None


def test_a_read_between_a_writes_marker_change_and_its_commit_is_not_taken_as_current(tmp_path):
    path = tmp_path / "sessions.db"
    reader, writer = SQLiteStore(path), SQLiteStore(path)
    reader.put("session:a", {"user": "alice"}, ttl=60)
    assert reader.get("session:a").value == {"user": "alice"}
    at_commit, go = threading.Event(), threading.Event()

    def pause_before_commit(when: str) -> None:
        if when == "before":
            at_commit.set()
            assert go.wait(WAIT)

    def write() -> None:
        connection = _Connection(writer._connection(), pause_before_commit)
        writer._connection = lambda: connection
        assert writer.replace("session:a", {"user": "bob"}, ttl=60)

    thread = threading.Thread(target=write)
    thread.start()
    assert at_commit.wait(WAIT)
    assert reader.get("session:a").value == {"user": "alice"}, "not committed yet"
    go.set()
    thread.join(WAIT)
    assert reader.get("session:a").value == {"user": "bob"}
