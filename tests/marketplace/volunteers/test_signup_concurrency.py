"""Capacity under concurrency, on PostgreSQL with real connections: 100 sign-ups racing for 10
places give exactly 10 confirmed and 90 waiting, and cancellations (concurrent too) move the
waiting list up in the order people joined it.

The 100 sign-ups run on 25 connections released together (4 sign-ups each, interleaved), so the
test stays within the server's connection limit while every sign-up races the others."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from marketplace.accounts.models import User
from marketplace.core.exceptions import DomainError
from marketplace.core.models import TransitionLog
from marketplace.volunteers import services
from marketplace.volunteers.models import Shift, Signup

from .conftest import shift_data

SIGNUPS = 100
PLACES = 10
WORKERS = 25


def _run_together(jobs):
    """Run each list of callables on its own connection, all threads released at once."""
    barrier = threading.Barrier(len(jobs))

    def worker(batch):
        try:
            barrier.wait(timeout=60)
            results = []
            for job in batch:
                try:
                    results.append(job())
                except DomainError as exc:  # a refusal is an answer; a database error fails the test
                    results.append(exc)
            return results
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(worker, batch) for batch in jobs]
        return [r for f in futures for r in f.result()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hundred_concurrent_sign_ups_for_ten_places(vw):
    shift = vw.activity(shifts=[shift_data(capacity=PLACES)]).shifts.get()
    user_ids = [vw.volunteer().user_id for _ in range(SIGNUPS)]

    def sign_up(user_id):
        def job():
            return services.signup_create(
                actor=User.objects.get(pk=user_id), shift=Shift.objects.get(pk=shift.pk)
            )

        return job

    batches = [[sign_up(uid) for uid in user_ids[i::WORKERS]] for i in range(WORKERS)]
    outcomes = _run_together(batches)

    assert not [o for o in outcomes if isinstance(o, DomainError)]
    signups = list(Signup.objects.filter(shift=shift).order_by("id"))
    assert len(signups) == SIGNUPS
    statuses = [s.status for s in signups]
    assert statuses.count("confirmed") == PLACES and statuses.count("waiting") == SIGNUPS - PLACES
    # Places went to the first to arrive: the lock makes arrival order the id order.
    assert statuses == ["confirmed"] * PLACES + ["waiting"] * (SIGNUPS - PLACES)

    # Five of the confirmed cancel at the same moment: the first five waiting move up, in order.
    confirmed = [s for s in signups if s.status == "confirmed"]
    waiting = [s for s in signups if s.status == "waiting"]
    leaving = confirmed[:5]

    def cancel(signup):
        def job():
            return services.signup_cancel(actor=User.objects.get(pk=signup.user_id), signup=signup)

        return job

    outcomes = _run_together([[cancel(s)] for s in leaving])
    assert not [o for o in outcomes if isinstance(o, DomainError)]
    now = {s.pk: s.status for s in Signup.objects.filter(shift=shift)}
    assert [now[s.pk] for s in leaving] == ["cancelled"] * 5
    assert [now[s.pk] for s in waiting[:5]] == ["confirmed"] * 5
    assert [now[s.pk] for s in waiting[5:]] == ["waiting"] * (SIGNUPS - PLACES - 5)
    assert list(now.values()).count("confirmed") == PLACES
    promotions = TransitionLog.objects.filter(lifecycle="volunteers.signup", code="promote")
    assert promotions.count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_shift_row_is_locked_before_places_are_counted(vw):
    from django.test.utils import CaptureQueriesContext

    shift = vw.activity().shifts.get()
    volunteer = vw.volunteer()
    with CaptureQueriesContext(connection) as ctx:
        services.signup_create(actor=volunteer.user, shift=shift)
    volunteer_sql = [q["sql"] for q in ctx.captured_queries if "volunteers_" in q["sql"]]
    lock = next(i for i, sql in enumerate(volunteer_sql) if "FOR UPDATE" in sql)
    assert 'FROM "volunteers_shift"' in volunteer_sql[lock]
    counts = [i for i, sql in enumerate(volunteer_sql) if "COUNT(" in sql and "volunteers_signup" in sql]
    assert counts and min(counts) > lock
