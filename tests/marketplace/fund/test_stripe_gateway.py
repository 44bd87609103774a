"""The Stripe gateway against localstripe: what is sent, with which keys, and how errors come back."""

import json
from urllib.parse import parse_qs

import pytest
from stripe._http_client import HTTPClient

from marketplace.core.exceptions import DomainError
from marketplace.fund import stripe_gateway
from marketplace.fund.choices import DonationStatus
from marketplace.fund.models import JournalEntry
from marketplace.fund.stripe_gateway import PaymentProviderError

from .conftest_stripe import *  # noqa: F403 (the harness's fixtures)
from .conftest_stripe import online_donation

pytestmark = pytest.mark.usefixtures("stripe_settings")


@pytest.fixture
def sent(monkeypatch):
    """Every request the Stripe library sends: (method, url, headers, form data)."""
    calls = []
    real = HTTPClient.request_with_retries

    def recording(self, method, url, headers, post_data=None, *args, **kwargs):
        calls.append((method, url, dict(headers), parse_qs(post_data or "")))
        return real(self, method, url, headers, post_data, *args, **kwargs)

    monkeypatch.setattr(HTTPClient, "request_with_retries", recording)
    return calls


def test_a_payment_intent_is_created_in_cny_with_only_our_id_as_metadata(
    stripe_fund, localstripe_server, sent
):
    donation = online_donation(stripe_fund, 12_345)

    intent_id, client_secret = stripe_gateway.create_payment_intent(donation)

    donation.refresh_from_db()
    assert donation.provider_payment_id == intent_id and intent_id.startswith("pi_")
    assert client_secret.startswith(intent_id + "_secret_")
    intent = localstripe_server.client().v1.payment_intents.retrieve(intent_id)
    assert intent.amount == 12_345 and intent.currency == "cny"
    assert intent.to_dict()["metadata"] == {"donation_id": str(donation.pk)}
    everything_sent = json.dumps(intent.to_dict(), ensure_ascii=False) + repr(sent)
    for personal in ("张三", "13800138000"):
        assert personal not in everything_sent
    (method, url, headers, form) = sent[0]
    assert method == "post" and url.endswith("/v1/payment_intents")
    assert headers["Idempotency-Key"] == f"donation-{donation.pk}-intent"
    assert form["payment_method_types[0]"] == ["card"] and "payment_method_types[1]" not in form
    # Nothing the donation is not yet: no status change, no money.
    assert donation.status == DonationStatus.PENDING
    assert not JournalEntry.objects.exists()


def test_asking_again_returns_the_same_intent(stripe_fund, localstripe_server, sent):
    donation = online_donation(stripe_fund, 5_000)
    first = stripe_gateway.create_payment_intent(donation)
    donation.refresh_from_db()
    second = stripe_gateway.create_payment_intent(donation)
    assert first == second
    assert [c[0] for c in sent] == ["post", "get"]
    listed = [pi.id for pi in stripe_gateway.list_payment_intents()]
    assert listed.count(first[0]) == 1


def test_alipay_and_wechat_pay_are_offered_when_the_account_has_them(stripe_fund, settings, sent):
    settings.STRIPE_CHINA_WALLETS = True
    donation = online_donation(stripe_fund, 5_000)
    stripe_gateway.create_payment_intent(donation)
    form = sent[0][3]
    methods = [form[f"payment_method_types[{i}]"][0] for i in range(3)]
    assert methods == ["card", "alipay", "wechat_pay"]
    assert form["payment_method_options[wechat_pay][client]"] == ["web"]


def test_a_refund_is_asked_with_a_key_from_our_ids_and_books_nothing_yet(
    stripe_fund, localstripe_server, sent
):
    donation = online_donation(stripe_fund, 8_000)
    intent_id, _secret = stripe_gateway.create_payment_intent(donation)
    localstripe_server.pay(intent_id)
    donation.refresh_from_db()

    refund_id = stripe_gateway.refund(donation, 3_000)

    refunds = list(stripe_gateway.list_refunds(payment_intent_id=intent_id))
    assert [(r.id, r.amount) for r in refunds] == [(refund_id, 3_000)]
    assert refunds[0].to_dict()["metadata"] == {"donation_id": str(donation.pk)}
    post = [c for c in sent if c[1].endswith("/v1/refunds") and c[0] == "post"][0]
    assert post[2]["Idempotency-Key"] == f"donation-{donation.pk}-refund-0-3000"
    donation.refresh_from_db()
    assert donation.refunded_fen == 0  # the ledger waits for the provider's event
    assert not JournalEntry.objects.filter(donation=donation).exists()


def test_events_can_be_listed_for_reconciliation(stripe_fund, localstripe_server):
    donation = online_donation(stripe_fund, 2_000)
    intent_id, _secret = stripe_gateway.create_payment_intent(donation)
    localstripe_server.pay(intent_id)
    succeeded = list(stripe_gateway.list_events(type="payment_intent.succeeded"))
    assert intent_id in [e.data.object.id for e in succeeded]
    assert all(e.type == "payment_intent.succeeded" for e in succeeded)
    assert stripe_gateway.retrieve_payment_intent(intent_id).status == "succeeded"


def test_a_refund_without_a_payment_is_refused_in_chinese(stripe_fund):
    donation = online_donation(stripe_fund, 2_000)
    with pytest.raises(DomainError) as exc:
        stripe_gateway.refund(donation, 2_000)
    assert "没有在线支付记录" in str(exc.value.message)


def test_stripe_refusals_become_chinese_domain_errors(stripe_fund):
    donation = online_donation(stripe_fund, 2_000)
    intent_id, _secret = stripe_gateway.create_payment_intent(donation)
    donation.refresh_from_db()
    # Not paid yet: Stripe (localstripe) refuses to refund it.
    with pytest.raises(PaymentProviderError) as exc:
        stripe_gateway.refund(donation, 2_000)
    assert exc.value.code == "provider_refused"
    assert "支付服务拒绝" in str(exc.value.message)
    assert 400 <= exc.value.status_code < 500
    assert intent_id not in str(exc.value.message)


def test_an_unreachable_provider_is_a_chinese_error(stripe_fund, settings):
    from tests.marketplace.fund.conftest_stripe import _free_port

    settings.STRIPE_API_BASE = f"http://127.0.0.1:{_free_port()}"
    donation = online_donation(stripe_fund, 2_000)
    with pytest.raises(PaymentProviderError) as exc:
        stripe_gateway.create_payment_intent(donation)
    assert exc.value.code == "provider_unreachable"
    assert "暂时无法连接支付服务" in str(exc.value.message)
    donation.refresh_from_db()
    assert donation.provider_payment_id is None


def test_without_a_secret_key_online_payment_is_off(stripe_fund, settings):
    settings.STRIPE_SECRET_KEY = ""
    donation = online_donation(stripe_fund, 2_000)
    with pytest.raises(PaymentProviderError) as exc:
        stripe_gateway.create_payment_intent(donation)
    assert exc.value.code == "provider_not_configured"
    assert "未配置" in str(exc.value.message)
