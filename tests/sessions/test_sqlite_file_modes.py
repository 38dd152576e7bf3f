"""The SQLite store's folder and files are private to the owner: they hold live access tokens."""

from __future__ import annotations

import stat

from flask_cognito_signin.sessions.sqlite import SQLiteStore


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_folder_is_0700_and_its_files_0600(tmp_path):
    folder = tmp_path / "instance"
    store = SQLiteStore(folder / "sessions.db")
    store.put("session:x", {"tokens": "secret"}, 60)
    assert mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert {path.name for path in files} >= {"sessions.db", "sessions.db-wal", "sessions.db-shm", "sessions.db-changes"}
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_existing_files_readable_by_others_are_tightened_at_start_up(tmp_path):
    """A store made by an older version, or copied in with 0644, must not stay readable (CWE-732)."""
    earlier = SQLiteStore(tmp_path / "sessions.db")
    earlier.put("session:x", {"tokens": "secret"}, 60)  # its connection stays open: -wal and -shm stay
    files = sorted(tmp_path.iterdir())
    assert len(files) == 4
    for path in files:
        path.chmod(0o644)
    assert SQLiteStore(tmp_path / "sessions.db").get("session:x") is not None  # the next start-up
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
