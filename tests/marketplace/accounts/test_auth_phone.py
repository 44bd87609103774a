"""Sign-up and login by mobile phone (6-digit SMS codes) and by e-mail + password, walked
through the real allauth pages with the test client."""

import re

import pytest
from django.contrib.auth import SESSION_KEY

from marketplace.accounts.models import User
from marketplace.core.sms import LocmemSMSBackend
from tests.factories import UserFactory

PASSWORD = "Pa55word!portal"


def sms_to(phone: str) -> list[str]:
    return [message for to, message in LocmemSMSBackend.outbox if to == phone]


def code_in(message: str) -> str:
    match = re.search(r"验证码是(\d+)", message)
    assert match, message
    return match.group(1)


def logged_in_user_id(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


@pytest.mark.django_db
class TestSignupByPhone:
    def test_signup_page_asks_for_a_phone(self, client):
        page = client.get("/accounts/signup/").content.decode()
        assert 'name="phone"' in page
        assert 'name="password1"' in page

    def test_full_signup_verifies_the_phone_with_a_six_digit_code(self, client):
        response = client.post("/accounts/signup/", {"phone": "138 1234 5678", "password1": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/phone/verify/"

        user = User.objects.get()
        # Stored in E.164 whatever the spacing typed, and not yet verified.
        assert user.phone == "+8613812345678"
        assert user.phone_verified is False
        assert logged_in_user_id(client) is None

        messages = sms_to("+8613812345678")
        assert len(messages) == 1
        code = code_in(messages[0])
        assert re.fullmatch(r"\d{6}", code)
        assert messages[0].startswith("【太和区基层治理】")

        page = client.get("/accounts/phone/verify/")
        assert page.status_code == 200
        assert 'name="code"' in page.content.decode()

        wrong = "000000" if code != "000000" else "111111"
        response = client.post("/accounts/phone/verify/", {"code": wrong})
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.phone_verified is False
        assert logged_in_user_id(client) is None

        response = client.post("/accounts/phone/verify/", {"code": code})
        assert response.status_code == 302
        assert response["Location"] == "/me/"
        user.refresh_from_db()
        assert user.phone_verified is True
        assert logged_in_user_id(client) == user.pk
        assert client.get("/me/").status_code == 200

    @pytest.mark.parametrize(
        ("phone", "message"),
        [
            ("12345678901", "请输入11位中国大陆手机号"),  # does not start 13-19
            ("1381234567", "请输入11位中国大陆手机号"),  # 10 digits
            ("138123456789", "请输入11位中国大陆手机号"),  # 12 digits
            ("02012345678", "请输入11位中国大陆手机号"),  # a Guangzhou landline
            ("15412345678", "该号段不是手机号段"),  # 11 digits, not a mobile block
            ("+12025550123", "请输入11位中国大陆手机号"),  # not a Chinese number
        ],
    )
    def test_a_bad_number_is_refused_in_chinese_and_nothing_is_saved(self, client, phone, message):
        response = client.post("/accounts/signup/", {"phone": phone, "password1": PASSWORD})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not User.objects.exists()
        assert LocmemSMSBackend.outbox == []

    @pytest.mark.parametrize(
        "typed", ["13812345678", "+8613812345678", "+86 138-1234-5678", "008613812345678"]
    )
    def test_every_way_of_typing_a_number_is_stored_in_e164(self, client, typed):
        client.post("/accounts/signup/", {"phone": typed, "password1": PASSWORD})
        assert User.objects.get().phone == "+8613812345678"

    def test_signup_with_a_taken_number_creates_nothing_and_tells_the_owner_by_sms(self, client):
        owner = UserFactory(phone="+8613912345678")
        response = client.post("/accounts/signup/", {"phone": "13912345678", "password1": PASSWORD})
        # Enumeration prevention: the page looks the same as for a new number.
        assert response.status_code == 302
        assert User.objects.count() == 1
        messages = sms_to(owner.phone)
        assert len(messages) == 1
        assert "已注册" in messages[0]
        assert not re.search(r"\d{6}", messages[0])


@pytest.mark.django_db
class TestLoginByCode:
    def test_request_code_then_enter_it(self, client):
        user = UserFactory(phone="+8613712345678")
        page = client.get("/accounts/login/code/").content.decode()
        assert 'name="phone"' in page

        response = client.post("/accounts/login/code/", {"phone": "13712345678"})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/code/confirm/"
        assert logged_in_user_id(client) is None
        messages = sms_to("+8613712345678")
        assert len(messages) == 1
        code = code_in(messages[0])
        assert re.fullmatch(r"\d{6}", code)

        assert 'name="code"' in client.get("/accounts/login/code/confirm/").content.decode()
        response = client.post("/accounts/login/code/confirm/", {"code": code})
        assert response.status_code == 302
        assert logged_in_user_id(client) == user.pk

    def test_a_wrong_code_does_not_log_in(self, client):
        UserFactory(phone="+8613712345678")
        client.post("/accounts/login/code/", {"phone": "13712345678"})
        code = code_in(sms_to("+8613712345678")[0])
        wrong = str((int(code) + 1) % 1_000_000).zfill(6)
        response = client.post("/accounts/login/code/confirm/", {"code": wrong})
        assert response.status_code == 200
        assert logged_in_user_id(client) is None

    def test_three_wrong_codes_end_the_attempt(self, client):
        UserFactory(phone="+8613712345678")
        client.post("/accounts/login/code/", {"phone": "13712345678"})
        code = code_in(sms_to("+8613712345678")[0])
        wrong = str((int(code) + 1) % 1_000_000).zfill(6)
        for _ in range(3):
            client.post("/accounts/login/code/confirm/", {"code": wrong})
        # The right code no longer works: the attempt was abandoned.
        client.post("/accounts/login/code/confirm/", {"code": code})
        assert logged_in_user_id(client) is None

    def test_an_unknown_number_gets_no_code_and_no_login(self, client):
        response = client.post("/accounts/login/code/", {"phone": "13712345678"})
        # Same answer as for a known number, so numbers cannot be probed.
        assert response.status_code == 302
        messages = sms_to("+8613712345678")
        assert len(messages) == 1
        assert "尚未注册" in messages[0]
        assert not re.search(r"\d{6}", messages[0])

    def test_a_code_login_does_not_enter_an_account_whose_phone_is_unverified(self, client):
        # Whoever created that account typed the number without proving it: the owner of the
        # number must not land in it (see test_phone_claim.py). Its creator logs in by password.
        UserFactory(phone="+8613712345678", phone_verified=False)
        client.post("/accounts/login/code/", {"phone": "13712345678"})
        for text in sms_to("+8613712345678"):
            code = re.search(r"\d{6}", text)
            if code:
                client.post("/accounts/login/code/confirm/", {"code": code.group()})
        assert logged_in_user_id(client) is None


@pytest.mark.django_db
class TestPasswordLogin:
    def test_email_and_password(self, client):
        user = UserFactory(email="zhang.san@example.com")
        response = client.post("/accounts/login/", {"login": "Zhang.San@example.com", "password": PASSWORD})
        assert response.status_code == 302
        assert logged_in_user_id(client) == user.pk

    @pytest.mark.parametrize("typed", ["13612345678", "+8613612345678", "136 1234 5678"])
    def test_phone_and_password_as_people_type_it(self, client, typed):
        user = UserFactory(phone="+8613612345678")
        response = client.post("/accounts/login/", {"login": typed, "password": PASSWORD})
        assert response.status_code == 302
        assert logged_in_user_id(client) == user.pk

    def test_wrong_password_is_refused(self, client):
        UserFactory(email="zhang.san@example.com")
        response = client.post(
            "/accounts/login/", {"login": "zhang.san@example.com", "password": "nope-nope"}
        )
        assert response.status_code == 200
        assert logged_in_user_id(client) is None

    def test_password_login_with_an_unverified_phone_goes_through_verification(self, client):
        user = UserFactory(phone="+8613612345678", phone_verified=False)
        response = client.post("/accounts/login/", {"login": "13612345678", "password": PASSWORD})
        assert response["Location"] == "/accounts/phone/verify/"
        assert logged_in_user_id(client) is None
        client.post("/accounts/phone/verify/", {"code": code_in(sms_to(user.phone)[0])})
        user.refresh_from_db()
        assert user.phone_verified is True
        assert logged_in_user_id(client) == user.pk
