"""Staff roles in the Wagtail admin: each manager sees the staff of the places they look after,
grants roles through ``role_assign`` and revokes them through ``role_revoke``. Assignments
are never edited or deleted; a revoked one stays on record."""

import django_filters
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.permission_policies import BasePermissionPolicy

from marketplace.core.exceptions import DomainError
from marketplace.core.permissions import has_role
from marketplace.core.roles import Role, ScopeKind
from marketplace.core.viewsets import ServiceCreateView, ServiceModelViewSet

from . import selectors, services
from .forms import RoleGrantForm, RoleRevokeForm
from .models import RoleAssignment


class RoleAssignmentPermissionPolicy(BasePermissionPolicy):
    """ "add" and "view": the user may grant some place role somewhere; "delete" (revoke) on
    one assignment: the user may grant that role over that scope. Nothing may change one."""

    ACTIONS = frozenset({"add", "view", "delete"})

    def user_has_permission(self, user, action):
        return action in self.ACTIONS and has_role(user, selectors.staff_manager_roles())

    def user_has_any_permission(self, user, actions):
        return bool(self.ACTIONS & set(actions)) and has_role(user, selectors.staff_manager_roles())

    def user_has_permission_for_instance(self, user, action, instance):
        if action not in self.ACTIONS:
            return False
        row = selectors.role_assignment_admin_list(viewer=user).filter(pk=instance.pk).first()
        return row is not None and (action != "delete" or row.can_revoke)

    def instances_user_has_any_permission_for(self, user, actions):
        queryset = selectors.role_assignment_admin_list(viewer=user)
        if not self.ACTIONS & set(actions):
            return queryset.none()
        if set(actions) <= {"delete"}:
            return queryset.filter(can_revoke=True)
        return queryset

    def users_with_any_permission(self, actions):
        if not self.ACTIONS & set(actions):
            return selectors.users_with_roles([])
        return selectors.users_with_roles(selectors.staff_manager_roles())


class RoleAssignmentFilterSet(WagtailFilterSet):
    role = django_filters.ChoiceFilter(
        label=_("角色"), choices=[(r, Role(r).label) for r in selectors.PLACE_ROLES]
    )
    within = django_filters.ChoiceFilter(label=_("范围(含下级)"), method="filter_within")

    class Meta:
        model = RoleAssignment
        fields = ["role"]

    # Grids are left out of the choices: a grid's staff are listed under its community.
    WITHIN_KINDS = (ScopeKind.DISTRICT, ScopeKind.STREET, ScopeKind.COMMUNITY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = selectors.managed_places(viewer=self.request.user)
        choices = []
        for kind in self.WITHIN_KINDS:
            queryset = places[kind]
            if kind == ScopeKind.COMMUNITY:
                queryset = queryset.select_related("street")
            options = [
                (f"{kind}:{p.pk}", f"{p.street.name} / {p.name}" if kind == ScopeKind.COMMUNITY else p.name)
                for p in queryset.order_by("sort_order", "code")
            ]
            if options:
                choices.append((ScopeKind(kind).label, options))
        self.filters["within"].extra["choices"] = choices

    def filter_within(self, queryset, name, value):
        kind, _sep, pk = value.partition(":")
        return selectors.role_assignments_within(queryset, scope_kind=kind, scope_id=pk)


class RoleAssignmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        return selectors.role_assignment_admin_list(viewer=self.request.user)

    def get_list_more_buttons(self, instance):
        if not instance.can_revoke:
            return []
        url = reverse(self.delete_url_name, args=(instance.pk,))
        return [MenuItem(_("撤销"), url=url, icon_name="bin", priority=30)]


class RoleGrantView(ServiceCreateView):
    page_title = _("授予角色")
    submit_button_label = _("授予")
    submit_button_active_label = _("正在授予…")
    success_message = _("已授予:%(object)s")

    def call_service(self, data):
        return services.role_assign(
            actor=self.request.user, user=data["contact"], role=data["role"], scope=data["scope"]
        )

    def get_success_buttons(self):
        return []


class RoleRevokeView(generic.DeleteView):
    template_name = "accounts/admin/revoke.html"
    form_class = RoleRevokeForm
    page_title = _("撤销角色")
    success_message = _("已撤销:%(object)s")

    def get_queryset(self):
        # Assignments the viewer may not revoke are not found at all.
        return selectors.role_assignment_admin_list(viewer=self.request.user).filter(can_revoke=True)

    @property
    def confirmation_message(self):
        return _("确定撤销这项角色授权吗?撤销后记录仍会保留。")

    def form_valid(self, form):
        try:
            services.role_revoke(
                actor=self.request.user, assignment=self.object, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            messages.error(self.request, str(exc.message))
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class RoleAssignmentViewSet(ServiceModelViewSet):
    model = RoleAssignment
    name = "accounts_roles"
    url_prefix = "staff-roles"
    icon = "key"
    menu_label = _("工作人员角色")
    menu_order = 220
    add_to_admin_menu = True
    index_view_class = RoleAssignmentIndexView
    add_view_class = RoleGrantView
    delete_view_class = RoleRevokeView
    create_form_class = RoleGrantForm
    filterset_class = RoleAssignmentFilterSet
    url_names = ("index", "index_results", "add", "delete")
    list_display = [
        "user",
        Column("phone", label=_("手机号"), accessor="user.masked_phone"),
        "role",
        "scope_kind",
        "scope_label",
        DateColumn("created_at", label=_("授予时间")),
        Column("granted_by", label=_("授予人"), accessor=lambda a: a.granted_by or "-"),
    ]
