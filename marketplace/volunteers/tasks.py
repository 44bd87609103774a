"""Time-driven work. Each task re-reads the state and the clock, so a duplicate or early run does
nothing harmful (see core.scheduling)."""

from django.tasks import task
from django.utils import timezone

from . import conf
from .choices import ActivityStatus, ShiftStatus
from .models import Activity


@task()
def finish_activity(activity_id: int) -> None:
    """After the last shift's check-out window: finish the activity (no-shows recorded)."""
    from .services import activity_finish

    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None or activity.status != ActivityStatus.PUBLISHED:
        return
    last_end = max((s.ends_at for s in activity.shifts.filter(status=ShiftStatus.SCHEDULED)), default=None)
    if last_end is None or timezone.now() < last_end + conf.checkin_closes_after():
        return
    activity_finish(actor=None, activity=activity)
