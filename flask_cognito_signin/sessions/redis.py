"""Redis session store (redis-py): sessions shared by every instance behind a load balancer.

Each operation is one Redis command, atomic by itself: SET … PX for TTLs equal to the
entry's lifetime, SET NX for locks (released by a compare-and-delete script), SET XX for
session writes that must not recreate a deleted entry, GETDEL for single-use values. Redis expires
entries on its own, so nothing needs purging. A set with expiring members is a sorted set
scored by each member's expiry (in milliseconds), expiring as a whole with its last member. When Redis is down every call raises
StoreUnavailable (pages answer 503), and redis-py reconnects by itself once it is back.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from .store import Entry, SessionStore, StoreUnavailable, decode_value, encode_value

_KEY_PREFIX = "cognito-rp:"
#: Sets live apart from the entries: in Redis one key cannot be both a string and a sorted set.
_SET_PREFIX = "cognito-rp-sets:"
_RELEASE_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""
#: Drop the expired members, add one, and let the set live as long as its longest-lived member.
_ADD_MEMBER = """
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
redis.call('zadd', KEYS[1], ARGV[2], ARGV[3])
local last = redis.call('zrange', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('pexpireat', KEYS[1], math.ceil(tonumber(last[2])))
return 1
"""


class RedisStore(SessionStore):
    def __init__(self, url: str, timeout: float = 2.0):
        self.url = url
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        # Compare-and-delete in one step, as redis-py's own Lock releases (Redis has no such command).
        self._release = self.client.register_script(_RELEASE_IF_OWNER)
        self._add_member = self.client.register_script(_ADD_MEMBER)

    def _call(self, command: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, command)(*args, **kwargs)
        except redis.RedisError as error:
            raise StoreUnavailable(f"Redis session store: {type(error).__name__}: {error}") from error

    def get(self, key: str) -> Entry | None:
        try:
            with self.client.pipeline(transaction=False) as pipeline:
                value, ttl_ms = pipeline.get(_KEY_PREFIX + key).pttl(_KEY_PREFIX + key).execute()
        except redis.RedisError as error:
            raise StoreUnavailable(f"Redis session store: {type(error).__name__}: {error}") from error
        if value is None or ttl_ms < 0:
            return None
        return Entry(decode_value(value), time.time() + ttl_ms / 1000)

    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        self._call("set", _KEY_PREFIX + key, encode_value(value), px=_milliseconds(ttl))

    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        return bool(self._call("set", _KEY_PREFIX + key, encode_value(value), px=_milliseconds(ttl), nx=True))

    def replace(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        return bool(self._call("set", _KEY_PREFIX + key, encode_value(value), px=_milliseconds(ttl), xx=True))

    def touch(self, key: str, ttl: float) -> bool:
        return bool(self._call("pexpire", _KEY_PREFIX + key, _milliseconds(ttl)))

    def take(self, key: str) -> dict[str, Any] | None:
        value = self._call("getdel", _KEY_PREFIX + key)
        return decode_value(value) if value is not None else None

    def delete(self, key: str) -> None:
        self._call("delete", _KEY_PREFIX + key)

    def release(self, key: str, value: dict[str, Any]) -> bool:
        try:
            return bool(self._release(keys=[_KEY_PREFIX + key], args=[encode_value(value)]))
        except redis.RedisError as error:
            raise StoreUnavailable(f"Redis session store: {type(error).__name__}: {error}") from error

    def add_member(self, key: str, member: str, ttl: float) -> None:
        now = _milliseconds(time.time())
        try:
            self._add_member(keys=[_SET_PREFIX + key], args=[now, now + _milliseconds(ttl), member])
        except redis.RedisError as error:
            raise StoreUnavailable(f"Redis session store: {type(error).__name__}: {error}") from error

    def members(self, key: str) -> list[str]:
        live = self._call("zrangebyscore", _SET_PREFIX + key, f"({_milliseconds(time.time())}", "+inf")
        return [member.decode() for member in live]

    def remove_member(self, key: str, member: str) -> None:
        self._call("zrem", _SET_PREFIX + key, member)

    def set_keys(self, prefix: str) -> list[str]:
        pattern = _SET_PREFIX + _glob_escaped(prefix) + "*"
        now = f"({_milliseconds(time.time())}"
        try:
            found = [key.decode() for key in self.client.scan_iter(match=pattern, _type="zset")]
            return sorted(key[len(_SET_PREFIX):] for key in found if self.client.zcount(key, now, "+inf"))
        except redis.RedisError as error:
            raise StoreUnavailable(f"Redis session store: {type(error).__name__}: {error}") from error

    def purge_expired(self) -> int:
        return 0  # Redis removes expired keys itself

    def ping(self) -> None:
        self._call("ping")


def _milliseconds(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _glob_escaped(text: str) -> str:
    """`text` matched literally by SCAN's MATCH pattern."""
    return "".join("\\" + character if character in "*?[]\\" else character for character in text)
