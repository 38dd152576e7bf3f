"""One line of `flask oidc check`'s report: a check that passed or failed, a fact to act on, or a part skipped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    #: "ok", "FAIL", "info" (a fact to act on, such as a URL to register) or "note" (a part not checked, and why).
    status: str
    text: str

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


def ok(text: str) -> Finding:
    return Finding("ok", text)


def fail(text: str) -> Finding:
    return Finding("FAIL", text)


def info(text: str) -> Finding:
    return Finding("info", text)


def note(text: str) -> Finding:
    return Finding("note", text)


def check(passed: bool, if_ok: str, if_not: str) -> Finding:
    return ok(if_ok) if passed else fail(if_not)
