# ruff: noqa: T201 (a script whose output is its purpose)
"""Write-path benchmarks on PostgreSQL (a script, not a test: pytest never collects bench/).

    .venv/bin/python bench/write_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/write_bench.py --database-url ... --only signup,webhook --keep

It creates a scratch database (``--name``, default ``bench_write``) on the server of
``--database-url``, migrates it, and runs each scenario against data it makes itself through the
project's services and test factories. HTTP scenarios go through the whole stack: gunicorn with
2 sync workers and ``config.settings.production`` (DEBUG off), reached as if behind a TLS proxy.

  signup   1,000 volunteers (each with a session made in the database) sign up for one shift of
           50 places at once, through the public page and through the API; plus double clicks.
  webhook  2,000 signed ``payment_intent.succeeded`` events (20 % delivered twice) posted to
           /fund/stripe/webhook/ concurrently; each donation must be credited exactly once.
  bids     organisations bid through the API as a project's bid window closes; every bid before
           the deadline accepted, every one after refused with the deadline's Chinese message.
  roster   a 100,000-row roster .xlsx read and imported by the roster import service.

Every scenario reports its throughput, latency where it has requests, errors (must be 0) and
exact-count checks; the run ends with a table and ``bench/results/write-<date>.json``, and exits 1
if any check failed. ``--keep`` keeps the database; ``--reuse`` runs again in a kept one.
"""

import argparse
import datetime
import hashlib
import hmac
import http.cookies
import json
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness as harness

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCENARIOS = ("signup", "webhook", "bids", "roster")
WEBHOOK_SECRET = "whsec_portal_benchmark"


@dataclass
class Report:
    """One scenario's figures: ``checks`` maps a check to whether it held (and what was seen)."""

    name: str
    figures: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)
    errors: int = 0
    error_samples: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def check(self, label: str, ok: bool, seen=None) -> None:
        self.checks[label] = {"ok": bool(ok), **({"seen": seen} if seen is not None else {})}

    def error(self, sample: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(sample[:500])

    @property
    def ok(self) -> bool:
        return self.errors == 0 and all(c["ok"] for c in self.checks.values())

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "figures": self.figures,
            "checks": self.checks,
            "notes": self.notes,
        }


# --- synthetic people -----------------------------------------------------------------------
def resident_id(area: str, n: int) -> str:
    """A valid resident ID number, distinct for each ``n`` below 10,000,000 in one area code."""
    from marketplace.core.validators import resident_id_check_char

    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    first17 = f"{area}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def reserve_numbers(count: int) -> int:
    """The first of ``count`` synthetic numbers (phones, ID numbers, factory sequences) no earlier
    scenario or run in this database has used: a sequence in the scratch database hands out
    blocks, starting past every user already there."""
    from django.db import connection
    from django.db.models import Max

    from marketplace.accounts.models import User

    start = (User.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS bench_write_numbers START WITH {int(start)}")
        cursor.execute("SELECT nextval('bench_write_numbers')")
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval('bench_write_numbers', %s)", [first + count - 1])
    return first


def reset_factory_sequences(start: int) -> None:
    from tests.factories import (
        CommunityFactory,
        GridFactory,
        OrganizationFactory,
        PartyOrganizationFactory,
        StreetFactory,
        UserFactory,
    )

    for factory_class in (
        UserFactory,
        StreetFactory,
        CommunityFactory,
        GridFactory,
        PartyOrganizationFactory,
        OrganizationFactory,
    ):
        factory_class.reset_sequence(start)


@dataclass
class World:
    district: object
    street: object
    community: object
    grids: list
    party_org: object
    district_admin: object
    worker: object  # the community's worker
    officials: list  # two street officials (drafts, approves)


def make_world(tag: str) -> World:
    """One street with one community of five grids, and a user in each role the scenarios need."""
    from marketplace.core.roles import Role
    from tests.factories import (
        CommunityFactory,
        DistrictFactory,
        GridFactory,
        PartyOrganizationFactory,
        StreetFactory,
        UserFactory,
        grant,
    )

    # Codes from the tag, not the factories' sequences: a reused database already holds others.
    district = DistrictFactory()
    street = StreetFactory(district=district, code=f"st-{tag}", name=f"压测街道{tag}")
    community = CommunityFactory(street=street, code=f"cm-{tag}", name=f"压测社区{tag}")
    grids = [GridFactory(community=community, code=f"gd-{tag}-{i}", name=f"第{i}网格") for i in range(1, 6)]
    party_org = PartyOrganizationFactory(grid=grids[0], code=f"po-{tag}", name=f"压测社区{tag}第1网格党支部")

    def staff(label, role, scope):
        user = UserFactory(display_name=label, password=None)
        grant(user, role, scope)
        return user

    return World(
        district=district,
        street=street,
        community=community,
        grids=grids,
        party_org=party_org,
        district_admin=staff("区管理员", Role.DISTRICT_ADMIN, district),
        worker=staff("社区工作者", Role.COMMUNITY_WORKER, community),
        officials=[staff(f"街道干部{i}", Role.STREET_OFFICIAL, street) for i in (1, 2)],
    )


def timed(label: str):
    """Print how long a set-up step took."""

    class _Timer:
        def __enter__(self):
            self.t0 = time.perf_counter()
            print(f"  {label} ...", end="", flush=True)
            return self

        def __exit__(self, *exc):
            print(f" {time.perf_counter() - self.t0:.1f} s", flush=True)

    return _Timer()


def http_summary(report: Report, run: harness.Run, *, prefix: str = "") -> None:
    report.figures[f"{prefix}requests"] = len(run.outcomes)
    report.figures[f"{prefix}wall_s"] = round(run.wall_seconds, 2)
    report.figures[f"{prefix}requests_per_s"] = round(run.rate, 1)
    report.figures.update({f"{prefix}{k}": v for k, v in harness.latency_summary(run.latencies_ms()).items()})


# --- 1. sign-up contention ------------------------------------------------------------------
def _page_outcome(answer: harness.Answer) -> tuple[str, str]:
    """The public page answers every sign-up with a redirect; what happened is in the flash
    message it leaves in the ``messages`` cookie (success, waiting-list warning, or error)."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    if answer.status != 302:
        return "error", f"HTTP {answer.status}"
    if "/volunteers/register/" in answer.headers.get(
        "location", ""
    ) or "/accounts/login/" in answer.headers.get("location", ""):
        return "error", f"redirected to {answer.headers['location']}"
    jar = http.cookies.SimpleCookie()
    for header in answer.set_cookies:
        jar.load(header)
    if "messages" not in jar:
        return "error", "no message"
    stored = CookieStorage(RequestFactory().get("/"))._decode(jar["messages"].value) or []
    if len(stored) != 1:
        return "error", f"{len(stored)} messages"
    message = stored[0]
    kind = {constants.SUCCESS: "confirmed", constants.WARNING: "waiting", constants.ERROR: "refused"}.get(
        message.level, "error"
    )
    return kind, str(message.message)


def _api_outcome(answer: harness.Answer) -> tuple[str, str]:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return "error", f"HTTP {answer.status}, not JSON"
    if answer.status == 201:
        return body.get("status", "error"), ""
    if answer.status in (400, 409):
        return "refused", str(body.get("detail", body))
    return "error", f"HTTP {answer.status}: {str(body)[:200]}"


def scenario_signup(args, world: World, offset: int) -> Report:
    from django.db.models import Count

    from marketplace.core.models import AuditEntry
    from marketplace.volunteers import services
    from marketplace.volunteers.models import Signup
    from marketplace.volunteers.services import ActivityData, ShiftData
    from tests.factories import VolunteerFactory

    report = Report("signup")
    n, places, doubles = args.volunteers, args.places, args.double_clicks
    rng = random.Random(args.seed)
    variants = [v for v in args.signup_via.split(",") if v]
    print(f"signup: {n} volunteers, {places} places, {doubles} double clicks, via {'+'.join(variants)}")

    with timed(f"{n} volunteers with sessions"):
        volunteers, sessions = [], {}
        for i in range(n):
            user_n = offset + i
            identity_number = resident_id("110106", user_n)
            volunteer = VolunteerFactory(
                grid=world.grids[i % len(world.grids)],
                user__password=None,
                user__phone=f"+86136{user_n:08d}",
                identity__id_number=identity_number,
            )
            volunteers.append(volunteer)
            sessions[volunteer.pk] = harness.login_session(volunteer.user)

    now = datetime.datetime.now(datetime.UTC)
    with harness.serve(args.scratch_url, workers=args.workers, env=args.server_env) as server:
        for k, via in enumerate(variants):
            prefix = f"{via}_"
            with timed(f"[{via}] activity with one shift of {places} places"):
                starts = (now + datetime.timedelta(days=3 + 2 * k)).replace(microsecond=0)
                activity = services.activity_create(
                    actor=world.worker,
                    data=ActivityData(
                        title=f"压测志愿活动({via})",
                        description="楼道清理与垃圾分类宣传。",
                        place="社区党群服务中心",
                        contact_name="李社工",
                        contact_phone="13900001111",
                        signup_deadline=starts - datetime.timedelta(hours=12),
                        community=world.community,
                    ),
                    shifts=[
                        ShiftData(
                            starts_at=starts, ends_at=starts + datetime.timedelta(hours=3), capacity=places
                        )
                    ],
                )
                services.activity_publish(actor=world.worker, activity=activity)
                shift = activity.shifts.get()
            path = (
                f"/volunteers/shifts/{shift.pk}/signup/"
                if via == "page"
                else f"/api/v1/shifts/{shift.pk}/signup/"
            )
            content_type = "application/x-www-form-urlencoded" if via == "page" else "application/json"
            classify = _page_outcome if via == "page" else _api_outcome

            # Every volunteer once, in a random order; a few click twice, the second click
            # right behind the first so that the two race.
            order = [v.pk for v in volunteers]
            rng.shuffle(order)
            twice = set(rng.sample(order, doubles))
            sequence = []
            for pk in order:
                sequence.append(pk)
                if pk in twice:
                    sequence.append(pk)
            headers = {
                pk: {**harness.browser_headers(server, sessions[pk]), "Content-Type": content_type}
                for pk in order
            }

            def job(pk, path=path, headers=headers):
                return pk, harness.http_request("POST", server.base_url + path, body=b"", headers=headers[pk])

            print(f"  [{via}] {len(sequence)} requests on {args.threads} threads ...", flush=True)
            run = harness.drive([lambda pk=pk: job(pk) for pk in sequence], threads=args.threads)
            http_summary(report, run, prefix=prefix)

            answers: dict[int, list[tuple[str, str]]] = {}
            for outcome in run.outcomes:
                if outcome.error is not None:
                    report.error(f"[{via}] {type(outcome.error).__name__}: {outcome.error}")
                    continue
                pk, answer = outcome.result
                kind, text = classify(answer)
                if kind == "error":
                    report.error(f"[{via}] volunteer {pk}: {text}")
                answers.setdefault(pk, []).append((kind, text))

            signups = list(
                Signup.objects.filter(shift=shift).order_by("id").values_list("volunteer_id", "status")
            )
            statuses = Counter(status for _v, status in signups)
            report.figures[f"{prefix}confirmed"] = statuses["confirmed"]
            report.figures[f"{prefix}waiting"] = statuses["waiting"]
            report.check(
                f"{via}: exactly {places} confirmed", statuses["confirmed"] == places, statuses["confirmed"]
            )
            report.check(
                f"{via}: the other {n - places} on the waiting list",
                statuses["waiting"] == n - places,
                statuses["waiting"],
            )
            report.check(f"{via}: one sign-up per volunteer, none missing", len(signups) == n, len(signups))
            twice_in_db = (
                Signup.objects.filter(shift=shift).values("volunteer").annotate(c=Count("id")).filter(c__gt=1)
            )
            report.check(
                f"{via}: no volunteer signed up twice", not twice_in_db.exists(), twice_in_db.count()
            )
            # The lock makes arrival order the id order: places go to the first to arrive.
            first = [status for _v, status in signups[:places]]
            report.check(
                f"{via}: the places went to the first {places} to arrive", set(first) == {"confirmed"}
            )
            in_db = dict(signups)
            mismatched = 0
            refused_doubles = 0
            for pk, got in answers.items():
                kinds = sorted(kind for kind, _text in got)
                accepted = [kind for kind in kinds if kind in ("confirmed", "waiting")]
                refusals = [text for kind, text in got if kind == "refused"]
                if len(accepted) != 1 or accepted[0] != in_db.get(pk):
                    mismatched += 1
                if pk in twice:
                    if len(refusals) == 1 and refusals[0] == "您已报名该班次。":
                        refused_doubles += 1
                elif refusals:
                    mismatched += 1
            report.check(f"{via}: every answer matches the database", mismatched == 0, mismatched)
            report.check(
                f"{via}: each double click refused once with 您已报名该班次。",
                refused_doubles == doubles,
                refused_doubles,
            )
            audits = AuditEntry.objects.filter(
                action="volunteers.signup.create",
                object_id__in=[
                    str(pk) for pk in Signup.objects.filter(shift=shift).values_list("id", flat=True)
                ],
            ).count()
            report.check(f"{via}: one audit entry per sign-up", audits == n, audits)
    return report


# --- 2. webhook ingestion -------------------------------------------------------------------
def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """As Stripe signs: ``t=<unix time>,v1=<HMAC-SHA256(secret, "<t>.<payload>")>``."""
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def scenario_webhook(args, world: World, offset: int) -> Report:
    from django.db.models import Count, Sum

    from marketplace.core.models import TransitionLog
    from marketplace.fund import ledger, services
    from marketplace.fund.models import Donation, JournalEntry, Posting, WebhookEvent
    from tests.factories.organizations import make_uscc

    report = Report("webhook")
    n, dup_share = args.events, args.duplicates
    rng = random.Random(args.seed + 1)
    tag = f"b{offset}"
    print(f"webhook: {n} donations, {dup_share:.0%} of events delivered twice")

    with timed(f"fund and {n} pending donations (fund services)"):
        fund = services.fund_create(
            actor=world.district_admin,
            district=world.district,
            code=f"bench-{tag}",
            name=f"压测基金{tag}",
            host_name="区慈善总会",
            host_credit_code=make_uscc(700_000 + offset % 100_000),
            purpose="压测用基金。",
        )
        donations = []
        for i in range(n):
            donation = services.donation_start(
                actor=None,
                fund=fund,
                amount_fen=rng.randint(100, 500_000),
                donor_name=f"捐赠人{i}",
                anonymous=i % 5 == 0,
                contact="",
            )
            donations.append(
                services.donation_attach_provider_payment(
                    donation=donation, provider_payment_id=f"pi_{tag}_{i}"
                )
            )

    created = int(time.time())
    bodies = []
    for i, donation in enumerate(donations):
        event = {
            "id": f"evt_{tag}_{i}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": created,
            "livemode": False,
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": donation.provider_payment_id,
                    "object": "payment_intent",
                    "amount": donation.amount_fen,
                    "amount_received": donation.amount_fen,
                    "currency": "cny",
                    "status": "succeeded",
                    "latest_charge": f"ch_{tag}_{i}",
                    "metadata": {"donation_id": str(donation.pk)},
                    "created": created,
                }
            },
        }
        bodies.append(json.dumps(event, separators=(",", ":")).encode())

    # A redelivery is the same body signed afresh. Half of them follow their original at once
    # (two deliveries racing on the event's row), the other half come at a random later moment.
    order = list(range(n))
    rng.shuffle(order)
    resent = rng.sample(order, round(n * dup_share))
    racing, later = set(resent[: len(resent) // 2]), resent[len(resent) // 2 :]
    sequence = []
    for i in order:
        sequence.append(i)
        if i in racing:
            sequence.append(i)
    for i in later:
        sequence.insert(rng.randint(sequence.index(i) + 1, len(sequence)), i)

    def deliver(i):
        payload = bodies[i]
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": stripe_signature(payload, WEBHOOK_SECRET, int(time.time())),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        return i, harness.http_request(
            "POST", server.base_url + "/fund/stripe/webhook/", body=payload, headers=headers
        )

    with harness.serve(args.scratch_url, workers=args.workers, env=args.server_env) as server:
        print(f"  {len(sequence)} deliveries on {args.threads} threads ...", flush=True)
        run = harness.drive([lambda i=i: deliver(i) for i in sequence], threads=args.threads)
    http_summary(report, run)
    report.figures["events_per_s"] = report.figures.pop("requests_per_s")

    answers = Counter()
    for outcome in run.outcomes:
        if outcome.error is not None:
            report.error(f"{type(outcome.error).__name__}: {outcome.error}")
            continue
        i, answer = outcome.result
        if answer.status != 200:
            report.error(f"event {i}: HTTP {answer.status} {answer.body[:200]!r}")
            continue
        answers[json.loads(answer.body).get("status")] += 1
    report.figures["answered_processed"] = answers["processed"]
    report.figures["answered_duplicate"] = answers["duplicate"]
    report.check(f"{n} deliveries answered processed", answers["processed"] == n, answers["processed"])
    report.check(
        f"{len(resent)} redeliveries answered duplicate",
        answers["duplicate"] == len(resent),
        answers["duplicate"],
    )

    ids = [d.pk for d in donations]
    statuses = Counter(Donation.objects.filter(pk__in=ids).values_list("status", flat=True))
    report.check(f"all {n} donations succeeded", statuses == Counter({"succeeded": n}), dict(statuses))
    stored = WebhookEvent.objects.filter(provider_event_id__startswith=f"evt_{tag}_")
    report.check(f"{n} events stored once each", stored.count() == n, stored.count())
    report.check(
        "every stored event processed on its first attempt",
        not stored.exclude(processed_at__isnull=False, attempts=1).exists(),
    )
    per_donation = JournalEntry.objects.filter(fund=fund).values("donation").annotate(c=Count("id"))
    report.check(
        "each donation credited exactly once (one journal entry each)",
        per_donation.count() == n and not per_donation.filter(c__gt=1).exists(),
        per_donation.count(),
    )
    postings = Posting.objects.filter(entry__fund=fund).count()
    report.check(f"{2 * n} ledger postings", postings == 2 * n, postings)
    expected = Donation.objects.filter(pk__in=ids).aggregate(s=Sum("amount_fen"))["s"]
    pot, cash = ledger.pot_balance(fund), ledger.cash_balance(fund)
    report.figures["fund_balance_fen"] = pot
    report.check(
        "fund balance = sum of the donations (pot and cash)", pot == cash == expected, [pot, cash, expected]
    )
    credits = TransitionLog.objects.filter(
        lifecycle="fund.donation", code="credit", object_id__in=[str(i) for i in ids]
    )
    report.check(f"{n} credit transitions", credits.count() == n, credits.count())
    receipts = Donation.objects.filter(pk__in=ids).values("receipt_number").distinct().count()
    report.check("a distinct receipt number per donation", receipts == n, receipts)
    return report


# --- 3. bids at the deadline ----------------------------------------------------------------
DEADLINE_MESSAGE = "不在投标时间内:投标已截止或尚未开始。"


def scenario_bids(args, world: World, offset: int) -> Report:
    from marketplace.core.models import TransitionLog
    from marketplace.core.roles import Role
    from marketplace.procurement import services
    from marketplace.procurement.models import Bid
    from marketplace.procurement.services import CriterionData, ProjectTerms
    from tests.factories import OrganizationFactory, UserFactory, grant

    report = Report("bids")
    m = args.bidders
    rng = random.Random(args.seed + 2)
    print(
        f"bids: {m} organisations, sending from {args.bid_before:g} s before to {args.bid_after:g} s after the deadline"
    )
    with timed(f"{m} verified organisations, their admins and sessions"):
        bidders = []
        for i in range(m):
            org = OrganizationFactory(
                street=world.street, name=f"压测投标组织{offset}-{i}", status="verified"
            )
            admin = UserFactory(display_name=f"投标组织{i}管理员", password=None)
            grant(admin, Role.ORG_ADMIN, org)
            bidders.append((org, admin, harness.login_session(admin)))

    payloads = {
        org.pk: json.dumps(
            {
                "organization": org.pk,
                "price_fen": rng.randint(20_000_000, 30_000_000),
                "proposal": "中央厨房统一配餐,志愿者配送上门;每月回访。" * 20,
                "team": "项目主管1名,社工2名,配送员6名",
                "declarations": {"no_collusion": True, "truthful": True, "no_major_violation": True},
            },
            ensure_ascii=False,
        )
        for org, _admin, _session in bidders
    }

    with harness.serve(args.scratch_url, workers=args.workers, env=args.server_env) as server:
        now = datetime.datetime.now(datetime.UTC)
        with timed("project drafted, approved and published (procurement services)"):
            close = now + datetime.timedelta(seconds=args.bid_lead)
            drafter, approver = world.officials
            project = services.project_create(
                actor=drafter,
                street=world.street,
                terms=ProjectTerms(
                    title="压测:居家养老助餐服务",
                    category="daily_life",
                    description="为辖区独居老人提供午餐配送。",
                    service_targets="辖区80岁以上独居老人",
                    performance_goals="送餐准时率不低于98%",
                    budget_ceiling_fen=30_000_000,
                    funding_source="fiscal",
                    bid_open_at=now - datetime.timedelta(hours=1),
                    bid_close_at=close,
                    service_start=(now + datetime.timedelta(days=30)).date(),
                    service_end=(now + datetime.timedelta(days=395)).date(),
                    criteria=[
                        CriterionData("价格", 30, is_price=True),
                        CriterionData("服务方案", 40),
                        CriterionData("团队与经验", 30),
                    ],
                ),
            )
            services.project_submit(actor=drafter, project=project)
            services.project_approve(actor=approver, project=project)
            services.project_publish(actor=drafter, project=project)
        close_ts = close.timestamp()
        if time.time() > close_ts - args.bid_before:
            raise SystemExit("--bid-lead is too short for the set-up: raise it")
        span = args.bid_before + args.bid_after
        start_at = sorted(close_ts - args.bid_before + rng.random() * span for _ in bidders)
        order = list(bidders)
        rng.shuffle(order)

        def submit(org, session):
            headers = {**harness.browser_headers(server, session), "Content-Type": "application/json"}
            body = json.dumps({"project": project.pk, **json.loads(payloads[org.pk])}, ensure_ascii=False)
            return org.pk, harness.http_request(
                "POST", server.base_url + "/api/v1/bids/", body=body.encode(), headers=headers
            )

        print(f"  {m} bids on {args.threads} threads around the deadline ...", flush=True)
        run = harness.drive(
            [lambda org=org, session=session: submit(org, session) for org, _a, session in order],
            threads=args.threads,
            start_at=start_at,
        )
    http_summary(report, run)
    # The bids queue on the project's row lock: the server's own pace is the receipts' spacing.
    stamps = sorted(
        Bid.objects.filter(project=project, status="submitted").values_list("submitted_at", flat=True)
    )
    if len(stamps) > 1:
        report.figures["accepted_per_s_server"] = round(
            (len(stamps) - 1) / max((stamps[-1] - stamps[0]).total_seconds(), 1e-6), 1
        )

    accepted, refused = {}, {}
    early_refusals = late_acceptances = 0
    for outcome in run.outcomes:
        if outcome.error is not None:
            report.error(f"{type(outcome.error).__name__}: {outcome.error}")
            continue
        org_pk, answer = outcome.result
        answered_at = answer.started + answer.elapsed
        try:
            body = json.loads(answer.body)
        except ValueError:
            report.error(f"org {org_pk}: HTTP {answer.status}, not JSON")
            continue
        if answer.status == 201:
            accepted[org_pk] = body
            if answer.started >= close_ts:
                late_acceptances += 1
        elif answer.status == 400 and body.get("code") == "deadline":
            refused[org_pk] = body
            if body.get("detail") != DEADLINE_MESSAGE:
                report.error(f"org {org_pk}: refusal says {body.get('detail')!r}")
            if answered_at < close_ts:
                early_refusals += 1
        else:
            report.error(f"org {org_pk}: HTTP {answer.status} {str(body)[:200]}")
    report.figures["accepted"] = len(accepted)
    report.figures["refused_deadline"] = len(refused)
    report.figures["sent_before_deadline"] = sum(1 for o in run.outcomes if o.started < close_ts)

    bids = {b.organization_id: b for b in Bid.objects.filter(project=project)}
    submitted = {pk for pk, b in bids.items() if b.status == "submitted"}
    report.check(
        "accepted answers = submitted bids in the database", submitted == set(accepted), len(submitted)
    )
    report.check(
        "every accepted bid's server time is before the deadline",
        all(bids[pk].submitted_at < close for pk in submitted),
    )
    report.check("no bid sent after the deadline was accepted", late_acceptances == 0, late_acceptances)
    report.check("no bid answered before the deadline was refused", early_refusals == 0, early_refusals)
    report.check(
        "a refused organisation has no bid row", not (set(refused) & set(bids)), len(set(refused) & set(bids))
    )
    report.check(
        "every organisation answered once", len(accepted) + len(refused) == m, len(accepted) + len(refused)
    )
    report.check(
        "each accepted answer carries its receipt",
        all(accepted[pk].get("content_hash") == bids[pk].content_hash for pk in submitted),
    )
    transitions = TransitionLog.objects.filter(
        lifecycle="procurement.bid", code="submit", object_id__in=[str(b.pk) for b in bids.values()]
    ).count()
    report.check("one submit transition per accepted bid", transitions == len(accepted), transitions)
    if not accepted or not refused:
        report.notes.append("all bids fell on one side of the deadline: adjust --bid-before/--bid-after")
    return report


# --- 4. roster import -----------------------------------------------------------------------
ROSTER_HEADER = [
    "姓名",
    "身份证号码",
    "手机号",
    "政治面貌",
    "所在党组织",
    "网格",
    "技能特长",
    "居民身份",
    "已签署同意书",
]


def write_roster(path: Path, rows: int, *, world: World, offset: int, rng: random.Random) -> dict:
    """A roster of ``rows`` lines: 1 % with a wrong ID check digit and 200 pairs sharing a phone
    (both lines refused), the rest valid; returns the counts the import must report."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("志愿者花名册")
    sheet.append(ROSTER_HEADER)
    bad_ids = set(rng.sample(range(rows), rows // 100))
    pairs = rng.sample(sorted(set(range(rows)) - bad_ids), 400) if rows >= 1000 else []
    shared_phone = {b: a for a, b in zip(pairs[::2], pairs[1::2], strict=True)}
    for i in range(rows):
        n = offset + i
        number = resident_id("110105", n)
        if i in bad_ids:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")
        party = i % 7 == 0
        sheet.append(
            [
                f"{'王李张刘陈杨黄赵吴周'[i % 10]}花名{i}",
                number,
                f"137{offset + shared_phone.get(i, i):08d}",
                "中共党员" if party else ("共青团员" if i % 7 == 1 else "群众"),
                world.party_org.name if party else "",
                world.grids[i % len(world.grids)].name,
                "医疗护理、法律咨询" if i % 3 == 0 else "",
                "楼栋长" if i % 11 == 0 else "",
                "是",
            ]
        )
    workbook.save(path)
    refused = len(bad_ids) + len(pairs)
    return {"rows": rows, "created": rows - refused, "refused": refused, "updated": 0}


def scenario_roster(args, world: World, offset: int) -> Report:
    import resource

    from django.core.files.uploadedfile import SimpleUploadedFile

    from marketplace.volunteers import roster_import, services
    from marketplace.volunteers.models import Volunteer
    from tests.factories.volunteers import SkillFactory

    report = Report("roster")
    rows = args.roster_rows
    rng = random.Random(args.seed + 3)
    SkillFactory(slug="medical", name="医疗护理")
    SkillFactory(slug="legal", name="法律咨询")
    print(f"roster: {rows} rows")
    with tempfile.TemporaryDirectory(prefix="bench-roster-") as tmp:
        path = Path(tmp) / "roster.xlsx"
        with timed(f"writing the {rows}-row .xlsx"):
            expected = write_roster(path, rows, world=world, offset=offset, rng=rng)
        report.figures["file_bytes"] = path.stat().st_size
        before = Volunteer.objects.filter(community=world.community).count()
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        upload = SimpleUploadedFile("roster.xlsx", path.read_bytes())
        try:
            # The page reads at most UPLOAD_MAX_ROWS per upload; the service takes MAX_ROSTER_ROWS.
            parsed = roster_import.read_roster(upload, max_rows=services.MAX_ROSTER_ROWS)
        except Exception as exc:
            report.error(f"read_roster: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            return report
        t1 = time.perf_counter()
        print(f"  read {len(parsed)} rows in {t1 - t0:.1f} s; importing ...", flush=True)
        try:
            result = services.roster_import(actor=world.worker, community=world.community, rows=parsed)
        except Exception as exc:
            report.error(f"roster_import: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
            return report
        t2 = time.perf_counter()
    report.figures["read_s"] = round(t1 - t0, 1)
    report.figures["import_s"] = round(t2 - t1, 1)
    report.figures["rows_per_s"] = round(rows / (t2 - t0), 1)
    report.figures["peak_rss_growth_mb"] = round(
        (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024, 1
    )
    got = {"created": result.created, "updated": result.updated, "refused": result.refused}
    report.figures.update({f"report_{k}": v for k, v in got.items()})
    for outcome in ("created", "refused", "updated"):
        report.check(f"{expected[outcome]} rows {outcome}", got[outcome] == expected[outcome], got[outcome])
    report.check("one result per row", len(result.rows) == rows, len(result.rows))
    added = Volunteer.objects.filter(community=world.community).count() - before
    report.check(f"{expected['created']} volunteers in the registry", added == expected["created"], added)
    messages = Counter(r.message.split("(")[0] for r in result.rows if r.outcome == "refused")
    report.figures["refusal_reasons"] = dict(messages.most_common(5))
    return report


# --- running ----------------------------------------------------------------------------------
RUNNERS = {
    "signup": scenario_signup,
    "webhook": scenario_webhook,
    "bids": scenario_bids,
    "roster": scenario_roster,
}


def print_table(reports: list[Report]) -> None:
    print("\n" + "=" * 100)
    for report in reports:
        status = "OK" if report.ok else "FAILED"
        print(f"{report.name:<8} {status:<7} errors={report.errors}")
        for key, value in report.figures.items():
            print(f"    {key:<30} {value}")
        for label, check in report.checks.items():
            mark = "✓" if check["ok"] else "✗"
            seen = f"  (seen: {check['seen']})" if "seen" in check and not check["ok"] else ""
            print(f"    {mark} {label}{seen}")
        for sample in report.error_samples:
            print(f"    ! {sample}")
        for note in report.notes:
            print(f"    note: {note}")
    print("=" * 100)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="the PostgreSQL server (any database on it)")
    parser.add_argument(
        "--name", default="bench_write", help="the scratch database (must start with bench_write)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", action="store_true", help="run in a kept scratch database instead of a new one"
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated: {','.join(SCENARIOS)}")
    parser.add_argument("--threads", type=int, default=32, help="client threads (each a connection)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--conn-max-age", type=int, default=0, help="DATABASE_CONN_MAX_AGE for the server")
    parser.add_argument(
        "--redis-url", default="", help="REDIS_URL for the server's cache (default: local memory)"
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--volunteers", type=int, default=1000)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument(
        "--double-clicks", type=int, default=100, help="volunteers who send their sign-up twice"
    )
    parser.add_argument("--signup-via", default="page,api", help="page, api or both")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of events delivered twice")
    parser.add_argument("--bidders", type=int, default=300)
    parser.add_argument("--bid-lead", type=float, default=15, help="seconds from publication to the deadline")
    parser.add_argument(
        "--bid-before", type=float, default=3, help="first bids this long before the deadline"
    )
    parser.add_argument("--bid-after", type=float, default=1, help="last bids this long after it")
    parser.add_argument("--roster-rows", type=int, default=100_000)
    parser.add_argument(
        "--json", type=Path, default=None, help="where to write the results (default bench/results/)"
    )
    args = parser.parse_args()

    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if not args.name.startswith("bench_write"):
        parser.error("--name must start with bench_write")

    started = datetime.datetime.now()
    machine = harness.machine()
    machine.update(harness.source_state())
    print(f"{started:%Y-%m-%d %H:%M}  {machine}")
    reports: list[Report] = []
    with harness.scratch_database(
        args.database_url, args.name, keep=args.keep or args.reuse, reuse=args.reuse
    ) as url:
        args.scratch_url = url
        args.server_env = {
            "DATABASE_CONN_MAX_AGE": str(args.conn_max_age),
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        if args.redis_url:
            args.server_env["REDIS_URL"] = args.redis_url
        env = harness.production_env(url, **args.server_env)
        t0 = time.perf_counter()
        harness.migrate(url, env=env)
        print(f"Scratch database {args.name} migrated in {time.perf_counter() - t0:.0f} s")
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            machine["postgresql"] = cursor.fetchone()[0].split(" on ")[0]
        for name in chosen:
            # Room for every person and organisation the scenario makes, staff included.
            needed = {
                "signup": args.volunteers,
                "webhook": 0,
                "bids": 2 * args.bidders,
                "roster": args.roster_rows,
            }[name] + 1000
            offset = reserve_numbers(needed)
            reset_factory_sequences(offset)
            world = make_world(f"{name}{offset}")
            t0 = time.perf_counter()
            try:
                report = RUNNERS[name](args, world, offset)
            except Exception as exc:
                traceback.print_exc()
                report = Report(name)
                report.error(f"scenario crashed: {type(exc).__name__}: {exc}")
            report.figures["scenario_s"] = round(time.perf_counter() - t0, 1)
            reports.append(report)
        connection.close()

    print_table(reports)
    out = args.json or RESULTS_DIR / f"write-{started:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": machine,
        "settings": {
            "server": f"gunicorn, {args.workers} sync workers, config.settings.production",
            "client_threads": args.threads,
            "conn_max_age": args.conn_max_age,
            "cache": "redis" if args.redis_url else "the settings' default without REDIS_URL",
        },
        "scenarios": {r.name: r.as_dict() for r in reports},
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"Results written to {out}")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
