"""The demo's volunteers: about 300 real-name volunteers (a third party members) in every street,
activities past and upcoming in each, hours checked in, confirmed (some corrected) and enough of
them for star levels; all through the services by the right people, and no whole ID number on
a public page."""

import datetime
import re
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cms import demo as demo_package
from cms.demo import DEMO_PASSWORD, procurement
from cms.demo import volunteers as plan
from cms.demo.places import STREETS
from cms.management.commands import seed_demo
from marketplace.accounts.models import RealNameIdentity, RoleAssignment, User
from marketplace.core.lifecycle import TransitionLog
from marketplace.core.models import AuditEntry, Notification
from marketplace.core.roles import Role
from marketplace.core.validators import is_valid_resident_id, normalize_cn_mobile, resident_id_gender
from marketplace.places.models import Community, Grid, Street
from marketplace.volunteers import selectors
from marketplace.volunteers.choices import (
    PARTY_STATUSES,
    ActivityStatus,
    PartyReportStatus,
    RecordStatus,
    SignupStatus,
)
from marketplace.volunteers.models import Activity, PartyReport, ServiceRecord, Shift, Signup, Volunteer
from marketplace.volunteers.policies import ORGANISERS

SEEDED = {}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def private_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("private")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, private_dir):
    """Seed once for the module, inside a transaction rolled back at the end (each test runs in
    a savepoint of it). The service projects are left out (nothing here needs them); the
    volunteers step is timed on the way."""
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": private_dir}}

    def timed(ctx):
        started = time.perf_counter()
        plan.seed_volunteers(ctx)
        SEEDED["seconds"] = time.perf_counter() - started

    steps = [
        timed if step is plan.seed_volunteers else step
        for step in demo_package.STEPS
        if step is not procurement.seed_projects
    ]
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES={**settings.STORAGES, "private": storage}),
        pytest.MonkeyPatch.context() as patch,
    ):
        storages._storages.pop("private", None)
        patch.setattr(seed_demo, "STEPS", steps)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            storages._storages.pop("private", None)


@pytest.fixture
def demo(seeded, db) -> str:
    return seeded


def _counts() -> dict:
    models = [
        User,
        RealNameIdentity,
        Volunteer,
        PartyReport,
        Activity,
        Shift,
        Signup,
        ServiceRecord,
        RoleAssignment,
        AuditEntry,
        TransitionLog,
        Notification,
    ]
    return {m.__name__: m.objects.count() for m in models}


def _is_organiser(user_id: int, activity: Activity) -> bool:
    chain = activity.scope_chain()
    q = Q()
    for kind, pk in chain:
        q |= Q(scope_kind=kind, scope_id=pk)
    return RoleAssignment.objects.active().filter(q, user_id=user_id, role__in=ORGANISERS).exists()


# --- the registry ---------------------------------------------------------------------------
def test_about_three_hundred_volunteers_a_third_party_members_in_every_grid(demo):
    volunteers = Volunteer.objects.all()
    assert 290 <= volunteers.count() <= 310
    party = volunteers.filter(political_status__in=PARTY_STATUSES).count()
    assert 0.30 <= party / volunteers.count() <= 0.40
    assert set(volunteers.values_list("political_status", flat=True)) >= {"party_member", "probationary",
                                                                          "league_member", "masses"}  # fmt: skip
    # Spread over the five streets, every community and (nearly) every grid.
    per_street = dict(volunteers.values_list("street__name").annotate(n=Count("id")))
    assert set(per_street) == {name for _, name, _ in STREETS}
    assert all(n >= 40 for n in per_street.values()), per_street
    assert not Community.objects.annotate(n=Count("volunteers")).filter(n__lt=5).exists()
    assert Grid.objects.annotate(n=Count("volunteers")).filter(n=0).count() == 0
    # Party members belong to a party organisation of their grid or, in service, of their work.
    for v in volunteers.filter(political_status__in=PARTY_STATUSES).select_related("party_organization"):
        if v.in_service:
            assert v.workplace and v.workplace_party_branch == v.party_organization.name
        else:
            assert v.party_organization.grid_id == v.grid_id
    assert volunteers.filter(resident_roles__icontains="building_leader").exists()
    assert not volunteers.annotate(n=Count("skills")).filter(n=0).exists()


def test_real_names_valid_id_numbers_and_verified_phones(demo):
    identities = list(RealNameIdentity.objects.filter(volunteer__isnull=False).select_related("user"))
    numbers = [i.id_number for i in identities]
    assert len(set(numbers)) == len(numbers) == Volunteer.objects.count()
    for identity in identities:
        assert is_valid_resident_id(identity.id_number), identity.id_number
        assert identity.gender == resident_id_gender(identity.id_number)
        assert identity.consent_at is not None
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", identity.real_name), identity.real_name
        assert 18 <= timezone.localdate().year - identity.birth_date.year <= 82
        user = identity.user
        assert user.phone_verified and re.fullmatch(r"\+8613\d{9}", user.phone)
        assert normalize_cn_mobile(user.phone) == user.phone
    # Realistic: most were born around 锦州 (太和区 is 210711).
    assert sum(n.startswith("2107") for n in numbers) > len(numbers) / 2
    assert len({i.real_name for i in identities}) == len(identities)


def test_the_plan_is_the_same_on_every_run(db):
    first, second = plan.plan_people(), plan.plan_people()
    assert [(p.name, p.id_number, p.phone) for p in first] == [(p.name, p.id_number, p.phone) for p in second]


def test_in_service_members_report_and_the_community_decides(demo):
    reports = PartyReport.objects.select_related("volunteer")
    statuses = set(reports.values_list("status", flat=True))
    assert statuses == {PartyReportStatus.CONFIRMED, PartyReportStatus.PENDING, PartyReportStatus.DECLINED}
    assert reports.count() >= 15
    for report in reports:
        assert report.volunteer.in_service and report.community_id == report.volunteer.community_id
        submit = AuditEntry.objects.get(action="volunteers.party_report.submit", object_id=str(report.pk))
        assert submit.actor_id == report.volunteer.user_id
        if report.status != PartyReportStatus.PENDING:
            assert RoleAssignment.objects.active().filter(
                user=report.decided_by, role=Role.COMMUNITY_WORKER, scope_kind="community",
                scope_id=report.community_id,
            ).exists()  # fmt: skip
    assert reports.get(status=PartyReportStatus.DECLINED).decline_reason


def test_every_volunteer_registered_themselves(demo):
    registrations = AuditEntry.objects.filter(action="volunteers.volunteer.register")
    assert registrations.count() == Volunteer.objects.count()
    owners = dict(Volunteer.objects.values_list("pk", "user_id"))
    assert all(owners[int(e.object_id)] == e.actor_id for e in registrations)


# --- activities -----------------------------------------------------------------------------
def test_every_street_has_activities_past_and_upcoming(demo):
    now = timezone.now()
    for street in Street.objects.all():
        activities = Activity.objects.filter(street=street)
        past = activities.filter(status=ActivityStatus.FINISHED)
        upcoming = activities.filter(status=ActivityStatus.PUBLISHED, shifts__starts_at__gt=now).distinct()
        assert past.count() >= 6, street.name
        assert upcoming.count() >= 5, street.name
        assert not Shift.objects.filter(activity__in=past, ends_at__gt=now).exists()
        # Many kinds of service, each in a real place with a contact.
        assert len({a.title for a in activities}) == activities.count()
        for kind in ("社区环境整治", "敬老助餐", "垃圾分类督导", "关爱留守儿童", "新时代文明实践站志愿值守"):
            assert activities.filter(title__contains=kind).exists(), (street.name, kind)
    assert Activity.objects.filter(party_only=True, status=ActivityStatus.PUBLISHED).exists()
    assert Activity.objects.filter(organizer_kind="organization").count() >= 3
    assert Activity.objects.filter(organizer_kind="grid").exists()
    assert Activity.objects.filter(status=ActivityStatus.CANCELLED).exclude(cancel_reason="").exists()
    assert Activity.objects.filter(status=ActivityStatus.DRAFT).exists()
    # Public lists show them.
    listed = selectors.activity_list_public(upcoming_only=True)
    assert len({a.street_id for a in listed}) == 5


def test_upcoming_shifts_fill_up_with_a_waiting_list_that_moves_up(demo):
    now = timezone.now()
    upcoming = Signup.objects.filter(shift__starts_at__gt=now)
    waiting = upcoming.filter(status=SignupStatus.WAITING)
    assert waiting.count() >= 5
    for shift in Shift.objects.filter(signups__in=waiting).distinct():
        taken = shift.signups.filter(status=SignupStatus.CONFIRMED).count()
        assert taken == shift.capacity
    # A place given up went to the first on the waiting list.
    assert upcoming.filter(status=SignupStatus.CANCELLED).exists()
    assert upcoming.filter(status=SignupStatus.CONFIRMED, promoted_at__isnull=False).exists()
    # Party-only activities take party members only.
    assert (
        not Signup.objects.filter(activity__party_only=True)
        .exclude(volunteer__political_status__in=PARTY_STATUSES)
        .exists()
    )
    # Nobody is signed up for two shifts at once.
    live = Signup.objects.exclude(status=SignupStatus.CANCELLED).select_related("shift")
    by_volunteer = {}
    for s in live:
        by_volunteer.setdefault(s.volunteer_id, []).append((s.shift.starts_at, s.shift.ends_at))
    for spans in by_volunteer.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_hours_checked_in_by_the_organiser_and_confirmed(demo):
    confirmed = ServiceRecord.objects.filter(status=RecordStatus.CONFIRMED)
    assert confirmed.count() >= 500
    assert ServiceRecord.objects.filter(status=RecordStatus.PENDING).exists()
    assert ServiceRecord.objects.filter(status=RecordStatus.REJECTED).exists()
    corrections = confirmed.filter(corrects__isnull=False).select_related("corrects")
    assert corrections.count() >= 5
    for record in corrections:
        assert record.corrects.status == RecordStatus.SUPERSEDED and record.reason
    assert Signup.objects.filter(status=SignupStatus.NO_SHOW).exists()
    # The calendar reads true: signed up before the shift, checked in and out around it.
    for record in ServiceRecord.objects.select_related("shift", "signup", "activity")[:300]:
        shift, signup = record.shift, record.signup
        assert signup.created_at < shift.starts_at
        assert shift.starts_at - datetime.timedelta(minutes=30) <= record.started_at < shift.ends_at
        assert record.served_on == timezone.localtime(shift.starts_at).date()
        assert record.minutes <= shift.duration_minutes + 30
        assert _is_organiser(signup.checked_in_by_id, record.activity)
        if record.status == RecordStatus.CONFIRMED:
            assert _is_organiser(record.confirmed_by_id, record.activity)


def test_star_levels_and_rankings_show(demo):
    totals = Volunteer.objects.annotate(
        m=Sum("records__minutes", filter=Q(records__status=RecordStatus.CONFIRMED))
    ).values_list("m", flat=True)
    hours = sorted(((m or 0) / 60 for m in totals), reverse=True)
    assert sum(h >= 300 for h in hours) >= 3
    assert sum(h >= 100 for h in hours) >= 8
    assert sum(h > 0 for h in hours) >= 150
    community = Community.objects.get(code=STREETS[0][2][0][0])
    ranking = list(selectors.ranking_in_community(community_id=community.pk, limit=10))
    assert ranking[0].total_minutes >= 100 * 60 and ranking[0].star >= 1
    assert [r.total_minutes for r in ranking] == sorted((r.total_minutes for r in ranking), reverse=True)


def test_in_service_members_have_hours_this_year_for_their_branch(demo):
    worker = User.objects.get(email="community@taihe.example")
    rows = list(selectors.party_member_yearly_hours(viewer=worker, year=timezone.localdate().year))
    assert rows and any(r.year_minutes > 0 for r in rows)


# --- the demo volunteer ---------------------------------------------------------------------
def test_demo_volunteer_logs_in_with_hours_a_report_and_places(demo, client):
    assert plan.DEMO_VOLUNTEER["email"] in demo
    response = client.post(
        "/accounts/login/", {"login": plan.DEMO_VOLUNTEER["email"], "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user__email=plan.DEMO_VOLUNTEER["email"])
    assert volunteer.political_status == "party_member" and volunteer.in_service
    assert volunteer.party_reports.get().status == PartyReportStatus.CONFIRMED
    totals = selectors.volunteer_totals(volunteer=volunteer)
    assert totals.minutes >= 100 * 60 and totals.star.level >= 1
    upcoming = Signup.objects.filter(volunteer=volunteer, shift__starts_at__gt=timezone.now())
    assert upcoming.filter(status=SignupStatus.CONFIRMED).exists()
    assert upcoming.filter(status=SignupStatus.WAITING).exists()


# --- privacy --------------------------------------------------------------------------------
def _public_urls() -> list[str]:
    urls = ["/"]
    community = Community.objects.get(code=STREETS[0][2][0][0])
    activity = Activity.objects.filter(status=ActivityStatus.PUBLISHED).order_by("pk").first()
    for name, kwargs, query in [
        ("volunteers:activities", {}, ""),
        ("volunteers:activity", {"activity_id": activity.pk}, ""),
        ("volunteers:rankings", {}, f"?community={community.pk}"),
    ]:
        try:
            urls.append(reverse(name, kwargs=kwargs) + query)
        except NoReverseMatch:
            continue
    return urls


def test_no_whole_id_number_on_public_pages_or_in_the_record(demo, client):
    numbers = [i.id_number for i in RealNameIdentity.objects.all()]
    assert all(i.id_number_masked.count("*") == 11 for i in RealNameIdentity.objects.all())
    pages = []
    for url in _public_urls():
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    pages.append(demo)
    for text in pages:
        assert not any(n in text for n in numbers)
    # The audit trail keeps masked numbers only.
    changes = " ".join(str(c) for c in AuditEntry.objects.values_list("changes", flat=True))
    assert not any(n in changes for n in numbers[::3])


# --- re-runs and speed ----------------------------------------------------------------------
def test_second_run_adds_nothing(demo):
    before = _counts()
    out = seed()
    assert _counts() == before
    assert "未新建任何记录" in out


def test_the_step_is_quick(demo):
    # 60 s is the budget on SQLite; a loaded machine gets some slack.
    assert SEEDED["seconds"] < 90, SEEDED["seconds"]
