"""The sign-in page's parameters: ``login_hint`` and ``lang`` (with the cookie that remembers it).

Cognito developer guide: "Authorize endpoint" and "Login endpoint" (login_hint); "User pool
managed login" (managed login localization).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

BASE_URL = "http://127.0.0.1:9230"
_USERNAME_VALUE = re.compile(r'id="signInFormUsername" name="username" type="text" value="([^"]*)"')


def _username_field(page) -> str:
    return _USERNAME_VALUE.search(page.get_data(as_text=True)).group(1)


def test_login_hint_fills_the_user_name_through_authorize(hosted_ui):
    started = hosted_ui.authorize(hosted_ui.params(login_hint="demo@example.com"))
    page = hosted_ui.http.get(started.location)
    assert _username_field(page) == "demo@example.com"
    # Signing in still works, and a wrong password keeps what the user typed, not the hint.
    wrong = hosted_ui.submit(page, "guest", "nope")
    assert _username_field(wrong) == "guest"
    done = hosted_ui.submit(page, "demo", "DemoPass1!")
    assert "code" in hosted_ui.query(done.location)


def test_login_hint_at_the_login_endpoint_and_without_one(hosted_ui):
    assert _username_field(hosted_ui.login_page(hosted_ui.params(login_hint="guest"))) == "guest"
    assert _username_field(hosted_ui.login_page(hosted_ui.params())) == ""


def test_a_login_hint_is_escaped(hosted_ui):
    page = hosted_ui.login_page(hosted_ui.params(login_hint='"><script>alert(1)</script>'))
    body = page.get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert "&#34;&gt;&lt;script&gt;" in body or "&quot;&gt;&lt;script&gt;" in body


def _page_language(page) -> str:
    return re.search(r'<html lang="([^"]+)">', page.get_data(as_text=True)).group(1)


def test_lang_shows_the_page_in_spanish_and_the_cookie_remembers_it(hosted_ui):
    started = hosted_ui.authorize(hosted_ui.params(lang="es"))
    cookie = started.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = hosted_ui.http.get(started.location)
    body = page.get_data(as_text=True)
    assert _page_language(page) == "es"
    assert "Iniciar sesión con su nombre de usuario y contraseña" in body
    assert ">Nombre de usuario</label>" in body and ">Contraseña</label>" in body
    # Without lang, the cookie keeps Spanish, the error message too.
    again = hosted_ui.login_page(hosted_ui.params())
    assert _page_language(again) == "es"
    refused = hosted_ui.submit(again, "demo", "wrong")
    assert "Nombre de usuario o contraseña incorrectos." in refused.get_data(as_text=True)
    # A new lang replaces it.
    english = hosted_ui.login_page(hosted_ui.params(lang="en"))
    assert english.headers["Set-Cookie"].startswith("lang=en;")
    assert "Sign in with your username and password" in english.get_data(as_text=True)
    assert _page_language(hosted_ui.login_page(hosted_ui.params())) == "en"


@pytest.mark.parametrize("lang", ["xx", "", "es-ES<"])
def test_a_language_the_emulator_lacks_is_english_and_not_remembered(hosted_ui, lang):
    page = hosted_ui.login_page(hosted_ui.params(lang=lang))
    assert _page_language(page) == "en"
    assert "Set-Cookie" not in page.headers or not page.headers["Set-Cookie"].startswith("lang=")
    assert "Sign in with your username and password" in page.get_data(as_text=True)


def test_spanish_labels_for_pools_that_sign_in_with_email_or_phone(make_hosted_ui, pool):
    users = tuple(replace(u, username=None, attributes={**u.attributes, "phone_number": f"+1555555010{i}"})
                  for i, u in enumerate(pool.users))
    driver = make_hosted_ui(replace(pool, users=users, username_attributes=("email", "phone_number")))
    body = driver.login_page(driver.params(lang="es")).get_data(as_text=True)
    assert ">Correo electrónico o Número de teléfono</label>" in body
