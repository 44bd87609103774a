"""The Stripe webhook: signatures, storage by event id, exactly-once credit, order, retries."""

import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from marketplace.fund import ledger, services
from marketplace.fund.choices import DonationStatus
from marketplace.fund.models import Donation, JournalEntry, Posting, WebhookEvent

from .conftest_stripe import *  # noqa: F403 (the harness's fixtures)
from .conftest_stripe import (
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    body_of,
    charge,
    deliver,
    event,
    online_donation,
    payment_intent,
    signature_header,
)

AMOUNT = 10_000

pytestmark = pytest.mark.usefixtures("webhook_secret")


def entries_of(donation):
    return JournalEntry.objects.filter(donation=donation)


def assert_books_balanced(fund):
    for entry in JournalEntry.objects.filter(fund=fund):
        assert entry.postings.aggregate(s=Sum("amount_fen"))["s"] == 0, entry.key
    assert Posting.objects.filter(entry__fund=fund).aggregate(s=Sum("amount_fen"))["s"] in (0, None)
    assert ledger.cash_balance(fund) == ledger.pot_balance(fund)


def nothing_written(donation):
    donation.refresh_from_db()
    assert WebhookEvent.objects.count() == 0
    assert donation.status == DonationStatus.PENDING
    assert donation.credited_at is None and donation.receipt_number is None
    assert not JournalEntry.objects.exists()


# --- Signature ---------------------------------------------------------------------------------


def test_a_signed_success_credits_the_donation(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_ok")
    evt = event("payment_intent.succeeded", payment_intent("pi_ok", AMOUNT))

    response = deliver(client, evt)

    assert response.status_code == 200
    assert response.json() == {"status": "processed"}
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert donation.credited_at is not None and donation.receipt_number
    assert entries_of(donation).count() == 1
    assert ledger.pot_balance(stripe_fund) == AMOUNT == ledger.cash_balance(stripe_fund)
    assert_books_balanced(stripe_fund)
    stored = WebhookEvent.objects.get()
    assert stored.provider_event_id == evt["id"] and stored.type == "payment_intent.succeeded"
    assert stored.processed_at is not None and stored.attempts == 1 and stored.last_error == ""
    assert stored.payload["data"]["object"]["id"] == "pi_ok"


def test_tampered_body_is_refused_and_nothing_is_written(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_tamper")
    signed = body_of(event("payment_intent.succeeded", payment_intent("pi_tamper", 100)))
    # Same event, amount raised after signing.
    tampered = signed.replace(b'"amount": 100', b'"amount": 10000')
    assert tampered != signed
    response = client.post(
        WEBHOOK_PATH,
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(signed),
    )
    assert response.status_code == 400
    nothing_written(donation)


def test_wrong_secret_is_refused(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_secret")
    evt = event("payment_intent.succeeded", payment_intent("pi_secret", AMOUNT))
    response = deliver(client, evt, secret="whsec_somebody_else")
    assert response.status_code == 400
    nothing_written(donation)


def test_a_timestamp_older_than_five_minutes_is_refused(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_old")
    evt = event("payment_intent.succeeded", payment_intent("pi_old", AMOUNT))
    response = deliver(client, evt, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    nothing_written(donation)
    # Within the tolerance the very same event is accepted.
    assert deliver(client, evt, timestamp=int(time.time()) - 240).status_code == 200


@pytest.mark.parametrize("header", [None, "", "t=1,v1=", "garbage"])
def test_a_missing_or_malformed_signature_is_refused(client, stripe_fund, header):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_nohdr")
    body = body_of(event("payment_intent.succeeded", payment_intent("pi_nohdr", AMOUNT)))
    extra = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}
    response = client.post(WEBHOOK_PATH, data=body, content_type="application/json", **extra)
    assert response.status_code == 400
    nothing_written(donation)


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"object": "event"}', b'{"id": "evt_1", "type": "x"}']
)
def test_a_signed_body_that_is_not_an_event_is_refused(client, stripe_fund, body):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_notevt")
    response = deliver(client, body=body)
    assert response.status_code == 400
    nothing_written(donation)


def test_without_a_configured_secret_nothing_is_accepted(client, stripe_fund, settings):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_nosecret")
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = deliver(client, event("payment_intent.succeeded", payment_intent("pi_nosecret", AMOUNT)))
    assert response.status_code == 400
    nothing_written(donation)


def test_only_post_is_allowed(client, db):
    assert client.get(WEBHOOK_PATH).status_code == 405
    assert WebhookEvent.objects.count() == 0


# --- Exactly once ------------------------------------------------------------------------------


def test_the_same_event_twice_credits_once(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_twice")
    evt = event("payment_intent.succeeded", payment_intent("pi_twice", AMOUNT))

    first, second = deliver(client, evt), deliver(client, evt)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"status": "duplicate"}
    assert entries_of(donation).count() == 1
    assert ledger.pot_balance(stripe_fund) == AMOUNT
    stored = WebhookEvent.objects.get()
    assert stored.attempts == 1


def test_two_different_success_events_for_one_payment_credit_once(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_two_events")
    for _ in range(2):
        assert (
            deliver(
                client, event("payment_intent.succeeded", payment_intent("pi_two_events", AMOUNT))
            ).status_code
            == 200
        )
    assert WebhookEvent.objects.count() == 2
    assert entries_of(donation).count() == 1
    assert ledger.pot_balance(stripe_fund) == AMOUNT


def test_a_failed_payment_marks_the_donation_failed_and_books_nothing(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_declined")
    response = deliver(
        client,
        event(
            "payment_intent.payment_failed",
            payment_intent("pi_declined", AMOUNT, status="requires_payment_method"),
        ),
    )
    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED
    assert donation.receipt_number is None
    assert not JournalEntry.objects.exists()


def test_a_late_failure_event_does_not_undo_a_success(client, stripe_fund):
    # A first card declined, a second one succeeded; Stripe does not promise delivery order.
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_retry_card")
    deliver(client, event("payment_intent.succeeded", payment_intent("pi_retry_card", AMOUNT)))
    response = deliver(
        client,
        event(
            "payment_intent.payment_failed",
            payment_intent("pi_retry_card", AMOUNT, status="requires_payment_method"),
        ),
    )
    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert ledger.pot_balance(stripe_fund) == AMOUNT


def test_after_a_failed_attempt_a_success_on_the_same_payment_credits(client, stripe_fund):
    # Stripe lets the donor try another card on the same PaymentIntent after a decline.
    # (localstripe cannot retry a failed PaymentIntent, so this one is signed here.)
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_second_card")
    deliver(
        client,
        event(
            "payment_intent.payment_failed",
            payment_intent("pi_second_card", AMOUNT, status="requires_payment_method"),
        ),
    )
    donation.refresh_from_db()
    assert donation.status == DonationStatus.FAILED
    assert (
        deliver(
            client, event("payment_intent.succeeded", payment_intent("pi_second_card", AMOUNT))
        ).status_code
        == 200
    )
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED and donation.receipt_number
    assert entries_of(donation).count() == 1
    assert ledger.pot_balance(stripe_fund) == AMOUNT


@pytest.mark.parametrize(
    "obj",
    [
        payment_intent("pi_nobody_knows", AMOUNT),
        {"id": "cus_123", "object": "customer", "email": "x@example.com"},
    ],
    ids=["unknown-payment", "other-type"],
)
def test_unknown_objects_and_types_are_recorded_with_no_effect(client, stripe_fund, obj):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_mine")
    event_type = "payment_intent.succeeded" if obj["object"] == "payment_intent" else "customer.created"
    response = deliver(client, event(event_type, obj))
    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.type == event_type and stored.processed_at is not None
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert not JournalEntry.objects.exists()


def test_a_refund_for_an_unknown_charge_is_recorded_with_no_effect(client, stripe_fund):
    online_donation(stripe_fund, AMOUNT, payment_id="pi_mine2")
    response = deliver(client, event("charge.refunded", charge("pi_stranger", AMOUNT, AMOUNT)))
    assert response.status_code == 200
    assert WebhookEvent.objects.get().processed_at is not None
    assert not JournalEntry.objects.exists()
    assert not Donation.objects.exclude(status=DonationStatus.PENDING).exists()


def test_the_stored_event_keeps_no_payer_details(client, stripe_fund):
    online_donation(stripe_fund, AMOUNT, payment_id="pi_private")
    deliver(client, event("payment_intent.succeeded", payment_intent("pi_private", AMOUNT)))
    deliver(client, event("charge.refunded", charge("pi_private", AMOUNT, 300)))
    stored = WebhookEvent.objects.get(type="charge.refunded")
    text = json.dumps(stored.payload, ensure_ascii=False)
    assert stored.payload["data"]["object"]["amount_refunded"] == 300
    for secret in ("张三", "zhangsan", "13800138000", "4242", "billing_details", "payment_method_details"):
        assert secret not in text


# --- Refunds and order -------------------------------------------------------------------------


def test_a_partial_then_full_refund_reverses_the_donation(client, stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_refund")
    deliver(client, event("payment_intent.succeeded", payment_intent("pi_refund", AMOUNT)))

    deliver(client, event("charge.refunded", charge("pi_refund", AMOUNT, 3_000)))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PARTIALLY_REFUNDED and donation.refunded_fen == 3_000
    assert ledger.pot_balance(stripe_fund) == AMOUNT - 3_000

    deliver(client, event("charge.refunded", charge("pi_refund", AMOUNT, AMOUNT)))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED and donation.refunded_fen == AMOUNT
    assert ledger.pot_balance(stripe_fund) == 0 == ledger.cash_balance(stripe_fund)
    assert entries_of(donation).count() == 3
    assert_books_balanced(stripe_fund)


SUCCEEDED = ("payment_intent.succeeded", None)
PARTIAL = ("charge.refunded", 3_000)
FULL = ("charge.refunded", AMOUNT)


def _event_for(kind, pi_id):
    event_type, refunded = kind
    if refunded is None:
        return event(event_type, payment_intent(pi_id, AMOUNT))
    return event(event_type, charge(pi_id, AMOUNT, refunded))


@pytest.mark.parametrize(
    ("kinds", "status", "refunded", "balance"),
    [
        *[
            (p, DonationStatus.REFUNDED, AMOUNT, 0)
            for p in itertools.permutations([SUCCEEDED, PARTIAL, FULL])
        ],
        *[
            (p, DonationStatus.PARTIALLY_REFUNDED, 3_000, AMOUNT - 3_000)
            for p in itertools.permutations([SUCCEEDED, PARTIAL])
        ],
    ],
)
def test_any_order_of_events_gives_the_same_final_state(
    client, stripe_fund, kinds, status, refunded, balance
):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_shuffled")
    events = [_event_for(kind, "pi_shuffled") for kind in kinds]

    for evt in events:
        assert deliver(client, evt).status_code == 200
    # And Stripe's retries of all of them, in reverse, change nothing.
    for evt in reversed(events):
        assert deliver(client, evt).json() == {"status": "duplicate"}

    donation.refresh_from_db()
    assert donation.status == status
    assert donation.refunded_fen == refunded
    assert donation.credited_at is not None and donation.receipt_number
    assert ledger.pot_balance(stripe_fund) == balance == ledger.cash_balance(stripe_fund)
    assert entries_of(donation).filter(key__endswith=":credit").count() == 1
    assert_books_balanced(stripe_fund)


# --- A failing handler -------------------------------------------------------------------------


def test_a_failing_handler_leaves_the_event_for_the_retry(client, stripe_fund, monkeypatch):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_flaky")
    evt = event("payment_intent.succeeded", payment_intent("pi_flaky", AMOUNT))
    real = services.donation_credit_from_provider

    def credit_then_crash(**kwargs):
        real(**kwargs)  # the credit is written …
        raise RuntimeError("database went away")  # … and must be rolled back

    monkeypatch.setattr(services, "donation_credit_from_provider", credit_then_crash)
    response = deliver(client, evt)

    assert response.status_code == 500
    assert "database went away" not in response.content.decode()
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None and stored.attempts == 1
    assert "RuntimeError: database went away" in stored.last_error
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING and donation.receipt_number is None
    assert not JournalEntry.objects.exists()

    # Stripe retries; by then the fault is gone.
    monkeypatch.setattr(services, "donation_credit_from_provider", real)
    retry = deliver(client, evt)

    assert retry.status_code == 200 and retry.json() == {"status": "processed"}
    stored.refresh_from_db()
    assert stored.processed_at is not None and stored.attempts == 2 and stored.last_error == ""
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert entries_of(donation).count() == 1
    assert deliver(client, evt).json() == {"status": "duplicate"}


def test_a_domain_refusal_in_a_handler_also_waits_for_a_retry(client, stripe_fund):
    # The provider says a different amount than the donation: never credit it silently.
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_mismatch")
    response = deliver(client, event("payment_intent.succeeded", payment_intent("pi_mismatch", AMOUNT + 1)))
    assert response.status_code == 500
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None and stored.last_error
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert not JournalEntry.objects.exists()


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------

CONCURRENT = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_deliveries_of_one_event_credit_once(stripe_fund):
    donation = online_donation(stripe_fund, AMOUNT, payment_id="pi_storm")
    body = body_of(event("payment_intent.succeeded", payment_intent("pi_storm", AMOUNT)))
    header = signature_header(body, secret=WEBHOOK_SECRET)
    barrier = threading.Barrier(CONCURRENT)

    def post(_):
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                WEBHOOK_PATH, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
            )
            return response.status_code, response.json()["status"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        outcomes = list(pool.map(post, range(CONCURRENT)))

    assert outcomes.count((200, "processed")) == 1
    assert outcomes.count((200, "duplicate")) == CONCURRENT - 1
    stored = WebhookEvent.objects.get()
    assert stored.attempts == 1 and stored.processed_at is not None
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert entries_of(donation).count() == 1
    assert ledger.pot_balance(stripe_fund) == AMOUNT
    assert_books_balanced(stripe_fund)
