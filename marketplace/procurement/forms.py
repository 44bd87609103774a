"""Back-office forms for service projects. They only parse input (yuan into fen, the criteria
JSON into ``CriterionData``): weights summing to 100, one price criterion, the bid window, the
service period and every other rule are ``services``'s, whose Chinese messages the views show on
the form, so that the admin and the public pages refuse the same things in the same words."""

import json

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from marketplace.core.admin_views import ConfirmForm, ReasonForm  # noqa: F401 - the moves' forms
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import fen_to_yuan_str, yuan_to_fen
from marketplace.core.permissions import scope_queryset
from marketplace.core.viewsets import ServiceForm
from marketplace.organizations.choices import Grade, ServiceCategory
from marketplace.places.models import Community, Street

from .choices import FundingSource
from .services import CriterionData, ProjectTerms


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- lifecycle moves ------------------------------------------------------------------------
# --- the project's terms --------------------------------------------------------------------
CRITERIA_EXAMPLE = (
    '[{"name": "价格", "weight": 30, "is_price": true}, '
    '{"name": "服务方案", "weight": 40, "guidance": "方案完整、可行"}, '
    '{"name": "团队与经验", "weight": 30}]'
)


class ProjectForm(ServiceForm):
    street = forms.ModelChoiceField(label=_("采购街道"), queryset=Street.objects.none(), empty_label=None)
    community = forms.ModelChoiceField(
        label=_("服务社区"), queryset=Community.objects.none(), required=False, empty_label=_("全街道")
    )
    title = forms.CharField(label=_("项目名称"), max_length=150)
    category = forms.ChoiceField(label=_("服务类别"), choices=ServiceCategory.choices)
    description = forms.CharField(label=_("项目内容"), widget=_textarea(5))
    service_targets = forms.CharField(label=_("服务对象"), widget=_textarea())
    performance_goals = forms.CharField(label=_("绩效目标"), widget=_textarea())
    budget_ceiling = forms.CharField(
        label=_("预算上限(元)"), max_length=20, help_text=_("以元为单位,最多两位小数。")
    )
    funding_source = forms.ChoiceField(label=_("资金来源"), choices=FundingSource.choices)
    min_grade = forms.ChoiceField(
        label=_("最低评估等级"), required=False, choices=[("", _("不限")), *Grade.choices]
    )
    required_categories = forms.MultipleChoiceField(
        label=_("限定服务类别"),
        required=False,
        choices=ServiceCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则不限。"),
    )
    bid_open_at = forms.DateTimeField(label=_("投标开始"), widget=AdminDateTimeInput)
    bid_close_at = forms.DateTimeField(label=_("投标截止"), widget=AdminDateTimeInput)
    service_start = forms.DateField(label=_("服务开始"), widget=AdminDateInput)
    service_end = forms.DateField(label=_("服务结束"), widget=AdminDateInput)
    min_valid_bids = forms.IntegerField(label=_("最少有效投标数"), initial=3)
    publicity_working_days = forms.IntegerField(label=_("公示期(工作日)"), initial=5)
    criteria = forms.CharField(
        label=_("评分项"),
        widget=_textarea(6),
        initial=CRITERIA_EXAMPLE,
        help_text=format_lazy(
            _(
                "JSON 列表,每项含名称 name、权重 weight,价格分一项标明 is_price,可写评分标准 guidance;"
                "权重之和须为100。例如:{example}"
            ),
            example=CRITERIA_EXAMPLE,
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        streets = scope_queryset(
            self.for_user, Street.objects.order_by("sort_order", "code"), "procurement.project.create"
        )
        self.fields["street"].queryset = streets
        self.fields["community"].queryset = Community.objects.filter(street__in=streets).select_related(
            "street"
        )
        project = self.instance
        if project is not None and project.pk is not None:
            # The street of a project never changes: it is whose money and whose scope.
            del self.fields["street"]
            self.fields["community"].queryset = Community.objects.filter(street_id=project.street_id)
            self.initial.update(
                budget_ceiling=fen_to_yuan_str(project.budget_ceiling_fen).replace(",", ""),
                community=project.community_id,
                criteria=json.dumps(
                    [
                        {"name": c.name, "weight": c.weight, "is_price": c.is_price, "guidance": c.guidance}
                        for c in project.criteria.all()
                    ],
                    ensure_ascii=False,
                ),
            )

    def clean_budget_ceiling(self) -> int:
        try:
            return yuan_to_fen(self.cleaned_data["budget_ceiling"])
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def clean_criteria(self) -> list[CriterionData]:
        try:
            rows = json.loads(self.cleaned_data["criteria"])
            if not isinstance(rows, list):
                raise TypeError
            return [
                CriterionData(
                    name=str(row.get("name", "")),
                    weight=row.get("weight"),
                    is_price=bool(row.get("is_price", False)),
                    guidance=str(row.get("guidance", "")),
                )
                for row in rows
            ]
        except (ValueError, TypeError, AttributeError):
            raise forms.ValidationError(
                _("评分项须为 JSON 列表,例如:%(example)s") % {"example": CRITERIA_EXAMPLE}
            ) from None

    def to_terms(self) -> ProjectTerms:
        data = self.cleaned_data
        return ProjectTerms(
            title=data["title"],
            category=data["category"],
            description=data["description"],
            service_targets=data["service_targets"],
            performance_goals=data["performance_goals"],
            budget_ceiling_fen=data["budget_ceiling"],
            funding_source=data["funding_source"],
            bid_open_at=data["bid_open_at"],
            bid_close_at=data["bid_close_at"],
            service_start=data["service_start"],
            service_end=data["service_end"],
            criteria=data["criteria"],
            community=data.get("community"),
            min_grade=data.get("min_grade") or "",
            required_categories=list(data.get("required_categories") or []),
            min_valid_bids=data["min_valid_bids"],
            publicity_working_days=data["publicity_working_days"],
        )

    # The service's field names, as this form calls them.
    field_map = {"budget_ceiling_fen": "budget_ceiling"}


class ChangeTermsForm(ProjectForm):
    reason = forms.CharField(
        label=_("变更原因"),
        max_length=1000,
        required=False,
        widget=_textarea(),
        help_text=_("变更后已提交的投标须重新提交,投标人会收到通知。"),
    )


class AnswerForm(ServiceForm):
    answer = forms.CharField(label=_("答复"), required=False, max_length=5000, widget=_textarea(5))


class RepublishForm(ServiceForm):
    bid_open_at = forms.DateTimeField(label=_("投标开始"), widget=AdminDateTimeInput)
    bid_close_at = forms.DateTimeField(label=_("投标截止"), widget=AdminDateTimeInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The failed round's window is over; the new one is typed fresh.
        self.initial.pop("bid_open_at", None)
        self.initial.pop("bid_close_at", None)
