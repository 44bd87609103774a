from django.conf import settings

from marketplace.accounts.selectors import is_staff_member
from marketplace.core.notifications import unread_count


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.WAGTAIL_SITE_NAME,
        # Lazy: only pages that show the badge pay for the query.
        "unread_notifications": (lambda: unread_count(user)),
        # Wagtail's user bar loads every permission of the user (two queries) only to show nothing
        # to a resident. Admin access comes with a staff role or an editors' group.
        "show_userbar": (
            lambda: (
                user is not None and user.is_authenticated and (is_staff_member(user) or user.groups.exists())
            )
        ),
    }
