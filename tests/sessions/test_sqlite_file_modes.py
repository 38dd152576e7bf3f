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
