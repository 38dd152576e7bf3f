"""The hosted-UI sign-in page and the hosted-UI session cookie."""

from __future__ import annotations

import re


def test_login_page_looks_like_cognito_hosted_ui(hosted_ui):
    response = hosted_ui.login_page(hosted_ui.params())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "Sign in with your username and password" in body
    assert "Local Cognito emulator" in body
    assert re.search(r'<label for="(\w+)">Username</label>\s*<input id="\1"', body)
    assert re.search(
        r'<label for="(\w+)">Password</label>\s*<input id="\1"[^>]*type="password"', body
    )
    assert re.search(r'<button type="submit"[^>]*>Sign in</button>', body)
    assert 'name="csrf_token" type="hidden"' in body
    assert "<script" not in body and "style=" not in body
    assert '<link rel="stylesheet" href="/static/devidp.css">' in body


def test_stylesheet_is_served_locally(http):
    response = http.get("/static/devidp.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_successful_sign_in_redirects_with_code_and_state(hosted_ui):
    params = hosted_ui.params(state="state-123")
    page = hosted_ui.login_page(params)
    response = hosted_ui.submit(page, "demo", "DemoPass1!")
    assert response.status_code == 302
    assert response.location.startswith("http://localhost:5000/oauth/v2/callback?")
    answer = hosted_ui.query(response.location)
    assert answer["state"] == "state-123"
    assert len(answer["code"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("devidp_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_username_is_case_insensitive(hosted_ui):
    page = hosted_ui.login_page(hosted_ui.params())
    assert hosted_ui.submit(page, "DEMO", "DemoPass1!").status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(hosted_ui):
    params = hosted_ui.params()
    wrong_password = hosted_ui.submit(hosted_ui.login_page(params), "demo", "WrongPass1!")
    unknown_user = hosted_ui.submit(hosted_ui.login_page(params), "nobody", "DemoPass1!")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert "Location" not in response.headers
        assert "Incorrect username or password." in response.get_data(as_text=True)
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong_password) == strip(unknown_user)


def test_empty_fields_are_incorrect_credentials(hosted_ui):
    page = hosted_ui.login_page(hosted_ui.params())
    response = hosted_ui.submit(page, "", "")
    assert response.status_code == 200
    assert "Incorrect username or password." in response.get_data(as_text=True)


def test_post_without_csrf_token_is_rejected(hosted_ui):
    page = hosted_ui.login_page(hosted_ui.params())
    response = hosted_ui.submit(page, "demo", "DemoPass1!", csrf=False)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "expired" in response.get_data(as_text=True)


def test_csrf_token_is_bound_to_the_browser(hosted_ui, app):
    page = hosted_ui.login_page(hosted_ui.params())
    other_browser = type(hosted_ui)(app.test_client(), hosted_ui.client)
    response = other_browser.submit(page, "demo", "DemoPass1!")
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_post_with_bad_params_gets_error_page(hosted_ui):
    params = hosted_ui.params()
    page = hosted_ui.login_page(params)
    response = hosted_ui.http.post(
        "http://127.0.0.1:9230/login?client_id=unknown", data={"username": "demo"}
    )
    assert page.status_code == 200
    assert hosted_ui.error_redirect(response)["client_id"] == "unknown"


def test_session_cookie_signs_in_silently(hosted_ui):
    hosted_ui.sign_in()
    params = hosted_ui.params(state="again")
    response = hosted_ui.authorize(params)
    assert response.status_code == 302
    answer = hosted_ui.query(response.location)
    assert response.location.startswith(params["redirect_uri"])
    assert answer["state"] == "again" and answer["code"]


def test_silent_sign_in_keeps_the_original_auth_time(hosted_ui, verify_jwt):
    first = verify_jwt(hosted_ui.tokens()["id_token"]).claims
    silent = hosted_ui.silent_sign_in()
    second = verify_jwt(hosted_ui.exchange(silent).get_json()["id_token"]).claims
    assert second["auth_time"] == first["auth_time"]
    assert second["nonce"] == silent.nonce
    assert second["event_id"] != first["event_id"]


def test_prompt_login_shows_the_sign_in_page_despite_the_session(hosted_ui):
    hosted_ui.sign_in()
    params = hosted_ui.params(prompt="login")
    response = hosted_ui.authorize(params)
    assert hosted_ui.path(response.location) == "/login"
    page = hosted_ui.http.get(response.location)
    assert page.status_code == 200
    done = hosted_ui.submit(page, "guest", "GuestPass1!")
    assert hosted_ui.query(done.location)["code"]


def test_signing_in_as_someone_else_replaces_the_session(hosted_ui, verify_jwt):
    hosted_ui.sign_in("demo")
    hosted_ui.sign_in("guest", "GuestPass1!", prompt="login")
    silent = hosted_ui.silent_sign_in()
    claims = verify_jwt(hosted_ui.exchange(silent).get_json()["id_token"]).claims
    assert claims["cognito:username"] == "guest"
