"""The service-purchase lifecycles as tables of allowed moves (see core.lifecycle)."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import GuardFailed
from marketplace.core.lifecycle import Lifecycle, Transition
from marketplace.core.permissions import SYSTEM
from marketplace.core.roles import Role
from search import indexing

from .choices import BidStatus, MilestoneStatus, ObjectionStatus, ProjectStatus
from .models import Bid, Milestone, Objection, Project

S = Role.STREET_OFFICIAL
A = Role.DISTRICT_ADMIN
OA, OM = Role.ORG_ADMIN, Role.ORG_MEMBER


# --- guards ---------------------------------------------------------------------------------
def criteria_complete(project, *, actor, context):
    criteria = list(project.criteria.all())
    if sum(c.weight for c in criteria) != 100:
        raise GuardFailed(_("评分项权重之和须为100。"), code="weights_not_100")
    if sum(1 for c in criteria if c.is_price) != 1:
        raise GuardFailed(_("评分项中须有且只有一项价格分。"), code="price_criterion")


def second_official(project, *, actor, context):
    # 双人把关: the official who drafted the project cannot approve it.
    if actor is not None and actor.pk == project.created_by_id:
        raise GuardFailed(_("须由本街道另一名干部审批,起草人不能审批自己的项目。"), code="same_official")


def window_ahead(project, *, actor, context):
    if project.bid_close_at <= timezone.now():
        raise GuardFailed(_("投标截止时间已过,请先修改投标时间。"), code="window_passed")


def deadline_passed(project, *, actor, context):
    if timezone.now() < project.bid_close_at:
        raise GuardFailed(_("投标尚未截止。"), code="deadline_not_reached")


def enough_valid_bids(project, *, actor, context):
    valid = project.bids.filter(status=BidStatus.SUBMITTED, terms_version=project.terms_version).count()
    if valid < project.min_valid_bids:
        raise GuardFailed(
            _("有效投标不足 %(n)s 家,应作流标处理。") % {"n": project.min_valid_bids}, code="too_few_bids"
        )


def too_few_valid_bids(project, *, actor, context):
    if project.status == ProjectStatus.BIDDING_CLOSED:
        valid = project.bids.filter(status=BidStatus.SUBMITTED, terms_version=project.terms_version).count()
    else:
        valid = project.bids.filter(status=BidStatus.OPENED).count()
    if valid >= project.min_valid_bids:
        raise GuardFailed(_("有效投标数已达到要求,不能作流标处理。"), code="enough_bids")


# --- tables ---------------------------------------------------------------------------------
# Search shows a published project's status and whether it takes bids: every move from
# publication on tells it (a move back out of public view removes the document).
REINDEX = [indexing.on_transition("project")]

P = ProjectStatus
CANCELLABLE = [
    P.DRAFT,
    P.PENDING_APPROVAL,
    P.APPROVED,
    P.PUBLISHED,
    P.BIDDING_CLOSED,
    P.OPENED,
    P.EVALUATED,
    P.AWARD_PROPOSED,
    P.PUBLICITY,
]

PROJECT = Lifecycle(
    "procurement.project",
    model=Project,
    states=ProjectStatus,
    transitions=[
        Transition("submit", [P.DRAFT], P.PENDING_APPROVAL, [S], _("提交审批"), guards=[criteria_complete]),
        Transition(
            "approve",
            [P.PENDING_APPROVAL],
            P.APPROVED,
            [S],
            _("审批通过"),
            guards=[second_official],
            waiting=lambda user: ~Q(created_by=user),
        ),
        Transition("return", [P.PENDING_APPROVAL], P.DRAFT, [S], _("退回修改"), reason_required=True),
        Transition(
            "publish",
            [P.APPROVED],
            P.PUBLISHED,
            [S],
            _("发布公告"),
            guards=[criteria_complete, window_ahead],
            effects=REINDEX,
        ),
        # The scheduler closes bidding at the deadline; every read and write also respects it.
        Transition(
            "close_bidding",
            [P.PUBLISHED],
            P.BIDDING_CLOSED,
            [S, SYSTEM],
            _("投标截止"),
            guards=[deadline_passed],
            effects=REINDEX,
        ),
        Transition(
            "open_bids",
            [P.BIDDING_CLOSED],
            P.OPENED,
            [S],
            _("开标"),
            guards=[enough_valid_bids],
            effects=REINDEX,
        ),
        Transition(
            "fail",
            [P.BIDDING_CLOSED, P.OPENED],
            P.FAILED,
            [S, SYSTEM],
            _("流标"),
            guards=[too_few_valid_bids],
            effects=REINDEX,
        ),
        Transition("evaluate", [P.OPENED], P.EVALUATED, [S], _("完成评审"), effects=REINDEX),
        Transition("propose_award", [P.EVALUATED], P.AWARD_PROPOSED, [S], _("确定拟中标人"), effects=REINDEX),
        Transition("start_publicity", [P.AWARD_PROPOSED], P.PUBLICITY, [S], _("开始公示"), effects=REINDEX),
        Transition("confirm_award", [P.PUBLICITY], P.AWARDED, [S], _("确认中标"), effects=REINDEX),
        # An upheld objection (质疑成立) sends the project back to its evaluators; the district
        # may answer objections too, so it may make this move as their consequence.
        Transition(
            "reopen_evaluation",
            [P.PUBLICITY],
            P.OPENED,
            [S, A],
            _("重新评审"),
            reason_required=True,
            effects=REINDEX,
        ),
        Transition("sign_contract", [P.AWARDED], P.CONTRACTED, [S], _("签订合同"), effects=REINDEX),
        Transition("start_delivery", [P.CONTRACTED], P.IN_DELIVERY, [S], _("开始履约"), effects=REINDEX),
        Transition("complete", [P.IN_DELIVERY], P.COMPLETED, [S], _("验收完成"), effects=REINDEX),
        Transition(
            "cancel", CANCELLABLE, P.CANCELLED, [S, A], _("取消项目"), reason_required=True, effects=REINDEX
        ),
    ],
)

B = BidStatus
BID = Lifecycle(
    "procurement.bid",
    model=Bid,
    states=BidStatus,
    transitions=[
        Transition("submit", [B.DRAFT, B.WITHDRAWN, B.INVALIDATED], B.SUBMITTED, [OA, OM], _("提交投标")),
        Transition("withdraw", [B.SUBMITTED], B.WITHDRAWN, [OA, OM], _("撤回投标")),
        # Terms changed after the bid was made: the bidder must look again and resubmit.
        Transition("invalidate", [B.SUBMITTED], B.INVALIDATED, [S, SYSTEM], _("条款变更,需重新提交")),
        Transition("open", [B.SUBMITTED], B.OPENED, [S, SYSTEM], _("开标")),
        Transition("disqualify", [B.OPENED], B.DISQUALIFIED, [S], _("认定无效"), reason_required=True),
        Transition("win", [B.OPENED], B.WON, [S, SYSTEM], _("中标")),
        Transition("lose", [B.OPENED], B.LOST, [S, SYSTEM], _("未中标")),
    ],
)

OB = ObjectionStatus
OBJECTION = Lifecycle(
    "procurement.objection",
    model=Objection,
    states=ObjectionStatus,
    transitions=[
        Transition("uphold", [OB.OPEN], OB.UPHELD, [S, A], _("质疑成立"), reason_required=True),
        Transition("dismiss", [OB.OPEN], OB.DISMISSED, [S, A], _("质疑不成立"), reason_required=True),
    ],
)

M = MilestoneStatus
MILESTONE = Lifecycle(
    "procurement.milestone",
    model=Milestone,
    states=MilestoneStatus,
    transitions=[
        Transition("submit", [M.PENDING, M.RETURNED], M.SUBMITTED, [OA, OM], _("提交履约报告")),
        Transition("accept", [M.SUBMITTED], M.ACCEPTED, [S], _("验收通过")),
        Transition("return", [M.SUBMITTED], M.RETURNED, [S], _("退回修改"), reason_required=True),
        Transition("pay", [M.ACCEPTED], M.PAID, [S, SYSTEM], _("支付")),
    ],
)
