"""The donation form. It only parses what the donor types into the shapes
``marketplace.fund.services.donation_start`` takes (yuan into integer fen, a sub-fund code into
the sub-fund); every rule (the minimum of one yuan, a name unless anonymous, an active fund) is
the service's, and its Chinese error is shown on the form by ``apply_domain_error``."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import yuan_to_fen

from .organization_forms import apply_domain_error

__all__ = ["PRESETS_YUAN", "DonationForm", "apply_domain_error"]

PRESETS_YUAN = (20, 50, 100, 200, 500)
# The largest amount the form reads (a 64-bit integer of fen); the service sets the real ceiling.
MAX_FEN = 2**63 - 1


def _yuan(n: int) -> str:
    return gettext("%(n)s 元") % {"n": n}


# Formatted when shown: a lazy string formatted here, at import, would keep the import's language.
_yuan_label = lazy(_yuan, str)


class DonationForm(forms.Form):
    subfund = forms.ChoiceField(label=_("捐赠方向"), required=False)
    preset = forms.TypedChoiceField(
        label=_("捐赠金额"),
        choices=[(p, _yuan_label(p)) for p in PRESETS_YUAN],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        initial=PRESETS_YUAN[2],
    )
    amount = forms.CharField(
        label=_("其他金额(元)"),
        required=False,
        max_length=20,
        help_text=_("填写其他金额时,以填写的金额为准;最低 1 元,精确到分。"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    donor_name = forms.CharField(
        label=_("捐赠人姓名或单位名称"),
        required=False,
        max_length=100,
        help_text=_("公开名单中只显示姓氏(如 张**);选择匿名则显示“匿名”。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    anonymous = forms.BooleanField(label=_("匿名捐赠"), required=False)
    contact = forms.CharField(
        label=_("收据联系方式"),
        required=False,
        max_length=200,
        help_text=_("手机号或电子邮箱,仅用于寄送捐赠收据,不会公开。"),
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
    )

    # The service's field names → this form's.
    field_map = {
        "amount_fen": "amount",
        "subfund": "subfund",
        "donor_name": "donor_name",
        "contact": "contact",
    }

    def __init__(self, *args, subfunds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.subfunds = {sf.code: sf for sf in subfunds}
        self.fields["subfund"].choices = [
            ("", _("基金统筹使用")),
            *((sf.code, sf.name) for sf in subfunds),
        ]

    def clean_subfund(self):
        code = self.cleaned_data.get("subfund") or ""
        return self.subfunds.get(code)

    def clean(self):
        cleaned = super().clean()
        typed = (cleaned.get("amount") or "").strip()
        if typed:
            try:
                fen = yuan_to_fen(typed)
            except ValidationFailed as exc:
                self.add_error("amount", str(exc.message))
                return cleaned
            if fen > MAX_FEN:
                self.add_error("amount", _("金额超出范围。"))
                return cleaned
            cleaned["amount_fen"] = fen
        elif cleaned.get("preset"):
            cleaned["amount_fen"] = cleaned["preset"] * 100
        else:
            self.add_error("amount", _("请选择或填写捐赠金额。"))
        return cleaned
