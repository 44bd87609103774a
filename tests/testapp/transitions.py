from django.utils import timezone

from marketplace.core.exceptions import GuardFailed
from marketplace.core.lifecycle import Lifecycle, Transition
from marketplace.core.permissions import OWNER, SYSTEM
from marketplace.core.roles import Role

from .models import Ticket, TicketStatus

S = TicketStatus
effects_seen: list[tuple[int, str]] = []


def title_not_blank(ticket, *, actor, context):
    if not ticket.title.strip():
        raise GuardFailed("标题不能为空。")


def remember(ticket, *, transition, actor, context):
    effects_seen.append((ticket.pk, transition.code))


TICKET = Lifecycle(
    "testapp.ticket",
    model=Ticket,
    states=TicketStatus,
    transitions=[
        Transition("submit", [S.DRAFT, S.REJECTED], S.SUBMITTED, [OWNER], "提交", guards=[title_not_blank]),
        Transition("approve", [S.SUBMITTED], S.APPROVED, [Role.STREET_OFFICIAL], "批准", effects=[remember]),
        Transition("reject", [S.SUBMITTED], S.REJECTED, [Role.STREET_OFFICIAL], "驳回", reason_required=True),
        Transition("close", [S.APPROVED, S.REJECTED], S.CLOSED, [Role.DISTRICT_ADMIN, SYSTEM], "关闭"),
    ],
)


def approve_fields():
    return {"approved_at": timezone.now()}
