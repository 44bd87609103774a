"""Editing a cohort's terms (``services.cohort_update``) and its admin screen: a draft changes
freely, an open call only in what cannot wrong an applicant, a later cohort not at all; each
refusal a Chinese message that changes nothing, each edit an audit entry."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.core.roles import Role
from marketplace.organizations import services
from marketplace.organizations.choices import ApplicationStatus, CohortStatus
from marketplace.organizations.models import Cohort
from marketplace.organizations.tasks import close_cohort_applications
from tests.factories import (
    ApplicationFactory,
    CohortFactory,
    DistrictFactory,
    UserFactory,
    enable_mfa,
    grant,
)
from tests.frontend.pagecheck import csp_problems

COHORTS = "/admin/incubator/cohorts/"
QUESTIONS = [{"key": "plan", "label": "培育期工作计划", "required": True}]
CRITERIA = {
    "require_registered_or_filed": True,
    "min_scorecard_average": "3.5",
    "min_completed_activities": 1,
}


def _now():
    return timezone.now()


def _draft(world, **kwargs) -> Cohort:
    return CohortFactory(
        district=world.district,
        name="2026年第一期社区社会组织孵化",
        status=CohortStatus.DRAFT,
        applications_open_at=_now() + datetime.timedelta(days=1),
        applications_close_at=_now() + datetime.timedelta(days=10),
        questions=QUESTIONS,
        graduation_criteria=CRITERIA,
        **kwargs,
    )


def _open(world, **kwargs) -> Cohort:
    defaults = {
        "name": "2026年第二期社区社会组织孵化",
        "status": CohortStatus.OPEN,
        "applications_open_at": _now() - datetime.timedelta(days=1),
        "applications_close_at": _now() + datetime.timedelta(days=10),
        "questions": QUESTIONS,
        "graduation_criteria": CRITERIA,
    }
    return CohortFactory(district=world.district, **{**defaults, **kwargs})


def _terms(cohort: Cohort, **overrides) -> dict:
    """The cohort's current terms as ``cohort_update`` takes them, with some changed."""
    terms = {
        "name": cohort.name,
        "description": cohort.description,
        "applications_open_at": cohort.applications_open_at,
        "applications_close_at": cohort.applications_close_at,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "capacity": cohort.capacity,
        "questions": cohort.questions,
        "graduation_criteria": cohort.graduation_criteria,
    }
    terms.update(overrides)
    return terms


def _stored(cohort: Cohort) -> dict:
    row = Cohort.objects.get(pk=cohort.pk)
    return {**_terms(row), "status": row.status}


def _edits():
    return AuditEntry.objects.filter(action="organizations.cohort.change")


@pytest.fixture
def enqueued(monkeypatch):
    """The closing runs ``cohort_update`` asks for, as (task, when, args)."""
    calls = []
    monkeypatch.setattr(services, "enqueue_at", lambda task, when, *args: calls.append((task, when, args)))
    return calls


# --- a draft ----------------------------------------------------------------------------------
def test_a_draft_may_change_every_term(world, enqueued):
    cohort = _draft(world)
    before = _stored(cohort)
    now = _now()
    new_questions = [
        {"key": "plan", "label": "培育期工作计划", "required": True},
        {"key": "team", "label": "团队情况", "required": False},
    ]
    terms = {
        "name": "  2026年春季社区社会组织孵化 ",
        "description": " 面向新成立的社区社会组织 ",
        "applications_open_at": now + datetime.timedelta(days=2),
        "applications_close_at": now + datetime.timedelta(days=20),
        "starts_on": timezone.localdate() + datetime.timedelta(days=30),
        "ends_on": timezone.localdate() + datetime.timedelta(days=300),
        "capacity": 8,
        "questions": new_questions,
        "graduation_criteria": {"min_scorecard_average": "4", "min_completed_activities": 2},
    }
    services.cohort_update(actor=world.district_admin, cohort=cohort, **terms)

    after = _stored(cohort)
    assert after == {
        **terms,
        "name": "2026年春季社区社会组织孵化",
        "description": "面向新成立的社区社会组织",
        "graduation_criteria": {
            "require_registered_or_filed": True,
            "min_scorecard_average": "4",
            "min_completed_activities": 2,
        },
        "status": CohortStatus.DRAFT,
    }
    entry = _edits().get()
    assert (entry.actor, entry.object_id) == (world.district_admin, str(cohort.pk))
    assert set(entry.changes) == set(services.COHORT_TERMS)
    assert entry.changes["capacity"] == [before["capacity"], 8]
    assert entry.changes["name"] == ["2026年第一期社区社会组织孵化", "2026年春季社区社会组织孵化"]
    assert entry.changes["questions"] == [QUESTIONS, new_questions]
    assert entry.changes["applications_close_at"] == [
        timezone.localtime(before["applications_close_at"]).isoformat(),
        timezone.localtime(terms["applications_close_at"]).isoformat(),
    ]
    # A draft has no closing run to move: it is queued when the call opens.
    assert enqueued == []


def test_the_audit_entry_names_only_what_changed(world):
    cohort = _draft(world)
    old_capacity = cohort.capacity
    # The same instants in another time zone are not a change.
    services.cohort_update(
        actor=world.district_admin,
        cohort=cohort,
        **_terms(
            cohort,
            applications_open_at=timezone.localtime(cohort.applications_open_at),
            applications_close_at=cohort.applications_close_at.astimezone(datetime.UTC),
            capacity=old_capacity + 3,
            description="新的简介",
        ),
    )
    assert _edits().get().changes == {
        "capacity": [old_capacity, old_capacity + 3],
        "description": ["", "新的简介"],
    }


def test_an_edit_that_changes_nothing_writes_nothing(world):
    cohort = _draft(world)
    services.cohort_update(
        actor=world.district_admin, cohort=cohort, **_terms(cohort, name=f" {cohort.name} ")
    )
    assert not _edits().exists()


_BAD_TERMS = [
    ({"name": "  "}, "name"),
    ({"applications_close_at": _now() - datetime.timedelta(days=30)}, "applications_close_at"),
    ({"ends_on": timezone.localdate() - datetime.timedelta(days=365)}, "ends_on"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": True}, "capacity"),
    ({"questions": [{"key": "", "label": "计划"}]}, "questions"),
    ({"questions": [{"key": "a", "label": "一"}, {"key": "a", "label": "二"}]}, "questions"),
    ({"questions": "培育期工作计划"}, "questions"),
    ({"graduation_criteria": {"min_scorecard_average": "9"}}, "graduation_criteria"),
    ({"graduation_criteria": {"min_completed_activities": -1}}, "graduation_criteria"),
]


@pytest.mark.parametrize(("overrides", "field"), _BAD_TERMS)
def test_a_draft_is_checked_as_a_new_cohort_is(world, overrides, field):
    cohort = _draft(world)
    before = _stored(cohort)
    with pytest.raises(ValidationFailed) as refused:
        services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, **overrides))
    assert refused.value.field == field
    # The very message cohort_create gives for the same terms.
    create_terms = _terms(cohort, **overrides)
    if field != "name":
        create_terms["name"] = "另一期"
    with pytest.raises(ValidationFailed) as created:
        services.cohort_create(actor=world.district_admin, district=world.district, **create_terms)
    assert str(refused.value.message) == str(created.value.message)
    assert _stored(cohort) == before
    assert not _edits().exists()


def test_a_name_taken_by_another_cohort_is_refused(world):
    cohort = _draft(world)
    CohortFactory(district=world.district, name="已有的一期")
    with pytest.raises(ValidationFailed) as exc:
        services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, name="已有的一期"))
    assert (exc.value.code, exc.value.field, str(exc.value.message)) == (
        "duplicate",
        "name",
        "已有同名期次。",
    )
    assert Cohort.objects.get(pk=cohort.pk).name == "2026年第一期社区社会组织孵化"
    assert not _edits().exists()


def test_only_the_district_of_the_cohort_may_edit_it(world):
    cohort = _draft(world)
    other_district = DistrictFactory(code="other", name="邻区")
    outsider = UserFactory()
    grant(outsider, Role.DISTRICT_ADMIN, other_district)
    for actor in (world.official_a, world.worker_a, world.resident, outsider):
        with pytest.raises(PermissionDenied):
            services.cohort_update(actor=actor, cohort=cohort, **_terms(cohort, capacity=9))
    assert Cohort.objects.get(pk=cohort.pk).capacity == 2
    assert not _edits().exists()


# --- an open call -----------------------------------------------------------------------------
def test_an_open_call_may_change_what_cannot_wrong_an_applicant(world, enqueued):
    cohort = _open(world)
    new_close = _now() + datetime.timedelta(days=15)
    new_end = cohort.ends_on + datetime.timedelta(days=30)
    services.cohort_update(
        actor=world.district_admin,
        cohort=cohort,
        **_terms(
            cohort,
            description="延长申请时间",
            applications_close_at=new_close,
            ends_on=new_end,
            capacity=5,
            graduation_criteria={**CRITERIA, "min_completed_activities": 2},
        ),
    )
    stored = _stored(cohort)
    assert stored["description"] == "延长申请时间"
    assert stored["applications_close_at"] == new_close
    assert stored["ends_on"] == new_end
    assert stored["capacity"] == 5
    assert stored["graduation_criteria"]["min_completed_activities"] == 2
    assert stored["status"] == CohortStatus.OPEN
    assert set(_edits().get().changes) == {
        "description",
        "applications_close_at",
        "ends_on",
        "capacity",
        "graduation_criteria",
    }
    assert enqueued == [(close_cohort_applications, new_close, (cohort.pk,))]


def test_an_open_call_keeps_its_closing_run_when_the_deadline_stays(world, enqueued):
    cohort = _open(world)
    services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, capacity=4))
    assert Cohort.objects.get(pk=cohort.pk).capacity == 4
    assert enqueued == []


def test_an_extended_deadline_is_kept_by_the_closing_task(
    world, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(_now())
    cohort = _open(world, applications_close_at=_now() + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cohort_update(
            actor=world.district_admin,
            cohort=cohort,
            **_terms(cohort, applications_close_at=_now() + datetime.timedelta(days=5)),
        )
    assert len(callbacks) == 1  # the run at the new deadline, queued once the edit commits

    # The run queued for the old deadline finds the call still open.
    time_machine.move_to(_now() + datetime.timedelta(days=2))
    close_cohort_applications.call(cohort.pk)
    assert Cohort.objects.get(pk=cohort.pk).status == CohortStatus.OPEN
    time_machine.move_to(_now() + datetime.timedelta(days=4))
    close_cohort_applications.call(cohort.pk)
    assert Cohort.objects.get(pk=cohort.pk).status == CohortStatus.REVIEWING


def test_an_earlier_deadline_still_ahead_is_allowed(world, enqueued):
    cohort = _open(world)
    earlier = _now() + datetime.timedelta(days=3)
    services.cohort_update(
        actor=world.district_admin, cohort=cohort, **_terms(cohort, applications_close_at=earlier)
    )
    assert Cohort.objects.get(pk=cohort.pk).applications_close_at == earlier
    assert enqueued == [(close_cohort_applications, earlier, (cohort.pk,))]


def test_an_open_call_cannot_be_closed_into_the_past(world, enqueued):
    cohort = _open(world)
    before = _stored(cohort)
    with pytest.raises(ValidationFailed) as exc:
        services.cohort_update(
            actor=world.district_admin,
            cohort=cohort,
            **_terms(cohort, applications_close_at=_now() - datetime.timedelta(minutes=1)),
        )
    assert (exc.value.code, exc.value.field) == ("deadline_passed", "applications_close_at")
    assert str(exc.value.message) == "本期正在接受申请,申请截止时间须晚于当前时间。"
    assert _stored(cohort) == before
    assert not _edits().exists()
    assert enqueued == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "改名的一期", "本期已开始接受申请,「期次名称」不能再修改。"),
        (
            "applications_open_at",
            _now() - datetime.timedelta(days=3),
            "本期已开始接受申请,「申请开始」不能再修改。",
        ),
        (
            "starts_on",
            timezone.localdate() + datetime.timedelta(days=20),
            "本期已开始接受申请,「培育开始」不能再修改。",
        ),
        (
            "questions",
            [*QUESTIONS, {"key": "team", "label": "团队情况", "required": True}],
            "本期已开始接受申请,申请表问题不能再修改。",
        ),
        ("questions", [], "本期已开始接受申请,申请表问题不能再修改。"),
    ],
)
def test_an_open_call_keeps_what_applicants_relied_on(world, enqueued, field, value, message):
    cohort = _open(world)
    before = _stored(cohort)
    with pytest.raises(ValidationFailed) as exc:
        # Even alongside changes that are allowed.
        services.cohort_update(
            actor=world.district_admin,
            cohort=cohort,
            **_terms(
                cohort,
                capacity=9,
                applications_close_at=_now() + datetime.timedelta(days=20),
                **{field: value},
            ),
        )
    assert (exc.value.code, exc.value.field, str(exc.value.message)) == ("field_locked", field, message)
    assert _stored(cohort) == before
    assert not _edits().exists()
    assert enqueued == []


def test_capacity_cannot_drop_below_the_organisations_admitted(world):
    cohort = _open(world, capacity=3)
    ApplicationFactory.create_batch(2, cohort=cohort, status=ApplicationStatus.ADMITTED)
    ApplicationFactory(cohort=cohort, status=ApplicationStatus.SUBMITTED)
    with pytest.raises(ValidationFailed) as exc:
        services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, capacity=1))
    assert (exc.value.code, exc.value.field) == ("capacity_below_admitted", "capacity")
    assert str(exc.value.message) == "入孵名额不能少于已录取的组织数(2)。"
    assert Cohort.objects.get(pk=cohort.pk).capacity == 3
    assert not _edits().exists()

    services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, capacity=2))
    assert Cohort.objects.get(pk=cohort.pk).capacity == 2


def test_an_open_call_past_its_deadline_is_locked_before_the_task_runs(world):
    cohort = _open(world, applications_close_at=_now() - datetime.timedelta(minutes=5))
    with pytest.raises(ValidationFailed) as exc:
        services.cohort_update(
            actor=world.district_admin,
            cohort=cohort,
            **_terms(cohort, applications_close_at=_now() + datetime.timedelta(days=3)),
        )
    assert exc.value.code == "cohort_locked"
    assert str(exc.value.message) == "本期申请已截止,期次信息不能再修改。"
    assert Cohort.objects.get(pk=cohort.pk).applications_close_at < _now()
    assert not _edits().exists()


# --- later ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "label"),
    [(CohortStatus.REVIEWING, "评审中"), (CohortStatus.RUNNING, "培育中"), (CohortStatus.FINISHED, "已结束")],
)
def test_a_cohort_past_its_call_cannot_be_edited(world, enqueued, status, label):
    cohort = _open(world, status=status, applications_close_at=_now() + datetime.timedelta(days=1))
    before = _stored(cohort)
    for overrides in (
        {"description": "补充说明"},
        {"capacity": 9},
        {"graduation_criteria": CRITERIA | {"min_completed_activities": 0}},
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, **overrides))
        assert exc.value.code == "cohort_locked"
        assert str(exc.value.message) == f"本期孵化已进入「{label}」阶段,期次信息不能再修改。"
    assert _stored(cohort) == before
    assert not _edits().exists()
    assert enqueued == []


def test_the_status_is_read_from_the_locked_row(world):
    """A stale copy of the cohort (opened, then closed, by someone else meanwhile) does not let an
    edit through: the service re-reads the row under its lock."""
    cohort = _draft(world)
    Cohort.objects.filter(pk=cohort.pk).update(status=CohortStatus.REVIEWING)
    with pytest.raises(ValidationFailed) as exc:
        services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, name="改名"))
    assert exc.value.code == "cohort_locked"
    assert Cohort.objects.get(pk=cohort.pk).name == cohort.name


@pytest.mark.postgres
def test_the_cohort_row_is_locked_for_the_edit(world):
    cohort = _draft(world)
    with CaptureQueriesContext(connection) as ctx:
        services.cohort_update(actor=world.district_admin, cohort=cohort, **_terms(cohort, capacity=7))
    locking = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == 1 and '"organizations_cohort"' in locking[0]


# --- the admin --------------------------------------------------------------------------------
@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def _minute(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _form(cohort: Cohort, **overrides) -> dict:
    """The edit form as the page fills it in, with some fields changed."""
    criteria = cohort.graduation_criteria
    data = {
        "name": cohort.name,
        "description": cohort.description,
        "applications_open_at": _minute(cohort.applications_open_at),
        "applications_close_at": _minute(cohort.applications_close_at),
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "capacity": cohort.capacity,
        "questions": json.dumps(cohort.questions, ensure_ascii=False),
        "min_scorecard_average": criteria["min_scorecard_average"],
        "min_completed_activities": criteria["min_completed_activities"],
    }
    if criteria["require_registered_or_filed"]:
        data["require_registered_or_filed"] = "on"
    data.update(overrides)
    return data


def _text(response) -> str:
    return response.content.decode()


def _tag(html: str, name: str) -> str:
    """The opening tag of the form field called ``name``."""
    found = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', html)
    assert found, name
    return found.group(0)


def test_the_district_edits_a_draft_in_the_admin(login, world):
    cohort = _draft(world)
    client = login(world.district_admin)
    page = _text(client.get(f"{COHORTS}inspect/{cohort.pk}/"))
    assert f"{COHORTS}edit/{cohort.pk}/" in page

    form = client.get(f"{COHORTS}edit/{cohort.pk}/")
    assert form.status_code == 200
    html = _text(form)
    assert cohort.name in html
    assert "培育期工作计划" in html  # the questions, as JSON to edit
    assert not any("disabled" in _tag(html, name) for name in services.COHORT_FIXED_ONCE_OPEN)

    new_questions = [{"key": "team", "label": "团队情况", "required": False}]
    response = client.post(
        f"{COHORTS}edit/{cohort.pk}/",
        _form(
            cohort,
            name="2026年春季孵化",
            capacity=6,
            starts_on=(cohort.starts_on + datetime.timedelta(days=7)).isoformat(),
            questions=json.dumps(new_questions, ensure_ascii=False),
            min_scorecard_average="4.00",
            require_registered_or_filed="",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{COHORTS}inspect/{cohort.pk}/"
    stored = Cohort.objects.get(pk=cohort.pk)
    assert (stored.name, stored.capacity, stored.questions) == ("2026年春季孵化", 6, new_questions)
    assert stored.starts_on == cohort.starts_on + datetime.timedelta(days=7)
    assert stored.graduation_criteria == {
        "require_registered_or_filed": False,
        "min_scorecard_average": "4",
        "min_completed_activities": 1,
    }
    # The times shown to the minute and sent back unchanged keep their stored seconds.
    assert stored.applications_open_at == cohort.applications_open_at
    assert stored.applications_close_at == cohort.applications_close_at
    changes = _edits().get().changes
    assert set(changes) == {"name", "capacity", "starts_on", "questions", "graduation_criteria"}


@pytest.mark.parametrize("make", [_draft, _open])
def test_the_edit_page_renders_under_the_csp(login, world, make):
    cohort = make(world)
    client = login(world.district_admin)
    for url in (f"{COHORTS}inspect/{cohort.pk}/", f"{COHORTS}edit/{cohort.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert csp_problems(response) == [], url


def test_sending_the_form_back_unchanged_changes_nothing(login, world):
    cohort = _open(world)
    response = login(world.district_admin).post(f"{COHORTS}edit/{cohort.pk}/", _form(cohort))
    assert response.status_code == 302
    assert not _edits().exists()


def test_an_open_calls_fixed_terms_are_disabled_and_ignored(login, world, enqueued):
    cohort = _open(world)
    client = login(world.district_admin)
    html = _text(client.get(f"{COHORTS}edit/{cohort.pk}/"))
    assert "申请表问题不能再修改" in html
    for name in ("name", "applications_open_at", "starts_on", "questions"):
        assert "disabled" in _tag(html, name), name
    for name in ("description", "applications_close_at", "ends_on", "capacity", "min_scorecard_average"):
        assert "disabled" not in _tag(html, name), name

    new_close = _now() + datetime.timedelta(days=20)
    response = client.post(
        f"{COHORTS}edit/{cohort.pk}/",
        _form(
            cohort,
            name="偷偷改名",
            questions=json.dumps([{"key": "other", "label": "别的问题"}], ensure_ascii=False),
            applications_close_at=_minute(new_close),
            capacity=7,
        ),
    )
    assert response.status_code == 302
    stored = Cohort.objects.get(pk=cohort.pk)
    assert (stored.name, stored.questions) == (cohort.name, QUESTIONS)
    assert stored.capacity == 7
    assert _minute(stored.applications_close_at) == _minute(new_close)
    assert set(_edits().get().changes) == {"capacity", "applications_close_at"}
    assert enqueued == [(close_cohort_applications, stored.applications_close_at, (cohort.pk,))]


@pytest.mark.parametrize(
    ("make", "overrides", "message"),
    [
        (_open, {"applications_close_at": "2020-01-01 08:00"}, "申请截止时间必须晚于开始时间。"),
        (
            _open,
            {"applications_close_at": _minute(_now() - datetime.timedelta(hours=1))},
            "本期正在接受申请,申请截止时间须晚于当前时间。",
        ),
        (_draft, {"capacity": 0}, "入孵名额至少为1。"),
        (_draft, {"name": "已有的一期"}, "已有同名期次。"),
        (_draft, {"questions": '[{"key": "", "label": "计划"}]'}, "每个问题都须有标识和题目。"),
        (_draft, {"min_scorecard_average": "9"}, "能力评估平均分门槛应为1到5之间的数。"),
        (_draft, {"ends_on": "2020-01-01"}, "培育结束日期不能早于开始日期。"),
    ],
)
def test_a_refused_edit_shows_the_reason_in_chinese(login, world, make, overrides, message):
    CohortFactory(district=world.district, name="已有的一期", status=CohortStatus.FINISHED)
    cohort = make(world)
    before = _stored(cohort)
    response = login(world.district_admin).post(f"{COHORTS}edit/{cohort.pk}/", _form(cohort, **overrides))
    assert response.status_code == 200
    assert message in _text(response)
    assert _stored(cohort) == before
    assert not _edits().exists()


def test_a_cohort_past_its_call_offers_no_edit(login, world):
    cohort = _open(world, status=CohortStatus.REVIEWING)
    client = login(world.district_admin)
    assert f"{COHORTS}edit/{cohort.pk}/" not in _text(client.get(f"{COHORTS}inspect/{cohort.pk}/"))
    response = client.get(f"{COHORTS}edit/{cohort.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == f"{COHORTS}inspect/{cohort.pk}/"
    assert "本期孵化已进入「评审中」阶段,期次信息不能再修改。" in _text(response)

    response = client.post(f"{COHORTS}edit/{cohort.pk}/", _form(cohort, capacity=9))
    assert response.status_code == 200
    assert "本期孵化已进入「评审中」阶段,期次信息不能再修改。" in _text(response)
    assert Cohort.objects.get(pk=cohort.pk).capacity == 2
    assert not _edits().exists()


def test_a_street_official_cannot_reach_the_edit_page(login, world):
    cohort = _draft(world)
    client = login(world.official_a)
    url = f"{COHORTS}edit/{cohort.pk}/"
    assert client.get(url).status_code in (302, 403, 404)
    response = client.post(url, _form(cohort, name="越权改名", capacity=9))
    assert response.status_code in (302, 403, 404)
    assert response.status_code != 302 or response["Location"] != f"{COHORTS}inspect/{cohort.pk}/"
    stored = Cohort.objects.get(pk=cohort.pk)
    assert (stored.name, stored.capacity) == (cohort.name, 2)
    assert not _edits().exists()


def test_a_cohort_of_another_district_is_not_found(login, world):
    other = CohortFactory(district=DistrictFactory(code="other", name="邻区"), status=CohortStatus.DRAFT)
    client = login(world.district_admin)
    assert client.get(f"{COHORTS}edit/{other.pk}/").status_code == 404
    assert client.post(f"{COHORTS}edit/{other.pk}/", _form(other, capacity=9)).status_code == 404
    assert Cohort.objects.get(pk=other.pk).capacity == 2
    assert not _edits().exists()
