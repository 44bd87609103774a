"""The award under concurrency, on PostgreSQL with real connections: twenty officials' clicks on
"confirm" at the same moment give exactly one award."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import User
from marketplace.core.exceptions import DomainError, TransitionNotAllowed
from marketplace.core.models import AuditEntry, TransitionLog
from marketplace.procurement import services
from marketplace.procurement.choices import BidStatus, ProjectStatus
from marketplace.procurement.models import Project

from .test_evaluation import in_publicity

CONCURRENT = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_confirmations_award_exactly_once(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    time_machine.move_to(project.publicity_ends_at, tick=False)
    official_ids = [pw.drafter.pk, pw.approver.pk]
    barrier = threading.Barrier(CONCURRENT)

    def confirm(i):
        try:
            # Each thread has its own connection (Django's are per thread) and its own objects.
            actor = User.objects.get(pk=official_ids[i % 2])
            mine = Project.objects.get(pk=project.pk)
            barrier.wait(timeout=30)
            services.award_confirm(actor=actor, project=mine)
            return "awarded"
        except DomainError as exc:
            # A refusal is an answer; anything else (a database error: a 500) fails the test
            # when its future's result is read below.
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        outcomes = [f.result() for f in [pool.submit(confirm, i) for i in range(CONCURRENT)]]

    assert outcomes.count("awarded") == 1
    refusals = [o for o in outcomes if o != "awarded"]
    assert len(refusals) == CONCURRENT - 1
    for refusal in refusals:
        assert isinstance(refusal, TransitionNotAllowed)
        assert "已中标" in str(refusal.message) and "确认中标" in str(refusal.message)
    project.refresh_from_db()
    assert project.status == ProjectStatus.AWARDED
    statuses = sorted(project.bids.values_list("status", flat=True))
    assert statuses == sorted([BidStatus.WON, BidStatus.LOST, BidStatus.LOST])
    logs = TransitionLog.objects.filter
    assert logs(lifecycle="procurement.project", object_id=str(project.pk), code="confirm_award").count() == 1
    assert logs(lifecycle="procurement.bid", code="win").count() == 1
    assert logs(lifecycle="procurement.bid", code="lose").count() == 2
    assert AuditEntry.objects.filter(action="procurement.award.confirm").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_project_row_is_locked_before_anything_is_read(pw, time_machine):
    project, _ = in_publicity(pw, time_machine)
    time_machine.move_to(project.publicity_ends_at, tick=False)
    with CaptureQueriesContext(connection) as ctx:
        services.award_confirm(actor=pw.drafter, project=project)
    procurement = [q["sql"] for q in ctx.captured_queries if "procurement_" in q["sql"]]
    assert "FOR UPDATE" in procurement[0] and 'FROM "procurement_project"' in procurement[0]
