"""Sign a user in and out of a running app through the emulator's hosted UI, with the runtime dependencies alone.

CI runs it with the interpreter of a venv that holds requirements.txt and nothing else, against
gunicorn under each worker class; after a deploy, it is a smoke test against the emulator:

    python -m scripts.smoke_sign_in http://localhost:8000 demo 'DemoPass1!'

Exit 0 when the user was signed in (the session page and /api/me name them) and out again
(/api/me refuses the old cookie); otherwise exit 1 with what went wrong.
"""

from __future__ import annotations

import argparse
import re
import sys

import requests

from devidp.driver import SignInFailed, sign_in

_SIGN_OUT_CSRF = re.compile(r'<form method="post" action="[^"]*/logout"[^>]*>\s*<input type="hidden" name="csrf_token" '
                            r'value="([^"]+)"')


def sign_in_and_out(base_url: str, username: str, password: str) -> str:
    """What happened, in one line; raises AssertionError or SignInFailed naming the step that failed."""
    http = requests.Session()
    callback = sign_in(http, base_url + "/login", username, password)
    assert callback.status_code == 302, f"the callback answered {callback.status_code}: {callback.text[:300]}"
    me = http.get(base_url + "/api/me", timeout=10)
    assert me.status_code == 200 and me.json()["username"] == username, f"/api/me after sign-in: {me.status_code}"
    page = http.get(base_url + "/", timeout=10)
    token = _SIGN_OUT_CSRF.search(page.text)
    assert token, f"no sign-out form on the session page (HTTP {page.status_code})"
    signed_out = http.post(base_url + "/logout", data={"csrf_token": token.group(1)}, timeout=10)
    assert signed_out.url.rstrip("/") == base_url, f"sign-out ended at {signed_out.url}, not {base_url}/"
    after = http.get(base_url + "/api/me", timeout=10)
    assert after.status_code == 401, f"/api/me after sign-out answered {after.status_code}"
    return f"{username} signed in and out at {base_url} (sign-out through {signed_out.history[-1].url.split('?')[0]})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("username")
    parser.add_argument("password")
    args = parser.parse_args()
    try:
        print(sign_in_and_out(args.base_url.rstrip("/"), args.username, args.password))
    except (AssertionError, SignInFailed, requests.RequestException) as error:
        print(f"smoke sign-in failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
