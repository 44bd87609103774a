import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from tests.factories import UserFactory

PASSWORD = "Pa55word!portal"


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def switch_language(client, code: str, next_url: str = "/"):
    """Use the language switch in the header, as a visitor would."""
    response = client.post("/i18n/setlang/", {"language": code, "next": next_url})
    assert response.status_code == 302
    return response


def reauthenticate(client):
    """Settings for two-factor authentication ask for the password again, even after login."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:1000]


@pytest.fixture
def resident(db):
    return UserFactory(display_name="张三", phone="+8613800000002")


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident)
    return client


@pytest.fixture
def mfa_user(db):
    """A person with an authenticator app and recovery codes; returns (user, secret)."""
    user = UserFactory(display_name="李四", phone="+8613800000003")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return user, secret
