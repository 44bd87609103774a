"""Every public and account page renders in the portal's look, in Chinese by default and in
English after the language switch, and nothing in it would be blocked by the strict
Content-Security-Policy (no inline styles, no event handlers, no script without the nonce)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.test import RequestFactory
from django.utils import translation

from marketplace.accounts.views import lockout
from marketplace.core.models import Notification
from tests.frontend.conftest import PASSWORD, reauthenticate, switch_language
from tests.frontend.pagecheck import csp_problems, parse, policy

# What tells the two languages apart on every page: the html lang and the skip link.
MARKS = {
    "zh-hans": ('<html lang="zh-hans">', "跳到正文", "Skip to main content"),
    "en": ('<html lang="en">', "Skip to main content", "跳到正文"),
}


@pytest.fixture(params=["zh-hans", "en"])
def language(request, client):
    if request.param == "en":
        switch_language(client, "en")
    return request.param


def assert_portal_page(response, language, text, *, status=200):
    assert response.status_code == status, response.content.decode()[:500]
    html = response.content.decode()
    lang_attr, present, absent = MARKS[language]
    assert lang_attr in html
    assert present in html
    assert absent not in html
    assert text in html, f"{text!r} not on the page"
    assert csp_problems(response) == []
    # Every page is in the portal's frame: its stylesheet, header and footer.
    assert "/static/portal/portal.css" in html
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    return html


# --- Public pages -------------------------------------------------------------------------

PUBLIC_PAGES = [
    ("/", "街道与社区", "Streets and communities"),
    ("/accounts/login/", "请输入手机号或电子邮箱", "Email or phone"),
    ("/accounts/signup/", "电子邮箱(选填)", "Email (optional)"),
    ("/accounts/login/code/", "获取验证码", "Request Code"),
    ("/accounts/password/reset/", "发送重置邮件", "Reset My Password"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "zh", "en"), PUBLIC_PAGES)
def test_public_page(client, language, path, zh, en, world):
    response = client.get(path)
    assert_portal_page(response, language, zh if language == "zh-hans" else en)


@pytest.mark.django_db
def test_home_page_lists_the_streets_with_their_community_counts(client, world):
    html = assert_portal_page(client.get("/"), "zh-hans", "甲街道")
    assert "乙街道" in html
    # Street A has two communities, street B one.
    assert "<strong>2</strong> 个社区" in html
    assert "<strong>1</strong> 个社区" in html


@pytest.mark.django_db
def test_home_page_in_english_counts_communities_in_english(client, world):
    switch_language(client, "en")
    html = assert_portal_page(client.get("/"), "en", "Streets and communities")
    assert "<strong>2</strong> communities" in html
    assert "<strong>1</strong> community" in html
    # The editable hero is Chinese copy; English visitors get the translated tagline.
    assert "Party-led, governed and shared together" in html


@pytest.mark.django_db
def test_language_switch_keeps_the_visitor_on_the_same_page(client):
    response = switch_language(client, "en", next_url="/accounts/login/")
    assert response["Location"] == "/accounts/login/"
    assert_portal_page(client.get("/accounts/login/"), "en", "Sign In")
    switch_language(client, "zh-hans", next_url="/accounts/login/")
    assert_portal_page(client.get("/accounts/login/"), "zh-hans", "手机号或电子邮箱")


@pytest.mark.django_db
def test_login_form_labels_every_field(client):
    """Labels stay visible (allauth's own templates show placeholders only)."""
    page = parse(client.get("/accounts/login/").content.decode())
    labelled = {label.attrs["for"] for label in page.find("label") if "for" in label.attrs}
    inputs = [i for i in page.find("input") if i.attrs.get("type") not in ("hidden", "submit")]
    assert inputs
    for field in inputs:
        assert field.attrs["id"] in labelled, field.attrs


# --- Pages of a signed-in resident --------------------------------------------------------

ACCOUNT_PAGES = [
    ("/me/", "您好,张三", "Hello, 张三"),
    ("/me/notifications/", "欢迎使用本平台", "Mark all as read"),
    ("/me/notification-preferences/", "各类消息的提醒方式", "How you are told about each kind of message"),
    ("/accounts/email/", "以下电子邮箱已关联到您的账户", "The following email addresses are associated"),
    ("/accounts/phone/change/", "当前手机号", "Current phone"),
    ("/accounts/password/change/", "修改密码", "Change Password"),
    ("/accounts/2fa/", "两步验证", "Two-Factor Authentication"),
    ("/accounts/logout/", "确定要退出登录吗", "Are you sure you want to sign out?"),
    ("/accounts/reauthenticate/", "确认身份", "Confirm Access"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "zh", "en"), ACCOUNT_PAGES)
def test_account_page(client, language, resident, path, zh, en):
    EmailAddress.objects.create(user=resident, email=resident.email, verified=True, primary=True)
    Notification.objects.create(
        recipient=resident, kind="system", title="欢迎使用本平台", body="请开启两步验证。"
    )
    client.force_login(resident)
    response = client.get(path)
    assert_portal_page(response, language, zh if language == "zh-hans" else en)


@pytest.mark.django_db
def test_my_portal_shows_the_phone_masked(resident_client):
    html = resident_client.get("/me/").content.decode()
    assert "138****0002" in html
    assert "13800000002" not in html


@pytest.mark.django_db
def test_unread_badge_counts_unread_messages(resident_client, resident):
    for n in range(3):
        Notification.objects.create(recipient=resident, kind="system", title=f"消息{n}")
    html = resident_client.get("/me/notifications/").content.decode()
    assert '<span class="badge"><span aria-hidden="true">3</span>' in html
    assert "3 条未读" in html


# --- Steps of the sign-up, code and two-factor flows --------------------------------------


@pytest.mark.django_db
def test_phone_verification_code_page(client, language):
    response = client.post("/accounts/signup/", {"phone": "13812345678", "password1": PASSWORD})
    assert response["Location"] == "/accounts/phone/verify/"
    html = assert_portal_page(
        client.get("/accounts/phone/verify/"),
        language,
        "输入手机验证码" if language == "zh-hans" else "Enter Phone Verification Code",
    )
    assert 'autocomplete="one-time-code"' in html


@pytest.mark.django_db
def test_login_by_code_pages(client, language, resident):
    response = client.post("/accounts/login/code/", {"phone": "13800000002"})
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert_portal_page(
        client.get("/accounts/login/code/confirm/"),
        language,
        "输入登录验证码" if language == "zh-hans" else "Enter Sign-In Code",
    )


@pytest.mark.django_db
def test_totp_activation_page_shows_the_qr_code(resident_client, language):
    reauthenticate(resident_client)
    response = resident_client.get("/accounts/2fa/totp/activate/")
    html = assert_portal_page(
        response, language, "激活身份验证器应用" if language == "zh-hans" else "Activate Authenticator App"
    )
    qr = [img for img in parse(html).find("img") if "qr" in img.attrs.get("class", "")]
    assert len(qr) == 1
    assert qr[0].attrs["src"].startswith("data:image/svg+xml")
    assert qr[0].attrs["alt"]
    # The QR code is a data: URI, which the policy must let through.
    assert "data:" in policy(response)["img-src"]


@pytest.mark.django_db
def test_two_factor_authentication_page(client, language, mfa_user):
    response = client.post("/accounts/login/", {"login": "13800000003", "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert_portal_page(
        client.get("/accounts/2fa/authenticate/"),
        language,
        "请输入身份验证器应用显示的 6 位验证码"
        if language == "zh-hans"
        else "Please enter an authenticator code",
    )


@pytest.mark.django_db
def test_recovery_codes_page(client, language, mfa_user):
    client.force_login(mfa_user[0])
    reauthenticate(client)
    html = assert_portal_page(
        client.get("/accounts/2fa/recovery-codes/"),
        language,
        "未使用的恢复码" if language == "zh-hans" else "Unused codes",
    )
    # allauth's page scripts are kept, each with the nonce (checked by assert_portal_page).
    assert parse(html).find("script")


# --- Lockout ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lockout_page(rf: RequestFactory):
    request = rf.get("/accounts/login/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    # Called directly, the view runs without LocaleMiddleware: set the default language.
    with translation.override("zh-hans"):
        response = lockout(request)
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已被暂时锁定" in html
    assert 'href="/accounts/login/code/"' in html
    assert csp_problems(response) == []
