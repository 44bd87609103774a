"""Writes on organisations and the incubator. Each checks the actor's role over the object,
validates with a Chinese message, changes nothing on error, and leaves an audit record."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.accounts import services as account_services
from marketplace.accounts.selectors import user_by_phone
from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.files import private_file_store
from marketplace.core.models import NotificationKind
from marketplace.core.notifications import notify
from marketplace.core.permissions import require
from marketplace.core.roles import Role
from marketplace.core.scheduling import enqueue_at
from marketplace.core.validators import is_valid_uscc, normalize_cn_mobile
from search import indexing

from . import transitions
from .choices import (
    REGISTERED_FORMS,
    ApplicationStatus,
    CohortStatus,
    DocumentKind,
    GoalStatus,
    Grade,
    LegalForm,
    OrgStatus,
    ScorecardStage,
    ServiceCategory,
)
from .models import (
    Application,
    ApplicationReview,
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


# --- organisation profile -------------------------------------------------------------------
@dataclass
class OrganizationData:
    """What a registrant or an org admin types in; validated by ``_clean``."""

    name: str
    legal_form: str
    legal_representative: str
    contact_phone: str
    address: str
    street: object
    community: object | None
    category: str
    founded_on: datetime.date
    uscc: str = ""
    uscc_check_failed: bool = False
    grade: str = ""
    grade_expires_on: datetime.date | None = None
    description: str = ""
    tag_slugs: list[str] = field(default_factory=list)


PROFILE_FIELDS = (
    "name",
    "legal_form",
    "uscc",
    "uscc_check_failed",
    "legal_representative",
    "contact_phone",
    "address",
    "street",
    "community",
    "category",
    "founded_on",
    "grade",
    "grade_expires_on",
    "description",
)
# Fields that identify the organisation: fixed once it is verified (the district re-checks them).
IDENTITY_FIELDS = ("name", "legal_form", "uscc", "uscc_check_failed")


def _clean(data: OrganizationData, *, instance: Organization | None = None) -> dict:
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("请填写组织名称(不超过100字)。"), field="name")
    if data.legal_form not in LegalForm.values:
        raise ValidationFailed(_("请选择组织形式。"), field="legal_form")
    uscc = (data.uscc or "").strip().upper()
    check_failed = False
    if data.legal_form in REGISTERED_FORMS:
        if not uscc:
            raise ValidationFailed(_("已登记的社会组织须填写统一社会信用代码。"), field="uscc")
        if len(uscc) != 18:
            raise ValidationFailed(_("统一社会信用代码应为18位。"), field="uscc")
        if not is_valid_uscc(uscc):
            if not data.uscc_check_failed:
                raise ValidationFailed(
                    _(
                        "统一社会信用代码校验位不正确,请核对。若证书上的代码确实如此,"
                        "请勾选“代码与证书一致”,由区级人工核验。"
                    ),
                    code="invalid_uscc",
                    field="uscc",
                )
            check_failed = True
    elif uscc:
        raise ValidationFailed(_("备案的社区社会组织没有统一社会信用代码,请留空。"), field="uscc")
    duplicate = Organization.objects.filter(uscc=uscc) if uscc else Organization.objects.none()
    if instance is not None:
        duplicate = duplicate.exclude(pk=instance.pk)
    if duplicate.exists():
        raise ValidationFailed(_("该统一社会信用代码已被其他组织登记。"), code="duplicate_uscc", field="uscc")
    name_taken = Organization.objects.filter(name=name)
    if instance is not None:
        name_taken = name_taken.exclude(pk=instance.pk)
    if name_taken.exists():
        raise ValidationFailed(_("已有同名组织。"), code="duplicate_name", field="name")
    if not (data.legal_representative or "").strip():
        raise ValidationFailed(_("请填写法定代表人或负责人。"), field="legal_representative")
    try:
        phone = normalize_cn_mobile(data.contact_phone)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], field="contact_phone") from exc
    if not (data.address or "").strip():
        raise ValidationFailed(_("请填写地址。"), field="address")
    if data.street is None:
        raise ValidationFailed(_("请选择所在街道。"), field="street")
    if data.community is not None and data.community.street_id != data.street.pk:
        raise ValidationFailed(_("所选社区不属于所选街道。"), field="community")
    if data.category not in ServiceCategory.values:
        raise ValidationFailed(_("请选择服务类别。"), field="category")
    if not isinstance(data.founded_on, datetime.date) or data.founded_on > timezone.localdate():
        raise ValidationFailed(_("成立日期无效。"), field="founded_on")
    grade = data.grade or ""
    if grade and grade not in Grade.values:
        raise ValidationFailed(_("评估等级应为1A至5A。"), field="grade")
    if grade and data.grade_expires_on is None:
        raise ValidationFailed(
            _("填写评估等级时须同时填写有效期。"), code="grade_needs_expiry", field="grade_expires_on"
        )
    if not grade and data.grade_expires_on is not None:
        raise ValidationFailed(_("未填写评估等级时不应填写有效期。"), field="grade_expires_on")
    tags = list(ServiceTag.objects.filter(slug__in=data.tag_slugs))
    if len(tags) != len(set(data.tag_slugs)):
        raise ValidationFailed(_("服务标签无效。"), field="tags")
    return {
        "name": name,
        "legal_form": data.legal_form,
        "uscc": uscc or None,
        "uscc_check_failed": check_failed,
        "legal_representative": data.legal_representative.strip(),
        "contact_phone": phone,
        "address": data.address.strip(),
        "street": data.street,
        "community": data.community,
        "category": data.category,
        "founded_on": data.founded_on,
        "grade": grade,
        "grade_expires_on": data.grade_expires_on,
        "description": (data.description or "").strip(),
        "_tags": tags,
    }


def _summary(values: dict) -> dict:
    """An audit summary without personal data (the contact phone is masked)."""
    from marketplace.core.masking import mask_phone

    out = {}
    for key, value in values.items():
        if key.startswith("_"):
            continue
        if key == "contact_phone":
            value = mask_phone(value)
        out[key] = (
            str(value.pk)
            if hasattr(value, "pk")
            else (value.isoformat() if hasattr(value, "isoformat") else value)
        )
    return out


@transaction.atomic
def organization_register(*, actor, data: OrganizationData) -> Organization:
    """Anyone signed in registers an organisation; it waits for the district's verification and
    the registrant becomes its org admin."""
    if not getattr(actor, "is_authenticated", False):
        raise ValidationFailed(_("请先登录。"), code="login_required")
    values = _clean(data)
    tags = values.pop("_tags")
    try:
        with transaction.atomic():
            org = Organization.objects.create(
                district_id=values["street"].district_id,
                registered_by=actor,
                status=OrgStatus.PENDING,
                **values,
            )
    except IntegrityError as exc:
        raise ValidationFailed(_("组织名称或信用代码与已有组织重复。"), code="duplicate") from exc
    org.tags.set(tags)
    audit.record(actor=actor, action="organizations.org.register", obj=org, changes=_summary(values))
    account_services.role_grant_on_creation(user=actor, role=Role.ORG_ADMIN, scope=org, reason="组织登记人")
    return org


@transaction.atomic
def organization_update(*, actor, org: Organization, data: OrganizationData) -> Organization:
    require(actor, "organizations.org.change", org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    values = _clean(data, instance=org)
    tags = values.pop("_tags")
    if org.status != OrgStatus.PENDING and org.status != OrgStatus.REJECTED:
        changed_identity = [f for f in IDENTITY_FIELDS if getattr(org, f) != values[f]]
        if changed_identity:
            raise ValidationFailed(
                _("组织已认证,名称、组织形式和信用代码不能自行修改,请联系区民政局。"),
                code="identity_locked",
                field=changed_identity[0],
            )
    before = _summary({f: getattr(org, f) for f in PROFILE_FIELDS})
    for key, value in values.items():
        setattr(org, key, value)
    org.district_id = org.street.district_id
    org.save()
    org.tags.set(tags)
    after = _summary({f: getattr(org, f) for f in PROFILE_FIELDS})
    audit.record(actor=actor, action="organizations.org.change", obj=org, changes=audit.diff(before, after))
    indexing.changed("organization", [org.pk])
    return org


@transaction.atomic
def organization_document_add(*, actor, org: Organization, kind: str, upload) -> OrganizationDocument:
    require(actor, "organizations.org.add_document", org)
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("请选择材料类型。"), field="kind")
    stored = private_file_store(
        upload=upload, purpose="org_document", actor=actor, attached_to=f"organizations.organization:{org.pk}"
    )
    document = OrganizationDocument.objects.create(organization=org, kind=kind, file=stored)
    audit.record(
        actor=actor,
        action="organizations.org.add_document",
        obj=org,
        changes={"kind": kind, "file": str(stored.pk)},
    )
    return document


@transaction.atomic
def organization_member_add(*, actor, org: Organization, phone: str, role: str = Role.ORG_MEMBER):
    """Add an existing user (found by phone) to the organisation and tell them."""
    if role not in (Role.ORG_ADMIN, Role.ORG_MEMBER):
        raise ValidationFailed(_("角色无效。"), field="role")
    # Check the right first: whether a phone is registered is not for everyone to learn.
    require(actor, f"accounts.role.assign.{role}", org)
    try:
        e164 = normalize_cn_mobile(phone)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], field="phone") from exc
    user = user_by_phone(e164)
    if user is None:
        raise ValidationFailed(
            _("未找到使用该手机号的用户,请对方先注册。"), code="user_not_found", field="phone"
        )
    assignment = account_services.role_assign(actor=actor, user=user, role=role, scope=org)
    notify(
        recipient=user,
        kind=NotificationKind.ORGANIZATION,
        title=str(_("您已加入社会组织「%(org)s」") % {"org": org.name}),
    )
    return assignment


# --- verification ---------------------------------------------------------------------------
def _tell_org_admins(org: Organization, title: str, body: str = "") -> None:
    from .selectors import member_list

    for assignment in member_list(org):
        if assignment.role == Role.ORG_ADMIN:
            notify(recipient=assignment.user, kind=NotificationKind.ORGANIZATION, title=title, body=body)


@transaction.atomic
def organization_verify(*, actor, org: Organization, override_reason: str = "") -> Organization:
    fields = {"verified_at": timezone.now()}
    if override_reason.strip():
        fields["uscc_override_reason"] = override_reason.strip()
    org = transitions.ORGANIZATION.perform(
        org,
        "verify",
        actor=actor,
        context={"override_reason": override_reason},
        fields=fields,
        reason=override_reason,
    )
    _tell_org_admins(org, str(_("「%(org)s」已通过区级认证") % {"org": org.name}))
    return org


@transaction.atomic
def organization_reject(*, actor, org: Organization, reason: str) -> Organization:
    org = transitions.ORGANIZATION.perform(org, "reject", actor=actor, reason=reason)
    _tell_org_admins(org, str(_("「%(org)s」的认证申请被退回") % {"org": org.name}), reason)
    return org


@transaction.atomic
def organization_resubmit(*, actor, org: Organization) -> Organization:
    return transitions.ORGANIZATION.perform(org, "resubmit", actor=actor)


@transaction.atomic
def organization_suspend(*, actor, org: Organization, reason: str) -> Organization:
    org = transitions.ORGANIZATION.perform(org, "suspend", actor=actor, reason=reason)
    _tell_org_admins(org, str(_("「%(org)s」已被暂停") % {"org": org.name}), reason)
    return org


@transaction.atomic
def organization_reinstate(*, actor, org: Organization, reason: str) -> Organization:
    org = transitions.ORGANIZATION.perform(org, "reinstate", actor=actor, reason=reason)
    _tell_org_admins(org, str(_("「%(org)s」已恢复") % {"org": org.name}), reason)
    return org


# --- cohorts and applications ---------------------------------------------------------------
def _clean_questions(questions) -> list[dict]:
    if not isinstance(questions, list):
        raise ValidationFailed(_("申请表问题格式不正确。"), field="questions")
    cleaned, keys = [], set()
    for q in questions:
        if (
            not isinstance(q, dict)
            or not str(q.get("key", "")).strip()
            or not str(q.get("label", "")).strip()
        ):
            raise ValidationFailed(_("每个问题都须有标识和题目。"), field="questions")
        key = str(q["key"]).strip()
        if key in keys:
            raise ValidationFailed(_("问题标识重复:%(key)s") % {"key": key}, field="questions")
        keys.add(key)
        cleaned.append(
            {"key": key, "label": str(q["label"]).strip(), "required": bool(q.get("required", True))}
        )
    return cleaned


def _clean_criteria(criteria: dict | None) -> dict:
    from decimal import Decimal, InvalidOperation

    from .models import default_criteria

    criteria = {**default_criteria(), **(criteria or {})}
    try:
        minimum = Decimal(str(criteria["min_scorecard_average"]))
    except (InvalidOperation, KeyError) as exc:
        raise ValidationFailed(
            _("能力评估平均分门槛应为1到5之间的数。"), field="graduation_criteria"
        ) from exc
    if not Decimal(1) <= minimum <= Decimal(5):
        raise ValidationFailed(_("能力评估平均分门槛应为1到5之间的数。"), field="graduation_criteria")
    try:
        activities = int(criteria["min_completed_activities"])
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("活动数量门槛应为整数。"), field="graduation_criteria") from exc
    if activities < 0:
        raise ValidationFailed(_("活动数量门槛不能为负数。"), field="graduation_criteria")
    return {
        "require_registered_or_filed": bool(criteria["require_registered_or_filed"]),
        "min_scorecard_average": str(minimum),
        "min_completed_activities": activities,
    }


def _clean_cohort_terms(
    *,
    name: str,
    description: str,
    applications_open_at: datetime.datetime,
    applications_close_at: datetime.datetime,
    starts_on: datetime.date,
    ends_on: datetime.date,
    capacity: int,
    questions,
    graduation_criteria: dict | None,
    instance: Cohort | None = None,
) -> dict:
    """A cohort's terms as ``cohort_create`` and ``cohort_update`` store them."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写期次名称。"), field="name")
    same_name = Cohort.objects.filter(name=name)
    if instance is not None:
        same_name = same_name.exclude(pk=instance.pk)
    if same_name.exists():
        raise ValidationFailed(_("已有同名期次。"), code="duplicate", field="name")
    if applications_open_at >= applications_close_at:
        raise ValidationFailed(_("申请截止时间必须晚于开始时间。"), field="applications_close_at")
    if starts_on > ends_on:
        raise ValidationFailed(_("培育结束日期不能早于开始日期。"), field="ends_on")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise ValidationFailed(_("入孵名额至少为1。"), field="capacity")
    return {
        "name": name,
        "description": (description or "").strip(),
        "applications_open_at": applications_open_at,
        "applications_close_at": applications_close_at,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "capacity": capacity,
        "questions": _clean_questions(questions or []),
        "graduation_criteria": _clean_criteria(graduation_criteria),
    }


@transaction.atomic
def cohort_create(
    *,
    actor,
    district,
    name: str,
    applications_open_at: datetime.datetime,
    applications_close_at: datetime.datetime,
    starts_on: datetime.date,
    ends_on: datetime.date,
    capacity: int,
    description: str = "",
    questions=None,
    graduation_criteria: dict | None = None,
) -> Cohort:
    require(actor, "organizations.cohort.create", district)
    values = _clean_cohort_terms(
        name=name,
        description=description,
        applications_open_at=applications_open_at,
        applications_close_at=applications_close_at,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        questions=questions,
        graduation_criteria=graduation_criteria,
    )
    cohort = Cohort.objects.create(district=district, **values)
    audit.record(
        actor=actor, action="organizations.cohort.create", obj=cohort, changes={"capacity": capacity}
    )
    return cohort


@transaction.atomic
def cohort_open(*, actor, cohort: Cohort) -> Cohort:
    cohort = transitions.COHORT.perform(cohort, "open", actor=actor)
    from .tasks import close_cohort_applications

    enqueue_at(close_cohort_applications, cohort.applications_close_at, cohort.pk)
    return cohort


@transaction.atomic
def cohort_close_applications(*, actor, cohort: Cohort) -> Cohort:
    return transitions.COHORT.perform(cohort, "close_applications", actor=actor)


@transaction.atomic
def cohort_start(*, actor, cohort: Cohort) -> Cohort:
    return transitions.COHORT.perform(cohort, "start", actor=actor)


@transaction.atomic
def cohort_finish(*, actor, cohort: Cohort) -> Cohort:
    return transitions.COHORT.perform(cohort, "finish", actor=actor)


@transaction.atomic
def application_submit(*, actor, cohort: Cohort, org: Organization, answers: dict) -> Application:
    require(actor, "organizations.application.submit", org)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    now = timezone.now()
    if cohort.status != CohortStatus.OPEN or not (
        cohort.applications_open_at <= now < cohort.applications_close_at
    ):
        raise ValidationFailed(_("不在本期申请时间内,不能提交申请。"), code="outside_window")
    if org.status in (OrgStatus.REJECTED, OrgStatus.SUSPENDED):
        raise ValidationFailed(_("组织当前状态不能申请入孵。"), code="org_not_eligible")
    if Application.objects.filter(cohort=cohort, organization=org).exists():
        raise ValidationFailed(_("本组织已申请过本期孵化。"), code="duplicate")
    # An open call takes at most three applications per place, so review stays manageable.
    if (
        Application.objects.filter(cohort=cohort).exclude(status=ApplicationStatus.WITHDRAWN).count()
        >= cohort.capacity * 3
    ):
        raise ValidationFailed(_("本期申请人数已满,请关注下一期。"), code="cohort_full")
    if not isinstance(answers, dict):
        raise ValidationFailed(_("申请内容格式不正确。"), field="answers")
    clean_answers = {}
    for q in cohort.questions:
        value = str(answers.get(q["key"], "") or "").strip()
        if q.get("required") and not value:
            raise ValidationFailed(_("请回答:%(label)s") % {"label": q["label"]}, field=q["key"])
        if len(value) > 5000:
            raise ValidationFailed(
                _("回答过长(不超过5000字):%(label)s") % {"label": q["label"]}, field=q["key"]
            )
        clean_answers[q["key"]] = value
    application = Application.objects.create(
        cohort=cohort, organization=org, answers=clean_answers, submitted_by=actor
    )
    audit.record(actor=actor, action="organizations.application.submit", obj=application)
    return application


@transaction.atomic
def application_review(
    *, actor, application: Application, score: int, comment: str = ""
) -> ApplicationReview:
    require(actor, "organizations.application.review", application)
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED):
        raise ValidationFailed(_("该申请已有结果,不能再评分。"), code="closed")
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
        raise ValidationFailed(_("评分应为0到100之间的整数。"), field="score")
    review, created = ApplicationReview.objects.update_or_create(
        application=application, reviewer=actor, defaults={"score": score, "comment": (comment or "").strip()}
    )
    audit.record(
        actor=actor,
        action="organizations.application.review",
        obj=application,
        changes={"score": score, "updated": not created},
    )
    return review


@transaction.atomic
def application_admit(*, actor, application: Application) -> Incubation:
    # Lock the cohort first so that concurrent admissions count the places one at a time.
    Cohort.objects.select_for_update().get(pk=application.cohort_id)
    application = transitions.APPLICATION.perform(application, "admit", actor=actor)
    incubation = Incubation.objects.create(
        cohort_id=application.cohort_id, organization_id=application.organization_id, application=application
    )
    audit.record(actor=actor, action="organizations.incubation.create", obj=incubation)
    _tell_org_admins(
        application.organization,
        str(_("恭喜!「%(org)s」已入选本期孵化") % {"org": application.organization.name}),
    )
    return incubation


@transaction.atomic
def application_waitlist(*, actor, application: Application) -> Application:
    return transitions.APPLICATION.perform(application, "waitlist", actor=actor)


@transaction.atomic
def application_decline(*, actor, application: Application, reason: str) -> Application:
    application = transitions.APPLICATION.perform(application, "decline", actor=actor, reason=reason)
    _tell_org_admins(application.organization, str(_("入孵申请未入选")), reason)
    return application


@transaction.atomic
def application_withdraw(*, actor, application: Application) -> Application:
    return transitions.APPLICATION.perform(application, "withdraw", actor=actor)


# --- incubation -----------------------------------------------------------------------------
@transaction.atomic
def mentor_assign(*, actor, incubation: Incubation, user):
    assignment = account_services.role_assign(actor=actor, user=user, role=Role.MENTOR, scope=incubation)
    notify(
        recipient=user,
        kind=NotificationKind.ORGANIZATION,
        title=str(_("您被指派为「%(org)s」的孵化导师") % {"org": incubation.organization.name}),
    )
    return assignment


def _require_active(incubation: Incubation) -> None:
    if incubation.status in ("graduated", "exited"):
        raise ValidationFailed(_("孵化已结束,不能再修改。"), code="incubation_closed")


@transaction.atomic
def mentor_log_add(*, actor, incubation: Incubation, happened_on: datetime.date, content: str) -> MentorLog:
    require(actor, "organizations.incubation.log", incubation)
    _require_active(incubation)
    if not (content or "").strip():
        raise ValidationFailed(_("请填写辅导内容。"), field="content")
    if happened_on > timezone.localdate():
        raise ValidationFailed(_("辅导日期不能晚于今天。"), field="happened_on")
    log = MentorLog.objects.create(
        incubation=incubation, mentor=actor, happened_on=happened_on, content=content.strip()
    )
    audit.record(actor=actor, action="organizations.incubation.log", obj=incubation, changes={"log": log.pk})
    return log


@transaction.atomic
def goal_add(*, actor, incubation: Incubation, title: str, due_on: datetime.date | None = None) -> Goal:
    require(actor, "organizations.incubation.goal", incubation)
    _require_active(incubation)
    if not (title or "").strip():
        raise ValidationFailed(_("请填写目标。"), field="title")
    goal = Goal.objects.create(incubation=incubation, title=title.strip()[:200], due_on=due_on)
    audit.record(actor=actor, action="organizations.goal.add", obj=incubation, changes={"goal": goal.title})
    return goal


@transaction.atomic
def goal_set_status(*, actor, goal: Goal, status: str, note: str = "") -> Goal:
    require(actor, "organizations.incubation.goal", goal.incubation)
    _require_active(goal.incubation)
    if status not in GoalStatus.values:
        raise ValidationFailed(_("目标状态无效。"), field="status")
    before = goal.status
    goal.status, goal.note = status, (note or goal.note).strip()
    goal.save(update_fields=["status", "note"])
    audit.record(
        actor=actor,
        action="organizations.goal.status",
        obj=goal.incubation,
        changes={"goal": goal.pk, "status": [before, status]},
    )
    return goal


@transaction.atomic
def scorecard_record(
    *, actor, incubation: Incubation, stage: str, scores: dict[str, int], evidence: dict[str, str]
) -> Scorecard:
    require(actor, "organizations.incubation.score", incubation)
    _require_active(incubation)
    if stage not in ScorecardStage.values:
        raise ValidationFailed(_("评估阶段无效。"), field="stage")
    values = {}
    labels = {
        "governance": _("内部治理"),
        "finance": _("财务管理"),
        "programmes": _("项目服务"),
        "people": _("人才队伍"),
    }
    for dim in Scorecard.DIMENSIONS:
        score = scores.get(dim)
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise ValidationFailed(_("「%(dim)s」评分应为1到5的整数。") % {"dim": labels[dim]}, field=dim)
        text = str(evidence.get(dim, "") or "").strip()
        if not text:
            raise ValidationFailed(
                _("请填写「%(dim)s」的评分依据。") % {"dim": labels[dim]}, field=f"{dim}_evidence"
            )
        values[dim], values[f"{dim}_evidence"] = score, text
    if Scorecard.objects.filter(incubation=incubation, stage=stage).exists():
        raise ValidationFailed(_("该阶段的评估表已填写。"), code="duplicate", field="stage")
    card = Scorecard.objects.create(incubation=incubation, stage=stage, scored_by=actor, **values)
    audit.record(
        actor=actor,
        action="organizations.scorecard.record",
        obj=incubation,
        changes={"stage": stage, **{d: values[d] for d in Scorecard.DIMENSIONS}},
    )
    return card


@transaction.atomic
def incubation_activity_record(
    *,
    actor,
    incubation: Incubation,
    title: str,
    happened_on: datetime.date,
    participants: int = 0,
    summary: str = "",
) -> IncubationActivity:
    require(actor, "organizations.incubation.activity", incubation)
    _require_active(incubation)
    if not (title or "").strip():
        raise ValidationFailed(_("请填写活动名称。"), field="title")
    if happened_on > timezone.localdate():
        raise ValidationFailed(_("只能登记已完成的活动。"), field="happened_on")
    if not isinstance(participants, int) or participants < 0:
        raise ValidationFailed(_("参与人数不能为负数。"), field="participants")
    activity = IncubationActivity.objects.create(
        incubation=incubation,
        title=title.strip()[:200],
        happened_on=happened_on,
        participants=participants,
        summary=(summary or "").strip(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor, action="organizations.activity.record", obj=incubation, changes={"title": activity.title}
    )
    return activity


@transaction.atomic
def incubation_midterm(*, actor, incubation: Incubation) -> Incubation:
    return transitions.INCUBATION.perform(incubation, "midterm", actor=actor)


@transaction.atomic
def incubation_graduate(*, actor, incubation: Incubation) -> Incubation:
    """Graduation (出壳). A graduate still waiting for verification is verified with it: the
    incubator has checked it more closely than the desk review would."""
    incubation = transitions.INCUBATION.perform(
        incubation, "graduate", actor=actor, fields={"ended_at": timezone.now()}
    )
    org = incubation.organization
    if org.status == OrgStatus.PENDING:
        transitions.ORGANIZATION.perform(
            org,
            "verify",
            actor=actor,
            reason="孵化出壳",
            fields={"verified_at": timezone.now()},
            context={
                "override_reason": org.uscc_override_reason or ("孵化出壳" if org.uscc_check_failed else "")
            },
        )
    _tell_org_admins(org, str(_("恭喜!「%(org)s」已顺利出壳") % {"org": org.name}))
    return incubation


@transaction.atomic
def incubation_exit(*, actor, incubation: Incubation, reason: str) -> Incubation:
    incubation = transitions.INCUBATION.perform(
        incubation,
        "exit",
        actor=actor,
        reason=reason,
        fields={"ended_at": timezone.now(), "exit_reason": reason.strip()},
    )
    _tell_org_admins(incubation.organization, str(_("孵化已终止")), reason)
    return incubation


# --- periodic reports -----------------------------------------------------------------------
REMIND_DAYS_BEFORE = 3


@transaction.atomic
def report_schedule(*, actor, incubation: Incubation, title: str, due_on: datetime.date) -> PeriodicReport:
    require(actor, "organizations.report.schedule", incubation)
    _require_active(incubation)
    if not (title or "").strip():
        raise ValidationFailed(_("请填写报告名称。"), field="title")
    if due_on < timezone.localdate():
        raise ValidationFailed(_("截止日期不能早于今天。"), field="due_on")
    report = PeriodicReport.objects.create(incubation=incubation, title=title.strip()[:200], due_on=due_on)
    audit.record(
        actor=actor,
        action="organizations.report.schedule",
        obj=report,
        changes={"due_on": due_on.isoformat()},
    )
    from .tasks import remind_report_due

    remind_at = timezone.make_aware(
        datetime.datetime.combine(due_on - datetime.timedelta(days=REMIND_DAYS_BEFORE), datetime.time(9, 0))
    )
    enqueue_at(remind_report_due, remind_at, report.pk)
    return report


@transaction.atomic
def report_submit(*, actor, report: PeriodicReport, content: str) -> PeriodicReport:
    if not (content or "").strip():
        raise ValidationFailed(_("请填写报告内容。"), field="content")
    return transitions.REPORT.perform(
        report, "submit", actor=actor, fields={"content": content.strip(), "submitted_at": timezone.now()}
    )


@transaction.atomic
def report_accept(*, actor, report: PeriodicReport, note: str = "") -> PeriodicReport:
    return transitions.REPORT.perform(
        report, "accept", actor=actor, fields={"review_note": (note or "").strip()}
    )


@transaction.atomic
def report_return(*, actor, report: PeriodicReport, reason: str) -> PeriodicReport:
    report = transitions.REPORT.perform(
        report, "return", actor=actor, reason=reason, fields={"review_note": reason.strip()}
    )
    _tell_org_admins(
        report.incubation.organization, str(_("报告「%(t)s」被退回修改") % {"t": report.title}), reason
    )
    return report


# --- reading private details ----------------------------------------------------------------
def organization_private_view(*, actor, org: Organization) -> bool:
    """Whether ``actor`` may see the organisation's private details (contact phone, legal
    representative, documents). A view by someone outside the organisation — the district — is
    written to the audit trail, as every view of unmasked personal data is."""
    from .selectors import _member_org_ids, can_view_private

    if not can_view_private(actor, org):
        return False
    if org.pk not in _member_org_ids(actor):
        audit.record(actor=actor, action="organizations.org.view_private", obj=org)
    return True


# --- editing a cohort -----------------------------------------------------------------------
COHORT_EDITABLE_STATUSES = (CohortStatus.DRAFT, CohortStatus.OPEN)
# Once the call is open, organisations may have read these and applied on their strength: the
# answers on file belong to those questions, and the window they applied in must stay as it was.
COHORT_FIXED_ONCE_OPEN = ("name", "applications_open_at", "starts_on", "questions")
COHORT_TERMS = (
    "name",
    "description",
    "applications_open_at",
    "applications_close_at",
    "starts_on",
    "ends_on",
    "capacity",
    "questions",
    "graduation_criteria",
)


def cohort_edit_refusal(cohort: Cohort) -> str | None:
    """Why the cohort's terms can no longer be edited, or None while they can."""
    if cohort.status not in COHORT_EDITABLE_STATUSES:
        return str(
            _("本期孵化已进入「%(status)s」阶段,期次信息不能再修改。")
            % {"status": cohort.get_status_display()}
        )
    # Past the deadline the call is closed whether or not the closing task has run yet, so the
    # edit is refused either way and the outcome never depends on when the task runs.
    if cohort.status == CohortStatus.OPEN and timezone.now() >= cohort.applications_close_at:
        return str(_("本期申请已截止,期次信息不能再修改。"))
    return None


def cohort_fixed_fields(cohort: Cohort) -> tuple[str, ...]:
    """The terms that may no longer change in the cohort's current status."""
    return COHORT_FIXED_ONCE_OPEN if cohort.status == CohortStatus.OPEN else ()


def _cohort_summary(cohort: Cohort) -> dict:
    values = {f: getattr(cohort, f) for f in COHORT_TERMS}
    for key in ("applications_open_at", "applications_close_at"):
        # Local time, so that the same instant read back from the database is not a "change".
        values[key] = timezone.localtime(values[key])
    return _summary(values)


@transaction.atomic
def cohort_update(
    *,
    actor,
    cohort: Cohort,
    name: str,
    description: str,
    applications_open_at: datetime.datetime,
    applications_close_at: datetime.datetime,
    starts_on: datetime.date,
    ends_on: datetime.date,
    capacity: int,
    questions,
    graduation_criteria: dict | None,
) -> Cohort:
    """The district edits a cohort's terms: anything while it is a draft; once the call is open,
    only the description, a deadline still ahead, the end date, the capacity and the graduation
    criteria. Later it cannot be edited."""
    require(actor, "organizations.cohort.change", cohort)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    refusal = cohort_edit_refusal(cohort)
    if refusal:
        raise ValidationFailed(refusal, code="cohort_locked")
    values = _clean_cohort_terms(
        name=name,
        description=description,
        applications_open_at=applications_open_at,
        applications_close_at=applications_close_at,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        questions=questions,
        graduation_criteria=graduation_criteria,
        instance=cohort,
    )
    changed = {f: v for f, v in values.items() if getattr(cohort, f) != v}
    for fixed in cohort_fixed_fields(cohort):
        if fixed not in changed:
            continue
        if fixed == "questions":
            message = _("本期已开始接受申请,申请表问题不能再修改。")
        else:
            message = _("本期已开始接受申请,「%(field)s」不能再修改。") % {
                "field": Cohort._meta.get_field(fixed).verbose_name
            }
        raise ValidationFailed(message, code="field_locked", field=fixed)
    # An earlier deadline still ahead is allowed: the district may close the call early anyway.
    if (
        cohort.status == CohortStatus.OPEN
        and "applications_close_at" in changed
        and values["applications_close_at"] <= timezone.now()
    ):
        raise ValidationFailed(
            _("本期正在接受申请,申请截止时间须晚于当前时间。"),
            code="deadline_passed",
            field="applications_close_at",
        )
    if "capacity" in changed:
        admitted = Application.objects.filter(cohort=cohort, status=ApplicationStatus.ADMITTED).count()
        if values["capacity"] < admitted:
            raise ValidationFailed(
                _("入孵名额不能少于已录取的组织数(%(n)s)。") % {"n": admitted},
                code="capacity_below_admitted",
                field="capacity",
            )
    if not changed:
        return cohort
    before = _cohort_summary(cohort)
    for key, value in changed.items():
        setattr(cohort, key, value)
    try:
        with transaction.atomic():
            cohort.save(update_fields=list(changed))
    except IntegrityError as exc:
        raise ValidationFailed(_("已有同名期次。"), code="duplicate", field="name") from exc
    audit.record(
        actor=actor,
        action="organizations.cohort.change",
        obj=cohort,
        changes=audit.diff(before, _cohort_summary(cohort)),
    )
    if cohort.status == CohortStatus.OPEN and "applications_close_at" in changed:
        from .tasks import close_cohort_applications

        # The run queued for the old deadline finds the call still before its deadline and does
        # nothing; this one closes it at the new deadline.
        enqueue_at(close_cohort_applications, cohort.applications_close_at, cohort.pk)
    return cohort
