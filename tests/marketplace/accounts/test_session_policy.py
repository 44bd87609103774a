"""Sessions: a new key at login; every session ends 12 hours after login however active; a staff
member's session also ends after 30 idle minutes, a resident's does not."""

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session

from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from tests.factories import UserFactory, grant

PASSWORD = "Pa55word!portal"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LOGIN_REDIRECT = "/accounts/login/?next=/me/"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def at(clock, **delta) -> None:
    clock.move_to(START + dt.timedelta(**delta), tick=False)


def is_in(client) -> bool:
    """Ask a page that needs a login; a 200 means the session is still good."""
    response = client.get("/me/")
    if response.status_code == 200:
        return True
    assert response["Location"] == LOGIN_REDIRECT, response["Location"]
    return False


def keep_session_row_for_a_week(client) -> None:
    # Make the stored session outlive the policy, so only the policy can end it.
    session = client.session
    session.set_expiry(7 * 24 * 3600)
    session.save()


@pytest.fixture
def resident(db):
    return UserFactory(email="resident@example.com")


@pytest.fixture
def staff(world):
    user = world.worker_a
    TOTP.activate(user, generate_totp_secret())
    assert Authenticator.objects.filter(user=user).exists()
    return user


@pytest.mark.django_db
def test_login_gives_a_new_session_key(client, resident):
    before = client.session
    before["probe"] = "anonymous visit"
    before.save()
    old_key = before.session_key

    response = client.post("/accounts/login/", {"login": "resident@example.com", "password": PASSWORD})
    assert response.status_code == 302

    new_key = client.cookies["sessionid"].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.session[SESSION_KEY] == str(resident.pk)


@pytest.mark.django_db
def test_the_clock_starts_at_login(client, resident, clock):
    client.post("/accounts/login/", {"login": "resident@example.com", "password": PASSWORD})
    assert client.session["_portal_session_started"] == int(START.timestamp())


@pytest.mark.django_db
class TestResident:
    def test_session_ends_twelve_hours_after_login(self, client, resident, clock):
        client.post("/accounts/login/", {"login": "resident@example.com", "password": PASSWORD})
        keep_session_row_for_a_week(client)
        for hour in range(0, 12, 2):
            at(clock, hours=hour, minutes=1)
            assert is_in(client)
        at(clock, hours=11, minutes=59, seconds=59)
        assert is_in(client)
        at(clock, hours=12)
        assert not is_in(client)
        entry = AuditEntry.objects.filter(action="accounts.logout", actor=resident).get()
        assert "12小时" in entry.reason

    def test_idle_time_does_not_end_a_residents_session(self, client, resident, clock):
        client.post("/accounts/login/", {"login": "resident@example.com", "password": PASSWORD})
        at(clock, hours=5)
        assert is_in(client)
        at(clock, hours=11)
        assert is_in(client)


@pytest.mark.django_db
class TestStaff:
    def test_session_ends_after_thirty_idle_minutes(self, client, staff, clock):
        client.force_login(staff)
        at(clock, minutes=29)
        assert is_in(client)
        at(clock, minutes=58)  # 29 minutes after the last request
        assert is_in(client)
        at(clock, minutes=88, seconds=1)  # 30 minutes and a second
        assert not is_in(client)
        entry = AuditEntry.objects.filter(action="accounts.logout", actor=staff).get()
        assert "闲置" in entry.reason

    def test_an_active_staff_session_still_ends_after_twelve_hours(self, client, staff, clock):
        client.force_login(staff)
        minute = 0
        while minute < 12 * 60 - 20:
            minute += 20
            at(clock, minutes=minute)
            assert is_in(client), minute
        at(clock, hours=12)
        assert not is_in(client)

    def test_a_superuser_counts_as_staff(self, client, clock):
        admin = UserFactory(is_superuser=True, is_staff=True)
        TOTP.activate(admin, generate_totp_secret())
        client.force_login(admin)
        at(clock, minutes=31)
        assert not is_in(client)

    def test_losing_the_staff_role_ends_the_idle_limit(self, client, world, clock):
        user = UserFactory()
        assignment = grant(user, Role.GRID_WORKER, world.grid_a)
        TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
        assignment.delete()
        at(clock, hours=2)
        assert is_in(client)
