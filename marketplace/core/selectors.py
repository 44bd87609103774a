"""Reads every area shares."""

from dataclasses import dataclass

from .lifecycle import Transition, lifecycles


@dataclass(frozen=True)
class WaitingItem:
    lifecycle: str
    subject: str  # what is waiting, e.g. "定期报告"
    transition: Transition
    count: int


def waiting_for_me(user) -> list[WaitingItem]:
    """The moves the user may make now, across every lifecycle, with how many rows wait for each.

    One COUNT per (lifecycle, move the user's roles allow): the number of queries depends on the
    tables, never on the number of rows."""
    items = []
    for name, lifecycle in sorted(lifecycles().items()):
        for transition, qs in lifecycle.waiting_for(user):
            count = qs.count()
            if count:
                subject = str(lifecycle.model._meta.verbose_name)
                items.append(WaitingItem(name, subject, transition, count))
    return items


def waiting_count(user, lifecycle_name: str, codes) -> int:
    """How many rows wait for any of the moves ``codes`` of one lifecycle: each row once, even
    where several moves start from it (approve or reject, a first or a second approval). One
    COUNT."""
    lifecycle = lifecycles().get(lifecycle_name)
    if lifecycle is None:
        return 0
    wanted = set(codes)
    combined = None
    for transition, qs in lifecycle.waiting_for(user):
        if transition.code in wanted:
            combined = qs if combined is None else combined | qs
    return combined.distinct().count() if combined is not None else 0


@dataclass(frozen=True)
class UnreadNotifications:
    latest: list  # the newest unread ones, newest first
    count: int  # all unread


def notifications_for_dashboard(*, user, limit: int = 5) -> UnreadNotifications:
    """The user's newest unread notifications and how many are unread: two queries."""
    from .models import Notification

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return UnreadNotifications(
        latest=list(unread.order_by("-created_at", "-id")[:limit]), count=unread.count()
    )
