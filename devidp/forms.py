"""The hosted-UI forms; Flask-WTF adds and checks their CSRF tokens."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[InputRequired()])
    password = PasswordField("Password", validators=[InputRequired()])


class NewPasswordForm(FlaskForm):
    """First sign-in of a FORCE_CHANGE_PASSWORD user."""

    password = PasswordField("New password", validators=[InputRequired()])
    confirmation = PasswordField("Enter new password again", validators=[InputRequired()])


class MfaForm(FlaskForm):
    """The TOTP code of a user with software-token MFA."""

    code = StringField("Code", validators=[InputRequired()])


class PasskeyForm(FlaskForm):
    """The browser's answer to a passkey ceremony (static/passkeys.js fills it in): registration or sign-in."""

    credential = HiddenField("Passkey", validators=[InputRequired()])
