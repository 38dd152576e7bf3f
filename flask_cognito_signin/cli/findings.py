"""One line of `flask oidc check`'s report: a check that passed or failed, a fact to act on, or a part skipped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    #: "ok", "FAIL", "info" (a fact to act on, such as a URL to register), "note" (a check left out because an
    #: earlier one failed) or "SKIP" (a part that cannot be checked here, such as AWS without boto3, and why).
    status: str
    text: str

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"

    @property
    def skipped(self) -> bool:
        return self.status == "SKIP"


def ok(text: str) -> Finding:
    return Finding("ok", text)


def fail(text: str) -> Finding:
    return Finding("FAIL", text)


def info(text: str) -> Finding:
    return Finding("info", text)


def note(text: str) -> Finding:
    return Finding("note", text)


def skip(text: str) -> Finding:
    return Finding("SKIP", text)


def check(passed: bool, if_ok: str, if_not: str) -> Finding:
    return ok(if_ok) if passed else fail(if_not)
