"""The sign-in page's language: the ``lang`` parameter, then the cookie that remembers it.

Cognito developer guide, "User pool managed login" (managed login localization): pages are in
English by default; ``lang`` on a request (``/oauth2/authorize?lang=es&...``) shows them in that
language, and Cognito sets a cookie in the browser after that request, so the choice stays
without the parameter until the cookie is cleared or another ``lang`` comes. The guide does not
name the cookie; here it is ``lang``. Of Cognito's languages the emulator has English and
Spanish (the guide's example), for the sign-in page; another ``lang`` is English, not remembered.
"""

from __future__ import annotations

from flask import Response, current_app, request

LANGUAGE_COOKIE = "lang"
DEFAULT_LANGUAGE = "en"
#: A year: the guide's cookie lasts until the user clears it.
_COOKIE_SECONDS = 365 * 86400

#: English text -> its translation, per language other than English.
_TRANSLATIONS: dict[str, dict[str, str]] = {
    "es": {
        "Sign in": "Iniciar sesión",
        "Sign in with your corporate ID": "Iniciar sesión con su ID corporativo",
        "Sign in with your username and password": "Iniciar sesión con su nombre de usuario y contraseña",
        "Username": "Nombre de usuario",
        "Email address": "Correo electrónico",
        "Phone number": "Número de teléfono",
        "Password": "Contraseña",
        "Incorrect username or password.": "Nombre de usuario o contraseña incorrectos.",
        "Your sign-in form expired. Please sign in again.":
            "Su formulario de inicio de sesión ha caducado. Vuelva a iniciar sesión.",
    },
}
LANGUAGES = (DEFAULT_LANGUAGE, *_TRANSLATIONS)
_OR = {"es": " o "}


def _supported(value: str | None) -> str | None:
    return value if value in LANGUAGES else None


def page_language() -> str:
    """This request's language: its ``lang``, else the remembered one, else English."""
    return (
        _supported(request.args.get("lang"))
        or _supported(request.cookies.get(LANGUAGE_COOKIE))
        or DEFAULT_LANGUAGE
    )


def translate(text: str | None, language: str) -> str | None:
    """``text`` in ``language``; a text without a translation stays as it is."""
    if text is None:
        return None
    return _TRANSLATIONS.get(language, {}).get(text, text)


def sign_in_label(label: str, language: str) -> str:
    """What the user name field asks for (PoolConfig.signs_in_with: "Email address or Phone number")."""
    parts = [translate(part, language) or part for part in label.split(" or ")]
    return _OR.get(language, " or ").join(parts)


def remember_language(response: Response) -> Response:
    """Set the language cookie on a page request that carries a supported ``lang``."""
    language = _supported(request.args.get("lang"))
    if request.method == "GET" and language is not None:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=_COOKIE_SECONDS,
            secure=current_app.config["SESSION_COOKIE_SECURE"],  # https on the pool's domain
            httponly=True,
            samesite="Lax",
        )
    return response
