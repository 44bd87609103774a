"""Forms of an organisation's volunteer-activity pages. They only parse what the organiser
types into the shapes ``marketplace.volunteers.services`` takes (ids into places, rows of shifts
into ``ShiftData``); every rule (deadline ahead, shift times and capacity, grid inside the
community, place inside the district, required reasons, the hours ceiling ...) is the services',
whose Chinese errors ``apply_domain_error`` puts back on the form. Fields are therefore optional
here: the service says what is missing, in the same words as everywhere else."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.places import selectors as place_selectors
from marketplace.places.models import Community, Grid
from marketplace.volunteers import selectors
from marketplace.volunteers.services import ActivityData, ShiftData

from .organization_forms import apply_domain_error

__all__ = [
    "ActivityForm",
    "CheckTimeForm",
    "CorrectForm",
    "MessageForm",
    "ReasonForm",
    "ShiftForm",
    "ShiftFormSet",
    "apply_domain_error",
]


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (local time, Asia/Shanghai on the server)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime_field(label, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=False, widget=DateTimeInput(), **kwargs)


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0) if value else None


# --- an activity ----------------------------------------------------------------------------
class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), required=False)
    description = forms.CharField(label=_("活动内容"), required=False, widget=_textarea(5))
    place = forms.CharField(
        label=_("活动地点"), required=False, help_text=_("具体地址或场所,如“甲一社区党群服务中心二楼”。")
    )
    community = forms.TypedChoiceField(
        label=_("所在社区"), required=False, coerce=int, empty_value=None, help_text=_("发布后不能更改。")
    )
    grid = forms.TypedChoiceField(
        label=_("所在网格"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("可不选;选择时须是所选社区的网格。"),
    )
    signup_deadline = _datetime_field(_("报名截止时间"), help_text=_("不能晚于最后一个班次的开始时间。"))
    contact_name = forms.CharField(label=_("联系人"), required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("手机号或带区号的固定电话;已报名的志愿者可见完整号码。"),
    )
    required_skills = forms.MultipleChoiceField(
        label=_("所需技能"), required=False, widget=forms.CheckboxSelectMultiple
    )
    party_only = forms.BooleanField(label=_("仅限党员报名"), required=False)

    def __init__(self, *args, organization, activity=None, **kwargs):
        if activity is not None:
            kwargs.setdefault("initial", self.initial_for(activity))
        super().__init__(*args, **kwargs)
        self.activity = activity
        if activity is not None:
            # The place of an activity is fixed once it is posted.
            del self.fields["community"]
            del self.fields["grid"]
        else:
            communities = place_selectors.community_list().filter(district_id=organization.district_id)
            groups: dict[str, list] = {}
            for community in communities:
                groups.setdefault(community.street.name, []).append((community.pk, community.name))
            self.fields["community"].choices = [("", _("请选择社区")), *groups.items()]
            grids: dict[str, list] = {}
            for grid in place_selectors.grid_list().filter(district_id=organization.district_id):
                grids.setdefault(grid.community.name, []).append((grid.pk, grid.name))
            self.fields["grid"].choices = [("", _("不限网格")), *grids.items()]
        self.fields["required_skills"].choices = [(s.slug, s.label) for s in selectors.skill_list()]

    @staticmethod
    def initial_for(activity) -> dict:
        return {
            "title": activity.title,
            "description": activity.description,
            "place": activity.place,
            "signup_deadline": _local(activity.signup_deadline),
            "contact_name": activity.contact_name,
            "contact_phone": activity.contact_phone,
            "required_skills": [s.slug for s in activity.required_skills.all()],
            "party_only": activity.party_only,
        }

    def to_data(self) -> ActivityData:
        data = self.cleaned_data
        place = {}
        if "community" in self.fields:
            community_id, grid_id = data.get("community"), data.get("grid")
            place = {
                "community": Community.objects.filter(pk=community_id).first() if community_id else None,
                "grid": Grid.objects.filter(pk=grid_id).first() if grid_id else None,
            }
        return ActivityData(
            title=data.get("title") or "",
            description=data.get("description") or "",
            place=data.get("place") or "",
            contact_name=data.get("contact_name") or "",
            contact_phone=data.get("contact_phone") or "",
            signup_deadline=data.get("signup_deadline"),
            skill_slugs=list(data.get("required_skills") or []),
            party_only=bool(data.get("party_only")),
            **place,
        )

    # The service names "required_skills" and these; all are the form's own names too.
    field_map = {"street": "community"}


# --- shifts ---------------------------------------------------------------------------------
class ShiftRowForm(forms.Form):
    # Every field optional: an untouched row is skipped, a half-filled one the service refuses.
    starts_at = _datetime_field(_("开始时间"))
    ends_at = _datetime_field(_("结束时间"))
    capacity = forms.IntegerField(
        label=_("名额"), required=False, widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"})
    )

    def to_data(self) -> ShiftData:
        return ShiftData(
            starts_at=self.cleaned_data.get("starts_at"),
            ends_at=self.cleaned_data.get("ends_at"),
            capacity=self.cleaned_data.get("capacity"),
        )


class _ShiftFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not any(f.has_changed() for f in self.forms):
            raise forms.ValidationError(_("请至少填写一个班次。"), code="no_shift")

    def shifts(self) -> list[ShiftData]:
        return [f.to_data() for f in self.forms if f.has_changed()]


ShiftFormSet = forms.formset_factory(
    ShiftRowForm, formset=_ShiftFormSet, extra=3, max_num=20, validate_max=True
)


class ShiftForm(ShiftRowForm):
    """A shift added to an activity: all three fields are needed (the service says so)."""


# --- messages, reasons, check-in, corrections -----------------------------------------------
class MessageForm(forms.Form):
    shift = forms.TypedChoiceField(label=_("发送对象"), required=False, coerce=int, empty_value=None)
    title = forms.CharField(label=_("消息标题"), required=False)
    body = forms.CharField(label=_("消息内容"), required=False, widget=_textarea(4))

    def __init__(self, *args, shifts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.shifts = {s.pk: s for s in shifts}
        self.fields["shift"].choices = [("", _("全部已报名的志愿者"))] + [
            (pk, _("班次 %(s)s") % {"s": s}) for pk, s in self.shifts.items()
        ]

    def selected_shift(self):
        return self.shifts.get(self.cleaned_data.get("shift"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, widget=_textarea(3))


class CheckTimeForm(forms.Form):
    at = _datetime_field(_("时间"), help_text=_("留空即为现在;补登时填写实际时间。"))


class CorrectForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("更正后的服务时长(分钟)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )
    reason = forms.CharField(label=_("更正原因"), required=False, widget=_textarea(3))
