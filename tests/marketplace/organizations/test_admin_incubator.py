"""The incubator in the district's Wagtail admin: cohorts, applications and incubations, each
write a service call, bad input a Chinese error that changes nothing, lists of constant cost."""

import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from marketplace.accounts.models import RoleAssignment
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.core.spreadsheets import XLSX_CONTENT_TYPE
from marketplace.organizations import services
from marketplace.organizations.choices import (
    ApplicationStatus,
    CohortStatus,
    IncubationStatus,
    OrgStatus,
    ReportStatus,
)
from marketplace.organizations.models import (
    Application,
    ApplicationReview,
    Cohort,
    Goal,
    Incubation,
    IncubationActivity,
    PeriodicReport,
    Scorecard,
)
from tests.factories import (
    ApplicationFactory,
    CohortFactory,
    IncubationFactory,
    OrganizationFactory,
    PeriodicReportFactory,
    ScorecardFactory,
    UserFactory,
    enable_mfa,
    grant,
)
from tests.frontend.pagecheck import csp_problems

from .conftest import attach_document

COHORTS = "/admin/incubator/cohorts/"
APPLICATIONS = "/admin/incubator/applications/"
INCUBATIONS = "/admin/incubator/incubations/"


@pytest.fixture
def login(client):
    """Log a user in as the admin sees them: staff must have two-factor authentication."""

    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def _text(response) -> str:
    return response.content.decode()


def _minute(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _cohort_form(world, **overrides) -> dict:
    now = timezone.now()
    data = {
        "district": world.district.pk,
        "name": "2026年第一期社区社会组织孵化",
        "description": "面向社区社会组织",
        "applications_open_at": _minute(now - datetime.timedelta(hours=1)),
        "applications_close_at": _minute(now + datetime.timedelta(days=10)),
        "starts_on": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        "ends_on": (timezone.localdate() + datetime.timedelta(days=200)).isoformat(),
        "capacity": 1,
        "questions": json.dumps(
            [{"key": "plan", "label": "培育期工作计划", "required": True}], ensure_ascii=False
        ),
        "require_registered_or_filed": "on",
        "min_scorecard_average": "3.5",
        "min_completed_activities": 1,
    }
    data.update(overrides)
    return data


def _scores(stage: str, score: int = 4, **overrides) -> dict:
    data = {"stage": stage}
    for dim in ("governance", "finance", "programmes", "people"):
        data[dim] = score
        data[f"{dim}_evidence"] = f"{stage}阶段材料齐全"
    data.update(overrides)
    return data


def _org_with_admin(world, name):
    org = OrganizationFactory(name=name, street=world.street_a, status=OrgStatus.PENDING)
    attach_document(org)
    admin = UserFactory()
    grant(admin, Role.ORG_ADMIN, org)
    return org, admin


# --- a whole cohort through the pages ---------------------------------------------------------
def test_a_cohort_from_call_to_graduation_through_the_admin(login, world):
    client = login(world.district_admin)

    # Create.
    response = client.post(COHORTS + "new/", _cohort_form(world))
    assert response.status_code == 302
    cohort = Cohort.objects.get(name="2026年第一期社区社会组织孵化")
    assert response["Location"] == f"{COHORTS}inspect/{cohort.pk}/"
    assert (cohort.status, cohort.capacity, cohort.district_id) == (CohortStatus.DRAFT, 1, world.district.pk)
    assert cohort.questions == [{"key": "plan", "label": "培育期工作计划", "required": True}]
    assert cohort.graduation_criteria == {
        "require_registered_or_filed": True,
        "min_scorecard_average": "3.5",
        "min_completed_activities": 1,
    }
    page = _text(client.get(f"{COHORTS}inspect/{cohort.pk}/"))
    assert f"{COHORTS}open/{cohort.pk}/" in page
    assert f"{COHORTS}start/{cohort.pk}/" not in page

    # Open the call; two organisations apply on the public site.
    assert client.post(f"{COHORTS}open/{cohort.pk}/").status_code == 302
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.OPEN
    first, first_admin = _org_with_admin(world, "幸福里为老服务中心")
    second, second_admin = _org_with_admin(world, "阳光助残服务社")
    app1 = services.application_submit(actor=first_admin, cohort=cohort, org=first, answers={"plan": "助老"})
    app2 = services.application_submit(
        actor=second_admin, cohort=cohort, org=second, answers={"plan": "助残"}
    )

    # Close early and review.
    assert client.post(f"{COHORTS}close_applications/{cohort.pk}/").status_code == 302
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.REVIEWING
    response = client.post(f"{APPLICATIONS}review/{app1.pk}/", {"score": 88, "comment": "计划清晰"})
    assert response.status_code == 302
    review = ApplicationReview.objects.get(application=app1)
    assert (review.reviewer, review.score, review.comment) == (world.district_admin, 88, "计划清晰")
    listing = _text(client.get(f"{APPLICATIONS}cohort/{cohort.pk}/"))
    assert "幸福里为老服务中心" in listing and "阳光助残服务社" in listing
    assert "88.0" in listing  # the average
    assert "已录取 0 / 1" in listing

    # Admit the first; the cohort is then full, so the second is offered no admission.
    assert client.post(f"{APPLICATIONS}admit/{app1.pk}/").status_code == 302
    app1.refresh_from_db()
    assert app1.status == ApplicationStatus.ADMITTED
    incubation = Incubation.objects.get(application=app1)
    page = _text(client.get(f"{APPLICATIONS}inspect/{app2.pk}/"))
    assert f"{APPLICATIONS}admit/{app2.pk}/" not in page
    assert f"{APPLICATIONS}waitlist/{app2.pk}/" in page
    assert "已录取 1 / 1" in page
    assert client.post(f"{APPLICATIONS}decline/{app2.pk}/", {"reason": "名额已满"}).status_code == 302
    app2.refresh_from_db()
    assert app2.status == ApplicationStatus.DECLINED

    # Start, give a mentor, score, assess mid-term.
    assert client.post(f"{COHORTS}start/{cohort.pk}/").status_code == 302
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.RUNNING
    mentor = UserFactory(display_name="王导师", phone="+8613600006666")
    assert client.post(f"{INCUBATIONS}mentor/{incubation.pk}/", {"contact": "13600006666"}).status_code == 302
    assert (
        RoleAssignment.objects.active()
        .filter(user=mentor, role=Role.MENTOR, scope_kind="incubation", scope_id=incubation.pk)
        .exists()
    )
    for stage, score in (("entry", 3), ("midterm", 4)):
        response = client.post(f"{INCUBATIONS}scorecard/{incubation.pk}/", _scores(stage, score))
        assert response.status_code == 302
    assert client.post(f"{INCUBATIONS}midterm/{incubation.pk}/").status_code == 302
    incubation.refresh_from_db()
    assert incubation.status == IncubationStatus.MIDTERM

    # Graduation is offered only once the exit scorecard and the criteria are in.
    page = _text(client.get(f"{INCUBATIONS}inspect/{incubation.pk}/"))
    assert f"{INCUBATIONS}graduate/{incubation.pk}/" not in page
    assert "王导师" in page
    assert client.post(f"{INCUBATIONS}scorecard/{incubation.pk}/", _scores("exit", 4)).status_code == 302
    response = client.post(
        f"{INCUBATIONS}activity/{incubation.pk}/",
        {"title": "重阳节敬老活动", "happened_on": timezone.localdate().isoformat(), "participants": 40},
    )
    assert response.status_code == 302
    page = _text(client.get(f"{INCUBATIONS}inspect/{incubation.pk}/"))
    assert f"{INCUBATIONS}graduate/{incubation.pk}/" in page
    assert "3 / 3 项达标" in _text(client.get(f"{INCUBATIONS}cohort/{cohort.pk}/"))

    assert client.post(f"{INCUBATIONS}graduate/{incubation.pk}/").status_code == 302
    incubation.refresh_from_db()
    first.refresh_from_db()
    assert incubation.status == IncubationStatus.GRADUATED
    # A graduate still waiting for verification is verified with it.
    assert first.status == OrgStatus.VERIFIED

    assert client.post(f"{COHORTS}finish/{cohort.pk}/").status_code == 302
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.FINISHED

    actions = set(AuditEntry.objects.filter(actor=world.district_admin).values_list("action", flat=True))
    assert {
        "organizations.cohort.create",
        "organizations.cohort.open",
        "organizations.cohort.close_applications",
        "organizations.application.review",
        "organizations.application.admit",
        "organizations.application.decline",
        "organizations.cohort.start",
        "accounts.role.assign",
        "organizations.scorecard.record",
        "organizations.incubation.midterm",
        "organizations.activity.record",
        "organizations.incubation.graduate",
        "organizations.cohort.finish",
    } <= actions


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": 0}, "入孵名额至少为1。"),
        ({"name": "  "}, "必需字段"),
        ({"questions": "培育期工作计划"}, "申请表问题须为 JSON 格式"),
        ({"questions": '[{"key": "", "label": "计划"}]'}, "每个问题都须有标识和题目。"),
        ({"min_scorecard_average": "9"}, "能力评估平均分门槛应为1到5之间的数。"),
        ({"ends_on": "2020-01-01"}, "培育结束日期不能早于开始日期。"),
        ({"applications_close_at": "2020-01-01 08:00"}, "申请截止时间必须晚于开始时间。"),
    ],
)
def test_bad_cohort_input_rerenders_with_a_chinese_error(login, world, overrides, message):
    response = login(world.district_admin).post(COHORTS + "new/", _cohort_form(world, **overrides))
    assert response.status_code == 200
    assert message in _text(response)
    assert not Cohort.objects.exists()
    assert not AuditEntry.objects.filter(action="organizations.cohort.create").exists()


@pytest.fixture
def running(ow):
    """A running cohort with one incubation, its mentor and a submitted report."""
    ow.cohort.status = CohortStatus.RUNNING
    ow.cohort.save(update_fields=["status"])
    incubation = ow.make_incubation()
    report = PeriodicReportFactory(
        incubation=incubation, status=ReportStatus.SUBMITTED, content="本季度开展活动3次"
    )
    return incubation, report


def _writes():
    # Logging in is audited too; these tests care about writes on the incubator.
    return AuditEntry.objects.filter(action__startswith="organizations.")


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("scorecard", _scores("entry", governance=6), "「内部治理」评分应为1到5的整数。"),
        ("scorecard", _scores("entry", people=0), "「人才队伍」评分应为1到5的整数。"),
        ("scorecard", _scores("entry", finance_evidence=" "), "请填写「财务管理」的评分依据。"),
        ("scorecard", _scores("entry", programmes="很好"), "输入整数。"),
        ("exit", {"reason": ""}, "请填写原因。"),
        ("mentor", {"contact": "13900000000"}, "未找到使用该手机号或邮箱的用户"),
        ("report", {"title": "年度报告", "due_on": "2020-01-01"}, "截止日期不能早于今天。"),
        ("goal", {"title": " "}, "必需字段"),
        (
            "activity",
            {"title": "未来活动", "happened_on": "2099-01-01", "participants": 5},
            "只能登记已完成的活动。",
        ),
        (
            "activity",
            {"title": "活动", "happened_on": "2020-01-01", "participants": -1},
            "参与人数不能为负数。",
        ),
    ],
)
def test_bad_incubation_input_changes_nothing(login, ow, running, url, data, message):
    incubation, _report = running
    before = (Scorecard.objects.count(), Goal.objects.count(), IncubationActivity.objects.count())
    reports, mentors = PeriodicReport.objects.count(), RoleAssignment.objects.filter(role=Role.MENTOR).count()
    response = login(ow.world.district_admin).post(f"{INCUBATIONS}{url}/{incubation.pk}/", data)
    assert response.status_code == 200
    assert message in _text(response)
    incubation.refresh_from_db()
    assert incubation.status == IncubationStatus.INCUBATING
    assert (Scorecard.objects.count(), Goal.objects.count(), IncubationActivity.objects.count()) == before
    assert PeriodicReport.objects.count() == reports
    assert RoleAssignment.objects.filter(role=Role.MENTOR).count() == mentors
    assert not _writes().exists()


@pytest.mark.parametrize(
    ("move", "data", "message"),
    [
        ("review", {"score": 101}, "评分应为0到100之间的整数。"),
        ("review", {"score": -1}, "评分应为0到100之间的整数。"),
        ("decline", {"reason": ""}, "请填写原因。"),
    ],
)
def test_bad_application_input_changes_nothing(login, ow, move, data, message):
    application = ApplicationFactory(cohort=ow.cohort)
    response = login(ow.world.district_admin).post(f"{APPLICATIONS}{move}/{application.pk}/", data)
    assert response.status_code == 200
    assert message in _text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not ApplicationReview.objects.exists()
    assert not _writes().exists()


def test_admission_over_capacity_is_refused_in_chinese(login, ow):
    ow.cohort.capacity = 1
    ow.cohort.save(update_fields=["capacity"])
    ApplicationFactory(cohort=ow.cohort, status=ApplicationStatus.ADMITTED)
    waiting = ApplicationFactory(cohort=ow.cohort)
    client = login(ow.world.district_admin)
    assert f"{APPLICATIONS}admit/{waiting.pk}/" not in _text(
        client.get(f"{APPLICATIONS}inspect/{waiting.pk}/")
    )
    response = client.post(f"{APPLICATIONS}admit/{waiting.pk}/")
    assert response.status_code == 200
    assert "入孵名额已满,可将申请列入候补。" in _text(response)
    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.SUBMITTED
    assert not Incubation.objects.filter(application=waiting).exists()


def test_waitlist_and_exit(login, ow, running):
    incubation, _report = running
    application = ApplicationFactory(cohort=ow.cohort)
    client = login(ow.world.district_admin)
    assert client.post(f"{APPLICATIONS}waitlist/{application.pk}/").status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WAITLISTED

    assert client.post(f"{INCUBATIONS}exit/{incubation.pk}/", {"reason": "组织主动退出"}).status_code == 302
    incubation.refresh_from_db()
    assert (incubation.status, incubation.exit_reason) == (IncubationStatus.EXITED, "组织主动退出")
    page = _text(client.get(f"{INCUBATIONS}inspect/{incubation.pk}/"))
    # A closed incubation offers no more tools.
    assert f"{INCUBATIONS}scorecard/{incubation.pk}/" not in page


# --- reports, goals -------------------------------------------------------------------------
def test_reports_are_scheduled_returned_and_accepted(login, ow, running):
    incubation, report = running
    client = login(ow.world.district_admin)
    due = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(f"{INCUBATIONS}report/{incubation.pk}/", {"title": "第二季度报告", "due_on": due})
    assert response.status_code == 302
    assert PeriodicReport.objects.get(title="第二季度报告").due_on == due

    page = _text(client.get(f"{INCUBATIONS}inspect/{incubation.pk}/"))
    assert f"{INCUBATIONS}report-accept/{report.pk}/" in page
    assert f"{INCUBATIONS}report-return/{report.pk}/" in page
    assert "本季度开展活动3次" in page

    response = client.post(f"{INCUBATIONS}report-return/{report.pk}/", {"reason": ""})
    assert response.status_code == 200 and "请填写原因。" in _text(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    response = client.post(f"{INCUBATIONS}report-return/{report.pk}/", {"reason": "缺少活动照片"})
    assert response.status_code == 302
    assert response["Location"] == f"{INCUBATIONS}inspect/{incubation.pk}/"
    report.refresh_from_db()
    assert (report.status, report.review_note) == (ReportStatus.RETURNED, "缺少活动照片")

    services.report_submit(actor=ow.org_admin, report=report, content="补充了照片")
    assert client.post(f"{INCUBATIONS}report-accept/{report.pk}/", {"note": "很好"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.review_note) == (ReportStatus.ACCEPTED, "很好")


def test_goal_is_added(login, ow, running):
    incubation, _report = running
    client = login(ow.world.district_admin)
    response = client.post(f"{INCUBATIONS}goal/{incubation.pk}/", {"title": "完成民政登记", "due_on": ""})
    assert response.status_code == 302
    assert incubation.goals.get().title == "完成民政登记"
    assert "完成民政登记" in _text(client.get(f"{INCUBATIONS}inspect/{incubation.pk}/"))


def test_detail_pages_render_under_the_csp(login, ow, running):
    incubation, _report = running
    ScorecardFactory(incubation=incubation)
    services.mentor_log_add(
        actor=ow.mentor, incubation=incubation, happened_on=timezone.localdate(), content="梳理章程"
    )
    client = login(ow.world.district_admin)
    for url in (
        f"{COHORTS}inspect/{ow.cohort.pk}/",
        f"{APPLICATIONS}inspect/{incubation.application_id}/",
        f"{INCUBATIONS}inspect/{incubation.pk}/",
        f"{INCUBATIONS}scorecard/{incubation.pk}/",
        f"{COHORTS}new/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert csp_problems(response) == [], url
    page = _text(client.get(f"{INCUBATIONS}inspect/{incubation.pk}/"))
    assert "梳理章程" in page and "导师" in page and "有制度文件" in page


# --- export -----------------------------------------------------------------------------------
def test_cohort_scorecards_export(login, ow, running):
    incubation, _report = running
    ScorecardFactory(incubation=incubation, stage="entry", governance=2)
    client = login(ow.world.district_admin)
    assert f"{COHORTS}export/{ow.cohort.pk}/" in _text(client.get(f"{COHORTS}inspect/{ow.cohort.pk}/"))
    response = client.get(f"{COHORTS}export/{ow.cohort.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert rows[1][:4] == [ow.org.name, "培育中", "入孵", 2]
    assert AuditEntry.objects.filter(
        action="organizations.export.scorecards", actor=ow.world.district_admin
    ).exists()


# --- who may use it ---------------------------------------------------------------------------
def test_street_official_cannot_reach_the_incubator(login, ow, running):
    incubation, report = running
    application = incubation.application
    client = login(ow.world.official_a)
    response = client.get(COHORTS)
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    for url in (
        f"{COHORTS}inspect/{ow.cohort.pk}/",
        f"{COHORTS}export/{ow.cohort.pk}/",
        f"{APPLICATIONS}cohort/{ow.cohort.pk}/",
        f"{APPLICATIONS}inspect/{application.pk}/",
        f"{INCUBATIONS}cohort/{ow.cohort.pk}/",
        f"{INCUBATIONS}inspect/{incubation.pk}/",
    ):
        assert client.get(url).status_code in (302, 404), url
    for url, data in (
        (COHORTS + "new/", _cohort_form(ow.world, name="越权期次")),
        (f"{COHORTS}finish/{ow.cohort.pk}/", {}),
        (f"{INCUBATIONS}scorecard/{incubation.pk}/", _scores("entry")),
        (f"{INCUBATIONS}exit/{incubation.pk}/", {"reason": "越权"}),
        (f"{INCUBATIONS}report-accept/{report.pk}/", {}),
        (f"{INCUBATIONS}mentor/{incubation.pk}/", {"contact": ow.world.resident.email}),
    ):
        assert client.post(url, data).status_code in (302, 404), url
    ow.cohort.refresh_from_db()
    incubation.refresh_from_db()
    report.refresh_from_db()
    assert ow.cohort.status == CohortStatus.RUNNING
    assert incubation.status == IncubationStatus.INCUBATING
    assert report.status == ReportStatus.SUBMITTED
    assert not Cohort.objects.filter(name="越权期次").exists()
    assert not Scorecard.objects.exists()
    assert not _writes().exists()


def test_cohort_of_another_district_is_not_found(login, ow):
    from tests.factories import DistrictFactory

    other = CohortFactory(district=DistrictFactory(code="other", name="邻区"))
    client = login(ow.world.district_admin)
    assert other.name not in _text(client.get(COHORTS))
    assert client.get(f"{COHORTS}inspect/{other.pk}/").status_code == 404
    assert client.post(f"{COHORTS}close_applications/{other.pk}/").status_code == 404
    assert client.get(f"{APPLICATIONS}cohort/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.status == CohortStatus.OPEN


# --- query counts -----------------------------------------------------------------------------
def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_cohorts(world, n):
    for _i in range(n):
        cohort = CohortFactory(district=world.district)
        ApplicationFactory(cohort=cohort)


def _add_applications(world, cohort, n, reviewer):
    for i in range(n):
        application = ApplicationFactory(cohort=cohort)
        if i % 2:
            ApplicationReview.objects.create(application=application, reviewer=reviewer, score=70 + i % 30)
            ApplicationReview.objects.create(application=application, reviewer=UserFactory(), score=80)


def _add_incubations(world, cohort, n):
    for i in range(n):
        incubation = IncubationFactory(application__cohort=cohort)
        if i % 2:
            ScorecardFactory(incubation=incubation)
            IncubationActivity.objects.create(
                incubation=incubation,
                title="活动",
                happened_on=timezone.localdate(),
                recorded_by=world.district_admin,
            )


@pytest.mark.parametrize("listing", ["cohorts", "applications", "incubations"])
def test_list_query_count_does_not_grow_with_rows(login, world, listing):
    client = login(world.district_admin)
    cohort = CohortFactory(district=world.district, status=CohortStatus.RUNNING, capacity=100)
    url, add = {
        "cohorts": (COHORTS, lambda n: _add_cohorts(world, n)),
        "applications": (
            f"{APPLICATIONS}cohort/{cohort.pk}/",
            lambda n: _add_applications(world, cohort, n, world.district_admin),
        ),
        "incubations": (f"{INCUBATIONS}cohort/{cohort.pk}/", lambda n: _add_incubations(world, cohort, n)),
    }[listing]
    client.get(url)  # warm up caches filled once per process (content types, menus)
    add(5)
    few = _queries(client, url)
    add(45)
    many = _queries(client, url)
    assert many == few
    assert Application.objects.count() >= 50
