import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.accounts.models import RoleAssignment
from marketplace.core.exceptions import GuardFailed, PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry, Notification
from marketplace.core.permissions import forget_assignments
from marketplace.core.roles import Role
from marketplace.organizations import selectors, services
from marketplace.organizations.choices import LegalForm, OrgStatus
from marketplace.organizations.models import Organization, OrganizationDocument
from tests.factories import OrganizationFactory, UserFactory, enable_mfa
from tests.factories.organizations import make_uscc

from .conftest import attach_document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def data(world, **overrides):
    values = {
        "name": "和平社区邻里互助会",
        "legal_form": LegalForm.SOCIAL_GROUP,
        "uscc": make_uscc(424242),
        "legal_representative": "刘芳",
        "contact_phone": "13912345678",
        "address": "太和区和平路8号",
        "street": world.street_a,
        "community": world.community_a,
        "category": "mutual_aid",
        "founded_on": datetime.date(2019, 3, 1),
        "tag_slugs": ["elderly", "mediation"],
    }
    values.update(overrides)
    return services.OrganizationData(**values)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


# --- registration ---------------------------------------------------------------------------
def test_registration_makes_a_pending_org_and_the_registrant_its_admin(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    assert org.status == OrgStatus.PENDING
    assert org.contact_phone == "+8613912345678"
    assert org.district_id == world.district.pk
    assert sorted(org.tags.values_list("slug", flat=True)) == ["elderly", "mediation"]
    assert (
        RoleAssignment.objects.active()
        .filter(user=world.resident, role=Role.ORG_ADMIN, scope_id=org.pk)
        .exists()
    )
    entry = AuditEntry.objects.get(action="organizations.org.register")
    assert "13912345678" not in str(entry.changes) and entry.changes["contact_phone"] == "139****5678"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"uscc": "91350100M000100Y44"}, "uscc", "invalid_uscc"),
        ({"uscc": ""}, "uscc", "invalid"),
        ({"uscc": "123"}, "uscc", "invalid"),
        ({"legal_form": LegalForm.COMMUNITY_FILED}, "uscc", "invalid"),  # filed orgs have no code
        ({"grade": "4A"}, "grade_expires_on", "grade_needs_expiry"),
        ({"grade": "6A", "grade_expires_on": datetime.date(2030, 1, 1)}, "grade", "invalid"),
        ({"contact_phone": "12345"}, "contact_phone", "invalid"),
        ({"community": "other-street"}, "community", "invalid"),
        ({"founded_on": datetime.date(2099, 1, 1)}, "founded_on", "invalid"),
        ({"tag_slugs": ["nonsense"]}, "tags", "invalid"),
        ({"name": " "}, "name", "invalid"),
    ],
)
def test_bad_registration_is_refused_in_chinese_and_changes_nothing(world, overrides, field, code):
    if overrides.get("community") == "other-street":
        overrides["community"] = world.community_b
    with pytest.raises(ValidationFailed) as exc:
        services.organization_register(actor=world.resident, data=data(world, **overrides))
    assert (exc.value.field, exc.value.code) == (field, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert not Organization.objects.exists()
    assert not RoleAssignment.objects.filter(role=Role.ORG_ADMIN).exists()


def test_duplicate_credit_code_and_name_are_refused(world):
    services.organization_register(actor=world.resident, data=data(world))
    with pytest.raises(ValidationFailed) as exc:
        services.organization_register(actor=UserFactory(), data=data(world, name="另一个名字"))
    assert exc.value.code == "duplicate_uscc"
    with pytest.raises(ValidationFailed) as exc:
        services.organization_register(actor=UserFactory(), data=data(world, uscc=make_uscc(777)))
    assert exc.value.code == "duplicate_name"
    assert Organization.objects.count() == 1


def test_community_filed_org_registers_without_a_code(world):
    org = services.organization_register(
        actor=world.resident, data=data(world, legal_form=LegalForm.COMMUNITY_FILED, uscc="")
    )
    assert org.uscc is None


def test_real_code_failing_the_check_needs_a_documented_override(world):
    bad = "91350100M000100Y44"
    org = services.organization_register(
        actor=world.resident, data=data(world, uscc=bad, uscc_check_failed=True)
    )
    assert org.uscc_check_failed
    attach_document(org)
    with pytest.raises(GuardFailed) as exc:
        services.organization_verify(actor=world.district_admin, org=org)
    assert exc.value.code == "override_reason_required"
    services.organization_verify(
        actor=world.district_admin, org=org, override_reason="已核对登记证书原件,代码一致"
    )
    org.refresh_from_db()
    assert org.status == OrgStatus.VERIFIED and org.uscc_override_reason.startswith("已核对")


def test_verification_needs_documents_and_the_district(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    with pytest.raises(GuardFailed):
        services.organization_verify(actor=world.district_admin, org=org)
    services.organization_document_add(
        actor=world.resident, org=org, kind="registration", upload=SimpleUploadedFile("证书.pdf", PDF)
    )
    for outsider in (world.official_a, world.resident):
        with pytest.raises(PermissionDenied):
            services.organization_verify(actor=outsider, org=org)
    services.organization_verify(actor=world.district_admin, org=org)
    org.refresh_from_db()
    assert org.status == OrgStatus.VERIFIED and org.verified_at is not None
    assert Notification.objects.filter(recipient=world.resident, title__contains="已通过区级认证").exists()


def test_document_content_is_checked(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    with pytest.raises(ValidationFailed) as exc:
        services.organization_document_add(
            actor=world.resident,
            org=org,
            kind="charter",
            upload=SimpleUploadedFile("章程.pdf", b"MZ not a pdf"),
        )
    assert exc.value.code == "file_type"
    assert not OrganizationDocument.objects.exists()


def test_verification_gates_bidding(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    assert not selectors.organization_can_bid(org)
    assert "尚未通过区级认证" in selectors.bid_refusal_reason(org)
    attach_document(org)
    services.organization_verify(actor=world.district_admin, org=org)
    assert selectors.organization_can_bid(org) and selectors.bid_refusal_reason(org) is None
    services.organization_suspend(actor=world.district_admin, org=org, reason="年检未通过")
    assert not selectors.organization_can_bid(org)
    assert "已被暂停" in selectors.bid_refusal_reason(org)
    services.organization_reinstate(actor=world.district_admin, org=org, reason="已补正")
    assert selectors.organization_can_bid(org)


def test_reject_then_resubmit_by_the_org_admin(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    with pytest.raises(ValidationFailed):
        services.organization_reject(actor=world.district_admin, org=org, reason=" ")
    services.organization_reject(actor=world.district_admin, org=org, reason="材料不清晰")
    with pytest.raises(PermissionDenied):
        services.organization_resubmit(actor=world.official_a, org=org)
    services.organization_resubmit(actor=world.resident, org=org)
    assert org.status == OrgStatus.PENDING


def test_identity_fields_lock_after_verification(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    attach_document(org)
    services.organization_verify(actor=world.district_admin, org=org)
    org.refresh_from_db()
    updated = services.organization_update(
        actor=world.resident,
        org=org,
        data=data(world, address="太和区和平路10号", description="服务社区老人"),
    )
    assert updated.address == "太和区和平路10号"
    with pytest.raises(ValidationFailed) as exc:
        services.organization_update(actor=world.resident, org=org, data=data(world, name="改个名字"))
    assert exc.value.code == "identity_locked"
    org.refresh_from_db()
    assert org.name == "和平社区邻里互助会"
    with pytest.raises(PermissionDenied):
        services.organization_update(actor=world.official_a, org=org, data=data(world))


def test_member_add_by_phone(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    member = UserFactory(phone="+8615000000009")
    services.organization_member_add(actor=world.resident, org=org, phone="150 0000 0009")
    forget_assignments(member)
    assert selectors.can_view_private(member, org)
    with pytest.raises(ValidationFailed) as exc:
        services.organization_member_add(actor=world.resident, org=org, phone="15000000001")
    assert exc.value.code == "user_not_found"
    with pytest.raises(PermissionDenied):
        services.organization_member_add(actor=member, org=org, phone="+8613900000099")


# --- privacy --------------------------------------------------------------------------------
def test_private_data_split_between_members_district_and_public(world, client):
    org = services.organization_register(actor=world.resident, data=data(world))
    doc = services.organization_document_add(
        actor=world.resident, org=org, kind="registration", upload=SimpleUploadedFile("证书.pdf", PDF)
    )
    services.organization_verify(actor=world.district_admin, org=org)
    assert selectors.can_view_private(world.resident, org)
    assert selectors.can_view_private(world.district_admin, org)
    for outsider in (world.official_a, world.worker_a, UserFactory()):
        assert not selectors.can_view_private(outsider, org)
    url = f"/files/{doc.file.pk}/"
    for staff in (world.official_a, world.district_admin):
        enable_mfa(staff)
    client.force_login(world.official_a)
    assert client.get(url).status_code == 404
    client.force_login(world.district_admin)
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="core.privatefile.download", actor=world.district_admin).exists()


def test_directory_lists_only_verified_or_suspended(world):
    verified = OrganizationFactory(street=world.street_a, status="verified")
    OrganizationFactory(street=world.street_a, status="pending")
    OrganizationFactory(street=world.street_b, status="rejected")
    suspended = OrganizationFactory(street=world.street_b, status="suspended")
    assert set(selectors.organization_directory()) == {verified, suspended}
    assert list(selectors.organization_directory(street_id=world.street_a.pk)) == [verified]


# --- the incubator, from call to graduation ---------------------------------------------------
def test_full_cohort_run_from_call_to_graduation(world, django_capture_on_commit_callbacks, time_machine):
    admin = world.district_admin
    time_machine.move_to(timezone.now())
    now = timezone.now()
    cohort = services.cohort_create(
        actor=admin,
        district=world.district,
        name="2026年第一期社区社会组织孵化",
        applications_open_at=now,
        applications_close_at=now + datetime.timedelta(days=10),
        starts_on=(now + datetime.timedelta(days=14)).date(),
        ends_on=(now + datetime.timedelta(days=200)).date(),
        capacity=1,
        questions=[{"key": "plan", "label": "培育期工作计划", "required": True}],
        graduation_criteria={"min_scorecard_average": "3.5", "min_completed_activities": 1},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_open(actor=admin, cohort=cohort)
    first = services.organization_register(actor=world.resident, data=data(world))
    second_admin = UserFactory()
    second = services.organization_register(
        actor=second_admin, data=data(world, name="阳光助残服务社", uscc=make_uscc(5151))
    )
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=world.resident, cohort=cohort, org=first, answers={})
    assert exc.value.field == "plan"
    app1 = services.application_submit(
        actor=world.resident, cohort=cohort, org=first, answers={"plan": "助老"}
    )
    app2 = services.application_submit(
        actor=second_admin, cohort=cohort, org=second, answers={"plan": "助残"}
    )
    with pytest.raises(GuardFailed) as exc:  # reviewing has not begun
        services.application_admit(actor=admin, application=app1)
    assert exc.value.code == "cohort_not_reviewing"
    services.application_review(actor=admin, application=app1, score=88, comment="计划清晰")
    with pytest.raises(ValidationFailed):
        services.application_review(actor=admin, application=app2, score=101)

    time_machine.move_to(now + datetime.timedelta(days=11))
    from marketplace.organizations.tasks import close_cohort_applications

    close_cohort_applications.call(cohort.pk)
    cohort.refresh_from_db()
    assert cohort.status == "reviewing"
    close_cohort_applications.call(cohort.pk)  # a second run changes nothing
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(actor=world.resident, cohort=cohort, org=first, answers={"plan": "迟交"})
    assert exc.value.code == "outside_window"

    incubation = services.application_admit(actor=admin, application=app1)
    with pytest.raises(GuardFailed) as exc:  # one place only
        services.application_admit(actor=admin, application=app2)
    assert exc.value.code == "cohort_full"
    services.application_waitlist(actor=admin, application=app2)
    services.cohort_start(actor=admin, cohort=cohort)

    mentor = UserFactory(display_name="李导师")
    services.mentor_assign(actor=admin, incubation=incubation, user=mentor)
    forget_assignments(mentor)
    services.mentor_log_add(
        actor=mentor, incubation=incubation, happened_on=timezone.localdate(), content="梳理章程"
    )
    services.goal_add(actor=world.resident, incubation=incubation, title="建立财务制度")
    scores = {"governance": 3, "finance": 3, "programmes": 3, "people": 3}
    evidence = dict.fromkeys(scores, "访谈与材料")
    services.scorecard_record(
        actor=mentor, incubation=incubation, stage="entry", scores=scores, evidence=evidence
    )
    with pytest.raises(ValidationFailed) as exc:
        services.scorecard_record(
            actor=mentor,
            incubation=incubation,
            stage="midterm",
            scores={**scores, "finance": 6},
            evidence=evidence,
        )
    assert exc.value.field == "finance"
    with pytest.raises(GuardFailed):
        services.incubation_midterm(actor=mentor, incubation=incubation)
    services.scorecard_record(
        actor=mentor,
        incubation=incubation,
        stage="midterm",
        scores={**scores, "finance": 4},
        evidence=evidence,
    )
    services.incubation_midterm(actor=mentor, incubation=incubation)

    report = services.report_schedule(
        actor=mentor,
        incubation=incubation,
        title="中期工作报告",
        due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    services.report_submit(actor=world.resident, report=report, content="已开展三次活动")
    services.report_return(actor=mentor, report=report, reason="请补充照片")
    services.report_submit(actor=world.resident, report=report, content="已开展三次活动,附照片")
    services.report_accept(actor=mentor, report=report)

    exit_scores = {"governance": 4, "finance": 4, "programmes": 4, "people": 3}
    services.scorecard_record(
        actor=admin, incubation=incubation, stage="exit", scores=exit_scores, evidence=evidence
    )
    with pytest.raises(GuardFailed) as exc:  # no completed activity yet
        services.incubation_graduate(actor=admin, incubation=incubation)
    assert "完成活动或项目" in str(exc.value.message)
    services.incubation_activity_record(
        actor=world.resident,
        incubation=incubation,
        title="重阳节敬老活动",
        happened_on=timezone.localdate(),
        participants=40,
    )
    with pytest.raises(PermissionDenied):
        services.incubation_graduate(actor=mentor, incubation=incubation)
    # The still-unverified organisation is verified on graduation, which needs its documents.
    with pytest.raises(GuardFailed) as exc:
        services.incubation_graduate(actor=admin, incubation=incubation)
    assert exc.value.code == "documents_missing"
    incubation.refresh_from_db()
    assert incubation.status == "midterm"
    services.organization_document_add(
        actor=world.resident, org=first, kind="registration", upload=SimpleUploadedFile("证书.pdf", PDF)
    )
    services.incubation_graduate(actor=admin, incubation=incubation)
    incubation.refresh_from_db()
    first.refresh_from_db()
    assert incubation.status == "graduated" and incubation.ended_at is not None
    # Graduation verified the organisation, which may now bid.
    assert first.status == OrgStatus.VERIFIED and selectors.organization_can_bid(first)
    assert all(c.met for c in selectors.graduation_check(incubation))
    with pytest.raises(ValidationFailed):
        services.goal_add(actor=admin, incubation=incubation, title="出壳后不能再加")
    services.cohort_finish(actor=admin, cohort=cohort)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    for expected in (
        "organizations.cohort.create",
        "organizations.cohort.open",
        "organizations.application.submit",
        "organizations.application.admit",
        "organizations.incubation.graduate",
        "organizations.organization.verify",
        "organizations.scorecard.record",
    ):
        assert expected in actions


def test_report_reminder_is_sent_once_near_the_due_date(ow, time_machine):
    from marketplace.organizations.tasks import remind_report_due

    incubation = ow.make_incubation()
    report = services.report_schedule(
        actor=ow.mentor,
        incubation=incubation,
        title="季度报告",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    remind_report_due.call(report.pk)  # too early: nothing
    assert not Notification.objects.filter(title__contains="季度报告").exists()
    time_machine.move_to(timezone.now() + datetime.timedelta(days=8))
    remind_report_due.call(report.pk)
    remind_report_due.call(report.pk)
    assert Notification.objects.filter(recipient=ow.org_admin, title__contains="季度报告").count() == 1


def test_cohort_bad_input(world):
    now = timezone.now()
    base = {
        "actor": world.district_admin,
        "district": world.district,
        "name": "期次",
        "applications_open_at": now,
        "applications_close_at": now + datetime.timedelta(days=1),
        "starts_on": now.date(),
        "ends_on": now.date() + datetime.timedelta(days=30),
        "capacity": 5,
    }
    for overrides, field in (
        ({"applications_close_at": now - datetime.timedelta(days=1)}, "applications_close_at"),
        ({"capacity": 0}, "capacity"),
        ({"ends_on": now.date() - datetime.timedelta(days=1)}, "ends_on"),
        ({"graduation_criteria": {"min_scorecard_average": "9"}}, "graduation_criteria"),
        ({"questions": [{"key": "", "label": "x"}]}, "questions"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.cohort_create(**{**base, **overrides})
        assert exc.value.field == field
    with pytest.raises(PermissionDenied):
        services.cohort_create(**{**base, "actor": world.official_a})
    assert not AuditEntry.objects.filter(action="organizations.cohort.create").exists()


def test_png_upload_and_size_limit(world):
    from PIL import Image

    org = services.organization_register(actor=world.resident, data=data(world))
    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, format="PNG")
    services.organization_document_add(
        actor=world.resident, org=org, kind="other", upload=SimpleUploadedFile("照片.png", buf.getvalue())
    )
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * (11 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as exc:
        services.organization_document_add(actor=world.resident, org=org, kind="other", upload=big)
    assert exc.value.code == "file_too_large"
    assert org.documents.count() == 1


def test_district_views_of_private_details_are_audited_member_views_are_not(world):
    org = services.organization_register(actor=world.resident, data=data(world))
    assert services.organization_private_view(actor=world.resident, org=org)
    assert not AuditEntry.objects.filter(action="organizations.org.view_private").exists()
    assert services.organization_private_view(actor=world.district_admin, org=org)
    assert AuditEntry.objects.get(action="organizations.org.view_private").actor == world.district_admin
    assert not services.organization_private_view(actor=world.official_a, org=org)
    assert AuditEntry.objects.filter(action="organizations.org.view_private").count() == 1
