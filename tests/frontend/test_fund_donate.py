"""The donation pages: the form (validation by the service, Chinese errors, nothing created on bad
input), the page without a Stripe key, the payment page with Stripe's Payment Element and its
Content-Security-Policy (exactly Stripe's origins, on these pages only), and the return page."""

import pytest

from marketplace.fund import services
from marketplace.fund.models import Donation
from tests.frontend import pagecheck
from tests.marketplace.fund.conftest import fw  # noqa: F401  (fixture)
from tests.marketplace.fund.conftest_stripe import (  # noqa: F401  (fixtures)
    PUBLISHABLE_KEY,
    localstripe_server,
    stripe_settings,
)

STRIPE_SOURCES = {
    "script-src": {"https://js.stripe.com"},
    "frame-src": {"https://js.stripe.com", "https://hooks.stripe.com"},
    "connect-src": {"https://api.stripe.com"},
}


@pytest.fixture
def unreachable_stripe(settings):
    """Keys configured, but the provider cannot be reached (nothing listens on the discard port):
    enough for every test that must stop before the provider is called."""
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_unreachable"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return settings


def post(client, fund, **data):
    values = {"subfund": "", "preset": "100", "amount": "", "donor_name": "张三丰", "contact": "13800138000"}
    values.update(data)
    values = {k: v for k, v in values.items() if v is not None}
    return client.post(f"/fund/{fund.code}/donate/", values)


def errors_of(response) -> dict:
    form = response.context["form"]
    return {name: [str(e) for e in errs] for name, errs in form.errors.items()}


# --- without a Stripe key -------------------------------------------------------------------
def test_without_a_stripe_key_online_donation_is_not_offered(client, fw, settings):  # noqa: F811
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    response = client.get(f"/fund/{fw.fund.code}/donate/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="donation-unavailable"' in html and "暂不支持在线捐赠" in html
    assert '<form method="post" class="panel form"' not in html
    response = post(client, fw.fund)
    assert response.status_code == 200 and "暂不支持在线捐赠" in response.content.decode()
    assert not Donation.objects.exists()
    # The payment page sends the visitor back to the form.
    assert client.get(f"/fund/{fw.fund.code}/donate/pay/").status_code == 302


def test_an_inactive_fund_takes_no_donations(client, fw, unreachable_stripe):  # noqa: F811
    fw.fund.active = False
    fw.fund.save()
    response = post(client, fw.fund)
    assert "该基金目前暂停接受捐赠" in response.content.decode()
    assert not Donation.objects.exists()


# --- the form -------------------------------------------------------------------------------
def test_the_form_offers_presets_and_the_active_subfunds(client, fw, unreachable_stripe):  # noqa: F811
    fw.street_pot.active = False
    fw.street_pot.save()
    response = client.get(f"/fund/{fw.fund.code}/donate/?sub={fw.theme_pot.code}")
    assert response.status_code == 200
    html = response.content.decode()
    for preset in ("20 元", "50 元", "100 元", "200 元", "500 元"):
        assert preset in html
    options = {e.attrs.get("value"): e for e in pagecheck.parse(html).find("option")}
    assert fw.theme_pot.code in options and "selected" in options[fw.theme_pot.code].attrs
    assert fw.street_pot.code not in options  # not taking donations
    assert pagecheck.csp_problems(response) == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"preset": "", "amount": ""}, "amount", "请选择或填写捐赠金额"),
        ({"amount": "0.5"}, "amount", "金额不能低于 ¥1.00"),
        ({"amount": "-20"}, "amount", "金额不能低于 ¥1.00"),
        ({"amount": "10.001"}, "amount", "金额最小单位为分"),
        ({"amount": "十元"}, "amount", "金额格式不正确"),
        ({"amount": "1e400"}, "amount", "金额"),
        ({"donor_name": ""}, "donor_name", "请填写捐赠人姓名或名称"),
        ({"preset": "7"}, "preset", ""),
        ({"subfund": "no-such-pot"}, "subfund", ""),
        ({"contact": "x" * 201}, "contact", ""),
    ],
)
def test_bad_input_gets_a_chinese_error_and_creates_nothing(
    client,
    fw,  # noqa: F811
    unreachable_stripe,
    data,
    field,
    message,
):
    response = post(client, fw.fund, **data)
    assert response.status_code == 200
    errors = errors_of(response)
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(errors[field]))
    assert not Donation.objects.exists()


def test_an_anonymous_donor_needs_no_name_and_a_typed_amount_wins(client, fw, unreachable_stripe):  # noqa: F811
    # Valid input reaches the provider, which cannot be reached here: a Chinese error, no 500.
    response = post(client, fw.fund, donor_name="", anonymous="on", preset="50", amount="88.80")
    assert response.status_code == 200
    assert "暂时无法连接支付服务" in response.content.decode()
    donation = Donation.objects.get()
    assert (donation.amount_fen, donation.anonymous, donation.donor_name) == (8_880, True, "")
    assert donation.status == "pending" and donation.provider_payment_id is None
    assert donation.credited_at is None


# --- with the provider (localstripe) --------------------------------------------------------
def test_a_donation_goes_to_the_payment_element_and_waits_for_the_webhook(
    client,
    fw,  # noqa: F811
    stripe_settings,  # noqa: F811
    django_user_model,
):
    user = django_user_model.objects.create_user(username="donor", password="x", display_name="孙捐赠")
    client.force_login(user)
    response = post(client, fw.fund, subfund=fw.theme_pot.code, amount="66", contact="donor@example.com")
    assert response.status_code == 302 and response["Location"] == f"/fund/{fw.fund.code}/donate/pay/"
    donation = Donation.objects.get()
    assert (donation.amount_fen, donation.subfund, donation.donor_user, donation.status) == (
        6_600,
        fw.theme_pot,
        user,
        "pending",
    )
    intent = stripe_settings.client().v1.payment_intents.retrieve(donation.provider_payment_id)
    assert (intent.amount, intent.currency) == (6_600, "cny")
    assert intent.metadata.to_dict() == {"donation_id": str(donation.pk)}

    response = client.get(response["Location"])
    assert response.status_code == 200
    page = pagecheck.parse(response.content.decode())
    form = next(e for e in page.elements if e.attrs.get("id") == "payment-form")
    assert form.attrs["data-client-secret"] == intent.client_secret
    assert form.attrs["data-publishable-key"] == PUBLISHABLE_KEY
    assert form.attrs["data-return-url"] == f"http://testserver/fund/{fw.fund.code}/donate/return/"
    scripts = [e.attrs.get("src") for e in page.find("script")]
    assert "https://js.stripe.com/v3/" in scripts and "/static/portal/fund-donate.js" in scripts
    assert not pagecheck.executable_inline_scripts(response.content.decode())
    # Every script carries the page's nonce; Stripe's origins are allowed besides (Stripe.js loads
    # its own frames and scripts from there).
    assert pagecheck.csp_problems(response) == []
    assert_stripe_policy(client, response, fw)

    # Back from Stripe: the page says the payment is being confirmed; nothing is credited by it.
    response = client.get(
        f"/fund/{fw.fund.code}/donate/return/?payment_intent={intent.id}&redirect_status=succeeded"
    )
    assert "支付结果确认中" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    donation.refresh_from_db()
    assert donation.status == "pending"
    # The webhook's credit: now the return page shows the receipt.
    services.donation_credit_from_provider(provider_payment_id=intent.id, amount_fen=6_600, currency="cny")
    donation.refresh_from_db()
    html = client.get(f"/fund/{fw.fund.code}/donate/return/").content.decode()
    assert "已到账" in html and donation.receipt_number in html
    assert f"/fund/receipts/{donation.receipt_number}.pdf" in html
    # A credited donation's payment page leads to the result, not to a second payment.
    assert client.get(f"/fund/{fw.fund.code}/donate/pay/")["Location"].endswith("/donate/return/")


def assert_stripe_policy(client, response, fw):  # noqa: F811
    """The payment page's policy is the portal's plus exactly Stripe's origins."""
    strict = pagecheck.policy(client.get(f"/fund/{fw.fund.code}/"))
    relaxed = pagecheck.policy(response)
    assert set(relaxed) == set(strict) | {"frame-src"}
    for directive, sources in relaxed.items():
        before = {s for s in strict.get(directive, strict["default-src"]) if not s.startswith("'nonce-")}
        after = {s for s in sources if not s.startswith("'nonce-")}
        assert after - before == STRIPE_SOURCES.get(directive, set()), directive
        assert before <= after, directive


def test_the_donation_form_page_has_the_same_stripe_policy(client, fw, unreachable_stripe):  # noqa: F811
    response = client.get(f"/fund/{fw.fund.code}/donate/")
    assert_stripe_policy(client, response, fw)
    # ...and no other fund page has it.
    for url in ("/fund/", f"/fund/{fw.fund.code}/", f"/fund/{fw.fund.code}/donate/return/"):
        assert "stripe" not in client.get(url).headers["Content-Security-Policy"], url
