"""Service projects and bids, as ``procurement.services`` leaves them at each status.

Every project follows the lifecycle's main line (draft → … → completed) up to its status, or
branches off it (cancelled, failed), with a transition-log row for each move (the open-data
release reads them) and the fields each move writes: who approved, when it was published and
opened, the evaluation report, the proposed winner, the end of publicity. From publication it
has its sealing key; its bids are sealed with it (``sealing.seal``) with the bidder's receipt
hash, and get their price when opened. Evaluated projects have their ranking computed by
``ranking.rank_bids`` itself; awarded ones one winning bid and the others lost; from signing a
contract with milestones split by ``split_amount``, delivery reports, payments (a fund payment
waits for, or is paid by, a fund disbursement) and, when completed, the street's rating.

Most projects are completed or in delivery; a few are open for bids, with their deadline ahead.
The number of bids is exactly the one asked for: every opened project has at least the minimum
of valid bids, a failed one fewer, and the rest are spread over the projects that took bids.
"""

import base64
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet

from cms.demo.procurement import ACCEPT_NOTE, DETAILED, MILESTONE_NAMES, PROPOSALS, RETURN_REASON, STANDARD
from marketplace.core import crypto
from marketplace.core.models import TransitionLog
from marketplace.organizations.choices import Grade
from marketplace.procurement import ranking, sealing
from marketplace.procurement.choices import FundingSource, ProjectStatus
from marketplace.procurement.models import (
    Bid,
    BidResult,
    Contract,
    EvaluationCriterion,
    Milestone,
    MilestoneReport,
    Payment,
    Project,
    ProjectKey,
    Rating,
)
from marketplace.procurement.services.contracts import split_amount
from marketplace.procurement.services.evaluation import publicity_end
from marketplace.procurement.services.projects import REQUIRED_DECLARATIONS

from . import fund as fund_gen
from . import vocab
from .copy import LOCAL_OFFSET, NULL, as_datetime, day, epoch, local_day, ts
from .errors import SizeError
from .organizations import GRADE_ORDER, Orgs
from .world import DAY, YEAR, World

P = ProjectStatus
HOUR = 3600
MIN_VALID_BIDS = 3
MAX_BIDS = 12
PROJECT_COLUMNS = [
    "id",
    "title",
    "category",
    "description",
    "service_targets",
    "performance_goals",
    "budget_ceiling_fen",
    "funding_source",
    "min_grade",
    "required_categories",
    "bid_open_at",
    "bid_close_at",
    "service_start",
    "service_end",
    "min_valid_bids",
    "publicity_working_days",
    "status",
    "terms_version",
    "published_at",
    "opened_at",
    "cancel_reason",
    "created_at",
    "approved_by_id",
    "community_id",
    "created_by_id",
    "district_id",
    "previous_round_id",
    "street_id",
    "awarded_bid_id",
    "evaluation_report",
    "publicity_ends_at",
]
BID_COLUMNS = [
    "id",
    "status",
    "sealed_contents",
    "content_hash",
    "terms_version",
    "submitted_at",
    "price_fen",
    "created_at",
    "organization_id",
    "submitted_by_id",
    "project_id",
]
LOG_COLUMNS = [
    "id",
    "created_at",
    "lifecycle",
    "object_id",
    "code",
    "from_state",
    "to_state",
    "reason",
    "actor_id",
]

STATUS_WEIGHTS = [
    (P.DRAFT, 1.0),
    (P.PENDING_APPROVAL, 1.0),
    (P.APPROVED, 0.5),
    (P.PUBLISHED, 4.0),
    (P.BIDDING_CLOSED, 0.5),
    (P.OPENED, 0.5),
    (P.EVALUATED, 0.4),
    (P.AWARD_PROPOSED, 0.3),
    (P.PUBLICITY, 0.6),
    (P.AWARDED, 0.4),
    (P.CONTRACTED, 0.8),
    (P.IN_DELIVERY, 8.0),
    (P.COMPLETED, 70.0),
    (P.CANCELLED, 4.0),
    (P.FAILED, 7.0),
]
# The main line; a status's moves are the steps up to it.
STEPS = [
    ("submit", P.DRAFT, P.PENDING_APPROVAL, "submitted", "drafter"),
    ("approve", P.PENDING_APPROVAL, P.APPROVED, "approved", "approver"),
    ("publish", P.APPROVED, P.PUBLISHED, "published", "drafter"),
    ("close_bidding", P.PUBLISHED, P.BIDDING_CLOSED, "close", None),
    ("open_bids", P.BIDDING_CLOSED, P.OPENED, "opened", "drafter"),
    ("evaluate", P.OPENED, P.EVALUATED, "evaluated", "drafter"),
    ("propose_award", P.EVALUATED, P.AWARD_PROPOSED, "proposed", "drafter"),
    ("start_publicity", P.AWARD_PROPOSED, P.PUBLICITY, "publicity", "drafter"),
    ("confirm_award", P.PUBLICITY, P.AWARDED, "awarded", "drafter"),
    ("sign_contract", P.AWARDED, P.CONTRACTED, "signed", "drafter"),
    ("start_delivery", P.CONTRACTED, P.IN_DELIVERY, "delivery", "drafter"),
    ("complete", P.IN_DELIVERY, P.COMPLETED, "completed", "drafter"),
]
ORDER = [P.DRAFT] + [step[2] for step in STEPS]
RANK = {s: i for i, s in enumerate(ORDER)}
OPENED_PLUS = {s for s in ORDER if RANK[s] >= RANK[P.OPENED]}
# The moment each status was reached, and how long ago (seconds) that may be.
ANCHOR = {
    P.DRAFT: ("created", HOUR, 30 * DAY),
    P.PENDING_APPROVAL: ("submitted", HOUR, 10 * DAY),
    P.APPROVED: ("approved", HOUR, 5 * DAY),
    P.PUBLISHED: ("published", HOUR, 15 * DAY),
    P.BIDDING_CLOSED: ("close", HOUR, 3 * DAY),
    P.OPENED: ("opened", HOUR, 5 * DAY),
    P.EVALUATED: ("evaluated", HOUR, 5 * DAY),
    P.AWARD_PROPOSED: ("proposed", HOUR, 3 * DAY),
    P.PUBLICITY: ("publicity", HOUR, 2 * DAY),
    P.AWARDED: ("awarded", HOUR, 5 * DAY),
    P.CONTRACTED: ("signed", HOUR, 10 * DAY),
    P.IN_DELIVERY: ("delivery", DAY, 330 * DAY),
    P.COMPLETED: ("completed", DAY, 6 * YEAR),
    P.FAILED: ("failed", DAY, 3 * YEAR),
    P.CANCELLED: ("cancelled", DAY, 3 * YEAR),
}
DECLARATIONS = {key: True for key in REQUIRED_DECLARATIONS}


@dataclass
class Plan:
    status: str
    street: int
    community_id: int | None
    place: str
    subject: tuple
    funding: str
    min_grade: str
    categories: list
    pool: tuple
    # For a cancelled project: the status it was cancelled from.
    cancelled_from: str = ""


def _pools(orgs: Orgs):
    cache: dict[tuple, tuple] = {}

    def pool(min_grade: str, category: str | None, open_now: bool) -> tuple:
        key = (min_grade, category, open_now)
        if key not in cache:
            out = []
            for i in range(len(orgs.ids)):
                if not orgs.can_bid(i) or (open_now and orgs.status[i] != "verified"):
                    continue
                if min_grade and (
                    not orgs.grade[i]
                    or not orgs.grade_valid[i]
                    or GRADE_ORDER[orgs.grade[i]] < GRADE_ORDER[min_grade]
                ):
                    continue
                if category and orgs.category[i] != category:
                    continue
                out.append(i)
            cache[key] = tuple(out)
        return cache[key]

    return pool


def plan_projects(world: World, count: int, bids: int, orgs: Orgs) -> tuple[list[Plan], list[int]]:
    """Each project's status, place, subject and eligible bidders, and its number of bids."""
    rng = world.rng("projects:plan")
    pool_of = _pools(orgs)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    communities_by_street: dict[int, list] = {}
    for c in world.communities:
        communities_by_street.setdefault(c.street, []).append(c)
    plans = []
    for _ in range(count):
        status = rng.choices(statuses, weights=weights)[0]
        cancelled_from = ""
        if status == P.CANCELLED:
            cancelled_from = rng.choice((P.DRAFT, P.PENDING_APPROVAL, P.APPROVED, P.PUBLISHED, P.PUBLISHED))
        street = rng.choice(world.streets)
        community = None
        if rng.random() < 0.6 and communities_by_street.get(street.street):
            community = rng.choice(communities_by_street[street.street])
        subject = rng.choice(vocab.PROJECT_SUBJECTS)
        roll = rng.random()
        funding = (
            FundingSource.FUND if roll < 0.04 else FundingSource.BOTH if roll < 0.10 else FundingSource.FISCAL
        )
        min_grade = rng.choice((Grade.A2, Grade.A3, Grade.A3, Grade.A4)) if rng.random() < 0.12 else ""
        category = subject[1] if rng.random() < 0.10 else None
        open_now = status in (P.PUBLISHED, P.BIDDING_CLOSED)
        pool = pool_of(min_grade, category, open_now)
        if len(pool) < 2 * MIN_VALID_BIDS:
            min_grade, category = "", None
            pool = pool_of("", None, open_now)
        plans.append(
            Plan(
                status=status,
                street=street.street,
                community_id=community.id if community else None,
                place=community.name if community else street.name,
                subject=subject,
                funding=funding,
                min_grade=min_grade,
                categories=[category] if category else [],
                pool=pool,
                cancelled_from=cancelled_from,
            )
        )
    return plans, _allocate(rng, plans, bids)


def _limits(plan: Plan) -> tuple[int, int, float]:
    """(fewest, most, weight) of a project's bids by its status."""
    cap = min(MAX_BIDS, len(plan.pool))
    s = plan.status
    if s in OPENED_PLUS:
        return MIN_VALID_BIDS, cap, 3.0
    if s in (P.PUBLISHED, P.BIDDING_CLOSED) or (s == P.CANCELLED and plan.cancelled_from == P.PUBLISHED):
        return 0, cap, 2.0 if s != P.CANCELLED else 1.0
    if s == P.FAILED:
        return 0, min(cap, MIN_VALID_BIDS + 1), 0.5
    return 0, 0, 0.0


def _allocate(rng, plans: list[Plan], total: int) -> list[int]:
    # An opened project needs its minimum of valid bids: where the bidders or the bids run
    # short, the project failed (流标) instead, the latest first.
    for plan in plans:
        if plan.status in OPENED_PLUS and len(plan.pool) < MIN_VALID_BIDS:
            plan.status = P.FAILED
    need = sum(_limits(p)[0] for p in plans)
    for plan in reversed(plans):
        if need <= total:
            break
        if plan.status in OPENED_PLUS:
            plan.status = P.FAILED
            need -= MIN_VALID_BIDS
    limits = [_limits(p) for p in plans]
    counts = [low for low, _high, _w in limits]
    extra = total - sum(counts)
    room = sum(high - low for low, high, _w in limits)
    if extra > room:
        raise SizeError(
            f"投标数过多:{len(plans)} 个项目在现有社会组织中最多可有 {sum(counts) + room} 份投标"
            f"(每个项目每个组织一份),请减少 --bids 或增加 --projects、--organizations。"
        )
    while extra > 0:
        open_ = [j for j, (low, high, w) in enumerate(limits) if counts[j] < high and w > 0]
        if not open_:
            open_ = [j for j, (low, high, _w) in enumerate(limits) if counts[j] < high]
        draws = rng.choices(open_, weights=[limits[j][2] or 1.0 for j in open_], k=extra)
        for j in draws:
            if counts[j] < limits[j][1] and extra > 0:
                counts[j] += 1
                extra -= 1
    return counts


def _timeline(rng, plan: Plan, now: int) -> dict:
    """Every moment of the project, forward from the close of bidding, then moved so that the
    move into its status happened a plausible while ago."""
    t: dict = {"close": 0}
    window = rng.randrange(15, 31) * DAY
    t["published"] = -window
    t["approved"] = t["published"] - rng.randrange(HOUR, 3 * DAY)
    t["submitted"] = t["approved"] - rng.randrange(HOUR, 3 * DAY)
    t["created"] = t["submitted"] - rng.randrange(HOUR, 10 * DAY)
    t["opened"] = rng.randrange(2 * HOUR, 3 * DAY)
    t["evaluated"] = t["opened"] + rng.randrange(DAY, 5 * DAY)
    t["proposed"] = t["evaluated"] + rng.randrange(2 * HOUR, 2 * DAY)
    t["publicity"] = t["proposed"] + rng.randrange(2 * HOUR, 2 * DAY)
    t["failed"] = rng.randrange(2 * HOUR, 2 * DAY)
    status = plan.status
    if status == P.CANCELLED:
        if plan.cancelled_from == P.PUBLISHED:
            t["cancelled"] = t["published"] + rng.randrange(HOUR, window - HOUR)
        else:
            t["cancelled"] = t[ANCHOR[plan.cancelled_from][0]] + rng.randrange(HOUR, 20 * DAY)
    key, low, high = ANCHOR[status]
    if key in ("awarded", "signed", "delivery", "completed"):
        _delivery_times(rng, t, plan)
    shift = now - rng.randrange(low, high) - t[key]
    out = {k: v + shift for k, v in t.items() if isinstance(v, int)}
    if status in (P.DRAFT, P.PENDING_APPROVAL, P.APPROVED) and out["published"] <= now:
        # Not published yet: the window it is to be published with lies ahead.
        ahead = now + rng.randrange(DAY, 10 * DAY) - out["published"]
        out["published"] += ahead
        out["close"] += ahead
    if "publicity" in out:
        out["publicity_ends"] = epoch(publicity_end(as_datetime(out["publicity"]), 5))
    if "milestones" in t:
        days = shift // DAY
        out["milestones"] = [(due + days, sub + shift, acc + shift) for due, sub, acc in t["milestones"]]
        out["service"] = (t["service"][0] + days, t["service"][1] + days)
    else:
        start = local_day(out["close"]) + rng.randrange(10, 40)
        out["service"] = (start, start + rng.choice((180, 270, 364)))
    return out


def _delivery_times(rng, t: dict, plan: Plan) -> None:
    """From publicity to completion, with the milestones' (due, submitted, accepted) times."""
    start_pub = t["publicity"]
    # Publicity: five working days; seven to nine calendar days is near enough before moving.
    t["awarded"] = start_pub + rng.randrange(8 * DAY, 10 * DAY)
    t["signed"] = t["awarded"] + rng.randrange(DAY, 7 * DAY)
    start = (t["signed"] + LOCAL_OFFSET) // DAY + rng.randrange(1, 20)
    length = rng.choice((180, 270, 364))
    t["service"] = (start, start + length)
    t["delivery"] = max(t["signed"] + HOUR, start * DAY - LOCAL_OFFSET + 9 * HOUR)
    fractions = (0.33, 0.67, 1.0) if rng.random() < 0.7 else (0.5, 1.0)
    milestones = []
    for f in fractions:
        due = start + int(length * f)
        submitted = max(t["delivery"] + HOUR, due * DAY - LOCAL_OFFSET - rng.randrange(0, 10 * DAY))
        accepted = submitted + rng.randrange(DAY, 10 * DAY)
        milestones.append((due, submitted, accepted))
    t["milestones"] = milestones
    t["completed"] = milestones[-1][2] + rng.randrange(DAY, 10 * DAY)


def seed_projects(world: World, orgs: Orgs, plans: list[Plan], counts: list[int], book) -> None:
    rng = world.rng("projects")
    copier = world.copier
    projects = copier.table(Project, PROJECT_COLUMNS)
    keys = copier.table(ProjectKey, ["id", "wrapped_key", "created_at", "project_id"])
    criteria_t = copier.table(
        EvaluationCriterion, ["id", "name", "weight", "is_price", "guidance", "sort_order", "project_id"]
    )
    logs = copier.table(TransitionLog, LOG_COLUMNS)
    timelines = [_timeline(rng, plan, world.now) for plan in plans]
    # Ids follow the order the projects were drafted in, as they would.
    for j in sorted(range(len(plans)), key=lambda j: (timelines[j]["created"], j)):
        plan, n_bids, t = plans[j], counts[j], timelines[j]
        drafter, approver = world.officials[plan.street]
        pk = projects.take()
        subject, category, targets, deliver = plan.subject
        status = plan.status
        reached = _reached(plan)
        year = as_datetime(t["created"] + LOCAL_OFFSET).year
        title = f"{year}年度{plan.place}{subject}" + ("项目" if rng.random() < 0.3 else "")
        fund_paid = plan.funding != FundingSource.FISCAL
        # Fen; the fund pays for small community projects, the budget for the larger ones.
        budget = rng.randrange(2, 11) * 1_000_000 if fund_paid else rng.randrange(5, 81) * 1_000_000
        criteria = STANDARD if rng.random() < 0.6 else DETAILED
        criterion_ids = []
        for order, (name, weight, is_price, guidance) in enumerate(criteria):
            cid = criteria_t.take()
            criterion_ids.append(cid)
            criteria_t.row(cid, name, weight, is_price, guidance, order, pk)
        published = P.PUBLISHED in reached
        fernet = None
        if published:
            raw_key = base64.urlsafe_b64encode(rng.randbytes(32))
            fernet = Fernet(raw_key)
            keys.row(keys.take(), crypto.encrypt(raw_key.decode("ascii")), ts(t["published"]), pk)
        winner, bid_rows = None, []
        if n_bids:
            winner, bid_rows = _bids(
                rng,
                world,
                orgs,
                plan,
                pk,
                n_bids,
                t,
                fernet,
                budget,
                list(zip(criteria, criterion_ids, strict=True)),
            )
        awarded_bid = winner[0] if winner and P.AWARD_PROPOSED in reached else None
        cancel_reason = rng.choice(vocab.CANCEL_REASONS) if status == P.CANCELLED else ""
        projects.row(
            pk,
            title,
            category,
            f"面向{plan.place}{targets},提供{deliver}等服务,建立服务台账,按季度开展成效评估。",
            f"{plan.place}{targets}约{rng.randrange(40, 400)}人",
            rng.choice(vocab.PERFORMANCE).format(n=rng.randrange(200, 3000), m=rng.randrange(6, 40)),
            budget,
            plan.funding,
            plan.min_grade,
            json.dumps(plan.categories),
            ts(t["published"]),
            ts(t["close"]),
            day(t["service"][0]),
            day(t["service"][1]),
            MIN_VALID_BIDS,
            5,
            status,
            1,
            ts(t["published"]) if published else None,
            ts(t["opened"]) if P.OPENED in reached else None,
            cancel_reason,
            ts(t["created"]),
            approver.user_id if P.APPROVED in reached else None,
            plan.community_id,
            drafter.user_id,
            world.district_id,
            None,
            world.streets[plan.street].id,
            awarded_bid,
            vocab.EVALUATION_REPORT if P.EVALUATED in reached else "",
            ts(t["publicity_ends"]) if P.PUBLICITY in reached else None,
        )
        _project_logs(logs, plan, pk, t, reached, drafter.user_id, approver.user_id, cancel_reason, bid_rows)
        if P.CONTRACTED in reached and winner is not None:
            _contract(rng, world, orgs, plan, pk, title, t, winner, book)


def _reached(plan: Plan) -> list[str]:
    """The statuses the project passed through, in order (its own last)."""
    status = plan.status
    if status == P.FAILED:
        return [*ORDER[: RANK[P.BIDDING_CLOSED] + 1], P.FAILED]
    if status == P.CANCELLED:
        return [*ORDER[: RANK[plan.cancelled_from] + 1], P.CANCELLED]
    return ORDER[: RANK[status] + 1]


def _project_logs(logs, plan, pk, t, reached, drafter, approver, cancel_reason, bid_rows) -> None:
    object_id = str(pk)
    for code, source, target, when, actor in STEPS:
        if target not in reached:
            break
        who = drafter if actor == "drafter" else approver if actor == "approver" else None
        logs.row(logs.take(), ts(t[when]), "procurement.project", object_id, code, source, target, "", who)
    before = reached[-2] if len(reached) > 1 else P.DRAFT
    if plan.status == P.FAILED:
        valid = sum(1 for _pk, status in bid_rows if status == "submitted")
        reason = f"有效投标 {valid} 家,少于 {MIN_VALID_BIDS} 家"
        logs.row(
            logs.take(),
            ts(t["failed"]),
            "procurement.project",
            object_id,
            "fail",
            before,
            P.FAILED,
            reason,
            None,
        )
    elif plan.status == P.CANCELLED:
        logs.row(
            logs.take(), ts(t["cancelled"]), "procurement.project", object_id, "cancel", before, P.CANCELLED,
            cancel_reason, drafter,
        )  # fmt: skip


def _bids(
    rng, world: World, orgs: Orgs, plan: Plan, project_id: int, n: int, t: dict, fernet, budget: int, criteria
):
    """The project's ``n`` bids, sealed with its key. Returns the winner (bid id, price, org
    index) once evaluated, and (id, status) of every bid."""
    copier = world.copier
    bids_t = copier.table(Bid, BID_COLUMNS)
    reached = _reached(plan)
    opened = P.OPENED in reached
    first, last = t["published"], min(t["close"], world.now) - 60
    rows = []
    for k, org in enumerate(rng.sample(plan.pool, n)):
        submitted = first + rng.randrange(max(60, last - first))
        roll = rng.random()
        if opened:
            # The first three stay valid, so an opened project keeps its minimum.
            status = (
                "opened"
                if k < MIN_VALID_BIDS or roll >= 0.15
                else "withdrawn"
                if roll < 0.05
                else "disqualified"
            )
        elif plan.status == P.FAILED:
            status = "submitted" if k < MIN_VALID_BIDS - 1 else "withdrawn"
        else:
            status = "withdrawn" if roll < 0.08 else "submitted"
        price = max(10_000, int(budget * rng.uniform(0.8, 0.995)) // 10_000 * 10_000)
        rows.append([bids_t.take(), org, submitted, status, price, rng.randint(60, 95)])
    winner = None
    if P.EVALUATED in reached:
        winner = _rank(rng, world, rows, t, criteria)
        if P.AWARDED in reached:
            for row in rows:
                if row[3] == "opened":
                    row[3] = "won" if row[0] == winner[0] else "lost"
    for pk, org, submitted, status, price, _quality in rows:
        contents = {
            "price_fen": price,
            "proposal": PROPOSALS[plan.subject[1]],
            "team": vocab.TEAM_TEXT.format(n=rng.randrange(2, 8), m=rng.randrange(5, 40)),
            "declarations": DECLARATIONS,
            "attachments": [],
            "terms_version": 1,
        }
        sealed = fernet.encrypt(sealing.canonical(contents)).decode("ascii")
        receipt = sealing.receipt_hash(contents, as_datetime(submitted).isoformat())
        has_price = status in ("opened", "won", "lost", "disqualified")
        bids_t.line(
            f"{pk}\t{status}\t{sealed}\t{receipt}\t1\t{ts(submitted)}\t{price if has_price else NULL}\t"
            f"{ts(max(first, submitted - rng.randrange(3600)))}\t{orgs.ids[org]}\t{orgs.admin[org]}\t"
            f"{project_id}\n"
        )
    return winner, [(row[0], row[3]) for row in rows]


def _rank(rng, world: World, rows: list, t: dict, criteria) -> tuple[int, int, int]:
    """The evaluation's ranking of the valid bids, by the portal's own ranking; three
    evaluators score each non-price criterion around the bid's quality."""
    results_t = world.copier.table(
        BidResult,
        [
            "id",
            "price_score_milli",
            "other_score_milli",
            "total_score_milli",
            "rank",
            "computed_at",
            "bid_id",
        ],
    )
    crits = [ranking.Criterion(cid, c[1], c[2]) for c, cid in criteria]
    inputs = []
    for pk, _org, submitted, status, price, quality in rows:
        if status != "opened":
            continue
        scores = {
            c.id: [max(0, min(100, quality + rng.randint(-8, 8))) for _ in range(3)]
            for c in crits
            if not c.is_price
        }
        inputs.append(ranking.BidInput(pk, price, as_datetime(submitted), scores))
    ranked = ranking.rank_bids(inputs, crits)
    for r in ranked:
        results_t.row(
            results_t.take(), r.price_score_milli, r.other_score_milli, r.total_score_milli, r.rank,
            ts(t["evaluated"]), r.bid_id,
        )  # fmt: skip
    best = ranked[0].bid_id
    row = next(row for row in rows if row[0] == best)
    return best, row[4], row[1]


def _contract(
    rng, world: World, orgs: Orgs, plan: Plan, project_id: int, title: str, t: dict, winner, book
) -> None:
    """The contract with the winner, its milestones as far as delivery has come, their reports,
    payments (and the fund's disbursements) and, once completed, the street's rating."""
    copier = world.copier
    contracts = copier.table(
        Contract,
        [
            "id",
            "amount_fen",
            "terms",
            "signed_at",
            "completed_at",
            "bid_id",
            "organization_id",
            "project_id",
            "signed_by_id",
        ],
    )
    milestones_t = copier.table(
        Milestone,
        ["id", "seq", "title", "percent", "amount_fen", "due_on", "deliverables", "status", "contract_id"],
    )
    reports = copier.table(
        MilestoneReport,
        [
            "id",
            "content",
            "evidence_file_ids",
            "submitted_at",
            "review_note",
            "reviewed_at",
            "milestone_id",
            "reviewed_by_id",
            "submitted_by_id",
        ],
    )
    payments = copier.table(
        Payment,
        [
            "id",
            "amount_fen",
            "source",
            "fund_disbursement_ref",
            "recorded_at",
            "milestone_id",
            "recorded_by_id",
        ],
    )
    ratings = copier.table(Rating, ["id", "score", "comment", "rated_at", "contract_id", "rated_by_id"])
    logs = copier.table(TransitionLog, LOG_COLUMNS)
    now = world.now
    bid_pk, price, org = winner
    official = world.officials[plan.street][0].user_id
    org_admin = orgs.admin[org]
    completed = t["completed"] if plan.status == P.COMPLETED else None
    contract_id = contracts.take()
    contracts.row(
        contract_id, price, vocab.CONTRACT_TERMS, ts(t["signed"]), ts(completed) if completed else None,
        bid_pk, orgs.ids[org], project_id, official,
    )  # fmt: skip
    spec = t["milestones"]
    names = MILESTONE_NAMES[len(spec)]
    percents = (30, 40, 30) if len(spec) == 3 else (50, 50)
    amounts = split_amount(price, percents)
    delivering = plan.status in (P.IN_DELIVERY, P.COMPLETED)
    for seq, ((due, submitted, accepted), (m_title, deliverables), percent, amount) in enumerate(
        zip(spec, names, percents, amounts, strict=True), start=1
    ):
        mid = milestones_t.take()
        object_id = str(mid)
        state = "pending"
        if delivering and (completed is not None or accepted <= now - HOUR):
            state = "accepted"
        elif delivering and submitted <= now - HOUR:
            returned = submitted + rng.randrange(DAY, 5 * DAY)
            state = "returned" if rng.random() < 0.25 and returned <= now - HOUR else "submitted"
        if state != "pending":
            logs.row(
                logs.take(),
                ts(submitted),
                "procurement.milestone",
                object_id,
                "submit",
                "pending",
                "submitted",
                "",
                org_admin,
            )
        if state == "submitted":
            reports.row(
                reports.take(), vocab.REPORT_TEXT, "[]", ts(submitted), "", None, mid, None, org_admin
            )
        elif state == "returned":
            reports.row(
                reports.take(),
                vocab.REPORT_TEXT,
                "[]",
                ts(submitted),
                RETURN_REASON,
                ts(returned),
                mid,
                official,
                org_admin,
            )
            logs.row(
                logs.take(), ts(returned), "procurement.milestone", object_id, "return", "submitted", "returned",
                RETURN_REASON, official,
            )  # fmt: skip
        elif state == "accepted":
            reports.row(
                reports.take(),
                vocab.REPORT_TEXT,
                "[]",
                ts(submitted),
                ACCEPT_NOTE,
                ts(accepted),
                mid,
                official,
                org_admin,
            )
            logs.row(
                logs.take(), ts(accepted), "procurement.milestone", object_id, "accept", "submitted", "accepted",
                ACCEPT_NOTE, official,
            )  # fmt: skip
            source = _source(plan.funding, seq)
            ref, paid_at, actor = "", None, official
            if source == "fiscal":
                paid_at = accepted
            else:
                paid = fund_gen.pay_milestone(
                    world, book, rng, milestone_id=mid, amount=amount, street=plan.street, accepted=accepted,
                    purpose=f"{title} · {m_title}",
                )  # fmt: skip
                if paid is not None:
                    ref, paid_at, actor = f"fund-disbursement:{paid[0]}", paid[1], None
            payments.row(payments.take(), amount, source, ref, ts(accepted), mid, official)
            if paid_at is not None:
                state = "paid"
                logs.row(
                    logs.take(),
                    ts(paid_at),
                    "procurement.milestone",
                    object_id,
                    "pay",
                    "accepted",
                    "paid",
                    "",
                    actor,
                )
        milestones_t.row(mid, seq, m_title, percent, amount, day(due), deliverables, state, contract_id)
    if completed is not None and rng.random() < 0.85:
        score, comment = rng.choice(vocab.RATING_COMMENTS)
        rated = min(now - 60, completed + rng.randrange(HOUR, 10 * DAY))
        ratings.row(ratings.take(), score, comment, ts(rated), contract_id, official)


def _source(funding: str, seq: int) -> str:
    """Where a milestone's payment comes from: a project paid from both sources pays its odd
    milestones from the budget and its even ones from the fund."""
    if funding == FundingSource.FISCAL:
        return "fiscal"
    if funding == FundingSource.FUND:
        return "fund"
    return "fiscal" if seq % 2 else "fund"
