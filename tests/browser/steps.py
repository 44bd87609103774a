"""Steps more than one journey takes: signing in as a person does (password, then the code of
their authenticator app for staff), reading the SMS code the portal just sent, and making the
staff accounts a journey needs."""

import re
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from playwright.sync_api import expect

from marketplace.core.sms import LocmemSMSBackend
from tests.factories import UserFactory, grant

PASSWORD = "Pa55word!portal"
TOTP_PERIOD = 30


def staff_member(role, scope, **fields):
    """A staff member with an authenticator app, as the admin requires: (user, TOTP secret)."""
    user = UserFactory(**fields)
    grant(user, role, scope)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def totp_code(secret: str) -> str:
    """The app's current code. Close to the end of a 30-second step, wait for the next one, so
    the code is still current when the server checks it."""
    if TOTP_PERIOD - time.time() % TOTP_PERIOD < 2:
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def sms_code(phone: str) -> str:
    """The code in the latest SMS sent to ``phone`` (the test settings keep SMS in memory)."""
    for to, message in reversed(LocmemSMSBackend.outbox):
        if to == phone:
            match = re.search(r"验证码是(\d{6})", message)
            assert match, message
            return match[1]
    raise AssertionError(f"no SMS to {phone}: {LocmemSMSBackend.outbox}")


def sign_in(page, login: str, *, password: str = PASSWORD, totp_secret: str | None = None) -> None:
    """Sign in on the login page; staff then type their authenticator app's code."""
    page.goto("/accounts/login/")
    page.get_by_label("手机号或电子邮箱").fill(login)
    page.get_by_label("密码").fill(password)
    page.locator("main").get_by_role("button", name="登录").click()
    if totp_secret is not None:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.get_by_label("验证码").fill(totp_code(totp_secret))
        page.locator("main").get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))
