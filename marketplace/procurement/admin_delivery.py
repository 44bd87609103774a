"""Contract and delivery in the back office (the buying street; the district reads).

Signing the contract with its payment milestones, amendments, each milestone's delivery reports
with their evidence (private files, downloaded through the permission-checked file route),
acceptance or return, payment, completion and the rating. Every write is one service call; the
services' Chinese refusals (percentages not summing to 100, an amendment over 10%...) show on
the form and change nothing.
"""

from django.http import Http404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from marketplace.core.admin_views import (
    ANY_PERMISSION,
    ObjectFormView,
    history_rows,
    local_display,
    move_buttons,
)
from marketplace.core.exceptions import DomainError, NotFound
from marketplace.core.models import PrivateFile
from marketplace.core.money import format_yuan
from marketplace.core.permissions import can

from . import forms, selectors, services, transitions
from .admin_common import PROJECT_NS, milestone_for_staff, project_for_staff
from .choices import MilestoneStatus, ProjectStatus
from .models import Project

MILESTONE_MOVES = {
    "accept": (services.milestone_accept, forms.MilestoneAcceptForm),
    "return": (services.milestone_return, forms.ReasonForm),
}
CONTRACT_STATUSES = frozenset({ProjectStatus.CONTRACTED, ProjectStatus.IN_DELIVERY, ProjectStatus.COMPLETED})
MANAGE = "procurement.contract.manage"


def _payment_label(milestone) -> str:
    payment = getattr(milestone, "payment", None)
    if payment is None:
        return "—"
    label = f"{payment.get_source_display()} {format_yuan(payment.amount_fen)}"
    if milestone.status == MilestoneStatus.ACCEPTED:
        return str(_("%(p)s(等待基金拨付)") % {"p": label})
    return label


def milestone_moves(milestone, user) -> list:
    """The review moves the table allows this user now. The table's "pay" move has no button:
    acceptance records the payment itself, and a fund payment then waits for the fund's
    disbursement, not for the street."""
    return [m for m in transitions.MILESTONE.available(milestone, user) if m.code in MILESTONE_MOVES]


def contract_context(project, user) -> dict:
    """The contract part of a project's page, in a constant number of queries."""
    if project.status not in CONTRACT_STATUSES:
        return {"contract": None}
    contract = selectors.contract_for_project(project)
    if contract is None:
        return {"contract": None}
    manage = can(user, MANAGE, contract)
    milestones = [
        {
            "milestone": m,
            "amount": format_yuan(m.amount_fen),
            "payment": _payment_label(m),
            "url": reverse(f"{PROJECT_NS}:milestone", args=[m.pk]),
        }
        for m in contract.milestones.all()
    ]
    amendments = [
        {
            "at": local_display(a.created_at),
            "description": a.description,
            "before": format_yuan(a.amount_fen_before),
            "after": format_yuan(a.amount_fen_after),
        }
        for a in contract.amendments.all()
    ]
    rating = getattr(contract, "rating", None)
    return {
        "contract": contract,
        "contract_amount": format_yuan(contract.amount_fen),
        "contract_signed_at": local_display(contract.signed_at),
        "contract_completed_at": local_display(contract.completed_at) if contract.completed_at else "",
        "milestones": milestones,
        "amendments": amendments,
        "rating": rating,
        "amend_url": reverse(f"{PROJECT_NS}:amend", args=[project.pk])
        if manage and contract.completed_at is None
        else None,
        "rate_url": reverse(f"{PROJECT_NS}:rate", args=[project.pk])
        if manage and contract.completed_at is not None and rating is None
        else None,
    }


class ContractSignView(ObjectFormView):
    """The contract and its milestones (a formset) in one ``services.contract_sign``."""

    template_name = "procurement/admin/contract_form.html"
    form_class = forms.ContractForm
    page_title = _("签订合同")
    intro = _(
        "按付款节点填写名称、付款比例、到期日和交付成果;各节点比例之和须为100%,到期日须在服务期内并按先后排列。"
    )
    submit_label = _("签订合同")
    success_message = _("合同已签订,已通知中标组织。")

    @cached_property
    def formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return forms.MilestoneFormSet(data, prefix="milestones")

    def get_context_data(self, **kwargs):
        return super().get_context_data(formset=self.formset, **kwargs)

    def form_valid(self, form):
        if not self.formset.is_valid():
            return self.form_invalid(form)
        return super().form_valid(form)

    def call_service(self, form):
        try:
            services.contract_sign(
                actor=self.request.user,
                project=self.object,
                milestones=self.formset.terms(),
                amount_fen=form.cleaned_data["amount"],
                terms=form.cleaned_data["terms"],
            )
        except DomainError as exc:
            exc.field = form.field_map.get(exc.field, exc.field)
            raise


class AmendView(ObjectFormView):
    form_class = forms.AmendForm
    page_title = _("合同变更")
    submit_label = _("保存变更")
    success_message = _("合同变更已记录,已通知中标组织。")

    def call_service(self, form):
        try:
            services.contract_amend(
                actor=self.request.user,
                contract=self.object.contract,
                description=form.cleaned_data["description"],
                amount_fen=form.cleaned_data["amount"],
            )
        except DomainError as exc:
            exc.field = form.field_map.get(exc.field, exc.field)
            raise


class RateView(ObjectFormView):
    form_class = forms.RatingForm
    page_title = _("履约评价")
    intro = _("评价将显示在该组织的公开履约记录中,每份合同只能评价一次。")
    submit_label = _("提交评价")
    success_message = _("评价已保存。")

    def call_service(self, form):
        services.contract_rate(
            actor=self.request.user,
            contract=self.object.contract,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )


def _contract_finder(user, pk):
    """A project with a contract, in the viewer's scope."""
    project = project_for_staff(user, pk)
    if project is None or not hasattr(project, "contract"):
        return None
    return project


class MilestoneView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """One milestone: its terms, payment, delivery reports with evidence, and the review moves."""

    model = Project
    any_permission_required = ANY_PERMISSION
    template_name = "procurement/admin/milestone.html"
    page_title = _("履约节点")
    header_icon = "tasks"

    @cached_property
    def milestone(self):
        found = milestone_for_staff(self.request.user, self.kwargs["pk"])
        if found is None:
            raise Http404
        return found

    def get_page_subtitle(self):
        return str(self.milestone)

    def get_breadcrumbs_items(self):
        project = self.milestone.contract.project
        return self.breadcrumbs_items + [
            {"url": reverse(f"{PROJECT_NS}:index"), "label": Project._meta.verbose_name_plural},
            {"url": reverse(f"{PROJECT_NS}:inspect", args=[project.pk]), "label": project.title},
            {"url": "", "label": self.get_page_title(), "sublabel": str(self.milestone)},
        ]

    def get_context_data(self, **kwargs):
        milestone, user = self.milestone, self.request.user
        try:
            reports = list(selectors.milestone_reports(viewer=user, milestone=milestone))
        except NotFound:
            raise Http404 from None
        file_ids = [fid for r in reports for fid in r.evidence_file_ids]
        files = {str(f.pk): f for f in PrivateFile.objects.filter(pk__in=file_ids)}
        rows = [
            {
                "report": r,
                "submitted_at": local_display(r.submitted_at),
                "reviewed_at": local_display(r.reviewed_at) if r.reviewed_at else "",
                "evidence": [
                    {"name": files[fid].original_name, "url": reverse("frontend:private_file", args=[fid])}
                    for fid in r.evidence_file_ids
                    if fid in files
                ],
            }
            for r in reports
        ]
        project = milestone.contract.project
        return super().get_context_data(
            milestone=milestone,
            project=project,
            amount=format_yuan(milestone.amount_fen),
            due_on=local_display(milestone.due_on),
            payment=_payment_label(milestone),
            reports=rows,
            moves=move_buttons(
                milestone_moves(milestone, user),
                MILESTONE_MOVES,
                namespace=PROJECT_NS,
                obj=milestone,
                url_prefix="milestone_",
            ),
            history=history_rows(transitions.MILESTONE, milestone),
            project_url=reverse(f"{PROJECT_NS}:inspect", args=[project.pk]),
            **kwargs,
        )


def delivery_urlpatterns(viewset) -> list:
    """The contract and delivery routes under the projects' viewset."""
    inspect = viewset.get_url_name("inspect")
    milestone_page = viewset.get_url_name("milestone")
    return [
        path(
            "sign_contract/<int:pk>/",
            viewset.construct_view(ContractSignView, finder=project_for_staff, return_url_name=inspect),
            name="sign_contract",
        ),
        path(
            "amend/<int:pk>/",
            viewset.construct_view(AmendView, finder=_contract_finder, return_url_name=inspect),
            name="amend",
        ),
        path(
            "rate/<int:pk>/",
            viewset.construct_view(RateView, finder=_contract_finder, return_url_name=inspect),
            name="rate",
        ),
        path("milestone/<int:pk>/", viewset.construct_view(MilestoneView), name="milestone"),
        *viewset.move_urlpatterns(
            MILESTONE_MOVES,
            finder=milestone_for_staff,
            lifecycle=transitions.MILESTONE,
            object_kwarg="milestone",
            prefix="milestone-",
            return_url_name=milestone_page,
        ),
    ]
