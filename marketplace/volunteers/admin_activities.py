"""Volunteer activities in the back office (志愿活动): the organisers' list, posting an activity
with its shifts, publishing and cancelling, shifts added and cancelled, messages to everyone
signed up; each shift's roster (names and masked phones), its QR code for the site, check-in and
check-out by the organiser, and the hours: confirm one or all, reject, correct with a reason
(the correction chain stays on the page).

Lists and objects come from the selectors, scoped to the viewer; an object outside the viewer's
scopes is not found (404). Every write is one service call and a ``DomainError`` becomes a
Chinese form error, so a refused or invalid request changes nothing. The district oversees
every activity: it reads them and may cancel, as the tables allow.
"""

import re

import django_filters
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
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
    InspectableViewSet,
    ObjectFormView,
    ScopedInspectView,
    history_rows,
    local_display,
    move_buttons,
)
from marketplace.core.exceptions import DomainError
from marketplace.core.permissions import can
from marketplace.core.viewsets import add_domain_error

from . import checkin, forms, selectors, services, transitions
from .admin_common import (
    ACTIVITY_NS,
    MANAGE,
    activity_for_staff,
    record_for_staff,
    shift_for_staff,
    signup_for_staff,
)
from .choices import ActivityStatus, RecordStatus, ShiftStatus, SignupStatus
from .models import Activity, ServiceRecord

CHECKIN_PATH = "/volunteers/checkin/"

ACTIVITY_MOVES = {
    "publish": (services.activity_publish, forms.ConfirmForm),
    "cancel": (services.activity_cancel, forms.ReasonForm),
    "finish": (services.activity_finish, forms.ConfirmForm),
}
SHIFT_MOVES = {"cancel": (services.shift_cancel, forms.ReasonForm)}
RECORD_MOVES = {
    "confirm": (services.record_confirm, forms.ConfirmForm),
    "reject": (services.record_reject, forms.ReasonForm),
}
OPEN_STATUSES = (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)


def _place_label(activity) -> str:
    parts = [activity.street.name]
    if activity.community_id:
        parts.append(activity.community.name)
    if activity.grid_id:
        parts.append(activity.grid.name)
    return " / ".join(parts)


def _places_label(activity) -> str:
    return f"{activity.places_taken} / {activity.total_capacity}"


# --- the list -------------------------------------------------------------------------------
class ActivityFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ActivityStatus.choices)
    party_only = django_filters.BooleanFilter(label=_("仅限党员"))

    class Meta:
        model = Activity
        fields = ["status", "party_only"]


class ActivityIndexView(generic.IndexView):
    def get_base_queryset(self):
        return selectors.activity_list_for_organiser(viewer=self.request.user)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can(self.request.user, "volunteers.activity.create"):
            buttons.append(HeaderButton(_("发布活动"), url=reverse(f"{ACTIVITY_NS}:add"), icon_name="plus"))
        return buttons


# --- posting an activity --------------------------------------------------------------------
class ActivityCreateView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """The activity and its first shifts (a formset) in one ``services.activity_create``; it is
    saved as a draft, published from its page."""

    model = Activity
    permission_required = "add"
    template_name = "volunteers/admin/activity_form.html"
    form_class = forms.ActivityForm
    page_title = _("发布志愿活动")
    header_icon = "calendar"
    index_url_name = None

    @cached_property
    def formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return forms.ShiftFormSet(data, prefix="shifts")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": Activity._meta.verbose_name_plural},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            formset=self.formset,
            submit_label=_("保存为草稿"),
            cancel_url=reverse(self.index_url_name),
            intro=_("活动先保存为草稿,在活动页面发布。至少需要一个尚未开始的班次;不需要的班次行留空即可。"),
            **kwargs,
        )

    def form_valid(self, form):
        if not self.formset.is_valid():
            return self.form_invalid(form)
        try:
            with transaction.atomic():
                activity = services.activity_create(
                    actor=self.request.user, data=form.to_data(), shifts=self.formset.shifts()
                )
        except DomainError as exc:
            exc.field = form.field_map.get(exc.field, exc.field)
            add_domain_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("活动已保存为草稿:%(t)s") % {"t": activity.title})
        return redirect(reverse(f"{ACTIVITY_NS}:inspect", args=[activity.pk]))


# --- an activity's page ---------------------------------------------------------------------
class ActivityInspectView(ScopedInspectView):
    template_name = "volunteers/admin/activity_inspect.html"
    finder = staticmethod(activity_for_staff)

    def get_street_display_value(self):
        return _place_label(self.object)

    def get_required_skills_display_value(self):
        return "、".join(s.name for s in self.object.required_skills.all()) or "—"

    def get_party_only_display_value(self):
        return _("是") if self.object.party_only else _("否")

    def get_organization_display_value(self):
        return self.object.organization.name if self.object.organization_id else "—"

    @cached_property
    def may_manage(self) -> bool:
        return self.object.status in OPEN_STATUSES and can(self.request.user, MANAGE, self.object)

    @cached_property
    def header_buttons(self):
        activity, buttons = self.object, []
        if self.may_manage:
            buttons.append(
                HeaderButton(
                    _("添加班次"),
                    url=reverse(f"{ACTIVITY_NS}:shift_add", args=[activity.pk]),
                    icon_name="plus",
                )
            )
            buttons.append(
                HeaderButton(
                    _("群发消息"), url=reverse(f"{ACTIVITY_NS}:message", args=[activity.pk]), icon_name="mail"
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        activity, user = self.object, self.request.user
        shifts = []
        for shift in selectors.shift_list(activity, include_cancelled=True).select_related("activity"):
            cancel = (
                reverse(f"{ACTIVITY_NS}:shift_cancel", args=[shift.pk])
                if transitions.SHIFT.available(shift, user)
                else None
            )
            shifts.append(
                {
                    "shift": shift,
                    "url": reverse(f"{ACTIVITY_NS}:shift", args=[shift.pk]),
                    "cancel_url": cancel,
                }
            )
        moves = transitions.ACTIVITY.available(activity, user)
        return super().get_context_data(
            shifts=shifts,
            moves=move_buttons(moves, ACTIVITY_MOVES, namespace=ACTIVITY_NS, obj=activity),
            history=history_rows(transitions.ACTIVITY, activity),
            **kwargs,
        )


class ShiftAddView(ObjectFormView):
    form_class = forms.ShiftForm
    page_title = _("添加班次")
    submit_label = _("添加")
    success_message = _("班次已添加。")

    def call_service(self, form):
        services.shift_add(actor=self.request.user, activity=self.object, data=form.to_data())


class MessageView(ObjectFormView):
    form_class = forms.MessageForm
    page_title = _("群发消息")
    intro = _("消息发送给本活动(或所选班次)已报名、候补和已签到的志愿者,在其站内消息中查看。")
    submit_label = _("发送")

    def call_service(self, form):
        self.sent = services.activity_message(
            actor=self.request.user,
            activity=self.object,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            shift=form.selected_shift(),
        )

    def get_success_message(self):
        return str(_("消息已发送给 %(n)s 人。") % {"n": self.sent})


# --- a shift: roster, QR code, hours --------------------------------------------------------
class ShiftView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """One shift: who signed up (names and masked phones), check-in and check-out, and the
    hours records with their corrections."""

    model = Activity
    any_permission_required = ANY_PERMISSION
    template_name = "volunteers/admin/shift.html"
    page_title = _("班次")
    header_icon = "time"
    index_url_name = None

    @cached_property
    def shift(self):
        found = shift_for_staff(self.request.user, self.kwargs["pk"])
        if found is None:
            raise Http404
        return found

    def get(self, request, *args, **kwargs):
        self.shift  # noqa: B018 - a shift out of reach is a 404 before anything renders
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.shift)

    def get_breadcrumbs_items(self):
        activity = self.shift.activity
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": Activity._meta.verbose_name_plural},
            {"url": reverse(f"{ACTIVITY_NS}:inspect", args=[activity.pk]), "label": activity.title},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def _roster(self, manage: bool) -> list[dict]:
        rows = []
        for row in selectors.shift_roster(viewer=self.request.user, shift=self.shift):
            signup = row.signup
            rows.append(
                {
                    "name": row.contact.name,
                    "phone": row.contact.masked_phone,
                    "status": signup.get_status_display(),
                    "waiting": row.waiting_position,
                    "checked_in_at": local_display(signup.checked_in_at) if signup.checked_in_at else "",
                    "checked_out_at": local_display(signup.checked_out_at) if signup.checked_out_at else "",
                    "check_in_url": reverse(f"{ACTIVITY_NS}:check_in", args=[signup.pk])
                    if manage and signup.status == SignupStatus.CONFIRMED
                    else None,
                    "check_out_url": reverse(f"{ACTIVITY_NS}:check_out", args=[signup.pk])
                    if manage and signup.status == SignupStatus.CHECKED_IN
                    else None,
                }
            )
        return rows

    def _records(self) -> list[dict]:
        user = self.request.user
        records = (
            ServiceRecord.objects.filter(shift=self.shift)
            .select_related("volunteer__identity", "volunteer__user", "activity", "corrects")
            .order_by("signup_id", "id")
        )
        rows = []
        for record in records:
            moves = transitions.RECORD.available(record, user)
            codes = {m.code for m in moves}
            rows.append(
                {
                    "record": record,
                    "name": record.volunteer.identity.real_name,
                    "hours": f"{record.minutes // 60}:{record.minutes % 60:02d}",
                    "corrects": record.corrects,
                    "confirmed_at": local_display(record.confirmed_at) if record.confirmed_at else "",
                    "moves": move_buttons(
                        moves, RECORD_MOVES, namespace=ACTIVITY_NS, obj=record, url_prefix="record_"
                    ),
                    "correct_url": reverse(f"{ACTIVITY_NS}:correct", args=[record.pk])
                    if "supersede" in codes
                    else None,
                }
            )
        return rows

    def get_context_data(self, **kwargs):
        shift, user = self.shift, self.request.user
        activity = shift.activity
        manage = can(user, MANAGE, activity) and shift.status == ShiftStatus.SCHEDULED
        records = self._records()
        pending = any(r["record"].status == RecordStatus.PENDING for r in records)
        return super().get_context_data(
            shift=shift,
            activity=activity,
            activity_url=reverse(f"{ACTIVITY_NS}:inspect", args=[activity.pk]),
            roster=self._roster(manage),
            records=records,
            qr_url=reverse(f"{ACTIVITY_NS}:shift_qr", args=[shift.pk]) if manage else None,
            confirm_all_url=reverse(f"{ACTIVITY_NS}:confirm_all", args=[shift.pk])
            if pending and can(user, MANAGE, activity)
            else None,
            margin_minutes=services.max_record_minutes(shift),
            **kwargs,
        )


def _printable(svg: str) -> str:
    """The QR code as inline markup, about 7 cm wide on paper: scannable across a table."""
    svg = svg[svg.find("<svg") :]
    head, sep, rest = svg.partition(">")
    head = re.sub(r'width="[^"]*"', 'width="70mm"', head)
    head = re.sub(r'height="[^"]*"', 'height="70mm"', head)
    return f'{head} role="img" aria-label="{_("签到二维码")}"{sep}{rest}'


class ShiftQRView(ShiftView):
    """The shift's check-in QR code, to print and put up at the site. It works from
    ``VOLUNTEER_CHECKIN_OPENS_BEFORE`` before the start until after the end."""

    template_name = "volunteers/admin/shift_qr.html"
    page_title = _("签到二维码")

    def get_context_data(self, **kwargs):
        shift = self.shift
        try:
            token = selectors.shift_checkin_token(viewer=self.request.user, shift=shift)
        except DomainError:
            raise Http404 from None
        url = self.request.build_absolute_uri(f"{CHECKIN_PATH}?t={token}")
        opens, closes = transitions.check_in_window(shift)
        return WagtailAdminTemplateMixin.get_context_data(
            self,
            shift=shift,
            activity=shift.activity,
            checkin_url=url,
            qr_svg=_printable(checkin.qr_svg(url)),
            opens_at=local_display(opens),
            closes_at=local_display(closes),
            back_url=reverse(f"{ACTIVITY_NS}:shift", args=[shift.pk]),
            **kwargs,
        )


class CheckInView(ObjectFormView):
    form_class = forms.CheckTimeForm
    page_title = _("签到")
    submit_label = _("签到")
    success_message = _("已签到。")
    return_pk_attr = "shift_id"

    @property
    def intro(self):
        return _("为 %(name)s 签到。") % {"name": self.object.volunteer.identity.real_name}

    def call_service(self, form):
        services.signup_check_in(actor=self.request.user, signup=self.object, at=form.cleaned_data["at"])


class CheckOutView(CheckInView):
    page_title = _("签退")
    submit_label = _("签退")
    success_message = _("已签退,服务时长待确认。")

    @property
    def intro(self):
        return _("为 %(name)s 签退,签退后生成待确认的服务时长。") % {
            "name": self.object.volunteer.identity.real_name
        }

    def call_service(self, form):
        services.signup_check_out(actor=self.request.user, signup=self.object, at=form.cleaned_data["at"])


class ConfirmAllView(ObjectFormView):
    form_class = forms.ConfirmForm
    page_title = _("全部确认时长")
    submit_label = _("全部确认")

    def get_page_subtitle(self):
        return f"{self.object.activity.title} {self.object}"

    def get_return_url(self):
        return reverse(f"{ACTIVITY_NS}:shift", args=[self.object.pk])

    def call_service(self, form):
        self.count = services.record_confirm_all(actor=self.request.user, shift=self.object)

    def get_success_message(self):
        return str(_("已确认 %(n)s 条服务时长。") % {"n": self.count})


class CorrectView(ObjectFormView):
    form_class = forms.CorrectForm
    page_title = _("更正服务时长")
    submit_label = _("保存更正")
    success_message = _("已更正,原记录保留并标为“已更正”。")
    return_pk_attr = "shift_id"

    @property
    def intro(self):
        record = self.object
        return _(
            "%(name)s 原记录 %(m)s 分钟。更正会生成一条新的已确认记录并指向原记录,原记录不会被修改;"
            "更正后的时长不能超过 %(max)s 分钟。"
        ) % {
            "name": record.volunteer.identity.real_name,
            "m": record.minutes,
            "max": services.max_record_minutes(record.shift),
        }

    def call_service(self, form):
        services.record_correct(
            actor=self.request.user,
            record=self.object,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
        )


# --- the viewset ----------------------------------------------------------------------------
class ActivityViewSet(InspectableViewSet):
    model = Activity
    name = ACTIVITY_NS
    url_prefix = "volunteers/activities"
    icon = "calendar"
    menu_label = _("志愿活动")
    index_view_class = ActivityIndexView
    inspect_view_class = ActivityInspectView
    filterset_class = ActivityFilterSet
    search_fields = ["title"]
    search_backend_name = None
    # No Wagtail add/edit: posting has its own view with the shifts (the "add" route below),
    # statuses move through the buttons on the activity's page.
    url_names = ("index", "index_results", "inspect")
    list_display = [
        TitleColumn(
            "title", label=_("活动名称"), get_url=lambda a: reverse(f"{ACTIVITY_NS}:inspect", args=[a.pk])
        ),
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        Column("place", label=_("范围"), accessor=_place_label),
        Column("organizer_kind", label=_("发布方"), accessor="get_organizer_kind_display"),
        DateColumn("first_shift_at", label=_("首个班次")),
        Column("places", label=_("已报名 / 名额"), accessor=_places_label),
    ]
    inspect_view_fields = [
        "title",
        "status",
        "street",
        "organizer_kind",
        "organization",
        "place",
        "description",
        "contact_name",
        "contact_phone",
        "signup_deadline",
        "required_skills",
        "party_only",
        "published_at",
        "cancel_reason",
        "created_at",
    ]

    def get_urlpatterns(self):
        inspect = self.get_url_name("inspect")
        shift_page = self.get_url_name("shift")
        add = path(
            "new/",
            self.construct_view(ActivityCreateView, index_url_name=self.get_url_name("index")),
            name="add",
        )
        on_activity = [
            path(
                f"{route}/<int:pk>/",
                self.construct_view(view_class, finder=activity_for_staff, return_url_name=inspect),
                name=name,
            )
            for route, name, view_class in (
                ("shift-add", "shift_add", ShiftAddView),
                ("message", "message", MessageView),
            )
        ]
        shift_views = [
            path(
                "shift/<int:pk>/",
                self.construct_view(ShiftView, index_url_name=self.get_url_name("index")),
                name="shift",
            ),
            path(
                "shift/<int:pk>/qr/",
                self.construct_view(ShiftQRView, index_url_name=self.get_url_name("index")),
                name="shift_qr",
            ),
            path(
                "confirm-all/<int:pk>/",
                self.construct_view(ConfirmAllView, finder=shift_for_staff, return_url_name=shift_page),
                name="confirm_all",
            ),
        ]
        on_signup = [
            path(
                f"{route}/<int:pk>/",
                self.construct_view(view_class, finder=signup_for_staff, return_url_name=shift_page),
                name=name,
            )
            for route, name, view_class in (
                ("check-in", "check_in", CheckInView),
                ("check-out", "check_out", CheckOutView),
            )
        ]
        correct = path(
            "correct/<int:pk>/",
            self.construct_view(CorrectView, finder=record_for_staff, return_url_name=shift_page),
            name="correct",
        )
        moves = self.move_urlpatterns(
            ACTIVITY_MOVES, finder=activity_for_staff, lifecycle=transitions.ACTIVITY, object_kwarg="activity"
        )
        moves += self.move_urlpatterns(
            SHIFT_MOVES,
            finder=shift_for_staff,
            lifecycle=transitions.SHIFT,
            object_kwarg="shift",
            prefix="shift-",
            return_pk_attr="activity_id",
        )
        moves += self.move_urlpatterns(
            RECORD_MOVES,
            finder=record_for_staff,
            lifecycle=transitions.RECORD,
            object_kwarg="record",
            prefix="record-",
            return_url_name=shift_page,
            return_pk_attr="shift_id",
        )
        return [*super().get_urlpatterns(), add, *on_activity, *shift_views, *on_signup, correct, *moves]
