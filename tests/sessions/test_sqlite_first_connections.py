"""A new SQLite store opened by many threads at once (a worker's first requests): every one gets its connection."""

from __future__ import annotations

import threading

from flask_cognito_signin.sessions.sqlite import SQLiteStore


def test_connections_opened_at_once_on_a_new_database_all_work(tmp_path):
    for attempt in range(40):
        store = SQLiteStore(tmp_path / f"sessions-{attempt}.db")
        start, failures = threading.Barrier(12), []

        def first_request(n: int) -> None:
            start.wait()
            try:
                store.add(f"lock:{n}", {"n": n}, 60)
            except Exception as error:  # noqa: BLE001 (any failure is the finding)
                failures.append(error)

        threads = [threading.Thread(target=first_request, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures[0]
