"""The volunteer registry, in-service party members' reports and the spreadsheets in the back
office: the masked registry with filters, the whole personal data on request (audited, for the
community workers of the home community and the district), suspending and reinstating; the
reports to confirm or decline and the members' yearly hours; the roster import with its per-row
report, and the hours exports.

Lists show names and masked phones only (``selectors.contact``); the ID number never appears
but through ``services.volunteer_personal_data``, which checks the role and writes the audit
trail. Every write is one service call and a ``DomainError`` becomes a Chinese message.
"""

import datetime

import django_filters
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from marketplace.core.admin_views import (
    ANY_PERMISSION,
    ExportView,
    InspectableViewSet,
    ObjectFormView,
    ScopedInspectView,
    history_rows,
    local_display,
    move_buttons,
)
from marketplace.core.exceptions import DomainError
from marketplace.core.masking import mask_phone
from marketplace.core.permissions import can, has_role, scope_queryset
from marketplace.core.roles import Role
from marketplace.core.spreadsheets import XLSX_CONTENT_TYPE
from marketplace.core.viewsets import add_domain_error
from marketplace.places.models import Community, Grid

from . import exports, forms, roster_import, selectors, services, transitions
from .admin_common import (
    ADMIN_REGISTRY,
    PARTY_REPORT_NS,
    VOLUNTEER_NS,
    party_report_for_staff,
    volunteer_for_staff,
    volunteer_list_for_staff,
)
from .choices import (
    Availability,
    PartyReportStatus,
    PoliticalStatus,
    ResidentRole,
    StarLevel,
    VolunteerStatus,
)
from .models import PartyReport, Skill, Volunteer

VOLUNTEER_MOVES = {
    "suspend": (services.volunteer_suspend, forms.ReasonForm),
    "reinstate": (services.volunteer_reinstate, forms.ReasonForm),
}
PARTY_REPORT_MOVES = {
    "confirm": (services.party_report_confirm, forms.ConfirmForm),
    "decline": (services.party_report_decline, forms.ReasonForm),
    "end": (services.party_report_end, forms.ReasonForm),
}
XLSX = XLSX_CONTENT_TYPE


def _hours(minutes) -> str:
    return f"{(minutes or 0) / 60:.1f}"


def _labels(codes, choices) -> str:
    names = dict(choices.choices)
    return "、".join(str(names.get(c, c)) for c in codes or []) or "—"


def _name(volunteer) -> str:
    return volunteer.identity.real_name


def _phone(volunteer) -> str:
    return mask_phone(volunteer.user.phone) or "—"


def _place(volunteer) -> str:
    return f"{volunteer.community.name} / {volunteer.grid.name}"


def _star(volunteer) -> str:
    return str(StarLevel(volunteer.star).label)


# --- the registry ---------------------------------------------------------------------------
def _communities(request):
    return scope_queryset(request.user, Community.objects.order_by("sort_order", "code"), ADMIN_REGISTRY)


def _grids(request):
    return scope_queryset(
        request.user, Grid.objects.order_by("community_id", "sort_order", "code"), ADMIN_REGISTRY
    )


class VolunteerFilterSet(WagtailFilterSet):
    name = django_filters.CharFilter(
        label=_("姓名"), field_name="identity__real_name", lookup_expr="icontains"
    )
    community = django_filters.ModelChoiceFilter(label=_("居住社区"), queryset=_communities)
    grid = django_filters.ModelChoiceFilter(label=_("所在网格"), queryset=_grids)
    political_status = django_filters.ChoiceFilter(label=_("政治面貌"), choices=PoliticalStatus.choices)
    in_service = django_filters.BooleanFilter(label=_("在职党员"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=VolunteerStatus.choices)
    skill = django_filters.ModelChoiceFilter(
        label=_("技能特长"), queryset=Skill.objects.all(), method="filter_skill"
    )
    resident_role = django_filters.ChoiceFilter(
        label=_("居民身份"), choices=ResidentRole.choices, method="filter_resident_role"
    )

    class Meta:
        model = Volunteer
        fields = ["name", "community", "grid", "political_status", "in_service", "status"]

    def filter_skill(self, queryset, name, value):
        through = Skill.volunteers.through.objects.filter(volunteer_id=OuterRef("pk"), skill=value)
        return queryset.filter(Exists(through))

    def filter_resident_role(self, queryset, name, value):
        # The JSON list holds plain codes; matching the quoted code is exact and portable.
        return queryset.filter(resident_roles__icontains=f'"{value}"')


class VolunteerIndexView(generic.IndexView):
    def get_base_queryset(self):
        return volunteer_list_for_staff(self.request.user)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        user = self.request.user
        if has_role(user, [Role.COMMUNITY_WORKER]):
            buttons.append(
                HeaderButton(_("导入花名册"), url=reverse(f"{VOLUNTEER_NS}:import"), icon_name="upload")
            )
        if can(user, exports.EXPORT):
            buttons.append(
                HeaderButton(_("导出服务时长"), url=reverse(f"{VOLUNTEER_NS}:exports"), icon_name="download")
            )
        return buttons


class VolunteerInspectView(ScopedInspectView):
    template_name = "volunteers/admin/volunteer_inspect.html"
    finder = staticmethod(volunteer_for_staff)
    FIELD_LABELS = {"identity": _("姓名"), "user": _("手机号(脱敏)")}

    def get_field_label(self, field_name, field):
        return self.FIELD_LABELS.get(field_name) or super().get_field_label(field_name, field)

    def get_identity_display_value(self):
        identity = self.object.identity
        return f"{identity.real_name}({identity.id_number_masked})"

    def get_user_display_value(self):
        return _phone(self.object)

    def get_street_display_value(self):
        return self.object.street.name

    def get_community_display_value(self):
        return self.object.community.name

    def get_grid_display_value(self):
        return self.object.grid.name

    def get_party_organization_display_value(self):
        return self.object.party_organization.name if self.object.party_organization_id else "—"

    def get_in_service_display_value(self):
        return _("是") if self.object.in_service else _("否")

    def get_skills_display_value(self):
        return "、".join(s.name for s in self.object.skills.all()) or "—"

    def get_availability_display_value(self):
        return _labels(self.object.availability, Availability)

    def get_resident_roles_display_value(self):
        return _labels(self.object.resident_roles, ResidentRole)

    def get_context_data(self, **kwargs):
        volunteer, user = self.object, self.request.user
        records = selectors.volunteer_records(viewer=user, volunteer=volunteer, include_closed=True)[:30]
        totals = selectors.volunteer_totals(volunteer=volunteer)
        moves = transitions.VOLUNTEER.available(volunteer, user)
        return super().get_context_data(
            totals=totals,
            star_label=totals.star.level.label,
            records=[
                {
                    "record": r,
                    "served_on": local_display(r.served_on),
                    "activity": r.activity.title,
                    "corrects": r.corrects,
                }
                for r in records
            ],
            personal_url=reverse(f"{VOLUNTEER_NS}:personal", args=[volunteer.pk])
            if can(user, "volunteers.volunteer.view_personal", volunteer)
            else None,
            moves=move_buttons(moves, VOLUNTEER_MOVES, namespace=VOLUNTEER_NS, obj=volunteer),
            history=history_rows(transitions.VOLUNTEER, volunteer),
            **kwargs,
        )


class PersonalDataView(ObjectFormView):
    """The whole personal data, shown in the answer to a deliberate POST: opening the page
    reads nothing; each view is written to the audit trail by the service."""

    template_name = "volunteers/admin/personal_data.html"
    form_class = forms.ConfirmForm
    page_title = _("查看完整信息")
    intro = _("完整的身份证号码和手机号仅用于工作需要,本次查看将记入审计记录。")
    submit_label = _("查看完整信息")

    def get_page_subtitle(self):
        return selectors.contact(self.object).name

    def form_valid(self, form):
        try:
            data = services.volunteer_personal_data(actor=self.request.user, volunteer=self.object)
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, personal=data))


# --- the roster import ----------------------------------------------------------------------
class RosterImportView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    model = Volunteer
    any_permission_required = ANY_PERMISSION
    template_name = "volunteers/admin/roster_import.html"
    form_class = forms.RosterImportForm
    page_title = _("导入志愿者花名册")
    header_icon = "upload"
    index_url_name = None

    def dispatch(self, request, *args, **kwargs):
        # Only a community's workers import (into their own communities): no page for the rest.
        if not can(request.user, "volunteers.roster.import"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": Volunteer._meta.verbose_name_plural},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            template_url=reverse(f"{VOLUNTEER_NS}:import_template"),
            cancel_url=reverse(self.index_url_name),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            rows = roster_import.read_roster(form.cleaned_data["file"])
            report = services.roster_import(
                actor=self.request.user, community=form.cleaned_data["community"], rows=rows
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("导入完成:新建 %(c)s 人,更新 %(u)s 人,未导入 %(r)s 行。")
            % {"c": report.created, "u": report.updated, "r": report.refused},
        )
        return self.render_to_response(self.get_context_data(form=form, report=report))


class RosterTemplateView(ExportView):
    model = Volunteer

    def build(self):
        return roster_import.template_xlsx(), "志愿者花名册导入模板.xlsx"


# --- the hours exports ----------------------------------------------------------------------
def _period(request) -> tuple[datetime.date | None, datetime.date | None]:
    form = forms.PeriodForm(request.GET or None)
    if request.GET and form.is_valid():
        return form.cleaned_data["start"], form.cleaned_data["end"]
    defaults = forms.PeriodForm.this_year()
    return defaults["start"], defaults["end"]


class ExportsView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Choose a period and a report; the files come from the export routes."""

    model = Volunteer
    any_permission_required = ANY_PERMISSION
    template_name = "volunteers/admin/exports.html"
    page_title = _("导出服务时长")
    header_icon = "download"
    index_url_name = None

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": Volunteer._meta.verbose_name_plural},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        start, end = _period(self.request)
        query = f"?start={start or ''}&end={end or ''}"
        return super().get_context_data(
            form=forms.PeriodForm(initial={"start": start, "end": end}),
            links=[
                (_("按志愿者"), reverse(f"{VOLUNTEER_NS}:export_volunteers") + query),
                (_("按网格"), reverse(f"{VOLUNTEER_NS}:export_grids") + query),
                (_("按党组织"), reverse(f"{VOLUNTEER_NS}:export_party_orgs") + query),
            ],
            start=start,
            end=end,
            **kwargs,
        )


class _PeriodExportView(ExportView):
    model = Volunteer
    builder = None
    filename = ""

    def build(self):
        start, end = _period(self.request)
        content = type(self).builder(actor=self.request.user, start=start, end=end)
        return content, f"{self.filename}-{timezone.localdate():%Y%m%d}.xlsx"


class VolunteerHoursExport(_PeriodExportView):
    builder = staticmethod(exports.hours_by_volunteer_xlsx)
    filename = "志愿者服务时长"


class GridHoursExport(_PeriodExportView):
    builder = staticmethod(exports.hours_by_grid_xlsx)
    filename = "网格服务时长"


class PartyOrgHoursExport(_PeriodExportView):
    builder = staticmethod(exports.hours_by_party_organization_xlsx)
    filename = "党组织服务时长"


class VolunteerViewSet(InspectableViewSet):
    model = Volunteer
    name = VOLUNTEER_NS
    url_prefix = "volunteers/registry"
    icon = "user"
    menu_label = _("志愿者名册")
    index_view_class = VolunteerIndexView
    inspect_view_class = VolunteerInspectView
    filterset_class = VolunteerFilterSet
    url_names = ("index", "index_results", "inspect")
    list_display = [
        TitleColumn(
            "name",
            label=_("姓名"),
            accessor=_name,
            get_url=lambda v: reverse(f"{VOLUNTEER_NS}:inspect", args=[v.pk]),
        ),
        Column("phone", label=_("手机号"), accessor=_phone),
        Column("place", label=_("社区 / 网格"), accessor=_place),
        Column("political_status", label=_("政治面貌"), accessor="get_political_status_display"),
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        Column("hours", label=_("累计时长(小时)"), accessor=lambda v: _hours(v.total_minutes)),
        Column("star", label=_("星级"), accessor=_star),
        DateColumn("registered_at", label=_("注册时间")),
    ]
    inspect_view_fields = [
        "identity",
        "user",
        "status",
        "street",
        "community",
        "grid",
        "political_status",
        "party_organization",
        "in_service",
        "workplace",
        "workplace_party_branch",
        "skills",
        "availability",
        "availability_note",
        "resident_roles",
        "registered_at",
    ]

    def get_urlpatterns(self):
        index = self.get_url_name("index")
        moves = self.move_urlpatterns(
            VOLUNTEER_MOVES,
            finder=volunteer_for_staff,
            lifecycle=transitions.VOLUNTEER,
            object_kwarg="volunteer",
        )
        extra = [
            path(
                "personal/<int:pk>/",
                self.construct_view(
                    PersonalDataView, finder=volunteer_for_staff, return_url_name=self.get_url_name("inspect")
                ),
                name="personal",
            ),
            path("import/", self.construct_view(RosterImportView, index_url_name=index), name="import"),
            path(
                "import/template/",
                self.construct_view(RosterTemplateView, fallback_url_name=index),
                name="import_template",
            ),
            path("exports/", self.construct_view(ExportsView, index_url_name=index), name="exports"),
        ]
        for route, name, view_class in (
            ("export/volunteers/", "export_volunteers", VolunteerHoursExport),
            ("export/grids/", "export_grids", GridHoursExport),
            ("export/party-organizations/", "export_party_orgs", PartyOrgHoursExport),
        ):
            extra.append(
                path(
                    route,
                    self.construct_view(view_class, fallback_url_name=self.get_url_name("exports")),
                    name=name,
                )
            )
        return [*super().get_urlpatterns(), *moves, *extra]


# --- in-service party members' reports ------------------------------------------------------
class PartyReportFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PartyReportStatus.choices)

    class Meta:
        model = PartyReport
        fields = ["status"]


class PartyReportIndexView(generic.IndexView):
    def get_base_queryset(self):
        return selectors.party_report_list(viewer=self.request.user)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can(self.request.user, "volunteers.party_report.hours"):
            buttons.append(
                HeaderButton(_("年度服务时长"), url=reverse(f"{PARTY_REPORT_NS}:yearly"), icon_name="table")
            )
        return buttons


class PartyReportInspectView(ScopedInspectView):
    template_name = "volunteers/admin/party_report_inspect.html"
    finder = staticmethod(party_report_for_staff)
    FIELD_LABELS = {"volunteer": _("党员")}

    def get_field_label(self, field_name, field):
        return self.FIELD_LABELS.get(field_name) or super().get_field_label(field_name, field)

    def get_volunteer_display_value(self):
        volunteer = self.object.volunteer
        return f"{_name(volunteer)}({_phone(volunteer)})"

    def get_community_display_value(self):
        return self.object.community.name

    def get_context_data(self, **kwargs):
        report, user = self.object, self.request.user
        moves = transitions.PARTY_REPORT.available(report, user)
        return super().get_context_data(
            moves=move_buttons(moves, PARTY_REPORT_MOVES, namespace=PARTY_REPORT_NS, obj=report),
            history=history_rows(transitions.PARTY_REPORT, report),
            **kwargs,
        )


def _year(request) -> int:
    form = forms.YearForm(request.GET or None)
    if request.GET and form.is_valid():
        return form.cleaned_data["year"]
    return timezone.localdate().year


class YearlyHoursView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """The yearly service hours of the in-service party members who reported to the viewer's
    communities, grouped by their workplace party branch."""

    model = PartyReport
    any_permission_required = ANY_PERMISSION
    template_name = "volunteers/admin/party_yearly.html"
    page_title = _("在职党员年度服务时长")
    header_icon = "table"
    index_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not can(request.user, "volunteers.party_report.hours"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": PartyReport._meta.verbose_name_plural},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        year = _year(self.request)
        members = selectors.party_member_yearly_hours(viewer=self.request.user, year=year)
        return super().get_context_data(
            year=year,
            form=forms.YearForm(initial={"year": year}),
            rows=[
                {
                    "branch": v.workplace_party_branch,
                    "workplace": v.workplace,
                    "name": _name(v),
                    "phone": _phone(v),
                    "place": _place(v),
                    "hours": _hours(v.year_minutes),
                }
                for v in members
            ],
            export_url=reverse(f"{PARTY_REPORT_NS}:yearly_export") + f"?year={year}",
            **kwargs,
        )


class YearlyHoursExport(ExportView):
    model = PartyReport

    def build(self):
        year = _year(self.request)
        content = exports.party_member_yearly_xlsx(actor=self.request.user, year=year)
        return content, f"{year}年在职党员服务时长.xlsx"


class PartyReportViewSet(InspectableViewSet):
    model = PartyReport
    name = PARTY_REPORT_NS
    url_prefix = "volunteers/party-reports"
    icon = "flag"
    menu_label = _("在职党员报到")
    index_view_class = PartyReportIndexView
    inspect_view_class = PartyReportInspectView
    filterset_class = PartyReportFilterSet
    url_names = ("index", "index_results", "inspect")
    list_display = [
        TitleColumn(
            "volunteer",
            label=_("党员"),
            accessor=lambda r: _name(r.volunteer),
            get_url=lambda r: reverse(f"{PARTY_REPORT_NS}:inspect", args=[r.pk]),
        ),
        Column("phone", label=_("手机号"), accessor=lambda r: _phone(r.volunteer)),
        Column("community", label=_("报到社区"), accessor=lambda r: r.community.name),
        Column("workplace", label=_("工作单位")),
        Column("workplace_party_branch", label=_("单位党支部")),
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        DateColumn("reported_at", label=_("报到时间")),
    ]
    inspect_view_fields = [
        "volunteer",
        "community",
        "workplace",
        "workplace_party_branch",
        "note",
        "status",
        "reported_at",
        "decided_at",
        "decline_reason",
    ]

    def get_urlpatterns(self):
        index = self.get_url_name("index")
        moves = self.move_urlpatterns(
            PARTY_REPORT_MOVES,
            finder=party_report_for_staff,
            lifecycle=transitions.PARTY_REPORT,
            object_kwarg="report",
        )
        yearly = path("yearly/", self.construct_view(YearlyHoursView, index_url_name=index), name="yearly")
        yearly_export = path(
            "yearly/export/",
            self.construct_view(YearlyHoursExport, fallback_url_name=self.get_url_name("yearly")),
            name="yearly_export",
        )
        return [*super().get_urlpatterns(), *moves, yearly, yearly_export]
