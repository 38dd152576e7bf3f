"""Pre token generation hooks that the devidp tests name in their pools (``pre_token_generation``).

``recording`` keeps each event it receives in ``events`` and answers with ``answer(event)``,
which a test sets (the ``hook`` fixture of test_devidp_pre_token.py resets both).
"""

from __future__ import annotations

from typing import Any

events: list[dict[str, Any]] = []


def answer(event: dict[str, Any]) -> Any:
    return event


def recording(event: dict[str, Any], context: Any) -> Any:
    events.append(event)
    return answer(event)


def add_tenant(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The shape of the guide's example function: a claim for both tokens and a custom scope."""
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "blue"}},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": "blue"},
            "scopesToAdd": ["demo-api/read"],
        },
    }
    return event


def one_argument(event: dict[str, Any]) -> dict[str, Any]:
    return event


not_callable = "a string"
