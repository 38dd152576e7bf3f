"""The session store contract, run against every store implementation."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from flask_cognito_signin.sessions import SessionStore, StoreUnavailable
from flask_cognito_signin.sessions.redis import RedisStore
from flask_cognito_signin.sessions.sqlite import SQLiteStore
from tests.support.clock import Clock
from tests.support.servers import RedisServer, free_port

#: The lifetime of an entry a test lets expire. Only ever used for entries that must be gone when
#: looked at: an entry that must still be there lives LONG, so a stalled machine cannot fail a test.
SHORT = 0.3
LONG = 60


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path) -> SessionStore:
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "store.db", clock=Clock())
    return RedisStore(request.getfixturevalue("redis_url"))


def now(store: SessionStore) -> float:
    """The store's time: the SQLite store's hand-moved clock; Redis counts real time."""
    return store.clock() if isinstance(store, SQLiteStore) else time.time()


def outlive(store: SessionStore, ttl: float) -> None:
    """Let an entry that lives `ttl` seconds expire: the SQLite store's clock moves on; for Redis the
    test waits, and a stalled machine only makes that wait longer, never too short."""
    if isinstance(store, SQLiteStore):
        store.clock.advance(ttl + 1)
    else:
        time.sleep(ttl + 0.1)


def test_put_then_get(store):
    before = now(store)
    store.put("session:a", {"user": "alice", "groups": ["x"]}, ttl=LONG)
    entry = store.get("session:a")
    assert entry.value == {"user": "alice", "groups": ["x"]}
    assert before + LONG - 1 <= entry.expires_at <= now(store) + LONG


def test_put_replaces(store):
    store.put("k", {"v": 1}, ttl=60)
    store.put("k", {"v": 2}, ttl=60)
    assert store.get("k").value == {"v": 2}


def test_entries_expire(store):
    store.put("k", {"v": 1}, ttl=SHORT)
    outlive(store, SHORT)
    assert store.get("k") is None
    assert store.take("k") is None
    assert store.touch("k", 60) is False


def test_touch_extends_without_rewriting(store):
    store.put("k", {"v": 1}, ttl=LONG)
    assert store.touch("k", 10 * LONG) is True
    entry = store.get("k")
    assert entry.value == {"v": 1}
    assert entry.expires_at > now(store) + 9 * LONG


def test_take_returns_once(store):
    store.put("login:s", {"nonce": "n"}, ttl=60)
    assert store.take("login:s") == {"nonce": "n"}
    assert store.take("login:s") is None
    assert store.get("login:s") is None


def test_add_only_when_absent_or_expired(store):
    assert store.add("lock:a", {"owner": 1}, ttl=LONG) is True
    assert store.add("lock:a", {"owner": 2}, ttl=LONG) is False
    assert store.get("lock:a").value == {"owner": 1}
    assert store.add("lock:b", {"owner": 1}, ttl=SHORT) is True
    outlive(store, SHORT)
    assert store.add("lock:b", {"owner": 3}, ttl=LONG) is True
    assert store.get("lock:b").value == {"owner": 3}


def test_delete(store):
    store.put("k", {"v": 1}, ttl=60)
    store.delete("k")
    store.delete("missing")
    assert store.get("k") is None


def test_expired_entries_are_gone_after_a_purge(store):
    store.put("old", {}, ttl=SHORT)
    store.put("new", {}, ttl=LONG)
    outlive(store, SHORT)
    store.purge_expired()
    assert store.get("old") is None and store.get("new") is not None


def test_ping_answers_only_when_the_store_does(store, tmp_path):
    assert store.ping() is None
    if isinstance(store, SQLiteStore):
        (tmp_path / "a-directory.db").mkdir()
        unreachable = SQLiteStore(tmp_path / "a-directory.db")
    else:
        unreachable = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    with pytest.raises(StoreUnavailable):
        unreachable.ping()


def test_concurrent_takes_have_one_winner(store):
    store.put("login:race", {"nonce": "n"}, ttl=60)
    results, start = [], threading.Barrier(8)

    def take() -> None:
        start.wait()
        results.append(store.take("login:race"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r for r in results if r is not None] == [{"nonce": "n"}]


def test_concurrent_adds_have_one_winner(store):
    results, start = [], threading.Barrier(8)

    def add(owner: int) -> None:
        start.wait()
        results.append(store.add("lock:race", {"owner": owner}, ttl=60))

    threads = [threading.Thread(target=add, args=(owner,)) for owner in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


def _take_in_process(path: str, queue) -> None:
    queue.put(SQLiteStore(path).take("login:race"))


def test_sqlite_takes_have_one_winner_across_processes(tmp_path):
    path = str(tmp_path / "shared.db")
    SQLiteStore(path).put("login:race", {"nonce": "n"}, ttl=60)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_take_in_process, args=(path, queue)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(10)
    results = [queue.get(timeout=5) for _ in processes]
    assert [r for r in results if r is not None] == [{"nonce": "n"}]


def test_sqlite_purge_counts_what_went(tmp_path):
    store = SQLiteStore(tmp_path / "store.db", clock=Clock())
    store.put("old", {}, ttl=SHORT)
    store.put("new", {}, ttl=LONG)
    outlive(store, SHORT)
    assert store.purge_expired() == 1


def test_an_unusable_sqlite_file_raises_store_unavailable(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreUnavailable):
        SQLiteStore(tmp_path / "dir.db").ping()


def test_an_unreachable_redis_raises_store_unavailable_and_recovers(tmp_path):
    server = RedisServer(tmp_path)
    store = RedisStore(server.url, timeout=0.5)
    for operation in (store.ping, lambda: store.get("k"), lambda: store.put("k", {}, 1), lambda: store.take("k")):
        with pytest.raises(StoreUnavailable):
            operation()
    server.start()
    try:
        store.put("k", {"v": 1}, ttl=60)
        assert store.get("k").value == {"v": 1}
        server.kill()
        with pytest.raises(StoreUnavailable):
            store.get("k")
        server.start()
        store.ping()
    finally:
        server.stop()


# Sets with expiring members --------------------------------------------------------------

def test_a_set_holds_its_members_until_each_expires(store):
    store.add_member("user-sessions:a", "session:1", ttl=LONG)
    store.add_member("user-sessions:a", "session:2", ttl=SHORT)
    store.add_member("user-sessions:b", "session:3", ttl=LONG)
    assert sorted(store.members("user-sessions:a")) == ["session:1", "session:2"]
    outlive(store, SHORT)
    assert store.members("user-sessions:a") == ["session:1"]
    assert store.members("user-sessions:b") == ["session:3"]
    assert store.members("user-sessions:nobody") == []


def test_adding_a_member_again_starts_its_time_anew(store):
    store.add_member("user-sessions:a", "session:1", ttl=SHORT)
    store.add_member("user-sessions:a", "session:1", ttl=LONG)
    outlive(store, SHORT)
    assert store.members("user-sessions:a") == ["session:1"]


def test_a_removed_member_is_gone(store):
    store.add_member("user-sessions:a", "session:1", ttl=LONG)
    store.add_member("user-sessions:a", "session:2", ttl=LONG)
    store.remove_member("user-sessions:a", "session:1")
    store.remove_member("user-sessions:a", "session:unknown")
    assert store.members("user-sessions:a") == ["session:2"]


def test_set_keys_names_the_sets_with_live_members_under_a_prefix(store):
    store.add_member("user-sessions:a", "session:1", ttl=LONG)
    store.add_member("user-sessions:b", "session:2", ttl=SHORT)
    store.add_member("user-sessions:*", "session:3", ttl=LONG)  # a glob character is only a character
    store.add_member("other:c", "session:4", ttl=LONG)
    store.put("user-sessions:not-a-set", {}, ttl=LONG)
    outlive(store, SHORT)
    assert store.set_keys("user-sessions:") == ["user-sessions:*", "user-sessions:a"]
    assert store.set_keys("user-sessions:*") == ["user-sessions:*"]


def test_sets_and_entries_do_not_meet(store):
    store.put("k", {"v": 1}, ttl=LONG)
    store.add_member("k", "m", ttl=LONG)
    store.delete("k")
    assert store.members("k") == ["m"] and store.get("k") is None


def test_expired_members_go_at_a_purge(tmp_path):
    store = SQLiteStore(tmp_path / "store.db", clock=Clock())
    store.add_member("user-sessions:a", "session:1", ttl=SHORT)
    store.add_member("user-sessions:a", "session:2", ttl=LONG)
    outlive(store, SHORT)
    assert store.purge_expired() == 1
    rows = store._execute("SELECT member FROM set_members").fetchall()
    assert rows == [("session:2",)]


def test_a_redis_set_expires_with_its_last_member(redis_url):
    store = RedisStore(redis_url)
    store.add_member("user-sessions:a", "session:1", ttl=LONG)
    store.add_member("user-sessions:a", "session:2", ttl=SHORT)
    ttl_ms = store.client.pttl("cognito-rp-sets:user-sessions:a")
    assert (LONG - 5) * 1000 < ttl_ms <= LONG * 1000


def test_sets_are_shared_by_every_instance_of_a_redis_store(redis_url):
    RedisStore(redis_url).add_member("user-sessions:a", "session:1", ttl=LONG)
    other = RedisStore(redis_url)
    assert other.members("user-sessions:a") == ["session:1"]
    other.remove_member("user-sessions:a", "session:1")
    assert RedisStore(redis_url).members("user-sessions:a") == []


def test_sqlite_sets_are_shared_across_processes(tmp_path):
    path = str(tmp_path / "shared.db")
    context = multiprocessing.get_context("fork")
    process = context.Process(target=lambda: SQLiteStore(path).add_member("user-sessions:a", "session:1", LONG))
    process.start()
    process.join(10)
    assert SQLiteStore(path).members("user-sessions:a") == ["session:1"]
