"""Social organisations and the incubator in the district's Wagtail admin (社会组织).

Lists and objects come from ``selectors``, scoped to the viewer; an object outside the viewer's
scopes is not found (404). Every write is one service call from a small form view, and a
``DomainError`` becomes a Chinese form error, so a refused or invalid request changes nothing.
The lifecycle moves offered on a page are the moves the table allows this viewer now
(``transitions.*.available``); the service checks them again when the form is sent.
"""

from decimal import Decimal

import django_filters
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from marketplace.core.admin_views import (
    ExportView,
    InspectableViewSet,
    ObjectFormView,
    ScopedInspectView,
    history_rows,
    move_buttons,
)
from marketplace.core.permissions import can, scope_queryset
from marketplace.core.roles import Role
from marketplace.core.viewsets import ServiceCreateView
from marketplace.places.models import Street

from . import exports, forms, selectors, services, transitions
from .choices import (
    ApplicationStatus,
    IncubationStatus,
    OrgStatus,
    ScorecardStage,
    ServiceCategory,
)
from .models import Application, Cohort, Incubation, Organization

ORG_NS = "organizations_org"
COHORT_NS = "organizations_cohort"
APPLICATION_NS = "organizations_application"
INCUBATION_NS = "organizations_incubation"


# --- Small helpers ----------------------------------------------------------------------------
def _average(reviews) -> str:
    scores = [r.score for r in reviews]
    if not scores:
        return "—"
    return f"{Decimal(sum(scores)) / len(scores):.1f}"


# --- 社会组织 ----------------------------------------------------------------------------------
ORG_MOVES = {
    "verify": (services.organization_verify, forms.VerifyForm),
    "reject": (services.organization_reject, forms.ReasonForm),
    "suspend": (services.organization_suspend, forms.ReasonForm),
    "reinstate": (services.organization_reinstate, forms.ReasonForm),
}


def _streets(request):
    return scope_queryset(
        request.user, Street.objects.order_by("sort_order", "code"), "organizations.org.view_private"
    )


class OrganizationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=OrgStatus.choices)
    street = django_filters.ModelChoiceFilter(label=_("所在街道"), queryset=_streets)
    category = django_filters.ChoiceFilter(label=_("服务类别"), choices=ServiceCategory.choices)
    uscc_check_failed = django_filters.BooleanFilter(label=_("信用代码校验未通过"))

    class Meta:
        model = Organization
        fields = ["status", "street", "category", "uscc_check_failed"]


def _uscc_label(org) -> str:
    if not org.uscc:
        return str(_("—(备案组织无代码)"))
    if org.uscc_check_failed:
        return str(_("%(code)s ⚠ 校验未通过") % {"code": org.uscc})
    return org.uscc


def _place_label(org) -> str:
    return f"{org.street.name} / {org.community.name}" if org.community_id else org.street.name


def _grade_label(org) -> str:
    if not org.grade:
        return "—"
    return str(_("%(grade)s(至 %(day)s)") % {"grade": org.grade, "day": org.grade_expires_on})


class OrganizationIndexView(generic.IndexView):
    def get_base_queryset(self):
        return selectors.organization_list_for_staff(self.request.user)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can(self.request.user, "organizations.export"):
            buttons.append(
                HeaderButton(_("导出Excel"), url=reverse(f"{ORG_NS}:export"), icon_name="download")
            )
        return buttons


class OrganizationInspectView(ScopedInspectView):
    template_name = "organizations/admin/organization_inspect.html"
    finder = staticmethod(selectors.organization_for_staff)

    def get_uscc_display_value(self):
        return _uscc_label(self.object)

    def get_contact_phone_display_value(self):
        return self.object.masked_contact_phone

    def get_community_display_value(self):
        return self.object.community.name if self.object.community_id else "—"

    def get_grade_display_value(self):
        return _grade_label(self.object)

    def get_context_data(self, **kwargs):
        org = self.object
        # The page shows the legal representative and the documents: a view to be audited.
        services.organization_private_view(actor=self.request.user, org=org)
        moves = selectors.organization_available_moves(org, self.request.user)
        return super().get_context_data(
            documents=list(org.documents.all()),
            members=list(selectors.member_list(org)),
            history=history_rows(transitions.ORGANIZATION, org),
            moves=move_buttons(moves, ORG_MOVES, namespace=ORG_NS, obj=org),
            **kwargs,
        )


class OrganizationExportView(ExportView):
    def build(self):
        content = exports.directory_xlsx(actor=self.request.user)
        return content, f"社会组织名录-{timezone.localdate():%Y%m%d}.xlsx"


class OrganizationViewSet(InspectableViewSet):
    model = Organization
    name = ORG_NS
    url_prefix = "social-organizations"
    icon = "group"
    menu_label = _("组织名录与认证")
    index_view_class = OrganizationIndexView
    inspect_view_class = OrganizationInspectView
    filterset_class = OrganizationFilterSet
    search_fields = ["name", "uscc"]
    search_backend_name = None
    url_names = ("index", "index_results", "inspect")
    list_display = [
        "name",
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        Column("legal_form", label=_("组织形式"), accessor="get_legal_form_display"),
        Column("uscc", label=_("统一社会信用代码"), accessor=_uscc_label),
        Column("place", label=_("街道 / 社区"), accessor=_place_label),
        Column("category", label=_("服务类别"), accessor="get_category_display"),
        Column("grade", label=_("评估等级"), accessor=_grade_label),
    ]
    inspect_view_fields = [
        "name",
        "status",
        "legal_form",
        "uscc",
        "uscc_override_reason",
        "legal_representative",
        "contact_phone",
        "address",
        "street",
        "community",
        "category",
        "tags",
        "founded_on",
        "grade",
        "description",
        "verified_at",
        "created_at",
    ]

    def get_urlpatterns(self):
        moves = self.move_urlpatterns(
            ORG_MOVES,
            finder=selectors.organization_for_staff,
            lifecycle=transitions.ORGANIZATION,
            object_kwarg="org",
        )
        export = path(
            "export/",
            self.construct_view(OrganizationExportView, fallback_url_name=self.get_url_name("index")),
            name="export",
        )
        return [*super().get_urlpatterns(), *moves, export]


# --- 孵化期次 ----------------------------------------------------------------------------------
COHORT_MOVES = {
    "open": (services.cohort_open, forms.ConfirmForm),
    "close_applications": (services.cohort_close_applications, forms.ConfirmForm),
    "start": (services.cohort_start, forms.ConfirmForm),
    "finish": (services.cohort_finish, forms.ConfirmForm),
}


def _capacity_label(cohort) -> str:
    return f"{cohort.admitted_count} / {cohort.capacity}"


def _window_label(cohort) -> str:
    start = timezone.localtime(cohort.applications_open_at)
    end = timezone.localtime(cohort.applications_close_at)
    return f"{start:%Y-%m-%d %H:%M} — {end:%Y-%m-%d %H:%M}"


class CohortIndexView(generic.IndexView):
    def get_base_queryset(self):
        return selectors.cohort_list_for_staff(self.request.user).order_by("-applications_open_at", "-id")


class CohortCreateView(ServiceCreateView):
    def call_service(self, data):
        return services.cohort_create(actor=self.request.user, **self.form.service_kwargs())

    def get_success_url(self):
        return reverse(f"{COHORT_NS}:inspect", args=[self.object.pk])

    def get_success_buttons(self):
        return []


class CohortEditView(ObjectFormView):
    """The cohort's terms through ``services.cohort_update``; the form disables the terms its
    status fixes. A cohort past editing sends the viewer back to its page with the reason."""

    any_permission_required = None
    permission_required = "change"
    form_class = forms.CohortEditForm
    page_title = _("编辑期次")
    submit_label = _("保存")
    success_message = _("期次信息已保存。")

    @property
    def intro(self):
        if services.cohort_fixed_fields(self.object):
            return _(
                "本期已开始接受申请:期次名称、申请开始时间、培育开始日期和申请表问题不能再修改;"
                "申请截止时间须晚于当前时间,入孵名额不能少于已录取的组织数。"
            )
        return ""

    def get(self, request, *args, **kwargs):
        refusal = services.cohort_edit_refusal(self.object)
        if refusal:
            messages.error(request, refusal)
            return redirect(self.get_return_url())
        return super().get(request, *args, **kwargs)

    def call_service(self, form):
        services.cohort_update(actor=self.request.user, cohort=self.object, **form.service_kwargs())


class CohortInspectView(ScopedInspectView):
    template_name = "organizations/admin/cohort_inspect.html"
    finder = staticmethod(selectors.cohort_for_staff)

    def get_questions_display_value(self):
        questions = self.object.questions or []
        if not questions:
            return "—"
        required, optional = _("必答"), _("选填")
        return _(";").join(
            str(
                _("%(label)s(%(need)s)")
                % {"label": q["label"], "need": required if q.get("required") else optional}
            )
            for q in questions
        )

    def get_graduation_criteria_display_value(self):
        criteria = self.object.graduation_criteria or {}
        parts = []
        if criteria.get("require_registered_or_filed"):
            parts.append(str(_("已登记注册或备案")))
        if criteria.get("min_scorecard_average") not in (None, ""):
            parts.append(str(_("能力评估平均分不低于 %(n)s") % {"n": criteria["min_scorecard_average"]}))
        if criteria.get("min_completed_activities"):
            parts.append(
                str(_("完成活动或项目不少于 %(n)s 个") % {"n": criteria["min_completed_activities"]})
            )
        return ";".join(parts) or "—"

    def get_capacity_display_value(self):
        return str(
            _("已录取 %(n)s / 名额 %(c)s") % {"n": self.object.admitted_count, "c": self.object.capacity}
        )

    @cached_property
    def header_buttons(self):
        cohort, buttons = self.object, []
        if (
            can(self.request.user, "organizations.cohort.change", cohort)
            and services.cohort_edit_refusal(cohort) is None
        ):
            buttons.append(
                HeaderButton(_("编辑"), url=reverse(f"{COHORT_NS}:edit", args=[cohort.pk]), icon_name="edit")
            )
        buttons.append(
            HeaderButton(
                _("入孵申请"), url=reverse(f"{APPLICATION_NS}:index", args=[cohort.pk]), icon_name="form"
            )
        )
        buttons.append(
            HeaderButton(
                _("孵化记录"), url=reverse(f"{INCUBATION_NS}:index", args=[cohort.pk]), icon_name="group"
            )
        )
        if can(self.request.user, "organizations.export", cohort):
            buttons.append(
                HeaderButton(
                    _("导出Excel"), url=reverse(f"{COHORT_NS}:export", args=[cohort.pk]), icon_name="download"
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        cohort = self.object
        moves = transitions.COHORT.available(cohort, self.request.user)
        return super().get_context_data(
            moves=move_buttons(moves, COHORT_MOVES, namespace=COHORT_NS, obj=cohort),
            history=history_rows(transitions.COHORT, cohort),
            **kwargs,
        )


class CohortExportView(ExportView):
    def build(self):
        cohort = selectors.cohort_for_staff(self.request.user, self.kwargs["pk"])
        if cohort is None:
            raise Http404
        content = exports.cohort_scorecards_xlsx(actor=self.request.user, cohort=cohort)
        return content, f"{cohort.name}-能力评估表.xlsx"


class CohortViewSet(InspectableViewSet):
    model = Cohort
    name = COHORT_NS
    url_prefix = "incubator/cohorts"
    icon = "calendar"
    menu_label = _("孵化期次")
    index_view_class = CohortIndexView
    add_view_class = CohortCreateView
    create_form_class = forms.CohortCreateForm
    inspect_view_class = CohortInspectView
    # Not Wagtail's edit view: the terms are edited through ``services.cohort_update`` on the
    # "edit" route added below, and the status moves through the buttons on the cohort's page.
    url_names = ("index", "index_results", "add", "inspect")
    list_display = [
        "name",
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        Column("window", label=_("申请时间"), accessor=_window_label),
        Column("period", label=_("培育期"), accessor=lambda c: f"{c.starts_on} — {c.ends_on}"),
        Column("capacity", label=_("已录取 / 名额"), accessor=_capacity_label),
        Column("application_count", label=_("申请数")),
    ]
    inspect_view_fields = [
        "name",
        "status",
        "description",
        "applications_open_at",
        "applications_close_at",
        "starts_on",
        "ends_on",
        "capacity",
        "questions",
        "graduation_criteria",
    ]

    def get_urlpatterns(self):
        moves = self.move_urlpatterns(
            COHORT_MOVES,
            finder=selectors.cohort_for_staff,
            lifecycle=transitions.COHORT,
            object_kwarg="cohort",
        )
        export = path(
            "export/<int:pk>/",
            self.construct_view(CohortExportView, fallback_url_name=self.get_url_name("index")),
            name="export",
        )
        edit = path(
            "edit/<int:pk>/",
            self.construct_view(
                CohortEditView,
                finder=selectors.cohort_for_staff,
                return_url_name=self.get_url_name("inspect"),
            ),
            name="edit",
        )
        return [*super().get_urlpatterns(), *moves, export, edit]


# --- Lists nested under a cohort --------------------------------------------------------------
class CohortChildIndexView(generic.IndexView):
    """A list of one cohort's rows: ``/<prefix>/cohort/<cohort_pk>/``."""

    @cached_property
    def cohort(self):
        cohort = selectors.cohort_for_staff(self.request.user, self.kwargs["cohort_pk"])
        if cohort is None:
            raise Http404
        return cohort

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.cohort.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.cohort.pk])

    def get_page_subtitle(self):
        return self.cohort.name

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{COHORT_NS}:index"), "label": Cohort._meta.verbose_name_plural},
            {"url": reverse(f"{COHORT_NS}:inspect", args=[self.cohort.pk]), "label": self.cohort.name},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(cohort=self.cohort, **kwargs)


class CohortChildInspectView(ScopedInspectView):
    FIELD_LABELS = {"organization": _("社会组织"), "cohort": _("孵化期次")}

    def get_field_label(self, field_name, field):
        return self.FIELD_LABELS.get(field_name) or super().get_field_label(field_name, field)

    def get_breadcrumbs_items(self):
        cohort = self.object.cohort
        return self.breadcrumbs_items + [
            {"url": reverse(f"{COHORT_NS}:index"), "label": Cohort._meta.verbose_name_plural},
            {"url": reverse(f"{COHORT_NS}:inspect", args=[cohort.pk]), "label": cohort.name},
            {
                "url": reverse(self.index_url_name, args=[cohort.pk]),
                "label": self.model._meta.verbose_name_plural,
            },
            {"url": "", "label": self.get_page_title(), "sublabel": str(self.object.organization)},
        ]


# --- 入孵申请 ----------------------------------------------------------------------------------
APPLICATION_MOVES = {
    "admit": (services.application_admit, forms.ConfirmForm),
    "waitlist": (services.application_waitlist, forms.ConfirmForm),
    "decline": (services.application_decline, forms.ReasonForm),
}


class ApplicationIndexView(CohortChildIndexView):
    template_name = "organizations/admin/application_index.html"

    def get_base_queryset(self):
        return selectors.application_list(self.request.user, cohort=self.cohort)

    def _my_score(self, application):
        mine = [r.score for r in application.reviews.all() if r.reviewer_id == self.request.user.pk]
        return mine[0] if mine else "—"

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "organization",
                label=_("社会组织"),
                get_url=lambda a: reverse(f"{APPLICATION_NS}:inspect", args=[a.pk]),
            ),
            Column("status", label=_("状态"), accessor="get_status_display"),
            DateColumn("submitted_at", label=_("提交时间")),
            Column("review_count", label=_("评审人数"), accessor=lambda a: len(a.reviews.all())),
            Column("average", label=_("平均分"), accessor=lambda a: _average(a.reviews.all())),
            Column("my_score", label=_("我的评分"), accessor=self._my_score),
        ]


class ApplicationInspectView(CohortChildInspectView):
    template_name = "organizations/admin/application_inspect.html"
    finder = staticmethod(selectors.application_for_staff)

    def get_organization_display_value(self):
        return self.object.organization.name

    def get_cohort_display_value(self):
        return self.object.cohort.name

    def get_context_data(self, **kwargs):
        application, user = self.object, self.request.user
        reviews = list(application.reviews.all())
        questions = application.cohort.questions or []
        moves = transitions.APPLICATION.available(application, user)
        return super().get_context_data(
            answers=[(q["label"], application.answers.get(q["key"], "")) for q in questions],
            reviews=reviews,
            average=_average(reviews),
            my_review=next((r for r in reviews if r.reviewer_id == user.pk), None),
            can_review=can(user, "organizations.application.review", application)
            and application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED),
            review_url=reverse(f"{APPLICATION_NS}:review", args=[application.pk]),
            org_url=reverse(f"{ORG_NS}:inspect", args=[application.organization_id]),
            cohort=selectors.cohort_for_staff(user, application.cohort_id),
            moves=move_buttons(moves, APPLICATION_MOVES, namespace=APPLICATION_NS, obj=application),
            history=history_rows(transitions.APPLICATION, application),
            **kwargs,
        )


class ApplicationReviewView(ObjectFormView):
    form_class = forms.ReviewForm
    page_title = _("评审打分")
    submit_label = _("保存评分")
    success_message = _("评分已保存。")

    def call_service(self, form):
        services.application_review(actor=self.request.user, application=self.object, **form.cleaned_data)


class ApplicationViewSet(InspectableViewSet):
    """Not in the menu: reached from a cohort's page."""

    model = Application
    name = APPLICATION_NS
    url_prefix = "incubator/applications"
    icon = "form"
    index_view_class = ApplicationIndexView
    inspect_view_class = ApplicationInspectView
    url_names = ()
    list_display = ["organization"]
    inspect_view_fields = ["organization", "cohort", "status", "submitted_at"]

    def get_urlpatterns(self):
        inspect = self.get_url_name("inspect")
        moves = self.move_urlpatterns(
            APPLICATION_MOVES,
            finder=selectors.application_for_staff,
            lifecycle=transitions.APPLICATION,
            object_kwarg="application",
        )
        review = self.construct_view(
            ApplicationReviewView, finder=selectors.application_for_staff, return_url_name=inspect
        )
        return [
            path("cohort/<int:cohort_pk>/", self.index_view, name="index"),
            path("cohort/<int:cohort_pk>/results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("review/<int:pk>/", review, name="review"),
            *moves,
        ]


# --- 孵化记录 ----------------------------------------------------------------------------------
INCUBATION_MOVES = {
    "midterm": (services.incubation_midterm, forms.ConfirmForm),
    "graduate": (services.incubation_graduate, forms.ConfirmForm),
    "exit": (services.incubation_exit, forms.ReasonForm),
}
REPORT_MOVES = {
    "accept": (services.report_accept, forms.ReportAcceptForm),
    "return": (services.report_return, forms.ReasonForm),
}
_STAGE_ORDER = {stage: index for index, stage in enumerate(ScorecardStage.values)}


def _graduation_summary(incubation) -> str:
    checks = selectors.graduation_check(incubation)
    if not checks:
        return str(_("未设出壳条件"))
    unmet = [c.label for c in checks if not c.met]
    summary = str(_("%(met)s / %(all)s 项达标") % {"met": len(checks) - len(unmet), "all": len(checks)})
    if unmet:
        summary += str(_(";未达标:%(items)s") % {"items": str(_("、")).join(unmet)})
    return summary


def _latest_average(incubation) -> str:
    card = selectors.latest_scorecard(incubation)
    return f"{card.average:.2f}({card.get_stage_display()})" if card else "—"


class IncubationIndexView(CohortChildIndexView):
    template_name = "organizations/admin/incubation_index.html"

    def get_base_queryset(self):
        return selectors.incubation_list(self.request.user, cohort=self.cohort)

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "organization",
                label=_("社会组织"),
                get_url=lambda i: reverse(f"{INCUBATION_NS}:inspect", args=[i.pk]),
            ),
            Column("status", label=_("状态"), accessor="get_status_display"),
            DateColumn("started_at", label=_("入孵时间")),
            Column("scorecard", label=_("最新能力评估"), accessor=_latest_average),
            Column("graduation", label=_("出壳条件"), accessor=_graduation_summary),
        ]


class IncubationInspectView(CohortChildInspectView):
    template_name = "organizations/admin/incubation_inspect.html"
    finder = staticmethod(selectors.incubation_for_staff)

    def get_organization_display_value(self):
        return self.object.organization.name

    def get_cohort_display_value(self):
        return self.object.cohort.name

    def get_context_data(self, **kwargs):
        incubation, user = self.object, self.request.user
        active = incubation.status not in (IncubationStatus.GRADUATED, IncubationStatus.EXITED)

        def link(name, action, label):
            if active and can(user, action, incubation):
                return {"label": label, "url": reverse(f"{INCUBATION_NS}:{name}", args=[incubation.pk])}
            return None

        tools = [
            link("mentor", f"accounts.role.assign.{Role.MENTOR}", _("指派导师")),
            link("scorecard", "organizations.incubation.score", _("填写能力评估")),
            link("goal", "organizations.incubation.goal", _("添加培育目标")),
            link("activity", "organizations.incubation.activity", _("登记活动")),
            link("report", "organizations.report.schedule", _("安排定期报告")),
        ]
        reports = [
            (
                report,
                move_buttons(
                    transitions.REPORT.available(report, user),
                    REPORT_MOVES,
                    namespace=INCUBATION_NS,
                    obj=report,
                    url_prefix="report_",
                ),
            )
            for report in incubation.reports.all()
        ]
        moves = transitions.INCUBATION.available(incubation, user)
        return super().get_context_data(
            tools=[t for t in tools if t],
            mentors=list(selectors.mentor_list(incubation)),
            mentor_logs=list(incubation.mentor_logs.all()),
            goals=list(incubation.goals.all()),
            scorecards=sorted(incubation.scorecards.all(), key=lambda c: _STAGE_ORDER[c.stage]),
            checks=selectors.graduation_check(incubation),
            activities=list(incubation.activities.all()),
            reports=reports,
            org_url=reverse(f"{ORG_NS}:inspect", args=[incubation.organization_id]),
            moves=move_buttons(moves, INCUBATION_MOVES, namespace=INCUBATION_NS, obj=incubation),
            history=history_rows(transitions.INCUBATION, incubation),
            **kwargs,
        )


class MentorAssignView(ObjectFormView):
    form_class = forms.MentorAssignForm
    page_title = _("指派导师")
    submit_label = _("指派")
    success_message = _("导师已指派。")

    def call_service(self, form):
        services.mentor_assign(
            actor=self.request.user, incubation=self.object, user=form.cleaned_data["contact"]
        )


class ScorecardView(ObjectFormView):
    form_class = forms.ScorecardForm
    page_title = _("填写能力评估")
    intro = _("内部治理、财务管理、项目服务、人才队伍四项,各按1–5分评分,并写明依据。每个阶段填写一次。")
    submit_label = _("保存评估")
    success_message = _("能力评估已保存。")

    def call_service(self, form):
        services.scorecard_record(
            actor=self.request.user,
            incubation=self.object,
            stage=form.cleaned_data["stage"],
            scores=form.scores(),
            evidence=form.evidence(),
        )


class GoalAddView(ObjectFormView):
    form_class = forms.GoalForm
    page_title = _("添加培育目标")
    submit_label = _("添加")
    success_message = _("培育目标已添加。")

    def call_service(self, form):
        services.goal_add(actor=self.request.user, incubation=self.object, **form.cleaned_data)


class ActivityRecordView(ObjectFormView):
    form_class = forms.ActivityForm
    page_title = _("登记培育期活动")
    intro = _("只登记已完成的活动;活动计入出壳条件。")
    submit_label = _("登记")
    success_message = _("活动已登记。")

    def call_service(self, form):
        services.incubation_activity_record(
            actor=self.request.user, incubation=self.object, **form.cleaned_data
        )


class ReportScheduleView(ObjectFormView):
    form_class = forms.ReportScheduleForm
    page_title = _("安排定期报告")
    intro = _("组织管理员会在截止前收到提醒。")
    submit_label = _("安排")
    success_message = _("定期报告已安排。")

    def call_service(self, form):
        services.report_schedule(actor=self.request.user, incubation=self.object, **form.cleaned_data)


class IncubationViewSet(InspectableViewSet):
    """Not in the menu: reached from a cohort's page."""

    model = Incubation
    name = INCUBATION_NS
    url_prefix = "incubator/incubations"
    icon = "group"
    index_view_class = IncubationIndexView
    inspect_view_class = IncubationInspectView
    url_names = ()
    list_display = ["organization"]
    inspect_view_fields = ["organization", "cohort", "status", "started_at", "ended_at", "exit_reason"]

    def get_urlpatterns(self):
        inspect = self.get_url_name("inspect")
        find = selectors.incubation_for_staff
        patterns = [
            path("cohort/<int:cohort_pk>/", self.index_view, name="index"),
            path("cohort/<int:cohort_pk>/results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]
        for name, view_class in (
            ("mentor", MentorAssignView),
            ("scorecard", ScorecardView),
            ("goal", GoalAddView),
            ("activity", ActivityRecordView),
            ("report", ReportScheduleView),
        ):
            view = self.construct_view(view_class, finder=find, return_url_name=inspect)
            patterns.append(path(f"{name}/<int:pk>/", view, name=name))
        patterns += self.move_urlpatterns(
            INCUBATION_MOVES, finder=find, lifecycle=transitions.INCUBATION, object_kwarg="incubation"
        )
        patterns += self.move_urlpatterns(
            REPORT_MOVES,
            finder=selectors.report_for_staff,
            lifecycle=transitions.REPORT,
            object_kwarg="report",
            prefix="report-",
            return_pk_attr="incubation_id",
        )
        return patterns


# --- The menu ---------------------------------------------------------------------------------
class OrganizationsViewSetGroup(ModelViewSetGroup):
    menu_label = _("社会组织")
    menu_icon = "group"
    menu_order = 230
    items = (OrganizationViewSet, CohortViewSet)
