"""Forms of the public service-project pages. They only parse what people type into the shapes
``marketplace.procurement.services`` takes (yuan into fen, ticks into declarations); every rule
(price ceiling, deadline, eligibility, required declarations) is the service's, and its Chinese
error is shown on the form by ``apply_domain_error``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import fen_to_yuan_str, yuan_to_fen
from marketplace.organizations.choices import ServiceCategory
from marketplace.procurement.choices import ProjectStatus
from marketplace.procurement.selectors import PUBLIC_STATUSES
from marketplace.procurement.services import REQUIRED_DECLARATIONS, BidContents

from .organization_forms import _PlaceChoices, apply_domain_error

__all__ = [
    "BidForm",
    "MilestoneReportForm",
    "ObjectionForm",
    "ProjectFilterForm",
    "QuestionForm",
    "apply_domain_error",
]


# The largest amount a budget column holds (a 64-bit integer of fen).
MAX_FEN = 2**63 - 1


def _yuan_bound(value: str) -> int | None:
    """A budget bound typed in yuan, in fen; anything unreadable or negative is no bound."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        fen = yuan_to_fen(value)
    except ValidationFailed as exc:
        raise forms.ValidationError(str(exc.message)) from None
    if not 0 <= fen <= MAX_FEN:
        raise forms.ValidationError(_("金额超出范围。"))
    return fen


class ProjectFilterForm(forms.Form):
    street = forms.TypedChoiceField(label=_("采购街道"), required=False, coerce=int, empty_value=None)
    community = forms.TypedChoiceField(label=_("服务社区"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("服务类别"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    budget_min = forms.CharField(
        label=_("预算下限(元)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    budget_max = forms.CharField(
        label=_("预算上限(元)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    biddable = forms.BooleanField(label=_("只看我可投标的"), required=False)

    def __init__(self, *args, may_filter_biddable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        places = _PlaceChoices()
        self.fields["street"].choices = places.street_choices(_("全部街道"))
        # Every community, grouped under its street; a street-wide project serves each of them.
        self.fields["community"].choices = places.community_choices(_("全部社区"))
        self.fields["category"].choices = [("", _("全部类别")), *ServiceCategory.choices]
        # Only the statuses the public list can hold: drafts and approvals are internal.
        self.fields["status"].choices = [
            ("", _("全部状态")),
            *((value, label) for value, label in ProjectStatus.choices if value in PUBLIC_STATUSES),
        ]
        if not may_filter_biddable:
            # Only a member of a bidding organisation has projects to bid for.
            del self.fields["biddable"]

    def clean_budget_min(self) -> int | None:
        return _yuan_bound(self.cleaned_data.get("budget_min"))

    def clean_budget_max(self) -> int | None:
        return _yuan_bound(self.cleaned_data.get("budget_max"))

    def _data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self) -> dict:
        """The valid filters only: a stale or hand-made link with a bad value still lists."""
        data = self._data()
        if not data:
            return {}
        return {
            "street_id": data.get("street"),
            "community_id": data.get("community"),
            "category": data.get("category") or None,
            "status": data.get("status") or None,
            "budget_min_fen": data.get("budget_min"),
            "budget_max_fen": data.get("budget_max"),
        }

    @property
    def only_biddable(self) -> bool:
        return bool(self._data().get("biddable"))

    @property
    def active(self) -> bool:
        return self.only_biddable or any(value not in (None, "") for value in self.filters().values())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one control; each is checked by the service (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(item, initial) for item in data if item]
        return [one(data, initial)] if data else []


class BidForm(forms.Form):
    price = forms.CharField(
        label=_("投标报价(元)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("以元为单位,最多两位小数,不得超过项目预算上限。"),
    )
    proposal = forms.CharField(
        label=_("服务方案"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    team = forms.CharField(label=_("项目团队"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("投标附件"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.xlsx"}),
        help_text=_(
            "可选多个文件:PDF、JPG、PNG 或 Excel(.xlsx),每个不超过 10 MB,最多 5 个。"
            "附件与投标一同加密密封;重新提交时请重新上传全部附件。"
        ),
    )
    # Not required here: the service names every missing declaration in one message.
    no_collusion = forms.BooleanField(label=REQUIRED_DECLARATIONS["no_collusion"], required=False)
    truthful = forms.BooleanField(label=REQUIRED_DECLARATIONS["truthful"], required=False)
    no_major_violation = forms.BooleanField(label=REQUIRED_DECLARATIONS["no_major_violation"], required=False)

    # The service's field names, as this form calls them.
    field_map = {"price_fen": "price", "declarations": None, "file": "attachments"}

    @classmethod
    def initial_from(cls, contents: dict) -> dict:
        """The bidder's own sealed contents, to start a resubmission from."""
        if not contents:
            return {}
        declarations = contents.get("declarations") or {}
        return {
            "price": fen_to_yuan_str(contents["price_fen"]).replace(",", ""),
            "proposal": contents.get("proposal", ""),
            "team": contents.get("team", ""),
            **{key: bool(declarations.get(key)) for key in REQUIRED_DECLARATIONS},
        }

    def clean_price(self) -> int:
        try:
            return yuan_to_fen(self.cleaned_data["price"])
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def to_contents(self) -> BidContents:
        data = self.cleaned_data
        return BidContents(
            price_fen=data["price"],
            proposal=data["proposal"],
            team=data["team"],
            declarations={key: bool(data.get(key)) for key in REQUIRED_DECLARATIONS},
            attachments=data.get("attachments") or [],
        )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("问题"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("答复将向所有投标人公开,提问组织不公开。"),
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("质疑内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请写明质疑的事项、理由和依据。质疑由采购街道答复。"),
    )


class MilestoneReportForm(forms.Form):
    content = forms.CharField(
        label=_("履约报告"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("本节点完成的服务内容、数量和效果。"),
    )
    evidence = MultipleFileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("可选多个文件:PDF、JPG 或 PNG,每个不超过 10 MB,最多 10 个。"),
    )

    # The service's field names, as this form calls them (a file's own error names "file").
    field_map = {"evidence_uploads": "evidence", "file": "evidence"}
