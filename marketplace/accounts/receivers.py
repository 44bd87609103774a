"""Security events into the audit trail: logins, failed logins, logouts, lockouts, and changes to
and failures of the second factor.

These receivers record what happened; they hold no business rule. A typed login (phone number or
e-mail address) only ever reaches the trail masked."""

import re

from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from marketplace.core import audit
from marketplace.core.masking import mask_email, mask_phone

from .axes import user_for_axes_username, user_for_login
from .middleware import start_session_clock

_PHONE_LIKE = re.compile(r"^\+?[\d\s()-]+$")

_END_REASONS = {"expired": "会话已满12小时", "idle": "工作人员会话闲置超过30分钟"}


def mask_login(value: str) -> str:
    """A typed login as it may be recorded: 138****5678, z***@example.com, or two characters."""
    value = (value or "").strip()
    if "@" in value:
        return mask_email(value)
    if _PHONE_LIKE.match(value):
        return mask_phone(value)
    return value[:2] + "***" if value else ""


def _typed_login(credentials: dict | None) -> str:
    credentials = credentials or {}
    for key in ("email", "phone", "username"):
        if credentials.get(key):
            return str(credentials[key])
    return ""


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
    audit.record(actor=user, action="accounts.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        reason = _END_REASONS.get(getattr(request, "session_end_reason", ""), "")
        audit.record(actor=user, action="accounts.logout", obj=user, reason=reason)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    typed = _typed_login(credentials)
    masked = mask_login(typed)
    audit.record(
        actor=None,
        action="accounts.login_failed",
        obj=user_for_login(typed),
        object_repr=masked,
        changes={"login": masked},
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    masked = mask_login(_typed_login(getattr(request, "axes_credentials", None)))
    audit.record(
        actor=None,
        action="accounts.locked_out",
        obj=user_for_axes_username(username),
        object_repr=masked,
        changes={"login": masked},
    )


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit.record(actor=user, action="accounts.mfa.added", obj=user, changes={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit.record(actor=user, action="accounts.mfa.removed", obj=user, changes={"type": authenticator.type})


@receiver(mfa_signals.authentication_failed)
def _mfa_failed(sender, request, user, authenticator, reauthentication=False, **kwargs):
    audit.record(
        actor=None,
        action="accounts.mfa.failed",
        obj=user,
        changes={"type": authenticator.type if authenticator else "", "reauthentication": reauthentication},
    )
