"""Break each security rule the obvious way and check that the tests which claim the rule notice.

Every mutation below names one rule, the exact snippet of production code that keeps it,
what the snippet becomes when the rule is broken, and the test files that claim the rule.
Each is applied, one at a time, to a copy of the project in a temporary directory (the
working tree is never touched), and the named tests are run there with this venv's pytest.
A mutation is KILLED when a test fails, and SURVIVED when they all pass: a survivor is a
rule no test guards, unless its row says why that is acceptable (`survives`).

A snippet that is not found exactly once makes the run fail (STALE): the code moved on and
the table must follow, so it never silently tests nothing. Tests that already fail without
any mutation (another engineer's work in progress) are left out of every run and named; a
test file that cannot even be collected makes its mutations UNJUDGED.

    python -m scripts.mutation               # all mutations (make mutation)
    python -m scripts.mutation state-single-use session-signature -v   # some, with pytest's output
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
#: Not copied: environments, caches, local secrets and artifacts (the tests need none of them).
_NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".coverage",
                                     "htmlcov", "test-artifacts", "instance", ".env")
_PYTEST = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not e2e"]


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    original: str
    mutated: str
    tests: tuple[str, ...]
    #: Why surviving is acceptable (another layer keeps the rule); None: a survivor is a missing test.
    survives: str | None = None


_NO_EXP = 'type("NoExp", (JWTClaimsRegistry,), {"validate_exp": lambda self, value: None})'
_NO_IAT = 'type("NoIat", (JWTClaimsRegistry,), {"validate_iat": lambda self, value: None})'
_ID_VALIDATE = "id_claims.validate(now=validated_at, leeway=CLOCK_SKEW)"
_TOKEN_TESTS = ("tests/oidc/test_tokens.py", "tests/web/test_callback.py")
_BEARER_TESTS = ("tests/web/test_bearer.py", "tests/oidc/test_tokens.py")
_RULES = "tests/test_user_session_rules.py"
_PENDING = "flask_cognito_signin/pending_sign_ins.py"
_PENDING_TESTS = "tests/web/test_pending_sign_in_cookies.py"
_METRICS = "flask_cognito_signin/metrics.py"
_METRICS_TESTS = "tests/test_metrics.py"
_HOST_CSRF_TESTS = "tests/web/test_host_forms_csrf.py"
_ACCESS_LOG_TESTS = "tests/serving/test_access_logs.py"
_STEP_UP_TESTS = "tests/web/test_step_up.py"
_SIGNING_IN_AGAIN = "tests/web/test_signing_in_again.py"
_TENANTS = "tests/web/test_tenants.py"
_TENANTS_EMULATED = "tests/extension/test_tenants_with_emulator.py"
_ALB_CLAIMS = "flask_cognito_signin/alb/user_claims.py"
_ALB_SIGNED_IN = "flask_cognito_signin/alb/signed_in.py"
_ALB_TESTS = ("tests/alb/test_user_claims.py", "tests/web/test_alb_mode.py")
_PASSKEYS = "devidp/passkeys.py"
_CEREMONIES = "devidp/passkey_ceremonies.py"
_PASSKEY_TESTS = "tests/devidp/test_devidp_passkeys.py"

MUTATIONS: tuple[Mutation, ...] = (
    # The three rules of issue 15 --------------------------------------------------------------
    Mutation("state-single-use", "flask_cognito_signin/user_session.py",
             "        if name in request.cookies:\n", "        if False:\n",
             (_RULES, "tests/web/test_callback.py")),
    Mutation("replaced-session-id-deleted", "flask_cognito_signin/sessions/interface.py",
             "self.store.delete(store_key(session.replaced_sid))", "pass",
             (_RULES, "tests/sessions/test_rotation.py")),
    Mutation("session-signature", "flask_cognito_signin/sessions/interface.py",
             "sid = self.signer.unsign(cookie).decode()", 'sid = cookie.rsplit(".", 1)[0]',
             (_RULES, "tests/web/test_pages.py")),
    # Sessions -----------------------------------------------------------------------------------
    Mutation("session-id-rotation", "flask_cognito_signin/user_session.py",
             "self.session.regenerate()", "pass",
             (_RULES, "tests/web/test_callback.py")),
    Mutation("pending-cookie-host-only", _PENDING,
             'self.prefix = ("__Host-" if secure else "") + "cognito_pending."',
             'self.prefix = ("__Secure-" if secure else "") + "cognito_pending."',
             (_PENDING_TESTS,)),
    Mutation("state-must-match", _PENDING,
             "if opened is None or not hmac.compare_digest(opened[0].state.encode(), state.encode()):",
             "if opened is None:",
             ("tests/web/test_callback.py", _RULES, _PENDING_TESTS)),
    Mutation("pending-cookie-expiry-checked", _PENDING,
             "if not isinstance(expires_at, (int, float)) or expires_at <= now:",
             "if not isinstance(expires_at, (int, float)):",
             (_PENDING_TESTS,)),
    Mutation("pending-cookie-sealed-under-the-secret-key", _PENDING,
             ".derive(secret_key.encode())", '.derive(b"")',
             (_PENDING_TESTS,)),
    Mutation("pending-cookie-encrypted", _PENDING,
             "return jwe.encrypt_compact(_HEADER, payload, self._key, registry=_ONLY_DIR_A256GCM)",
             "return base64.urlsafe_b64encode(payload).decode()",
             (_PENDING_TESTS,)),
    Mutation("pending-cookie-httponly", _PENDING,
             "path=\"/\", secure=self.secure, httponly=True,\n",
             "path=\"/\", secure=self.secure, httponly=False,\n",
             (_PENDING_TESTS, "tests/web/test_login.py")),
    Mutation("anonymous-requests-write-no-row", "flask_cognito_signin/user_session.py",
             "        cookies = request.cookies\n",
             "        cookies = request.cookies\n        self.session[\"pending_state\"] = pending.state\n",
             ("tests/web/test_pending_and_locks.py",)),
    Mutation("sign-out-deletes-the-session", "flask_cognito_signin/user_session.py",
             "self.store.delete(store_key(self.session.stored_sid))", "pass",
             ("tests/web/test_logout.py", "tests/sessions/test_signed_out_stays_dead.py")),
    Mutation("previous-record-deleted-at-sign-in", "flask_cognito_signin/user_session.py",
             "self.records.delete(self._record_id)\n        self.session.clear()\n        self.session.regenerate()",
             "pass\n        self.session.clear()\n        self.session.regenerate()",
             ("tests/test_auth_records.py", _RULES, "tests/sessions/test_rotation.py")),
    Mutation("signing-in-again-ends-the-replaced-login", "flask_cognito_signin/user_session.py",
             "            _end_login(self.logins, replaced, store_key(replaced_sid) if replaced_sid is not None else None)\n",
             "            pass\n", (_SIGNING_IN_AGAIN,)),
    Mutation("signing-in-again-revokes-the-replaced-refresh-token", "flask_cognito_signin/web/auth.py",
             "        revoke_login_quietly(signin_state(), replaced)\n", "        pass\n", (_SIGNING_IN_AGAIN,)),
    Mutation("absolute-lifetime", "flask_cognito_signin/sessions/interface.py",
             "return max(1.0, min(self.idle_timeout, absolute - self.clock()))", "return self.idle_timeout",
             ("tests/web/test_session_lifetime.py",)),
    Mutation("cookie-httponly", "flask_cognito_signin/sessions/interface.py",
             "else None,\n            httponly=True,", "else None,\n            httponly=False,",
             ("tests/web/test_login.py",)),
    Mutation("refresh-once-under-the-lock", "flask_cognito_signin/user_session.py",
             "if self.store.add(lock, owner, ttl=2 * provider.timeout + 1):",
             "if self.store.add(lock, owner, ttl=2 * provider.timeout + 1) or True:",
             ("tests/web/test_session_lifetime.py",)),
    Mutation("refreshed-id-token-same-subject", "flask_cognito_signin/oidc/refresh.py",
             'if claims["sub"] != user.sub:', "if False:",
             ("tests/web/test_session_lifetime.py",)),
    # ID token (OIDC Core 3.1.3.7) ---------------------------------------------------------------
    Mutation("id-token-signature", "flask_cognito_signin/oidc/tokens.py",
             "return jwt.decode(token, keys, algorithms=[SIGNING_ALGORITHM]), keys",
             "return jwt.Token(extract_compact(token.encode()).protected,"
             " json.loads(extract_compact(token.encode()).payload)), keys",
             _TOKEN_TESTS + ("tests/web/test_bearer.py",)),
    Mutation("only-rs256", "flask_cognito_signin/oidc/tokens.py",
             'if header.get("alg") != SIGNING_ALGORITHM:', "if False:",
             _TOKEN_TESTS),
    Mutation("id-token-iss", "flask_cognito_signin/oidc/tokens.py",
             '"iss": {"essential": True, "value": metadata.issuer},', '"iss": {"essential": True},',
             _TOKEN_TESTS),
    Mutation("id-token-aud", "flask_cognito_signin/oidc/tokens.py",
             '"aud": {"essential": True, "value": client_id},', '"aud": {"essential": True},',
             _TOKEN_TESTS),
    Mutation("id-token-only-our-audience", "flask_cognito_signin/oidc/tokens.py",
             "if set(audiences) != {client_id}:", "if False:",
             _TOKEN_TESTS),
    Mutation("id-token-exp", "flask_cognito_signin/oidc/tokens.py",
             _ID_VALIDATE, f"id_claims.registry_cls = {_NO_EXP}; {_ID_VALIDATE}",
             _TOKEN_TESTS),
    Mutation("id-token-iat", "flask_cognito_signin/oidc/tokens.py",
             _ID_VALIDATE, f"id_claims.registry_cls = {_NO_IAT}; {_ID_VALIDATE}",
             _TOKEN_TESTS),
    Mutation("id-token-nonce", "flask_cognito_signin/oidc/tokens.py",
             'params={"nonce": nonce,', 'params={"nonce": None,',
             _TOKEN_TESTS),
    Mutation("id-token-at-hash", "flask_cognito_signin/oidc/tokens.py",
             '"access_token": access_token},', '"access_token": None},',
             _TOKEN_TESTS),
    Mutation("id-token-sub", "flask_cognito_signin/oidc/tokens.py",
             'if not isinstance(id_claims.get("sub"), str) or not id_claims["sub"]:', "if False:",
             _TOKEN_TESTS),
    Mutation("id-token-token-use", "flask_cognito_signin/oidc/tokens.py",
             '_check_token_use(id_claims, "id", required=metadata.is_cognito, what="ID token")', "pass",
             _TOKEN_TESTS),
    # Sign-in protocol ---------------------------------------------------------------------------
    Mutation("pkce-s256", "flask_cognito_signin/oidc/provider.py",
             'code_challenge_method="S256",', 'code_challenge_method="plain",',
             ("tests/web/test_login.py", "tests/web/test_callback.py")),
    Mutation("pkce-challenge-sent", "flask_cognito_signin/oidc/signin.py",
             "code_verifier=code_verifier, nonce=nonce", "nonce=nonce",
             ("tests/web/test_login.py", "tests/web/test_callback.py")),
    Mutation("callback-iss-rfc9207", "flask_cognito_signin/oidc/signin.py",
             'params["iss"] != metadata.issuer', "False",
             ("tests/web/test_callback.py",)),
    Mutation("userinfo-same-subject", "flask_cognito_signin/oidc/userinfo.py",
             'if claims.get("sub") != expected_sub:', "if False:",
             ("tests/web/test_callback.py",)),
    Mutation("discovery-issuer", "flask_cognito_signin/oidc/provider.py",
             "if issuer != settings.issuer:", "if False:",
             ("tests/oidc/test_tokens.py", "tests/web/test_login.py")),
    # Guards -------------------------------------------------------------------------------------
    Mutation("csrf-on-logout", "flask_cognito_signin/web/auth.py",
             '    csrf.protect(request.form.get("csrf_token"))\n', "    pass\n",
             ("tests/web/test_logout.py",)),
    Mutation("open-redirect-scheme-and-authority", "flask_cognito_signin/web/return_to.py",
             'if not value.startswith("/") or value.startswith("//"):', 'if not value.startswith("/"):',
             ("tests/web/test_open_redirect.py",)),
    Mutation("open-redirect-characters", "flask_cognito_signin/web/return_to.py",
             'if not value.isascii() or not value.isprintable() or " " in value or "\\\\" in value:',
             "if False:",
             ("tests/web/test_open_redirect.py",)),
    Mutation("bearer-client-id", "flask_cognito_signin/oidc/tokens.py",
             'if claims.get("client_id") not in allowed_client_ids:', "if False:",
             _BEARER_TESTS),
    Mutation("bearer-scope", "flask_cognito_signin/oidc/tokens.py",
             "if not required_scopes <= validated.scopes:", "if False:",
             _BEARER_TESTS),
    Mutation("access-token-iss", "flask_cognito_signin/oidc/tokens.py",
             'iss={"essential": True, "value": metadata.issuer},', 'iss={"essential": True},',
             _BEARER_TESTS + ("tests/oidc/test_access_token_issuer.py",)),
    Mutation("access-token-exp", "flask_cognito_signin/oidc/tokens.py",
             "registry = JWTClaimsRegistry(", f"registry = {_NO_EXP}(",
             _BEARER_TESTS),
    Mutation("access-token-token-use", "flask_cognito_signin/oidc/tokens.py",
             '_check_token_use(claims, "access", required=True, what="access token")', "pass",
             _BEARER_TESTS),
    Mutation("bearer-only-under-api", "flask_cognito_signin/authz.py",
             "if header is not None and this_request.path.startswith(state.settings.api_prefix):",
             "if header is not None:",
             ("tests/web/test_bearer.py", "tests/test_authz.py")),
    Mutation("login-required", "flask_cognito_signin/authz.py",
             "if not user.is_authenticated:", "if False:",
             ("tests/test_authz.py",)),
    Mutation("groups-required", "flask_cognito_signin/authz.py",
             "missing = [group for group in groups if group not in held]", "missing = []",
             ("tests/test_authz.py",)),
    Mutation("groups-of-the-right-provider", "flask_cognito_signin/authz.py",
             "held = current_user.groups if _current_provider() == _provider_alias(provider) else ()",
             "held = current_user.groups",
             ("tests/test_authz.py", "tests/web/test_providers.py", _TENANTS, _TENANTS_EMULATED)),
    # Issue 11: sign-out and token trust under faults, races and hostile input --------------------
    Mutation("signed-out-session-never-rewritten", "flask_cognito_signin/sessions/interface.py",
             "written = self.store.replace(key, dict(session), ttl)",
             "self.store.put(key, dict(session), ttl)\n            written = True",
             ("tests/sessions/test_signed_out_stays_dead.py",)),
    Mutation("stale-cookie-gets-a-new-id", "flask_cognito_signin/sessions/interface.py",
             "                return _forgetting_the_cookie(ServerSideSession())\n",
             "                return ServerSideSession(sid=sid)\n",
             ("tests/sessions/test_signed_out_stays_dead.py",)),
    Mutation("sign-in-routes-never-refresh", "flask_cognito_signin/authz.py",
             "    if this_request.endpoint in _NOT_IDENTIFIED:", '    if this_request.endpoint == "static":',
             ("tests/web/test_signout_without_the_idp.py",)),
    Mutation("refresh-lock-released-by-its-owner", "flask_cognito_signin/user_session.py",
             "self.store.release(lock, owner)", "self.store.delete(lock)",
             ("tests/web/test_pending_and_locks.py",)),
    Mutation("pending-sign-ins-bounded", _PENDING,
             "kept >= MAX_PENDING_SIGN_INS", "kept >= 1000",
             ("tests/web/test_pending_and_locks.py",)),
    Mutation("pending-cookies-within-the-budget", _PENDING,
             "> PENDING_COOKIES_BUDGET:", "> 10 * PENDING_COOKIES_BUDGET:",
             ("tests/web/test_pending_and_locks.py",)),
    Mutation("forwarded-host-only-when-asked", "app/__init__.py",
             "hosts = count if settings.trust_forwarded_host else 0", "hosts = count",
             ("tests/web/test_forwarded_host.py",)),
    Mutation("readyz-tells-anonymous-callers-nothing", "app/web/health.py",
             'response = jsonify(status="not ready")', 'response = jsonify(status="not ready", failures=failures)',
             ("tests/web/test_deployment.py",)),
    Mutation("jwks-fetch-single-flight", "flask_cognito_signin/oidc/signing_keys.py",
             "                if not self._fetching:\n", "                if True:\n",
             ("tests/oidc/test_signing_keys.py",)),
    Mutation("forged-kids-rate-limited", "flask_cognito_signin/oidc/signing_keys.py",
             "recently_attempted = self._clock() - self._attempted_at < UNKNOWN_KID_INTERVAL",
             "recently_attempted = False",
             ("tests/oidc/test_signing_keys.py",)),
    Mutation("token-endpoint-kids-rotate-at-once", "flask_cognito_signin/oidc/tokens.py",
             "claims, _ = _verified_claims(provider, id_token, from_token_endpoint=True)",
             "claims, _ = _verified_claims(provider, id_token, from_token_endpoint=False)",
             ("tests/oidc/test_signing_keys.py", "tests/oidc/test_tokens.py")),
    Mutation("keys-expire", "flask_cognito_signin/oidc/signing_keys.py",
             "return self._keys if self._clock() - self._fetched_at < KEYS_TTL else None", "return self._keys",
             ("tests/oidc/test_signing_keys.py",)),
    Mutation("fixed-challenge-descriptions", "flask_cognito_signin/authz.py",
             'return bearer_challenge("invalid_token", error.fault.value)',
             'return bearer_challenge("invalid_token", error.detail)',
             ("tests/web/test_bearer.py",)),
    Mutation("bearer-audience", "flask_cognito_signin/oidc/tokens.py",
             "    _check_audience(claims, audiences)\n", "",
             ("tests/web/test_bearer.py",)),
    Mutation("userinfo-kept-apart", "flask_cognito_signin/oidc/user.py",
             "if name not in id_claims}", "if name not in id_claims and False}",
             ("tests/web/test_pages.py",)),
    # Issue 19: the SQLite store's rules ----------------------------------------------------------
    Mutation("sqlite-marker-changed-before-the-commit", "flask_cognito_signin/sessions/sqlite.py",
             "                for slot in {slot_of(changed_key) for changed_key in changed}:\n"
             "                    self._mark(connection, slot)\n"
             '                connection.execute("COMMIT")\n',
             '                connection.execute("COMMIT")\n'
             "                for slot in {slot_of(changed_key) for changed_key in changed}:\n"
             "                    self._mark(connection, slot)\n",
             ("tests/sessions/test_sqlite_killed_writer.py",)),
    Mutation("sqlite-remembers-the-committed-marker", "flask_cognito_signin/sessions/sqlite.py",
             "self._read[key] = (UNWRITTEN if written_under is None else written_under, stored, expires_at)",
             "self._read[key] = (marker, stored, expires_at)",
             ("tests/sessions/test_sqlite_killed_writer.py",)),
    Mutation("sqlite-waits-for-locks-cooperatively", "flask_cognito_signin/sessions/sqlite.py",
             "sqlite3.connect(self.path, timeout=0, isolation_level=None)",
             "sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)",
             ("tests/sessions/test_sqlite_under_gevent.py",)),
    Mutation("sqlite-files-tightened-at-start-up", "flask_cognito_signin/sessions/sqlite.py",
             "                    path.chmod(0o600)\n", "                    pass\n",
             ("tests/sessions/test_sqlite_file_modes.py",)),
    Mutation("sqlite-refuses-network-file-systems", "flask_cognito_signin/sessions/sqlite.py",
             "        if shared is not None:\n", "        if False:\n",
             ("tests/sessions/test_sqlite_file_systems.py",)),
    Mutation("mount-of-the-longest-mount-point", "flask_cognito_signin/sessions/file_systems.py",
             "(best is None or len(mount_point) >= len(best[1]))", "True",
             ("tests/sessions/test_sqlite_file_systems.py",)),
    # Issue 12: the extension leaves the host alone ------------------------------------------------
    Mutation("store-failure-while-opening-is-503", "flask_cognito_signin/authz.py",
             "    if unavailable is not None:  # the store failed while the session was opened\n        raise unavailable\n",
             "",
             ("tests/web/test_pages.py",)),
    # Issue 19: people, machines and scopes; redacted tokens; the Flask-Login bridge; the API's CSRF --
    Mutation("login-required-means-a-person", "flask_cognito_signin/authz.py",
             "if user.is_client and not clients:", "if False:",
             ("tests/web/test_machine_clients.py", "tests/extension/test_login_bridge.py")),
    Mutation("machines-only-where-a-view-says-so", "flask_cognito_signin/authz.py",
             "def login_required(view: View | None = None, *, clients: bool = False,",
             "def login_required(view: View | None = None, *, clients: bool = True,",
             ("tests/web/test_machine_clients.py",)),
    Mutation("scopes-required", "flask_cognito_signin/authz.py",
             "if not needed <= held:", "if False:",
             ("tests/test_authz.py", "tests/web/test_machine_clients.py")),
    Mutation("scopes-of-the-right-provider", "flask_cognito_signin/authz.py",
             "held = granted_scopes() if _current_provider() == _provider_alias(provider) else frozenset()",
             "held = granted_scopes()",
             ("tests/web/test_api_per_provider.py",)),
    Mutation("session-scopes-are-the-access-tokens", "flask_cognito_signin/oidc/token_endpoint.py",
             'return scopes_of(claims) if "scope" in claims else frozenset((self.scope or "").split())',
             'return frozenset(["openid", "orders/read", "orders/write"])',
             ("tests/test_authz.py", "tests/oidc/test_token_set.py")),
    Mutation("insufficient-scope-challenge-names-the-scope", "flask_cognito_signin/authz.py",
             "    if error and scopes:", "    if False:",
             ("tests/test_authz.py", "tests/web/test_machine_clients.py")),
    Mutation("bearer-client-ids-per-provider", "flask_cognito_signin/authz.py",
             "allowed_client_ids=provider.settings.api_client_ids,",
             "allowed_client_ids=frozenset().union(*(p.settings.api_client_ids for p in providers)),",
             ("tests/web/test_api_per_provider.py", "tests/web/test_providers.py")),
    Mutation("bearer-audience-per-provider", "flask_cognito_signin/authz.py",
             "audiences=provider.settings.api_audience,",
             "audiences=frozenset().union(*(p.settings.api_audience for p in providers)),",
             ("tests/web/test_api_per_provider.py",)),
    Mutation("access-token-redacted", "flask_cognito_signin/oidc/token_endpoint.py",
             "    access_token: str = field(repr=False)\n", "    access_token: str\n",
             ("tests/test_tokens_redacted.py",)),
    Mutation("id-token-redacted", "flask_cognito_signin/oidc/token_endpoint.py",
             "    id_token: str | None = field(repr=False)\n", "    id_token: str | None\n",
             ("tests/test_tokens_redacted.py",)),
    Mutation("refresh-token-redacted", "flask_cognito_signin/oidc/token_endpoint.py",
             "    refresh_token: str | None = field(repr=False)\n", "    refresh_token: str | None\n",
             ("tests/test_tokens_redacted.py",)),
    Mutation("flask-login-ignores-remember-cookie", "flask_cognito_signin/login_bridge.py",
             "    login_manager._load_user = lambda:", "    _unused = lambda:",
             ("tests/extension/test_login_bridge.py",)),
    Mutation("flask-login-people-only", "flask_cognito_signin/login_bridge.py",
             "if user.is_authenticated and not user.is_client else None", "if user.is_authenticated else None",
             ("tests/extension/test_login_bridge.py",)),
    Mutation("api-csrf-checked", "flask_cognito_signin/web/csrf.py",
             "        return\n    protect(_token_sent(this_request))\n\n\ndef protect_host_forms",
             "        return\n\n\ndef protect_host_forms",
             ("tests/web/test_api_csrf.py",)),
    Mutation("api-csrf-hook-installed", "flask_cognito_signin/extension.py",
             "        app.before_request(csrf.protect_api_writes)\n", "",
             ("tests/web/test_api_csrf.py",)),
    Mutation("api-csrf-on-every-unsafe-method", "flask_cognito_signin/web/csrf.py",
             'SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})',
             'SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "PATCH", "DELETE"})',
             ("tests/web/test_api_csrf.py", _HOST_CSRF_TESTS)),
    # Issue 21: the host's own forms (protect_forms=True), access logs, start-up messages ----------
    Mutation("host-csrf-checked", "flask_cognito_signin/web/csrf.py",
             "if this_request.method in SAFE_METHODS or this_request.endpoint is None or _checked_elsewhere(this_request):",
             "if True:",
             (_HOST_CSRF_TESTS,)),
    Mutation("host-csrf-hook-installed", "flask_cognito_signin/extension.py",
             "            app.before_request(csrf.protect_host_forms)\n", "            pass\n",
             (_HOST_CSRF_TESTS,)),
    Mutation("host-csrf-leaves-the-api-to-its-rule", "flask_cognito_signin/web/csrf.py",
             "            or this_request.path.startswith(signin_state().settings.api_prefix))",
             "            or False)",
             (_HOST_CSRF_TESTS,)),
    Mutation("access-log-filter-installed", "flask_cognito_signin/extension.py",
             "        access_log.keep_out_of_access_logs(settings.url_prefix + CALLBACK_PATH)\n", "",
             (_ACCESS_LOG_TESTS,)),
    Mutation("access-log-code-redacted", "flask_cognito_signin/web/access_log.py",
             'SECRET_PARAMETERS = frozenset({"code", "state"})', 'SECRET_PARAMETERS = frozenset({"state"})',
             (_ACCESS_LOG_TESTS,)),
    Mutation("access-log-gunicorn-request-line", "flask_cognito_signin/web/access_log.py",
             "                    atoms[name] = self.redact_line(value)\n", "                    pass\n",
             (_ACCESS_LOG_TESTS,)),
    Mutation("config-error-a-message-under-gunicorn", "flask_cognito_signin/settings.py",
             "class ConfigError(RuntimeError):", "class ConfigError(Exception):",
             ("tests/serving/test_config_error_under_gunicorn.py",)),
    Mutation("host-csrf-off-by-default", "flask_cognito_signin/extension.py",
             'settings_from: str = "in app.config", protect_forms: bool = False):',
             'settings_from: str = "in app.config", protect_forms: bool = True):',
             (_HOST_CSRF_TESTS,)),
    # Issue 19: sign-out reaches tokens and devices ------------------------------------------------
    Mutation("signed-out-bearer-refused", "flask_cognito_signin/authz.py",
             'if Logins(state.store).has_ended(provider.alias, validated.claims.get("origin_jti")):',
             "if False:",
             ("tests/web/test_signed_out_tokens.py", "tests/sessions/test_sign_out_across_workers.py")),
    Mutation("sign-out-ends-the-login", "flask_cognito_signin/user_session.py",
             "            _end_login(self.logins, ended, store_key(stored_sid) if stored_sid is not None else None)\n",
             "            pass\n",
             ("tests/web/test_signed_out_tokens.py",)),
    Mutation("ended-login-outlives-the-clock-skew", "flask_cognito_signin/logins.py",
             "ttl = tokens_expire_at + CLOCK_SKEW - self.clock()", "ttl = tokens_expire_at - self.clock()",
             ("tests/web/test_signed_out_tokens.py",)),
    Mutation("user-sessions-by-sub", "flask_cognito_signin/user_session.py",
             "self.logins.session_started(result.provider, result.user.sub,",
             "self.logins.session_started(result.provider, result.user.username,",
             ("tests/web/test_sign_out_everywhere.py",)),
    Mutation("everywhere-ends-every-session", "flask_cognito_signin/user_session.py",
             "value = logins.store.take(key)", "value = dict(logins.store.get(key).value) if logins.store.get(key) else None",
             ("tests/web/test_sign_out_everywhere.py", "tests/sessions/test_sign_out_across_workers.py")),
    Mutation("everywhere-refuses-every-token", "flask_cognito_signin/user_session.py",
             "        _end_login(logins, record, key)\n", "        logins.session_ended(provider, sub, key)\n",
             ("tests/web/test_sign_out_everywhere.py",)),
    Mutation("everywhere-needs-csrf", "flask_cognito_signin/web/auth.py",
             '    csrf.protect(request.form.get("csrf_token"))\n', "    pass\n",
             ("tests/web/test_sign_out_everywhere.py",)),
    Mutation("everywhere-revokes-refresh-tokens", "flask_cognito_signin/sign_out.py",
             "        revoke_login_quietly(state, record)\n", "        pass\n",
             ("tests/web/test_sign_out_everywhere.py", "tests/cli/test_sessions.py")),
    Mutation("sqlite-set-members-expire", "flask_cognito_signin/sessions/sqlite.py",
             '"SELECT member FROM set_members WHERE key = ? AND expires_at > ? ORDER BY expires_at", (key, self.clock())',
             '"SELECT member FROM set_members WHERE key = ? AND ? ORDER BY expires_at", (key, 1)',
             ("tests/sessions/test_store.py",)),
    Mutation("redis-set-members-expire", "flask_cognito_signin/sessions/redis.py",
             'self._call("zrangebyscore", _SET_PREFIX + key, f"({_milliseconds(time.time())}", "+inf")',
             'self._call("zrangebyscore", _SET_PREFIX + key, "-inf", "+inf")',
             ("tests/sessions/test_store.py",)),
    Mutation("cli-reused-name-refused", "flask_cognito_signin/cli/sessions.py",
             "    if len(found) > 1:\n", "    if False:\n",
             ("tests/cli/test_sessions.py",)),
    Mutation("cli-global-sign-out", "flask_cognito_signin/cli/sessions.py",
             "cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=username)",
             "cognito.describe_user_pool(UserPoolId=pool_id)",
             ("tests/cli/test_sessions.py",)),
    Mutation("devidp-request-log-without-secrets", "devidp/server.py",
             "            self.path = redact_secret_parameters(self.path)\n", "            pass\n",
             ("tests/devidp/test_devidp_server.py",)),
    Mutation("devidp-global-sign-out-revokes", "devidp/directory.py",
             "        self._revoke_tokens(user.username)\n", "",
             ("tests/devidp/test_devidp_admin.py",)),
    Mutation("devidp-federation-never-takes-over", "devidp/directory.py",
             "if existing is not None and not _is_account(existing, provider, user_id):", "if False:",
             ("tests/devidp/test_devidp_federation_config.py", "tests/devidp/test_devidp_federation.py")),
    Mutation("devidp-federation-account-of-this-provider", "devidp/directory.py",
             "identity.provider_name == provider.name and identity.user_id == user_id", "identity.user_id == user_id",
             ("tests/devidp/test_devidp_federation_config.py",)),
    # The emulator as today's managed login (issue #23) -------------------------------------------
    Mutation("devidp-openid-for-email-profile-phone", "devidp/oauth.py",
             'if scopes & _SCOPES_NEEDING_OPENID and "openid" not in scopes:', "if False:",
             ("tests/devidp/test_devidp_authorize.py",)),
    Mutation("devidp-token-redirect-uri-matches", "devidp/oauth.py",
             "if found is not None and redirect_uri != found.redirect_uri:", "if False:",
             ("tests/devidp/test_devidp_token.py",)),
    Mutation("devidp-userinfo-401-invalid-token", "devidp/oauth.py",
             'if error.error in ("missing_authorization", "unsupported_token_type"):', "if False:",
             ("tests/devidp/test_devidp_userinfo.py",)),
    Mutation("devidp-rotated-out-after-grace", "devidp/store.py",
             "        if found.retired_until is not None and found.retired_until <= now:\n            return None\n", "",
             ("tests/devidp/test_devidp_refresh_revoke.py", "tests/devidp/test_devidp_user_pools_api.py")),
    Mutation("devidp-api-refresh-token-of-its-client", "devidp/user_pools_api.py",
             "if found is None or found.client_id != client.client_id:", "if found is None:",
             ("tests/devidp/test_devidp_user_pools_api.py",)),
    Mutation("devidp-api-client-secret", "devidp/user_pools_api.py",
             'if client.client_secret is not None and not client.check_secret(str(body.get("ClientSecret") or "")):',
             "if False:",
             ("tests/devidp/test_devidp_user_pools_api.py",)),
    Mutation("devidp-hook-cannot-change-fixed-claims", "devidp/pre_token.py",
             'if name in fixed or name.startswith("dev:"):', "if False:",
             ("tests/devidp/test_devidp_pre_token.py",)),
    Mutation("provision-password-flag-warns", "flask_cognito_signin/cli/cognito.py",
             "    if password is not None:\n        click.echo(", "    if False:\n        click.echo(",
             ("tests/cli/test_provision.py",)),
    Mutation("provision-password-from-environment", "flask_cognito_signin/cli/cognito.py",
             "password = password or os.environ.get(PASSWORD_ENV_VAR) or click.prompt(",
             "password = password or click.prompt(",
             ("tests/cli/test_provision.py",)),
    Mutation("provision-password-prompt-hidden", "flask_cognito_signin/cli/cognito.py",
             "hide_input=True, confirmation_prompt=True", "hide_input=False, confirmation_prompt=True",
             ("tests/cli/test_provision.py",)),
    # Metrics (METRICS_TOKEN) -------------------------------------------------------------------
    Mutation("metrics-token-constant-time", _METRICS,
             "hmac.compare_digest(presented.strip().encode(), expected.encode())",
             "presented.strip() == expected",
             (_METRICS_TESTS,)),
    Mutation("metrics-token-required", _METRICS,
             'if scheme.lower() == "bearer" and hmac.compare_digest(',
             'if True or hmac.compare_digest(',
             (_METRICS_TESTS,)),
    Mutation("metrics-token-scheme-bearer", _METRICS,
             'if scheme.lower() == "bearer" and hmac.compare_digest(',
             'if hmac.compare_digest(',
             (_METRICS_TESTS,)),
    Mutation("metrics-off-without-a-token", "flask_cognito_signin/extension.py",
             "        if settings.metrics_token:\n            _enable_metrics(app)",
             "        if True:\n            _enable_metrics(app)",
             (_METRICS_TESTS,)),
    Mutation("metrics-never-open-to-an-empty-token", _METRICS,
             "    if not expected:  # never open to an empty token",
             "    if False:  # never open to an empty token",
             (_METRICS_TESTS,)),
    # Issues 18 and 20: serving ---------------------------------------------------------------
    Mutation("gevent-patching-follows-the-worker-class", "gunicorn.conf.py",
             'if "gevent" in worker_class.lower():', 'if os.environ.get("GUNICORN_WORKER_CLASS", "gevent") == "gevent":',
             ("tests/serving/test_worker_class.py",)),
    Mutation("sqlite-remembered-reads-follow-the-marker", "flask_cognito_signin/sessions/sqlite.py",
             "        if remembered is not None and remembered[0] == marker:", "        if remembered is not None:",
             ("tests/sessions/test_sqlite_remembered_reads.py", "tests/sessions/test_sign_out_across_workers.py")),
    Mutation("pending-sign-in-redacted", "flask_cognito_signin/oidc/signin.py",
             "    code_verifier: str = field(repr=False)", "    code_verifier: str = field(repr=True)",
             ("tests/test_tokens_redacted.py",)),
    Mutation("gevent-connections-take-turns", "gunicorn.conf.py", "        idle()\n", "        pass\n",
             ("tests/serving/test_connections_take_turns.py",)),
    # Issue 22, part 2: step-up (fresh_login_required) ----------------------------------------------
    Mutation("step-up-callback-checks-auth-time", "flask_cognito_signin/oidc/tokens.py",
             "if max_age is not None and not authenticated_within(id_claims, max_age, now):",
             "if False:",
             (_STEP_UP_TESTS,)),
    Mutation("step-up-guard-checks-the-age", "flask_cognito_signin/authz.py",
             "            if not _signed_in_within(needed):\n", "            if False:\n",
             (_STEP_UP_TESTS, "tests/extension/test_step_up_with_emulator.py")),
    Mutation("step-up-auth-time-required", "flask_cognito_signin/oidc/tokens.py",
             "return age is not None and -CLOCK_SKEW <= age <= max_age",
             "return age is None or -CLOCK_SKEW <= age <= max_age",
             (_STEP_UP_TESTS,)),
    Mutation("step-up-no-clock-skew-for-an-old-sign-in", "flask_cognito_signin/oidc/tokens.py",
             "return age is not None and -CLOCK_SKEW <= age <= max_age",
             "return age is not None and -CLOCK_SKEW <= age <= max_age + CLOCK_SKEW",
             (_STEP_UP_TESTS,)),
    Mutation("step-up-sends-prompt-login", "flask_cognito_signin/oidc/signin.py",
             'fresh = {"prompt": "login", "max_age": str(max_age)}', 'fresh = {"max_age": str(max_age)}',
             (_STEP_UP_TESTS, "tests/extension/test_step_up_with_emulator.py")),
    Mutation("step-up-refresh-keeps-auth-time", "flask_cognito_signin/oidc/refresh.py",
             'if "auth_time" in claims and claims["auth_time"] != user.claims.get("auth_time"):', "if False:",
             (_STEP_UP_TESTS,)),
    Mutation("step-up-sealed-max-age-whole-seconds", _PENDING,
             "if pending.max_age is not None and (type(pending.max_age) is not int or pending.max_age < 0):",
             "if False:",
             (_PENDING_TESTS,)),
    # Issue 22, part 3: many pools in one app (tenants) -------------------------------------------
    Mutation("bearer-routed-by-its-issuer", "flask_cognito_signin/authz.py",
             "provider = next((p for p in providers if p.settings.issuer == issuer), None)",
             "provider = next(iter(providers), None)",
             (_TENANTS, _TENANTS_EMULATED)),
    Mutation("keys-of-the-issuers-pool-only", "flask_cognito_signin/oidc/tokens.py",
             "    keys = provider.signing_keys(kid if isinstance(kid, str) else None, from_token_endpoint=from_token_endpoint)\n",
             "    from flask_cognito_signin.state import signin_state\n"
             "    keys = KeySet([key for each in signin_state().providers.values() for key in each.signing_keys(None).keys])\n",
             (_TENANTS, _TENANTS_EMULATED)),
    Mutation("view-limited-to-its-providers", "flask_cognito_signin/authz.py",
             "if providers is not None and user.provider not in providers:", "if False:",
             (_TENANTS, _TENANTS_EMULATED)),
    Mutation("user-names-the-provider-of-its-token", "flask_cognito_signin/oidc/tokens.py",
             "caller_of(claims, provider.alias)", 'caller_of(claims, "tenant-b")',
             (_TENANTS, _TENANTS_EMULATED)),
    Mutation("user-names-the-provider-of-its-session", "flask_cognito_signin/auth_records.py",
             'User.from_dict(data["user"], provider=provider)', 'User.from_dict(data["user"], provider="tenant-b")',
             (_TENANTS, _TENANTS_EMULATED)),
    # Issue 21: failures that say why ----------------------------------------------------------
    Mutation("error-cause-shown-in-debug-mode-only", "flask_cognito_signin/web/errors.py",
             "shown = error if error is not None and current_app.debug else None", "shown = error",
             ("tests/web/test_failure_messages.py",)),
    Mutation("log-line-without-control-characters", "flask_cognito_signin/events.py",
             "text = f\"{event}: {_CONTROL.sub(' ', message)}\" if message else event",
             "text = f\"{event}: {message}\" if message else event",
             ("tests/web/test_failure_messages.py",)),
    Mutation("devidp-mismatch-page-never-echoes-the-link", "devidp/mismatch.py",
             'asked=kept.get("asked") if ours else None,',
             'asked=request.args.get(parameter, kept.get("asked") if ours else None),',
             ("tests/devidp/test_devidp_authorize.py",)),
    # Issue 22: signed in by the load balancer (COGNITO_SIGNIN_MODE=alb) ------------------------------
    Mutation("alb-signature", _ALB_CLAIMS,
             "return validate_compact(signature, key, registry=_ES256_ONLY)", "return True",
             _ALB_TESTS),
    Mutation("alb-signer", _ALB_CLAIMS,
             'if header.get("signer") != signer:', "if False:",
             _ALB_TESTS),
    Mutation("alb-client", _ALB_CLAIMS,
             'if header.get("client") != client_id:', "if False:",
             _ALB_TESTS),
    Mutation("alb-issuer", _ALB_CLAIMS,
             'if header.get("iss") != issuer:', "if False:",
             _ALB_TESTS),
    Mutation("alb-exp", _ALB_CLAIMS,
             "if exp + CLOCK_SKEW < now:", "if False:",
             _ALB_TESTS),
    Mutation("alb-es256-only-before-any-fetch", _ALB_CLAIMS,
             'if header.get("alg") != ALGORITHM:', "if False:",
             ("tests/alb/test_user_claims.py",)),
    Mutation("alb-key-id-is-no-path", "flask_cognito_signin/alb/public_keys.py",
             "if not _KID.match(kid):", "if False:",
             ("tests/alb/test_user_claims.py",)),
    Mutation("alb-forged-kids-rate-limited", "flask_cognito_signin/alb/public_keys.py",
             "if not self._allow_new_kid():", "if False:",
             ("tests/alb/test_public_keys.py",)),
    Mutation("alb-identity-is-the-datas-subject", _ALB_SIGNED_IN,
             "if identity is not None and identity != sub:", "if False:",
             ("tests/web/test_alb_mode.py",)),
    Mutation("alb-access-token-of-the-same-subject", _ALB_SIGNED_IN,
             'if access.claims.get("sub") != sub:', "if False:",
             ("tests/web/test_alb_mode.py",)),
    Mutation("alb-access-token-of-this-client", _ALB_SIGNED_IN,
             "allowed_client_ids=frozenset({client_id}),",
             'allowed_client_ids=frozenset({client_id, "another-app-client"}),',
             ("tests/web/test_alb_mode.py",)),
    Mutation("alb-headers-without-the-data-refused", _ALB_SIGNED_IN,
             "if headers.get(ACCESS_TOKEN_HEADER) is not None or headers.get(IDENTITY_HEADER) is not None:",
             "if False:",
             ("tests/web/test_alb_mode.py",)),
    Mutation("alb-never-the-apps-own-session", "flask_cognito_signin/authz.py",
             "g.current_user = identity.user if identity else ANONYMOUS",
             "g.current_user = identity.user if identity else None",
             ("tests/web/test_alb_mode.py",)),
    Mutation("alb-api-writes-need-csrf", "flask_cognito_signin/web/csrf.py",
             'if g.get("load_balancer") is None and not current_user_session().signed_in:',
             "if not current_user_session().signed_in:",
             ("tests/web/test_alb_mode.py",)),
    Mutation("alb-sign-out-needs-csrf", "flask_cognito_signin/web/load_balancer.py",
             '    csrf.protect(request.form.get("csrf_token"))\n', "    pass\n",
             ("tests/web/test_alb_mode.py",)),
    Mutation("alb-sign-out-expires-the-albs-cookie", "flask_cognito_signin/web/load_balancer.py",
             "        response.delete_cookie(name, path=\"/\", secure=state.settings.secure_cookies, httponly=True)\n",
             "        pass\n",
             ("tests/web/test_alb_mode.py",)),
    Mutation("devidp-alb-strips-clients-x-amzn-oidc-headers", "devidp/alb.py",
             " and not name.lower().startswith(_SET_BY_THE_ALB)", "",
             ("tests/devidp/test_devidp_alb.py",)),
    # Issue 21: the emulator for your own app -------------------------------------------------------
    Mutation("emulator-pool-file-owner-only", "devidp/pool_file.py",
             "        os.replace(temporary, path)\n",
             "        os.chmod(temporary, 0o644)\n        os.replace(temporary, path)\n",
             ("tests/devidp/test_devidp_pool_file.py", "tests/cli/test_emulator.py")),
    Mutation("emulator-env-file-owner-only", "flask_cognito_signin/cli/envfile.py",
             "        os.replace(temporary, path)  # all at once",
             "        os.chmod(temporary, 0o644)\n        os.replace(temporary, path)  # all at once",
             ("tests/cli/test_emulator.py",)),
    Mutation("emulator-new-secret-key-unprinted", "flask_cognito_signin/cli/emulator.py",
             'f"  {name}=(a new random key)" if name == "SECRET_KEY" and env_file else f"  {name}={value}"',
             'f"  {name}={value}"',
             ("tests/cli/test_emulator.py",)),
    Mutation("emulator-log-without-state", "flask_cognito_signin/cli/emulator.py",
             "on_users_changed=emulated_pool.saver(path))",
             "on_users_changed=emulated_pool.saver(path), log_requests=True)",
             ("tests/cli/test_emulator.py",)),
    # Issue 23: passkeys on the emulator's hosted UI ----------------------------------------------
    Mutation("passkey-challenge-single-use", "devidp/passkey_store.py",
             "found = self._ceremonies.pop(ceremony_id, None)", "found = self._ceremonies.get(ceremony_id)",
             (_PASSKEY_TESTS,)),
    Mutation("passkey-sign-in-origin-checked", _CEREMONIES,
             "expected_origin=rp.origin,\n            credential_public_key=public_key,",
             'expected_origin=[rp.origin, "http://localhost:5000"],\n            credential_public_key=public_key,',
             (_PASSKEY_TESTS,)),
    Mutation("passkey-registration-origin-checked", _CEREMONIES,
             "expected_origin=rp.origin,\n            require_user_verification",
             'expected_origin=[rp.origin, "http://localhost:5000"],\n            require_user_verification',
             (_PASSKEY_TESTS,)),
    Mutation("passkey-sign-in-rp-id-checked", _CEREMONIES,
             "expected_rp_id=rp.id,\n            expected_origin=rp.origin,\n            credential_public_key",
             'expected_rp_id="example.com",\n            expected_origin=rp.origin,\n            credential_public_key',
             (_PASSKEY_TESTS,)),
    Mutation("passkey-rp-id-is-the-domains", "devidp/config.py",
             'host == rp_id or host.endswith("." + rp_id),', "True,",
             ("tests/devidp/test_devidp_passkey_config.py",)),
    Mutation("passkey-of-the-named-user", _PASSKEYS,
             "if ceremony.username is not None and credential.username != ceremony.username:", "if False:",
             (_PASSKEY_TESTS,)),
    Mutation("passkey-chosen-unnamed-says-whose", _PASSKEYS,
             "if ceremony.username is None and assertion.user_handle is None:", "if False:",
             (_PASSKEY_TESTS,)),
    Mutation("passkey-user-handle-of-its-owner", _PASSKEYS,
             "if assertion.user_handle is not None and assertion.user_handle != credential.user_handle:", "if False:",
             (_PASSKEY_TESTS,)),
    Mutation("passkey-registered-by-the-signed-in-user", _PASSKEYS,
             "if ceremony is None or ceremony.username != user.username:", "if ceremony is None:",
             (_PASSKEY_TESTS,)),
)


@dataclass
class Outcome:
    mutation: Mutation
    #: KILLED or EXPLAINED (fine); SURVIVED, UNEXPECTED (an explained survivor that is killed now),
    #: INVALID (the mutated code does not import, or no test ran), STALE, UNJUDGED (the row needs work).
    verdict: str
    detail: str
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verdict in ("KILLED", "EXPLAINED")


def copy_project(destination: Path) -> Path:
    copy = destination / ROOT.name
    shutil.copytree(ROOT, copy, ignore=_NOT_COPIED, symlinks=True)
    return copy


def run_pytest(copy: Path, tests: tuple[str, ...], options: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [str(PYTHON), *_PYTEST, *options, *tests]
    return subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True)


@dataclass(frozen=True)
class Baseline:
    """What fails with no mutation at all: tests left out of every run, files that cannot be judged."""

    failing_tests: frozenset[str]
    broken_files: frozenset[str]


def baseline(copy: Path, tests: set[str]) -> Baseline:
    result = run_pytest(copy, tuple(sorted(tests)), ())
    if result.returncode not in (0, 1):
        raise SystemExit(f"the unmutated tests cannot run:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.M)
    return Baseline(frozenset(node for node in failed if "::" in node),
                    frozenset(node for node in failed if "::" not in node))  # a file that cannot be collected


def first_failure(output: str) -> str:
    match = re.search(r"^(?:FAILED|ERROR) (.*)$", output, re.M)
    return match.group(1)[:150] if match else output.strip().splitlines()[-1][:150] if output.strip() else ""


def judge(copy: Path, mutation: Mutation, known: Baseline, verbose: bool) -> Outcome:
    path = copy / mutation.file
    source = path.read_text() if path.exists() else ""
    found = source.count(mutation.original)
    if found != 1:
        return Outcome(mutation, "STALE", f"snippet found {found} times in {mutation.file}")
    if known.broken_files & set(mutation.tests):
        return Outcome(mutation, "UNJUDGED", f"cannot be collected: {', '.join(sorted(known.broken_files))}")
    left_out = tuple(node for node in sorted(known.failing_tests) if node.split("::")[0] in mutation.tests)
    started = time.monotonic()
    path.write_text(source.replace(mutation.original, mutation.mutated))
    try:
        result = run_pytest(copy, mutation.tests, ("-x", *(f"--deselect={node}" for node in left_out)))
    finally:
        path.write_text(source)
    seconds = time.monotonic() - started
    if verbose:
        print(f"--- {mutation.name}: pytest {' '.join(mutation.tests)}\n{result.stdout[-4000:]}{result.stderr[-2000:]}")
    if result.returncode == 0:
        verdict = "EXPLAINED" if mutation.survives else "SURVIVED"
        note = f" ({len(left_out)} tests left out: they fail unmutated)" if left_out else ""
        return Outcome(mutation, verdict, (mutation.survives or "no test noticed") + note, seconds)
    if result.returncode != 1:  # not "tests failed": a collection or import error, a missing file, no tests
        return Outcome(mutation, "INVALID", f"pytest exit {result.returncode}: {first_failure(result.stdout + result.stderr)}", seconds)
    if mutation.survives:
        return Outcome(mutation, "UNEXPECTED", f"killed, yet explained as a survivor: update the row "
                                               f"({first_failure(result.stdout)})", seconds)
    return Outcome(mutation, "KILLED", first_failure(result.stdout), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only these mutations (default: all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show pytest's output for each mutation")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = parser.parse_args(argv)
    unknown = set(args.names) - {m.name for m in MUTATIONS}
    if unknown:
        parser.error(f"no such mutation: {', '.join(sorted(unknown))}")
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    if args.list:
        for mutation in chosen:
            print(f"{mutation.name:40} {mutation.file:28} {' '.join(mutation.tests)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="mutation-") as temporary:
        copy = copy_project(Path(temporary))
        known = baseline(copy, {test for m in chosen for test in m.tests})
        for node in sorted(known.failing_tests | known.broken_files):
            print(f"fails with no mutation, left out: {node}")
        outcomes = []
        for mutation in chosen:
            outcome = judge(copy, mutation, known, args.verbose)
            outcomes.append(outcome)
            print(f"{outcome.verdict:10} {mutation.name:38} {outcome.seconds:5.1f}s  {outcome.detail}", flush=True)
    counts = {verdict: sum(o.verdict == verdict for o in outcomes) for verdict in dict.fromkeys(o.verdict for o in outcomes)}
    print("\n" + ", ".join(f"{count} {verdict.lower()}" for verdict, count in counts.items()) + f" of {len(outcomes)}")
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        print(f"needs attention: {outcome.mutation.name} ({outcome.verdict}): {outcome.detail}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
