"""The allauth adapter (phones, SMS, client IP, usernames) and the axes identity."""

import re

import pytest
from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory

from marketplace.accounts.adapters import AccountAdapter
from marketplace.accounts.axes import axes_username, user_for_axes_username
from marketplace.accounts.models import User
from marketplace.core.sms import LocmemSMSBackend
from tests.factories import UserFactory

PASSWORD = "Pa55word!portal"


def test_the_configured_adapter_is_ours():
    assert isinstance(get_adapter(), AccountAdapter)


class TestPhones:
    @pytest.mark.parametrize(
        "typed", ["13812345678", "138 1234 5678", "138-1234-5678", "+8613812345678", "8613812345678"]
    )
    def test_clean_phone_gives_e164(self, typed):
        assert AccountAdapter().clean_phone(typed) == "+8613812345678"

    @pytest.mark.parametrize("typed", ["1381234567", "23812345678", "15412345678", "abc", "+4915112345678"])
    def test_clean_phone_refuses_in_chinese(self, typed):
        with pytest.raises(forms.ValidationError) as exc:
            AccountAdapter().clean_phone(typed)
        assert "手机号码无效" in exc.value.messages[0]

    def test_the_phone_field_takes_a_national_number(self):
        field = AccountAdapter().phone_form_field(required=True)
        assert field.clean("13812345678") == "+8613812345678"
        assert str(field.label) == "手机号"

    @pytest.mark.django_db
    @pytest.mark.parametrize("typed", ["13812345678", "+8613812345678", "138 1234 5678"])
    def test_get_user_by_phone_accepts_what_people_type(self, typed):
        user = UserFactory(phone="+8613812345678")
        assert AccountAdapter().get_user_by_phone(typed) == user

    @pytest.mark.django_db
    def test_get_user_by_phone_with_garbage_finds_nobody(self):
        UserFactory(phone="+8613812345678")
        assert AccountAdapter().get_user_by_phone("not a phone") is None

    @pytest.mark.django_db
    def test_set_phone_and_verify(self):
        user = UserFactory(phone=None, phone_verified=False)
        adapter = AccountAdapter()
        adapter.set_phone(user, "+8613812345678", False)
        assert adapter.get_phone(user) == ("+8613812345678", False)
        adapter.set_phone_verified(user, "+8613812345678")
        user.refresh_from_db()
        assert (user.phone, user.phone_verified) == ("+8613812345678", True)

    @pytest.mark.django_db
    def test_get_phone_without_a_phone(self):
        assert AccountAdapter().get_phone(UserFactory(phone=None)) is None


class TestSMS:
    def test_the_code_sms_states_the_real_lifetime(self, settings):
        AccountAdapter().send_verification_code_sms(user=None, phone="+8613812345678", code="123456")
        [(to, message)] = LocmemSMSBackend.outbox
        assert to == "+8613812345678"
        assert message == "【太和区基层治理】您的验证码是123456,5分钟内有效。请勿告诉他人。"

    def test_code_format_is_six_digits(self):
        from allauth.account import app_settings

        assert app_settings.PHONE_VERIFICATION_CODE_FORMAT == {"numeric": True, "length": 6, "dashed": False}
        assert app_settings.PHONE_VERIFICATION_TIMEOUT == app_settings.LOGIN_BY_CODE_TIMEOUT == 300
        code = AccountAdapter().generate_phone_verification_code(user=None, phone="+8613812345678")
        assert re.fullmatch(r"\d{6}", code)


class TestClientIp:
    def test_without_trusted_proxies_the_header_is_ignored(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert AccountAdapter().get_client_ip(request) == "10.0.0.1"

    def test_behind_one_proxy_the_last_forwarded_address(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        request = RequestFactory().get(
            "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
        )
        assert AccountAdapter().get_client_ip(request) == "203.0.113.9"


@pytest.mark.django_db
class TestUsernames:
    def test_a_signup_username_says_nothing_about_the_person(self, client):
        client.post(
            "/accounts/signup/",
            {"phone": "13812345678", "email": "13812345678@139.com", "password1": PASSWORD},
        )
        user = User.objects.get()
        assert re.fullmatch(r"u[a-z2-9]{11}", user.username)
        assert "1381234" not in user.display_label


@pytest.mark.django_db
class TestAxesIdentity:
    def test_one_account_one_key_whatever_is_typed(self):
        user = UserFactory(email="chen@example.com", phone="+8613812345678", username="chen")
        keys = {
            axes_username(None, {"email": "Chen@Example.com"}),
            axes_username(None, {"phone": "13812345678"}),
            axes_username(None, {"phone": "+86 138 1234 5678"}),
            axes_username(None, {"username": "chen"}),
        }
        assert keys == {f"user:{user.pk}"}
        assert user_for_axes_username(f"user:{user.pk}") == user

    def test_the_typed_login_from_the_form_when_no_credentials(self):
        user = UserFactory(phone="+8613812345678")
        request = RequestFactory().post("/accounts/login/", {"login": "138 1234 5678", "password": "x"})
        assert axes_username(request, None) == f"user:{user.pk}"

    def test_different_accounts_different_keys(self):
        a, b = UserFactory(), UserFactory()
        assert axes_username(None, {"email": a.email}) != axes_username(None, {"email": b.email})

    def test_an_unknown_login_is_keyed_by_a_hash(self):
        key = axes_username(None, {"phone": "13900001111"})
        assert key.startswith("login:")
        assert "13900001111" not in key
        assert key == axes_username(None, {"phone": "+8613900001111"})
        assert user_for_axes_username(key) is None


@pytest.mark.django_db
class TestRefusedSends:
    def test_a_login_needing_a_phone_code_when_none_may_be_sent_stops_with_a_message(self):
        user = UserFactory(phone="+8613812345678", phone_verified=False)
        first = Client(REMOTE_ADDR="10.5.0.1")
        assert first.post("/accounts/login/", {"login": "13812345678", "password": PASSWORD})["Location"] == (
            "/accounts/phone/verify/"
        )
        # Within the minute, a second login cannot get a new code: no server error, no login.
        second = Client(REMOTE_ADDR="10.5.0.2")
        response = second.post(
            "/accounts/login/", {"login": "13812345678", "password": PASSWORD}, follow=True
        )
        assert response.status_code == 200
        assert "验证码发送过于频繁" in response.content.decode()
        assert SESSION_KEY not in second.session
        assert len([1 for to, _ in LocmemSMSBackend.outbox if to == user.phone]) == 1

    def test_changing_phone_when_the_ip_has_used_its_codes(self):
        for i in range(10):
            Client(REMOTE_ADDR="10.5.1.1").post(
                "/accounts/signup/", {"phone": f"1371234{i:04d}", "password1": PASSWORD}
            )
        user = UserFactory(email="zhao@example.com", phone="+8613812345678")
        client = Client(REMOTE_ADDR="10.5.1.1")
        client.force_login(user)
        response = client.post("/accounts/phone/change/", {"phone": "13912345678"})
        assert response.status_code == 200
        assert "验证码发送过于频繁" in response.content.decode()
        user.refresh_from_db()
        assert user.phone == "+8613812345678"
        assert not [1 for to, _ in LocmemSMSBackend.outbox if to == "+8613912345678"]
