"""The store's conditional writes: `replace` never recreates a deleted entry, `release` frees only its owner's lock."""

from __future__ import annotations

from tests.sessions.test_store import LONG, store  # noqa: F401 (the fixture: every store implementation)


def test_replace_rewrites_a_live_entry(store):
    store.put("session:a", {"n": 1}, LONG)
    assert store.replace("session:a", {"n": 2}, LONG)
    assert store.get("session:a").value == {"n": 2}


def test_replace_never_recreates_a_deleted_entry(store):
    store.put("session:a", {"n": 1}, LONG)
    store.delete("session:a")
    assert not store.replace("session:a", {"n": 2}, LONG)
    assert store.get("session:a") is None


def test_replace_of_an_entry_never_written_writes_nothing(store):
    assert not store.replace("session:never", {"n": 1}, LONG)
    assert store.get("session:never") is None


def test_release_frees_the_owners_lock(store):
    assert store.add("lock:x", {"owner": "me"}, LONG)
    assert store.release("lock:x", {"owner": "me"})
    assert store.get("lock:x") is None


def test_release_leaves_another_owners_lock_alone(store):
    """A request whose lock expired and was taken by another must not free the other's lock."""
    assert store.add("lock:x", {"owner": "the new owner"}, LONG)
    assert not store.release("lock:x", {"owner": "the old owner"})
    assert store.get("lock:x").value == {"owner": "the new owner"}
