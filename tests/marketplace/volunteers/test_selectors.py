"""Reads: rankings, lists and rosters, with query counts that do not grow with the rows, and
organisers seeing names and masked phones only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.exceptions import NotFound, PermissionDenied
from marketplace.volunteers import selectors, services
from tests.factories import GridFactory
from tests.factories.volunteers import ServiceRecordFactory, SkillFactory

from .conftest import shift_data


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _give(volunteer, *minutes, status="confirmed"):
    for m in minutes:
        ServiceRecordFactory(signup__volunteer=volunteer, minutes=m, status=status)


def test_rankings_per_grid_and_community(vw):
    world = vw.world
    other_grid = GridFactory(community=world.community_a)
    a, b, c, d = vw.volunteer(), vw.volunteer(), vw.volunteer(grid=other_grid), vw.volunteer()
    _give(a, 100 * 60, 30)
    _give(b, 200 * 60)
    _give(b, 500 * 60, status="superseded")
    _give(b, 500 * 60, status="pending")
    _give(c, 50)
    _give(d, 10, status="rejected")
    in_grid = list(selectors.ranking_in_grid(grid_id=world.grid_a.pk))
    assert [(v.pk, v.total_minutes, v.star) for v in in_grid] == [(b.pk, 12000, 1), (a.pk, 6030, 1)]
    in_community = list(selectors.ranking_in_community(community_id=world.community_a.pk))
    assert [v.pk for v in in_community] == [b.pk, a.pk, c.pk]
    assert selectors.public_name(in_grid[0]) == in_grid[0].identity.real_name[0] + "*" * (
        len(in_grid[0].identity.real_name) - 1
    )
    grids = list(selectors.grid_totals(community_id=world.community_a.pk))
    assert [(g.pk, g.total_minutes, g.volunteer_count) for g in grids] == [
        (world.grid_a.pk, 18030, 3),
        (other_grid.pk, 50, 1),
    ]


def test_ranking_query_count_does_not_grow(vw):
    world = vw.world
    _give(vw.volunteer(), 60)
    one = _count(
        lambda: [
            (v.identity.real_name, v.grid.name, v.star)
            for v in selectors.ranking_in_community(community_id=world.community_a.pk)
        ]
    )
    for i in range(6):
        _give(vw.volunteer(), 60 * (i + 1), 30)
    many_rows = list(selectors.ranking_in_community(community_id=world.community_a.pk))
    assert len(many_rows) == 7
    many = _count(
        lambda: [
            (v.identity.real_name, v.grid.name, v.star)
            for v in selectors.ranking_in_community(community_id=world.community_a.pk)
        ]
    )
    assert one == many == 1
    assert _count(lambda: list(selectors.ranking_in_grid(grid_id=world.grid_a.pk))) == 1
    assert _count(lambda: list(selectors.grid_totals(community_id=world.community_a.pk))) == 1


def test_volunteer_list_scoped_and_query_count_does_not_grow(vw):
    world = vw.world
    SkillFactory(slug="legal", name="法律咨询")
    first = vw.volunteer(resident_roles=["building_leader"])
    first.skills.add(SkillFactory(slug="legal"))
    vw.volunteer(grid=world.grid_b)

    def read(viewer, **filters):
        return [
            (v.pk, selectors.contact(v).masked_phone, [s.slug for s in v.skills.all()], v.star, v.grid.name)
            for v in selectors.volunteer_list(viewer=viewer, **filters)
        ]

    read(world.worker_a)  # the viewer's role assignments are read once per request
    with CaptureQueriesContext(connection) as one:
        rows = read(world.worker_a)
    assert [r[0] for r in rows] == [first.pk]
    assert rows[0][1].count("*") == 4
    for _ in range(5):
        _give(vw.volunteer(), 30)
    with CaptureQueriesContext(connection) as many:
        rows = read(world.worker_a)
    assert len(rows) == 6
    assert len(one.captured_queries) == len(many.captured_queries) == 2
    assert [r[0] for r in read(world.worker_a, skill="legal")] == [first.pk]
    assert [r[0] for r in read(world.worker_a, resident_role="building_leader")] == [first.pk]
    assert len(read(world.district_admin)) == 7
    assert read(world.resident) == []
    with pytest.raises(NotFound):
        selectors.volunteer_detail(viewer=world.worker_b, volunteer_id=first.pk)
    assert selectors.volunteer_detail(viewer=first.user, volunteer_id=first.pk).pk == first.pk


def test_activity_list_filters_and_query_count(vw):
    world = vw.world
    SkillFactory(slug="medical", name="医疗护理")
    vw.activity(skill_slugs=["medical"])
    vw.activity(community=world.community_b, actor=world.worker_b, party_only=True)
    vw.activity(publish=False)

    def read(**filters):
        return [
            (
                a.pk,
                a.street.name,
                a.community.name,
                a.total_capacity,
                a.places_taken,
                [s.slug for s in a.required_skills.all()],
                [(s.taken, s.waiting) for s in a.shifts.all()],
            )
            for a in selectors.activity_list_public(**filters)
        ]

    with CaptureQueriesContext(connection) as one:
        rows = read()
    assert len(rows) == 2
    for _ in range(4):
        activity = vw.activity(shifts=[shift_data(capacity=1), shift_data(days=6)])
        for _ in range(2):
            services.signup_create(
                actor=vw.volunteer().user, shift=activity.shifts.order_by("starts_at").first()
            )
    with CaptureQueriesContext(connection) as many:
        rows = read()
    assert len(rows) == 6
    assert len(one.captured_queries) == len(many.captured_queries) <= 3
    busy = [r for r in rows if r[3] == 11]
    assert busy and all(r[4] == 1 and r[6][0] == (1, 1) for r in busy)
    assert len(read(street_id=world.street_b.pk)) == 1
    assert len(read(party_only=True)) == 1
    assert len(read(skill="medical")) == 1
    soon = timezone.localdate() + datetime.timedelta(days=3)
    assert len(read(date_from=soon, date_to=soon)) == 6
    assert (
        len(read(date_from=soon + datetime.timedelta(days=1), date_to=soon + datetime.timedelta(days=2))) == 0
    )
    assert len(read(upcoming_only=True)) == 6
    organiser = list(selectors.activity_list_for_organiser(viewer=world.worker_a))
    assert len(organiser) == 6  # community A's, the draft included
    assert list(selectors.activity_list_for_organiser(viewer=world.resident)) == []


def test_roster_shows_names_and_masked_phones_to_organisers_only(vw):
    shift = vw.activity(shifts=[shift_data(capacity=1)]).shifts.get()
    first, second = vw.volunteer(), vw.volunteer()
    services.signup_create(actor=first.user, shift=shift)
    services.signup_create(actor=second.user, shift=shift)
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.shift_roster(viewer=vw.world.worker_a, shift=shift)
    assert len(ctx.captured_queries) <= 2
    assert [(r.contact.volunteer_id, r.waiting_position) for r in rows] == [(first.pk, None), (second.pk, 1)]
    assert rows[0].contact.name == first.identity.real_name
    assert rows[0].contact.masked_phone == first.user.phone[3:6] + "****" + first.user.phone[-4:]
    assert first.user.phone[3:] not in str(rows[0].contact)
    assert first.identity.id_number not in str(rows[0].contact)
    for outsider in (first.user, vw.world.worker_b, vw.org_admin):
        with pytest.raises(PermissionDenied):
            selectors.shift_roster(viewer=outsider, shift=shift)
    assert len(selectors.shift_roster(viewer=vw.world.district_admin, shift=shift)) == 2
