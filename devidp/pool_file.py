"""Write a pool back as a pool file, so that the users the admin API changed are the pool of the next start.

``load_config(path)`` after ``save(pool, path)`` gives the same pool, except for two things a
written file cannot keep: comments, and the users of identity providers, whom only a sign-in
through their provider creates (the next one creates them again, with the same name and sub).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import MISSING, Field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from .config import PoolConfig

#: The pool file's arrays of tables, in the order a person reads them.
_ARRAYS = ("users", "clients", "resource_servers", "identity_providers")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dump(pool: PoolConfig, comment: str = "") -> str:
    """The pool as pool-file TOML, each field left out where it has its default; `comment` heads the file."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += _pairs(pool)
    for array in _ARRAYS:
        for item in _file_items(pool, array):
            lines += ["", f"[[{array}]]", *_pairs(item)]
            for name, table in _tables(item):
                lines += [f"[{array}.{name}]", *(f"{_key(key)} = {_value(value)}" for key, value in table.items())]
    return "\n".join(lines) + "\n"


def save(pool: PoolConfig, path: str | os.PathLike[str], comment: str = "") -> None:
    """Replace `path` with `dump(pool)` in one step, readable by its owner only: it holds passwords and secrets."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(dump(pool, comment))
        os.replace(temporary, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)


def _file_items(pool: PoolConfig, array: str) -> Iterator[Any]:
    """The array's entries as a pool file gives them: users of identity providers left out, and in pools
    that sign in with email or phone number the user names the pool generates (the subs) too."""
    for item in getattr(pool, array):
        if array != "users":
            yield item
        elif not item.is_federated:
            yield replace(item, username=None) if pool.username_attributes else item


def _written_fields(item: Any) -> Iterator[tuple[Field, Any]]:
    """The fields a pool file sets that differ from their defaults."""
    for spec in fields(item):
        if not spec.init or not spec.metadata.get("in_pool_file", True):
            continue
        value = getattr(item, spec.name)
        default = spec.default_factory() if spec.default_factory is not MISSING else spec.default
        if value is None or (default is not MISSING and value == default):
            continue
        yield spec, value


def _pairs(item: Any) -> list[str]:
    return [f"{spec.name} = {_value(value)}" for spec, value in _written_fields(item)
            if not isinstance(value, Mapping) and not (isinstance(value, tuple) and value and is_dataclass(value[0]))]


def _tables(item: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for spec, value in _written_fields(item):
        if isinstance(value, Mapping):
            yield spec.name, value


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)  # custom:department needs quotes


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"a pool file holds no {type(value).__name__}")


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and DEL, which JSON leaves as it is, is escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
