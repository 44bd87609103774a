"""Forms of the volunteer pages. They only parse what people type into the shapes
``marketplace.volunteers.services`` takes (ids into places, ticks into codes); every rule (ID
number and its check digit, consent, grid inside the community, party fields for members only,
capacity, deadlines ...) is the services', whose Chinese errors ``apply_domain_error`` puts back
on the form."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.places import selectors as place_selectors
from marketplace.places.models import Community, Grid, PartyOrganization
from marketplace.volunteers import selectors
from marketplace.volunteers.choices import Availability, PoliticalStatus, ResidentRole
from marketplace.volunteers.services import IdentityData, VolunteerData

from . import choice_cache
from .organization_forms import DateInput, _PlaceChoices, apply_domain_error

__all__ = [
    "ActivityFilterForm",
    "PartyReportForm",
    "RankingForm",
    "VolunteerRegisterForm",
    "apply_domain_error",
]


def _grouped_grids(blank_label, grids=None):
    """Grids grouped under their community, so the choice is clear without any script."""
    groups: dict[str, list] = {}
    if grids is None:
        grids = choice_cache.rows("grids", lambda: list(place_selectors.grid_list()))
    for grid in grids:
        groups.setdefault(grid.community.name, []).append((grid.pk, grid.name))
    return [("", blank_label), *groups.items()]


def _skill_choices():
    # Labels are made now, in the request's language; the rows may come from the cache.
    return [
        (skill.slug, skill.label)
        for skill in choice_cache.rows("skills", lambda: list(selectors.skill_list()))
    ]


# --- registration ---------------------------------------------------------------------------
class VolunteerRegisterForm(forms.Form):
    real_name = forms.CharField(label=_("真实姓名"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("18位居民身份证号码,加密保存,页面上只显示打码后的号码;性别和出生日期从号码中读取。"),
    )
    consent = forms.BooleanField(
        label=_("我已阅读并同意《个人信息处理说明》,同意平台为志愿者实名登记处理我的身份证号码"),
        required=False,
    )
    political_status = forms.ChoiceField(label=_("政治面貌"), required=False)
    party_organization = forms.TypedChoiceField(
        label=_("所在党组织"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("中共党员和预备党员填写。"),
    )
    in_service = forms.BooleanField(
        label=_("我是在职党员(在本区以外单位工作,到居住社区报到)"), required=False
    )
    workplace = forms.CharField(label=_("工作单位"), max_length=150, required=False)
    workplace_party_branch = forms.CharField(
        label=_("单位党支部"), max_length=150, required=False, help_text=_("在职党员填写。")
    )
    community = forms.TypedChoiceField(label=_("居住社区"), coerce=int, required=False, empty_value=None)
    grid = forms.TypedChoiceField(label=_("所在网格"), coerce=int, required=False, empty_value=None)
    skills = forms.MultipleChoiceField(
        label=_("技能特长"), required=False, widget=forms.CheckboxSelectMultiple
    )
    availability = forms.MultipleChoiceField(
        label=_("可服务时间"),
        required=False,
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    availability_note = forms.CharField(label=_("服务时间说明"), max_length=200, required=False)
    resident_roles = forms.MultipleChoiceField(
        label=_("居民身份"),
        required=False,
        choices=ResidentRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    IDENTITY_FIELDS = ("real_name", "id_number", "consent")

    def __init__(self, *args, needs_identity: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_identity = needs_identity
        if not needs_identity:
            for name in self.IDENTITY_FIELDS:
                del self.fields[name]
        places = _PlaceChoices()
        self.fields["community"].choices = places.community_choices(_("请选择社区"))
        self.fields["grid"].choices = _grouped_grids(_("请选择网格"))
        self.fields["political_status"].choices = [("", _("请选择")), *PoliticalStatus.choices]
        self.fields["party_organization"].choices = [
            ("", _("非党员不填")),
            *((org.pk, org.name) for org in place_selectors.party_org_list()),
        ]
        self.fields["skills"].choices = _skill_choices()

    FIELDSETS = (
        (_("实名信息"), IDENTITY_FIELDS),
        (
            _("政治面貌"),
            ("political_status", "party_organization", "in_service", "workplace", "workplace_party_branch"),
        ),
        (_("居住地"), ("community", "grid")),
        (_("服务意向"), ("skills", "availability", "availability_note", "resident_roles")),
    )

    def fieldsets(self) -> list[tuple[str, list]]:
        """The fields in the groups the page shows them in."""
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.FIELDSETS
            if any(name in self.fields for name in names)
        ]

    def to_identity(self) -> IdentityData | None:
        if not self.needs_identity:
            return None
        data = self.cleaned_data
        return IdentityData(
            real_name=data.get("real_name") or "",
            id_number=data.get("id_number") or "",
            consent=bool(data.get("consent")),
        )

    def to_data(self) -> VolunteerData:
        data = self.cleaned_data
        community = Community.objects.filter(pk=data["community"]).first() if data.get("community") else None
        grid = Grid.objects.filter(pk=data["grid"]).first() if data.get("grid") else None
        party_org = (
            PartyOrganization.objects.filter(pk=data["party_organization"]).first()
            if data.get("party_organization")
            else None
        )
        return VolunteerData(
            community=community,
            grid=grid,
            political_status=data.get("political_status") or "",
            party_organization=party_org,
            in_service=bool(data.get("in_service")),
            workplace=data.get("workplace") or "",
            workplace_party_branch=data.get("workplace_party_branch") or "",
            skill_slugs=list(data.get("skills") or []),
            availability=list(data.get("availability") or []),
            availability_note=data.get("availability_note") or "",
            resident_roles=list(data.get("resident_roles") or []),
        )


# --- activity list --------------------------------------------------------------------------
class ActivityFilterForm(forms.Form):
    UPCOMING, ALL = "upcoming", "all"

    when = forms.ChoiceField(
        label=_("范围"),
        required=False,
        choices=[(UPCOMING, _("可报名和即将开展的")), (ALL, _("全部(含已结束)"))],
    )
    street = forms.TypedChoiceField(label=_("街道"), required=False, coerce=int, empty_value=None)
    community = forms.TypedChoiceField(label=_("社区"), required=False, coerce=int, empty_value=None)
    grid = forms.TypedChoiceField(label=_("网格"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())
    skill = forms.ChoiceField(label=_("所需技能"), required=False)
    party_only = forms.BooleanField(label=_("只看党员专项活动"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = _PlaceChoices()
        self.fields["street"].choices = places.street_choices(_("全部街道"))
        self.fields["community"].choices = places.community_choices(_("全部社区"))
        self.fields["grid"].choices = _grouped_grids(_("全部网格"))
        self.fields["skill"].choices = [("", _("全部技能")), *_skill_choices()]

    def _data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self) -> dict:
        """The valid filters only: a stale or hand-made link with a bad value still lists."""
        data = self._data()
        date_from: datetime.date | None = data.get("date_from")
        date_to: datetime.date | None = data.get("date_to")
        return {
            "street_id": data.get("street"),
            "community_id": data.get("community"),
            "grid_id": data.get("grid"),
            "date_from": date_from,
            "date_to": date_to,
            "skill": data.get("skill") or None,
            "party_only": True if data.get("party_only") else None,
            "upcoming_only": (data.get("when") or self.UPCOMING) == self.UPCOMING,
        }

    @property
    def active(self) -> bool:
        data = self._data()
        return any(value for key, value in data.items() if key != "when") or data.get("when") == self.ALL


# --- my volunteering ------------------------------------------------------------------------
class PartyReportForm(forms.Form):
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可填写您能参加服务的时间或特长,选填。"),
    )


# --- rankings -------------------------------------------------------------------------------
class RankingForm(forms.Form):
    community = forms.TypedChoiceField(label=_("社区"), required=False, coerce=int, empty_value=None)
    grid = forms.TypedChoiceField(label=_("网格"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = _PlaceChoices()
        self.fields["community"].choices = places.community_choices(_("请选择社区"))
        self.fields["grid"].choices = _grouped_grids(_("全部网格"))

    def choice(self) -> tuple[int | None, int | None]:
        """(community id, grid id) as asked for; a bad value is no choice."""
        if not self.is_bound:
            return None, None
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("community"), data.get("grid")
