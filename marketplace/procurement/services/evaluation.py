"""Writes from an opened project to an awarded one: evaluators, conflict declarations, scores,
disqualification, the ranking, the proposed award, publicity (公示), objections (质疑) and the
confirmation of the award.

Each service checks the actor's role over the project, validates with a Chinese message,
changes nothing on error and leaves an audit record. Services that read several rows and then
write lock the project row first (``select_for_update``), so that two officials, or twenty
clicks on "confirm", cannot interleave: the second one sees the first one's result.

Publicity deadlines are the server clock's, like bidding deadlines: an objection is accepted
while ``now < publicity_ends_at`` and the award can be confirmed from ``publicity_ends_at`` on.
"""

import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.models import RoleAssignment
from marketplace.accounts.services import role_assign
from marketplace.core import audit
from marketplace.core.exceptions import GuardFailed, TransitionNotAllowed, ValidationFailed
from marketplace.core.models import AuditEntry, NotificationKind
from marketplace.core.money import format_yuan
from marketplace.core.notifications import notify
from marketplace.core.permissions import require
from marketplace.core.roles import Role, ScopeKind
from marketplace.core.scheduling import enqueue_at
from marketplace.organizations.models import Organization
from marketplace.organizations.selectors import member_list

from .. import ranking, selectors, transitions
from ..choices import BidStatus, ObjectionStatus, ProjectStatus
from ..models import Bid, BidResult, ConflictDeclaration, EvaluationCriterion, Objection, Project, Score
from .projects import _close_if_due, _tell_bidders, project_fail

# Publicity is counted in working days of the district's calendar, whatever zone the server or
# the request is in.
PUBLICITY_TZ = ZoneInfo("Asia/Shanghai")
MAX_STATEMENT = 2000
MAX_COMMENT = 2000
MAX_REPORT = 20000
MAX_OBJECTION = 5000
# How many missing items an "evaluation incomplete" message names before it says "and N more".
MISSING_SHOWN = 8


# --- helpers --------------------------------------------------------------------------------
def _lock(project_or_id) -> Project:
    pk = getattr(project_or_id, "pk", project_or_id)
    return Project.objects.select_for_update().get(pk=pk)


def _text(value, *, field: str, label, max_len: int) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationFailed(_("%(label)s格式不正确。") % {"label": label}, field=field)
    if not text:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(text) > max_len:
        raise ValidationFailed(
            _("%(label)s不超过%(n)s字。") % {"label": label, "n": max_len}, code="too_long", field=field
        )
    return text


def _state_refusal(project: Project, action) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        _("当前状态为「%(state)s」,不能%(action)s。")
        % {"state": transitions.PROJECT.state_label(project.status), "action": action}
    )


def _local(value: datetime.datetime) -> str:
    return f"{value.astimezone(PUBLICITY_TZ):%Y-%m-%d %H:%M}"


def _tell_org(org_id: int, title: str, body: str = "") -> None:
    org = Organization.objects.get(pk=org_id)
    for assignment in member_list(org):
        notify(recipient=assignment.user, kind=NotificationKind.PROCUREMENT, title=title, body=body)


def _tell_street(project: Project, title: str, body: str = "") -> None:
    officials = (
        RoleAssignment.objects.active()
        .filter(role=Role.STREET_OFFICIAL, scope_kind=ScopeKind.STREET, scope_id=project.street_id)
        .select_related("user")
        .order_by("user_id")
    )
    for assignment in officials:
        if assignment.user.is_active:
            notify(recipient=assignment.user, kind=NotificationKind.PROCUREMENT, title=title, body=body)


def _conflicting_orgs(user, project: Project) -> list[str]:
    """Bidding organisations (any bid past its draft, withdrawn ones included: they competed)
    in which the user holds a role."""
    bidder_ids = project.bids.exclude(status=BidStatus.DRAFT).values("organization_id")
    org_ids = RoleAssignment.objects.active().filter(
        user=user,
        role__in=[Role.ORG_ADMIN, Role.ORG_MEMBER],
        scope_kind=ScopeKind.ORGANIZATION,
        scope_id__in=bidder_ids,
    )
    return list(
        Organization.objects.filter(pk__in=org_ids.values("scope_id"))
        .order_by("name")
        .values_list("name", flat=True)
    )


def _refuse_if_conflicted(user, project: Project) -> None:
    names = _conflicting_orgs(user, project)
    if names:
        raise ValidationFailed(
            _("您在投标组织「%(orgs)s」担任职务,与本项目存在利害关系,应当回避,不能参与评审。")
            % {"orgs": "、".join(names)},
            code="conflict_of_interest",
        )


# --- evaluators -----------------------------------------------------------------------------
@transaction.atomic
def evaluator_appoint(*, actor, project: Project, user) -> RoleAssignment:
    """Appoint ``user`` evaluator (评审专家) of the project: a role over this project only."""
    require(actor, "procurement.evaluator.appoint", project)
    # The deadline holds on every write, whether or not the closing task has run yet.
    project = _close_if_due(_lock(project), actor)
    if project.status not in (ProjectStatus.BIDDING_CLOSED, ProjectStatus.OPENED):
        raise ValidationFailed(_("只有投标截止后、评审完成前可以指派评审专家。"), code="not_evaluating")
    if user is None or not user.is_active:
        raise ValidationFailed(_("该用户不存在或已停用。"), field="user")
    assignment = role_assign(actor=actor, user=user, role=Role.EVALUATOR, scope=project)
    audit.record(
        actor=actor, action="procurement.evaluator.appoint", obj=project, changes={"evaluator": user.pk}
    )
    notify(
        recipient=user,
        kind=NotificationKind.PROCUREMENT,
        title=str(_("您被指派为项目「%(t)s」的评审专家") % {"t": project.title}),
        body=str(_("请先作无利害关系声明,再对每份有效投标的各评分项逐项评分。")),
    )
    return assignment


@transaction.atomic
def conflict_declare(*, actor, project: Project, statement: str) -> ConflictDeclaration:
    """The evaluator declares no conflict of interest (回避声明); scoring needs it first. Refused
    when the evaluator holds a role in any organisation that bid on the project."""
    require(actor, "procurement.evaluation.score", project)
    project = _lock(project)
    # Bidders' names are public only from opening, so a refusal naming one waits for it too.
    if project.status != ProjectStatus.OPENED:
        raise ValidationFailed(_("只有已开标、评审未完成的项目可以作回避声明。"), code="not_evaluating")
    statement = _text(statement, field="statement", label=_("声明内容"), max_len=MAX_STATEMENT)
    if ConflictDeclaration.objects.filter(project=project, evaluator=actor).exists():
        raise ValidationFailed(_("您已对本项目作过声明。"), code="already_declared")
    _refuse_if_conflicted(actor, project)
    declaration = ConflictDeclaration.objects.create(project=project, evaluator=actor, statement=statement)
    audit.record(
        actor=actor,
        action="procurement.conflict.declare",
        obj=project,
        changes={"declaration": declaration.pk},
    )
    return declaration


# --- scoring --------------------------------------------------------------------------------
@transaction.atomic
def score_record(*, actor, bid: Bid, criterion: EvaluationCriterion, value: int, comment: str = "") -> Score:
    """Record (or, before the evaluation is completed, change) the evaluator's score 0–100 of one
    non-price criterion of one opened bid."""
    project = _lock(bid.project_id)
    require(actor, "procurement.evaluation.score", project)
    if project.status != ProjectStatus.OPENED:
        raise ValidationFailed(_("评审已完成或尚未开标,不能评分。"), code="not_evaluating")
    bid = Bid.objects.select_related("organization").get(pk=bid.pk)
    if bid.status != BidStatus.OPENED:
        raise ValidationFailed(_("只能对已开标的有效投标评分。"), code="bid_not_scorable")
    criterion = EvaluationCriterion.objects.filter(pk=getattr(criterion, "pk", None), project=project).first()
    if criterion is None:
        raise ValidationFailed(_("评分项不属于本项目。"), field="criterion")
    if criterion.is_price:
        raise ValidationFailed(
            _("价格分由系统按报价自动计算,不能人工评分。"), code="price_criterion", field="criterion"
        )
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ranking.MAX_SCORE:
        raise ValidationFailed(_("评分须为0到100之间的整数。"), code="out_of_range", field="value")
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed(_("评语格式不正确。"), field="comment")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(_("评语不超过%(n)s字。") % {"n": MAX_COMMENT}, field="comment")
    if not ConflictDeclaration.objects.filter(project=project, evaluator=actor).exists():
        raise ValidationFailed(_("请先作无利害关系声明,再评分。"), code="no_declaration")
    # A role taken in a bidding organisation after the declaration still disqualifies.
    _refuse_if_conflicted(actor, project)
    score = Score.objects.select_for_update().filter(bid=bid, criterion=criterion, evaluator=actor).first()
    before = (score.value, score.comment) if score else (None, None)
    if score is None:
        score = Score.objects.create(
            bid=bid, criterion=criterion, evaluator=actor, value=value, comment=comment
        )
        action = "procurement.score.record"
    else:
        score.value, score.comment, score.scored_at = value, comment, timezone.now()
        score.save(update_fields=["value", "comment", "scored_at"])
        action = "procurement.score.change"
    changes = {"bid": bid.pk, "criterion": criterion.pk, "value": [before[0], value]}
    if before[1] != comment:
        changes["comment"] = [before[1], comment]
    audit.record(
        actor=actor,
        action=action,
        obj=score,
        changes=changes,
        object_repr=f"{bid.organization.name} · {criterion.name}",
    )
    return score


@transaction.atomic
def bid_disqualify(*, actor, bid: Bid, reason: str) -> Bid:
    """The street finds an opened bid invalid (无效投标); it then takes no part in the ranking."""
    project = _lock(bid.project_id)
    require(actor, "procurement.evaluation.manage", project)
    if project.status != ProjectStatus.OPENED:
        raise ValidationFailed(_("只能在评审期间认定无效投标。"), code="not_evaluating")
    reason = _text(reason, field="reason", label=_("认定无效的原因"), max_len=MAX_STATEMENT)
    bid = transitions.BID.perform(bid, "disqualify", actor=actor, reason=reason)
    _tell_org(
        bid.organization_id,
        str(_("贵组织对项目「%(t)s」的投标被认定为无效投标") % {"t": project.title}),
        reason,
    )
    return bid


# --- completing the evaluation --------------------------------------------------------------
def _ranking_inputs(project: Project, bids: list[Bid]):
    criteria = [ranking.Criterion(c.pk, c.weight, c.is_price) for c in project.criteria.all().order_by("pk")]
    evaluator_ids = [u.pk for u in selectors.project_evaluators(project)]
    per_bid: dict[int, dict[int, list[int]]] = {b.pk: {} for b in bids}
    scores = Score.objects.filter(
        bid__in=bids, evaluator_id__in=evaluator_ids, criterion__is_price=False
    ).values_list("bid_id", "criterion_id", "value")
    for bid_id, criterion_id, value in scores:
        per_bid[bid_id].setdefault(criterion_id, []).append(value)
    inputs = [ranking.BidInput(b.pk, b.price_fen, b.submitted_at, per_bid[b.pk]) for b in bids]
    return inputs, criteria


@transaction.atomic
def project_complete_evaluation(*, actor, project: Project, report: str) -> Project:
    """Close the evaluation: rank the valid bids into ``BidResult`` rows and keep the committee's
    report. With fewer valid (not disqualified) bids than the project's minimum, the project
    fails (流标) instead — however far the scoring has gone."""
    require(actor, "procurement.evaluation.manage", project)
    project = _lock(project)
    if project.status != ProjectStatus.OPENED:
        raise _state_refusal(project, _("完成评审"))
    valid = list(project.bids.filter(status=BidStatus.OPENED).order_by("pk"))
    if len(valid) < project.min_valid_bids:
        return project_fail(
            actor=actor,
            project=project,
            reason=f"评审中认定无效投标后,有效投标 {len(valid)} 家,少于 {project.min_valid_bids} 家",
        )
    report = _text(report, field="report", label=_("评审报告"), max_len=MAX_REPORT)
    missing = selectors.evaluation_missing(project)
    if missing:
        shown = ";".join(missing[:MISSING_SHOWN])
        more = len(missing) - MISSING_SHOWN
        if more > 0:
            shown += str(_(";等另外 %(n)s 项") % {"n": more})
        raise GuardFailed(_("评审尚未完成:%(items)s。") % {"items": shown}, code="evaluation_incomplete")
    inputs, criteria = _ranking_inputs(project, valid)
    results = ranking.rank_bids(inputs, criteria)
    BidResult.objects.filter(bid__project=project).delete()
    now = timezone.now()
    BidResult.objects.bulk_create(
        BidResult(
            bid_id=r.bid_id,
            price_score_milli=r.price_score_milli,
            other_score_milli=r.other_score_milli,
            total_score_milli=r.total_score_milli,
            rank=r.rank,
            computed_at=now,
        )
        for r in results
    )
    project = transitions.PROJECT.perform(
        project, "evaluate", actor=actor, fields={"evaluation_report": report}
    )
    audit.record(
        actor=actor,
        action="procurement.evaluation.complete",
        obj=project,
        changes={"ranking": [[r.rank, r.bid_id, r.total_score_milli] for r in results]},
    )
    return project


# --- proposing the award and publicity ------------------------------------------------------
@transaction.atomic
def award_propose(*, actor, project: Project, bid: Bid, reason: str = "") -> Project:
    """Propose the winner (拟中标人): normally the bid ranked first; any other needs a reason."""
    require(actor, "procurement.evaluation.manage", project)
    project = _lock(project)
    if project.status != ProjectStatus.EVALUATED:
        raise _state_refusal(project, _("确定拟中标人"))
    bid = Bid.objects.filter(pk=getattr(bid, "pk", None), project=project).first()
    result = BidResult.objects.filter(bid=bid).first() if bid else None
    if bid is None or result is None or bid.status != BidStatus.OPENED:
        raise ValidationFailed(_("只能推荐本项目参与排名的有效投标。"), code="not_ranked", field="bid")
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else ""
    if result.rank != 1 and not reason:
        raise ValidationFailed(
            _("推荐排名第 %(rank)s 的投标为拟中标人,须说明理由。") % {"rank": result.rank},
            code="reason_required",
            field="reason",
        )
    project = transitions.PROJECT.perform(
        project, "propose_award", actor=actor, reason=reason, fields={"awarded_bid": bid}
    )
    audit.record(
        actor=actor,
        action="procurement.award.propose",
        obj=project,
        changes={"bid": bid.pk, "rank": result.rank, "total_score_milli": result.total_score_milli},
        reason=reason,
    )
    return project


def publicity_end(start: datetime.datetime, working_days: int) -> datetime.datetime:
    """The end of the ``working_days``-th working day after the day of ``start``, in
    Asia/Shanghai: 24:00 of that day, i.e. 00:00 of the next calendar day.

    Monday to Friday are working days. Official public holidays and the weekend days worked in
    exchange for them (调休) are not modelled: a publicity period over a holiday counts those
    days as working days, and the street may start publicity later to allow for them.
    """
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise ValueError("working_days must be a positive integer")
    day = start.astimezone(PUBLICITY_TZ).date()
    counted = 0
    while counted < working_days:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=PUBLICITY_TZ)


def _result_message(project: Project) -> str:
    result = selectors.project_result_public(project)
    lines = []
    winner = result.get("winner")
    if winner:
        lines.append(
            str(_("拟中标人:%(org)s,报价 %(price)s。"))
            % {"org": winner["organization"], "price": format_yuan(winner["price_fen"])}
        )
    for row in result.get("bidders", []):
        if row["disqualified"]:
            lines.append(str(_("%(org)s:无效投标")) % {"org": row["organization"]})
        else:
            lines.append(
                str(_("第%(rank)s名 %(org)s:总分 %(score)s,报价 %(price)s"))
                % {
                    "rank": row["rank"],
                    "org": row["organization"],
                    "score": ranking.format_milli(row["total_score_milli"]),
                    "price": format_yuan(row["price_fen"]),
                }
            )
    if project.publicity_ends_at:
        lines.append(
            str(_("公示期至 %(end)s,如有异议请在公示期内提出质疑。"))
            % {"end": _local(project.publicity_ends_at)}
        )
    return "\n".join(lines)


@transaction.atomic
def award_publicity_start(*, actor, project: Project) -> Project:
    """Publish the result for ``publicity_working_days`` working days (公示). From now on the
    winner, its price and every bidder's total score are public, and the bidders are told."""
    from ..tasks import publicity_ended

    require(actor, "procurement.evaluation.manage", project)
    project = _lock(project)
    if project.status != ProjectStatus.AWARD_PROPOSED:
        raise _state_refusal(project, _("开始公示"))
    ends = publicity_end(timezone.now(), project.publicity_working_days)
    project = transitions.PROJECT.perform(
        project, "start_publicity", actor=actor, fields={"publicity_ends_at": ends}
    )
    audit.record(
        actor=actor,
        action="procurement.award.publicity",
        obj=project,
        changes={"publicity_ends_at": ends.isoformat()},
    )
    _tell_bidders(
        project, str(_("项目「%(t)s」评审结果公示") % {"t": project.title}), _result_message(project)
    )
    enqueue_at(publicity_ended, ends, project.pk, ends.isoformat())
    return project


@transaction.atomic
def publicity_end_notify(*, project_id: int, ends_at_iso: str) -> bool:
    """Run by the scheduler when a publicity period ends: tell the street that the award can be
    confirmed, or that objections wait. Harmless when early, repeated, or when the project has
    moved on (a reopened evaluation or a new publicity period brings its own run)."""
    project = Project.objects.select_for_update().filter(pk=project_id).first()
    ends = datetime.datetime.fromisoformat(ends_at_iso)
    if (
        project is None
        or project.status != ProjectStatus.PUBLICITY
        or project.publicity_ends_at != ends
        or timezone.now() < ends
    ):
        return False
    key = project.publicity_ends_at.astimezone(datetime.UTC).isoformat()
    if AuditEntry.objects.filter(
        action="procurement.award.publicity_ended", object_id=str(project.pk), changes__publicity_ends_at=key
    ).exists():
        return False
    open_count = project.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_count:
        body = str(_("尚有 %(n)s 件质疑未处理,处理完毕后方可确认中标。") % {"n": open_count})
    else:
        body = str(_("公示期内无未处理的质疑,可以确认中标。"))
    _tell_street(project, str(_("项目「%(t)s」公示期已结束") % {"t": project.title}), body)
    audit.record(
        actor=None,
        action="procurement.award.publicity_ended",
        obj=project,
        changes={"publicity_ends_at": key, "open_objections": open_count},
    )
    return True


# --- objections -----------------------------------------------------------------------------
@transaction.atomic
def objection_raise(*, actor, project: Project, org: Organization, text: str) -> Objection:
    """A bidding organisation's admin objects to the result (质疑), during publicity only."""
    require(actor, "procurement.objection.raise", org)
    project = _lock(project)
    if project.status != ProjectStatus.PUBLICITY or timezone.now() >= project.publicity_ends_at:
        if project.status == ProjectStatus.PUBLICITY:
            message = _("公示期已于 %(end)s 结束,不能再提出质疑。") % {
                "end": _local(project.publicity_ends_at)
            }
        else:
            message = _("项目不在公示期,不能提出质疑。")
        raise ValidationFailed(message, code="not_in_publicity")
    if not project.bids.filter(
        organization=org, status__in=[BidStatus.OPENED, BidStatus.DISQUALIFIED]
    ).exists():
        raise ValidationFailed(_("只有参加本项目开标的投标组织可以提出质疑。"), code="not_a_bidder")
    text = _text(text, field="text", label=_("质疑内容"), max_len=MAX_OBJECTION)
    objection = Objection.objects.create(project=project, organization=org, submitted_by=actor, text=text)
    audit.record(
        actor=actor,
        action="procurement.objection.raise",
        obj=objection,
        changes={"project": project.pk, "organization": org.pk},
    )
    _tell_street(
        project,
        str(_("项目「%(t)s」收到质疑") % {"t": project.title}),
        str(_("质疑人:%(o)s") % {"o": org.name}),
    )
    return objection


@transaction.atomic
def objection_resolve(*, actor, objection: Objection, upheld: bool, response: str) -> Objection:
    """Answer an objection. An upheld one (质疑成立) during publicity sends the project back to
    evaluation: the ranking and the proposed winner are cleared and the evaluators score again."""
    project = _lock(objection.project_id)
    require(actor, "procurement.objection.resolve", project)
    if not isinstance(upheld, bool):
        raise ValidationFailed(_("请选择质疑是否成立。"), field="upheld")
    response = _text(response, field="response", label=_("答复"), max_len=MAX_OBJECTION)
    objection = transitions.OBJECTION.perform(
        objection,
        "uphold" if upheld else "dismiss",
        actor=actor,
        reason=response,
        fields={"response": response, "responded_at": timezone.now()},
    )
    outcome = _("成立") if upheld else _("不成立")
    if upheld and project.status == ProjectStatus.PUBLICITY:
        cleared = BidResult.objects.filter(bid__project=project).delete()[0]
        project = transitions.PROJECT.perform(
            project,
            "reopen_evaluation",
            actor=actor,
            reason=response,
            fields={"awarded_bid": None, "publicity_ends_at": None},
        )
        audit.record(
            actor=actor,
            action="procurement.evaluation.reopen",
            obj=project,
            changes={"objection": objection.pk, "results_cleared": cleared},
            reason=response,
        )
        _tell_bidders(
            project,
            str(_("项目「%(t)s」公示结果撤回,重新评审") % {"t": project.title}),
            str(_("因质疑成立,原评审结果作废,将重新评审。")),
        )
        for evaluator in selectors.project_evaluators(project):
            notify(
                recipient=evaluator,
                kind=NotificationKind.PROCUREMENT,
                title=str(_("项目「%(t)s」需重新评审") % {"t": project.title}),
                body=response,
            )
    _tell_org(
        objection.organization_id,
        str(_("贵组织对项目「%(t)s」的质疑:%(o)s") % {"t": project.title, "o": outcome}),
        response,
    )
    return objection


# --- confirming the award -------------------------------------------------------------------
@transaction.atomic
def award_confirm(*, actor, project: Project) -> Project:
    """Confirm the award after publicity with no objection open: the proposed bid wins, every
    other opened bid loses. The project row is locked first, so of many simultaneous
    confirmations exactly one goes through and the rest are refused with the new status."""
    require(actor, "procurement.evaluation.manage", project)
    project = _lock(project)
    if project.status != ProjectStatus.PUBLICITY:
        raise _state_refusal(project, _("确认中标"))
    if timezone.now() < project.publicity_ends_at:
        raise ValidationFailed(
            _("公示期至 %(end)s 结束,结束后方可确认中标。") % {"end": _local(project.publicity_ends_at)},
            code="publicity_not_ended",
        )
    open_count = project.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_count:
        raise ValidationFailed(
            _("尚有 %(n)s 件质疑未处理,不能确认中标。") % {"n": open_count}, code="open_objection"
        )
    winner = Bid.objects.filter(pk=project.awarded_bid_id, status=BidStatus.OPENED).first()
    if winner is None:
        raise GuardFailed(_("拟中标投标无效,请重新评审。"), code="no_winner")
    project = transitions.PROJECT.perform(project, "confirm_award", actor=actor)
    transitions.BID.perform(winner, "win", actor=actor)
    losers = list(project.bids.filter(status=BidStatus.OPENED).exclude(pk=winner.pk).order_by("pk"))
    for bid in losers:
        transitions.BID.perform(bid, "lose", actor=actor)
    audit.record(
        actor=actor,
        action="procurement.award.confirm",
        obj=project,
        changes={"bid": winner.pk, "price_fen": winner.price_fen, "lost": [b.pk for b in losers]},
    )
    _tell_org(
        winner.organization_id,
        str(_("贵组织中标项目「%(t)s」") % {"t": project.title}),
        str(_("中标金额 %(price)s,请等待街道签订合同。") % {"price": format_yuan(winner.price_fen)}),
    )
    for bid in losers:
        _tell_org(bid.organization_id, str(_("项目「%(t)s」结果:未中标") % {"t": project.title}))
    return project


__all__ = [
    "PUBLICITY_TZ",
    "award_confirm",
    "award_propose",
    "award_publicity_start",
    "bid_disqualify",
    "conflict_declare",
    "evaluator_appoint",
    "objection_raise",
    "objection_resolve",
    "project_complete_evaluation",
    "publicity_end",
    "publicity_end_notify",
    "score_record",
]
