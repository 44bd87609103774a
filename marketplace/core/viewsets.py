"""The staff back office's building blocks, and the audit trail in the Wagtail admin.

Every admin screen for a domain model is thin: lists come from selectors narrowed to the
viewer's scopes, and create/edit hand the parsed form to a service, which checks the right
and writes the audit entry. A ``DomainError`` from the service becomes a form error, so a
refused or invalid request re-renders the form in Chinese and changes nothing.
"""

import json

import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from .exceptions import DomainError
from .models import AuditEntry


# --- Forms ------------------------------------------------------------------------------------
class ServiceForm(forms.Form):
    """A plain form for an admin view whose save step is a service call.

    Wagtail's generic views pass ``instance`` (and we pass ``for_user``); the form only parses
    input. It never writes: the view hands ``cleaned_data`` to the service."""

    def __init__(self, *args, instance=None, for_user=None, **kwargs):
        self.instance = instance
        self.for_user = for_user
        if instance is not None and instance.pk is not None:
            initial = {name: getattr(instance, name, None) for name in self.base_fields}
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def object_type_label(object_type: str) -> str:
    """The model's Chinese name for an audit entry's ``app_label.model_name``."""
    return _object_type_labels().get(object_type, object_type)


def _object_type_labels() -> dict[str, str]:
    # Built once: the set of installed models does not change while the process runs.
    global _OBJECT_TYPE_LABELS
    if _OBJECT_TYPE_LABELS is None:
        _OBJECT_TYPE_LABELS = {m._meta.label_lower: str(m._meta.verbose_name) for m in apps.get_models()}
    return _OBJECT_TYPE_LABELS


_OBJECT_TYPE_LABELS: dict[str, str] | None = None


def changes_summary(entry: AuditEntry, limit: int = 160) -> str:
    if not entry.changes:
        return ""
    text = json.dumps(entry.changes, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Views ------------------------------------------------------------------------------------
class ScopedIndexView(generic.IndexView):
    """A list of only the rows the viewer's roles cover (the viewset passes the selector's
    queryset as ``queryset``)."""

    list_actions = ("view", "change", "delete")

    def get_base_queryset(self):
        return self.permission_policy.filter_queryset(
            self.request.user, super().get_base_queryset(), self.list_actions
        )


class ServiceCreateView(generic.CreateView):
    """Create through a service: subclasses implement ``call_service(data)``."""

    def call_service(self, data: dict):
        # An interface method: each create view names the one service that creates.
        raise NotImplementedError(f"{type(self).__name__} must define call_service()")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["for_user"] = self.request.user
        return kwargs

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        # Wagtail's "New: …" has no Chinese translation.
        items[-1] = {**items[-1], "label": _("新建:%(name)s") % {"name": self.get_page_subtitle()}}
        return items

    def save_instance(self):
        return self.call_service(self.form.cleaned_data)

    def form_valid(self, form):
        self.form = form
        try:
            with transaction.atomic():
                self.object = self.save_instance()
        except DomainError as exc:
            add_domain_error(form, exc)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        response = self.save_action()
        return self.run_after_hook() or response


class ServiceEditView(generic.EditView):
    """Edit through a service: subclasses implement ``call_service(instance, data)``.
    Objects outside the viewer's scopes are not found (404), so their data never shows."""

    def get_queryset(self):
        return self.permission_policy.filter_queryset(
            self.request.user, self.model._default_manager.all(), ["change"]
        )

    def call_service(self, instance, data: dict):
        # An interface method: each edit view names the one service that changes.
        raise NotImplementedError(f"{type(self).__name__} must define call_service()")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["for_user"] = self.request.user
        return kwargs

    def save_instance(self):
        return self.call_service(self.object, self.form.cleaned_data)

    def form_valid(self, form):
        self.form = form
        try:
            with transaction.atomic():
                self.object = self.save_instance()
        except DomainError as exc:
            add_domain_error(form, exc)
            self.produced_error_message = self.get_error_message()
            # The service may have assigned values before refusing; show the stored ones.
            self.object.refresh_from_db()
            return self.form_invalid(form)
        response = self.save_action()
        return self.run_after_hook() or response


class AuditHistoryView(HistoryView):
    """An object's history from the audit trail, for whoever may change the object."""

    filterset_class = None

    def get_base_object_queryset(self):
        return self.permission_policy.filter_queryset(
            self.request.user, self.model._default_manager.all(), ["change"]
        )

    @cached_property
    def columns(self):
        return [
            DateColumn("created_at", label=_("时间"), width="18%"),
            Column("actor_label", label=_("操作人"), width="15%"),
            Column("action", label=_("操作"), width="22%"),
            Column("changes", label=_("变更摘要"), accessor=changes_summary),
            Column("reason", label=_("原因")),
        ]

    @cached_property
    def verbose_name_plural(self):
        return AuditEntry._meta.verbose_name_plural

    def get_base_queryset(self):
        return AuditEntry.objects.filter(
            object_type=self.object._meta.label_lower, object_id=str(self.object.pk)
        ).order_by("-created_at", "-id")


class ServiceModelViewSet(ModelViewSet):
    """A ModelViewSet whose writes go through services and whose rights come from
    ``ScopedPermissionPolicy``: no delete, copy, reorder or reference-usage screens, and
    no Django model permissions offered in the group editor (they would grant nothing)."""

    index_view_class = ScopedIndexView
    history_view_class = AuditHistoryView
    copy_view_enabled = False
    # No usage screen is offered, so indexing references on every save would be wasted work.
    add_to_reference_index = False
    sort_order_field = None
    list_per_page = 50
    create_form_class: type[forms.Form] | None = None
    edit_form_class: type[forms.Form] | None = None
    url_names = ("index", "index_results", "add", "edit", "history", "history_results")

    def list_queryset(self):
        """The selector's queryset behind the list; the index view narrows it to the viewer's
        scopes. None: all rows of the model."""
        return None

    def get_index_view_kwargs(self, **kwargs):
        queryset = self.list_queryset()
        if queryset is not None:
            kwargs.setdefault("queryset", queryset)
        return super().get_index_view_kwargs(**kwargs)

    def get_form_class(self, for_update=False):
        return self.edit_form_class if for_update else self.create_form_class

    def get_permissions_to_register(self):
        return Permission.objects.none()

    def get_common_view_kwargs(self, **kwargs):
        # Views must not link to routes this viewset does not offer.
        routed = {
            "add": "add_url_name",
            "edit": "edit_url_name",
            "delete": "delete_url_name",
            "history": "history_url_name",
            "usage": "usage_url_name",
        }
        missing = {attr: None for name, attr in routed.items() if name not in self.url_names}
        return super().get_common_view_kwargs(**{**missing, **kwargs})

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name in self.url_names]


# --- The audit trail --------------------------------------------------------------------------
def _distinct(field: str) -> list[str]:
    return list(AuditEntry.objects.order_by(field).values_list(field, flat=True).distinct())


class AuditEntryFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(label=_("操作"))
    object_type = django_filters.ChoiceFilter(label=_("对象类型"))
    object_id = django_filters.CharFilter(label=_("对象编号"))
    actor_label = django_filters.CharFilter(label=_("操作人"), lookup_expr="icontains")
    created_at = django_filters.DateFromToRangeFilter(label=_("日期"), widget=DateRangePickerWidget)

    class Meta:
        model = AuditEntry
        fields = ["action", "object_type", "object_id", "actor_label", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["action"].extra["choices"] = [(a, a) for a in _distinct("action")]
        self.filters["object_type"].extra["choices"] = [
            (t, f"{object_type_label(t)}({t})") for t in _distinct("object_type") if t
        ]


class AuditIndexView(ScopedIndexView):
    list_actions = ("view",)

    def get_base_queryset(self):
        return super().get_base_queryset().order_by("-created_at", "-id")


class AuditInspectView(generic.InspectView):
    def get_created_at_display_value(self):
        # The inspect template localizes the value without converting it to local time.
        return date_format(localtime(self.object.created_at), "DATETIME_FORMAT")

    def get_page_subtitle(self):
        entry = self.object
        return f"{localtime(entry.created_at):%Y-%m-%d %H:%M} {entry.actor_label} {entry.action}"

    def get_ip_address_display_value(self):
        return self.object.ip_address or "-"

    def get_object_type_display_value(self):
        return object_type_label(self.object.object_type)

    def get_changes_display_value(self):
        return json.dumps(self.object.changes, ensure_ascii=False, indent=2, default=str)

    @cached_property
    def header_buttons(self):
        if not self.object.object_type:
            return []
        query = urlencode({"object_type": self.object.object_type, "object_id": self.object.object_id})
        return [
            HeaderButton(
                _("该对象的全部记录"),
                url=reverse(self.index_url_name) + "?" + query,
                icon_name="history",
            )
        ]


class AuditEntryViewSet(ServiceModelViewSet):
    """Read-only: the policy grants only "view" and no route to add, edit or delete exists."""

    model = AuditEntry
    name = "core_audit"
    url_prefix = "audit"
    icon = "history"
    menu_label = _("审计记录")
    menu_order = 9100
    add_to_admin_menu = True
    index_view_class = AuditIndexView
    inspect_view_class = AuditInspectView
    inspect_view_enabled = True
    url_names = ("index", "index_results", "inspect")
    filterset_class = AuditEntryFilterSet
    list_display = [
        "created_at",
        Column("actor_label", label=_("操作人")),
        "action",
        Column("object_type", label=_("对象类型"), accessor=lambda e: object_type_label(e.object_type)),
        "object_repr",
        "object_id",
        Column("changes", label=_("变更摘要"), accessor=changes_summary),
    ]
    inspect_view_fields = [
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "reason",
        "ip_address",
        "request_id",
    ]
