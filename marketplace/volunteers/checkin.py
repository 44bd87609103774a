"""The QR code at a shift's site: a signed token naming the shift and the window in which it works.

The token is made with ``django.core.signing`` under its own salt, so a token of any other kind
signed with the same secret key cannot pass for it, and any change to it breaks the signature.
It carries the shift id and the window (from ``VOLUNTEER_CHECKIN_OPENS_BEFORE`` before the start
to ``VOLUNTEER_CHECKIN_CLOSES_AFTER`` after the end; opens inclusive, closes exclusive). When the
shift's times change, tokens made before no longer match its window and are refused: the
organiser shows the new code.
"""

import datetime
from dataclasses import dataclass
from io import BytesIO

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import ValidationFailed

from .transitions import check_in_window

SALT = "marketplace.volunteers.shift-checkin"


@dataclass(frozen=True)
class Claims:
    shift_id: int
    opens_at: datetime.datetime
    closes_at: datetime.datetime


def _epoch(value: datetime.datetime) -> int:
    return int(value.timestamp())


def make_token(shift) -> str:
    opens, closes = check_in_window(shift)
    return signing.dumps({"s": shift.pk, "o": _epoch(opens), "c": _epoch(closes)}, salt=SALT)


def read_token(token: str) -> Claims:
    """The token's claims, or a refusal when it is not one of ours, untouched."""
    try:
        data = signing.loads(str(token or "").strip(), salt=SALT)
        return Claims(
            shift_id=int(data["s"]),
            opens_at=datetime.datetime.fromtimestamp(int(data["o"]), tz=datetime.UTC),
            closes_at=datetime.datetime.fromtimestamp(int(data["c"]), tz=datetime.UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(
            _("二维码无效:不是本平台的签到码,或已被篡改。"), code="bad_token", field="token"
        ) from None


def check_claims(claims: Claims, shift, *, now: datetime.datetime | None = None) -> None:
    """Refuse a token that does not match the shift's current window or is used outside it."""
    now = now or timezone.now()
    opens, closes = check_in_window(shift)
    if (_epoch(opens), _epoch(closes)) != (_epoch(claims.opens_at), _epoch(claims.closes_at)):
        raise ValidationFailed(
            _("二维码已失效:班次时间已调整,请扫描现场最新的二维码。"), code="stale_token", field="token"
        )
    if now < claims.opens_at:
        raise ValidationFailed(
            _("签到尚未开始:请在 %(t)s 之后扫码。")
            % {"t": f"{timezone.localtime(claims.opens_at):%m-%d %H:%M}"},
            code="too_early",
            field="token",
        )
    if now >= claims.closes_at:
        raise ValidationFailed(_("二维码已过期。"), code="expired", field="token")


def qr_svg(data: str) -> str:
    """An SVG QR code of ``data`` (the check-in URL with its token), for pages and printouts."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = BytesIO()
    image.save(out)
    return out.getvalue().decode("utf-8")
