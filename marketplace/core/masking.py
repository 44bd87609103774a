"""Masking of personal data for display. Every template, serializer and export goes through
these; whole values are shown only where a role needs them, and such views are audited."""

import re


def mask_resident_id(value: str | None) -> str:
    """110105199001011234 -> 110***********1234"""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    """+8613812345678 or 13812345678 -> 138****5678"""
    if not value:
        return ""
    digits = re.sub(r"\D", "", str(value))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str | None) -> str:
    """张三丰 -> 张**; a public list shows only the family name."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else value


def mask_email(value: str | None) -> str:
    if not value or "@" not in value:
        return ""
    local, _, domain = value.partition("@")
    return (local[0] if local else "") + "***@" + domain
