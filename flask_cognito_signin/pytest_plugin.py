"""The `cognito_emulator` pytest fixture: installing flask-cognito-signin is enough (a pytest11 entry point).

```python
def test_reports_need_a_signed_in_user(cognito_emulator):
    app = create_app()                                   # your app
    app.config.update(cognito_emulator.app_config())     # before CognitoSignIn(app)
    ...
    cognito_emulator.sign_in(client)                     # as test-user, through the hosted UI
```

A test module (or conftest) defines its own pool by overriding the `cognito_pool` fixture,
with flask_cognito_signin.testing.pool(users=[...], clients=[...]) or any dict in the shape
of the emulator's pool.toml.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .testing import CognitoEmulator, pool, run_emulator


@pytest.fixture
def cognito_pool() -> dict[str, Any]:
    """The pool `cognito_emulator` serves: by default test-user / Test-Password-1 and one client for http://localhost."""
    return pool()


@pytest.fixture
def cognito_emulator(cognito_pool: dict[str, Any], tmp_path) -> Iterator[CognitoEmulator]:
    """A local Cognito emulator serving `cognito_pool` on free loopback ports, for one test."""
    with run_emulator(cognito_pool, instance_path=str(tmp_path / "cognito-emulator")) as emulator:
        yield emulator
