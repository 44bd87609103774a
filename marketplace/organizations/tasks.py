"""Time-driven work. Each task re-reads the state and the clock, so a duplicate or early run
does nothing harmful (see core.scheduling)."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import CohortStatus, ReportStatus
from .models import Cohort, PeriodicReport


@task()
def close_cohort_applications(cohort_id: int) -> None:
    from . import transitions

    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None or cohort.status != CohortStatus.OPEN or timezone.now() < cohort.applications_close_at:
        return
    transitions.COHORT.perform(cohort, "close_applications", actor=None)


@task()
def remind_report_due(report_id: int) -> None:
    from .services import REMIND_DAYS_BEFORE, _tell_org_admins

    with transaction.atomic():
        report = PeriodicReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.reminded_at is not None:
            return
        if report.status not in (ReportStatus.DUE, ReportStatus.RETURNED):
            return
        days_left = (report.due_on - timezone.localdate()).days
        if days_left > REMIND_DAYS_BEFORE:
            return
        report.reminded_at = timezone.now()
        report.save(update_fields=["reminded_at"])
        org = report.incubation.organization
        _tell_org_admins(
            org, _("报告「%(t)s」将于 %(d)s 截止,请按时提交") % {"t": report.title, "d": report.due_on}
        )
