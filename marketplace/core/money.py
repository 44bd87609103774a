"""Money is integer fen everywhere; yuan appear only at the edges (display, input)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .exceptions import ValidationFailed


def fen_to_yuan_str(amount_fen: int) -> str:
    """12345 -> '123.45'; negative amounts keep their sign."""
    sign = "-" if amount_fen < 0 else ""
    fen = abs(int(amount_fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def format_yuan(amount_fen: int) -> str:
    return "¥" + fen_to_yuan_str(amount_fen)


def yuan_to_fen(value: str | int | Decimal) -> int:
    """Parse a yuan amount typed by a person; refuse anything finer than one fen."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", ""))
    except InvalidOperation as exc:
        raise ValidationFailed(_("金额格式不正确。"), code="invalid_amount") from exc
    if not amount.is_finite():
        raise ValidationFailed(_("金额格式不正确。"), code="invalid_amount")
    fen = amount * 100
    if fen != fen.to_integral_value(rounding=ROUND_HALF_UP):
        raise ValidationFailed(_("金额最小单位为分。"), code="invalid_amount")
    return int(fen)
