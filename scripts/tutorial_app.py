"""The yardstick for `make bench`'s sign-in cost: a relying party as Authlib's Flask client tutorial writes it.

Authlib's registry with the discovery URL, authorize_redirect and authorize_access_token (the
ID token checked by Authlib), the user kept in Flask's own cookie session. It is what a
developer writes in an afternoon; the benchmark runs it beside this project's app, under the
same gunicorn configuration and against the same emulator, and compares CPU per sign-in.
"""

import os

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
oauth = OAuth(app)
oauth.register(
    "cognito",
    server_metadata_url=os.environ["OIDC_DISCOVERY_URL"],
    client_id=os.environ["OIDC_CLIENT_ID"],
    client_secret=os.environ["OIDC_CLIENT_SECRET"],
    client_kwargs={"scope": "openid email profile", "token_endpoint_auth_method": "client_secret_post",
                   "code_challenge_method": "S256"},
)


@app.get("/login")
def login():
    return oauth.cognito.authorize_redirect(os.environ["APP_BASE_URL"] + "/oauth/v2/callback")


@app.get("/oauth/v2/callback")
def callback():
    token = oauth.cognito.authorize_access_token()
    session["user"] = token["userinfo"]
    return redirect("/")


@app.get("/")
def index():
    user = session.get("user")
    return f"Signed in as {user['cognito:username']}" if user else "Not signed in"
