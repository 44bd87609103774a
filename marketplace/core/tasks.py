import logging

from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .models import Notification
from .notifications import channels_for
from .sms import send_sms

logger = logging.getLogger(__name__)


@task()
def deliver_notification(notification_id: int) -> None:
    """Send the e-mail and SMS copies of an inbox notification, each at most once.

    The row is locked while a channel is sent and its timestamp written, so a re-enqueued or
    duplicated task never sends the same channel twice.
    """
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if note is None:
            return
        user = note.recipient
        want_email, want_sms = channels_for(user, note.kind)
        now = timezone.now()
        update = []
        if want_email and user.email and note.emailed_at is None:
            send_mail(note.title, note.body or note.title, None, [user.email])
            note.emailed_at = now
            update.append("emailed_at")
        phone = getattr(user, "phone", "")
        if want_sms and phone and note.sms_sent_at is None:
            send_sms(phone, f"【太和区基层治理】{note.title}")
            note.sms_sent_at = now
            update.append("sms_sent_at")
        if update:
            note.save(update_fields=update)
