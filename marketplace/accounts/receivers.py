"""Security events into the audit trail: logins, failed logins, logouts, lockouts.

These receivers record what happened; they hold no business rule."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from marketplace.core import audit
from marketplace.core.masking import mask_email, mask_phone


def _masked_login(credentials: dict) -> str:
    login = credentials.get("email") or credentials.get("phone") or credentials.get("username") or ""
    return (
        mask_email(login)
        if "@" in login
        else mask_phone(login)
        if login.lstrip("+").isdigit()
        else login[:2] + "***"
    )


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=user, action="accounts.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="accounts.logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit.record(
        actor=None,
        action="accounts.login_failed",
        object_repr=_masked_login(credentials),
        changes={"login": _masked_login(credentials)},
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    user = get_user_model().objects.filter(email__iexact=username or "").first()
    audit.record(
        actor=None,
        action="accounts.locked_out",
        obj=user,
        object_repr=_masked_login({"email": username or ""}),
    )
