"""Volunteers, activities, shifts, sign-ups and service hours, as ``volunteers.services`` leaves
them.

- A volunteer is a person with an account (verified phone, no password), a real-name identity
  (the ID number Fernet-encrypted exactly as ``EncryptedTextField`` stores it, its keyed hash,
  the masked form, gender and birth date from the number) and a registration in a grid.
- Activities are posted by a community, a grid, a street or a verified organisation; finished
  ones have every shift in the past, published ones every shift ahead, drafts and cancelled
  ones as the services allow.
- Every service-hour record belongs to a checked-out sign-up of a shift of its activity; a
  correction is a second, confirmed record pointing at the superseded one. A volunteer signs up
  only after registering, never for two shifts that overlap, and party-only activities take
  party members only.

Volunteers registered earlier serve more (the draw is skewed towards them), as in a real
registry where the veterans carry the hours.
"""

import bisect
import hashlib
import hmac
import json
import math
from dataclasses import dataclass, field

from django.conf import settings

from cms.demo.volunteers import KINDS
from marketplace.accounts.models import RealNameIdentity
from marketplace.accounts.services import IDENTITY_CONSENT_VERSION
from marketplace.core import crypto
from marketplace.core.masking import mask_resident_id
from marketplace.volunteers.choices import (
    Availability,
    OrganizerKind,
    PartyReportStatus,
    PoliticalStatus,
    ResidentRole,
)
from marketplace.volunteers.models import (
    Activity,
    PartyReport,
    ServiceRecord,
    Shift,
    Signup,
    Volunteer,
)

from . import people, vocab
from .copy import LOCAL_OFFSET, NULL, as_date, day, local_day, ts
from .errors import SizeError
from .organizations import Orgs
from .world import DAY, YEAR, World

HOUR = 3600
IDENTITY_COLUMNS = [
    "id",
    "real_name",
    "id_number",
    "id_number_hash",
    "id_number_masked",
    "gender",
    "birth_date",
    "consent_at",
    "consent_version",
    "created_at",
    "district_id",
    "user_id",
]
VOLUNTEER_COLUMNS = [
    "id",
    "political_status",
    "in_service",
    "workplace",
    "workplace_party_branch",
    "availability",
    "availability_note",
    "resident_roles",
    "status",
    "registered_at",
    "community_id",
    "district_id",
    "grid_id",
    "identity_id",
    "party_organization_id",
    "street_id",
    "user_id",
]
REPORT_COLUMNS = [
    "id",
    "workplace",
    "workplace_party_branch",
    "note",
    "status",
    "reported_at",
    "decided_at",
    "decline_reason",
    "community_id",
    "decided_by_id",
    "district_id",
    "street_id",
    "volunteer_id",
]
ACTIVITY_COLUMNS = [
    "id",
    "title",
    "description",
    "place",
    "organizer_kind",
    "contact_name",
    "contact_phone",
    "signup_deadline",
    "party_only",
    "status",
    "created_at",
    "published_at",
    "cancel_reason",
    "community_id",
    "created_by_id",
    "district_id",
    "grid_id",
    "organization_id",
    "street_id",
]
SHIFT_COLUMNS = [
    "id",
    "starts_at",
    "ends_at",
    "capacity",
    "status",
    "cancel_reason",
    "created_at",
    "activity_id",
]
SIGNUP_COLUMNS = [
    "id",
    "status",
    "created_at",
    "promoted_at",
    "cancelled_at",
    "cancel_reason",
    "checked_in_at",
    "checked_out_at",
    "activity_id",
    "checked_in_by_id",
    "checked_out_by_id",
    "shift_id",
    "user_id",
    "volunteer_id",
]
RECORD_COLUMNS = [
    "id",
    "served_on",
    "minutes",
    "started_at",
    "ended_at",
    "status",
    "reason",
    "created_at",
    "confirmed_at",
    "closed_at",
    "activity_id",
    "confirmed_by_id",
    "corrects_id",
    "created_by_id",
    "shift_id",
    "signup_id",
    "volunteer_id",
]
AVAILABILITY = list(Availability.values)
ROLES = list(ResidentRole.values)
# A record may exceed its shift by this much (``VOLUNTEER_HOURS_MARGIN``).
MARGIN_MINUTES = int(settings.VOLUNTEER_HOURS_MARGIN.total_seconds() // 60)
# Of the hour records, about one in a hundred is a correction of another.
CORRECTION_SHARE = 101


@dataclass
class Volunteers:
    count: int
    first_id: int = 0
    first_user: int = 0
    first_registered: int = 0
    split_registered: int = 0
    last_registered: int = 0
    street: bytearray = field(default_factory=bytearray)
    party: bytearray = field(default_factory=bytearray)
    active: bytearray = field(default_factory=bytearray)
    pools: dict[int, list[int]] = field(default_factory=dict)
    party_pools: dict[int, list[int]] = field(default_factory=dict)
    party_all: list[int] = field(default_factory=list)

    # Registration times rise with the index: seven in ten registered 6 to 3 years ago, the
    # rest since, so that every activity (all within the last three years) finds most of them.
    @property
    def _split(self) -> int:
        return max(1, math.ceil(self.count * 0.7))

    def registered_at(self, i: int) -> int:
        a = self._split
        if i < a:
            return self.first_registered + i * (self.split_registered - self.first_registered) // a
        rest = max(1, self.count - a)
        return self.split_registered + (i - a) * (self.last_registered - self.split_registered) // rest

    def registered_before(self, moment: int) -> int:
        """How many volunteers (the first n indices) had registered before ``moment``."""
        return bisect.bisect_left(range(self.count), moment, key=self.registered_at)


# --- volunteers -------------------------------------------------------------------------------
def seed_volunteers(world: World, count: int) -> Volunteers:
    rng = world.rng("volunteers")
    copier = world.copier
    identities = copier.table(RealNameIdentity, IDENTITY_COLUMNS)
    table = copier.table(Volunteer, VOLUNTEER_COLUMNS)
    skills = copier.table(Volunteer.skills.through, ["id", "volunteer_id", "skill_id"])
    reports = copier.table(PartyReport, REPORT_COLUMNS)
    vols = Volunteers(count=count)
    vols.first_registered = world.now - 6 * YEAR
    vols.split_registered = world.now - 3 * YEAR - 60 * DAY
    vols.last_registered = world.now - 7 * DAY
    today = as_date(local_day(world.now))
    ids = people.ResidentIds(rng)
    taken_hashes = set(RealNameIdentity.objects.values_list("id_number_hash", flat=True))
    mac = hmac.new(settings.PII_HASH_KEY.encode("utf-8"), digestmod=hashlib.sha256)
    skill_ids = [pk for pk, _slug in world.skills]
    grids = world.grids
    workplaces = world.workplace_branches
    district = world.district_id
    vols.first_id = table.next_id
    vols.first_user = world.users.next_id
    for i in range(count):
        grid = grids[rng.randrange(len(grids))]
        gender = "M" if rng.random() < 0.46 else "F"
        roll = rng.random()
        if roll < 0.15:
            status_p, low, high = PoliticalStatus.PARTY_MEMBER, 25, 78
        elif roll < 0.18:
            status_p, low, high = PoliticalStatus.PROBATIONARY, 20, 50
        elif roll < 0.30:
            status_p, low, high = PoliticalStatus.LEAGUE_MEMBER, 18, 28
        else:
            status_p, low, high = PoliticalStatus.MASSES, 18, 75
        party = status_p in (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)
        birth = people.birth_date(rng, today, low, high)
        name = people.person_name(rng, gender, birth.year)
        while True:
            number = ids.make(birth, gender)
            digest = mac.copy()
            digest.update(number.encode("ascii"))
            hashed = digest.hexdigest()
            if hashed not in taken_hashes:
                break
        registered = vols.registered_at(i)
        joined = registered - rng.randrange(HOUR, 30 * DAY)
        user = world.user_row(
            rng, username=f"scale-v{i + 1:07d}", name=name, phone=world.new_phone(), joined=joined
        )
        identity = identities.take()
        identities.line(
            f"{identity}\t{name}\t{crypto.encrypt(number)}\t{hashed}\t{mask_resident_id(number)}\t{gender}\t"
            f"{birth.isoformat()}\t{ts(registered)}\t{IDENTITY_CONSENT_VERSION}\t{ts(registered)}\t"
            f"{district}\t{user}\n"
        )
        party_org, in_service, workplace, branch = NULL, "f", "", ""
        if party:
            if workplaces and rng.random() < 0.25:
                org_id, branch, workplace = workplaces[rng.randrange(len(workplaces))]
                party_org, in_service = org_id, "t"
            elif grid.id in world.grid_branch and rng.random() < 0.7:
                party_org = world.grid_branch[grid.id]
            elif grid.community_id in world.community_committee:
                party_org = world.community_committee[grid.community_id]
            else:
                # A member's organisation is required; without one here, record them as 群众.
                status_p, party = PoliticalStatus.MASSES, False
        availability = json.dumps(sorted(rng.sample(AVAILABILITY, rng.randint(1, 3))))
        note = rng.choice(vocab.NOTES) if rng.random() < 0.15 else ""
        roles = json.dumps([rng.choice(ROLES)] if rng.random() < 0.06 else [])
        roll = rng.random()
        status = "active" if roll < 0.95 else "suspended" if roll < 0.96 else "withdrawn"
        pk = table.take()
        table.line(
            f"{pk}\t{status_p}\t{in_service}\t{workplace}\t{branch}\t{availability}\t{note}\t{roles}\t"
            f"{status}\t{ts(registered)}\t{grid.community_id}\t{district}\t{grid.id}\t{identity}\t"
            f"{party_org}\t{world.streets[grid.street].id}\t{user}\n"
        )
        # The skills are the platform's own (a migration adds them); a district may have none.
        k = min(len(skill_ids), rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0])
        for skill in rng.sample(skill_ids, k) if k else ():
            skills.line(f"{skills.take()}\t{pk}\t{skill}\n")
        if in_service == "t":
            _party_report(world, rng, reports, pk, grid, workplace, branch, registered)
        vols.street.append(grid.street)
        vols.party.append(1 if party else 0)
        vols.active.append(1 if status == "active" else 0)
        vols.pools.setdefault(grid.street, []).append(i)
        if party:
            vols.party_pools.setdefault(grid.street, []).append(i)
            vols.party_all.append(i)
    return vols


def _party_report(world, rng, reports, volunteer_id, grid, workplace, branch, registered) -> None:
    """An in-service member reports to their home community, whose worker decides."""
    reported = registered + rng.randrange(DAY, 60 * DAY)
    roll = rng.random()
    status = (
        PartyReportStatus.CONFIRMED
        if roll < 0.75
        else PartyReportStatus.PENDING
        if roll < 0.9
        else PartyReportStatus.DECLINED
    )
    worker = world.workers.get(grid.community_id)
    decided = decided_by = None
    reason = ""
    if status != PartyReportStatus.PENDING and worker is not None:
        decided, decided_by = reported + rng.randrange(HOUR, 10 * DAY), worker.user_id
        if status == PartyReportStatus.DECLINED:
            reason = "经核实,该同志居住地不在本社区,请向实际居住社区报到。"
    elif status != PartyReportStatus.PENDING:
        status = PartyReportStatus.PENDING
    reports.row(
        reports.take(),
        workplace,
        branch,
        "",
        status,
        ts(reported),
        ts(decided) if decided else None,
        reason,
        grid.community_id,
        decided_by,
        world.district_id,
        world.streets[grid.street].id,
        volunteer_id,
    )


# --- activities -------------------------------------------------------------------------------
@dataclass
class Activities:
    ids: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    street: list[int] = field(default_factory=list)
    party_only: list[bool] = field(default_factory=list)
    organiser: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    published: list[int | None] = field(default_factory=list)
    deadline: list[int] = field(default_factory=list)
    cancel_reason: list[str] = field(default_factory=list)
    # (starts_at, ends_at, base capacity, activity index, shift id)
    shifts: list[tuple[int, int, int, int, int]] = field(default_factory=list)


STATUS_WEIGHTS = (("finished", 75), ("published", 15), ("cancelled", 5), ("draft", 5))
KIND_KEYS = [k for k in KINDS if k != "station"]


def _local_midnight(local_days: int) -> int:
    return local_days * DAY - LOCAL_OFFSET


def seed_activities(world: World, count: int, orgs: Orgs, *, need_past: bool) -> Activities:
    rng = world.rng("activities")
    copier = world.copier
    table = copier.table(Activity, ACTIVITY_COLUMNS)
    required = copier.table(Activity.required_skills.through, ["id", "activity_id", "skill_id"])
    shifts = copier.table(Shift, SHIFT_COLUMNS)
    skill_by_slug = {slug: pk for pk, slug in world.skills}
    verified = [i for i in range(len(orgs.ids)) if orgs.status[i] == "verified"]
    communities = world.communities
    community_by_id = {c.id: c for c in communities}
    acts = Activities()
    today = local_day(world.now)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    specs = []
    for j in range(count):
        status = "finished" if (need_past and j == 0) else rng.choices(statuses, weights=weights)[0]
        kind = KINDS[rng.choice(KIND_KEYS)]
        roll = rng.random()
        community = grid = org = None
        if roll < 0.30 and verified:
            organizer = OrganizerKind.ORGANIZATION
            org = verified[rng.randrange(len(verified))]
            street = world.streets[orgs.street[org]]
            community = community_by_id.get(orgs.community[org])
            creator, contact, phone = orgs.admin[org], orgs.admin_name[org], orgs.admin_phone[org]
        elif roll < 0.45:
            organizer = OrganizerKind.STREET
            street = world.streets[rng.randrange(len(world.streets))]
            official = world.officials[street.street][0]
            creator, contact, phone = official.user_id, official.name, official.phone
        else:
            if roll < 0.60:
                organizer = OrganizerKind.GRID
                grid = world.grids[rng.randrange(len(world.grids))]
                community = community_by_id[grid.community_id]
            else:
                organizer = OrganizerKind.COMMUNITY
                community = communities[rng.randrange(len(communities))]
            street = world.streets[community.street]
            worker = world.workers[community.id]
            creator, contact, phone = worker.user_id, worker.name, worker.phone
        where = grid.name if grid else community.name if community else street.name
        title_kind = (
            kind.title[2:] if where.endswith("社区") and kind.title.startswith("社区") else kind.title
        )
        title = f"{where}{title_kind}"
        if rng.random() < 0.4:
            title += rng.choice(vocab.ACTIVITY_SUFFIXES)
        place = kind.place.format(c=community.name if community else street.name)
        # The shifts' days: finished ones all past, published ones all ahead.
        n_shifts = rng.choices((1, 2, 3, 4), weights=(50, 30, 12, 8))[0]
        gap = rng.choice((1, 7))
        span = (n_shifts - 1) * gap
        if status == "finished":
            first = today - rng.randrange(span + 1, span + 1095)
        elif status == "published":
            first = today + rng.randrange(1, 46)
        elif status == "cancelled":
            first = today + rng.randrange(-1095, 46)
        else:
            first = today + rng.randrange(7, 61)
        h, m = kind.start
        starts = [_local_midnight(first + k * gap) + h * HOUR + m * 60 for k in range(n_shifts)]
        first_start = starts[0]
        published = first_start - rng.randrange(7 * DAY, 30 * DAY)
        if status != "draft":
            published = min(published, world.now - HOUR)
        deadline = max(published + HOUR, first_start - rng.randrange(2 * HOUR, 48 * HOUR))
        created = published - rng.randrange(DAY, 5 * DAY)
        cancel_reason = ""
        pub_value = published
        if status == "draft":
            created = world.now - rng.randrange(HOUR, 20 * DAY)
            pub_value = None
            deadline = max(created + HOUR, first_start - 24 * HOUR)
        elif status == "cancelled":
            cancel_reason = rng.choice(vocab.ACTIVITY_CANCEL_REASONS)
            if rng.random() < 0.3:
                pub_value = None  # cancelled while still a draft
        capacities = [max(2, int(kind.capacity * rng.uniform(1.5, 5))) for _ in starts]
        specs.append(
            (
                created,
                j,
                (
                    title,
                    kind.description,
                    place,
                    organizer,
                    contact,
                    phone,
                    ts(deadline),
                    kind.party_only,
                    status,
                    ts(created),
                    ts(pub_value) if pub_value is not None else None,
                    cancel_reason,
                    community.id if community else None,
                    creator,
                    world.district_id,
                    grid.id if grid else None,
                    orgs.ids[org] if org is not None else None,
                    street.id,
                ),
                [skill_by_slug[slug] for slug in kind.skills if slug in skill_by_slug],
                (
                    status,
                    street.street,
                    kind.party_only,
                    creator,
                    created,
                    pub_value,
                    deadline,
                    cancel_reason,
                ),
                [
                    (start, start + kind.minutes * 60, capacity)
                    for start, capacity in zip(starts, capacities, strict=True)
                ],
            )
        )
    # Ids follow time, as they would: activities by when they were created, shifts by when
    # they start (which also keeps the shift and activity indexes of the sign-ups appending).
    specs.sort(key=lambda spec: (spec[0], spec[1]))
    shift_specs = []
    for index, (_created, _j, values, skill_ids, fields_, starts_) in enumerate(specs):
        pk = table.take()
        table.row(pk, *values)
        for skill in skill_ids:
            required.row(required.take(), pk, skill)
        acts.ids.append(pk)
        for name, value in zip(
            (
                "status",
                "street",
                "party_only",
                "organiser",
                "created",
                "published",
                "deadline",
                "cancel_reason",
            ),
            fields_,
            strict=True,
        ):
            getattr(acts, name).append(value)
        shift_specs += [(start, end, capacity, index) for start, end, capacity in starts_]
    shift_specs.sort()
    acts.shifts = [
        (start, end, capacity, index, shifts.take()) for start, end, capacity, index in shift_specs
    ]
    return acts


# --- sign-ups and hours -----------------------------------------------------------------------
class _Day:
    """Who is busy when, on one local day: a volunteer never holds two overlapping shifts."""

    def __init__(self):
        self.day = None
        self.busy: dict[int, list[tuple[int, int]]] = {}

    def move_to(self, local: int) -> None:
        if local != self.day:
            self.day, self.busy = local, {}

    def free_between(self, start: int, end: int, active: bytearray | None = None):
        """A test: may this volunteer take a shift from ``start`` to ``end`` (and is active,
        when ``active`` is given)?"""
        busy = self.busy

        def free(v: int) -> bool:
            if active is not None and not active[v]:
                return False
            return all(e <= start or s >= end for s, e in busy.get(v, ()))

        return free

    def take(self, v: int, start: int, end: int) -> None:
        self.busy.setdefault(v, []).append((start, end))


def _pick(rng, pool, m: int, k: int, ok) -> list[int]:
    """Up to ``k`` distinct volunteers among the first ``m`` of ``pool`` for whom ``ok``
    holds, drawn with a skew towards the earlier (longer-registered) ones."""
    out: list[int] = []
    if m <= 0 or k <= 0:
        return out
    chosen: set[int] = set()
    tries, limit = 0, 20 * k + 50
    while len(out) < k and tries < limit:
        tries += 1
        v = pool[int(m * rng.random() ** 1.7)]
        if v not in chosen and ok(v):
            chosen.add(v)
            out.append(v)
    if len(out) < k:
        start = rng.randrange(m)
        for step in range(m):
            v = pool[(start + step) % m]
            if v not in chosen and ok(v):
                chosen.add(v)
                out.append(v)
                if len(out) == k:
                    break
    return out


def seed_signups(world: World, vols: Volunteers, acts: Activities, hours: int) -> None:
    """The shifts' rows, their sign-ups and exactly ``hours`` service-hour records."""
    rng = world.rng("signups")
    copier = world.copier
    shifts = copier.table(Shift, SHIFT_COLUMNS)
    signups = copier.table(Signup, SIGNUP_COLUMNS)
    records = copier.table(ServiceRecord, RECORD_COLUMNS)
    now = world.now
    everyone = range(vols.count)
    corrections = hours // CORRECTION_SHARE
    with_records = hours - corrections
    past = sorted(s for s in acts.shifts if acts.status[s[3]] == "finished")
    upcoming = sorted(s for s in acts.shifts if acts.status[s[3]] == "published")
    other = [s for s in acts.shifts if acts.status[s[3]] in ("cancelled", "draft")]
    if with_records and not past:
        raise SizeError("服务时长记录需要至少一个已结束的活动:请增加 --activities。")
    if with_records > vols.count * max(1, len(past)):
        raise SizeError("志愿者太少,容纳不下这么多服务时长记录:请增加 --volunteers 或减少 --hours。")

    # How many checked-out sign-ups each past shift gets: in proportion to its places, filled
    # from half to whole, in whole numbers that add up exactly.
    weights = [s[2] * rng.uniform(0.5, 1.0) for s in past]
    total = sum(weights) or 1.0
    targets = [int(with_records * w / total) for w in weights]
    short = with_records - sum(targets)
    while short > 0:
        for index in rng.sample(range(len(past)), min(short, len(past))):
            targets[index] += 1
        short = with_records - sum(targets)

    today = _Day()
    carry = 0
    corrections_left, checked_out_left = corrections, with_records
    for (start, end, base, a, shift_id), target in zip(past, targets, strict=True):
        today.move_to(local_day(start))
        # A party-only shift takes party members only: what it cannot fill passes on, and it
        # takes on nothing that an earlier shift could not fill.
        party_only = acts.party_only[a]
        want = target + (0 if party_only else carry)
        no_shows = int(want * rng.uniform(0, 0.1))
        cancels = int(want * rng.uniform(0, 0.08))
        need = want + no_shows + cancels
        pool, m = _pool(vols, acts, a, everyone)
        ok = today.free_between(start, end)
        people_ = _pick(rng, pool, m, need, ok)
        if len(people_) < need and pool is not everyone and not party_only:
            more = _pick(rng, everyone, vols.registered_before(acts.published[a]), need, ok)
            people_ = list(dict.fromkeys(people_ + more))[:need]
        served = people_[:want]
        carry = (carry if party_only else 0) + want - len(served)
        rest = people_[len(served) :]
        no_show_people, cancel_people = rest[:no_shows], rest[no_shows:]
        capacity = max(base, len(served) + len(no_show_people))
        shifts.row(
            shift_id, ts(start), ts(end), capacity, "scheduled", "", ts(acts.created[a] + 600), acts.ids[a]
        )
        organiser = acts.organiser[a]
        aid = acts.ids[a]
        pub, deadline = acts.published[a], acts.deadline[a]
        duration = (end - start) // 60
        served_on = day(local_day(start))
        recent = now - end < 14 * DAY
        for v in served:
            today.take(v, start, end)
            user, vid = vols.first_user + v, vols.first_id + v
            sid = signups.take()
            created = pub + rng.randrange(max(1, deadline - pub))
            cin = start - rng.randrange(0, 1200)
            cout = end + rng.randrange(-1200, 1200)
            by = user if rng.random() < 0.7 else organiser
            signups.line(
                f"{sid}\tchecked_out\t{ts(created)}\t\\N\t\\N\t\t{ts(cin)}\t{ts(cout)}\t{aid}\t{by}\t{by}\t"
                f"{shift_id}\t{user}\t{vid}\n"
            )
            minutes = min(max((cout - cin) // 60, 0), duration + MARGIN_MINUTES)
            corrected = rng.random() * checked_out_left < corrections_left
            checked_out_left -= 1
            roll = rng.random()
            if corrected:
                corrections_left -= 1
                status, confirmed, closed = "superseded", cout + rng.randrange(HOUR, 3 * DAY), None
            elif recent and roll < 0.6:
                status, confirmed, closed = "pending", None, None
            elif roll < 0.985:
                status, confirmed, closed = "confirmed", cout + rng.randrange(HOUR, 3 * DAY), None
            else:
                status, confirmed, closed = (
                    "rejected",
                    None,
                    min(now - 60, cout + rng.randrange(HOUR, 3 * DAY)),
                )
            if confirmed is not None:
                confirmed = min(confirmed, now - 60)
            rid = records.take()
            if corrected:
                closed = min(cout + rng.randrange(3 * DAY, 20 * DAY), now - 60)
            records.line(
                f"{rid}\t{served_on}\t{minutes}\t{ts(cin)}\t{ts(cout)}\t{status}\t\t{ts(cout)}\t"
                f"{ts(confirmed) if confirmed else NULL}\t{ts(closed) if closed else NULL}\t{aid}\t"
                f"{organiser if confirmed else NULL}\t\\N\t{by}\t{shift_id}\t{sid}\t{vid}\n"
            )
            if corrected:
                fixed = max(0, min(duration + MARGIN_MINUTES, duration - rng.randrange(0, 60)))
                records.line(
                    f"{records.take()}\t{served_on}\t{fixed}\t{ts(cin)}\t{ts(cout)}\tconfirmed\t"
                    f"{vocab.CORRECTION_REASON}\t{ts(closed)}\t{ts(closed)}\t\\N\t{aid}\t{organiser}\t{rid}\t"
                    f"{organiser}\t{shift_id}\t{sid}\t{vid}\n"
                )
        for v in no_show_people:
            today.take(v, start, end)
            created = pub + rng.randrange(max(1, deadline - pub))
            signups.line(
                f"{signups.take()}\tno_show\t{ts(created)}\t\\N\t\\N\t\t\\N\t\\N\t{aid}\t\\N\t\\N\t"
                f"{shift_id}\t{vols.first_user + v}\t{vols.first_id + v}\n"
            )
        for v in cancel_people:
            created = pub + rng.randrange(max(1, deadline - pub))
            cancelled = created + rng.randrange(max(1, start - created))
            signups.line(
                f"{signups.take()}\tcancelled\t{ts(created)}\t\\N\t{ts(cancelled)}\t\t\\N\t\\N\t{aid}\t\\N\t\\N\t"
                f"{shift_id}\t{vols.first_user + v}\t{vols.first_id + v}\n"
            )
    if carry:
        raise SizeError("志愿者太少,容纳不下这么多服务时长记录:请增加 --volunteers 或减少 --hours。")

    # Shifts still ahead: places taken, some full with a waiting list, a few cancelled.
    active = vols.active
    for start, end, base, a, shift_id in upcoming:
        today.move_to(local_day(start))
        shifts.row(
            shift_id, ts(start), ts(end), base, "scheduled", "", ts(acts.created[a] + 600), acts.ids[a]
        )
        fill = rng.uniform(0.1, 1.3)
        confirmed = min(base, int(base * fill))
        waiting = rng.randrange(0, 5) if fill > 1 else 0
        cancels = int(confirmed * rng.uniform(0, 0.1))
        pool, m = _pool(vols, acts, a, everyone)
        ok = today.free_between(start, end, active)
        chosen = _pick(rng, pool, m, confirmed + waiting + cancels, ok)
        pub = acts.published[a]
        last = min(now - 60, acts.deadline[a])
        aid = acts.ids[a]
        for n, v in enumerate(chosen):
            created = pub + rng.randrange(max(1, last - pub))
            if n < confirmed + waiting:
                today.take(v, start, end)
                status, cancelled = ("confirmed" if n < confirmed else "waiting"), NULL
            else:
                status, cancelled = "cancelled", ts(min(now - 60, created + rng.randrange(HOUR, 3 * DAY)))
            signups.line(
                f"{signups.take()}\t{status}\t{ts(created)}\t\\N\t{cancelled}\t\t\\N\t\\N\t{aid}\t\\N\t\\N\t"
                f"{shift_id}\t{vols.first_user + v}\t{vols.first_id + v}\n"
            )

    # Drafts' shifts wait; a cancelled activity's shifts were cancelled with it, and whoever
    # had signed up was told and let go.
    for start, end, base, a, shift_id in other:
        cancelled = acts.status[a] == "cancelled"
        status, reason = ("cancelled", acts.cancel_reason[a]) if cancelled else ("scheduled", "")
        shifts.row(shift_id, ts(start), ts(end), base, status, reason, ts(acts.created[a] + 600), acts.ids[a])
        if status == "cancelled" and acts.published[a] is not None and vols.count:
            pub = acts.published[a]
            pool, m = _pool(vols, acts, a, everyone)
            last = min(acts.deadline[a], start, now) - 2 * HOUR
            for _ in range(rng.randrange(0, 4) if m and last > pub else 0):
                v = pool[rng.randrange(m)]
                created = pub + rng.randrange(max(1, last - pub))
                signups.line(
                    f"{signups.take()}\tcancelled\t{ts(created)}\t\\N\t{ts(min(created + DAY, last + HOUR))}\t"
                    f"{reason}\t\\N\t\\N\t{acts.ids[a]}\t\\N\t\\N\t{shift_id}\t{vols.first_user + v}\t"
                    f"{vols.first_id + v}\n"
                )


def _pool(vols: Volunteers, acts: Activities, a: int, everyone):
    """The volunteers who may sign up for activity ``a``: those of its street (party members
    only, for a party-only activity), registered before it was published."""
    street = acts.street[a]
    if acts.party_only[a]:
        pool = vols.party_pools.get(street) or vols.party_all
    else:
        pool = vols.pools.get(street) or everyone
    m = bisect.bisect_left(pool, vols.registered_before(acts.published[a]))
    if m < 50 and pool is not everyone and not acts.party_only[a]:
        pool = everyone
        m = vols.registered_before(acts.published[a])
    return pool, m
