"""``manage.py fund_reconcile`` against a real Stripe-compatible server (localstripe): a payment
the webhook never credited, an event never delivered, a refund the ledger has not seen, a stored
event never processed, a credit without a payment, a ledger entry that does not match its
donation. Every difference is printed, nothing is changed, and the exit code says whether the
books agree."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketplace.fund import ledger, services, stripe_gateway
from marketplace.fund.choices import DonationStatus, EntryKind
from marketplace.fund.models import WebhookEvent

from .conftest import snapshot
from .conftest_stripe import (  # noqa: F401  (fixtures)
    _SERVER,
    LocalStripe,
    _free_port,
    charge,
    deliver,
    event,
    online_donation,
    stripe_fund,
    stripe_settings,
    wait_for,
)


@pytest.fixture
def localstripe_server():
    """A localstripe of this test's own: reconciliation reads everything the provider holds, so
    payments made by other tests (whose donations are gone with their database) must not be
    there. Overrides the harness's session-wide server for this module."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(base + "/js.stripe.com/v3/", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield LocalStripe(base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("fund_reconcile", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def paid_at_provider(ls: LocalStripe, fund, amount_fen: int):
    """A donation whose PaymentIntent the donor paid; the webhook has not reached us (no webhook
    is registered on this localstripe)."""
    donation = online_donation(fund, amount_fen)
    pi, _secret = stripe_gateway.create_payment_intent(donation)
    ls.pay(pi)
    assert wait_for(lambda: ls.client().v1.payment_intents.retrieve(pi).status == "succeeded")
    donation.refresh_from_db()
    return donation, pi


def provider_event(ls: LocalStripe, pi: str) -> dict:
    """The provider's own ``payment_intent.succeeded`` for ``pi``, as Stripe would redeliver it."""
    found = wait_for(
        lambda: [
            e.to_dict()
            for e in ls.client().v1.events.list(params={"type": "payment_intent.succeeded"}).data
            if e.data.object.id == pi
        ]
    )
    assert found
    return found[0]


def test_every_difference_is_printed_and_nothing_is_fixed(client, stripe_settings, stripe_fund):  # noqa: F811
    ls = stripe_settings
    assert run() == (0, "核对全部基金:与支付平台一致,未发现差异。\n")

    # Paid at the provider; the event never arrived.
    donation, pi = paid_at_provider(ls, stripe_fund, 10_000)
    before = snapshot()
    code, out = run()
    assert code == 1
    assert f"[付款未入账] 捐赠 #{donation.pk}" in out and "支付平台显示支付成功,本系统状态为「待支付」" in out
    assert "[事件未送达]" in out and pi in out
    assert "发现 2 处差异(未做任何修改)" in out
    assert snapshot() == before

    # Stripe redelivers its event: the donation is credited, and the books agree.
    assert deliver(client, provider_event(ls, pi)).status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert run()[0] == 0

    # A refund made at the provider whose event has not come (localstripe sends none).
    stripe_gateway.refund(donation, 4_000)
    code, out = run("--fund", stripe_fund.code)
    assert code == 1
    assert "[退款不符]" in out and "支付平台已退款 ¥40.00,本系统记录已退款 ¥0.00" in out
    assert deliver(client, event("charge.refunded", charge(pi, 10_000, 4_000))).status_code == 200
    donation.refresh_from_db()
    assert (donation.status, donation.refunded_fen) == (DonationStatus.PARTIALLY_REFUNDED, 4_000)
    assert run("--fund", stripe_fund.code) == (
        0,
        f"核对基金 {stripe_fund.code}:与支付平台一致,未发现差异。\n",
    )


def test_credits_without_payment_stuck_events_and_ledger_mismatches(stripe_settings, stripe_fund):  # noqa: F811
    # Credited here, but the donor never paid: the intent still waits for a payment method.
    unpaid = online_donation(stripe_fund, 5_000)
    pi, _secret = stripe_gateway.create_payment_intent(unpaid)
    services.donation_credit_from_provider(provider_payment_id=pi, amount_fen=5_000, currency="cny")
    # A credited donation whose intent the provider does not know at all.
    ghost = online_donation(stripe_fund, 2_000, payment_id="pi_not_at_provider")
    services.donation_credit_from_provider(
        provider_payment_id="pi_not_at_provider", amount_fen=2_000, currency="cny"
    )
    # A stored event whose handler failed.
    WebhookEvent.objects.create(
        provider_event_id="evt_stuck",
        type="payment_intent.succeeded",
        payload={"data": {"object": {"id": pi, "object": "payment_intent"}}},
        attempts=3,
        last_error="ValidationFailed: 支付金额或币种与捐赠不符",
    )
    # An entry booked against a donation that does not match it.
    ledger.book(
        fund=stripe_fund,
        key=f"manual:{ghost.pk}",
        kind=EntryKind.DONATION,
        lines=[(ledger.cash_account(stripe_fund), 100), (ledger.pot_account(stripe_fund), -100)],
        donation=ghost,
    )
    before = snapshot()
    code, out = run()
    assert code == 1
    assert f"[入账无付款] 捐赠 #{unpaid.pk}" in out and "requires_payment_method" in out
    assert f"[入账无付款] 捐赠 #{ghost.pk}" in out and "找不到支付单 pi_not_at_provider" in out
    assert "[事件未处理] 已收到的支付事件 evt_stuck" in out and "已尝试 3 次" in out
    assert f"[账本不符] 捐赠 #{ghost.pk}" in out and "净入账 ¥21.00,应为 ¥20.00" in out
    assert "发现 4 处差异" in out
    assert snapshot() == before


def test_other_funds_are_left_out_and_errors_exit_2(stripe_settings, stripe_fund, world, settings):  # noqa: F811
    from tests.factories.organizations import make_uscc

    other = services.fund_create(
        actor=world.district_admin,
        district=world.district,
        code="other-fund",
        name="另一基金",
        host_name="区慈善总会",
        host_credit_code=make_uscc(31),
        purpose="用途",
    )
    paid_at_provider(stripe_settings, stripe_fund, 3_000)
    assert run()[0] == 1
    assert run("--fund", other.code)[0] == 0
    assert run("--fund", "no-such-fund") == (2, "没有代码为 no-such-fund 的基金。")
    settings.STRIPE_SECRET_KEY = ""
    code, out = run()
    assert code == 2 and "无法完成核对" in out and "未配置支付服务" in out
