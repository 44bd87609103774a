import pytest
from django.core import mail

from marketplace.core import notifications
from marketplace.core.exceptions import NotFound
from marketplace.core.models import Notification, NotificationKind
from marketplace.core.sms import LocmemSMSBackend
from marketplace.core.tasks import deliver_notification
from tests.factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory(email="resident@example.com", phone="+8613900000001")


def test_inbox_row_then_email_by_default_after_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = notifications.notify(recipient=user, kind=NotificationKind.VOLUNTEER, title="活动时间变更")
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert Notification.objects.get(pk=note.pk).recipient == user
    assert [m.subject for m in mail.outbox] == ["活动时间变更"]
    assert LocmemSMSBackend.outbox == []  # SMS is off unless chosen
    note.refresh_from_db()
    assert note.emailed_at is not None and note.sms_sent_at is None


def test_preferences_switch_channels_per_kind(user, django_capture_on_commit_callbacks):
    notifications.preference_set(user=user, kind=NotificationKind.FUND, email=False, sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipient=user, kind=NotificationKind.FUND, title="捐赠已到账")
        notifications.notify(recipient=user, kind=NotificationKind.SYSTEM, title="系统维护")
    assert [m.subject for m in mail.outbox] == ["系统维护"]
    assert LocmemSMSBackend.outbox == [("+8613900000001", "【太和区基层治理】捐赠已到账")]
    assert Notification.objects.filter(recipient=user).count() == 2  # the inbox is always written


def test_rolled_back_write_sends_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.notify(recipient=user, kind=NotificationKind.SYSTEM, title="不会发出")
    # Not executing the callbacks is what a rollback does: the delivery never runs.
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_delivery_is_idempotent(user, django_capture_on_commit_callbacks):
    notifications.preference_set(user=user, kind=NotificationKind.SYSTEM, email=True, sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        note = notifications.notify(recipient=user, kind=NotificationKind.SYSTEM, title="一次")
    deliver_notification.call(note.pk)
    deliver_notification.call(note.pk)
    assert len(mail.outbox) == 1
    assert len(LocmemSMSBackend.outbox) == 1


def test_delivery_of_a_missing_notification_is_a_no_op(db):
    deliver_notification.call(987654)
    assert mail.outbox == []


def test_unknown_kind_is_refused(user):
    with pytest.raises(ValueError):
        notifications.notify(recipient=user, kind="gossip", title="x")
    with pytest.raises(NotFound):
        notifications.preference_set(user=user, kind="gossip", email=True, sms=True)


def test_mark_read_only_touches_own_notifications(user):
    other = UserFactory()
    mine = notifications.notify(recipient=user, kind=NotificationKind.SYSTEM, title="a")
    theirs = notifications.notify(recipient=other, kind=NotificationKind.SYSTEM, title="b")
    assert notifications.unread_count(user) == 1
    assert notifications.notification_mark_read(user=user, notification_ids=[mine.pk, theirs.pk]) == 1
    assert notifications.unread_count(user) == 0
    assert notifications.unread_count(other) == 1
