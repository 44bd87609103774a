"""Validators for Chinese identifiers: resident ID numbers (GB 11643), Unified Social Credit
Codes (GB 32100) and mobile phone numbers.

Each ``is_valid_*`` answers a bool; each ``validate_*`` raises Django's ``ValidationError`` with
a Chinese message, so it can sit on a model or form field as well as in a service.
"""

import datetime
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# --- Resident ID number (居民身份证号码, GB 11643-1999) ----------------------------------------
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def resident_id_birth_date(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def is_valid_resident_id(value: str) -> bool:
    if not isinstance(value, str) or not _ID_RE.match(value):
        return False
    birth = resident_id_birth_date(value)
    if birth is None or birth.year < 1900 or birth > datetime.date.today():
        return False
    return resident_id_check_char(value[:17]) == value[17]


def validate_resident_id(value: str) -> None:
    if not is_valid_resident_id(value):
        raise ValidationError(
            _("身份证号码无效:应为18位,末位校验码正确(X须大写),出生日期真实。"),
            code="invalid_resident_id",
        )


def resident_id_gender(value: str) -> str:
    """'M' or 'F' from the sequence digit (odd for men)."""
    return "M" if int(value[16]) % 2 else "F"


# --- Unified Social Credit Code (统一社会信用代码, GB 32100-2015) ----------------------------
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_CHARS}]{{18}}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    check = 31 - total % 31
    return USCC_CHARS[0 if check == 31 else check]


def is_valid_uscc(value: str) -> bool:
    if not isinstance(value, str) or not _USCC_RE.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def validate_uscc(value: str) -> None:
    if not is_valid_uscc(value):
        raise ValidationError(
            _("统一社会信用代码无效:应为18位(数字或大写字母,不含I、O、Z、S、V),且校验位正确。"),
            code="invalid_uscc",
        )


# --- Mobile phone numbers ---------------------------------------------------------------
# Mainland mobile numbers: 11 digits starting 13-19 (the numbering plan's mobile blocks).
_CN_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_cn_mobile(value: str) -> str:
    """Return the number in E.164 (+8613812345678) or raise ValidationError."""
    raw = re.sub(r"[\s-]", "", str(value or ""))
    if raw.startswith("+86"):
        national = raw[3:]
    elif raw.startswith("0086"):
        national = raw[4:]
    elif raw.startswith("86") and len(raw) == 13:
        national = raw[2:]
    else:
        national = raw
    if not _CN_MOBILE_RE.match(national):
        raise ValidationError(
            _("手机号码无效:请输入11位中国大陆手机号,如 13812345678。"), code="invalid_phone"
        )
    parsed = phonenumbers.parse("+86" + national)
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("手机号码无效:该号段不是手机号段。"), code="invalid_phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_valid_cn_mobile(value: str) -> bool:
    try:
        normalize_cn_mobile(value)
    except ValidationError:
        return False
    return True
