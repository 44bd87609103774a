"""Admin forms for places and party organisations. They parse input and offer only the parents
the viewer may create under; every rule is checked again by the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.permissions import scope_queryset
from marketplace.core.viewsets import ServiceForm

from .choices import PartyOrgKind
from .models import Community, District, Grid, Street


class _PlaceFields(ServiceForm):
    code = forms.CharField(label=_("编码"), max_length=32, help_text=_("字母、数字、下划线或连字符,2–32位。"))
    name = forms.CharField(label=_("名称"), max_length=100)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)


class _ParentChoice(forms.ModelChoiceField):
    """Shows a place with the levels above it, so two 第1网格 in different communities differ."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("请选择"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        if isinstance(obj, Community):
            parts = [obj.street, obj]
        elif isinstance(obj, Grid):
            parts = [obj.street, obj.community, obj]
        else:
            parts = [obj]
        return " / ".join(p.name for p in parts)


class StreetCreateForm(_PlaceFields):
    district = _ParentChoice(label=_("所属区"), queryset=District.objects.none(), empty_label=None)
    field_order = ["district", "code", "name", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = scope_queryset(
            self.for_user, District.objects.order_by("sort_order", "code"), "places.street.create"
        )


class CommunityCreateForm(_PlaceFields):
    street = _ParentChoice(label=_("所属街道"), queryset=Street.objects.none())
    field_order = ["street", "code", "name", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = scope_queryset(
            self.for_user, Street.objects.order_by("sort_order", "code"), "places.community.create"
        )


class GridCreateForm(_PlaceFields):
    community = _ParentChoice(label=_("所属社区"), queryset=Community.objects.none())
    field_order = ["community", "code", "name", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = scope_queryset(
            self.for_user,
            Community.objects.select_related("street").order_by("street__sort_order", "sort_order", "code"),
            "places.grid.create",
        )


class PlaceEditForm(_PlaceFields):
    """Streets, communities and grids keep their parent: only code, name and order change."""


class PartyOrgCreateForm(ServiceForm):
    kind = forms.ChoiceField(label=_("类型"), choices=PartyOrgKind.choices)
    name = forms.CharField(label=_("名称"), max_length=150)
    code = forms.CharField(label=_("编码"), max_length=32)
    street = _ParentChoice(
        label=_("街道"), queryset=Street.objects.none(), required=False, help_text=_("街道党工委填写。")
    )
    community = _ParentChoice(
        label=_("社区"), queryset=Community.objects.none(), required=False, help_text=_("社区党委填写。")
    )
    grid = _ParentChoice(
        label=_("网格"), queryset=Grid.objects.none(), required=False, help_text=_("网格党支部填写。")
    )
    district = _ParentChoice(
        label=_("所属区"),
        queryset=District.objects.none(),
        required=False,
        help_text=_("在职单位党支部填写。"),
    )
    workplace = forms.CharField(label=_("所在单位"), max_length=150, required=False)
    secretary_name = forms.CharField(label=_("书记"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "places.partyorg.create"
        self.fields["district"].queryset = scope_queryset(self.for_user, District.objects.all(), action)
        self.fields["street"].queryset = scope_queryset(
            self.for_user, Street.objects.order_by("sort_order", "code"), action
        )
        self.fields["community"].queryset = scope_queryset(
            self.for_user,
            Community.objects.select_related("street").order_by("street__sort_order", "sort_order", "code"),
            action,
        )
        self.fields["grid"].queryset = scope_queryset(
            self.for_user,
            Grid.objects.select_related("street", "community").order_by(
                "community__sort_order", "sort_order", "code"
            ),
            action,
        )


class PartyOrgEditForm(ServiceForm):
    name = forms.CharField(label=_("名称"), max_length=150)
    code = forms.CharField(label=_("编码"), max_length=32)
    workplace = forms.CharField(label=_("所在单位"), max_length=150, required=False)
    secretary_name = forms.CharField(label=_("书记"), max_length=50, required=False)
