"""Small helpers the fund's service modules share."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import format_yuan

# The largest single amount accepted (100 million yuan): a typo guard, not a policy.
MAX_AMOUNT_FEN = 10_000_000_000
TEXT_MAX = 5000


def clean_text(value, *, field: str, label, max_length: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationFailed(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("%(label)s不超过%(n)s字。") % {"label": label, "n": max_length}, field=field)
    return text


def clean_amount(value, *, field: str = "amount_fen", minimum: int = 1, maximum: int = MAX_AMOUNT_FEN) -> int:
    """An amount must be a whole number of fen (an int, never a float or a bool) in range."""
    if type(value) is not int:
        raise ValidationFailed(_("金额须为整数分。"), code="invalid_amount", field=field)
    if value < minimum:
        raise ValidationFailed(
            _("金额不能低于 %(min)s。") % {"min": format_yuan(minimum)}, code="amount_too_small", field=field
        )
    if value > maximum:
        raise ValidationFailed(
            _("金额不能超过 %(max)s。") % {"max": format_yuan(maximum)}, code="amount_too_large", field=field
        )
    return value


def check_subfund(fund, subfund):
    if subfund is not None and subfund.fund_id != fund.pk:
        raise ValidationFailed(_("所选专项不属于该基金。"), code="subfund_mismatch", field="subfund")
    return subfund
