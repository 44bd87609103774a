"""The ranking rule (marketplace/procurement/ranking.py): worked examples and properties."""

import datetime
import random
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from marketplace.procurement.ranking import (
    FULL_MARKS_MILLI,
    BidInput,
    Criterion,
    format_milli,
    other_score_milli,
    price_score_milli,
    rank_bids,
    round_half_up,
)

T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
PRICE, PLAN, TEAM = 1, 2, 3
CRITERIA = [Criterion(PRICE, 30, is_price=True), Criterion(PLAN, 40), Criterion(TEAM, 30)]


def bid(bid_id, price, plan, team, minutes=0):
    return BidInput(bid_id, price, T0 + datetime.timedelta(minutes=minutes), {PLAN: plan, TEAM: team})


# --- worked examples ------------------------------------------------------------------------
def test_a_worked_example():
    results = rank_bids(
        [
            bid(10, 200_000, [80, 90], [70, 70]),  # dearest, best proposal
            bid(11, 100_000, [60, 60], [60, 60]),  # cheapest
            bid(12, 150_000, [70, 71], [90, 90]),
        ],
        CRITERIA,
    )
    by_id = {r.bid_id: r for r in results}
    # price: 100 000/200 000 × 30 = 15 points; other: 85 × 0.4 + 70 × 0.3 = 34 + 21 = 55 points
    assert (by_id[10].price_score_milli, by_id[10].other_score_milli) == (15_000, 55_000)
    # cheapest gets the full 30; other: 60 × 0.4 + 60 × 0.3 = 42
    assert (by_id[11].price_score_milli, by_id[11].other_score_milli) == (30_000, 42_000)
    # 100 000/150 000 × 30 = 20; 70.5 × 0.4 + 90 × 0.3 = 28.2 + 27 = 55.2
    assert (by_id[12].price_score_milli, by_id[12].other_score_milli) == (20_000, 55_200)
    assert [(r.bid_id, r.total_score_milli, r.rank) for r in results] == [
        (12, 75_200, 1),
        (11, 72_000, 2),
        (10, 70_000, 3),
    ]


def test_rounding_is_half_up_once_per_part():
    assert [round_half_up(Fraction(n, 2)) for n in range(6)] == [0, 1, 1, 2, 2, 3]
    assert round_half_up(Fraction(2499, 1000)) == 2
    # 1/16 × 1 point = 62.5 milli → 63
    assert price_score_milli(16, 1, 1) == 63
    # 1/3 × 30 points = 10 000 milli exactly; 2/3 × 30 = 20 000
    assert price_score_milli(300, 100, 30) == 10_000 and price_score_milli(150, 100, 30) == 20_000
    # 1/7 × 10 points = 1 428.571… → 1 429
    assert price_score_milli(7, 1, 10) == 1_429
    # Criterion weight 1, scores [1, 0, 0, 0]: average 0.25 × 1/100 point = 2.5 milli → 3
    assert other_score_milli({2: [1, 0, 0, 0]}, [Criterion(1, 99, True), Criterion(2, 1)]) == 3
    # Two parts of 0.4 milli each (1 ÷ 25 evaluators × weight 1): the exact sum 0.8 rounds to 1,
    # where rounding each part first would give 0.
    criteria = [Criterion(1, 98, True), Criterion(2, 1), Criterion(3, 1)]
    one_in_25 = [1] + [0] * 24
    assert other_score_milli({2: one_in_25, 3: one_in_25}, criteria) == 1
    assert other_score_milli({2: one_in_25, 3: [0] * 25}, criteria) == 0
    assert format_milli(75_200) == "75.200" and format_milli(5) == "0.005"


def test_ties_follow_the_documented_order():
    same = {PLAN: [70], TEAM: [70]}
    # Exactly equal totals: price 10 + other 20 = 30 against price 30 + other 0 = 30.
    x = BidInput(7, 300, T0, {PLAN: [50], TEAM: [0]})
    y = BidInput(8, 100, T0, {PLAN: [0], TEAM: [0]})
    ranked = rank_bids([y, x], CRITERIA)
    assert [r.total_score_milli for r in ranked] == [30_000, 30_000]
    assert [r.bid_id for r in ranked] == [7, 8]  # the higher non-price score wins the tie
    # Identical price and scores: the earlier submission, then the lower bid id.
    early = BidInput(20, 100, T0, same)
    late = BidInput(5, 100, T0 + datetime.timedelta(seconds=1), same)
    assert [r.bid_id for r in rank_bids([late, early], CRITERIA)] == [20, 5]
    twin = BidInput(4, 100, T0 + datetime.timedelta(seconds=1), same)
    assert [r.bid_id for r in rank_bids([late, twin, early], CRITERIA)] == [20, 4, 5]


def test_lower_price_breaks_a_tie_of_rounded_scores():
    # Against a lowest price of 1 fen with weight 1, prices of 1 000 000 and 999 999 fen both
    # round to a price score of 0 milli: the totals and non-price scores tie, the price decides.
    criteria = [Criterion(1, 1, True), Criterion(2, 99)]
    cheap = BidInput(1, 1, T0, {2: [0]})
    p1 = BidInput(2, 1_000_000, T0, {2: [50]})
    p2 = BidInput(3, 999_999, T0 + datetime.timedelta(hours=1), {2: [50]})
    ranked = rank_bids([p1, p2, cheap], criteria)
    by_id = {r.bid_id: r for r in ranked}
    assert by_id[2].total_score_milli == by_id[3].total_score_milli == 49_500
    assert by_id[2].other_score_milli == by_id[3].other_score_milli
    assert [r.bid_id for r in ranked] == [3, 2, 1]  # the lower price, although submitted later


def test_no_bids_no_ranking():
    assert rank_bids([], CRITERIA) == []


@pytest.mark.parametrize(
    ("bids", "criteria"),
    [
        ([bid(1, 100, [50], [50]), bid(1, 100, [50], [50])], CRITERIA),
        ([bid(1, 0, [50], [50])], CRITERIA),
        ([bid(1, 100, [101], [50])], CRITERIA),
        ([bid(1, 100, [-1], [50])], CRITERIA),
        ([BidInput(1, 100, T0, {PLAN: [50]})], CRITERIA),  # a criterion nobody scored
        ([bid(1, 100, [50], [50])], [Criterion(PLAN, 60), Criterion(TEAM, 40)]),  # no price
    ],
)
def test_bad_input_is_refused(bids, criteria):
    with pytest.raises(ValueError):
        rank_bids(bids, criteria)


# --- properties -----------------------------------------------------------------------------
@st.composite
def weights(draw):
    """A price weight and 0–4 non-price weights, all ≥ 1, summing to 100."""
    n_other = draw(st.integers(min_value=0, max_value=4))
    if n_other == 0:
        return 100, []
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n_other, max_size=n_other, unique=True)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return parts[0], parts[1:]


@st.composite
def scenarios(draw):
    price_weight, other_weights = draw(weights())
    criteria = [Criterion(100, price_weight, True)] + [
        Criterion(200 + i, w) for i, w in enumerate(other_weights)
    ]
    n_bids = draw(st.integers(min_value=1, max_value=7))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n_bids, max_size=n_bids, unique=True))
    n_evaluators = draw(st.integers(min_value=1, max_value=4))
    # A few prices and times only, so that ties happen often.
    price = st.sampled_from([1, 99, 100, 101, 150, 9_999_999, 30_000_000]) | st.integers(1, 10**9)
    minute = st.integers(min_value=0, max_value=3)
    score = st.sampled_from([0, 50, 100]) | st.integers(0, 100)
    bids = [
        BidInput(
            bid_id,
            draw(price),
            T0 + datetime.timedelta(minutes=draw(minute)),
            {
                c.id: draw(st.lists(score, min_size=n_evaluators, max_size=n_evaluators))
                for c in criteria
                if not c.is_price
            },
        )
        for bid_id in ids
    ]
    return bids, criteria


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_scores_are_bounded_and_add_up(scenario):
    bids, criteria = scenario
    price_weight = next(c.weight for c in criteria if c.is_price)
    for r in rank_bids(bids, criteria):
        assert 0 <= r.price_score_milli <= price_weight * 1000
        assert 0 <= r.other_score_milli <= (100 - price_weight) * 1000
        assert r.total_score_milli == r.price_score_milli + r.other_score_milli
        assert r.total_score_milli <= FULL_MARKS_MILLI


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_the_cheapest_valid_bid_gets_the_whole_price_weight(scenario):
    bids, criteria = scenario
    price_weight = next(c.weight for c in criteria if c.is_price)
    lowest = min(b.price_fen for b in bids)
    by_id = {r.bid_id: r for r in rank_bids(bids, criteria)}
    for b in bids:
        if b.price_fen == lowest:
            assert by_id[b.bid_id].price_score_milli == price_weight * 1000
        else:
            assert by_id[b.bid_id].price_score_milli <= price_weight * 1000


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_ranks_are_a_permutation_in_the_documented_order(scenario):
    bids, criteria = scenario
    results = rank_bids(bids, criteria)
    assert [r.rank for r in results] == list(range(1, len(bids) + 1))
    assert sorted(r.bid_id for r in results) == sorted(b.bid_id for b in bids)
    by_id = {b.bid_id: b for b in bids}

    def key(r):
        b = by_id[r.bid_id]
        return (-r.total_score_milli, -r.other_score_milli, b.price_fen, b.submitted_at, b.bid_id)

    keys = [key(r) for r in results]
    assert keys == sorted(keys)


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_order_of_the_input_never_matters(scenario, rnd):
    bids, criteria = scenario
    expected = rank_bids(bids, criteria)
    shuffled_bids = [
        BidInput(
            b.bid_id, b.price_fen, b.submitted_at, {k: rnd.sample(v, len(v)) for k, v in b.scores.items()}
        )
        for b in bids
    ]
    rnd.shuffle(shuffled_bids)
    shuffled_criteria = list(criteria)
    rnd.shuffle(shuffled_criteria)
    assert rank_bids(shuffled_bids, shuffled_criteria) == expected


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.data())
def test_raising_a_bids_scores_never_lowers_its_rank(scenario, data):
    bids, criteria = scenario
    assume(any(not c.is_price for c in criteria))
    i = data.draw(st.integers(0, len(bids) - 1))
    target = bids[i]
    criterion_id = data.draw(st.sampled_from(sorted(target.scores)))
    j = data.draw(st.integers(0, len(target.scores[criterion_id]) - 1))
    old = target.scores[criterion_id][j]
    new = data.draw(st.integers(old, 100))
    raised_scores = {k: list(v) for k, v in target.scores.items()}
    raised_scores[criterion_id][j] = new
    raised = [
        *bids[:i],
        BidInput(target.bid_id, target.price_fen, target.submitted_at, raised_scores),
        *bids[i + 1 :],
    ]

    def rank_of(items):
        return next(r.rank for r in rank_bids(items, criteria) if r.bid_id == target.bid_id)

    assert rank_of(raised) <= rank_of(bids)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(2, 6), st.data())
def test_equal_bids_are_ordered_by_submission_time_then_id(scenario, copies, data):
    bids, criteria = scenario
    template = bids[0]
    minutes = data.draw(st.lists(st.integers(0, 2), min_size=copies, max_size=copies))
    ids = data.draw(st.lists(st.integers(20_000, 30_000), min_size=copies, max_size=copies, unique=True))
    twins = [
        BidInput(bid_id, template.price_fen, T0 + datetime.timedelta(minutes=m), template.scores)
        for bid_id, m in zip(ids, minutes, strict=True)
    ]
    results = rank_bids(twins, criteria)
    assert len({(r.total_score_milli, r.other_score_milli) for r in results}) == 1
    expected = sorted(twins, key=lambda b: (b.submitted_at, b.bid_id))
    assert [r.bid_id for r in results] == [b.bid_id for b in expected]


def test_a_fixed_random_order_gives_the_same_result():
    # A plain regression check beside the property: a realistic committee of five.
    rnd = random.Random(20250303)
    criteria = [Criterion(1, 20, True), Criterion(2, 50), Criterion(3, 30)]
    bids = [
        BidInput(
            k,
            rnd.randint(10_000_000, 30_000_000),
            T0,
            {2: [rnd.randint(60, 95) for _ in range(5)], 3: [80] * 5},
        )
        for k in range(1, 9)
    ]
    first = rank_bids(bids, criteria)
    for _ in range(5):
        rnd.shuffle(bids)
        assert rank_bids(bids, criteria) == first
