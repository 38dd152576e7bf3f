"""Groups belong to the provider that issued them: an "admins" group elsewhere never opens a check meant for Cognito."""

from __future__ import annotations

import pytest
from flask import Blueprint

from flask_cognito_signin.authz import groups_required
from tests.conftest import relative
from tests.support.cognito import ALICE, PoolUser
from tests.web.test_providers import STAFF, staff_idp  # noqa: F401 (the staff pool's fixture)

MALLORY = PoolUser("mallory", "mallory@staff.example.com", True, ("admins",))  # "admins" in the other pool


@pytest.fixture
def app(make_app, tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text(f'[providers.staff]\ndiscovery_url = "{STAFF.discovery_url}"\n'
                    f'client_id = "{STAFF.client_id}"\nclient_secret_env = "STAFF_SECRET"\n')
    app = make_app(OIDC_PROVIDERS_FILE=str(path), STAFF_SECRET=STAFF.client_secret)
    examples = Blueprint("examples", __name__)

    @examples.get("/staff-admin")
    @groups_required("admins", provider="staff")
    def staff_admin():
        return "staff admin"

    app.register_blueprint(examples)
    return app


def signed_in(app, idp, alias: str, user: PoolUser):
    client = app.test_client()
    login = client.get(f"/login/{alias}")
    assert client.get(relative(idp.authorize(login.headers["Location"], user))).status_code == 302
    return client


def test_another_providers_admins_group_does_not_open_the_default_providers_check(app, staff_idp):
    assert signed_in(app, staff_idp, "staff", MALLORY).get("/admin").status_code == 403


def test_the_default_providers_group_opens_its_own_check(app, idp):
    assert signed_in(app, idp, "cognito", ALICE).get("/admin").status_code == 200


def test_a_check_bound_to_a_provider_counts_only_that_providers_groups(app, idp, staff_idp):
    assert signed_in(app, staff_idp, "staff", MALLORY).get("/staff-admin").status_code == 200
    assert signed_in(app, idp, "cognito", ALICE).get("/staff-admin").status_code == 403
