"""Back-office forms for service projects. They only parse input (yuan into fen, the criteria
JSON into ``CriterionData``): weights summing to 100, one price criterion, the bid window, the
service period and every other rule are ``services``'s, whose Chinese messages the views show on
the form, so that the admin and the public pages refuse the same things in the same words."""

import json

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from marketplace.accounts.selectors import user_by_phone_or_email
from marketplace.core.admin_views import ConfirmForm, ReasonForm  # noqa: F401 - the moves' forms
from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import fen_to_yuan_str, format_yuan, yuan_to_fen
from marketplace.core.permissions import scope_queryset
from marketplace.core.viewsets import ServiceForm
from marketplace.organizations.choices import Grade, ServiceCategory
from marketplace.places.models import Community, Street

from . import ranking
from .choices import BidStatus, FundingSource, PaymentSource
from .models import Bid, Score
from .services import CriterionData, MilestoneTerms, ProjectTerms


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


# --- evaluation and award ---------------------------------------------------------------------
class EvaluatorAppointForm(ServiceForm):
    contact = forms.CharField(
        label=_("评审专家手机号或邮箱"), max_length=254, help_text=_("评审专家须已在平台注册。")
    )

    def clean_contact(self):
        user = user_by_phone_or_email(self.cleaned_data["contact"])
        if user is None:
            raise forms.ValidationError(_("未找到使用该手机号或邮箱的用户,请先请其注册。"))
        return user


class EvaluationReportForm(ServiceForm):
    # Required by the service, which says so in Chinese.
    report = forms.CharField(
        label=_("评审报告"),
        required=False,
        max_length=20000,
        widget=_textarea(8),
        help_text=_("评审委员会对排名的意见和理由,将随评审结果保存。"),
    )


class _RankedBidField(forms.ModelChoiceField):
    def label_from_instance(self, bid):
        return _("第%(rank)s名 %(org)s(总分 %(score)s,报价 %(price)s)") % {
            "rank": bid.result.rank,
            "org": bid.organization.name,
            "score": ranking.format_milli(bid.result.total_score_milli),
            "price": format_yuan(bid.price_fen),
        }


class AwardProposeForm(ServiceForm):
    bid = _RankedBidField(label=_("拟中标投标"), queryset=Bid.objects.none(), empty_label=None)
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=2000,
        widget=_textarea(),
        help_text=_("推荐的不是排名第一的投标时须说明理由。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("bid", None)
        project = self.instance
        if project is not None:
            self.fields["bid"].queryset = (
                Bid.objects.filter(project=project, status=BidStatus.OPENED, result__isnull=False)
                .select_related("organization", "result")
                .order_by("result__rank", "pk")
            )


class ObjectionResolveForm(ServiceForm):
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=[("0", _("质疑不成立")), ("1", _("质疑成立(撤回公示结果,重新评审)"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    response = forms.CharField(label=_("答复"), required=False, max_length=5000, widget=_textarea(5))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The objection's stored answer is not a default for a new one.
        self.initial.pop("response", None)
        self.initial.pop("upheld", None)


class DeclarationForm(ServiceForm):
    statement = forms.CharField(
        label=_("声明内容"),
        required=False,
        max_length=2000,
        widget=_textarea(5),
        initial=_(
            "本人承诺:与本项目各投标组织不存在利害关系,未在其中担任任何职务;"
            "将独立、客观、公正地评审,并对评审情况保密。"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("statement", None)


class ScoreForm(ServiceForm):
    """One evaluator's scores of one opened bid: a value and a comment per non-price criterion.
    Any integer is accepted here: the range is the service's rule, refused in its words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bid = self.instance
        self.criteria = list(bid.project.criteria.filter(is_price=False).order_by("sort_order", "pk"))
        mine = {
            s.criterion_id: s
            for s in Score.objects.filter(bid=bid, evaluator=self.for_user, criterion__in=self.criteria)
        }
        for criterion in self.criteria:
            value, comment = f"value_{criterion.pk}", f"comment_{criterion.pk}"
            self.fields[value] = forms.IntegerField(
                label=_("%(name)s得分(0–100,权重 %(w)s)") % {"name": criterion.name, "w": criterion.weight},
                help_text=criterion.guidance,
                widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
            )
            self.fields[comment] = forms.CharField(
                label=_("%(name)s评语") % {"name": criterion.name},
                required=False,
                max_length=2000,
                widget=_textarea(2),
            )
            if criterion.pk in mine:
                self.initial[value] = mine[criterion.pk].value
                self.initial[comment] = mine[criterion.pk].comment

    def rows(self):
        """(criterion, value, comment) per criterion, from the cleaned data."""
        data = self.cleaned_data
        return [(c, data[f"value_{c.pk}"], data.get(f"comment_{c.pk}", "")) for c in self.criteria]

    def field_for(self, criterion, service_field: str) -> str:
        return {"value": f"value_{criterion.pk}", "comment": f"comment_{criterion.pk}"}.get(
            service_field, service_field
        )


# --- contract and delivery --------------------------------------------------------------------
def _optional_fen(form, name):
    value = (form.cleaned_data.get(name) or "").strip()
    if not value:
        return None
    try:
        return yuan_to_fen(value)
    except ValidationFailed as exc:
        raise forms.ValidationError(str(exc.message)) from None


class ContractForm(ServiceForm):
    amount = forms.CharField(label=_("合同金额(元)"), max_length=20, required=False)
    terms = forms.CharField(label=_("合同主要条款"), required=False, max_length=20000, widget=_textarea(5))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("terms", None)
        bid = getattr(self.instance, "awarded_bid", None)
        if bid is not None and bid.price_fen is not None:
            self.fields["amount"].help_text = _("留空即为中标价 %(price)s;不能高于中标价。") % {
                "price": format_yuan(bid.price_fen)
            }

    def clean_amount(self):
        return _optional_fen(self, "amount")

    field_map = {"amount_fen": "amount"}


class MilestoneRowForm(forms.Form):
    # Every field optional: an untouched row is skipped, a half-filled one is the service's to
    # refuse ("请填写第2个节点的到期日").
    title = forms.CharField(label=_("节点名称"), required=False, max_length=150)
    percent = forms.IntegerField(label=_("付款比例(%)"), required=False)
    due_on = forms.DateField(label=_("到期日"), required=False, widget=AdminDateInput)
    deliverables = forms.CharField(label=_("交付成果"), required=False, widget=_textarea(2))


class _MilestoneFormSet(forms.BaseFormSet):
    def terms(self) -> list[MilestoneTerms]:
        return [
            MilestoneTerms(
                f.cleaned_data.get("title") or "",
                f.cleaned_data.get("percent"),
                f.cleaned_data.get("due_on"),
                f.cleaned_data.get("deliverables") or "",
            )
            for f in self.forms
            if f.has_changed()
        ]


MilestoneFormSet = forms.formset_factory(
    MilestoneRowForm, formset=_MilestoneFormSet, extra=5, max_num=20, validate_max=True
)


class AmendForm(ServiceForm):
    description = forms.CharField(label=_("变更内容"), required=False, max_length=5000, widget=_textarea(4))
    amount = forms.CharField(
        label=_("变更后合同金额(元)"),
        max_length=20,
        help_text=_("追加金额不得超过原合同金额的10%;已验收的节点金额不变,其余按比例重新分配。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("description", None)  # the project's own description is not the change
        contract = getattr(self.instance, "contract", None)
        if contract is not None:
            self.initial["amount"] = fen_to_yuan_str(contract.amount_fen).replace(",", "")

    def clean_amount(self):
        return _optional_fen(self, "amount")

    field_map = {"amount_fen": "amount"}


def _source_field(form, milestone) -> None:
    """A payment source to choose only when the project is paid from both; otherwise the service
    takes the project's one source."""
    if milestone.contract.project.funding_source == FundingSource.BOTH:
        form.fields["source"] = forms.ChoiceField(
            label=_("付款来源"), choices=[("", "—"), *PaymentSource.choices], required=False
        )


class MilestoneAcceptForm(ServiceForm):
    note = forms.CharField(label=_("验收意见"), required=False, max_length=5000, widget=_textarea(3))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            _source_field(self, self.instance)


class RatingForm(ServiceForm):
    # The 1–5 range is the service's rule.
    score = forms.IntegerField(label=_("评分(1–5分)"), widget=forms.NumberInput(attrs={"min": 1, "max": 5}))
    comment = forms.CharField(label=_("评价"), required=False, max_length=2000, widget=_textarea(4))
