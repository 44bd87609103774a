from django.conf import settings

from marketplace.core.notifications import unread_count


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.WAGTAIL_SITE_NAME,
        # Lazy: only pages that show the badge pay for the query.
        "unread_notifications": (lambda: unread_count(user)),
    }
