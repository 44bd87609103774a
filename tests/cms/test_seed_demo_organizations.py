from io import StringIO

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db.models import Avg, Count

from cms.demo import DEMO_PASSWORD
from cms.demo import organizations as demo
from cms.demo.places import STREETS
from marketplace.accounts.models import RoleAssignment, User
from marketplace.core.lifecycle import TransitionLog
from marketplace.core.models import AuditEntry, Notification, PrivateFile
from marketplace.core.roles import Role
from marketplace.core.validators import is_valid_uscc
from marketplace.organizations import selectors
from marketplace.organizations.choices import REGISTERED_FORMS, LegalForm, OrgStatus, ServiceCategory
from marketplace.organizations.models import (
    Application,
    Cohort,
    Goal,
    Incubation,
    IncubationActivity,
    MentorLog,
    Organization,
    OrganizationDocument,
    PeriodicReport,
    Scorecard,
    ServiceTag,
)
from tests.cms.conftest import seed_steps_up_to


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, monkeypatch) -> str:
    seed_steps_up_to(monkeypatch, demo.seed_organizations)
    return seed()


def _counts() -> dict:
    models = [
        Organization,
        OrganizationDocument,
        PrivateFile,
        Cohort,
        Application,
        Incubation,
        Scorecard,
        Goal,
        MentorLog,
        IncubationActivity,
        PeriodicReport,
        User,
        RoleAssignment,
        AuditEntry,
        TransitionLog,
        Notification,
    ]
    return {m.__name__: m.objects.count() for m in models}


def test_about_forty_organisations_across_the_kinds_and_streets(seeded):
    orgs = Organization.objects.all()
    assert 35 <= orgs.count() <= 45
    assert set(orgs.values_list("category", flat=True)) == set(ServiceCategory.values)
    per_street = dict(orgs.values_list("street__name").annotate(n=Count("id")))
    assert set(per_street) == {name for _, name, _ in STREETS}
    assert all(n >= 5 for n in per_street.values()), per_street
    assert set(orgs.values_list("legal_form", flat=True)) == set(LegalForm.values)
    # Every organisation carries tags from the migration's list.
    assert not orgs.annotate(n=Count("tags")).filter(n=0).exists()
    assert set(orgs.values_list("tags__slug", flat=True)) <= set(
        ServiceTag.objects.values_list("slug", flat=True)
    )


def test_statuses_codes_and_grades_are_realistic(seeded):
    orgs = Organization.objects.all()
    statuses = dict(orgs.values_list("status").annotate(n=Count("id")))
    assert statuses[OrgStatus.VERIFIED] >= 30
    assert 2 <= statuses[OrgStatus.PENDING] <= 6
    assert statuses[OrgStatus.SUSPENDED] == 1
    for org in orgs:
        if org.legal_form in REGISTERED_FORMS:
            assert org.uscc and len(org.uscc) == 18
            # A code failing its check is on file only with the district's documented check.
            assert is_valid_uscc(org.uscc) or (org.uscc_check_failed and org.uscc_override_reason)
        else:
            assert org.uscc is None
        if org.grade:
            assert org.grade in ("3A", "4A", "5A") and org.grade_expires_on is not None
        assert org.contact_phone.startswith("+861")
    assert orgs.filter(uscc_check_failed=True, status=OrgStatus.VERIFIED).count() == 1
    assert orgs.exclude(grade="").count() >= 5
    # Verification needed documents: every verified (or suspended) organisation has them.
    public = orgs.filter(status__in=[OrgStatus.VERIFIED, OrgStatus.SUSPENDED])
    assert not public.annotate(n=Count("documents")).filter(n=0).exists()


def test_documents_are_real_pdfs_in_private_storage(seeded, private_root):
    documents = OrganizationDocument.objects.select_related("file")
    assert documents.count() >= 35
    storage = storages["private"]
    for document in documents[:5]:
        assert document.file.purpose == "org_document" and document.file.sensitive
        with storage.open(document.file.stored_name) as fh:
            assert fh.read(5) == b"%PDF-"
    assert any(private_root.rglob("*.pdf"))


def test_everything_was_written_through_the_services(seeded):
    admin = User.objects.get(email="admin@taihe.example")
    orgs = Organization.objects.count()
    assert AuditEntry.objects.filter(action="organizations.org.register").count() == orgs
    verifications = TransitionLog.objects.filter(lifecycle="organizations.organization", code="verify")
    assert verifications.count() == Organization.objects.exclude(status=OrgStatus.PENDING).count()
    assert set(verifications.values_list("actor_id", flat=True)) == {admin.pk}
    # Each registrant is the organisation's admin, as a real registrant would be.
    for org in Organization.objects.all():
        assert [a.role for a in selectors.member_list(org)] == [Role.ORG_ADMIN]
    # The district admin runs the incubator but holds no organisation or mentor role.
    assert list(RoleAssignment.objects.active().filter(user=admin).values_list("role", flat=True)) == [
        Role.DISTRICT_ADMIN
    ]


def test_one_running_and_one_finished_cohort(seeded):
    running = Cohort.objects.get(status="running")
    finished = Cohort.objects.get(status="finished")
    assert Cohort.objects.count() == 2

    incubating = running.incubations.all()
    assert incubating.count() == running.capacity
    assert set(incubating.values_list("status", flat=True)) <= {"incubating", "midterm"}
    for incubation in incubating:
        mentors = RoleAssignment.objects.active().filter(
            role=Role.MENTOR, scope_kind="incubation", scope_id=incubation.pk
        )
        assert mentors.exists()
        assert incubation.scorecards.filter(stage="entry").exists()
        assert incubation.goals.exists() and incubation.mentor_logs.exists()
        assert incubation.reports.filter(status="due").exists()
    assert running.applications.filter(status="waitlisted").exists()
    assert running.applications.filter(status="declined").exists()
    assert running.applications_close_at.date() < running.starts_on

    graduated = finished.incubations.filter(status="graduated")
    assert graduated.count() >= 2
    assert finished.incubations.filter(status="exited").exclude(exit_reason="").exists()
    for incubation in graduated:
        exit_card = incubation.scorecards.get(stage="exit")
        assert exit_card.average >= 3.5
        assert incubation.activities.exists() and incubation.ended_at is not None
        assert incubation.organization.status == OrgStatus.VERIFIED
    # The finished call reads as last year's, the running one as this season's.
    assert finished.applications_close_at < running.applications_open_at
    assert finished.ends_on < running.starts_on
    assert Scorecard.objects.filter(stage="entry").aggregate(a=Avg("governance"))["a"] < 4


def test_the_demo_org_admin_logs_in(seeded, client):
    user = User.objects.get(email=demo.ORG_ADMIN["email"])
    org = Organization.objects.get(name=demo.ORG_ADMIN["org"])
    assert user.phone == demo.ORG_ADMIN["phone"] and user.phone_verified
    assert (
        RoleAssignment.objects.active()
        .filter(user=user, role=Role.ORG_ADMIN, scope_kind="organization", scope_id=org.pk)
        .exists()
    )
    # Its organisation is in the running cohort, so the org admin has something to do.
    assert Incubation.objects.filter(organization=org, cohort__status="running").exists()
    assert demo.ORG_ADMIN["email"] in seeded and "社会组织管理员" in seeded
    response = client.post("/accounts/login/", {"login": demo.ORG_ADMIN["email"], "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_second_run_changes_nothing(seeded):
    before = _counts()
    out = seed()
    assert _counts() == before
    assert "未新建任何记录" in out
    assert demo.ORG_ADMIN["email"] in out


def test_reseeding_keeps_an_administrators_changes(seeded):
    org = Organization.objects.get(name="城关慈善爱心驿站")
    org.description = "管理员改过的简介"
    org.save()
    cohort = Cohort.objects.get(status="running")
    Cohort.objects.filter(pk=cohort.pk).update(description="改过的期次简介")
    seed()
    org.refresh_from_db()
    cohort.refresh_from_db()
    assert org.description == "管理员改过的简介"
    assert cohort.description == "改过的期次简介"
