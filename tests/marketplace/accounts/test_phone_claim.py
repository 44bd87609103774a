"""A phone number belongs to an account only once verified: registering a stranger's number
neither blocks the owner nor lets the owner's code login land in the squatter's account."""

import re

import pytest

from marketplace.accounts import services
from marketplace.accounts.adapters import AccountAdapter
from marketplace.accounts.models import User
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.core.sms import LocmemSMSBackend
from tests.factories import UserFactory

VICTIM = "+8613711112222"


@pytest.fixture
def squatter(db):
    return UserFactory(phone=VICTIM, phone_verified=False, email="squatter@example.com")


def test_unverified_number_does_not_identify_an_account(squatter):
    assert AccountAdapter().get_user_by_phone("13711112222") is None
    squatter.phone_verified = True
    squatter.save()
    assert AccountAdapter().get_user_by_phone("13711112222") == squatter


def test_code_login_with_a_squatted_number_does_not_enter_the_squatters_account(squatter, client):
    response = client.post("/accounts/login/code/", {"phone": "13711112222"}, follow=True)
    assert response.status_code == 200
    # Any code sent is not one that logs into the squatter's account.
    for _phone, text in LocmemSMSBackend.outbox:
        code = re.search(r"\d{6}", text)
        if code:
            client.post("/accounts/login/code/confirm/", {"code": code.group()})
    assert "_auth_user_id" not in client.session


def test_the_owner_can_claim_a_squatted_number(squatter):
    owner = UserFactory(phone=None, phone_verified=False)
    services.user_set_phone(user=owner, phone=VICTIM, verified=False)
    squatter.refresh_from_db()
    assert squatter.phone is None
    assert owner.phone == VICTIM
    entry = AuditEntry.objects.get(action="accounts.user.phone_released")
    assert entry.object_id == str(squatter.pk) and VICTIM not in str(entry.changes)


def test_a_verified_number_cannot_be_taken(db):
    holder = UserFactory(phone=VICTIM, phone_verified=True)
    other = UserFactory(phone=None)
    with pytest.raises(ValidationFailed) as exc:
        services.user_set_phone(user=other, phone=VICTIM, verified=False)
    assert exc.value.code == "duplicate_phone"
    assert User.objects.get(pk=holder.pk).phone == VICTIM


def test_signup_still_requires_a_phone(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "nophone@example.com", "password1": "Pa55word!portal-x", "phone": ""}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="nophone@example.com").exists()


def test_an_account_without_a_phone_logs_in_by_email(client, db):
    UserFactory(email="staff-only-email@example.com", phone=None)
    response = client.post(
        "/accounts/login/", {"login": "staff-only-email@example.com", "password": "Pa55word!portal"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
