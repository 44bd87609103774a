"""How the bids are spread over the projects: exactly the number asked for, every opened project
with its minimum of valid bids, and a clear refusal when the organisations cannot make them."""

import random

import pytest

from cms.scale.errors import SizeError
from cms.scale.procurement import MIN_VALID_BIDS, Plan, _allocate, _limits


def _plan(status: str, pool: int) -> Plan:
    return Plan(
        status=status,
        street=0,
        community_id=None,
        place="甲街道",
        subject=("助餐服务", "daily_life", "老人", "送餐"),
        funding="fiscal",
        min_grade="",
        categories=[],
        pool=tuple(range(pool)),
    )


def test_bids_add_up_and_opened_projects_keep_their_minimum():
    plans = [_plan(s, 10) for s in ["completed"] * 20 + ["published"] * 5 + ["failed"] * 5 + ["draft"] * 3]
    counts = _allocate(random.Random(1), plans, 123)
    assert sum(counts) == 123
    for plan, n in zip(plans, counts, strict=True):
        low, high, _weight = _limits(plan)
        assert low <= n <= high
        if plan.status == "completed":
            assert n >= MIN_VALID_BIDS
        if plan.status == "draft":
            assert n == 0


def test_too_few_bids_turn_opened_projects_into_failed_ones():
    plans = [_plan("completed", 10) for _ in range(4)]
    counts = _allocate(random.Random(1), plans, 7)
    assert sum(counts) == 7
    assert sum(1 for p in plans if p.status == "completed") == 2
    assert all(n >= MIN_VALID_BIDS for p, n in zip(plans, counts, strict=True) if p.status == "completed")


def test_more_bids_than_the_organisations_can_make_is_refused():
    plans = [_plan("completed", 3) for _ in range(2)]
    with pytest.raises(SizeError, match="--bids"):
        _allocate(random.Random(1), plans, 7)
