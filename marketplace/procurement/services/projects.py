"""Writes on service projects and sealed bids. Each checks the actor's role over the object,
validates with a Chinese message, changes nothing on error, and leaves an audit record.

Deadlines are the server clock's: a bid one second before ``bid_close_at`` is accepted, one at
or after it refused, whether or not the closing task has run.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core import audit
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.files import private_file_discard, private_file_store
from marketplace.core.models import NotificationKind
from marketplace.core.money import format_yuan
from marketplace.core.notifications import notify
from marketplace.core.permissions import require
from marketplace.core.scheduling import enqueue_at
from marketplace.organizations.choices import Grade, ServiceCategory
from marketplace.organizations.models import Organization
from marketplace.organizations.selectors import member_list
from search import indexing

from .. import sealing, selectors, transitions
from ..choices import BidStatus, FundingSource, ProjectStatus
from ..models import Bid, EvaluationCriterion, Project, Question
from ..policies import BID_ATTACHMENT_PURPOSE

# An answer published this close to the deadline pushes the deadline back to leave bidders
# this much time after it.
QA_MIN_NOTICE = datetime.timedelta(days=3)


# --- drafting -------------------------------------------------------------------------------
@dataclass
class CriterionData:
    name: str
    weight: int
    is_price: bool = False
    guidance: str = ""


@dataclass
class ProjectTerms:
    title: str
    category: str
    description: str
    service_targets: str
    performance_goals: str
    budget_ceiling_fen: int
    funding_source: str
    bid_open_at: datetime.datetime
    bid_close_at: datetime.datetime
    service_start: datetime.date
    service_end: datetime.date
    criteria: list[CriterionData]
    community: object | None = None
    min_grade: str = ""
    required_categories: list[str] = field(default_factory=list)
    min_valid_bids: int = 3
    publicity_working_days: int = 5


def _int(value, *, field_name: str, message) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(message, field=field_name)
    return value


def _clean_terms(terms: ProjectTerms, *, street) -> dict:
    for name, label in (
        ("title", _("项目名称")),
        ("description", _("项目内容")),
        ("service_targets", _("服务对象")),
        ("performance_goals", _("绩效目标")),
    ):
        if not str(getattr(terms, name) or "").strip():
            raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=name)
    if len(terms.title.strip()) > 150:
        raise ValidationFailed(_("项目名称不超过150字。"), field="title")
    if terms.category not in ServiceCategory.values:
        raise ValidationFailed(_("请选择服务类别。"), field="category")
    budget = _int(
        terms.budget_ceiling_fen, field_name="budget_ceiling_fen", message=_("预算上限须为整数(单位:分)。")
    )
    if budget <= 0:
        raise ValidationFailed(_("预算上限须大于零。"), field="budget_ceiling_fen")
    if terms.funding_source not in FundingSource.values:
        raise ValidationFailed(_("请选择资金来源。"), field="funding_source")
    if terms.community is not None and terms.community.street_id != street.pk:
        raise ValidationFailed(_("服务社区须在本街道内。"), field="community")
    if terms.min_grade and terms.min_grade not in Grade.values:
        raise ValidationFailed(_("最低评估等级应为1A至5A。"), field="min_grade")
    unknown = set(terms.required_categories) - set(ServiceCategory.values)
    if unknown:
        raise ValidationFailed(_("限定服务类别无效。"), field="required_categories")
    if terms.bid_open_at >= terms.bid_close_at:
        raise ValidationFailed(_("投标截止时间须晚于开始时间。"), field="bid_close_at")
    if terms.service_start > terms.service_end:
        raise ValidationFailed(_("服务结束日期不能早于开始日期。"), field="service_end")
    if terms.service_start < timezone.localtime(terms.bid_close_at).date():
        raise ValidationFailed(_("服务开始日期不能早于投标截止日期。"), field="service_start")
    min_bids = _int(terms.min_valid_bids, field_name="min_valid_bids", message=_("最少有效投标数须为整数。"))
    if not 1 <= min_bids <= 20:
        raise ValidationFailed(_("最少有效投标数应在1到20之间。"), field="min_valid_bids")
    days = _int(
        terms.publicity_working_days, field_name="publicity_working_days", message=_("公示期须为整数。")
    )
    if not 1 <= days <= 30:
        raise ValidationFailed(_("公示期应为1到30个工作日。"), field="publicity_working_days")
    criteria = list(terms.criteria or [])
    if not criteria:
        raise ValidationFailed(_("请设置评分项。"), field="criteria")
    names = set()
    for c in criteria:
        if not (c.name or "").strip():
            raise ValidationFailed(_("评分项须有名称。"), field="criteria")
        if c.name.strip() in names:
            raise ValidationFailed(_("评分项名称重复:%(name)s") % {"name": c.name}, field="criteria")
        names.add(c.name.strip())
        weight = _int(c.weight, field_name="criteria", message=_("权重须为整数。"))
        if not 1 <= weight <= 100:
            raise ValidationFailed(_("每项权重应在1到100之间。"), field="criteria")
    if sum(c.weight for c in criteria) != 100:
        raise ValidationFailed(_("评分项权重之和须为100。"), code="weights_not_100", field="criteria")
    if sum(1 for c in criteria if c.is_price) != 1:
        raise ValidationFailed(_("评分项中须有且只有一项价格分。"), code="price_criterion", field="criteria")
    return {
        "title": terms.title.strip(),
        "category": terms.category,
        "description": terms.description.strip(),
        "service_targets": terms.service_targets.strip(),
        "performance_goals": terms.performance_goals.strip(),
        "budget_ceiling_fen": budget,
        "funding_source": terms.funding_source,
        "community": terms.community,
        "min_grade": terms.min_grade or "",
        "required_categories": sorted(set(terms.required_categories)),
        "bid_open_at": terms.bid_open_at,
        "bid_close_at": terms.bid_close_at,
        "service_start": terms.service_start,
        "service_end": terms.service_end,
        "min_valid_bids": min_bids,
        "publicity_working_days": days,
        "_criteria": criteria,
    }


def _write_criteria(project: Project, criteria: list[CriterionData]) -> None:
    project.criteria.all().delete()
    EvaluationCriterion.objects.bulk_create(
        EvaluationCriterion(
            project=project,
            name=c.name.strip(),
            weight=c.weight,
            is_price=bool(c.is_price),
            guidance=(c.guidance or "").strip(),
            sort_order=i,
        )
        for i, c in enumerate(criteria)
    )


def _summary(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key.startswith("_"):
            continue
        out[key] = (
            value.pk if hasattr(value, "pk") else value.isoformat() if hasattr(value, "isoformat") else value
        )
    return out


@transaction.atomic
def project_create(*, actor, street, terms: ProjectTerms) -> Project:
    require(actor, "procurement.project.create", street)
    values = _clean_terms(terms, street=street)
    criteria = values.pop("_criteria")
    project = Project.objects.create(
        district_id=street.district_id, street=street, created_by=actor, **values
    )
    _write_criteria(project, criteria)
    audit.record(actor=actor, action="procurement.project.create", obj=project, changes=_summary(values))
    return project


@transaction.atomic
def project_update_draft(*, actor, project: Project, terms: ProjectTerms) -> Project:
    """Change anything while the project is a draft (before anyone has approved it)."""
    require(actor, "procurement.project.change", project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status != ProjectStatus.DRAFT:
        raise ValidationFailed(_("只有草稿可以直接修改;已发布的项目请使用“变更条款”。"), code="not_draft")
    values = _clean_terms(terms, street=project.street)
    criteria = values.pop("_criteria")
    before = _summary({k: getattr(project, k) for k in values})
    for key, value in values.items():
        setattr(project, key, value)
    project.save()
    _write_criteria(project, criteria)
    audit.record(
        actor=actor,
        action="procurement.project.change",
        obj=project,
        changes=audit.diff(before, _summary(values)),
    )
    return project


# --- approval and publication ---------------------------------------------------------------
@transaction.atomic
def project_submit(*, actor, project: Project) -> Project:
    return transitions.PROJECT.perform(project, "submit", actor=actor)


@transaction.atomic
def project_approve(*, actor, project: Project) -> Project:
    return transitions.PROJECT.perform(project, "approve", actor=actor, fields={"approved_by": actor})


@transaction.atomic
def project_return(*, actor, project: Project, reason: str) -> Project:
    return transitions.PROJECT.perform(project, "return", actor=actor, reason=reason)


@transaction.atomic
def project_publish(*, actor, project: Project) -> Project:
    project = transitions.PROJECT.perform(
        project, "publish", actor=actor, fields={"published_at": timezone.now()}
    )
    sealing.create_project_key(project)
    _schedule_close(project)
    return project


def _schedule_close(project: Project) -> None:
    from ..tasks import close_bidding

    enqueue_at(close_bidding, project.bid_close_at, project.pk)
    if project.bid_open_at > timezone.now():
        # Search marks the project as taking bids only once its window opens; no move happens
        # then, so the re-index is booked for that moment.
        indexing.changed("project", [project.pk], at=project.bid_open_at)


@transaction.atomic
def project_cancel(*, actor, project: Project, reason: str) -> Project:
    project = transitions.PROJECT.perform(
        project, "cancel", actor=actor, reason=reason, fields={"cancel_reason": (reason or "").strip()}
    )
    _tell_bidders(project, str(_("项目「%(t)s」已取消") % {"t": project.title}), reason)
    return project


# --- changing published terms ---------------------------------------------------------------
@transaction.atomic
def project_change_terms(*, actor, project: Project, terms: ProjectTerms, reason: str) -> Project:
    """Change a published project's terms. Every bid made under the old terms must be submitted
    again (its bidder is told); the deadline is the one in the new terms."""
    require(actor, "procurement.project.change", project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status != ProjectStatus.PUBLISHED or not project.bidding_is_open():
        raise ValidationFailed(_("只有投标期内的项目可以变更条款。"), code="not_open")
    if not (reason or "").strip():
        raise ValidationFailed(_("请填写变更原因。"), field="reason")
    values = _clean_terms(terms, street=project.street)
    criteria = values.pop("_criteria")
    if values["bid_close_at"] <= timezone.now():
        raise ValidationFailed(_("新的投标截止时间须晚于现在。"), field="bid_close_at")
    before = _summary({k: getattr(project, k) for k in values})
    for key, value in values.items():
        setattr(project, key, value)
    project.terms_version += 1
    project.save()
    _write_criteria(project, criteria)
    audit.record(
        actor=actor,
        action="procurement.project.change_terms",
        obj=project,
        changes={**audit.diff(before, _summary(values)), "terms_version": project.terms_version},
        reason=reason.strip(),
    )
    for bid in project.bids.filter(status=BidStatus.SUBMITTED):
        transitions.BID.perform(bid, "invalidate", actor=actor, reason=reason)
    _tell_bidders(
        project, str(_("项目「%(t)s」条款已变更,请重新确认并提交投标") % {"t": project.title}), reason
    )
    _schedule_close(project)
    indexing.changed("project", [project.pk])
    return project


def _tell_bidders(project: Project, title: str, body: str = "", *, also_org_ids=()) -> None:
    """Tell the members of every organisation that has bid (and of ``also_org_ids``)."""
    org_ids = {*project.bids.exclude(status=BidStatus.DRAFT).values_list("organization_id", flat=True)}
    for org in Organization.objects.filter(pk__in=org_ids | set(also_org_ids)):
        for assignment in member_list(org):
            notify(recipient=assignment.user, kind=NotificationKind.PROCUREMENT, title=title, body=body)


# --- questions and answers ------------------------------------------------------------------
@transaction.atomic
def question_ask(*, actor, project: Project, org: Organization, text: str) -> Question:
    require(actor, "procurement.bid.write", org)
    if not project.bidding_is_open():
        raise ValidationFailed(_("只能在投标期内提问。"), code="not_open")
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise ValidationFailed(_("请填写问题(不超过2000字)。"), field="text")
    question = Question.objects.create(project=project, asked_by_org=org, asked_by=actor, text=text)
    audit.record(
        actor=actor, action="procurement.question.ask", obj=project, changes={"question": question.pk}
    )
    return question


@transaction.atomic
def question_answer(*, actor, question: Question, answer: str) -> Question:
    """Publish an answer to every bidder. An answer given less than QA_MIN_NOTICE before the
    deadline moves the deadline back, so that bidders can still take it into account."""
    project = Project.objects.select_for_update().get(pk=question.project_id)
    require(actor, "procurement.question.answer", project)
    if project.status != ProjectStatus.PUBLISHED:
        raise ValidationFailed(_("项目不在公告期,不能答复。"), code="not_open")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("请填写答复。"), field="answer")
    if question.answered_at is not None:
        raise ValidationFailed(_("该问题已答复;补充说明请另行发布。"), code="already_answered")
    now = timezone.now()
    question.answer, question.answered_by, question.answered_at = answer, actor, now
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    changes = {"question": question.pk}
    if project.bid_close_at - now < QA_MIN_NOTICE:
        new_close = now + QA_MIN_NOTICE
        changes["bid_close_at"] = [project.bid_close_at.isoformat(), new_close.isoformat()]
        project.bid_close_at = new_close
        project.save(update_fields=["bid_close_at"])
        _schedule_close(project)
    audit.record(actor=actor, action="procurement.question.answer", obj=project, changes=changes)
    # The asking organisation hears of its answer even before it has bid.
    _tell_bidders(
        project,
        str(_("项目「%(t)s」发布了新的答疑") % {"t": project.title}),
        also_org_ids=[question.asked_by_org_id],
    )
    return question


# --- sealed bids ----------------------------------------------------------------------------
@dataclass
class BidContents:
    price_fen: int
    proposal: str
    team: str
    declarations: dict
    # Uploaded files (PDF, JPG, PNG or Excel, at most 10 MB each): checked by content, then
    # sealed with the project's key like the rest of the bid.
    attachments: list = field(default_factory=list)


MAX_BID_ATTACHMENTS = 5


REQUIRED_DECLARATIONS = {
    "no_collusion": _("未与其他投标人串通"),
    "truthful": _("所提交材料真实有效"),
    "no_major_violation": _("近三年无重大违法记录"),
}


def _eligibility_refusal(project: Project, org: Organization) -> str | None:
    # One rule for this service and the "projects I may bid for" filter of the public list.
    return selectors.bid_eligibility_refusal(project, org)


@transaction.atomic
def bid_submit(*, actor, project: Project, org: Organization, contents: BidContents) -> Bid:
    """Seal and submit (or resubmit) the organisation's bid. Returns the bid with its receipt."""
    require(actor, "procurement.bid.write", org)
    project = Project.objects.select_for_update().get(pk=project.pk)
    now = timezone.now()
    if not project.bidding_is_open(now):
        raise ValidationFailed(_("不在投标时间内:投标已截止或尚未开始。"), code="deadline")
    refusal = _eligibility_refusal(project, org)
    if refusal:
        raise ValidationFailed(refusal, code="not_eligible")
    price = contents.price_fen
    if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
        raise ValidationFailed(_("报价须为大于零的整数(单位:分)。"), field="price_fen")
    if price > project.budget_ceiling_fen:
        raise ValidationFailed(
            _("报价超过预算上限 %(ceiling)s。") % {"ceiling": format_yuan(project.budget_ceiling_fen)},
            code="over_ceiling",
            field="price_fen",
        )
    if not (contents.proposal or "").strip():
        raise ValidationFailed(_("请填写服务方案。"), field="proposal")
    if not (contents.team or "").strip():
        raise ValidationFailed(_("请填写项目团队。"), field="team")
    missing = [
        str(label)
        for key, label in REQUIRED_DECLARATIONS.items()
        if contents.declarations.get(key) is not True
    ]
    if missing:
        raise ValidationFailed(_("请确认声明:%(items)s") % {"items": ";".join(missing)}, field="declarations")
    uploads = [upload for upload in (contents.attachments or ()) if upload]
    if len(uploads) > MAX_BID_ATTACHMENTS:
        raise ValidationFailed(
            _("投标附件最多%(n)s个文件。") % {"n": MAX_BID_ATTACHMENTS},
            code="too_many_files",
            field="attachments",
        )
    bid, _created = Bid.objects.select_for_update().get_or_create(project=project, organization=org)
    stored = []
    try:
        for upload in uploads:
            stored.append(_store_attachment(actor=actor, bid=bid, upload=upload))
        sealed = {
            "price_fen": price,
            "proposal": contents.proposal.strip(),
            "team": contents.team.strip(),
            "declarations": {k: True for k in REQUIRED_DECLARATIONS},
            # The receipt hash covers the files through their digests.
            "attachments": [
                {"id": str(f.pk), "name": f.original_name, "size": f.size, "sha256": f.sha256} for f in stored
            ],
            "terms_version": project.terms_version,
        }
        if bid.status == BidStatus.SUBMITTED:
            # A resubmission before the deadline replaces the sealed contents (and the list of
            # attachments; earlier files stay sealed, unreferenced); it is still one bid.
            transitions.BID.perform(bid, "withdraw", actor=actor, reason="重新提交")
        submitted_iso = now.isoformat()
        transitions.BID.perform(
            bid,
            "submit",
            actor=actor,
            fields={
                "sealed_contents": sealing.seal(project, sealed),
                "content_hash": sealing.receipt_hash(sealed, submitted_iso),
                "terms_version": project.terms_version,
                "submitted_at": now,
                "submitted_by": actor,
            },
        )
    except Exception:
        # The rows roll back with the transaction; the stored (sealed) bytes would not.
        private_file_discard(stored)
        raise
    bid.refresh_from_db()
    return bid


def _store_attachment(*, actor, bid: Bid, upload):
    try:
        return private_file_store(
            upload=upload,
            purpose=BID_ATTACHMENT_PURPOSE,
            actor=actor,
            attached_to=f"procurement.bid:{bid.pk}",
        )
    except ValidationFailed as exc:
        # Which of the files was refused, and why.
        raise ValidationFailed(
            _("附件「%(name)s」:%(error)s") % {"name": getattr(upload, "name", ""), "error": exc.message},
            code=exc.code,
            field="attachments",
        ) from exc


@transaction.atomic
def bid_withdraw(*, actor, bid: Bid) -> Bid:
    project = Project.objects.select_for_update().get(pk=bid.project_id)
    if not project.bidding_is_open():
        raise ValidationFailed(_("投标已截止,不能撤回。"), code="deadline")
    return transitions.BID.perform(bid, "withdraw", actor=actor)


# --- closing and opening --------------------------------------------------------------------
@transaction.atomic
def project_close_bidding(*, actor, project: Project) -> Project:
    return transitions.PROJECT.perform(project, "close_bidding", actor=actor)


def _close_if_due(project: Project, actor) -> Project:
    """Opening after the deadline works whether or not the closing task has run yet."""
    if project.status == ProjectStatus.PUBLISHED and timezone.now() >= project.bid_close_at:
        project = transitions.PROJECT.perform(project, "close_bidding", actor=None)
    return project


@transaction.atomic
def project_open_bids(*, actor, project: Project) -> Project:
    """Open every valid bid together (开标): one audited action. With fewer valid bids than the
    minimum the project fails (流标) instead and no bid is unsealed."""
    require(actor, "procurement.project.change", project)
    project = _close_if_due(Project.objects.select_for_update().get(pk=project.pk), actor)
    if project.status == ProjectStatus.PUBLISHED:
        raise ValidationFailed(_("投标尚未截止,不能开标。"), code="deadline_not_reached")
    valid = list(project.bids.filter(status=BidStatus.SUBMITTED, terms_version=project.terms_version))
    if len(valid) < project.min_valid_bids:
        return project_fail(
            actor=actor, project=project, reason=f"有效投标 {len(valid)} 家,少于 {project.min_valid_bids} 家"
        )
    project = transitions.PROJECT.perform(
        project, "open_bids", actor=actor, fields={"opened_at": timezone.now()}
    )
    for bid in valid:
        contents = sealing.unseal(project, bid.sealed_contents)
        transitions.BID.perform(bid, "open", actor=actor, fields={"price_fen": contents["price_fen"]})
    audit.record(actor=actor, action="procurement.bids.opened", obj=project, changes={"bids": len(valid)})
    _tell_bidders(project, str(_("项目「%(t)s」已开标") % {"t": project.title}))
    return project


@transaction.atomic
def project_fail(*, actor, project: Project, reason: str) -> Project:
    project = transitions.PROJECT.perform(project, "fail", actor=actor, reason=reason)
    _tell_bidders(project, str(_("项目「%(t)s」因有效投标不足而流标") % {"t": project.title}), reason)
    return project


@transaction.atomic
def project_republish(*, actor, project: Project, bid_open_at, bid_close_at) -> Project:
    """A failed project is bought again as a new round: a draft with the same terms that points to
    the failed one (which stays failed, with its history)."""
    require(actor, "procurement.project.create", project.street)
    if project.status != ProjectStatus.FAILED:
        raise ValidationFailed(_("只有流标的项目可以重新发布。"), code="not_failed")
    if Project.objects.filter(previous_round=project).exists():
        raise ValidationFailed(_("该项目已重新发布过。"), code="already_republished")
    criteria = [CriterionData(c.name, c.weight, c.is_price, c.guidance) for c in project.criteria.all()]
    service_length = project.service_end - project.service_start
    start = max(project.service_start, timezone.localtime(bid_close_at).date())
    terms = ProjectTerms(
        title=project.title,
        category=project.category,
        description=project.description,
        service_targets=project.service_targets,
        performance_goals=project.performance_goals,
        budget_ceiling_fen=project.budget_ceiling_fen,
        funding_source=project.funding_source,
        bid_open_at=bid_open_at,
        bid_close_at=bid_close_at,
        service_start=start,
        service_end=start + service_length,
        criteria=criteria,
        community=project.community,
        min_grade=project.min_grade,
        required_categories=project.required_categories,
        min_valid_bids=project.min_valid_bids,
        publicity_working_days=project.publicity_working_days,
    )
    new = project_create(actor=actor, street=project.street, terms=terms)
    new.previous_round = project
    new.save(update_fields=["previous_round"])
    audit.record(
        actor=actor, action="procurement.project.republish", obj=new, changes={"previous_round": project.pk}
    )
    return new


__all__ = [
    "MAX_BID_ATTACHMENTS",
    "BidContents",
    "CriterionData",
    "ProjectTerms",
    "bid_submit",
    "bid_withdraw",
    "project_approve",
    "project_cancel",
    "project_change_terms",
    "project_close_bidding",
    "project_create",
    "project_fail",
    "project_open_bids",
    "project_publish",
    "project_republish",
    "project_return",
    "project_submit",
    "project_update_draft",
    "question_answer",
    "question_ask",
]
