"""Disbursements in the district's back office: proposing one to an accepted milestone that waits
for the fund (``procurement.selectors.fund_payment_requests``) or to an incubation grant, and the
approval by a different admin (a second approval above the threshold) or the rejection.

The moves offered on a disbursement's page are those the lifecycle table allows this viewer now:
its guards leave out the proposer (and, for the second approval, the first approver) and an
amount the pot no longer covers. A request made anyway is refused by the service in Chinese on
the form and changes nothing.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic

from marketplace.core import permissions
from marketplace.core.admin_views import (
    InspectableViewSet,
    ScopedInspectView,
    history_rows,
    local_display,
    move_buttons,
)
from marketplace.core.exceptions import DomainError
from marketplace.core.money import format_yuan
from marketplace.core.viewsets import ServiceCreateView

from . import forms, selectors, services, transitions
from .admin_common import DISBURSEMENT_NS, disbursement_for_staff, disbursement_list_for_staff
from .choices import DisbursementStatus
from .models import Disbursement

DISBURSEMENT_MOVES = {
    "approve": (services.disbursement_approve, forms.ConfirmForm),
    "first_approve": (services.disbursement_approve, forms.ConfirmForm),
    "second_approve": (services.disbursement_approve, forms.ConfirmForm),
    "reject": (services.disbursement_reject, forms.ReasonForm),
}
OPEN_STATUSES = (DisbursementStatus.PROPOSED, DisbursementStatus.AWAITING_SECOND)


def disbursement_moves(disbursement, user) -> list:
    """The moves the table allows ``user`` on ``disbursement`` now. Like
    ``Lifecycle.available``, but a guard's refusal of any kind (a target that moved out of reach
    raises a validation error, not a guard failure) only leaves the move out."""
    moves = []
    for move in transitions.DISBURSEMENT.moves_from(disbursement.status):
        if move.code not in DISBURSEMENT_MOVES or not permissions.has_role(user, move.roles, disbursement):
            continue
        try:
            for guard in move.guards:
                guard(disbursement, actor=user, context={})
        except DomainError:
            continue
        moves.append(move)
    return moves


def target_label(d) -> str:
    if d.milestone_id:
        return f"{d.milestone.contract.project.title} · {d.milestone.title}"
    if d.incubation_id:
        return f"{_('孵化资助')} · {d.incubation.organization.name}"
    return "—"


def _user(user) -> str:
    return user.display_label if user is not None else "—"


class DisbursementIndexView(generic.IndexView):
    def get_base_queryset(self):
        return disbursement_list_for_staff(self.request.user)


class _FieldMapMixin:
    def _mapped(self, form, call):
        try:
            return call()
        except DomainError as exc:
            exc.field = getattr(form, "field_map", {}).get(exc.field, exc.field)
            raise


class DisbursementCreateView(_FieldMapMixin, ServiceCreateView):
    def call_service(self, data):
        return self._mapped(
            self.form,
            lambda: services.disbursement_propose(
                actor=self.request.user,
                fund=data["fund"],
                subfund=data["subfund"],
                amount_fen=data["amount"],
                milestone=data["milestone"],
                incubation=data["incubation"],
                purpose=data["purpose"],
            ),
        )

    def get_page_subtitle(self):
        return str(_("拨付申请"))

    def get_success_url(self):
        return reverse(f"{DISBURSEMENT_NS}:inspect", args=[self.object.pk])

    def get_success_message(self, instance=None):
        return str(_("拨付申请已提交,须由另一位管理员审批。"))

    def get_success_buttons(self):
        return []


class DisbursementInspectView(ScopedInspectView):
    template_name = "fund/admin/object_inspect.html"
    finder = staticmethod(disbursement_for_staff)

    def get_amount_fen_display_value(self):
        return format_yuan(self.object.amount_fen)

    def get_subfund_display_value(self):
        return self.object.subfund.name if self.object.subfund_id else _("基金统筹部分")

    def get_target_kind_display_value(self):
        return f"{self.object.get_target_kind_display()}:{target_label(self.object)}"

    def get_milestone_display_value(self):
        return target_label(self.object) if self.object.milestone_id else "—"

    def get_incubation_display_value(self):
        return target_label(self.object) if self.object.incubation_id else "—"

    def get_proposed_by_display_value(self):
        return _user(self.object.proposed_by)

    def get_approved_by_display_value(self):
        return _user(self.object.approved_by)

    def get_second_approved_by_display_value(self):
        return _user(self.object.second_approved_by)

    def get_rejected_by_display_value(self):
        return _user(self.object.rejected_by)

    def get_context_data(self, **kwargs):
        d, user = self.object, self.request.user
        notes = []
        if d.status in OPEN_STATUSES:
            available = selectors.pot_available(d.fund, d.subfund)
            notes.append(_("该专项当前可用余额 %(available)s。") % {"available": format_yuan(available)})
            if transitions.needs_second_approval(d):
                notes.append(
                    _("金额超过 %(limit)s,须经两位不同的管理员审批(初审、复核)。")
                    % {"limit": format_yuan(transitions.second_approval_threshold())}
                )
            notes.append(_("提出人不能审批自己的申请。"))
        return super().get_context_data(
            notes=notes,
            moves=move_buttons(
                disbursement_moves(d, user), DISBURSEMENT_MOVES, namespace=DISBURSEMENT_NS, obj=d
            ),
            show_moves=True,
            history=history_rows(transitions.DISBURSEMENT, d),
            show_history=True,
            **kwargs,
        )


class DisbursementViewSet(InspectableViewSet):
    model = Disbursement
    name = DISBURSEMENT_NS
    url_prefix = "fund/disbursements"
    icon = "resubmit"
    menu_label = _("拨付")
    index_view_class = DisbursementIndexView
    add_view_class = DisbursementCreateView
    create_form_class = forms.DisbursementForm
    inspect_view_class = DisbursementInspectView
    url_names = ("index", "index_results", "add", "inspect")
    list_filter = ["status"]
    list_display = [
        Column("id", label=_("编号")),
        Column("target", label=_("拨付对象"), accessor=target_label),
        Column("amount", label=_("金额"), accessor=lambda d: format_yuan(d.amount_fen)),
        Column(
            "pot",
            label=_("基金 / 专项"),
            accessor=lambda d: f"{d.fund.name} / {d.subfund.name if d.subfund_id else '—'}",
        ),
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        Column("proposed_by", label=_("提出人"), accessor=lambda d: _user(d.proposed_by)),
        Column(
            "approvers",
            label=_("审批人"),
            accessor=lambda d: "、".join(_user(u) for u in (d.approved_by, d.second_approved_by) if u) or "—",
        ),
        Column("proposed_at", label=_("提出时间"), accessor=lambda d: local_display(d.proposed_at)),
    ]
    inspect_view_fields = [
        "fund",
        "subfund",
        "amount_fen",
        "target_kind",
        "purpose",
        "status",
        "proposed_by",
        "proposed_at",
        "approved_by",
        "approved_at",
        "second_approved_by",
        "second_approved_at",
        "rejected_by",
        "rejected_at",
        "reject_reason",
        "paid_at",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            *self.move_urlpatterns(
                DISBURSEMENT_MOVES,
                finder=disbursement_for_staff,
                lifecycle=transitions.DISBURSEMENT,
                object_kwarg="disbursement",
            ),
        ]
