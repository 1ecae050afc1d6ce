"""Two-factor sign-in driven through the test client with real TOTP codes
(pyotp), shared by the two-factor and audit-completeness tests."""

import re
import time
from contextlib import contextmanager

import pyotp

from reviewapp.accounts import two_factor
from tests.conftest import PASSWORD

SECRET_ON_PAGE = re.compile(r'id="two-factor-secret"[^>]*>([A-Z2-7]{32})<')
RECOVERY_CODES_ON_PAGE = re.compile(r"<li>([a-z2-7]{4}(?:-[a-z2-7]{4}){5})</li>")
STEP = two_factor.STEP_SECONDS


def code(secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now, or `steps` time steps away."""
    return pyotp.TOTP(secret).at(time.time() + steps * STEP)


@contextmanager
def clock_moved(seconds: float):
    """The app checks codes as if it were `seconds` later (earlier if negative)."""
    real = two_factor.now
    two_factor.now = lambda: real() + seconds
    try:
        yield
    finally:
        two_factor.now = real


def secret_on(page: str) -> str:
    match = SECRET_ON_PAGE.search(page)
    assert match, "no secret shown on the page"
    return match.group(1)


def enrol(client, url: str = "/account/two-factor") -> tuple[str, list[str]]:
    """Turn two-factor sign-in on through its page; the secret and the recovery
    codes shown. Confirmed two steps in the past, so that the current code is
    fresh for the login that follows."""
    secret = secret_on(client.get(url).get_data(as_text=True))
    with clock_moved(-2 * STEP):
        response = client.post(url, data={"code": code(secret, steps=-2)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-2000:]
    codes = RECOVERY_CODES_ON_PAGE.findall(page)
    assert len(codes) == 10, page[-2000:]
    return secret, codes


def password_step(client, user, password: str = PASSWORD, **kwargs):
    return client.post("/login", data={"email": user.email, "password": password}, **kwargs)
