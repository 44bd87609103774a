"""The Stripe test harness: a localstripe server on 127.0.0.1 and events signed as Stripe signs them.

Import what you need from here in a test module (``from .conftest_stripe import ...``); the fixtures
are found once imported. Nothing here reaches the internet: the Stripe client is pointed at
localstripe, and localstripe's webhooks go to pytest-django's live server.
"""

import hashlib
import hmac
import itertools
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
import stripe

WEBHOOK_PATH = "/fund/stripe/webhook/"
WEBHOOK_SECRET = "whsec_portal_test_secret"
SECRET_KEY = "sk_test_portal_local"
PUBLISHABLE_KEY = "pk_test_portal_local"
WEBHOOK_EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]
# localstripe keeps its webhooks by id; re-registering this id replaces the previous target.
WEBHOOK_ID = "portal"
# Where deliveries go between tests: nothing listens on the discard port, so a late delivery from
# one test can never reach the live server while another test runs.
NOWHERE = "http://127.0.0.1:9/"

# localstripe writes its whole store to /tmp/localstripe.pickle after every write; parallel test
# workers would race on that file and nobody reads it, so the server runs with that switched off.
_SERVER = """
import sys
from localstripe.resources import store
type(store).dump_to_disk = lambda self: None
from aiohttp import web
from localstripe.server import app
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalStripe:
    base: str

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.base}, max_network_retries=0)

    def config(self, path: str, data: dict) -> None:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def send_webhooks_to(self, url: str) -> None:
        self.config(
            f"/_config/webhooks/{WEBHOOK_ID}",
            {"url": url, "secret": WEBHOOK_SECRET, "events": WEBHOOK_EVENTS},
        )

    def pay(self, payment_intent_id: str, card: str | None = None):
        """What Stripe.js does in the donor's browser: attach a payment method, then confirm.
        (localstripe takes no ``payment_method`` on confirm.) ``card`` is a card number; the default
        is Stripe's ``pm_card_visa``. Returns the PaymentIntent, or raises ``stripe.CardError``."""
        api = self.client().v1
        method = "pm_card_visa"
        if card:
            method = api.payment_methods.create(
                params={
                    "type": "card",
                    "card": {"number": card, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
                }
            ).id
        api.payment_intents.update(payment_intent_id, params={"payment_method": method})
        return api.payment_intents.confirm(payment_intent_id)


@pytest.fixture(scope="session")
def localstripe_server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"localstripe did not start: {process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/js.stripe.com/v3/", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not answer within 20 s") from None
                time.sleep(0.1)
        yield LocalStripe(base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def stripe_settings(settings, localstripe_server):
    """The portal's Stripe settings pointed at localstripe (no webhook delivery yet)."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_server.base
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_CHINA_WALLETS = False
    return localstripe_server


@pytest.fixture
def stripe_live(stripe_settings, live_server):
    """localstripe delivers its signed webhooks to the live test server for this test."""
    stripe_settings.send_webhooks_to(live_server.url + WEBHOOK_PATH)
    yield stripe_settings
    stripe_settings.send_webhooks_to(NOWHERE)


@pytest.fixture
def webhook_secret(settings):
    """For tests that sign and deliver events themselves (no localstripe needed)."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


# --- Events signed as Stripe signs them -----------------------------------------------------------

_ids = itertools.count(1)


def signature_header(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme: ``t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_ids):06d}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def payment_intent(pi_id: str, amount_fen: int, *, currency: str = "cny", status: str = "succeeded") -> dict:
    return {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount_fen,
        "amount_received": amount_fen if status == "succeeded" else 0,
        "currency": currency,
        "status": status,
        "metadata": {"donation_id": "0"},
        "latest_charge": f"ch_{pi_id}",
    }


def charge(pi_id: str, amount_fen: int, amount_refunded_fen: int, *, currency: str = "cny") -> dict:
    return {
        "id": f"ch_{pi_id}",
        "object": "charge",
        "amount": amount_fen,
        "amount_refunded": amount_refunded_fen,
        "currency": currency,
        "paid": True,
        "status": "succeeded",
        "refunded": amount_refunded_fen == amount_fen,
        "payment_intent": pi_id,
        # What a real charge carries and what we must not keep.
        "billing_details": {"name": "张三", "email": "zhangsan@example.com", "phone": "13800138000"},
        "payment_method_details": {"card": {"last4": "4242", "brand": "visa"}},
    }


def body_of(evt: dict) -> bytes:
    return json.dumps(evt, ensure_ascii=False, indent=2).encode()


def deliver(client, evt: dict | None = None, *, body: bytes | None = None, **signing):
    """POST an event to the webhook the way Stripe does (Django test client)."""
    body = body_of(evt) if body is None else body
    return client.post(
        WEBHOOK_PATH,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body, **signing),
    )


def deliver_http(base_url: str, evt: dict, **signing) -> int:
    """The same over HTTP to a running server (the live server); returns the status code."""
    body = body_of(evt)
    request = urllib.request.Request(
        base_url + WEBHOOK_PATH,
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": signature_header(body, **signing)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_for(predicate, *, timeout: float = 10.0, interval: float = 0.1):
    """Poll until ``predicate()`` is truthy (webhooks arrive a second or so after the payment)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --- A fund to give to ------------------------------------------------------------------------------


@pytest.fixture
def stripe_fund(world):
    from marketplace.fund import services
    from tests.factories.organizations import make_uscc

    return services.fund_create(
        actor=world.district_admin,
        district=world.district,
        code="stripe-test-fund",
        name="太和区基层治理专项基金",
        host_name="太和区慈善总会",
        host_credit_code=make_uscc(9001),
        purpose="支持社区居家养老与基层治理服务。",
    )


def online_donation(fund, amount_fen: int = 10_000, *, payment_id: str | None = None, subfund=None):
    """A pending online donation, optionally already tied to a PaymentIntent id."""
    from marketplace.fund import services

    donation = services.donation_start(
        actor=None,
        fund=fund,
        subfund=subfund,
        amount_fen=amount_fen,
        donor_name="张三",
        anonymous=False,
        contact="13800138000",
    )
    if payment_id:
        services.donation_attach_provider_payment(donation=donation, provider_payment_id=payment_id)
        donation.refresh_from_db()
    return donation
