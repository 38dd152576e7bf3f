"""RS256 signing keys, generated on first start and kept in the instance folder.

Like a real user pool, the emulator signs ID tokens and access tokens with
two different keys, both published in the JWKS, so a relying party that
ignores ``kid`` fails here as it would against Cognito. Keeping the keys
across restarts lets a relying party's cached JWKS stay valid.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

KEY_FILE_NAME = "signing-keys.json"
_KEY_PARAMETERS = {"alg": "RS256", "use": "sig"}


class KeyFileError(RuntimeError):
    """The key file exists but cannot be used."""


@dataclass(frozen=True)
class SigningKeys:
    id_key: RSAKey
    access_key: RSAKey

    def jwks(self) -> dict[str, Any]:
        """The public JWK set, as served at ``/.well-known/jwks.json``."""
        return {"keys": [k.as_dict(private=False) for k in (self.id_key, self.access_key)]}


def _generate() -> SigningKeys:
    return SigningKeys(
        id_key=RSAKey.generate_key(2048, parameters=dict(_KEY_PARAMETERS), auto_kid=True),
        access_key=RSAKey.generate_key(2048, parameters=dict(_KEY_PARAMETERS), auto_kid=True),
    )


def _write_private(path: Path, keys: SigningKeys) -> None:
    """Write with mode 0600 (the file holds private keys), never overwriting.

    The complete file is linked into place, so a concurrent start either
    wins or reads the winner's keys; nobody sees a half-written file.
    """
    data = {
        "id_token": keys.id_key.as_dict(private=True),
        "access_token": keys.access_key.as_dict(private=True),
    }
    # mkstemp creates the file with mode 0600.
    fd, tmp = tempfile.mkstemp(prefix=".signing-keys-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read(path: Path) -> SigningKeys:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = SigningKeys(
            id_key=RSAKey.import_key(data["id_token"]),
            access_key=RSAKey.import_key(data["access_token"]),
        )
    except (OSError, ValueError, KeyError, TypeError, JoseError) as error:
        raise KeyFileError(
            f"{path}: unusable signing key file ({error!r}); delete it to generate new keys"
        ) from None
    if not (keys.id_key.is_private and keys.access_key.is_private):
        raise KeyFileError(f"{path}: keys must be private RSA keys; delete it to regenerate")
    return keys


def load_or_create_keys(directory: str | os.PathLike[str]) -> SigningKeys:
    """Return the keys stored in ``directory``, creating them on first use."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE_NAME
    if not path.exists():
        _write_private(path, _generate())
    return _read(path)
