"""Forms of the public service-project pages. They only parse what people type into the shapes
``marketplace.procurement.services`` takes (yuan into fen, ticks into declarations); every rule
(price ceiling, deadline, eligibility, required declarations) is the service's, and its Chinese
error is shown on the form by ``apply_domain_error``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import fen_to_yuan_str, yuan_to_fen
from marketplace.organizations.choices import ServiceCategory
from marketplace.places import selectors as place_selectors
from marketplace.procurement.choices import ProjectStatus
from marketplace.procurement.selectors import PUBLIC_STATUSES
from marketplace.procurement.services import REQUIRED_DECLARATIONS, BidContents

from .organization_forms import apply_domain_error

__all__ = ["BidForm", "ProjectFilterForm", "QuestionForm", "apply_domain_error"]


class ProjectFilterForm(forms.Form):
    street = forms.TypedChoiceField(label=_("采购街道"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(label=_("服务类别"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [
            ("", _("全部街道")),
            *((s.pk, s.name) for s in place_selectors.street_list()),
        ]
        self.fields["category"].choices = [("", _("全部类别")), *ServiceCategory.choices]
        # Only the statuses the public list can hold: drafts and approvals are internal.
        self.fields["status"].choices = [
            ("", _("全部状态")),
            *((value, label) for value, label in ProjectStatus.choices if value in PUBLIC_STATUSES),
        ]

    def filters(self) -> dict:
        """The valid filters only: a stale or hand-made link with a bad value still lists."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "street_id": data.get("street"),
            "category": data.get("category") or None,
            "status": data.get("status") or None,
        }

    @property
    def active(self) -> bool:
        return any(self.filters().values())


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
    # Not required here: the service names every missing declaration in one message.
    no_collusion = forms.BooleanField(label=REQUIRED_DECLARATIONS["no_collusion"], required=False)
    truthful = forms.BooleanField(label=REQUIRED_DECLARATIONS["truthful"], required=False)
    no_major_violation = forms.BooleanField(label=REQUIRED_DECLARATIONS["no_major_violation"], required=False)

    # The service's field names, as this form calls them.
    field_map = {"price_fen": "price", "declarations": None}

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
        )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("问题"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("答复将向所有投标人公开,提问组织不公开。"),
    )
