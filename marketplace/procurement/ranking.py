"""The ranking of a project's valid bids: pure functions, no database, no clock.

Scores are integers in thousandths of a point ("milli"); a perfect bid scores 100 000.

- **Price score** = lowest valid price ÷ the bid's price × the price criterion's weight. The
  cheapest valid bid therefore gets the whole price weight. "Valid" means opened and not
  disqualified: the caller passes only those bids, and the lowest price is taken among them.
- **Other score** = for each non-price criterion, the average of its evaluators' scores (each
  0–100) × the criterion's weight ÷ 100, summed over the non-price criteria.
- **Rounding**: both parts are computed exactly as rational numbers (``fractions.Fraction``,
  never floats) and each is rounded once, at the end, to a whole milli, half up (x.5 → x+1).
  The total is the sum of the two rounded parts, so the published parts always add up to the
  published total. Since each exact part is at most its weights × 1000 and rounding half up
  never passes an integer bound, a total never exceeds 100 000.
- **Ties**, in this order: the higher total; then the higher other (non-price) score; then the
  lower price; then the earlier submission time; then the lower bid id. Bid ids are unique, so
  every bid gets its own rank, 1..n, and the result does not depend on the order of the input.
  The comparison uses the rounded milli values, i.e. exactly what is published.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

MAX_SCORE = 100
FULL_MARKS_MILLI = 100_000


@dataclass(frozen=True)
class Criterion:
    id: int
    weight: int
    is_price: bool = False


@dataclass(frozen=True)
class BidInput:
    bid_id: int
    price_fen: int
    submitted_at: datetime.datetime
    # criterion id → the scores (0–100) its evaluators gave this bid; price is never scored.
    scores: Mapping[int, Sequence[int]]


@dataclass(frozen=True)
class RankedBid:
    bid_id: int
    price_score_milli: int
    other_score_milli: int
    total_score_milli: int
    rank: int


def round_half_up(value: Fraction) -> int:
    """Round a non-negative rational to the nearest integer, halves upwards."""
    if value < 0:
        raise ValueError("round_half_up expects a non-negative value")
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def price_score_milli(price_fen: int, lowest_fen: int, weight: int) -> int:
    if price_fen <= 0 or lowest_fen <= 0 or lowest_fen > price_fen:
        raise ValueError("prices must be positive and the lowest price the lowest")
    return round_half_up(Fraction(lowest_fen * weight * 1000, price_fen))


def other_score_milli(scores: Mapping[int, Sequence[int]], criteria: Sequence[Criterion]) -> int:
    """The non-price part: exact sum of each criterion's average × weight ÷ 100, rounded once."""
    exact = Fraction(0)
    for criterion in criteria:
        if criterion.is_price:
            continue
        values = list(scores.get(criterion.id, ()))
        if not values:
            raise ValueError(f"criterion {criterion.id} has no score")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_SCORE:
                raise ValueError(f"score {v!r} is outside 0–{MAX_SCORE}")
        # average × weight ÷ 100 points = sum × weight × 1000 ÷ (100 × n) milli
        exact += Fraction(sum(values) * criterion.weight * 10, len(values))
    return round_half_up(exact)


def sort_key(result: RankedBid, bid: BidInput) -> tuple:
    """Ascending order of this key is rank order (see the module's tie rule)."""
    return (
        -result.total_score_milli,
        -result.other_score_milli,
        bid.price_fen,
        bid.submitted_at,
        bid.bid_id,
    )


def rank_bids(bids: Iterable[BidInput], criteria: Sequence[Criterion]) -> list[RankedBid]:
    """Score and rank the valid bids; returns them in rank order (rank 1 first)."""
    bids = list(bids)
    if not bids:
        return []
    if len({b.bid_id for b in bids}) != len(bids):
        raise ValueError("bid ids must be unique")
    price_criteria = [c for c in criteria if c.is_price]
    if len(price_criteria) != 1:
        raise ValueError("exactly one criterion must be the price")
    price_weight = price_criteria[0].weight
    for bid in bids:
        if isinstance(bid.price_fen, bool) or not isinstance(bid.price_fen, int) or bid.price_fen <= 0:
            raise ValueError(f"bid {bid.bid_id} has no positive integer price")
    lowest = min(b.price_fen for b in bids)
    unranked = []
    for bid in bids:
        price = price_score_milli(bid.price_fen, lowest, price_weight)
        other = other_score_milli(bid.scores, criteria)
        unranked.append((RankedBid(bid.bid_id, price, other, price + other, 0), bid))
    unranked.sort(key=lambda pair: sort_key(*pair))
    return [
        RankedBid(r.bid_id, r.price_score_milli, r.other_score_milli, r.total_score_milli, rank)
        for rank, (r, _bid) in enumerate(unranked, start=1)
    ]


def format_milli(value: int) -> str:
    """100000 → '100.000' (points with three decimals), for display."""
    return f"{value // 1000}.{value % 1000:03d}"


__all__ = [
    "FULL_MARKS_MILLI",
    "BidInput",
    "Criterion",
    "RankedBid",
    "format_milli",
    "other_score_milli",
    "price_score_milli",
    "rank_bids",
    "round_half_up",
    "sort_key",
]
