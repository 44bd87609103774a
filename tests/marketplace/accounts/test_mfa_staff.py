"""Two-factor authentication (TOTP + recovery codes) is required for every staff role."""

import datetime as dt
import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY
from django.test import Client

from marketplace.core.models import AuditEntry
from marketplace.core.roles import STAFF_ROLES, Role
from marketplace.core.sms import LocmemSMSBackend
from tests.factories import UserFactory, grant

PASSWORD = "Pa55word!portal"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ACTIVATE = "/accounts/2fa/totp/activate/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
REAUTHENTICATE = "/accounts/reauthenticate/"


class _Project:
    """Evaluators are scoped to a service project; the projects app comes later."""

    pk = 1

    def scope_chain(self):
        return [("project", self.pk)]

    def __str__(self):
        return "测试项目"


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def password_login(client: Client, login: str):
    return client.post("/accounts/login/", {"login": login, "password": PASSWORD})


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def activate_totp(client: Client) -> str:
    """Walk the activation page as a person with an authenticator app would; returns the secret."""
    page = client.get(ACTIVATE)
    # Changing two-factor settings always asks for the password again, even just after login.
    assert page.status_code == 302
    assert page["Location"].startswith(REAUTHENTICATE)
    assert 'name="password"' in client.get(page["Location"]).content.decode()
    response = client.post(page["Location"], {"password": PASSWORD})
    assert response["Location"] == ACTIVATE
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(ACTIVATE, {"code": totp_now(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def scope_for(world, role):
    return {
        Role.DISTRICT_ADMIN: world.district,
        Role.STREET_OFFICIAL: world.street_a,
        Role.COMMUNITY_WORKER: world.community_a,
        Role.GRID_WORKER: world.grid_a,
        Role.EVALUATOR: _Project(),
    }[role]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def test_every_staff_role_is_covered():
    # If a staff role is added, the parametrisation below must learn its scope.
    assert set(STAFF_ROLES) == {
        Role.DISTRICT_ADMIN,
        Role.STREET_OFFICIAL,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.EVALUATOR,
    }


@pytest.mark.django_db
class TestEnrolmentIsRequired:
    @pytest.mark.parametrize("role", sorted(STAFF_ROLES))
    @pytest.mark.parametrize("path", ["/admin/", "/me/"])
    def test_staff_without_an_authenticator_are_sent_to_totp_activation(self, client, world, role, path):
        user = UserFactory(email="staff@example.com")
        grant(user, role, scope_for(world, role))
        assert password_login(client, "staff@example.com").status_code == 302
        assert logged_in(client)

        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(ACTIVATE + "?next=")
        # The enrolment page (behind a password re-check) stays reachable.
        assert client.get(ACTIVATE)["Location"].startswith(REAUTHENTICATE)
        assert client.get(REAUTHENTICATE).status_code == 200

    def test_a_superuser_is_staff(self, client, db):
        UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
        password_login(client, "root@example.com")
        assert client.get("/admin/")["Location"].startswith(ACTIVATE)

    def test_a_resident_is_not_asked(self, client, world):
        password_login(client, world.resident.email)
        assert logged_in(client)
        assert client.get("/me/").status_code == 200

    def test_recovery_codes_alone_are_not_a_second_factor(self, client, world):
        # allauth does not challenge a login with recovery codes only, so they do not count.
        RecoveryCodes.activate(world.worker_a)
        password_login(client, world.worker_a.email)
        assert logged_in(client)
        assert client.get("/me/")["Location"].startswith(ACTIVATE)


@pytest.mark.django_db
class TestTOTP:
    def test_enrol_then_every_login_needs_a_code(
        self, client, world, clock, django_capture_on_commit_callbacks
    ):
        staff = world.official_a
        password_login(client, staff.email)
        assert client.get("/admin/")["Location"].startswith(ACTIVATE)

        with django_capture_on_commit_callbacks(execute=True):
            secret = activate_totp(client)
        assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
        assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.RECOVERY_CODES).exists()
        added = AuditEntry.objects.filter(action="accounts.mfa.added", actor=staff)
        assert "totp" in {entry.changes["type"] for entry in added}
        assert client.get("/me/").status_code == 200
        assert client.get("/admin/").status_code == 200

        client.post("/accounts/logout/")
        assert not logged_in(client)

        # A fresh password login stops at the second factor.
        clock.shift(dt.timedelta(seconds=60))
        response = password_login(client, staff.email)
        assert response.status_code == 302
        assert response["Location"] == AUTHENTICATE
        assert not logged_in(client)
        assert client.get("/me/")["Location"] == "/accounts/login/?next=/me/"

        code = totp_now(secret)
        wrong = str((int(code) + 1) % 1_000_000).zfill(6)
        assert client.post(AUTHENTICATE, {"code": wrong}).status_code == 200
        assert not logged_in(client)
        failed = AuditEntry.objects.get(action="accounts.mfa.failed")
        assert failed.object_id == str(staff.pk)
        assert failed.changes["type"] == "totp"

        response = client.post(AUTHENTICATE, {"code": code})
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(staff.pk)
        assert client.get("/me/").status_code == 200

    def test_a_recovery_code_works_once(self, client, world, clock):
        staff = world.worker_a
        password_login(client, staff.email)
        activate_totp(client)
        codes = RecoveryCodes(
            Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)
        ).get_unused_codes()
        assert codes
        client.post("/accounts/logout/")

        password_login(client, staff.email)
        response = client.post(AUTHENTICATE, {"code": codes[0]})
        assert response.status_code == 302
        assert logged_in(client)
        client.post("/accounts/logout/")

        password_login(client, staff.email)
        assert client.post(AUTHENTICATE, {"code": codes[0]}).status_code == 200
        assert not logged_in(client)
        assert client.post(AUTHENTICATE, {"code": codes[1]}).status_code == 302
        assert logged_in(client)

    def test_a_used_totp_code_cannot_be_replayed(self, client, world, clock):
        staff = world.worker_a
        password_login(client, staff.email)
        secret = activate_totp(client)
        client.post("/accounts/logout/")
        clock.shift(dt.timedelta(seconds=60))
        code = totp_now(secret)

        password_login(client, staff.email)
        client.post(AUTHENTICATE, {"code": code})
        assert logged_in(client)
        client.post("/accounts/logout/")

        other = Client()
        password_login(other, staff.email)
        assert other.post(AUTHENTICATE, {"code": code}).status_code == 200
        assert not logged_in(other)

    def test_an_sms_code_login_also_needs_the_second_factor(self, client, world, clock):
        staff = world.grid_worker_a
        password_login(client, staff.email)
        secret = activate_totp(client)
        client.post("/accounts/logout/")
        clock.shift(dt.timedelta(seconds=60))

        client.post("/accounts/login/code/", {"phone": staff.phone})
        message = [m for to, m in LocmemSMSBackend.outbox if to == staff.phone][-1]
        sms_code = re.search(r"验证码是(\d{6})", message).group(1)
        response = client.post("/accounts/login/code/confirm/", {"code": sms_code})
        assert response["Location"] == AUTHENTICATE
        assert not logged_in(client)
        client.post(AUTHENTICATE, {"code": totp_now(secret)})
        assert logged_in(client)
