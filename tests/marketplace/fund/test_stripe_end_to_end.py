"""End to end with a Stripe-compatible server: localstripe on 127.0.0.1 takes the payment and sends
its signed webhook to the running test server; the portal credits the donation once and reverses it
on refund. (localstripe sends no refund events, so the test signs ``charge.refunded`` itself, from
the charge localstripe holds.)"""

import time

import pytest
import stripe

from marketplace.fund import ledger, services, stripe_gateway
from marketplace.fund.choices import DonationStatus
from marketplace.fund.models import Donation, JournalEntry, WebhookEvent

from .conftest_stripe import *  # noqa: F403 (the harness's fixtures)
from .conftest_stripe import deliver_http, event, wait_for

AMOUNT = 20_000  # 200 yuan

DECLINED_CARD = "4000000000000341"


def status_of(donation) -> str:
    return Donation.objects.values_list("status", flat=True).get(pk=donation.pk)


def events_for(intent_id):
    return [e for e in WebhookEvent.objects.all() if e.payload["data"]["object"].get("id") == intent_id]


@pytest.fixture
def donation(stripe_fund):
    return services.donation_start(
        actor=None,
        fund=stripe_fund,
        amount_fen=AMOUNT,
        donor_name="李四",
        anonymous=False,
        contact="lisi@example.com",
    )


def test_a_card_donation_is_credited_once_by_the_webhook_and_reversed_by_a_refund(
    stripe_live, live_server, stripe_fund, donation, world
):
    # The donation page: a PaymentIntent for the donation; the browser confirms it with a test card.
    intent_id, client_secret = stripe_gateway.create_payment_intent(donation)
    assert client_secret
    assert status_of(donation) == DonationStatus.PENDING
    intent = stripe_live.pay(intent_id)
    assert intent.status == "succeeded"

    # localstripe posts the signed payment_intent.succeeded to our endpoint a moment later.
    assert wait_for(lambda: status_of(donation) == DonationStatus.SUCCEEDED), "no webhook arrived"
    time.sleep(1.5)  # room for any second delivery to arrive (there must be none with effects)
    donation.refresh_from_db()
    assert donation.credited_at is not None and donation.receipt_number
    assert JournalEntry.objects.filter(donation=donation).count() == 1
    assert ledger.pot_balance(stripe_fund) == AMOUNT == ledger.cash_balance(stripe_fund)
    [received] = events_for(intent_id)
    assert received.type == "payment_intent.succeeded" and received.processed_at is not None

    # A district admin gives 50 yuan back: Stripe refunds, the ledger waits for the event.
    services.donation_refund_request(actor=world.district_admin, donation=donation, amount_fen=5_000)
    api = stripe_live.client().v1
    assert [r.amount for r in api.refunds.list(params={"payment_intent": intent_id}).auto_paging_iter()] == [
        5_000
    ]
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED and donation.refunded_fen == 0
    assert ledger.pot_balance(stripe_fund) == AMOUNT

    # localstripe sends no refund events: sign Stripe's charge.refunded from its own charge.
    def refunded_event():
        charge_id = api.payment_intents.retrieve(intent_id).to_dict()["latest_charge"]
        charge_id = charge_id["id"] if isinstance(charge_id, dict) else charge_id
        return event("charge.refunded", api.charges.retrieve(charge_id).to_dict())

    partial = refunded_event()
    assert partial["data"]["object"]["amount_refunded"] == 5_000
    assert deliver_http(live_server.url, partial) == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PARTIALLY_REFUNDED and donation.refunded_fen == 5_000
    assert ledger.pot_balance(stripe_fund) == AMOUNT - 5_000

    # The rest, then Stripe's retry of the first refund event: nothing more moves.
    services.donation_refund_request(actor=world.district_admin, donation=donation, amount_fen=AMOUNT - 5_000)
    assert deliver_http(live_server.url, refunded_event()) == 200
    assert deliver_http(live_server.url, partial) == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED and donation.refunded_fen == AMOUNT
    assert ledger.pot_balance(stripe_fund) == 0 == ledger.cash_balance(stripe_fund)
    assert JournalEntry.objects.filter(donation=donation).count() == 3


def test_a_declined_card_fails_the_donation_and_credits_nothing(stripe_live, stripe_fund, donation):
    intent_id, _secret = stripe_gateway.create_payment_intent(donation)

    with pytest.raises(stripe.CardError):
        stripe_live.pay(intent_id, card=DECLINED_CARD)

    # Wait for the whole delivery, not only the status: on SQLite the live server shares the test's
    # connection, so a read may land inside the webhook's transaction.
    assert wait_for(
        lambda: (
            status_of(donation) == DonationStatus.FAILED
            and [event.processed_at is not None for event in events_for(intent_id)] == [True]
        )
    ), "no failure webhook arrived"
    donation.refresh_from_db()
    assert donation.credited_at is None and donation.receipt_number is None
    assert not JournalEntry.objects.exists()
    assert ledger.pot_balance(stripe_fund) == 0
    [received] = events_for(intent_id)
    assert received.type == "payment_intent.payment_failed" and received.processed_at is not None
