"""Personal API tokens (``rest_framework.authtoken``): one per user, for scripts and apps.

A token is issued only from a signed-in browser session, i.e. after the login (and, for staff,
the second factor) succeeded; issuing again replaces the old token, which stops working at once.
The key is the token's primary key, so it never goes into an audit entry or a log: entries name
the user instead.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from marketplace.core import audit
from marketplace.core.exceptions import Conflict, PermissionDenied
from marketplace.core.permissions import require

from .middleware import SECOND_FACTORS
from .models import User
from .selectors import is_staff_member

MFA_REQUIRED_MESSAGE = _("工作人员须先启用两步验证,才能使用 API 令牌。")


def _check_may_hold_token(user: User) -> None:
    if is_staff_member(user) and not is_mfa_enabled(user, types=SECOND_FACTORS):
        raise PermissionDenied(MFA_REQUIRED_MESSAGE, code="mfa_required")


@transaction.atomic
def api_token_issue(*, actor, user: User) -> Token:
    """Issue ``user`` a new token, replacing any earlier one. Returns the token: the caller shows
    its key once and never stores or logs it."""
    require(actor, "accounts.user.change", user)
    _check_may_hold_token(user)
    # The row lock serialises two concurrent rotations of the same user's token.
    User.objects.select_for_update().filter(pk=user.pk).first()
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    try:
        with transaction.atomic():
            token = Token.objects.create(user=user)
    except IntegrityError as exc:
        raise Conflict() from exc
    audit.record(
        actor=actor,
        action="accounts.api_token.rotate" if replaced else "accounts.api_token.issue",
        obj=user,
        changes={"replaced": replaced},
    )
    return token


@transaction.atomic
def api_token_revoke(*, actor, user: User) -> bool:
    """Delete ``user``'s token; True when there was one."""
    require(actor, "accounts.user.change", user)
    revoked = Token.objects.filter(user=user).delete()[0] > 0
    if revoked:
        audit.record(actor=actor, action="accounts.api_token.revoke", obj=user)
    return revoked


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing a staff member without two-factor authentication:
    the token may predate the staff role, and must not be a way around MFA."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        try:
            _check_may_hold_token(user)
        except PermissionDenied as exc:
            raise exceptions.AuthenticationFailed(str(exc.message)) from exc
        return user, token
