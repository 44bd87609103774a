"""About 40 community social organisations across the four kinds and the five streets, and two
incubator cohorts: one finished (its graduates 出壳), one running.

Each organisation is registered through the service by its own contact person (who becomes its
org admin, as a real registrant would); the district admin then files its documents, verifies,
suspends and runs the incubator, all through the services, so the audit trail reads as it would
in real use. Organisations and cohorts are found by name: one that exists is left as it is, so a
second run changes nothing and keeps whatever an administrator has since changed.
"""

import datetime
import functools
import io
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.core import audit
from marketplace.core.permissions import forget_assignments
from marketplace.core.roles import Role
from marketplace.core.validators import uscc_check_char
from marketplace.organizations import selectors, services
from marketplace.organizations.choices import DocumentKind, LegalForm, OrgStatus, ServiceCategory
from marketplace.organizations.models import Application, Cohort, Incubation, Organization, Scorecard
from marketplace.places.models import Community, Street

from .base import DEMO_PASSWORD, DEMO_REASON, DemoContext, DemoLogin
from .places import STREETS
from .users import _ensure_user

SG, SS, FD, CF = (
    LegalForm.SOCIAL_GROUP,
    LegalForm.SOCIAL_SERVICE,
    LegalForm.FOUNDATION,
    LegalForm.COMMUNITY_FILED,
)
LIFE, CHARITY, MUTUAL, GROUPS = (
    ServiceCategory.DAILY_LIFE,
    ServiceCategory.CHARITY,
    ServiceCategory.MUTUAL_AID,
    ServiceCategory.SPECIFIC_GROUPS,
)
VERIFIED, PENDING, SUSPENDED = "verified", "pending", "suspended"


@dataclass(frozen=True)
class DemoOrg:
    street: int  # index into places.STREETS
    community: int | None  # index into that street's communities
    name: str
    legal_form: str
    category: str
    tags: tuple[str, ...]
    representative: str
    founded: tuple[int, int]
    description: str
    grade: str = ""
    status: str = VERIFIED
    # A registered organisation whose printed code fails the check character: the district
    # verifies it against the certificate and records why.
    code_fails_check: bool = False
    documents: bool = True


ORGS = [
    # 城关街道
    DemoOrg(0, 0, "幸福里为老服务中心", SS, GROUPS, ("elderly", "meal-aid"), "陈淑芬", (2024, 3),
            "为幸福里社区及周边高龄、独居老人提供助餐、助洁、探访和健康讲座服务。"),
    DemoOrg(0, 1, "和平社区邻里互助会", CF, MUTUAL, ("mediation", "volunteering"), "刘芳", (2021, 6),
            "居民自发组建,开展邻里守望、矛盾调处和互助帮扶。"),
    DemoOrg(0, None, "城关阳光助残服务社", SS, GROUPS, ("disability",), "马志强", (2016, 9),
            "为辖区残疾人提供康复训练、辅助就业和家庭支持服务。", grade="3A"),
    DemoOrg(0, 2, "解放路社区便民维修服务队", CF, LIFE, ("property", "volunteering"), "赵德明", (2020, 4),
            "退休技术工人组成,义务为居民修理家电、水电和自行车。"),
    DemoOrg(0, 3, "文化巷社区书画协会", CF, MUTUAL, ("culture-sports",), "孙墨林", (2018, 10),
            "组织书画交流、展览和青少年书法公益课堂。"),
    DemoOrg(0, 4, "府前社区老年助餐点", CF, LIFE, ("meal-aid", "elderly"), "吴秀兰", (2022, 1),
            "在社区食堂为老年人提供平价午餐,并为行动不便者送餐上门。", status=PENDING),
    DemoOrg(0, None, "城关慈善爱心驿站", SG, CHARITY, ("volunteering",), "郑国华", (2015, 5),
            "链接爱心企业和居民,开展困难家庭帮扶、助学和节日慰问。", grade="4A"),
    DemoOrg(0, 0, "幸福里社区和事佬调解工作室", CF, MUTUAL, ("mediation",), "王老伯", (2019, 8),
            "由热心老党员坐班,调解邻里、家庭和物业纠纷。"),
    # 东城街道
    DemoOrg(1, None, "东城青少年成长驿站", SS, GROUPS, ("youth", "children"), "林晓燕", (2017, 7),
            "提供课后托管、心理辅导和青少年社会实践活动。", grade="3A"),
    DemoOrg(1, 0, "东风社区巾帼志愿服务队", CF, CHARITY, ("women-family", "volunteering"), "黄丽萍",
            (2020, 3), "社区妇女骨干组成,开展家庭教育讲座、关爱留守儿童和环境整治。"),
    DemoOrg(1, 1, "朝阳社区垃圾分类督导队", CF, LIFE, ("waste-sorting", "environment"), "周建军",
            (2021, 5), "在小区投放点开展垃圾分类宣传和定时定点督导。"),
    DemoOrg(1, None, "东城启明社会工作服务中心", SS, GROUPS, ("children", "women-family"), "徐静",
            (2014, 11), "专业社工机构,承接困境儿童保护、妇女家庭服务等政府购买项目。", grade="5A"),
    DemoOrg(1, 2, "建设路社区健康促进会", SG, LIFE, ("health",), "何医生", (2018, 3),
            "联合社区卫生服务站开展慢病管理、义诊和健康知识普及。"),
    DemoOrg(1, 3, "新华社区四点半课堂", CF, GROUPS, ("children",), "杨老师", (2022, 9),
            "放学后为双职工家庭孩子提供作业辅导和兴趣活动。"),
    DemoOrg(1, 4, "太和区光明公益基金会", FD, CHARITY, ("volunteering", "children"), "罗振华", (2013, 12),
            "资助社区公益项目、困难学生和社区社会组织能力建设。", grade="4A"),
    DemoOrg(1, 1, "朝阳社区邻里守望互助社", CF, MUTUAL, ("elderly", "volunteering"), "高秀珍", (2019, 2),
            "结对探访独居老人,开展楼道邻里节和互助帮扶。"),
    # 西城街道
    DemoOrg(2, 0, "西关社区居家养老服务中心", SS, LIFE, ("elderly", "health"), "梁美华", (2020, 6),
            "为居家老人提供日间照料、康复护理和上门服务。"),
    DemoOrg(2, 1, "民主社区法律援助志愿服务队", CF, CHARITY, ("legal-aid", "volunteering"), "宋律师",
            (2021, 10), "律师志愿者每周坐班,提供法律咨询和纠纷调解。"),
    DemoOrg(2, 2, "胜利社区残疾人康复互助会", SG, GROUPS, ("disability", "health"), "唐永刚", (2017, 4),
            "残疾人及家属互助组织,开展康复交流和技能培训。"),
    DemoOrg(2, 3, "团结社区楼栋长联谊会", CF, MUTUAL, ("property", "mediation"), "韩卫东", (2022, 3),
            "楼栋长议事协商,协调物业服务和公共空间治理。"),
    DemoOrg(2, 4, "长青社区太极拳协会", CF, MUTUAL, ("culture-sports", "health"), "冯长青", (2016, 5),
            "每日晨练,参加区运动会,开展全民健身活动。"),
    DemoOrg(2, None, "西城绿色家园环保协会", SG, CHARITY, ("environment", "waste-sorting"), "曹青山",
            (2015, 8), "开展河道巡护、旧物回收和环保宣传教育。", grade="3A"),
    DemoOrg(2, None, "西城星星的孩子关爱中心", SS, GROUPS, ("children", "disability"), "邓丽君", (2018, 4),
            "为孤独症儿童提供康复训练,并为家长提供喘息服务。", grade="4A", code_fails_check=True),
    DemoOrg(2, 0, "西关社区便民家政服务社", SS, LIFE, ("women-family",), "许桂英", (2019, 11),
            "提供家政培训、保洁和育婴服务,带动社区妇女就业。", status=SUSPENDED),
    # 南湖街道
    DemoOrg(3, 0, "南湖社区夕阳红志愿服务队", CF, CHARITY, ("elderly", "volunteering"), "彭秀云", (2020, 10),
            "低龄老人服务高龄老人,开展陪伴、读报和代购服务。"),
    DemoOrg(3, 1, "滨湖社区邻里节促进会", CF, MUTUAL, ("culture-sports",), "蒋文华", (2023, 4),
            "每年举办邻里节、百家宴和社区运动会。", status=PENDING, documents=False),
    DemoOrg(3, None, "南湖新市民融入服务中心", SS, GROUPS, ("women-family", "legal-aid"), "谢明", (2019, 7),
            "为外来务工人员及其家庭提供政策咨询、子女教育和社区融入服务。"),
    DemoOrg(3, 2, "荷花池社区儿童之家", CF, GROUPS, ("children",), "邱慧", (2023, 2),
            "周末和寒暑假为社区儿童提供安全的活动空间和成长课程。"),
    DemoOrg(3, 3, "青年路社区青年志愿者协会", SG, CHARITY, ("youth", "volunteering"), "潘宇", (2018, 5),
            "组织青年参与社区治理、文明创建和应急志愿服务。"),
    DemoOrg(3, None, "南湖慈善助学会", SG, CHARITY, ("children", "youth"), "袁德厚", (2012, 9),
            "资助家庭困难学生完成学业,开展结对帮扶。", grade="3A"),
    DemoOrg(3, 1, "滨湖社区物业纠纷调解室", CF, MUTUAL, ("property", "mediation"), "董正义", (2021, 8),
            "调解业主与物业、邻里之间的纠纷,推动业委会规范运作。"),
    DemoOrg(3, None, "南湖康乐助老服务中心", SS, LIFE, ("elderly", "meal-aid"), "程康乐", (2011, 3),
            "运营街道综合养老服务中心和两处长者食堂。", grade="5A"),
    # 北苑街道
    DemoOrg(4, 0, "北苑社区长者食堂服务社", SS, LIFE, ("meal-aid", "elderly"), "傅明亮", (2021, 1),
            "为社区老人提供营养午餐和晚餐,每月开展生日会。"),
    DemoOrg(4, 1, "翠园社区花友会", CF, MUTUAL, ("environment", "culture-sports"), "苏小梅", (2022, 4),
            "认领社区公共绿地,开展园艺交流和口袋公园营造。", status=PENDING),
    DemoOrg(4, 2, "锦绣社区退役军人服务互助会", CF, GROUPS, ("volunteering",), "贺建国", (2020, 8),
            "退役军人互助帮扶,参与社区巡逻和应急救援。"),
    DemoOrg(4, 3, "丰泽社区心理健康服务站", SS, GROUPS, ("health",), "卢心怡", (2019, 9),
            "提供心理咨询、危机干预和家庭关系辅导。", grade="3A"),
    DemoOrg(4, None, "北苑爱心公益协会", SG, CHARITY, ("volunteering", "disability"), "蔡仁爱", (2014, 6),
            "开展扶贫济困、助残和大病救助,运营爱心超市。", grade="4A"),
    DemoOrg(4, None, "北苑街道残疾人之家", SS, GROUPS, ("disability",), "江平", (2017, 12),
            "为智力和精神残疾人提供日间照料、辅助性就业和康复服务。"),
    DemoOrg(4, 1, "翠园社区共享工具屋", CF, LIFE, ("property", "volunteering"), "魏巧手", (2023, 6),
            "居民捐赠共享工具,志愿者提供借用和维修指导。", status=PENDING, documents=False),
    DemoOrg(4, 2, "锦绣社区红色物业议事会", CF, MUTUAL, ("property", "mediation"), "金红梅", (2021, 7),
            "在社区党委领导下,组织业主、物业和居委会协商小区公共事务。"),
]  # fmt: skip

# The demo org admin: the contact person of the first organisation, who logs in with a password.
ORG_ADMIN = {
    "key": "org_admin",
    "username": "demo-org",
    "email": "org@taihe.example",
    "phone": "+8613800000014",
    "org": "幸福里为老服务中心",
}
MENTOR = {
    "key": "mentor",
    "username": "demo-mentor",
    "email": "mentor@taihe.example",
    "phone": "+8613800000015",
    "name": "孙立群",
}
SECOND_MENTOR = {"username": "demo-mentor-2", "phone": "+8613800000016", "name": "周雅琴"}

QUESTIONS = [
    {"key": "plan", "label": "培育期工作计划", "required": True},
    {"key": "team", "label": "骨干团队情况", "required": True},
    {"key": "needs", "label": "希望获得的支持", "required": False},
]


@dataclass(frozen=True)
class DemoCohort:
    name: str
    description: str
    capacity: int
    # Days relative to today: when applications opened and closed, when incubation ran.
    opened: int
    closed: int
    starts: int
    ends: int
    admitted: tuple[str, ...]
    waitlisted: tuple[str, ...] = ()
    declined: tuple[str, ...] = ()
    # In a finished cohort every admitted organisation graduates except those that exited.
    exited: dict = field(default_factory=dict)
    midterm: tuple[str, ...] = ()
    finished: bool = False


FINISHED = DemoCohort(
    name="第一期社区社会组织孵化培育计划",
    description="首期孵化聚焦为老服务、邻里互助和志愿服务,为期八个月。",
    capacity=4,
    opened=-420,
    closed=-390,
    starts=-370,
    ends=-120,
    admitted=(
        "和平社区邻里互助会",
        "东风社区巾帼志愿服务队",
        "南湖社区夕阳红志愿服务队",
        "长青社区太极拳协会",
    ),
    declined=("锦绣社区红色物业议事会",),
    exited={"长青社区太极拳协会": "骨干成员外出,协会暂停活动,经协商退出本期孵化。"},
    finished=True,
)
RUNNING = DemoCohort(
    name="第二期社区社会组织孵化培育计划",
    description="第二期面向“一老一小”和小区治理,提供导师陪伴、能力评估和场地支持。",
    capacity=5,
    opened=-75,
    closed=-45,
    starts=-30,
    ends=180,
    admitted=(
        "幸福里为老服务中心",
        "新华社区四点半课堂",
        "朝阳社区垃圾分类督导队",
        "团结社区楼栋长联谊会",
        "荷花池社区儿童之家",
    ),
    waitlisted=("滨湖社区物业纠纷调解室",),
    declined=("翠园社区共享工具屋",),
    midterm=("朝阳社区垃圾分类督导队",),
)


# --- helpers --------------------------------------------------------------------------------
def demo_uscc(index: int, legal_form: str, *, valid: bool = True) -> str:
    """A well-formed code: 5 (civil affairs), the kind (1 group, 2 service agency, 3 foundation),
    a district division code, and a serial; the 18th character is the GB 32100 check."""
    kind = {SG: "1", SS: "2", FD: "3"}[legal_form]
    first17 = f"5{kind}340199MJ{index:07d}"
    check = uscc_check_char(first17)
    if not valid:
        check = "1" if check != "1" else "2"
    return first17 + check


def _street_and_community(row: DemoOrg):
    code, name, communities = STREETS[row.street]
    street = Street.objects.filter(code=code).first() or Street.objects.get(name=name)
    if row.community is None:
        return street, None
    c_code, c_name, _ = communities[row.community]
    community = Community.objects.filter(code=c_code).first() or Community.objects.get(name=c_name)
    return street, community


def _contact_phone(index: int) -> str:
    return f"+86139{index + 1:08d}"


def _contact_user(ctx: DemoContext, index: int, row: DemoOrg) -> User:
    """The organisation's contact person. Only the demo org admin logs in with the printed
    password; the others get no password (hashing 40 would make the demo slow for nothing)."""
    if row.name == ORG_ADMIN["org"]:
        user = _ensure_user(
            ctx,
            username=ORG_ADMIN["username"],
            email=ORG_ADMIN["email"],
            phone=ORG_ADMIN["phone"],
            name=row.representative,
        )
        ctx.users[ORG_ADMIN["key"]] = user
        return user
    return _ensure_plain_user(
        ctx, username=f"demo-org-{index + 1:02d}", phone=_contact_phone(index), name=row.representative
    )


def _ensure_plain_user(ctx: DemoContext, *, username: str, phone: str, name: str) -> User:
    user = User.objects.filter(phone=phone).first() or User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(username=username, display_name=name, phone=phone, phone_verified=True)
    user.set_unusable_password()
    user.save()
    audit.record(
        actor=ctx.admin,
        action="accounts.user.create",
        obj=user,
        changes={"username": username},
        reason=DEMO_REASON,
    )
    ctx.count("用户")
    return user


@functools.cache
def _cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _certificate_pdf(title: str, org_name: str, number: str) -> bytes:
    """A one-page demo certificate; the Chinese font is ReportLab's built-in CID font, named by
    the PDF and supplied by the reader's viewer, so no font file is needed."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfgen import canvas

    font = _cjk_font()
    out = io.BytesIO()
    width, height = landscape(A5)
    page = canvas.Canvas(out, pagesize=(width, height), invariant=True)
    page.setTitle(f"{title} · {org_name}")
    page.setFont(font, 22)
    page.drawCentredString(width / 2, height - 80, title)
    page.setFont(font, 14)
    page.drawCentredString(width / 2, height - 130, org_name)
    page.drawCentredString(width / 2, height - 160, number)
    page.setFont(font, 10)
    page.drawCentredString(width / 2, 50, "演示材料,仅用于平台演示")
    page.save()
    return out.getvalue()


def _add_documents(ctx: DemoContext, org: Organization, index: int) -> None:
    if org.legal_form == LegalForm.COMMUNITY_FILED:
        papers = [
            (
                DocumentKind.FILING,
                "社区社会组织备案证明",
                f"备案编号 太和民备〔{2020 + index % 5}〕{index + 1:03d}号",
            )
        ]
    else:
        papers = [
            (DocumentKind.REGISTRATION, "社会组织登记证书", f"统一社会信用代码 {org.uscc}"),
            (DocumentKind.CHARTER, "章程", "经会员(代表)大会或理事会通过"),
        ]
    for kind, title, number in papers:
        upload = SimpleUploadedFile(
            f"{title}.pdf", _certificate_pdf(title, org.name, number), content_type="application/pdf"
        )
        services.organization_document_add(actor=ctx.admin, org=org, kind=kind, upload=upload)
        ctx.count("组织材料")


# --- organisations --------------------------------------------------------------------------
def _register(ctx: DemoContext, index: int, row: DemoOrg, today: datetime.date) -> Organization:
    street, community = _street_and_community(row)
    registered = row.legal_form != CF
    grade_expiry = None
    if row.grade:
        grade_expiry = datetime.date(today.year + 1 + index % 4, 12, 31)
    data = services.OrganizationData(
        name=row.name,
        legal_form=row.legal_form,
        uscc=demo_uscc(index + 1, row.legal_form, valid=not row.code_fails_check) if registered else "",
        uscc_check_failed=row.code_fails_check,
        legal_representative=row.representative,
        contact_phone=ORG_ADMIN["phone"] if row.name == ORG_ADMIN["org"] else _contact_phone(index),
        address=f"太和区{(community or street).name}{['建设', '人民', '幸福', '和平', '文化'][index % 5]}路{index + 8}号",
        street=street,
        community=community,
        category=row.category,
        founded_on=datetime.date(*row.founded, 15),
        grade=row.grade,
        grade_expires_on=grade_expiry,
        description=row.description,
        tag_slugs=list(row.tags),
    )
    contact = _contact_user(ctx, index, row)
    org = services.organization_register(actor=contact, data=data)
    ctx.count("社会组织")
    if row.documents:
        _add_documents(ctx, org, index)
    if row.status in (VERIFIED, SUSPENDED):
        reason = "已核对登记证书原件,代码与证书一致(证书印制时校验位有误)。" if row.code_fails_check else ""
        org = services.organization_verify(actor=ctx.admin, org=org, override_reason=reason)
    if row.status == SUSPENDED:
        org = services.organization_suspend(
            actor=ctx.admin, org=org, reason="年度检查未按期提交财务报告,整改期间暂停承接项目。"
        )
    return org


def seed_organizations(ctx: DemoContext) -> None:
    """The directory's organisations, then the two cohorts, then the demo logins."""
    today = timezone.localdate()
    for index, row in enumerate(ORGS):
        if not Organization.objects.filter(name=row.name).exists():
            _register(ctx, index, row, today)
    mentors = _mentors(ctx)
    for plan in (FINISHED, RUNNING):
        if not Cohort.objects.filter(name=plan.name).exists():
            _run_cohort(ctx, plan, mentors)
    org = Organization.objects.filter(name=ORG_ADMIN["org"]).first()
    ctx.logins.append(
        DemoLogin(
            role=str(Role.ORG_ADMIN.label),
            scope=org.name if org else ORG_ADMIN["org"],
            login=ORG_ADMIN["email"],
            password=DEMO_PASSWORD,
            note="维护组织信息、提交孵化报告",
        )
    )
    ctx.logins.append(
        DemoLogin(
            role=str(Role.MENTOR.label),
            scope=RUNNING.name,
            login=MENTOR["email"],
            password=DEMO_PASSWORD,
            note="填写辅导记录、能力评估,审阅报告",
        )
    )


# --- the incubator --------------------------------------------------------------------------
def _mentors(ctx: DemoContext) -> list[User]:
    first = _ensure_user(
        ctx, username=MENTOR["username"], email=MENTOR["email"], phone=MENTOR["phone"], name=MENTOR["name"]
    )
    ctx.users[MENTOR["key"]] = first
    second = _ensure_plain_user(
        ctx, username=SECOND_MENTOR["username"], phone=SECOND_MENTOR["phone"], name=SECOND_MENTOR["name"]
    )
    return [first, second]


def _org_admin_of(org: Organization) -> User | None:
    return next((a.user for a in selectors.member_list(org) if a.role == Role.ORG_ADMIN), None)


def _scores(base: int, index: int) -> tuple[dict, dict]:
    values = [min(5, max(1, base + (index + k) % 3 - 1)) for k in range(4)]
    scores = dict(zip(("governance", "finance", "programmes", "people"), values, strict=True))
    evidence = {
        "governance": "查阅章程、会议记录和议事规则",
        "finance": "查阅账册、票据和财务制度",
        "programmes": "查阅活动方案、签到表和服务对象反馈",
        "people": "访谈骨干成员,查阅志愿者名册和培训记录",
    }
    return scores, evidence


def _run_cohort(ctx: DemoContext, plan: DemoCohort, mentors: list[User]) -> Cohort:
    admin, today, now = ctx.admin, timezone.localdate(), timezone.now()
    orgs = {
        o.name: o
        for o in Organization.objects.filter(name__in=[*plan.admitted, *plan.waitlisted, *plan.declined])
    }
    # Applications are taken only while the call is open: the call opens now, takes the
    # applications and closes early; the dates are then set back to read as the real calendar.
    cohort = services.cohort_create(
        actor=admin,
        district=ctx.district,
        name=plan.name,
        description=plan.description,
        applications_open_at=now + datetime.timedelta(days=plan.opened),
        applications_close_at=now + datetime.timedelta(hours=1),
        starts_on=today + datetime.timedelta(days=plan.starts),
        ends_on=today + datetime.timedelta(days=plan.ends),
        capacity=plan.capacity,
        questions=QUESTIONS,
    )
    ctx.count("孵化期次")
    services.cohort_open(actor=admin, cohort=cohort)
    applications = {}
    for i, name in enumerate([*plan.admitted, *plan.waitlisted, *plan.declined]):
        org = orgs.get(name)
        # An organisation an administrator has since rejected, suspended or taken the admin
        # from cannot apply: the cohort goes ahead without it.
        applicant = _org_admin_of(org) if org is not None else None
        if applicant is None or org.status in (OrgStatus.REJECTED, OrgStatus.SUSPENDED):
            continue
        applications[name] = services.application_submit(
            actor=applicant,
            cohort=cohort,
            org=org,
            answers={
                "plan": f"围绕“{org.description[:20]}……”完善制度、培养骨干,每月开展一次服务活动。",
                "team": f"负责人{org.legal_representative},骨干成员{6 + i}人,志愿者{20 + 3 * i}人。",
                "needs": "希望得到财务管理和项目设计方面的指导。",
            },
        )
        services.application_review(actor=admin, application=applications[name], score=92 - 4 * i)
    services.cohort_close_applications(actor=admin, cohort=cohort)
    incubations = {}
    for name in plan.admitted:
        if name in applications:
            incubations[name] = services.application_admit(actor=admin, application=applications[name])
    for name in plan.waitlisted:
        if name in applications:
            services.application_waitlist(actor=admin, application=applications[name])
    for name in plan.declined:
        if name in applications:
            services.application_decline(
                actor=admin, application=applications[name], reason="服务方向与本期重点不符,建议参加下一期。"
            )
    services.cohort_start(actor=admin, cohort=cohort)
    for i, incubation in enumerate(incubations.values()):
        _incubate(ctx, plan, incubation, mentors[i % len(mentors)], i)
    if plan.finished:
        services.cohort_finish(actor=admin, cohort=cohort)
    _set_calendar(plan, cohort, now)
    return cohort


def _incubate(ctx: DemoContext, plan: DemoCohort, incubation: Incubation, mentor: User, i: int) -> None:
    admin, today = ctx.admin, timezone.localdate()
    name = incubation.organization.name
    services.mentor_assign(actor=admin, incubation=incubation, user=mentor)
    forget_assignments(mentor)
    org_admin = _org_admin_of(incubation.organization)
    started = today + datetime.timedelta(days=plan.starts)
    scores, evidence = _scores(2, i)
    services.scorecard_record(
        actor=mentor, incubation=incubation, stage="entry", scores=scores, evidence=evidence
    )
    goals = [
        services.goal_add(
            actor=mentor,
            incubation=incubation,
            title="修订章程,建立理事会议事规则",
            due_on=started + datetime.timedelta(days=60),
        ),
        services.goal_add(
            actor=org_admin,
            incubation=incubation,
            title="建立规范的财务台账",
            due_on=started + datetime.timedelta(days=90),
        ),
        services.goal_add(
            actor=mentor,
            incubation=incubation,
            title="培养3名以上骨干志愿者",
            due_on=started + datetime.timedelta(days=150),
        ),
    ]
    services.mentor_log_add(
        actor=mentor,
        incubation=incubation,
        happened_on=started + datetime.timedelta(days=7),
        content="首次走访:梳理组织现状,共同制定培育期工作计划。",
    )
    services.mentor_log_add(
        actor=mentor,
        incubation=incubation,
        happened_on=started + datetime.timedelta(days=21),
        content="辅导财务台账设置,讲解公益活动票据管理要求。",
    )
    services.incubation_activity_record(
        actor=org_admin,
        incubation=incubation,
        title=f"{name}社区公益服务日",
        happened_on=started + datetime.timedelta(days=18),
        participants=30 + 5 * i,
        summary="在社区广场开展宣传和便民服务。",
    )
    services.goal_set_status(actor=mentor, goal=goals[0], status="achieved", note="章程已经成员大会通过。")
    if plan.finished or name in plan.midterm:
        scores, evidence = _scores(3, i)
        services.scorecard_record(
            actor=mentor, incubation=incubation, stage="midterm", scores=scores, evidence=evidence
        )
        services.incubation_midterm(actor=mentor, incubation=incubation)
    if not plan.finished:
        # The running cohort: an accepted work plan and a quarterly report coming due.
        plan_report = services.report_schedule(
            actor=mentor,
            incubation=incubation,
            title="入孵工作计划",
            due_on=today + datetime.timedelta(days=2),
        )
        services.report_submit(
            actor=org_admin, report=plan_report, content="见附件:培育期工作计划及分月安排。"
        )
        services.report_accept(actor=mentor, report=plan_report, note="计划可行,请按月推进。")
        services.report_schedule(
            actor=mentor,
            incubation=incubation,
            title="第一季度工作报告",
            due_on=today + datetime.timedelta(days=12),
        )
        return
    services.goal_set_status(actor=mentor, goal=goals[1], status="achieved", note="已按月记账并公示。")
    if name in plan.exited:
        services.incubation_exit(actor=admin, incubation=incubation, reason=plan.exited[name])
        return
    services.goal_set_status(actor=org_admin, goal=goals[2], status="achieved", note="新增骨干志愿者4名。")
    scores, evidence = _scores(4, i)
    services.scorecard_record(
        actor=mentor, incubation=incubation, stage="exit", scores=scores, evidence=evidence
    )
    services.incubation_graduate(actor=admin, incubation=incubation)
    ctx.count("出壳组织")


def _set_calendar(plan: DemoCohort, cohort: Cohort, now: datetime.datetime) -> None:
    """Move the timestamps the services stamped with "now" to the plan's calendar, so that the
    finished cohort reads as last year's and the running one as this season's. Only dates move:
    every status was reached through the services, and the audit trail keeps the real times."""
    opened = now + datetime.timedelta(days=plan.opened)
    closed = now + datetime.timedelta(days=plan.closed)
    started = now + datetime.timedelta(days=plan.starts)
    Cohort.objects.filter(pk=cohort.pk).update(applications_open_at=opened, applications_close_at=closed)
    Application.objects.filter(cohort=cohort).update(submitted_at=opened + datetime.timedelta(days=10))
    Incubation.objects.filter(cohort=cohort).update(started_at=started)
    last = min(now, now + datetime.timedelta(days=plan.ends))
    scored = {
        "entry": started + datetime.timedelta(days=3),
        "midterm": started + (last - started) / 2,
        "exit": last - datetime.timedelta(days=5),
    }
    for stage, when in scored.items():
        Scorecard.objects.filter(incubation__cohort=cohort, stage=stage).update(scored_at=when)
    if plan.finished:
        ended = now + datetime.timedelta(days=plan.ends)
        Incubation.objects.filter(cohort=cohort, status="graduated").update(ended_at=ended)
        # Those who left did so after the mid-term assessment.
        left = started + (ended - started) * 2 / 3
        Incubation.objects.filter(cohort=cohort, status="exited").update(ended_at=left)
