"""Admin forms for granting and revoking staff roles. They parse input and offer only the roles
and places the actor may grant; ``role_assign``/``role_revoke`` check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.permissions import scope_object
from marketplace.core.roles import ROLE_SCOPE, Role, ScopeKind
from marketplace.core.viewsets import ServiceForm

from . import selectors


def _place_label(kind: str, place) -> str:
    if kind == ScopeKind.COMMUNITY:
        return f"{place.street.name} / {place.name}"
    if kind == ScopeKind.GRID:
        return f"{place.street.name} / {place.community.name} / {place.name}"
    return place.name


_RELATED = {ScopeKind.COMMUNITY: ("street",), ScopeKind.GRID: ("street", "community")}


class RoleGrantForm(ServiceForm):
    contact = forms.CharField(
        label=_("用户手机号或邮箱"),
        max_length=254,
        help_text=_("该用户须已在平台注册。"),
    )
    role = forms.ChoiceField(label=_("角色"))
    scope = forms.ChoiceField(label=_("范围"), help_text=_("角色须与范围的层级一致,如街道干部对应街道。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        role_choices = []
        scope_groups: dict[str, list] = {}
        for role, places in selectors.grantable_scopes(actor=self.for_user).items():
            kind = ROLE_SCOPE[Role(role)]
            related = _RELATED.get(kind, ())
            if related:
                places = places.select_related(*related)
            rows = list(places.order_by("sort_order", "code"))
            if not rows:
                continue
            role_choices.append((role, Role(role).label))
            scope_groups[kind] = [(f"{kind}:{p.pk}", _place_label(kind, p)) for p in rows]
        self.fields["role"].choices = [("", _("请选择")), *role_choices]
        self.fields["scope"].choices = [
            ("", _("请选择")),
            *[(ScopeKind(kind).label, options) for kind, options in scope_groups.items()],
        ]

    def clean_contact(self):
        user = selectors.user_by_phone_or_email(self.cleaned_data["contact"])
        if user is None:
            raise forms.ValidationError(_("未找到使用该手机号或邮箱的用户,请先请其注册。"))
        return user

    def clean_scope(self):
        kind, _sep, pk = self.cleaned_data["scope"].partition(":")
        scope = scope_object(kind, pk)
        if scope is None:
            raise forms.ValidationError(_("该范围不存在。"))
        return scope


class RoleRevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
