"""Logins, failed logins, logouts and lockouts are in the audit trail, with the typed login
masked: no raw phone number or e-mail address is ever written there by these flows."""

import json
import re

import pytest
from django.test import Client

from marketplace.accounts.models import User
from marketplace.accounts.receivers import mask_login
from marketplace.core.models import AuditEntry
from marketplace.core.sms import LocmemSMSBackend
from tests.factories import UserFactory

PASSWORD = "Pa55word!portal"


def entries(action: str):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def last_code(phone: str) -> str:
    message = [m for to, m in LocmemSMSBackend.outbox if to == phone][-1]
    return re.search(r"验证码是(\d{6})", message).group(1)


def row_text(entry: AuditEntry) -> str:
    return " ".join(
        [
            entry.actor_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_repr,
            json.dumps(entry.changes, ensure_ascii=False),
            entry.reason,
        ]
    )


@pytest.fixture
def user(db):
    return UserFactory(email="liu.yang@example.com", phone="+8613512345678", display_name="刘阳")


@pytest.mark.django_db
class TestEvents:
    def test_login_and_logout(self, client, user):
        client.post("/accounts/login/", {"login": "liu.yang@example.com", "password": PASSWORD})
        [login] = entries("accounts.login")
        assert login.actor == user
        assert login.object_id == str(user.pk)
        assert login.ip_address == "127.0.0.1"

        client.post("/accounts/logout/")
        [logout] = entries("accounts.logout")
        assert logout.actor == user
        assert logout.reason == ""

    def test_a_failed_login_by_phone_is_recorded_masked_against_the_account(self, client, user):
        client.post("/accounts/login/", {"login": "13512345678", "password": "wrong-password"})
        [failed] = entries("accounts.login_failed")
        assert failed.actor is None
        assert failed.object_repr == "135****5678"
        assert failed.changes == {"login": "135****5678"}
        assert failed.object_id == str(user.pk)

    def test_a_failed_login_by_email_is_recorded_masked(self, client, user):
        client.post("/accounts/login/", {"login": "liu.yang@example.com", "password": "wrong-password"})
        [failed] = entries("accounts.login_failed")
        assert failed.changes == {"login": "l***@example.com"}
        assert "liu.yang" not in row_text(failed)

    def test_a_failed_login_for_no_account(self, client, db):
        client.post("/accounts/login/", {"login": "13900001111", "password": "wrong-password"})
        [failed] = entries("accounts.login_failed")
        assert failed.object_id == ""
        assert failed.changes == {"login": "139****1111"}

    def test_lockout(self, user):
        for _ in range(5):
            Client(REMOTE_ADDR="10.7.0.1").post(
                "/accounts/login/", {"login": "13512345678", "password": "bad"}
            )
        [locked] = entries("accounts.locked_out")
        assert locked.object_id == str(user.pk)
        assert locked.changes == {"login": "135****5678"}
        assert locked.ip_address == "10.7.0.1"
        assert len(entries("accounts.login_failed")) == 5


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("13512345678", "135****5678"),
        ("+8613512345678", "135****5678"),
        ("+86 135-1234-5678", "135****5678"),
        ("Liu.Yang@Example.com", "L***@Example.com"),
        ("liuyang", "li***"),
        ("", ""),
    ],
)
def test_mask_login(typed, masked):
    assert mask_login(typed) == masked


@pytest.mark.django_db
def test_no_raw_phone_number_in_any_audit_row_of_the_account_flows():
    national = "13612345678"
    e164 = "+86" + national
    # Sign up by phone and verify it; the e-mail address is the number at China Mobile's mail,
    # as many are (allauth would have made the username from it).
    email = national + "@139.com"
    client = Client(REMOTE_ADDR="10.7.1.1")
    client.post("/accounts/signup/", {"phone": national, "email": email, "password1": PASSWORD})
    client.post("/accounts/phone/verify/", {"code": last_code(e164)})
    user = User.objects.get(phone=e164)
    assert user.phone_verified
    client.post("/accounts/logout/")
    # Log in by code, then out.
    client = Client(REMOTE_ADDR="10.7.1.2")
    client.post("/accounts/login/code/", {"phone": national})
    client.post("/accounts/login/code/confirm/", {"code": last_code(e164)})
    client.post("/accounts/logout/")
    # Wrong passwords, typed every which way, until locked; then one from another address.
    for typed in [national, e164, "136 1234 5678", "+86-136-1234-5678", email]:
        Client(REMOTE_ADDR="10.7.1.3").post("/accounts/login/", {"login": typed, "password": "bad"})
    Client(REMOTE_ADDR="10.7.1.3").post("/accounts/login/", {"login": national, "password": PASSWORD})
    client = Client(REMOTE_ADDR="10.7.1.4")
    client.post("/accounts/login/", {"login": national, "password": PASSWORD})
    client.post("/accounts/logout/")

    actions = {e.action for e in AuditEntry.objects.all()}
    assert {"accounts.login", "accounts.logout", "accounts.login_failed", "accounts.locked_out"} <= actions
    assert AuditEntry.objects.count() >= 15
    for entry in AuditEntry.objects.all():
        text = row_text(entry)
        squeezed = re.sub(r"[\s()+-]", "", text)
        assert national not in squeezed, text
