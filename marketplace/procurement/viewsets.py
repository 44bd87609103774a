"""Service projects in the street's Wagtail admin (政府购买服务).

Lists and objects are scoped to the viewer's streets; an object outside them is not found (404).
Every write is one service call from a small form view, and a ``DomainError`` becomes a Chinese
form error, so a refused or invalid request changes nothing. The moves offered on a project's
page are those the lifecycle table allows this viewer now (``transitions.PROJECT.available``).

Sealed bids: these screens never call ``sealing`` or ``selectors.bid_contents``. Before opening
they show only the number of bids; after opening, each bid's organisation, status and price
(``Bid.price_fen``, written at opening) and nothing else of its contents. (Evaluators read the
contents on their own screens, ``admin_evaluation``, through ``selectors.bid_contents``.)

Evaluation and award are in ``admin_evaluation``, contract and delivery in ``admin_delivery``;
this module puts them on the project's page and its routes.
"""

from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from marketplace.core.admin_views import (
    ExportView,
    InspectableViewSet,
    ObjectFormView,
    ScopedInspectView,
    history_rows,
    local_display,
    move_buttons,
)
from marketplace.core.exceptions import DomainError
from marketplace.core.money import format_yuan
from marketplace.core.permissions import can
from marketplace.core.viewsets import ServiceCreateView
from marketplace.organizations.choices import ServiceCategory

from . import admin_delivery, admin_evaluation, exports, forms, selectors, services, transitions
from .admin_common import (
    CHANGE,
    PROJECT_NS,
    VIEW,
    project_for_staff,
    project_list_for_staff,
    question_for_staff,
)
from .choices import ProjectStatus
from .models import Project

PROJECT_MOVES = {
    "submit": (services.project_submit, forms.ConfirmForm),
    "approve": (services.project_approve, forms.ConfirmForm),
    "return": (services.project_return, forms.ReasonForm),
    "publish": (services.project_publish, forms.ConfirmForm),
    "open_bids": (services.project_open_bids, forms.ConfirmForm),
    "fail": (services.project_fail, forms.ReasonForm),
    "cancel": (services.project_cancel, forms.ReasonForm),
    "evaluate": (services.project_complete_evaluation, forms.EvaluationReportForm),
    "propose_award": (services.award_propose, forms.AwardProposeForm),
    "start_publicity": (services.award_publicity_start, forms.ConfirmForm),
    "confirm_award": (services.award_confirm, forms.ConfirmForm),
    "start_delivery": (services.delivery_start, forms.ConfirmForm),
    "complete": (services.project_complete, forms.ConfirmForm),
}
# Moves with a screen of their own rather than a MoveView: the contract and its milestones.
PROJECT_BUTTONS = {**PROJECT_MOVES, "sign_contract": (services.contract_sign, forms.ContractForm)}


# --- what the viewer may do -------------------------------------------------------------------
def project_moves(project, user) -> list:
    """The table's moves, plus opening once the deadline has passed: the service closes bidding
    itself, so the official need not wait for the scheduled close. Confirming the award waits
    for the end of publicity (the service would refuse it before)."""
    moves = transitions.PROJECT.available(project, user)
    if project.status == ProjectStatus.PUBLICITY and (
        project.publicity_ends_at is None or timezone.now() < project.publicity_ends_at
    ):
        moves = [m for m in moves if m.code != "confirm_award"]
    codes = {m.code for m in moves}
    if (
        project.status == ProjectStatus.PUBLISHED
        and timezone.now() >= project.bid_close_at
        and "open_bids" not in codes
        and can(user, CHANGE, project)
    ):
        moves.append(transitions.PROJECT.get("open_bids"))
    return moves


class _FieldMapMixin:
    """Puts a service error naming ``budget_ceiling_fen`` on the form's yuan field."""

    def _mapped(self, form, call):
        try:
            return call()
        except DomainError as exc:
            exc.field = getattr(form, "field_map", {}).get(exc.field, exc.field)
            raise


# --- views ------------------------------------------------------------------------------------
def _window_label(project) -> str:
    start = timezone.localtime(project.bid_open_at)
    end = timezone.localtime(project.bid_close_at)
    return f"{start:%Y-%m-%d %H:%M} — {end:%Y-%m-%d %H:%M}"


class ProjectIndexView(generic.IndexView):
    def get_base_queryset(self):
        return project_list_for_staff(self.request.user)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can(self.request.user, VIEW):
            buttons.append(
                HeaderButton(_("导出Excel"), url=reverse(f"{PROJECT_NS}:export"), icon_name="download")
            )
        return buttons


class ProjectExportView(ExportView):
    def build(self):
        content = exports.projects_xlsx(actor=self.request.user)
        return content, f"服务项目-{timezone.localdate():%Y%m%d}.xlsx"


class ProjectCreateView(_FieldMapMixin, ServiceCreateView):
    def call_service(self, data):
        form = self.form
        return self._mapped(
            form,
            lambda: services.project_create(
                actor=self.request.user, street=data["street"], terms=form.to_terms()
            ),
        )

    def get_success_url(self):
        return reverse(f"{PROJECT_NS}:inspect", args=[self.object.pk])

    def get_success_buttons(self):
        return []


class ProjectEditView(_FieldMapMixin, ObjectFormView):
    """A draft's terms through ``services.project_update_draft``."""

    form_class = forms.ProjectForm
    page_title = _("编辑草稿")
    submit_label = _("保存")
    success_message = _("项目草稿已保存。")

    def get(self, request, *args, **kwargs):
        if self.object.status != ProjectStatus.DRAFT:
            messages.error(request, _("只有草稿可以直接修改;已发布的项目请使用“变更条款”。"))
            return redirect(self.get_return_url())
        return super().get(request, *args, **kwargs)

    def call_service(self, form):
        self._mapped(
            form,
            lambda: services.project_update_draft(
                actor=self.request.user, project=self.object, terms=form.to_terms()
            ),
        )


class ChangeTermsView(_FieldMapMixin, ObjectFormView):
    form_class = forms.ChangeTermsForm
    page_title = _("变更条款")
    intro = _("变更后,已提交的投标全部失效,投标人会收到通知并须按新条款重新提交。")
    submit_label = _("确认变更")
    success_message = _("条款已变更,已通知投标人。")

    def call_service(self, form):
        self._mapped(
            form,
            lambda: services.project_change_terms(
                actor=self.request.user,
                project=self.object,
                terms=form.to_terms(),
                reason=form.cleaned_data["reason"],
            ),
        )


class AnswerView(ObjectFormView):
    form_class = forms.AnswerForm
    page_title = _("答复问题")
    submit_label = _("发布答复")
    success_message = _("答复已发布。")
    return_pk_attr = "project_id"

    def get_page_subtitle(self):
        return str(self.object.project)

    @property
    def intro(self):
        return _("问题:%(text)s(答复将向所有投标人公开;距截止不足三天的答复会顺延投标截止时间。)") % {
            "text": self.object.text
        }

    def call_service(self, form):
        services.question_answer(
            actor=self.request.user, question=self.object, answer=form.cleaned_data["answer"]
        )


class RepublishView(ObjectFormView):
    form_class = forms.RepublishForm
    page_title = _("重新发布")
    intro = _("以原条款生成新一轮项目草稿,经审批后发布;原项目保持流标状态。")
    submit_label = _("生成新一轮草稿")

    def call_service(self, form):
        self.new_round = services.project_republish(
            actor=self.request.user, project=self.object, **form.cleaned_data
        )

    def get_success_message(self):
        return str(_("已生成新一轮项目草稿。"))

    def form_valid(self, form):
        response = super().form_valid(form)
        if getattr(self, "new_round", None) is not None:
            return redirect(reverse(f"{PROJECT_NS}:inspect", args=[self.new_round.pk]))
        return response


class ProjectInspectView(ScopedInspectView):
    template_name = "procurement/admin/project_inspect.html"
    finder = staticmethod(project_for_staff)

    def get_budget_ceiling_fen_display_value(self):
        return format_yuan(self.object.budget_ceiling_fen)

    def get_community_display_value(self):
        return self.object.community.name if self.object.community_id else _("全街道")

    def get_min_grade_display_value(self):
        return self.object.min_grade or _("不限")

    def get_required_categories_display_value(self):
        cats = self.object.required_categories
        return "、".join(str(label) for value, label in ServiceCategory.choices if value in cats) or _("不限")

    @cached_property
    def header_buttons(self):
        project, user, buttons = self.object, self.request.user, []
        if not can(user, CHANGE, project):
            return buttons
        if project.status == ProjectStatus.DRAFT:
            buttons.append(
                HeaderButton(
                    _("编辑草稿"), url=reverse(f"{PROJECT_NS}:edit", args=[project.pk]), icon_name="edit"
                )
            )
        if project.bidding_is_open():
            buttons.append(
                HeaderButton(
                    _("变更条款"),
                    url=reverse(f"{PROJECT_NS}:change_terms", args=[project.pk]),
                    icon_name="edit",
                )
            )
        if project.status == ProjectStatus.FAILED and not hasattr(project, "next_round"):
            buttons.append(
                HeaderButton(
                    _("重新发布"),
                    url=reverse(f"{PROJECT_NS}:republish", args=[project.pk]),
                    icon_name="redirect",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        project, user = self.object, self.request.user
        opened = project.status in selectors.OPENED_STATUSES
        may_answer = project.status == ProjectStatus.PUBLISHED and can(
            user, "procurement.question.answer", project
        )
        questions = [
            {
                "question": q,
                "answer_url": reverse(f"{PROJECT_NS}:answer", args=[q.pk])
                if may_answer and not q.answered_at
                else None,
            }
            for q in project.questions.select_related("asked_by_org")
        ]
        # The opened bids show only what opening wrote in the clear: organisation, status, price.
        return super().get_context_data(
            criteria=list(project.criteria.all()),
            bid_count=project.current_bid_count,
            opened=opened,
            opened_at=local_display(project.opened_at),
            questions=questions,
            moves=move_buttons(
                project_moves(project, user), PROJECT_BUTTONS, namespace=PROJECT_NS, obj=project
            ),
            **admin_evaluation.evaluation_context(project, user),
            **admin_delivery.contract_context(project, user),
            history=history_rows(transitions.PROJECT, project),
            public_url=reverse("procurement:detail", args=[project.pk])
            if project.status in selectors.PUBLIC_STATUSES
            else None,
            **kwargs,
        )


class ProjectViewSet(InspectableViewSet):
    model = Project
    name = PROJECT_NS
    url_prefix = "procurement/projects"
    icon = "doc-full"
    menu_label = _("服务项目")
    index_view_class = ProjectIndexView
    add_view_class = ProjectCreateView
    create_form_class = forms.ProjectForm
    inspect_view_class = ProjectInspectView
    # Not Wagtail's edit view: drafts are edited through ``services.project_update_draft`` on the
    # "edit" route below, published terms through "change_terms", statuses through the buttons.
    url_names = ("index", "index_results", "add", "inspect")
    search_fields = ["title"]
    search_backend_name = None
    list_display = [
        "title",
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        Column("street", label=_("采购街道"), accessor=lambda p: p.street.name),
        Column("budget", label=_("预算上限"), accessor=lambda p: format_yuan(p.budget_ceiling_fen)),
        Column("window", label=_("投标时间"), accessor=_window_label),
        Column("current_bid_count", label=_("投标数")),
    ]
    inspect_view_fields = [
        "title",
        "status",
        "street",
        "community",
        "category",
        "budget_ceiling_fen",
        "funding_source",
        "min_grade",
        "required_categories",
        "bid_open_at",
        "bid_close_at",
        "service_start",
        "service_end",
        "min_valid_bids",
        "publicity_working_days",
        "description",
        "service_targets",
        "performance_goals",
        "published_at",
        "cancel_reason",
        "evaluation_report",
        "publicity_ends_at",
    ]

    def get_urlpatterns(self):
        inspect = self.get_url_name("inspect")
        moves = self.move_urlpatterns(
            PROJECT_MOVES, finder=project_for_staff, lifecycle=transitions.PROJECT, object_kwarg="project"
        )
        extra = [
            path(
                f"{name}/<int:pk>/",
                self.construct_view(view_class, finder=finder, return_url_name=inspect),
                name=name,
            )
            for name, view_class, finder in (
                ("edit", ProjectEditView, project_for_staff),
                ("change_terms", ChangeTermsView, project_for_staff),
                ("republish", RepublishView, project_for_staff),
                ("answer", AnswerView, question_for_staff),
            )
        ]
        export = path(
            "export/",
            self.construct_view(ProjectExportView, fallback_url_name=self.get_url_name("index")),
            name="export",
        )
        return [
            *super().get_urlpatterns(),
            *moves,
            *extra,
            export,
            *admin_evaluation.project_urlpatterns(self),
            *admin_delivery.delivery_urlpatterns(self),
        ]


class ProcurementViewSetGroup(ModelViewSetGroup):
    menu_label = _("政府购买服务")
    menu_icon = "doc-full"
    menu_order = 220
    items = (ProjectViewSet,)


EvaluatorViewSet = admin_evaluation.EvaluatorViewSet

__all__ = [
    "EvaluatorViewSet",
    "ProcurementViewSetGroup",
    "ProjectViewSet",
    "project_for_staff",
    "project_list_for_staff",
]
