"""Back-office building blocks shared by the apps' Wagtail viewsets: a form view whose submit
is one service call, a view per lifecycle move, an inspect page for an object found in the
viewer's scope, and the lifecycle history and move buttons shown on such pages.

A ``DomainError`` from a service becomes a Chinese form error, so a refused or invalid request
changes nothing; the moves offered on a page are the ones the table allows this viewer now.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from .exceptions import DomainError
from .viewsets import ServiceForm, ServiceModelViewSet, add_domain_error

ANY_PERMISSION = ("add", "change", "delete", "view")


class ConfirmForm(ServiceForm):
    """A move that needs nothing but the click."""


class ReasonForm(ServiceForm):
    # Not required here: whether a move needs a reason is the lifecycle table's call.
    reason = forms.CharField(
        label=_("原因"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


def local_display(value) -> str:
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return "—" if value in (None, "") else str(value)


def history_rows(lifecycle, obj) -> list[dict]:
    """The object's moves (transitions.*.history) in words."""
    labels = {t.code: t.label for t in lifecycle.transitions}
    return [
        {
            "at": local_display(log.created_at),
            "action": labels.get(log.code, log.code),
            "from": lifecycle.state_label(log.from_state),
            "to": lifecycle.state_label(log.to_state),
            "actor": log.actor.display_label if log.actor_id else _("系统"),
            "reason": log.reason,
        }
        for log in lifecycle.history(obj).select_related("actor").order_by("created_at", "id")
    ]


@dataclass(frozen=True)
class MoveButton:
    label: str
    url: str
    # A move that asks for input (a reason, an override) opens its form; the others are posted
    # straight from the page.
    needs_input: bool
    serious: bool


def move_buttons(moves, offered: dict, *, namespace: str, obj, url_prefix: str = "") -> list[MoveButton]:
    buttons = []
    for move in moves:
        if move.code not in offered:
            continue
        _service, form_class = offered[move.code]
        buttons.append(
            MoveButton(
                label=str(move.label),
                url=reverse(f"{namespace}:{url_prefix}{move.code}", args=[obj.pk]),
                needs_input=bool(form_class(instance=obj).fields),
                serious=move.reason_required,
            )
        )
    return buttons


# --- Form views -------------------------------------------------------------------------------
class ObjectFormView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """A form about one object whose submission is one service call.

    ``finder(user, pk)`` is the selector that finds the object among those the user may see;
    ``model`` is the viewset's model, whose permission policy decides who may open the view."""

    model = None
    finder = None
    any_permission_required = ANY_PERMISSION
    template_name = "core/admin/action_form.html"
    form_class = ConfirmForm
    page_title = ""
    intro = ""
    submit_label = _("确定")
    success_message = _("操作已完成。")
    header_icon = ""
    return_url_name = None
    # The attribute holding the pk of the page to return to (a report returns to its incubation).
    return_pk_attr = "pk"

    @cached_property
    def object(self):
        found = self.finder(self.request.user, self.kwargs["pk"])
        if found is None:
            raise Http404
        return found

    def get(self, request, *args, **kwargs):
        self.object  # noqa: B018 - an object out of reach is a 404 before anything renders
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object  # noqa: B018
        return super().post(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object)

    def get_return_url(self) -> str:
        return reverse(self.return_url_name, args=[getattr(self.object, self.return_pk_attr)])

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.get_return_url(), "label": self.get_page_subtitle()},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object, "for_user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            object=self.object,
            intro=self.intro,
            submit_label=self.submit_label,
            cancel_url=self.get_return_url(),
            **kwargs,
        )

    def call_service(self, form):
        # An interface method: each form view names the one service its submit calls.
        raise NotImplementedError(f"{type(self).__name__} must define call_service()")

    def get_success_message(self) -> str:
        return str(self.success_message)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.call_service(form)
        except DomainError as exc:
            add_domain_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_return_url())


class MoveView(ObjectFormView):
    """One lifecycle move; ``service(actor=..., <object_kwarg>=obj, **form data)`` makes it."""

    lifecycle = None
    code = None
    service = None
    object_kwarg = None

    def get_page_title(self):
        return self.lifecycle.get(self.code).label

    @property
    def submit_label(self):
        return self.get_page_title()

    def call_service(self, form):
        self.service(actor=self.request.user, **{self.object_kwarg: self.object}, **form.cleaned_data)

    def get_success_message(self) -> str:
        return str(
            _("已完成「%(action)s」:%(object)s") % {"action": self.get_page_title(), "object": self.object}
        )


class ExportView(PermissionCheckedMixin, View):
    """A file built by ``build()`` (an Excel export); a refusal is a message on the page the user
    came from."""

    model = None
    any_permission_required = ANY_PERMISSION
    fallback_url_name = None
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def build(self) -> tuple[bytes, str]:
        # An interface method: each export view returns (file bytes, file name).
        raise NotImplementedError(f"{type(self).__name__} must define build()")

    def get(self, request, *args, **kwargs):
        try:
            content, filename = self.build()
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(reverse(self.fallback_url_name))
        response = HttpResponse(content, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


class ScopedInspectView(generic.InspectView):
    """An inspect page for an object the viewer may see (through ``finder``), else 404."""

    finder = None
    page_title = _("详情")

    def get_object(self, queryset=None):
        found = self.finder(self.request.user, self.pk)
        if found is None:
            raise Http404
        return found

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        # The inspect template formats a datetime without moving it to local time.
        if value is None or value == "" or isinstance(value, datetime.date):
            return local_display(value)
        return value


class InspectableViewSet(ServiceModelViewSet):
    """A viewset whose object page is its inspect view: Wagtail's admin links to objects
    ("edit URL") lead there, since these models have no edit screen."""

    inspect_view_enabled = True

    @property
    def url_finder_class(self):
        return type(
            "_InspectURLFinder", (ModelAdminURLFinder,), {"edit_url_name": self.get_url_name("inspect")}
        )

    def move_urlpatterns(self, moves: dict, *, finder, lifecycle, object_kwarg, prefix="", **view_kwargs):
        """One URL per lifecycle move in ``moves`` ({code: (service, form class)}), each a
        MoveView that finds the object in scope and calls the service."""
        view_kwargs.setdefault("return_url_name", self.get_url_name("inspect"))
        return [
            path(
                f"{prefix}{code}/<int:pk>/",
                self.construct_view(
                    MoveView,
                    finder=finder,
                    lifecycle=lifecycle,
                    code=code,
                    service=service,
                    form_class=form_class,
                    object_kwarg=object_kwarg,
                    **view_kwargs,
                ),
                name=f"{prefix.replace('-', '_')}{code}",
            )
            for code, (service, form_class) in moves.items()
        ]
