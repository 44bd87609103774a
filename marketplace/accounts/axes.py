"""What django-axes counts failed logins against.

allauth authenticates with ``email=...`` or ``phone=...`` (and Django's own backends, the
test client and axes' success handler with ``username=...``). All of them name one account, so
they resolve to one key, ``user:<pk>``: five wrong passwords lock the account from that IP
whichever identifier was typed, and a success by any of them clears the count. A login that
names no account is keyed by a keyed hash of what was typed. Either way no phone number or
e-mail address is written to axes' tables.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from marketplace.core.crypto import lookup_hash
from marketplace.core.validators import normalize_cn_mobile

_PHONE_LIKE = re.compile(r"^\+?[\d\s()-]{7,20}$")


def normalize_login(value: str) -> str:
    """The canonical form of a typed login: e-mail lower-cased, a Chinese mobile in E.164."""
    value = (value or "").strip()
    if "@" in value:
        return value.lower()
    if _PHONE_LIKE.match(value):
        try:
            return normalize_cn_mobile(value)
        except ValidationError:
            pass
    return value.lower()


def user_for_login(value: str):
    """The account a typed e-mail address, mobile number or username names, if any."""
    login = normalize_login(value)
    if not login:
        return None
    users = get_user_model().objects.order_by("pk")
    if "@" in login:
        return users.filter(email__iexact=login).first()
    if login.startswith("+"):
        return users.filter(phone=login).first()
    return users.filter(username__iexact=login).first()


def _typed_login(request, credentials) -> str:
    credentials = credentials or {}
    for key in ("email", "phone", "username"):
        if credentials.get(key):
            return str(credentials[key])
    if request is not None and request.method == "POST":
        return request.POST.get("login", "")
    return ""


def axes_username(request, credentials=None) -> str:
    typed = _typed_login(request, credentials)
    user = user_for_login(typed)
    if user is not None:
        return f"user:{user.pk}"
    return "login:" + lookup_hash("axes:" + normalize_login(typed))[:32]


def user_for_axes_username(username: str | None):
    """The account behind a key made by ``axes_username`` (None for an unknown login)."""
    if username and username.startswith("user:") and username[5:].isdigit():
        return get_user_model().objects.filter(pk=int(username[5:])).first()
    return None
