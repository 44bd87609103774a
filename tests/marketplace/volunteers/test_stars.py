"""Star levels from confirmed cumulative hours, at every boundary, in Python and in the database."""

import pytest

from marketplace.volunteers.choices import StarLevel
from marketplace.volunteers.stars import star_level, star_progress

H = 60

BOUNDARIES = [
    (0, StarLevel.NONE),
    (100 * H - 1, StarLevel.NONE),
    (100 * H, StarLevel.ONE),
    (300 * H - 1, StarLevel.ONE),
    (300 * H, StarLevel.TWO),
    (600 * H - 1, StarLevel.TWO),
    (600 * H, StarLevel.THREE),
    (1000 * H - 1, StarLevel.THREE),
    (1000 * H, StarLevel.FOUR),
    (1500 * H - 1, StarLevel.FOUR),
    (1500 * H, StarLevel.FIVE),
    (10_000 * H, StarLevel.FIVE),
]


@pytest.mark.parametrize(("minutes", "level"), BOUNDARIES)
def test_star_level(minutes, level):
    assert star_level(minutes) == level


def test_labels():
    assert StarLevel(1).label == "一星志愿者" and StarLevel(5).label == "五星志愿者"


def test_progress_to_the_next_star():
    start = star_progress(0)
    assert (start.level, start.next_level, start.minutes_to_next) == (StarLevel.NONE, StarLevel.ONE, 100 * H)
    progress = star_progress(250 * H)
    assert (progress.level, progress.next_level, progress.minutes_to_next) == (
        StarLevel.ONE,
        StarLevel.TWO,
        50 * H,
    )
    top = star_progress(2000 * H)
    assert (top.level, top.next_level, top.minutes_to_next) == (StarLevel.FIVE, None, 0)


@pytest.mark.parametrize(("minutes", "level"), BOUNDARIES[:-1])
def test_the_database_agrees(vw, minutes, level):
    from marketplace.volunteers import selectors
    from tests.factories.volunteers import ServiceRecordFactory

    volunteer = vw.volunteer()
    if minutes:
        # Spread over a few records (the factory bypasses the per-shift ceiling).
        parts = [minutes // 3, minutes // 3, minutes - 2 * (minutes // 3)]
        for part in parts:
            ServiceRecordFactory(signup__volunteer=volunteer, minutes=part)
    row = selectors.volunteer_detail(viewer=volunteer.user, volunteer_id=volunteer.pk)
    assert (row.total_minutes, row.star) == (minutes, int(level))
    assert selectors.volunteer_totals(volunteer=volunteer).star.level == level
