"""Notify a person: always in the site inbox, and by e-mail and SMS as they chose.

``notify`` writes the inbox row inside the caller's transaction and enqueues the delivery after
commit, so a rolled-back write never sends anything.
"""

from django.db import transaction
from django.utils import timezone

from .exceptions import NotFound
from .models import Notification, NotificationKind, NotificationPreference

# Channel defaults when the user has not chosen: e-mail on, SMS off.
DEFAULT_EMAIL = True
DEFAULT_SMS = False


def notify(*, recipient, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    note = Notification.objects.create(recipient=recipient, kind=kind, title=title[:200], body=body, url=url)
    from .tasks import deliver_notification

    transaction.on_commit(lambda: deliver_notification.enqueue(note.pk))
    return note


def channels_for(user, kind: str) -> tuple[bool, bool]:
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if pref is None:
        return DEFAULT_EMAIL, DEFAULT_SMS
    return pref.email, pref.sms


def preference_set(*, user, kind: str, email: bool, sms: bool) -> NotificationPreference:
    if kind not in NotificationKind.values:
        raise NotFound()
    pref, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": email, "sms": sms}
    )
    return pref


def notification_mark_read(*, user, notification_ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
