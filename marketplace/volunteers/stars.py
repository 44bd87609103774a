"""Star levels (星级志愿者) from confirmed cumulative service hours: 一星 100 h, 二星 300 h,
三星 600 h, 四星 1000 h, 五星 1500 h. ``star_level`` is the rule; ``star_expression`` is the same
rule as a query expression, so lists and rankings compute it in the database."""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Value, When

from .choices import STAR_THRESHOLD_HOURS, StarLevel

# Highest first, in minutes (records keep minutes).
_THRESHOLDS = sorted(((hours * 60, level) for level, hours in STAR_THRESHOLD_HOURS.items()), reverse=True)


def star_level(minutes: int) -> StarLevel:
    for needed, level in _THRESHOLDS:
        if minutes >= needed:
            return StarLevel(level)
    return StarLevel.NONE


@dataclass(frozen=True)
class StarProgress:
    level: StarLevel
    next_level: StarLevel | None
    minutes_to_next: int  # 0 at the top level


def star_progress(minutes: int) -> StarProgress:
    level = star_level(minutes)
    if level == StarLevel.FIVE:
        return StarProgress(level, None, 0)
    following = StarLevel(level + 1)
    return StarProgress(level, following, STAR_THRESHOLD_HOURS[following] * 60 - minutes)


def star_expression(minutes_expression):
    """``star_level`` over an annotated number of minutes."""
    return Case(
        *[
            When(**{f"{minutes_expression}__gte": needed}, then=Value(int(level)))
            for needed, level in _THRESHOLDS
        ],
        default=Value(int(StarLevel.NONE)),
        output_field=IntegerField(),
    )
