"""``manage.py seed_scale``: exact counts, one run per size, and data as the services leave it —
a balanced ledger, one winner per awarded project, hours that belong to sign-ups, encrypted and
valid ID numbers, sequences ahead of the ids, and public pages that render it.

The seed runs once for the module, on PostgreSQL, inside a transaction rolled back at the end
(each test runs in a savepoint of it). The refusal on SQLite and ``--dry-run`` run everywhere."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from marketplace.accounts.models import RealNameIdentity, User
from marketplace.core import crypto
from marketplace.core.masking import mask_resident_id
from marketplace.core.models import ScaleSeed, TransitionLog
from marketplace.core.validators import (
    is_valid_resident_id,
    normalize_cn_mobile,
    resident_id_birth_date,
    resident_id_gender,
)
from marketplace.fund import selectors as fund_selectors
from marketplace.fund.choices import CREDITED_STATUSES, AccountKind
from marketplace.fund.models import Disbursement, Donation, Fund, JournalEntry, Posting
from marketplace.organizations.models import Organization
from marketplace.places.models import Community, Street
from marketplace.procurement import sealing
from marketplace.procurement import selectors as procurement_selectors
from marketplace.procurement.models import Bid, BidResult, Contract, Payment, Project
from marketplace.volunteers.choices import LIVE_SIGNUP_STATUSES, PARTY_STATUSES
from marketplace.volunteers.models import Activity, Certificate, ServiceRecord, Shift, Signup, Volunteer

SIZES = {
    "volunteers": 500,
    "hours": 2_000,
    "activities": 80,
    "projects": 150,
    "bids": 500,
    "organizations": 40,
    "donations": 500,
}
AWARDED = ["awarded", "contracted", "in_delivery", "completed"]
OPENED = ["opened", "evaluated", "award_proposed", "publicity", *AWARDED]


def _flags(sizes: dict) -> list[str]:
    return [f"--{name}={n}" for name, n in sizes.items()]


# What the run told the page cache (``table_versions.bump_all``), recorded by the fixture.
BUMPS: list = []


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("seed_scale needs PostgreSQL (set DATABASE_URL); CI runs the suite there too")
    from marketplace.core import table_versions

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(table_versions, "bump_all", lambda **kw: BUMPS.append(kw))
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = StringIO()
            call_command("seed_scale", *_flags(SIZES), stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def scale(seeded, db) -> str:
    return seeded


# --- counts and runs ---------------------------------------------------------------------------
@pytest.mark.postgres
def test_counts_are_exactly_the_sizes_asked_for(scale):
    assert Volunteer.objects.count() == SIZES["volunteers"]
    assert RealNameIdentity.objects.count() == SIZES["volunteers"]
    assert ServiceRecord.objects.count() == SIZES["hours"]
    assert Activity.objects.count() == SIZES["activities"]
    assert Project.objects.count() == SIZES["projects"]
    assert Bid.objects.count() == SIZES["bids"]
    assert Organization.objects.count() == SIZES["organizations"]
    assert Donation.objects.count() == SIZES["donations"]
    # The printed table names each table with its rows, and the time taken.
    assert "volunteers_servicerecord" in scale and "服务时长记录" in scale and "2,000" in scale
    assert "共用时" in scale
    marker = ScaleSeed.objects.get()
    assert marker.sizes == SIZES
    assert marker.report["tables"]["volunteers_signup"] == Signup.objects.count()


@pytest.mark.postgres
def test_the_same_sizes_again_change_nothing(scale):
    before = {m: m.objects.count() for m in (User, Volunteer, Signup, ServiceRecord, Bid, Donation, Posting)}
    out = StringIO()
    call_command("seed_scale", *_flags(SIZES), stdout=out)
    assert "未做任何改动" in out.getvalue()
    assert {m: m.objects.count() for m in before} == before
    assert ScaleSeed.objects.count() == 1


@pytest.mark.postgres
def test_other_sizes_are_refused_with_the_reason(scale):
    with pytest.raises(CommandError, match="另一规模") as refused:
        call_command("seed_scale", *_flags({**SIZES, "volunteers": 600}), stdout=StringIO())
    assert "空数据库" in str(refused.value)
    assert Volunteer.objects.count() == SIZES["volunteers"]


@pytest.mark.postgres
def test_sequences_are_ahead_of_every_id_written(scale):
    report = ScaleSeed.objects.get().report
    with connection.cursor() as cursor:
        for table in report["tables"]:
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            largest = cursor.fetchone()[0]
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            cursor.execute(f"SELECT last_value FROM {cursor.fetchone()[0]}")
            assert cursor.fetchone()[0] >= largest, table
    # A normal insert after the seed takes a fresh id.
    user = User.objects.create(username="after-the-seed")
    assert user.pk > User.objects.exclude(pk=user.pk).order_by("-pk").values_list("pk", flat=True)[0]


# --- the fund ----------------------------------------------------------------------------------
@pytest.mark.postgres
def test_every_entry_balances_and_each_fund_holds_its_gifts_less_its_payments(scale):
    assert not JournalEntry.objects.annotate(total=Sum("postings__amount_fen")).exclude(total=0).exists()
    assert not JournalEntry.objects.annotate(n=Count("postings")).exclude(n=2).exists()
    credited = Donation.objects.filter(status__in=CREDITED_STATUSES)
    assert credited.count() > SIZES["donations"] * 0.8  # most gifts went through
    for donation in credited.filter(refunded_fen=0)[:50]:
        entry = JournalEntry.objects.get(key=f"donation:{donation.pk}:credit")
        lines = {p.account.kind: p.amount_fen for p in entry.postings.select_related("account")}
        assert lines == {AccountKind.CASH: donation.amount_fen, AccountKind.POT: -donation.amount_fen}
        assert entry.postings.get(account__kind=AccountKind.POT).account.subfund_id == donation.subfund_id
    for donation in credited.exclude(refunded_fen=0):
        assert JournalEntry.objects.filter(
            key=f"donation:{donation.pk}:refund:{donation.refunded_fen}"
        ).exists()
    assert not JournalEntry.objects.filter(
        donation__in=Donation.objects.exclude(status__in=CREDITED_STATUSES)
    )
    assert Fund.objects.count() == 4
    paid_anything = False
    for fund in Fund.objects.all():
        balances = fund_selectors.fund_balances(fund)
        gifts = credited.filter(fund=fund).aggregate(s=Sum(F("amount_fen") - F("refunded_fen")))["s"] or 0
        paid = Disbursement.objects.filter(fund=fund, status="paid").aggregate(s=Sum("amount_fen"))["s"] or 0
        paid_anything = paid_anything or paid > 0
        assert balances.balance_fen == gifts - paid, fund.code
        cash = Posting.objects.filter(account__fund=fund, account__kind=AccountKind.CASH).aggregate(
            s=Sum("amount_fen")
        )["s"]
        assert cash == balances.balance_fen
        assert all(pot.balance_fen >= 0 for pot in balances.pots)
    assert paid_anything


@pytest.mark.postgres
def test_fund_payments_are_handed_over_as_the_services_do(scale):
    for disbursement in Disbursement.objects.filter(status="paid").select_related("milestone__payment"):
        milestone = disbursement.milestone
        assert milestone.status == "paid"
        assert milestone.payment.source == "fund"
        assert milestone.payment.fund_disbursement_ref == disbursement.reference
        assert disbursement.amount_fen == milestone.amount_fen
        assert disbursement.approved_by_id != disbursement.proposed_by_id
        assert JournalEntry.objects.filter(key=f"disbursement:{disbursement.pk}:paid").exists()
    waiting = Payment.objects.filter(source="fund", fund_disbursement_ref="")
    assert not waiting.exclude(milestone__status="accepted").exists()


# --- service projects --------------------------------------------------------------------------
@pytest.mark.postgres
def test_projects_have_every_status_a_page_filters_on_mostly_closed(scale):
    by_status = dict(Project.objects.values_list("status").annotate(n=Count("id")))
    assert by_status.get("completed", 0) > SIZES["projects"] / 2
    assert by_status.get("in_delivery", 0) > 0
    assert by_status.get("failed", 0) > 0
    open_now = Project.objects.filter(status="published", bid_close_at__gt=timezone.now())
    assert open_now.exists()
    assert not Project.objects.filter(status="published", bid_close_at__lte=timezone.now()).exists()


@pytest.mark.postgres
def test_awarded_projects_have_one_winning_bid_and_a_contract(scale):
    awarded = Project.objects.filter(status__in=AWARDED)
    assert awarded.exists()
    for project in awarded.annotate(won=Count("bids", filter=Q(bids__status="won"))):
        assert project.won == 1
        assert project.awarded_bid.status == "won"
        assert BidResult.objects.get(bid=project.awarded_bid).rank == 1
        result = procurement_selectors.project_result_public(project)
        assert result["winner"]["bid_id"] == project.awarded_bid_id
    for contract in Contract.objects.select_related("project", "bid"):
        assert contract.project.status in AWARDED[1:]
        assert contract.bid_id == contract.project.awarded_bid_id
        assert contract.amount_fen == contract.bid.price_fen
        assert contract.milestones.aggregate(s=Sum("amount_fen"))["s"] == contract.amount_fen
    assert Contract.objects.count() == Project.objects.filter(status__in=AWARDED[1:]).count()
    # Every opened project kept at least its minimum of valid bids.
    thin = Project.objects.filter(status__in=OPENED).annotate(
        valid=Count("bids", filter=Q(bids__status__in=["opened", "won", "lost"]))
    )
    assert not thin.filter(valid__lt=F("min_valid_bids")).exists()
    # Each project's last move is its status (the open-data release reads the log).
    for project in Project.objects.exclude(status="draft")[:60]:
        last = TransitionLog.objects.filter(lifecycle="procurement.project", object_id=str(project.pk)).last()
        assert last.to_state == project.status


@pytest.mark.postgres
def test_bids_are_sealed_with_their_project_key_and_their_receipts_hold(scale):
    checked = 0
    for bid in Bid.objects.select_related("project").exclude(status="draft")[:80]:
        contents = sealing.unseal(bid.project, bid.sealed_contents)
        assert bid.content_hash == sealing.receipt_hash(contents, bid.submitted_at.isoformat())
        assert bid.project.bid_open_at <= bid.submitted_at < bid.project.bid_close_at
        if bid.status in ("opened", "won", "lost", "disqualified"):
            assert bid.price_fen == contents["price_fen"] <= bid.project.budget_ceiling_fen
        else:
            assert bid.price_fen is None
        checked += 1
    assert checked == 80


# --- volunteers --------------------------------------------------------------------------------
@pytest.mark.postgres
def test_hours_belong_to_checked_out_signups_of_shifts_of_their_activity(scale):
    records = ServiceRecord.objects.all()
    assert not records.exclude(signup__shift_id=F("shift_id")).exists()
    assert not records.exclude(signup__volunteer_id=F("volunteer_id")).exists()
    assert not records.exclude(shift__activity_id=F("activity_id")).exists()
    assert not records.exclude(signup__status="checked_out").exists()
    assert not records.filter(shift__activity__status__in=["draft", "cancelled", "published"]).exists()
    corrections = records.filter(corrects__isnull=False)
    assert corrections.exists()
    assert not corrections.exclude(corrects__status="superseded").exists()
    assert not corrections.exclude(corrects__signup_id=F("signup_id")).exists()
    counted = records.filter(status="confirmed").aggregate(s=Sum("minutes"))["s"]
    assert counted > 0
    # Certificates state the confirmed hours of their period.
    for certificate in Certificate.objects.all()[:20]:
        assert (
            certificate.minutes
            == records.filter(
                volunteer=certificate.volunteer,
                status="confirmed",
                served_on__range=(certificate.period_start, certificate.period_end),
            ).aggregate(s=Sum("minutes"))["s"]
        )


@pytest.mark.postgres
def test_signups_respect_the_rules_of_signing_up(scale):
    live = Signup.objects.filter(status__in=LIVE_SIGNUP_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COUNT(*) FROM volunteers_signup a
               JOIN volunteers_signup b ON a.volunteer_id = b.volunteer_id AND a.id < b.id
               JOIN volunteers_shift sa ON sa.id = a.shift_id JOIN volunteers_shift sb ON sb.id = b.shift_id
               WHERE a.status = ANY(%s) AND b.status = ANY(%s)
                 AND sa.starts_at < sb.ends_at AND sb.starts_at < sa.ends_at""",
            [sorted(LIVE_SIGNUP_STATUSES)] * 2,
        )
        assert cursor.fetchone()[0] == 0  # never two overlapping shifts
    assert not Signup.objects.filter(created_at__lt=F("volunteer__registered_at")).exists()
    assert not Signup.objects.filter(created_at__gte=F("shift__starts_at")).exists()
    assert (
        not Signup.objects.filter(activity__party_only=True)
        .exclude(volunteer__political_status__in=PARTY_STATUSES)
        .exists()
    )
    for shift in Shift.objects.annotate(
        taken=Count("signups", filter=Q(signups__status__in=["confirmed", "checked_in", "checked_out"]))
    ):
        assert shift.taken <= shift.capacity
    upcoming = live.filter(shift__starts_at__gt=timezone.now())
    assert upcoming.exists()
    assert not upcoming.exclude(volunteer__status="active").exists()


@pytest.mark.postgres
def test_id_numbers_are_encrypted_as_the_field_does_and_valid(scale):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number FROM accounts_realnameidentity ORDER BY id LIMIT 200")
        stored = dict(cursor.fetchall())
    for identity in RealNameIdentity.objects.filter(pk__in=stored):
        number = identity.id_number  # decrypted by EncryptedTextField
        assert stored[identity.pk] != number and crypto.decrypt(stored[identity.pk]) == number
        assert is_valid_resident_id(number)
        assert identity.id_number_hash == crypto.lookup_hash(number)
        assert identity.id_number_masked == mask_resident_id(number)
        assert identity.gender == resident_id_gender(number)
        assert identity.birth_date == resident_id_birth_date(number)
        assert identity.real_name and identity.user.display_name == identity.real_name
    assert RealNameIdentity.objects.values("id_number_hash").distinct().count() == SIZES["volunteers"]


@pytest.mark.postgres
def test_accounts_have_valid_phones_and_no_usable_password(scale):
    users = User.objects.filter(username__startswith="scale-")
    # Volunteers, org admins, and the staff: three district admins, two officials per street,
    # a worker per community.
    staff = 3 + 2 * Street.objects.count() + Community.objects.count()
    assert users.count() == SIZES["volunteers"] + SIZES["organizations"] + staff
    for user in users[:300]:
        assert normalize_cn_mobile(user.phone) == user.phone
        assert user.phone_verified
        assert not user.has_usable_password()
    assert users.values("phone").distinct().count() == users.count()


@pytest.mark.postgres
def test_a_dangling_reference_is_found_and_named(scale):
    """The seed inserts with triggers off and checks every foreign key itself afterwards: the
    check must see a reference to a row that does not exist."""
    from cms.scale.copy import Copier
    from cms.scale.volunteers import SIGNUP_COLUMNS

    signup = Signup.objects.order_by("pk").first()
    missing_shift = Shift.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    with connection.cursor() as cursor:
        copier = Copier(cursor)
        copier.begin()
        table = copier.table(Signup, SIGNUP_COLUMNS)
        table.line(
            f"{table.take()}\tcancelled\t2026-01-01 00:00:00+00\t\\N\t\\N\t\t\\N\t\\N\t{signup.activity_id}\t"
            f"\\N\t\\N\t{missing_shift}\t{signup.user_id}\t{signup.volunteer_id}\n"
        )
        copier.finish()
        copier.close()
        assert copier.triggers_off
        assert copier.check_references() == ["volunteers_signup.shift_id: 1"]


# --- the public pages --------------------------------------------------------------------------
@pytest.mark.postgres
def test_public_pages_render_the_seeded_data(scale, client):
    project = Project.objects.filter(status="completed").first()
    open_project = Project.objects.filter(status="published").first()
    org = Organization.objects.filter(status="verified").first()
    fund = Fund.objects.first()
    pages = [
        "/projects/",
        "/projects/?status=published",
        f"/projects/?street={project.street_id}&status=completed",
        f"/projects/{project.pk}/",
        f"/projects/{open_project.pk}/",
        "/organizations/",
        f"/organizations/{org.pk}/",
        "/volunteers/activities/",
        "/fund/",
        f"/fund/{fund.code}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert open_project.title in client.get("/projects/?status=published").content.decode()
    assert org.name in client.get(f"/organizations/{org.pk}/").content.decode()


@pytest.mark.postgres
def test_the_page_cache_is_told_after_writing_around_the_orm(scale):
    assert BUMPS == [{}]


# --- everywhere --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_sqlite_is_refused_with_a_clear_message(monkeypatch):
    before = (ScaleSeed.objects.count(), Volunteer.objects.count())
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="只支持 PostgreSQL"):
        call_command("seed_scale", "--scale=0.001", stdout=StringIO())
    monkeypatch.undo()
    assert (ScaleSeed.objects.count(), Volunteer.objects.count()) == before


@pytest.mark.django_db
def test_dry_run_prints_the_plan_and_writes_nothing():
    before = (ScaleSeed.objects.count(), Volunteer.objects.count(), User.objects.count())
    out = StringIO()
    call_command("seed_scale", "--scale=0.01", "--bids=5000", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "计划" in text and "志愿者" in text and "10,000" in text and "5,000" in text
    assert "50,000" in text  # service-hour records
    assert (ScaleSeed.objects.count(), Volunteer.objects.count(), User.objects.count()) == before


@pytest.mark.django_db
def test_bad_sizes_are_refused_in_chinese():
    with pytest.raises(CommandError, match="--scale"):
        call_command("seed_scale", "--scale=0", stdout=StringIO())
