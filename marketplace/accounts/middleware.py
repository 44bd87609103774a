import time
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import is_staff_member

_STARTED = "_portal_session_started"
_LAST_SEEN = "_portal_last_seen"

# The second factors that the login asks for (recovery codes alone are not one: allauth does
# not challenge a login with them).
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def start_session_clock(request) -> None:
    """Called at login: the 12-hour limit and the idle limit count from here."""
    now = int(time.time())
    request.session[_STARTED] = now
    request.session[_LAST_SEEN] = now


class SessionPolicyMiddleware:
    """Every session ends SESSION_COOKIE_AGE (12 hours) after login, however active; a staff
    member's session also ends after STAFF_SESSION_IDLE_SECONDS (30 minutes) without a request.

    The limits are enforced here, on the server, rather than through the cookie or the session
    row's expiry date: Django moves that date forward whenever the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._apply(request, user)
        return self.get_response(request)

    def _apply(self, request, user) -> None:
        now = int(time.time())
        session = request.session
        started = session.get(_STARTED)
        if started is None:
            # A session from a login that did not pass through the login signal.
            start_session_clock(request)
            return
        staff = is_staff_member(user)
        if now - started >= settings.SESSION_COOKIE_AGE:
            self._end(request, "expired")
        elif staff and now - session.get(_LAST_SEEN, started) > settings.STAFF_SESSION_IDLE_SECONDS:
            self._end(request, "idle")
        elif staff:
            # Only staff sessions need the write: nobody else has an idle limit.
            session[_LAST_SEEN] = now

    @staticmethod
    def _end(request, reason: str) -> None:
        request.session_end_reason = reason  # read by the logout audit receiver
        logout(request)


class StaffMFARequiredMiddleware:
    """A staff member without a second factor (TOTP) can only reach the pages that set it up
    (and log out); everything else redirects to TOTP enrolment."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/jsi18n/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and is_staff_member(user)
            and not is_mfa_enabled(user, types=SECOND_FACTORS)
        ):
            return redirect(reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
