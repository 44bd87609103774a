"""About 300 volunteers (a third of them party members) across the five streets, and activities in
every street: past ones with check-ins and confirmed hours (a few corrected, one not accepted),
weekly duty at each street's 新时代文明实践站 that has given a few volunteers 100 and 300 hours,
and upcoming ones open for sign-up (some full, with a waiting list).

Everything goes through the services as the person who would do it: each volunteer registers
themselves (real name, ID number, consent), in-service party members report to their community
and its worker confirms or declines; organisers (the community or grid worker, else the street
official, or an organisation's admin) post, publish, check people in and out and confirm hours.

Past shifts: the services take sign-ups only for shifts still ahead. A past activity is therefore
posted with its shifts a whole number of days in the future, signed up for, and then moved back to
its real dates by ``_backdate`` -- the one demo-only write outside the services. Check-in and
check-out then go through the services with ``at=`` the real (past) time.

People are generated from a fixed seed, so every run plans the same people with the same valid
ID numbers (GB 11643 check character) and phones; a volunteer is found by phone and an activity
by its street and title, so a second run creates nothing.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from marketplace.accounts.models import RoleAssignment, User
from marketplace.core import audit
from marketplace.core.exceptions import DomainError
from marketplace.core.roles import Role
from marketplace.core.validators import resident_id_check_char
from marketplace.organizations.choices import OrgStatus
from marketplace.organizations.models import Organization
from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, Grid, PartyOrganization, Street
from marketplace.volunteers import services
from marketplace.volunteers.choices import (
    PARTY_STATUSES,
    Availability,
    PoliticalStatus,
    ResidentRole,
    SignupStatus,
)
from marketplace.volunteers.models import (
    Activity,
    ServiceRecord,
    Shift,
    Signup,
    Skill,
    Volunteer,
)

from .base import DEMO_PASSWORD, DEMO_REASON, DemoContext, DemoLogin
from .places import STREETS, WORKPLACE_BRANCHES, grid_code, grid_name
from .users import _ensure_user

SEED = 20250517
VOLUNTEER_COUNT = 300
# The people are born no later than this (18 at the demo's writing), so the plan does not
# depend on the day it is run.
YOUNGEST_BIRTH = datetime.date(2007, 1, 1)
REFERENCE_YEAR = 2025

# The volunteer who logs in: an in-service party member of 幸福里社区第1网格 whose report the
# community has confirmed, a regular at the street's 实践站 (past 100 hours: a certificate and
# a star to show), signed up for upcoming activities and on one waiting list.
DEMO_VOLUNTEER = {
    "key": "volunteer",
    "username": "demo-volunteer",
    "email": "volunteer@taihe.example",
    "phone": "+8613800000041",
    "name": "陈志远",
}

# --- people ---------------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names by generation: (born up to 1965, 1966-1985, from 1986), men then women.
GIVEN = {
    ("old", "M"): _split(
        "建国 建军 国庆 卫东 志刚 德明 振华 文斌 永胜 长青 树林 庆丰 福生 金山 宝林 国强 建华 志强 "
        "红旗 跃进 学军 世杰 德胜 忠诚 立功 铁柱 春生 满仓"
    ),
    ("old", "F"): _split(
        "秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 淑华 素芳 美华 丽华 玉珍 秀珍 桂芝 桂香 凤兰 秀云 "
        "玉梅 月娥 兰英 翠兰 金凤 淑英 秀芳"
    ),
    ("mid", "M"): _split(
        "伟 强 磊 军 勇 斌 涛 明 刚 辉 鹏 海涛 志远 晓东 立新 宏伟 俊杰 建平 海波 永刚 晓峰 "
        "大伟 志勇 文军 国栋 光明 春雷 剑锋"
    ),
    ("mid", "F"): _split(
        "丽 静 敏 燕 艳 娟 霞 红 丽娟 晓燕 红梅 海燕 春梅 雪梅 丽萍 慧敏 晓红 秀梅 丽君 "
        "文静 雅琴 晓丽 春燕 美玲"
    ),
    ("young", "M"): _split(
        "浩 宇 轩 晨 博 子豪 浩然 宇航 俊熙 梓轩 思远 一鸣 天宇 嘉诚 泽宇 昊天 家豪 明轩 子墨 睿 鑫 旭 凯 帆"
    ),
    ("young", "F"): _split(
        "婷 欣 雨 琪 佳怡 子涵 雨欣 梦琪 思雨 欣怡 诗涵 可馨 雨桐 若曦 佳琪 梓萱 晓雯 "
        "一诺 静怡 欣然 雪 倩 璐 颖"
    ),
}
# Area codes (行政区划代码) of the ID numbers: mostly 锦州 and the rest of 辽宁, a few from further
# away, as in a city district where most residents were born nearby.
AREA_CODES = [
    ("210711", 30),  # 锦州市太和区
    ("210702", 12),  # 古塔区
    ("210703", 12),  # 凌河区
    ("210726", 6),  # 黑山县
    ("210727", 6),  # 义县
    ("210781", 6),  # 凌海市
    ("210782", 5),  # 北镇市
    ("211402", 4),  # 葫芦岛市连山区
    ("210103", 4),  # 沈阳市沈河区
    ("210203", 3),  # 大连市西岗区
    ("130203", 2),  # 唐山市路北区
    ("150102", 2),  # 呼和浩特市新城区
    ("370102", 2),  # 济南市历下区
]
PHONE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139"]
WORKPLACES = [(code, branch, workplace) for code, branch, workplace in WORKPLACE_BRANCHES]


@dataclass(frozen=True)
class Person:
    index: int
    name: str
    id_number: str
    phone: str
    community_code: str
    grid_n: int
    political_status: str
    workplace: int | None  # index into WORKPLACES for an in-service party member
    report: str  # what becomes of their report to the community: "", confirmed, declined, pending
    skills: tuple[str, ...]
    availability: tuple[str, ...]
    roles: tuple[str, ...]
    username: str
    email: str = ""

    @property
    def street_code(self) -> str:
        return self.community_code[:4]


def resident_id(rng: random.Random, birth: datetime.date, gender: str) -> str:
    """A valid 18-character resident ID number: area, birth date, sequence (odd for men) and the
    GB 11643 check character."""
    codes, weights = zip(*AREA_CODES, strict=True)
    area = rng.choices(codes, weights=weights)[0]
    sequence = rng.randrange(0, 100) * 10 + rng.choice([1, 3, 5, 7, 9] if gender == "M" else [0, 2, 4, 6, 8])
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def _birth(rng: random.Random, low: int, high: int) -> datetime.date:
    """A birth date for an age between ``low`` and ``high`` in the reference year."""
    start = datetime.date(REFERENCE_YEAR - high, 1, 1)
    end = min(datetime.date(REFERENCE_YEAR - low, 12, 31), YOUNGEST_BIRTH)
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _name(rng: random.Random, birth: datetime.date, gender: str, taken: set[str]) -> str:
    generation = "old" if birth.year <= 1965 else "mid" if birth.year <= 1985 else "young"
    weights = [max(1, 60 - i) for i in range(len(SURNAMES))]
    while True:
        name = rng.choices(SURNAMES, weights=weights)[0] + rng.choice(GIVEN[(generation, gender)])
        if name not in taken:
            taken.add(name)
            return name


def _grids() -> list[tuple[str, int]]:
    """(community code, grid number) of every grid of the places step."""
    out = []
    for _street_code, _street_name, communities in STREETS:
        for community_code, _community_name, count in communities:
            out += [(community_code, n) for n in range(1, count + 1)]
    return out


def plan_people() -> list[Person]:
    """The demo volunteers, the same on every run: about a third party members, in every grid."""
    rng = random.Random(SEED)
    grids = _grids()
    rng.shuffle(grids)
    # Political status: 90 members and 12 probationary members (a third), 50 League members.
    statuses = (
        [PoliticalStatus.PARTY_MEMBER] * 90
        + [PoliticalStatus.PROBATIONARY] * 12
        + [PoliticalStatus.LEAGUE_MEMBER] * 50
    )
    statuses += [PoliticalStatus.MASSES] * (VOLUNTEER_COUNT - len(statuses))
    rng.shuffle(statuses)
    home = STREETS[0][2][0][0]  # 幸福里社区: its worker decides the reports
    # In-service members: up to six in 幸福里社区, whose worker (the demo community worker)
    # confirms or declines their reports, and up to sixteen elsewhere, whose reports wait.
    members = [i for i, s in enumerate(statuses) if s in PARTY_STATUSES]
    at_home = [i for i in members if grids[i % len(grids)][0] == home][:6]
    elsewhere = [i for i in members if grids[i % len(grids)][0] != home][::4][:16]
    decisions = ["confirmed", "pending", "declined", "confirmed", "pending", "confirmed"]
    outcomes = dict(zip(at_home, decisions, strict=False))
    outcomes.update({i: "pending" for i in elsewhere})
    # The skills the volunteers migration added (a district may rename them; slugs stay).
    skills = list(Skill.objects.order_by("sort_order", "pk").values_list("slug", flat=True))
    names, ids, phones = {DEMO_VOLUNTEER["name"]}, set(), {DEMO_VOLUNTEER["phone"]}
    people = []
    for i in range(VOLUNTEER_COUNT):
        status = statuses[i]
        gender = rng.choice("MF")
        in_service = i in outcomes
        if in_service:
            birth = _birth(rng, 28, 55)
        elif status in PARTY_STATUSES:
            birth = _birth(rng, 45, 76)  # retired members serve the most
        elif status == PoliticalStatus.LEAGUE_MEMBER:
            birth = _birth(rng, 18, 28)
        else:
            birth = _birth(rng, 20, 72)
        while (id_number := resident_id(rng, birth, gender)) in ids:
            pass
        ids.add(id_number)
        while (
            phone := f"+86{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}"
        ) in phones or phone.startswith(("+86138000", "+86139000")):
            pass
        phones.add(phone)
        community_code, grid_n = grids[i % len(grids)]
        roles = ()
        roll = rng.random()
        if roll < 0.06:
            roles = (ResidentRole.BUILDING_LEADER,)
        elif roll < 0.10:
            roles = (ResidentRole.RESIDENT_REP,)
        elif roll < 0.12:
            roles = (ResidentRole.OWNERS_COMMITTEE, ResidentRole.RESIDENT_REP)
        elif roll < 0.14:
            roles = (ResidentRole.PROPERTY_STAFF,)
        elif roll < 0.15:
            roles = (ResidentRole.NPC_DEPUTY,)
        elif roll < 0.16:
            roles = (ResidentRole.PARTY_DEPUTY,) if status in PARTY_STATUSES else (ResidentRole.CPPCC_MEMBER,)
        availability = (
            (Availability.WEEKEND, Availability.WEEKDAY_EVENING)
            if in_service or status == PoliticalStatus.LEAGUE_MEMBER
            else tuple(
                rng.sample(
                    [
                        Availability.WEEKDAY_DAYTIME,
                        Availability.WEEKEND,
                        Availability.HOLIDAY,
                        Availability.ON_CALL,
                    ],
                    k=rng.randint(1, 3),
                )
            )
        )
        people.append(
            Person(
                index=i,
                name=_name(rng, birth, gender, names),
                id_number=id_number,
                phone=phone,
                community_code=community_code,
                grid_n=grid_n,
                political_status=status,
                workplace=rng.randrange(len(WORKPLACES)) if in_service else None,
                report=outcomes.get(i, ""),
                skills=tuple(sorted(rng.sample(skills, k=rng.randint(1, 3)))),
                availability=tuple(sorted(availability)),
                roles=tuple(sorted(roles)),
                username=f"demo-vol-{i + 1:03d}",
            )
        )
    demo_rng = random.Random(f"{SEED}:demo")
    people.append(
        Person(
            index=VOLUNTEER_COUNT,
            name=DEMO_VOLUNTEER["name"],
            id_number=resident_id(demo_rng, datetime.date(1986, 7, 12), "M"),
            phone=DEMO_VOLUNTEER["phone"],
            community_code=home,
            grid_n=1,
            political_status=PoliticalStatus.PARTY_MEMBER,
            workplace=0,
            report="confirmed",
            skills=("it", "publicity"),
            availability=(Availability.WEEKDAY_EVENING, Availability.WEEKEND),
            roles=(ResidentRole.BUILDING_LEADER,),
            username=DEMO_VOLUNTEER["username"],
            email=DEMO_VOLUNTEER["email"],
        )
    )
    return people


# --- activities -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    title: str
    description: str
    place: str  # "{c}": the community's name
    skills: tuple[str, ...]
    start: tuple[int, int]
    minutes: int
    capacity: int
    party_only: bool = False
    # Only volunteers with one of the skills sign up (a clinic needs medical people).
    strict: bool = False


KINDS = {
    "env": Kind("社区环境整治", "清理楼道堆物、小广告和绿化带垃圾,整治背街小巷环境卫生。请穿长袖衣服,工具由社区提供。",
                "{c}党群服务中心门前(集合)", ("environment",), (8, 30), 180, 12),
    "meal": Kind("敬老助餐", "在社区长者食堂协助老人打饭、为行动不便的老人送餐上门,陪伴独居老人用餐聊天。",
                 "{c}长者食堂", ("elderly_care",), (10, 30), 150, 6),
    "traffic": Kind("文明交通劝导", "早高峰在路口协助交警劝导行人和非机动车遵守信号灯,不闯红灯、不逆行。",
                    "{c}周边主要路口", (), (7, 0), 120, 10),
    "waste": Kind("垃圾分类督导", "在小区垃圾投放点值守,指导居民分类投放,开展“桶边督导”和入户宣传。",
                  "{c}各小区垃圾分类投放点", ("environment",), (18, 30), 120, 10),
    "fraud": Kind("反诈宣传", "向居民讲解电信网络诈骗的常见手法,协助老年人下载安装国家反诈中心App。",
                  "{c}文化广场", ("publicity",), (9, 0), 180, 8),
    "children": Kind("关爱留守儿童", "为留守和困境儿童辅导作业,开展阅读、手工和安全教育活动。",
                     "{c}儿童之家", ("child_care", "tutoring"), (14, 0), 180, 8),
    "pioneer": Kind("党员先锋岗", "党员亮身份、作表率:政策宣传、邻里矛盾调解和便民服务。在职党员到社区报到后参加。",
                    "{c}党群服务中心", ("mediation",), (9, 0), 180, 8, party_only=True),
    "clinic": Kind("健康义诊", "测血压、血糖,开展慢病用药咨询和健康知识讲座。需具备医疗护理技能。",
                   "{c}卫生服务站门前", ("medical",), (8, 30), 210, 5, strict=True),
    "legal": Kind("法律咨询服务", "解答婚姻家庭、劳动争议、物业纠纷等法律问题,引导居民依法维权。",
                  "{c}法律服务室", ("legal",), (14, 30), 150, 4, strict=True),
    "patrol": Kind("平安巡逻", "夜间巡查小区消防通道、电动车充电和治安隐患,发现问题及时报告网格员。",
                   "{c}辖区各小区", ("patrol",), (19, 0), 120, 8),
    "repair": Kind("家电义务维修", "为老年人和困难家庭义务维修小家电,更换灯具和水龙头。",
                   "{c}便民服务点", ("repair",), (9, 0), 180, 5, strict=True),
    "station": Kind("新时代文明实践站志愿值守",
                    "每周在新时代文明实践站值守:接待居民来访,开展政策咨询、代办服务和志愿服务登记。",
                    "{c}新时代文明实践站", (), (8, 30), 510, 2),
}  # fmt: skip
STATION_WEEKS = 38  # weekly duty already served: 38 × 8.5 h makes the veterans 二星
STATION_AHEAD = 4  # weekly duty still to come


@dataclass(frozen=True)
class Plan:
    kind: str
    community: int  # index into the street's communities
    day: int  # days from today: negative in the past
    shifts: int = 1
    fill: float = 0.8  # share of the places taken (above 1: a waiting list)
    grid: int | None = None  # a grid's own activity (posted by the grid worker if there is one)
    org: str = ""  # posted by this organisation's admin
    # What happens to a past shift's people: corrections, one not accepted, hours left pending.
    corrections: int = 0
    reject: bool = False
    leave_pending: bool = False
    cancel: str = ""  # an upcoming activity cancelled with this reason
    draft: bool = False
    message: tuple[str, str] | None = None
    # The demo volunteer signs up first (a place) or last (the waiting list), wherever they live.
    demo: str = ""


PAST = [
    Plan("env", 0, -9, fill=0.9, corrections=1),
    Plan("meal", 1, -16, fill=1.0),
    Plan("traffic", 2, -27, fill=0.8, reject=True),
    Plan("waste", 3, -41, fill=0.9),
    Plan("fraud", 1, -58, fill=0.9, corrections=1),
    Plan("children", 2, -83, shifts=2, fill=0.6),
    Plan("pioneer", 0, -104, fill=0.9),
    Plan("clinic", 3, -131, fill=1.0),
]
UPCOMING = [
    Plan("waste", 0, 3, shifts=2, fill=0.6),
    Plan("meal", 2, 6, fill=1.6),  # full, with a waiting list
    Plan("pioneer", 1, 9, fill=0.6),
    Plan("children", 3, 13, fill=0.4),
    Plan("traffic", 1, 20, shifts=2, fill=0.3),
    Plan("legal", 0, 27, fill=0.5),
]
# The first street shows every organiser and every outcome.
EXTRA = {
    0: [
        Plan("meal", 0, -20, fill=1.0, org="幸福里为老服务中心"),
        Plan("meal", 0, 5, fill=1.5, org="幸福里为老服务中心", demo="last",
             message=("温馨提示", "请提前10分钟到长者食堂签到,佩戴志愿者马甲,注意饮食卫生。")),
        Plan("patrol", 0, -6, fill=0.9, grid=1, leave_pending=True),
        Plan("patrol", 0, 4, fill=0.5, grid=1, demo="first"),
        Plan("repair", 0, -48, fill=1.0),
        Plan("env", 0, 40, fill=0.0, draft=True),
    ],
    1: [
        Plan("children", 0, -35, fill=0.9, org="东风社区巾帼志愿服务队"),
        Plan("children", 0, 11, fill=0.7, org="东风社区巾帼志愿服务队"),
        Plan("env", 1, 8, fill=0.5, cancel="天气预报有大到暴雨,为保障志愿者安全,本次活动取消,另行通知。"),
    ],
}  # fmt: skip
STATION_WEEKDAY = [5, 6, 5, 6, 5]  # Saturday or Sunday, by street


def _title(plan: Plan, street_index: int, community_name: str) -> str:
    """The community's (or grid's) name and the kind of service; the same kind in the same place
    twice is numbered by date (第1期, 第2期). No date in the title: a later run finds it."""
    if plan.grid is not None:
        community_name = grid_name(community_name, plan.grid)
    kind = KINDS[plan.kind].title
    if community_name.endswith("社区") and kind.startswith("社区"):
        kind = kind[2:]  # 幸福里社区环境整治, not 幸福里社区社区环境整治
    title = f"{community_name}{kind}"
    same = sorted(
        p.day
        for p in _plans(street_index)
        if (p.kind, p.community, p.grid) == (plan.kind, plan.community, plan.grid)
    )
    if len(same) > 1:
        title += f"(第{same.index(plan.day) + 1}期)"
    return title


def _on(day: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=day)


def _plans(street_index: int) -> list[Plan]:
    return PAST + UPCOMING + EXTRA.get(street_index, [])


def _at(day: datetime.date, hm: tuple[int, int]) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(*hm)))


def _backdate(activity: Activity, delta: datetime.timedelta) -> None:
    """DEMO ONLY: move a past activity, posted and signed up for ``delta`` ahead of its real
    dates (the services take sign-ups only before a shift starts), back to those dates.

    Its shifts, sign-up deadline, creation, publication and sign-ups move together, so the
    calendar reads as it happened. Nothing else is touched: statuses were reached through the
    services, and the audit trail and transition logs keep the real times they were written."""
    Activity.objects.filter(pk=activity.pk).update(
        signup_deadline=F("signup_deadline") - delta,
        created_at=F("created_at") - delta,
        published_at=F("published_at") - delta,
    )
    Shift.objects.filter(activity=activity).update(
        starts_at=F("starts_at") - delta, ends_at=F("ends_at") - delta, created_at=F("created_at") - delta
    )
    Signup.objects.filter(activity=activity).update(created_at=F("created_at") - delta)


# --- the cast -------------------------------------------------------------------------------
@dataclass
class Member:
    volunteer: Volunteer
    person: Person
    busy: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)

    def free(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        return all(end <= s or start >= e for s, e in self.busy)

    @property
    def party(self) -> bool:
        return self.person.political_status in PARTY_STATUSES


class _Cast:
    """Who acts: organisers by place, organisations' admins, the volunteers by street."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.streets = {s.code: s for s in Street.objects.filter(district=ctx.district)}
        self.communities = {c.code: c for c in Community.objects.filter(district=ctx.district)}
        self.grids = {g.code: g for g in Grid.objects.filter(district=ctx.district)}
        assignments = RoleAssignment.objects.active().filter(
            role__in=[Role.STREET_OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER]
        )
        self.by_scope = {}
        for a in assignments.select_related("user").order_by("pk"):
            self.by_scope.setdefault((a.role, a.scope_kind, a.scope_id), a.user)
        self.members: dict[str, list[Member]] = {}
        self.skills = set(Skill.objects.values_list("slug", flat=True))

    def street(self, index: int) -> Street:
        code, name, _ = STREETS[index]
        return self.streets.get(code) or Street.objects.get(name=name)

    def community(self, street_index: int, index: int) -> Community:
        code, name, _ = STREETS[street_index][2][index]
        return self.communities.get(code) or Community.objects.get(name=name)

    def grid(self, community: Community, n: int) -> Grid:
        return self.grids.get(grid_code(community.code, n)) or Grid.objects.get(
            community=community, name=grid_name(community.name, n)
        )

    def worker(self, community: Community):
        return self.by_scope.get((Role.COMMUNITY_WORKER, "community", community.pk))

    def organiser(self, community: Community, grid: Grid | None = None):
        """The most local worker of the place, else a street official of its street."""
        if grid is not None and (user := self.by_scope.get((Role.GRID_WORKER, "grid", grid.pk))):
            return user
        return self.worker(community) or self.by_scope.get(
            (Role.STREET_OFFICIAL, "street", community.street_id)
        )

    def org_admin(self, name: str):
        org = Organization.objects.filter(name=name, status=OrgStatus.VERIFIED).first()
        if org is None:
            return None, None
        admin = (
            RoleAssignment.objects.active()
            .filter(role=Role.ORG_ADMIN, scope_kind="organization", scope_id=org.pk)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        return (org, admin.user) if admin else (None, None)


# --- volunteers -----------------------------------------------------------------------------
def _ensure_volunteer_user(ctx: DemoContext, person: Person) -> User:
    if person.email:
        return _ensure_user(
            ctx, username=person.username, email=person.email, phone=person.phone, name=person.name
        )
    user = (
        User.objects.filter(phone=person.phone).first()
        or User.objects.filter(username=person.username).first()
    )
    if user is not None:
        return user
    # People sign themselves up through allauth; the demo makes the accounts (no password: the
    # volunteers log in with an SMS code) and records that it did.
    user = User(username=person.username, display_name=person.name, phone=person.phone, phone_verified=True)
    user.set_unusable_password()
    user.save()
    audit.record(
        actor=ctx.admin,
        action="accounts.user.create",
        obj=user,
        changes={"username": person.username},
        reason=DEMO_REASON,
    )
    ctx.count("用户")
    return user


def _register(ctx: DemoContext, cast: _Cast, person: Person, party_orgs: dict) -> Volunteer | None:
    user = _ensure_volunteer_user(ctx, person)
    existing = Volunteer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    community = cast.communities.get(person.community_code)
    if community is None:
        return None
    grid = cast.grid(community, person.grid_n)
    party = person.political_status in PARTY_STATUSES
    party_org, workplace, branch = None, "", ""
    if person.workplace is not None:
        code, branch, workplace = WORKPLACES[person.workplace]
        party_org = party_orgs["workplace"].get(code) or party_orgs["workplace"].get(branch)
    elif party:
        party_org = party_orgs["grid"].get(grid.pk)
    if party and party_org is None:
        return None
    data = services.VolunteerData(
        community=community,
        grid=grid,
        political_status=person.political_status,
        party_organization=party_org,
        in_service=person.workplace is not None,
        workplace=workplace,
        workplace_party_branch=branch,
        skill_slugs=[slug for slug in person.skills if slug in cast.skills],
        availability=list(person.availability),
        resident_roles=list(person.roles),
    )
    identity = services.IdentityData(real_name=person.name, id_number=person.id_number, consent=True)
    # The people consent to the processing of their ID number as they register (the services
    # record when and to which version of the notice).
    try:
        volunteer = services.volunteer_register(user=user, data=data, identity=identity)
    except DomainError:
        # The ID number or the account is taken by someone real: the demo does without them.
        return None
    ctx.count("志愿者")
    if person.report:
        _report(ctx, cast, volunteer, person)
    return volunteer


def _report(ctx: DemoContext, cast: _Cast, volunteer: Volunteer, person: Person) -> None:
    report = services.party_report_submit(
        actor=volunteer.user, volunteer=volunteer, note="本人在职,周末和工作日晚上可参加社区志愿服务。"
    )
    ctx.count("在职党员报到")
    worker = cast.worker(volunteer.community)
    if worker is None or person.report == "pending":
        return
    if person.report == "confirmed":
        services.party_report_confirm(actor=worker, report=report)
    else:
        services.party_report_decline(
            actor=worker,
            report=report,
            reason="经核实,该同志实际居住在其他社区,请向实际居住地社区报到。",
        )


def seed_volunteer_registry(ctx: DemoContext, cast: _Cast) -> None:
    """Each planned person registers (unless their phone is already a volunteer's); the cast
    learns who lives in which street."""
    people = plan_people()
    party_orgs = {"grid": {}, "workplace": {}}
    for org in PartyOrganization.objects.filter(
        district=ctx.district, kind__in=[PartyOrgKind.GRID_BRANCH, PartyOrgKind.WORKPLACE_BRANCH]
    ):
        if org.kind == PartyOrgKind.GRID_BRANCH:
            party_orgs["grid"][org.grid_id] = org
        else:
            party_orgs["workplace"][org.code] = party_orgs["workplace"].setdefault(org.name, org)
    known = {
        v.user.phone: v
        for v in Volunteer.objects.filter(user__phone__in=[p.phone for p in people]).select_related("user")
    }
    for person in people:
        volunteer = known.get(person.phone) or _register(ctx, cast, person, party_orgs)
        if volunteer is None:
            continue
        cast.members.setdefault(person.street_code, []).append(Member(volunteer, person))


# --- activities -----------------------------------------------------------------------------
class _Organiser:
    """Posts one activity and runs it: sign-ups by the volunteers, then check-in, check-out and
    hours by the organiser."""

    def __init__(self, ctx: DemoContext, cast: _Cast, street_index: int, plan: Plan, title: str):
        self.ctx, self.cast, self.plan, self.title = ctx, cast, plan, title
        self.kind = KINDS[plan.kind]
        self.street_index = street_index
        self.community = cast.community(street_index, plan.community)
        self.grid = cast.grid(self.community, plan.grid) if plan.grid is not None else None
        self.org, self.actor = None, None
        if plan.org:
            self.org, self.actor = cast.org_admin(plan.org)
        if self.actor is None:
            self.actor = cast.organiser(self.community, self.grid)
        self.rng = random.Random(f"{SEED}:{street_index}:{title}")
        self.data = None

    def data_for(self, deadline: datetime.datetime) -> services.ActivityData:
        place = self.grid.name if self.grid is not None else self.community.name
        return services.ActivityData(
            title=self.title,
            description=self.kind.description,
            place=self.kind.place.format(c=place),
            contact_name=self.actor.display_name or self.actor.username,
            # The community office's landline (锦州: 0416).
            contact_phone=f"0416-28{self.community.code[-4:]}{self.street_index + 1}",
            signup_deadline=deadline,
            skill_slugs=[s for s in self.kind.skills if s in self.cast.skills],
            party_only=self.kind.party_only,
            community=self.community,
            grid=self.grid,
        )

    def post(self, shifts: list[tuple[datetime.datetime, datetime.datetime]], deadline) -> Activity:
        self.data = self.data_for(deadline)
        capacity = self.kind.capacity
        activity = services.activity_create(
            actor=self.actor,
            data=self.data,
            shifts=[services.ShiftData(starts_at=s, ends_at=e, capacity=capacity) for s, e in shifts],
            organization=self.org,
        )
        self.ctx.count("志愿活动")
        if not self.plan.draft:
            services.activity_publish(actor=self.actor, activity=activity)
        return activity

    def choose(self, n: int, start, end, *, exclude=()) -> list[Member]:
        """``n`` volunteers of the street free at the time: neighbours of the place first, party
        members only where the activity says so, the right skill where one is needed."""
        kind = self.kind
        out = []
        for m in self.cast.members.get(STREETS[self.street_index][0], []):
            if m in exclude or not m.free(start, end) or (kind.party_only and not m.party):
                continue
            if kind.strict and not set(kind.skills) & set(m.person.skills):
                continue
            out.append(m)
        self.rng.shuffle(out)
        out.sort(
            key=lambda m: (
                m.volunteer.community_id != self.community.pk,
                kind.party_only and m.person.workplace is None,
            )
        )
        return out[:n]

    def sign_up(
        self, member: Member, shift: Shift, real: tuple[datetime.datetime, datetime.datetime]
    ) -> bool:
        try:
            services.signup_create(actor=member.volunteer.user, shift=shift)
        except DomainError:
            return False
        member.busy.append(real)
        self.ctx.count("志愿报名")
        return True

    def serve(self, shift: Shift, *, no_show_rate: float = 0.08) -> list[ServiceRecord]:
        """Check the people of a past shift in and out at the times they came and went."""
        records = []
        for signup in Signup.objects.filter(shift=shift, status=SignupStatus.CONFIRMED).order_by("id"):
            if self.rng.random() < no_show_rate:
                continue  # a no-show, recorded when the activity is finished
            came = shift.starts_at + datetime.timedelta(minutes=self.rng.randint(-15, 10))
            left = shift.ends_at + datetime.timedelta(minutes=self.rng.randint(-20, 15))
            services.signup_check_in(actor=self.actor, signup=signup, at=came)
            records.append(services.signup_check_out(actor=self.actor, signup=signup, at=left))
            self.ctx.count("服务时长记录")
        return records


def _past(ctx: DemoContext, cast: _Cast, street_index: int, plan: Plan, title: str) -> None:
    run = _Organiser(ctx, cast, street_index, plan, title)
    if run.actor is None:
        return
    kind = run.kind
    real = []
    for k in range(plan.shifts):
        start = _at(_on(plan.day + k), kind.start)
        real.append((start, start + datetime.timedelta(minutes=kind.minutes)))
    # Posted and signed up for with every shift a whole number of days ahead, then backdated.
    delta = datetime.timedelta(days=2 - plan.day)
    activity = run.post(
        [(s + delta, e + delta) for s, e in real], real[0][0] - datetime.timedelta(hours=12) + delta
    )
    shifts = list(activity.shifts.order_by("starts_at"))
    for shift, (start, end) in zip(shifts, real, strict=True):
        for member in run.choose(round(kind.capacity * plan.fill), start, end):
            run.sign_up(member, shift, (start, end))
    _backdate(activity, delta)
    records = []
    for shift in activity.shifts.order_by("starts_at"):
        records += run.serve(shift)
    _settle(run, activity, records)
    services.activity_finish(actor=run.actor, activity=activity)


def _settle(run: _Organiser, activity: Activity, records: list[ServiceRecord]) -> None:
    """Corrections and a refusal where planned, then the organiser confirms the rest."""
    plan = run.plan
    for record in records[: plan.corrections]:
        services.record_correct(
            actor=run.actor,
            record=record,
            minutes=record.shift.duration_minutes,
            reason="志愿者签退时忘记登记,按签到表核对后更正为班次实际时长。",
        )
    if plan.reject and len(records) > plan.corrections:
        services.record_reject(
            actor=run.actor,
            record=records[-1],
            reason="经核实,该志愿者签到后中途离岗,本次服务时长不予认可。",
        )
    if not plan.leave_pending:
        for shift in activity.shifts.all():
            services.record_confirm_all(actor=run.actor, shift=shift)


def _station_team(cast: _Cast, street_index: int) -> tuple[Member | None, list[Member], list[Member]]:
    """A retired party member on duty every week with one of two regulars, week about (in the
    first street the demo volunteer is one), and a pool who stand in for a regular now and then."""
    members = cast.members.get(STREETS[street_index][0], [])
    rng = random.Random(f"{SEED}:station:{street_index}")
    veterans = [m for m in members if m.party and m.person.workplace is None and not m.person.email]
    if not veterans:
        return None, [], []
    veteran = veterans[0]
    others = [m for m in members if m is not veteran and not m.person.email]
    rng.shuffle(others)
    demo = [m for m in members if m.person.email]
    regulars = (demo + others)[:2]
    pool = [m for m in others if m not in regulars][:6]
    return veteran, regulars, pool


def _station(
    ctx: DemoContext, cast: _Cast, street_index: int, title: str
) -> tuple[_Organiser, Activity] | None:
    """Weekly duty at the street's 新时代文明实践站: the past weeks served and confirmed."""
    plan = Plan("station", 0, -7 * STATION_WEEKS)
    run = _Organiser(ctx, cast, street_index, plan, title)
    veteran, regulars, pool = _station_team(cast, street_index)
    if run.actor is None or veteran is None:
        return None
    kind = run.kind
    today = timezone.localdate()
    last = today - datetime.timedelta(days=(today.weekday() - STATION_WEEKDAY[street_index]) % 7 or 7)
    days = [last - datetime.timedelta(weeks=w) for w in reversed(range(STATION_WEEKS))]
    real = [(s, s + datetime.timedelta(minutes=kind.minutes)) for s in (_at(d, kind.start) for d in days)]
    delta = datetime.timedelta(days=(today - days[0]).days + 2)
    activity = run.post(
        [(s + delta, e + delta) for s, e in real], real[-1][0] - datetime.timedelta(days=1) + delta
    )
    for week, (shift, (start, end)) in enumerate(
        zip(activity.shifts.order_by("starts_at"), real, strict=True)
    ):
        # Week about for the regulars; every seventh week one of the pool stands in.
        regular = regulars[week % len(regulars)] if regulars else None
        if pool and (regular is None or week % 7 == 3):
            regular = pool[week % len(pool)]
        team = [veteran, regular] if regular is not None else [veteran]
        for member in team:
            if member.free(start, end):
                run.sign_up(member, shift, (start, end))
    _backdate(activity, delta)
    records = []
    for shift in activity.shifts.order_by("starts_at"):
        records += run.serve(shift, no_show_rate=0)
    for shift in activity.shifts.all():
        services.record_confirm_all(actor=run.actor, shift=shift)
    return run, activity


def _station_ahead(run: _Organiser, activity: Activity, street_index: int) -> None:
    """The duty goes on: the next weeks are added and the sign-up deadline moved past them."""
    kind = run.kind
    today = timezone.localdate()
    first = today + datetime.timedelta(days=(STATION_WEEKDAY[street_index] - today.weekday()) % 7 or 7)
    real = []
    for w in range(STATION_AHEAD):
        start = _at(first + datetime.timedelta(weeks=w), kind.start)
        real.append((start, start + datetime.timedelta(minutes=kind.minutes)))
    deadline = real[-1][0] - datetime.timedelta(days=1)
    services.activity_update(actor=run.actor, activity=activity, data=run.data_for(deadline))
    veteran, regulars, _pool = _station_team(run.cast, street_index)
    for start, end in real:
        shift = services.shift_add(
            actor=run.actor,
            activity=activity,
            data=services.ShiftData(starts_at=start, ends_at=end, capacity=kind.capacity),
        )
        for member in [veteran, *regulars[:1]]:
            if member.free(start, end):
                run.sign_up(member, shift, (start, end))


def _upcoming_activity(ctx: DemoContext, cast: _Cast, street_index: int, plan: Plan, title: str) -> None:
    run = _Organiser(ctx, cast, street_index, plan, title)
    if run.actor is None:
        return
    kind = run.kind
    real = []
    for k in range(plan.shifts):
        start = _at(_on(plan.day + k), kind.start)
        real.append((start, start + datetime.timedelta(minutes=kind.minutes)))
    activity = run.post(real, real[0][0] - datetime.timedelta(hours=12))
    if plan.draft:
        return
    demo = [m for ms in cast.members.values() for m in ms if m.person.email]
    for shift, (start, end) in zip(activity.shifts.order_by("starts_at"), real, strict=True):
        people = run.choose(round(kind.capacity * plan.fill), start, end, exclude=demo)
        if demo and plan.demo == "first":
            people = demo + people[:-1]
        elif demo and plan.demo == "last":
            people = people + demo
        signed = [m for m in people if run.sign_up(m, shift, (start, end))]
        if plan.fill > 1 and signed:
            # Someone with a place drops out: the first on the waiting list moves up.
            first = Signup.objects.get(
                shift=shift, volunteer=signed[0].volunteer, status=SignupStatus.CONFIRMED
            )
            services.signup_cancel(actor=signed[0].volunteer.user, signup=first)
            signed[0].busy.remove((start, end))
    if plan.message:
        services.activity_message(
            actor=run.actor, activity=activity, title=plan.message[0], body=plan.message[1]
        )
    if plan.cancel:
        services.activity_cancel(actor=run.actor, activity=activity, reason=plan.cancel)


def seed_volunteers(ctx: DemoContext) -> None:
    """The registry, then each street's past activities (hours served), then what is ahead."""
    cast = _Cast(ctx)
    seed_volunteer_registry(ctx, cast)
    ahead = []
    for street_index in range(len(STREETS)):
        street = cast.street(street_index)
        titles = set(Activity.objects.filter(street=street).values_list("title", flat=True))
        first = cast.community(street_index, 0)
        station_title = f"{first.name}{KINDS['station'].title}"
        if station_title not in titles:
            station = _station(ctx, cast, street_index, station_title)
            if station is not None:
                ahead.append((_station_ahead, station + (street_index,)))
        for plan in _plans(street_index):
            community = cast.community(street_index, plan.community)
            title = _title(plan, street_index, community.name)
            if title in titles:
                continue
            titles.add(title)
            if plan.day < 0:
                _past(ctx, cast, street_index, plan, title)
            else:
                ahead.append((_upcoming_activity, (ctx, cast, street_index, plan, title)))
    # Only now, with every past shift in the past: sign-ups ahead would clash with the
    # placeholder dates of the past activities while they are posted.
    for step, args in ahead:
        step(*args)
    if (user := User.objects.filter(email__iexact=DEMO_VOLUNTEER["email"]).first()) is not None:
        volunteer = Volunteer.objects.filter(user=user).select_related("grid").first()
        ctx.logins.append(
            DemoLogin(
                role="志愿者",
                scope=volunteer.grid.name if volunteer else "—",
                login=DEMO_VOLUNTEER["email"],
                password=DEMO_PASSWORD,
                note="在职党员,已到社区报到;服务时长超过100小时,可下载志愿服务证明",
            )
        )
