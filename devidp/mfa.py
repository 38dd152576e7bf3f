"""TOTP codes (RFC 6238) for users with a ``totp_secret``: Cognito's software-token MFA.

pyotp computes the codes; what is checked around it is RFC 6238's verifier rules:
one time step of clock drift either way (section 5.2), and a code accepted once is
not accepted again (section 5.2: "MUST NOT accept the second attempt of the OTP").
pyotp is the extra `emulator-totp`, imported only when a code is checked: a pool without
TOTP users never needs it, and one with them is refused at load when it is missing
(config.py).
"""

from __future__ import annotations

import re

#: Time steps of drift accepted on either side of now (RFC 6238 section 5.2).
DRIFT_STEPS = 1
_CODE = re.compile(r"^\d{6}$")


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (now's, or one next to it) whose code is ``code``, else None.

    The caller refuses a step at or before the last one it accepted for the user.
    """
    if not _CODE.match(code):
        return None
    import pyotp
    from pyotp.utils import strings_equal

    totp = pyotp.TOTP(secret)
    current = int(now) // totp.interval
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if strings_equal(totp.generate_otp(step), code):
            return step
    return None
