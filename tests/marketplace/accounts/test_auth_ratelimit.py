"""SMS codes are rate-limited per phone and per client IP (ACCOUNT_RATE_LIMITS):
"verify_phone" (sign-up and its resend, keyed by the E.164 number) and "request_login_code"
(login by code, keyed by the number): 1 a minute and 5 an hour per phone, 10 an hour per IP."""

import datetime as dt

import pytest
from django.test import Client

from marketplace.accounts.models import User
from marketplace.core.sms import LocmemSMSBackend
from tests.factories import UserFactory

PASSWORD = "Pa55word!portal"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TOO_OFTEN = "验证码发送过于频繁,请稍后再试。"


def phone(n: int) -> str:
    return f"1371234{n:04d}"


def e164(n: int) -> str:
    return "+86" + phone(n)


def sent_to(number: str) -> int:
    return sum(1 for to, _ in LocmemSMSBackend.outbox if to == number)


def client_from(ip: str, forwarded_for: str | None = None) -> Client:
    extra = {"REMOTE_ADDR": ip}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client(**extra)


def signup(client: Client, number: str):
    return client.post("/accounts/signup/", {"phone": number, "password1": PASSWORD})


def request_code(client: Client, number: str):
    return client.post("/accounts/login/code/", {"phone": number})


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def later(clock, seconds: int) -> None:
    clock.shift(dt.timedelta(seconds=seconds))


@pytest.mark.django_db
class TestPhoneVerificationCodes:
    def test_one_code_a_minute_per_phone_on_resend(self, clock):
        client = client_from("10.1.0.1")
        signup(client, phone(1))
        assert sent_to(e164(1)) == 1

        later(clock, 30)
        client.post("/accounts/phone/verify/", {"action": "resend"})
        assert sent_to(e164(1)) == 1

        later(clock, 31)
        client.post("/accounts/phone/verify/", {"action": "resend"})
        assert sent_to(e164(1)) == 2

    def test_five_codes_an_hour_per_phone_whatever_the_ip(self, clock):
        # The number's owner exists; each sign-up attempt with it sends an SMS, from a new IP.
        UserFactory(phone=e164(1))
        for i in range(5):
            response = signup(client_from(f"10.1.1.{i}"), phone(1))
            assert response.status_code == 302
            later(clock, 61)
        assert sent_to(e164(1)) == 5

        response = signup(client_from("10.1.1.99"), phone(1))
        assert response.status_code == 200
        assert TOO_OFTEN in response.content.decode()
        assert sent_to(e164(1)) == 5

        later(clock, 3600)
        assert signup(client_from("10.1.1.100"), phone(1)).status_code == 302
        assert sent_to(e164(1)) == 6

    def test_ten_codes_an_hour_per_ip_and_nothing_saved_beyond(self, clock):
        for i in range(10):
            assert signup(client_from("10.1.2.1"), phone(i)).status_code == 302
        assert len(LocmemSMSBackend.outbox) == 10

        response = signup(client_from("10.1.2.1"), phone(10))
        # A clear Chinese message on the form, not a server error, and no account half made.
        assert response.status_code == 200
        assert TOO_OFTEN in response.content.decode()
        assert not User.objects.filter(phone=e164(10)).exists()
        assert sent_to(e164(10)) == 0

        # The same number from another address is fine: the limit is the IP's.
        assert signup(client_from("10.1.2.2"), phone(10)).status_code == 302
        assert sent_to(e164(10)) == 1

        later(clock, 3600)
        assert signup(client_from("10.1.2.1"), phone(11)).status_code == 302


@pytest.mark.django_db
class TestLoginCodes:
    def test_one_code_a_minute_and_five_an_hour_per_phone(self, clock):
        UserFactory(phone=e164(1))
        assert request_code(client_from("10.2.0.1"), phone(1)).status_code == 302
        later(clock, 30)
        refused = request_code(client_from("10.2.0.2"), phone(1))
        assert refused.status_code == 200
        assert "尝试过于频繁" in refused.content.decode()
        assert sent_to(e164(1)) == 1

        for i in range(4):
            later(clock, 61)
            assert request_code(client_from(f"10.2.1.{i}"), phone(1)).status_code == 302
        assert sent_to(e164(1)) == 5

        later(clock, 61)
        assert request_code(client_from("10.2.2.1"), phone(1)).status_code == 200
        assert sent_to(e164(1)) == 5

        later(clock, 3600)
        assert request_code(client_from("10.2.2.2"), phone(1)).status_code == 302
        assert sent_to(e164(1)) == 6

    def test_ten_codes_an_hour_per_ip(self, clock):
        for i in range(11):
            UserFactory(phone=e164(i))
        for i in range(10):
            assert request_code(client_from("10.2.3.1"), phone(i)).status_code == 302
        assert request_code(client_from("10.2.3.1"), phone(10)).status_code == 200
        assert sent_to(e164(10)) == 0
        assert request_code(client_from("10.2.3.2"), phone(10)).status_code == 302
        assert sent_to(e164(10)) == 1

    def test_unknown_numbers_count_too(self, clock):
        # Probing or SMS-bombing with numbers that have no account is limited the same way.
        for i in range(10):
            assert request_code(client_from("10.2.4.1"), phone(i)).status_code == 302
        assert len(LocmemSMSBackend.outbox) == 10
        request_code(client_from("10.2.4.1"), phone(10))
        assert len(LocmemSMSBackend.outbox) == 10


@pytest.mark.django_db
class TestClientAddress:
    def test_a_spoofed_forwarded_for_does_not_reset_the_ip_limit_without_a_trusted_proxy(
        self, clock, settings
    ):
        settings.TRUSTED_PROXY_COUNT = 0
        for i in range(10):
            request_code(client_from("10.3.0.1", forwarded_for=f"203.0.113.{i}"), phone(i))
        assert len(LocmemSMSBackend.outbox) == 10
        request_code(client_from("10.3.0.1", forwarded_for="203.0.113.200"), phone(10))
        assert len(LocmemSMSBackend.outbox) == 10

    def test_behind_one_trusted_proxy_the_forwarded_address_is_the_client(self, clock, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        # Every request arrives from the proxy (10.3.1.1); the proxy appends the real client.
        for i in range(10):
            request_code(client_from("10.3.1.1", forwarded_for="198.51.100.7"), phone(i))
        assert len(LocmemSMSBackend.outbox) == 10
        # That client is limited, even if it writes its own X-Forwarded-For in front ...
        request_code(client_from("10.3.1.1", forwarded_for="1.2.3.4, 198.51.100.7"), phone(10))
        assert len(LocmemSMSBackend.outbox) == 10
        # ... while another client behind the same proxy is not.
        request_code(client_from("10.3.1.1", forwarded_for="198.51.100.8"), phone(10))
        assert len(LocmemSMSBackend.outbox) == 11
