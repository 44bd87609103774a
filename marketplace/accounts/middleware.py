import time

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import is_staff_member

_LAST_SEEN = "_portal_last_seen"
_STARTED = "_portal_session_started"


class SessionPolicyMiddleware:
    """Every session ends 12 hours after login (SESSION_COOKIE_AGE, not extended by activity);
    a staff member's session also ends after STAFF_SESSION_IDLE_SECONDS without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(_STARTED, now)
            last_seen = request.session.get(_LAST_SEEN, now)
            too_old = now - started > settings.SESSION_COOKIE_AGE
            idle = now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS and is_staff_member(user)
            if too_old or idle:
                logout(request)
            else:
                request.session[_LAST_SEEN] = now
                # The absolute limit counts from login: keep the cookie from outliving it.
                request.session.set_expiry(max(1, settings.SESSION_COOKIE_AGE - (now - started)))
        return self.get_response(request)


class StaffMFARequiredMiddleware:
    """A staff member without two-factor authentication can only reach the pages that set it up
    (and log out); everything else redirects to TOTP enrolment."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and is_staff_member(user)
            and not is_mfa_enabled(user)
        ):
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.get_full_path())
        return self.get_response(request)
