"""Time-driven work; each task re-reads state and clock, so a duplicate or early run is harmless."""

from django.tasks import task
from django.utils import timezone

from .choices import ProjectStatus
from .models import Project


@task()
def close_bidding(project_id: int) -> None:
    from . import transitions

    project = Project.objects.filter(pk=project_id).first()
    if project is None or project.status != ProjectStatus.PUBLISHED or timezone.now() < project.bid_close_at:
        return
    transitions.PROJECT.perform(project, "close_bidding", actor=None)


@task()
def publicity_ended(project_id: int, ends_at_iso: str) -> None:
    from .services import publicity_end_notify

    publicity_end_notify(project_id=project_id, ends_at_iso=ends_at_iso)
