"""Back-office forms for organisations and the incubator. They only parse input: ranges, required
reasons and the other rules are left to the services, whose Chinese messages the views show on
the form, so that the admin, the public site and the API refuse the same things in the same
words."""

import json

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from marketplace.accounts.selectors import user_by_phone_or_email
from marketplace.core.admin_views import ConfirmForm, ReasonForm  # noqa: F401 - the moves' forms
from marketplace.core.permissions import scope_queryset
from marketplace.core.viewsets import ServiceForm
from marketplace.places.models import District

from . import services
from .choices import ScorecardStage
from .models import Scorecard


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- lifecycle moves ------------------------------------------------------------------------
class VerifyForm(ServiceForm):
    override_reason = forms.CharField(
        label=_("信用代码人工核验说明"),
        max_length=1000,
        required=False,
        widget=_textarea(),
        help_text=_("该组织的统一社会信用代码未通过校验位检查。请核对登记证书原件,说明核验情况。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is None or not self.instance.uscc_check_failed:
            del self.fields["override_reason"]


# --- cohorts --------------------------------------------------------------------------------
QUESTIONS_EXAMPLE = '[{"key": "plan", "label": "培育期工作计划", "required": true}]'


class CohortCreateForm(ServiceForm):
    district = forms.ModelChoiceField(label=_("所属区"), queryset=District.objects.none(), empty_label=None)
    name = forms.CharField(label=_("期次名称"), max_length=100)
    description = forms.CharField(label=_("简介"), required=False, widget=_textarea(4))
    applications_open_at = forms.DateTimeField(label=_("申请开始"), widget=AdminDateTimeInput)
    applications_close_at = forms.DateTimeField(label=_("申请截止"), widget=AdminDateTimeInput)
    starts_on = forms.DateField(label=_("培育开始"), widget=AdminDateInput)
    ends_on = forms.DateField(label=_("培育结束"), widget=AdminDateInput)
    # No bounds here: the service says what a sensible capacity is.
    capacity = forms.IntegerField(label=_("入孵名额"))
    questions = forms.CharField(
        label=_("申请表问题"),
        required=False,
        widget=_textarea(6),
        initial=QUESTIONS_EXAMPLE,
        help_text=format_lazy(
            _("JSON 列表,每个问题含标识 key、题目 label 和是否必答 required,例如:{example}"),
            example=QUESTIONS_EXAMPLE,
        ),
    )
    require_registered_or_filed = forms.BooleanField(
        label=_("出壳条件:已登记注册或备案"), required=False, initial=True
    )
    min_scorecard_average = forms.DecimalField(
        label=_("出壳条件:能力评估平均分不低于"), max_digits=4, decimal_places=2, initial="3.5"
    )
    min_completed_activities = forms.IntegerField(label=_("出壳条件:完成活动或项目不少于(个)"), initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = scope_queryset(
            self.for_user, District.objects.order_by("sort_order", "code"), "organizations.cohort.create"
        )

    def clean_questions(self):
        text = (self.cleaned_data["questions"] or "").strip()
        if not text:
            return []
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(
                _("申请表问题须为 JSON 格式,例如:%(example)s") % {"example": QUESTIONS_EXAMPLE}
            ) from None

    def service_kwargs(self) -> dict:
        """``cleaned_data`` in the shape ``services.cohort_create`` takes."""
        data = dict(self.cleaned_data)
        data["graduation_criteria"] = {
            "require_registered_or_filed": data.pop("require_registered_or_filed"),
            # "3.5", not the field's "3.50": the criterion is shown to people as typed.
            "min_scorecard_average": format(data.pop("min_scorecard_average").normalize(), "f"),
            "min_completed_activities": data.pop("min_completed_activities"),
        }
        return data


def _to_minute(value):
    return timezone.localtime(value).replace(second=0, microsecond=0)


class CohortEditForm(CohortCreateForm):
    """A cohort's terms, filled in from the cohort; the terms its status fixes are shown but
    disabled (``services.cohort_fixed_fields``), so what is posted for them is ignored."""

    def __init__(self, *args, instance=None, **kwargs):
        criteria = (instance.graduation_criteria or {}) if instance is not None else {}
        initial = {
            "questions": json.dumps(instance.questions or [], ensure_ascii=False) if instance else "",
            "require_registered_or_filed": bool(criteria.get("require_registered_or_filed")),
            "min_scorecard_average": criteria.get("min_scorecard_average"),
            "min_completed_activities": criteria.get("min_completed_activities"),
            **kwargs.pop("initial", {}),
        }
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        # The district is the cohort's own: it is not edited.
        del self.fields["district"]
        if instance is not None:
            for name in services.cohort_fixed_fields(instance):
                self.fields[name].disabled = True

    def _keep_stored_instant(self, name):
        """The picker shows minutes (and a disabled field drops microseconds): a time sent back
        as shown keeps the stored one, so it does not read as a change (on an open call, as a
        deadline moved earlier)."""
        value = self.cleaned_data.get(name)
        stored = getattr(self.instance, name, None)
        if value is not None and stored is not None and _to_minute(value) == _to_minute(stored):
            return stored
        return value

    def clean_applications_open_at(self):
        return self._keep_stored_instant("applications_open_at")

    def clean_applications_close_at(self):
        return self._keep_stored_instant("applications_close_at")


# --- applications ---------------------------------------------------------------------------
class ReviewForm(ServiceForm):
    score = forms.IntegerField(label=_("评分(0–100)"))
    comment = forms.CharField(label=_("评审意见"), required=False, widget=_textarea(4))


# --- incubations ----------------------------------------------------------------------------
class MentorAssignForm(ServiceForm):
    contact = forms.CharField(
        label=_("导师手机号或邮箱"), max_length=254, help_text=_("导师须已在平台注册。")
    )

    def clean_contact(self):
        user = user_by_phone_or_email(self.cleaned_data["contact"])
        if user is None:
            raise forms.ValidationError(_("未找到使用该手机号或邮箱的用户,请先请其注册。"))
        return user


SCORE_LABELS = {dim: Scorecard._meta.get_field(dim).verbose_name for dim in Scorecard.DIMENSIONS}


class ScorecardForm(ServiceForm):
    stage = forms.ChoiceField(label=_("评估阶段"), choices=ScorecardStage.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for dim, label in SCORE_LABELS.items():
            # Integers of any size: the service refuses a score outside 1–5 in Chinese.
            self.fields[dim] = forms.IntegerField(label=_("%(dim)s评分(1–5)") % {"dim": label})
            self.fields[f"{dim}_evidence"] = forms.CharField(
                label=_("%(dim)s依据") % {"dim": label}, required=False, widget=_textarea(2)
            )

    def scores(self) -> dict[str, int]:
        return {dim: self.cleaned_data[dim] for dim in SCORE_LABELS}

    def evidence(self) -> dict[str, str]:
        return {dim: self.cleaned_data[f"{dim}_evidence"] for dim in SCORE_LABELS}


class GoalForm(ServiceForm):
    title = forms.CharField(label=_("目标"), max_length=200)
    due_on = forms.DateField(label=_("期限"), required=False, widget=AdminDateInput)


class ActivityForm(ServiceForm):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    happened_on = forms.DateField(label=_("日期"), widget=AdminDateInput)
    participants = forms.IntegerField(label=_("参与人数"), initial=0)
    summary = forms.CharField(label=_("活动简述"), required=False, widget=_textarea())


class ReportScheduleForm(ServiceForm):
    title = forms.CharField(label=_("报告名称"), max_length=200)
    due_on = forms.DateField(label=_("截止日期"), widget=AdminDateInput)


class ReportAcceptForm(ServiceForm):
    note = forms.CharField(label=_("审阅意见"), max_length=1000, required=False, widget=_textarea())
