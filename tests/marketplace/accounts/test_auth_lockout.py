"""Five failed logins lock the (account, client IP) pair for 30 minutes (django-axes)."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "Pa55word!portal"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LOCKED_TEXT = "登录已被暂时锁定"


def client_from(ip: str, forwarded_for: str | None = None) -> Client:
    extra = {"REMOTE_ADDR": ip}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client(**extra)


def attempt(client: Client, login: str, password: str):
    return client.post("/accounts/login/", {"login": login, "password": password})


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def fail(times: int, login: str, ip: str, forwarded_for: str | None = None) -> list[int]:
    return [
        attempt(client_from(ip, forwarded_for), login, "wrong-password").status_code for _ in range(times)
    ]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.com", phone="+8613512345678")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.com", phone="+8613587654321")


@pytest.mark.django_db
class TestLockout:
    def test_fifth_failure_locks_and_the_right_password_no_longer_works(self, clock, alice):
        statuses = fail(5, "alice@example.com", "10.9.0.1")
        assert statuses == [200, 200, 200, 200, 429]

        client = client_from("10.9.0.1")
        response = attempt(client, "alice@example.com", PASSWORD)
        assert response.status_code == 429
        assert LOCKED_TEXT in response.content.decode()
        assert not logged_in(client)

    def test_four_failures_do_not_lock(self, clock, alice):
        fail(4, "alice@example.com", "10.9.0.1")
        client = client_from("10.9.0.1")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 302
        assert logged_in(client)

    def test_the_lock_is_on_the_account_whichever_identifier_is_typed(self, clock, alice):
        fail(2, "alice@example.com", "10.9.0.1")
        fail(2, "13512345678", "10.9.0.1")
        fail(1, "+86 135 1234 5678", "10.9.0.1")
        for login in ("alice@example.com", "13512345678", "+8613512345678"):
            client = client_from("10.9.0.1")
            assert attempt(client, login, PASSWORD).status_code == 429
            assert not logged_in(client)

    def test_same_account_from_another_ip_still_logs_in(self, clock, alice):
        fail(5, "alice@example.com", "10.9.0.1")
        client = client_from("10.9.0.2")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 302
        assert logged_in(client)

    def test_another_account_from_the_same_ip_still_logs_in(self, clock, alice, bob):
        fail(5, "alice@example.com", "10.9.0.1")
        client = client_from("10.9.0.1")
        assert attempt(client, "bob@example.com", PASSWORD).status_code == 302
        assert client.session[SESSION_KEY] == str(bob.pk)

    def test_the_lock_lasts_thirty_minutes(self, clock, alice):
        fail(5, "alice@example.com", "10.9.0.1")

        clock.shift(dt.timedelta(minutes=29, seconds=50))
        client = client_from("10.9.0.1")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 429
        assert not logged_in(client)

        clock.shift(dt.timedelta(seconds=11))
        client = client_from("10.9.0.1")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 302
        assert logged_in(client)

    def test_a_success_clears_the_count(self, clock, alice):
        fail(4, "alice@example.com", "10.9.0.1")
        assert attempt(client_from("10.9.0.1"), "13512345678", PASSWORD).status_code == 302
        fail(4, "alice@example.com", "10.9.0.1")
        client = client_from("10.9.0.1")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 302
        assert logged_in(client)

    def test_unknown_logins_are_locked_too(self, clock):
        assert fail(5, "nobody@example.com", "10.9.0.1")[-1] == 429

    def test_axes_tables_hold_no_phone_number_or_email(self, clock, alice):
        fail(5, "13512345678", "10.9.0.1")
        fail(5, "alice@example.com", "10.9.0.3")
        fail(5, "13900000000", "10.9.0.4")  # no such account
        attempt(client_from("10.9.0.2"), "alice@example.com", PASSWORD)
        rows = [(a.username, a.post_data, a.get_data) for a in AccessAttempt.objects.all()] + [
            (log.username,) for log in AccessLog.objects.all()
        ]
        assert rows
        dump = repr(rows)
        for secret in ("13512345678", "alice@example.com", "13900000000", "alice"):
            assert secret not in dump


@pytest.mark.django_db
class TestClientAddress:
    def test_spoofed_forwarded_for_does_not_evade_the_lock_without_a_trusted_proxy(
        self, clock, alice, settings
    ):
        settings.TRUSTED_PROXY_COUNT = 0
        for i in range(5):
            attempt(client_from("10.9.1.1", forwarded_for=f"203.0.113.{i}"), "alice@example.com", "wrong")
        client = client_from("10.9.1.1", forwarded_for="203.0.113.200")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 429
        assert not logged_in(client)
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.9.1.1"}

    def test_behind_a_trusted_proxy_the_forwarded_client_is_locked(self, clock, alice, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        proxy = "10.9.2.1"
        fail(5, "alice@example.com", proxy, forwarded_for="198.51.100.7")
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}

        # The locked client cannot get round it by writing its own header in front ...
        client = client_from(proxy, forwarded_for="1.2.3.4, 198.51.100.7")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 429
        assert not logged_in(client)
        # ... and another client behind the same proxy is not locked out.
        client = client_from(proxy, forwarded_for="198.51.100.8")
        assert attempt(client, "alice@example.com", PASSWORD).status_code == 302
        assert logged_in(client)
