"""Signing keys: generated once into the instance folder, then reused."""

from __future__ import annotations

import json
import stat

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from devidp.keys import KEY_FILE_NAME, KeyFileError, load_or_create_keys

JWKS = "/us-east-1_DevPool01/.well-known/jwks.json"


def test_keys_are_created_with_mode_0600_and_reused(tmp_path, make_emulator):
    first = make_emulator(instance_path=tmp_path).issuer.test_client().get(JWKS).get_json()
    key_file = tmp_path / "devidp" / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "d" in json.loads(key_file.read_text())["id_token"]  # private part is kept
    second = make_emulator(instance_path=tmp_path).issuer.test_client().get(JWKS).get_json()
    assert first == second


def test_other_instance_folder_gets_other_keys(tmp_path, make_emulator):
    one = make_emulator(instance_path=tmp_path / "a").issuer.test_client().get(JWKS).get_json()
    two = make_emulator(instance_path=tmp_path / "b").issuer.test_client().get(JWKS).get_json()
    assert {k["kid"] for k in one["keys"]}.isdisjoint(k["kid"] for k in two["keys"])


def test_tokens_from_before_a_restart_still_verify(make_emulator, make_hosted_ui, pool):
    id_token = make_hosted_ui(pool).tokens()["id_token"]
    restarted = make_emulator(pool).issuer.test_client()  # same instance folder, new process state
    keys = KeySet.import_key_set(restarted.get(JWKS).get_json())
    assert jwt.decode(id_token, keys, algorithms=["RS256"]).claims["token_use"] == "id"


def test_unusable_key_file_is_reported(tmp_path):
    (tmp_path / KEY_FILE_NAME).write_text("{not json")
    with pytest.raises(KeyFileError, match="delete it"):
        load_or_create_keys(tmp_path)
