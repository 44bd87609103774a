"""One scale seed, start to end, in one transaction: a failure anywhere leaves the database as
it was (only the sequences keep the ids they moved past, which harms nothing)."""

import datetime
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from marketplace.core.models import ScaleSeed
from marketplace.organizations.models import Organization
from marketplace.volunteers.models import Certificate, CertificateSequence

from . import fund, organizations, procurement, volunteers, world
from .copy import Copier, epoch, local_day
from .errors import Refused
from .sizes import DEFAULTS, LABELS, Sizes

# Two runs at once would both find no marker and both write: the second waits for the first.
LOCK_KEY = 7_470_001
# Tables whose model has no Chinese name of its own.
TABLE_LABELS = {
    "accounts_user_groups": "用户所属组",
    "organizations_organization_tags": "组织服务标签",
    "volunteers_volunteer_skills": "志愿者技能",
    "volunteers_activity_required_skills": "活动所需技能",
    "procurement_projectkey": "投标密封密钥",
}


@dataclass
class Outcome:
    created: bool
    seed: ScaleSeed
    tables: list[tuple[str, str, int, float]] = field(default_factory=list)  # (table, label, rows, copy s)
    phases: list[tuple[str, float]] = field(default_factory=list)
    triggers_off: bool = False


def existing() -> ScaleSeed | None:
    return ScaleSeed.objects.order_by("-finished_at", "-pk").first()


def check_database() -> None:
    if connection.vendor != "postgresql":
        raise Refused(
            "seed_scale 只支持 PostgreSQL(用 COPY 批量写入数百万行);当前数据库为 "
            f"{connection.vendor}。请设置 DATABASE_URL=postgres://… 后再运行。"
        )


def decide(sizes: Sizes, seed: int) -> ScaleSeed | None:
    """The earlier run with these very sizes (nothing to do), None when there is none, or a
    refusal when the database already holds data of other sizes."""
    previous = existing()
    if previous is None:
        return None
    if previous.sizes == sizes.as_dict() and previous.seed == seed:
        return previous
    shown = "、".join(f"{LABELS[k]} {previous.sizes.get(k, 0):,}" for k in DEFAULTS)
    raise Refused(
        f"数据库中已有另一规模的测试数据({shown};种子 {previous.seed},"
        f"{timezone.localtime(previous.finished_at):%Y-%m-%d %H:%M} 生成)。"
        "规模不同的数据不能叠加(投标数、中标、服务时长都按整体分布生成,追加会改动已有数据):"
        "请换一个空数据库(migrate 后)再运行。"
    )


def run(sizes: Sizes, seed: int, *, log=print) -> Outcome:
    check_database()
    started = timezone.now()
    phases: list[tuple[str, float]] = []

    def phase(name: str, fn, *args, **kwargs):
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        phases.append((name, time.perf_counter() - t0))
        log(f"  {name}:{phases[-1][1]:.1f} 秒")
        return result

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        previous = decide(sizes, seed)
        if previous is not None:
            return Outcome(created=False, seed=previous)
        now = started.replace(minute=0, second=0, microsecond=0)
        copier = Copier(cursor)
        try:
            w = world.World(seed=seed, now=epoch(now), copier=copier)
            phase("地点与基础数据", world.load, w)
            copier.begin()
            phase("工作人员", world.seed_staff, w)
            names = set(Organization.objects.values_list("name", flat=True))
            orgs = phase("社会组织", organizations.seed_organizations, w, sizes.organizations, names)
            vols = phase("志愿者", volunteers.seed_volunteers, w, sizes.volunteers)
            acts = phase(
                "志愿活动",
                volunteers.seed_activities,
                w,
                sizes.activities,
                orgs,
                need_past=sizes.hours > 0,
            )
            phase("班次、报名与服务时长", volunteers.seed_signups, w, vols, acts, sizes.hours)
            book = phase("专项基金", fund.seed_funds, w)
            phase("捐赠与记账", fund.seed_donations, w, book, sizes.donations, (vols.first_user, vols.count))
            plans, counts = phase(
                "服务项目规划", procurement.plan_projects, w, sizes.projects, sizes.bids, orgs
            )
            phase("服务项目、投标与合同", procurement.seed_projects, w, orgs, plans, counts, book)
            phase("写入剩余数据", copier.finish)
        except BaseException:
            copier.close(abort=True)
            raise
        copier.close()
        certificates = phase("志愿服务证明", issue_certificates, cursor, w, vols)
        if copier.triggers_off:
            problems = phase("外键核对", copier.check_references)
            if problems:
                raise RuntimeError("生成的数据有悬空外键(已回滚):" + ";".join(problems))
        tables = [
            (t.name, TABLE_LABELS.get(t.name) or str(t.model._meta.verbose_name), t.rows, t.seconds)
            for t in copier.tables.values()
            if t.rows
        ]
        if certificates:
            tables.append(
                (Certificate._meta.db_table, str(Certificate._meta.verbose_name), certificates, 0.0)
            )
        seed_row = ScaleSeed.objects.create(
            sizes=sizes.as_dict(),
            seed=seed,
            reference_time=now,
            started_at=started,
            finished_at=timezone.now(),
            report={
                "tables": {name: rows for name, _label, rows, _s in tables},
                "seconds": {name: round(s, 2) for name, s in phases},
                "triggers_off": copier.triggers_off,
            },
        )
    analyzed = time.perf_counter()
    with connection.cursor() as cursor:
        for name, _label, _rows, _s in tables:
            cursor.execute(f'ANALYZE "{name}"')
    phases.append(("ANALYZE", time.perf_counter() - analyzed))
    _tell_page_cache()
    return Outcome(
        created=True, seed=seed_row, tables=tables, phases=phases, triggers_off=copier.triggers_off
    )


def issue_certificates(cursor, w: world.World, vols) -> int:
    """Certificates of last year's confirmed hours for one volunteer in twenty who served then,
    as the volunteer would have issued them (``certificate_issue``): numbered on from the year's
    counter, with the name, masked ID number and totals copied in."""
    if not vols.count:
        return 0
    today = local_day(w.now)
    this_year = (datetime.date(1970, 1, 1) + datetime.timedelta(days=today)).year
    period_start, period_end = datetime.date(this_year - 1, 1, 1), datetime.date(this_year - 1, 12, 31)
    issued_on = min(
        datetime.date(1970, 1, 1) + datetime.timedelta(days=today),
        datetime.date(this_year, 1, 1) + datetime.timedelta(days=20),
    )
    issued_at = timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(10, 0)))
    prefix = str(getattr(settings, "VOLUNTEER_CERTIFICATE_PREFIX", "TH")).upper()
    sequence = CertificateSequence.objects.select_for_update().filter(year=this_year).first()
    last = sequence.last_serial if sequence else 0
    cursor.execute(
        f"""
        WITH totals AS (
            SELECT r.volunteer_id, SUM(r.minutes) AS minutes, COUNT(*) AS n
            FROM volunteers_servicerecord r
            WHERE r.status = 'confirmed' AND r.served_on BETWEEN %s AND %s
              AND r.volunteer_id BETWEEN %s AND %s AND MOD(r.volunteer_id, 20) = 0
            GROUP BY r.volunteer_id
        ), numbered AS (
            SELECT t.*, ROW_NUMBER() OVER (ORDER BY t.volunteer_id) AS k FROM totals t
        )
        INSERT INTO "{Certificate._meta.db_table}" (
            number, year, serial, holder_name, id_number_masked, period_start, period_end, minutes,
            record_count, issuer_name, issued_on, issued_at, community_id, district_id, issued_by_id,
            issuer_community_id, street_id, volunteer_id
        )
        SELECT %s || '-' || %s || '-' || LPAD((%s + n.k)::text, 6, '0'), %s, %s + n.k, i.real_name,
               i.id_number_masked, %s, %s, n.minutes, n.n, s.name || c.name, %s, %s, v.community_id,
               v.district_id, v.user_id, v.community_id, v.street_id, v.id
        FROM numbered n
        JOIN volunteers_volunteer v ON v.id = n.volunteer_id
        JOIN accounts_realnameidentity i ON i.id = v.identity_id
        JOIN places_street s ON s.id = v.street_id
        JOIN places_community c ON c.id = v.community_id
        """,
        [
            period_start,
            period_end,
            vols.first_id,
            vols.first_id + vols.count - 1,
            prefix,
            str(this_year),
            last,
            this_year,
            last,
            period_start,
            period_end,
            issued_on,
            issued_at,
        ],
    )
    issued = cursor.rowcount
    if issued:
        if sequence is None:
            CertificateSequence.objects.create(year=this_year, last_serial=issued)
        else:
            CertificateSequence.objects.filter(year=this_year).update(last_serial=last + issued)
    return issued


def _tell_page_cache() -> None:
    """Rows written around the ORM: pages cached against table versions must not serve the
    state from before."""
    try:
        from marketplace.core import table_versions
    except ImportError:
        return
    table_versions.bump_all()
