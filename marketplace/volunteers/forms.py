"""Back-office forms for volunteering. They only parse input (a place choice into objects, rows
of shifts into ``ShiftData``); every rule — deadlines, capacities, who may post where, the hours
ceiling, required reasons — is the services', whose Chinese messages the views show on the form.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from marketplace.core.admin_views import ConfirmForm, ReasonForm  # noqa: F401 - the moves' forms
from marketplace.core.permissions import scope_queryset
from marketplace.core.viewsets import ServiceForm
from marketplace.places.models import Community, Grid, Street

from .models import Skill
from .services import ActivityData, ShiftData


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- activities -----------------------------------------------------------------------------
def place_choices(user) -> list:
    """The places the user may post an activity over: their streets (street-wide), communities
    and grids, grouped by kind."""
    action = "volunteers.activity.create"
    streets = scope_queryset(user, Street.objects.order_by("sort_order", "code"), action)
    communities = scope_queryset(
        user, Community.objects.select_related("street").order_by("street_id", "sort_order", "code"), action
    )
    grids = scope_queryset(
        user, Grid.objects.select_related("community").order_by("community_id", "sort_order", "code"), action
    )
    groups = []
    if streets:
        groups.append((_("全街道"), [(f"street:{s.pk}", s.name) for s in streets]))
    if communities:
        groups.append(
            (_("社区"), [(f"community:{c.pk}", f"{c.street.name} / {c.name}") for c in communities])
        )
    if grids:
        groups.append((_("网格"), [(f"grid:{g.pk}", f"{g.community.name} / {g.name}") for g in grids]))
    return groups


_PLACE_MODELS = {"street": Street, "community": Community, "grid": Grid}


class ActivityForm(ServiceForm):
    place_scope = forms.ChoiceField(
        label=_("活动范围"), help_text=_("活动所在的街道、社区或网格,发布后不能更改。")
    )
    title = forms.CharField(label=_("活动名称"), max_length=150)
    description = forms.CharField(label=_("活动内容"), widget=_textarea(5))
    place = forms.CharField(label=_("活动地点"), max_length=200)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)
    signup_deadline = forms.DateTimeField(label=_("报名截止"), widget=AdminDateTimeInput)
    required_skills = forms.ModelMultipleChoiceField(
        label=_("所需技能"),
        queryset=Skill.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    party_only = forms.BooleanField(label=_("仅限党员报名"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place_scope"].choices = place_choices(self.for_user) if self.for_user else []

    def to_data(self) -> ActivityData:
        data = self.cleaned_data
        kind, _sep, pk = data["place_scope"].partition(":")
        place = _PLACE_MODELS[kind].objects.get(pk=pk)
        return ActivityData(
            title=data["title"],
            description=data["description"],
            place=data["place"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            signup_deadline=data["signup_deadline"],
            skill_slugs=[s.slug for s in data["required_skills"]],
            party_only=data["party_only"],
            **{kind: place},
        )

    # The service names its fields; these are the form's.
    field_map = {"street": "place_scope", "community": "place_scope", "grid": "place_scope"}


class ShiftRowForm(forms.Form):
    # Every field optional: an untouched row is skipped, a half-filled one the service refuses.
    starts_at = forms.DateTimeField(label=_("开始时间"), required=False, widget=AdminDateTimeInput)
    ends_at = forms.DateTimeField(label=_("结束时间"), required=False, widget=AdminDateTimeInput)
    capacity = forms.IntegerField(label=_("名额"), required=False)


class _ShiftFormSet(forms.BaseFormSet):
    def shifts(self) -> list[ShiftData]:
        return [
            ShiftData(
                starts_at=f.cleaned_data.get("starts_at"),
                ends_at=f.cleaned_data.get("ends_at"),
                capacity=f.cleaned_data.get("capacity"),
            )
            for f in self.forms
            if f.has_changed()
        ]


ShiftFormSet = forms.formset_factory(
    ShiftRowForm, formset=_ShiftFormSet, extra=3, max_num=20, validate_max=True
)


class ShiftForm(ServiceForm):
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=AdminDateTimeInput)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=AdminDateTimeInput)
    capacity = forms.IntegerField(label=_("名额"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The form is about a new shift, not about the activity it is added to.
        self.initial = {}

    def to_data(self) -> ShiftData:
        return ShiftData(**self.cleaned_data)


class MessageForm(ServiceForm):
    shift = forms.ChoiceField(label=_("发送对象"), required=False)
    # Not required here: the service says what is missing, in the same words everywhere.
    title = forms.CharField(label=_("消息标题"), max_length=100, required=False)
    body = forms.CharField(label=_("消息内容"), widget=_textarea(5), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {}
        shifts = (
            self.instance.shifts.filter(status="scheduled").order_by("starts_at", "id")
            if self.instance
            else []
        )
        self.fields["shift"].choices = [("", _("全部已报名的志愿者"))] + [
            (str(s.pk), _("班次 %(s)s") % {"s": s}) for s in shifts
        ]

    def selected_shift(self):
        pk = self.cleaned_data.get("shift")
        return self.instance.shifts.filter(pk=pk).first() if pk else None


class CheckTimeForm(ServiceForm):
    at = forms.DateTimeField(
        label=_("时间"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=_("留空即为现在;补登时填写实际时间。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {}


class CorrectForm(ServiceForm):
    minutes = forms.IntegerField(label=_("更正后的服务时长(分钟)"))
    reason = forms.CharField(label=_("更正原因"), max_length=1000, required=False, widget=_textarea(3))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = {"minutes": getattr(self.instance, "minutes", None)}


# --- the registry and the spreadsheets ------------------------------------------------------
class RosterImportForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("导入到社区"), queryset=Community.objects.none(), empty_label=None
    )
    file = forms.FileField(label=_("花名册文件(.xlsx)"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = scope_queryset(
            user, Community.objects.order_by("sort_order", "code"), "volunteers.roster.import"
        )


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=AdminDateInput)
    end = forms.DateField(label=_("结束日期"), required=False, widget=AdminDateInput)

    @staticmethod
    def this_year() -> dict:
        today = timezone.localdate()
        return {"start": datetime.date(today.year, 1, 1), "end": today}


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
