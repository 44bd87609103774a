"""Journey 5, on a phone: a donor finds the fund and opens its donation page. Without a payment
provider configured the page says online donation is not offered; with one configured the
donor chooses an amount and fills in the receipt details. The payment step itself (Stripe's
Payment Element, the webhook, the ledger) is the fund's own tests' (tests/marketplace/fund):
here the provider is configured but unreachable, so the journey ends at a clear message and
nothing is credited."""

import pytest
from playwright.sync_api import expect

from marketplace.fund.models import Donation, Posting
from tests.factories import FundFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def fund():
    return FundFactory(name="太和区基层治理专项基金", code="taihe-jiceng", host_name="太和区慈善总会")


@pytest.fixture
def no_provider(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    return settings


def provider_configured_but_unreachable(settings):
    """Keys set, the API pointed at the discard port of this machine: nothing answers there,
    and nothing leaves the machine."""
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_unreachable"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0


def test_a_donor_opens_the_donation_page_and_fills_it_in(page, screenshot, fund, no_provider):
    donor = page("phone")
    donor.goto("/")
    donor.get_by_role("navigation", name="主导航").get_by_role("link", name="专项基金").click()
    donor.get_by_role("link", name="太和区基层治理专项基金").first.click()
    donor.get_by_role("link", name="我要捐赠").click()
    expect(donor.get_by_role("heading", name="捐赠太和区基层治理专项基金")).to_be_visible()
    expect(donor.get_by_text("暂不支持在线捐赠")).to_be_visible()
    expect(donor.get_by_role("button", name="下一步:支付")).to_have_count(0)
    screenshot(donor, "donation-without-provider")

    provider_configured_but_unreachable(no_provider)
    donor.reload()
    expect(donor.get_by_text("暂不支持在线捐赠")).to_have_count(0)
    donor.get_by_label("捐赠方向").select_option(label="基金统筹使用")
    donor.get_by_label("200 元").check()
    donor.get_by_label("捐赠人姓名或单位名称").fill("张三丰")
    donor.get_by_label("收据联系方式").fill("13800138000")
    donor.get_by_role("button", name="下一步:支付").click()
    expect(donor.get_by_text("暂时无法连接支付服务,请稍后重试。")).to_be_visible()
    # What the donor typed is still there to try again.
    expect(donor.get_by_label("200 元")).to_be_checked()
    expect(donor.get_by_label("捐赠人姓名或单位名称")).to_have_value("张三丰")
    screenshot(donor, "donation")

    # The donation waits for a payment that never started; the fund's books are untouched.
    donation = Donation.objects.get(fund=fund)
    assert donation.status == "pending" and donation.amount_fen == 20_000
    assert donation.donor_name == "张三丰" and donation.channel == "online"
    assert donation.provider_payment_id is None and donation.credited_at is None
    assert not Posting.objects.exists()
