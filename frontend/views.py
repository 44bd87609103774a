"""Thin views: parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.accounts import selectors as account_selectors
from marketplace.core import notifications
from marketplace.core.exceptions import NotFound
from marketplace.core.files import private_file_open
from marketplace.core.models import NotificationKind
from marketplace.core.selectors import notifications_for_dashboard, waiting_for_me
from marketplace.organizations import selectors as organization_selectors
from marketplace.procurement import selectors as procurement_selectors
from marketplace.volunteers import selectors as volunteer_selectors

from .fund_views import recent_donations


@login_required
def my_portal(request):
    user = request.user
    unread = notifications_for_dashboard(user=user)
    return render(
        request,
        "frontend/my_portal.html",
        {
            "roles": account_selectors.role_assignment_list(user=user),
            "waiting": waiting_for_me(user),
            "identity": account_selectors.identity_of(user),
            "notifications": unread,
            # The header's badge reads the same count.
            "unread_notifications": unread.count,
            "my_organizations": organization_selectors.organizations_for_dashboard(user=user),
            "my_procurement": procurement_selectors.procurement_for_dashboard(user=user),
            "my_volunteer": volunteer_selectors.volunteer_for_dashboard(user=user),
            "my_donations": recent_donations(user),
        },
    )


@login_required
def notification_inbox(request):
    qs = account_selectors.notification_list(user=request.user, unread_only=request.GET.get("unread") == "1")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "frontend/notifications.html", {"page": page})


@login_required
@require_POST
def notification_mark_all_read(request):
    notifications.notification_mark_read(user=request.user)
    messages.success(request, _("已全部标记为已读。"))
    return redirect("frontend:notifications")


@login_required
def notification_preferences(request):
    if request.method == "POST":
        for kind in NotificationKind.values:
            notifications.preference_set(
                user=request.user,
                kind=kind,
                email=request.POST.get(f"{kind}-email") == "on",
                sms=request.POST.get(f"{kind}-sms") == "on",
            )
        messages.success(request, _("通知偏好已保存。"))
        return redirect("frontend:notification_preferences")
    rows = account_selectors.notification_preferences(user=request.user)
    return render(request, "frontend/notification_preferences.html", {"rows": rows})


def private_file_download(request, file_id):
    try:
        record, handle = private_file_open(user=request.user, file_id=file_id)
    except NotFound as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=record.original_name, content_type=record.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
