"""Service projects (政府购买服务) in every status of their lifecycle, across the five streets.

Every project is driven through the procurement services by the people who would make each move
in real use: one street official drafts, publishes, answers questions, opens the bids, runs the
evaluation and the contract; a second official of the same street approves (双人把关); the
demo's verified organisations ask questions, bid, object and report delivery through their own
admins; evaluators from the demo pool are appointed, declare no conflict and score. The audit
trail and the transition log therefore read as they would in real use.

The services enforce deadlines by the server clock, so a project whose bidding closed months ago
is published with its deadline a few days ahead, takes its questions and bids, and then has its
calendar set back by ``_backdate`` before it is opened; the same function ends the publicity
period before the award is confirmed, and finally dates the contract, the delivery reports, the
payments and the rating to match. Only dates move there, never a status; the audit trail, the
transition log and the bidders' receipts keep the real times.

A project is found by its title in its street (a failed project's next round has the same
title and comes with it): one that exists is left as it is, so a second run changes nothing and
keeps whatever the street has done since.
"""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.organizations.choices import OrgStatus, ServiceCategory
from marketplace.organizations.models import Organization
from marketplace.places.models import Community, Street
from marketplace.procurement import services
from marketplace.procurement.choices import FundingSource, ProjectStatus
from marketplace.procurement.models import (
    Bid,
    BidResult,
    Contract,
    MilestoneReport,
    Objection,
    Payment,
    Project,
    Question,
    Rating,
)
from marketplace.procurement.services import BidContents, CriterionData, MilestoneTerms, ProjectTerms

from .base import DemoContext
from .organizations import _certificate_pdf, _org_admin_of
from .places import STREETS

SHANGHAI = ZoneInfo("Asia/Shanghai")
P = ProjectStatus
LIFE, CHARITY, MUTUAL, GROUPS = (
    ServiceCategory.DAILY_LIFE,
    ServiceCategory.CHARITY,
    ServiceCategory.MUTUAL_AID,
    ServiceCategory.SPECIFIC_GROUPS,
)
FISCAL, FUND, BOTH = FundingSource.FISCAL, FundingSource.FUND, FundingSource.BOTH
# The main line of the lifecycle, in order; cancelled and failed branch off it.
ORDER = [
    P.DRAFT,
    P.PENDING_APPROVAL,
    P.APPROVED,
    P.PUBLISHED,
    P.BIDDING_CLOSED,
    P.OPENED,
    P.EVALUATED,
    P.AWARD_PROPOSED,
    P.PUBLICITY,
    P.AWARDED,
    P.CONTRACTED,
    P.IN_DELIVERY,
    P.COMPLETED,
]
# A backdated project is first published with this much time left, more than the notice an
# answer needs (services.QA_MIN_NOTICE), so that answering its questions leaves the deadline be.
REAL_WINDOW = datetime.timedelta(days=4)
BID_WINDOW_DAYS = 20

PRICE_GUIDANCE = "以满足要求的最低有效报价为基准价,价格分=基准价/投标报价×权重。"
STANDARD = (
    ("价格", 30, True, PRICE_GUIDANCE),
    ("服务方案与实施计划", 40, False, "需求分析、服务内容、流程与进度安排、风险预案。"),
    ("专业团队与服务经验", 30, False, "人员配置与资质、近三年同类项目经验。"),
)
DETAILED = (
    ("价格", 30, True, PRICE_GUIDANCE),
    ("服务方案与实施计划", 35, False, "需求分析、服务内容、流程与进度安排、风险预案。"),
    ("专业团队", 20, False, "项目负责人及专职人员的资质与稳定性。"),
    ("以往业绩与社会评价", 15, False, "近三年同类项目的完成情况和服务对象评价。"),
)

PROPOSALS = {
    LIFE: "依托社区服务站点,建立“需求评估—服务实施—回访监督”闭环,制定服务标准和应急预案,"
    "每月公示服务台账并接受居民评议。",
    GROUPS: "采用个案管理与小组工作相结合的方法,为每位服务对象建立档案、制定个性化服务计划,"
    "链接医疗、教育和就业资源,定期评估服务成效。",
    MUTUAL: "以居民议事会为平台,培育楼栋骨干,运用“协商—共治—评议”工作法推动问题解决,"
    "形成可复制的小区治理规则。",
    CHARITY: "招募和培训志愿者,建立服务积分激励机制,联合辖区单位开展常态化公益服务,"
    "服务过程全程留痕、按季公示。",
}
MILESTONE_NAMES = {
    2: (
        ("服务实施中期评估", "中期服务台账、服务对象满意度调查、阶段工作总结"),
        ("终期评估与验收", "全周期服务台账、终期评估报告、项目财务决算"),
    ),
    3: (
        ("服务启动与需求评估", "服务对象需求评估报告、服务实施方案、首月服务台账"),
        ("服务实施中期评估", "中期服务台账、服务对象满意度调查、阶段工作总结"),
        ("终期评估与验收", "全周期服务台账、终期评估报告、项目财务决算"),
    ),
}
ACCEPT_NOTE = "材料齐全,服务数量和质量符合合同约定,同意验收。"
RETURN_REASON = "服务台账缺少服务对象签字确认页,满意度调查样本不足30份,请补充后重新提交。"


@dataclass(frozen=True)
class Bidder:
    org: str
    price_yuan: int
    # Where the evaluators' scores of the non-price criteria gather; the first bidder of a
    # project is meant to rank first, and _evaluate checks that it does.
    quality: int


@dataclass(frozen=True)
class Delivery:
    # Milestones reported and accepted, in order (paid, or waiting for the fund's disbursement).
    accepted: int = 0
    # The next milestone's report: sent back once, and/or waiting for the street's review.
    returned: bool = False
    submitted: bool = False
    # (what changed, percent added to the contract amount), signed after the accepted milestones.
    amendment: tuple[str, int] | None = None
    # Of a completed contract: (1–5, comment).
    rating: tuple[int, str] | None = None


@dataclass(frozen=True)
class DemoProject:
    street: int  # index into places.STREETS
    community: int | None  # index into that street's communities; None: street-wide
    title: str
    category: str
    description: str
    targets: str
    goals: str
    budget_yuan: int
    status: str
    # When bidding closes(d): days ago when positive, days ahead when negative.
    days: int
    funding: str = FISCAL
    min_grade: str = ""
    categories: tuple[str, ...] = ()
    criteria: tuple = STANDARD
    bidders: tuple[Bidder, ...] = ()
    # (bidder index, question, answer; "" while unanswered)
    questions: tuple[tuple[int, str, str], ...] = ()
    service_days: int = 365
    # Days from the close of bidding to the start of the service.
    lead: int = 20
    milestones: tuple[int, ...] = (30, 40, 30)
    disqualify: tuple[int, str] | None = None
    # (bidder index, objection, the street's answer; "" while open)
    objection: tuple[int, str, str] | None = None
    delivery: Delivery = field(default_factory=Delivery)
    # A cancelled project is cancelled with this reason after reaching ``cancel_from``.
    cancel_reason: str = ""
    cancel_from: str = P.PUBLISHED
    # A failed project's next round: (its bidding closes this many days ahead, its bids).
    next_round: tuple[int, tuple[Bidder, ...]] | None = None


QUESTION_MEAL = (
    1,
    "送餐车辆和保温设备是否由中标单位自备?",
    "由中标单位自备并承担运营费用,街道提供社区食堂场地。",
)
QUESTION_CONSORTIUM = (1, "本项目是否接受联合体投标?", "本项目不接受联合体投标,也不得转包、分包。")
QUESTION_VENUE = (
    2,
    "服务场地是否由街道提供?",
    "街道提供社区党群服务中心活动室作为服务场地,水电费由街道承担。",
)
QUESTION_STAFF = (
    1,
    "项目负责人是否必须持有社会工作者职业资格证书?",
    "项目负责人须持有助理社会工作师及以上证书,其他服务人员不作要求。",
)

PROJECTS = [
    # 城关街道 ----------------------------------------------------------------------------------
    DemoProject(
        0, None, "城关街道残疾人居家康复服务", GROUPS,
        "为辖区持证残疾人提供上门康复训练、辅具适配指导和家属照护培训,建立“一人一档”康复档案,"
        "每季度开展一次康复效果评估。",
        "辖区持证肢体、精神和智力残疾人约160人及其家庭照护者",
        "上门康复服务不少于2400人次;康复档案建档率100%;服务对象满意度不低于90%。",
        360_000, P.COMPLETED, days=400, min_grade="3A", categories=(GROUPS,),
        bidders=(
            Bidder("城关阳光助残服务社", 338_000, 90),
            Bidder("西城星星的孩子关爱中心", 345_000, 82),
            Bidder("东城启明社会工作服务中心", 326_000, 76),
            Bidder("丰泽社区心理健康服务站", 330_000, 72),
        ),
        questions=(QUESTION_STAFF,),
        disqualify=(3, "投标文件未提供康复治疗人员的执业资格证明,经评审委员会认定为无效投标。"),
        delivery=Delivery(accepted=3, rating=(5, "康复档案规范,上门服务准时,家属评价很高,建议续签。")),
    ),
    DemoProject(
        0, None, "城关街道高龄独居老人助餐服务", LIFE,
        "依托幸福里社区长者食堂,为辖区80周岁以上独居、空巢老人提供每日午餐配送,"
        "同时开展送餐探访,发现异常及时报告社区。",
        "辖区80周岁以上独居、空巢老人约120人",
        "全年送餐不少于30000人次;送餐准时率不低于98%;探访异常报告率100%;满意度不低于90%。",
        480_000, P.IN_DELIVERY, days=240,
        bidders=(
            Bidder("幸福里为老服务中心", 446_000, 91),
            Bidder("南湖康乐助老服务中心", 452_000, 84),
            Bidder("北苑社区长者食堂服务社", 431_000, 74),
        ),
        questions=(QUESTION_MEAL, (2, "是否可以为有特殊饮食需求的老人提供定制餐?", "可以,低糖、低盐等定制餐不另行加价,由中标单位统筹。")),
        delivery=Delivery(
            accepted=1,
            returned=True,
            submitted=True,
            amendment=("服务对象由120人增加至130人,相应增加送餐服务量。", 8),
        ),
    ),
    DemoProject(
        0, 4, "府前社区老旧小区加装电梯协调服务", MUTUAL,
        "组织府前社区6个老旧小区的业主开展加装电梯意愿调查和议事协商,协助办理规划、"
        "施工和资金分摊协议,化解高低楼层业主之间的分歧。",
        "府前社区6个老旧小区、约40个单元的业主",
        "完成全部单元意愿调查;促成不少于8个单元签订加装协议;矛盾纠纷调处成功率不低于90%。",
        150_000, P.PENDING_APPROVAL, days=-30,
    ),
    DemoProject(
        0, 3, "文化巷社区楼道整治与微更新", MUTUAL,
        "发动居民清理楼道堆物、整治飞线充电,结合居民意见对12个楼道进行照明、扶手和公示栏"
        "微更新,建立楼道长轮值制度。",
        "文化巷社区12个楼道的住户约400户",
        "楼道堆物清理率100%;完成12个楼道微更新;建立楼道长轮值制度并运行6个月以上。",
        120_000, P.PUBLISHED, days=-12, service_days=240,
        bidders=(
            Bidder("解放路社区便民维修服务队", 112_000, 85),
            Bidder("幸福里社区和事佬调解工作室", 108_000, 80),
        ),
        questions=(
            (0, "微更新所需材料费是否包含在报价内?", "包含。照明、扶手等材料费用须计入报价,并在服务方案中列明。"),
            (1, "楼道长轮值制度是否需要与物业公司共同建立?", ""),
        ),
    ),
    DemoProject(
        0, 1, "和平社区矛盾纠纷多元调解服务", MUTUAL,
        "在和平社区设立调解工作室,组织“和事佬”志愿调解员坐班,调处邻里、家庭和物业纠纷,"
        "重大纠纷及时上报街道综治中心。",
        "和平社区居民约3200户",
        "受理纠纷调解不少于80件;调解成功率不低于90%;开展法治宣传活动不少于6场。",
        80_000, P.DRAFT, days=-35,
    ),
    # 东城街道 ----------------------------------------------------------------------------------
    DemoProject(
        1, None, "东城街道“四点半课堂”儿童课后托管服务", GROUPS,
        "在5个社区开设“四点半课堂”,为双职工家庭和困境儿童提供放学后的作业辅导、"
        "安全看护和兴趣活动,寒暑假开展主题夏令营。",
        "辖区小学1至6年级儿童约200人,优先困境儿童和双职工家庭子女",
        "全年托管服务不少于12000人次;安全事故零发生;家长满意度不低于95%。",
        300_000, P.COMPLETED, days=380, service_days=330, milestones=(40, 60),
        bidders=(
            Bidder("东城启明社会工作服务中心", 286_000, 92),
            Bidder("新华社区四点半课堂", 262_000, 80),
            Bidder("东城青少年成长驿站", 279_000, 83),
        ),
        questions=(QUESTION_VENUE,),
        delivery=Delivery(accepted=2, rating=(4, "服务规范、家长认可度高;寒假期间志愿者不足,建议加强。")),
    ),
    DemoProject(
        1, 1, "朝阳社区生活垃圾分类督导服务", LIFE,
        "在朝阳社区18个垃圾投放点开展定时定点督导,入户宣传分类知识,培育“绿色家庭”,"
        "每月公布各小区分类准确率。",
        "朝阳社区居民约4100户",
        "投放点督导覆盖率100%;厨余垃圾分出率提高到30%以上;入户宣传覆盖率不低于90%。",
        180_000, P.PUBLICITY, days=12,
        bidders=(
            Bidder("朝阳社区垃圾分类督导队", 168_000, 90),
            Bidder("西城绿色家园环保协会", 159_000, 80),
            Bidder("东风社区巾帼志愿服务队", 171_000, 74),
        ),
        questions=(QUESTION_CONSORTIUM,),
        objection=(
            1,
            "我单位报价最低且具有3A等级,但服务方案得分明显偏低,请公开服务方案评分理由并复核评分。",
            "",
        ),
    ),
    DemoProject(
        1, None, "东城街道青少年心理疏导服务", GROUPS,
        "为辖区中小学生提供心理健康讲座、团体辅导和个案咨询,建立心理危机早期识别和转介机制,"
        "为家长开设亲子沟通课程。",
        "辖区中小学生及其家长,重点关注留守、单亲和学业困难学生",
        "开展心理讲座不少于20场;个案咨询不少于150人次;危机个案转介及时率100%。",
        250_000, P.OPENED, days=3,
        bidders=(
            Bidder("东城青少年成长驿站", 236_000, 89),
            Bidder("丰泽社区心理健康服务站", 241_000, 83),
            Bidder("东城启明社会工作服务中心", 229_000, 78),
        ),
        questions=(QUESTION_STAFF,),
    ),
    DemoProject(
        1, 4, "光明社区邻里节活动策划与执行", MUTUAL,
        "策划并举办光明社区第三届邻里节,包括百家宴、邻里运动会和“好邻居”评选,"
        "带动居民参与社区公共事务。",
        "光明社区居民约2600户",
        "举办活动不少于5场;参与居民不少于1500人次;新增社区志愿者不少于50人。",
        60_000, P.CANCELLED, days=-10, service_days=120,
        bidders=(Bidder("朝阳社区邻里守望互助社", 56_000, 82),),
        cancel_reason="区委社会工作部将各街道邻里节活动纳入全区统一购买服务,本街道不再单独采购。",
    ),
    # 西城街道 ----------------------------------------------------------------------------------
    DemoProject(
        2, None, "西城街道孤独症儿童康复训练服务", GROUPS,
        "为辖区孤独症儿童提供个别化康复训练和融合教育支持,为家长提供照护技能培训和喘息服务,"
        "由基层治理专项基金资助。",
        "辖区经诊断的孤独症儿童约35人及其家庭",
        "个训课时不少于2800节;儿童康复评估达标率不低于70%;家长培训不少于12场。",
        420_000, P.COMPLETED, days=420, funding=FUND, criteria=DETAILED,
        bidders=(
            Bidder("西城星星的孩子关爱中心", 405_000, 93),
            Bidder("胜利社区残疾人康复互助会", 372_000, 78),
            Bidder("北苑街道残疾人之家", 389_000, 75),
        ),
        questions=(QUESTION_VENUE, QUESTION_CONSORTIUM),
        delivery=Delivery(accepted=3, rating=(5, "专业性强,家长满意度达98%,基金资金使用规范。")),
    ),
    DemoProject(
        2, 0, "西关社区老年人日间照料服务", LIFE,
        "运营西关社区日间照料中心,为失能、半失能老人提供日间托养、助浴、康复锻炼和精神慰藉,"
        "每周开展一次健康监测。",
        "西关社区60周岁以上失能、半失能老人约45人",
        "日均托养不少于20人;健康监测覆盖率100%;服务对象满意度不低于92%。",
        220_000, P.AWARDED, days=28,
        bidders=(
            Bidder("西关社区居家养老服务中心", 209_000, 90),
            Bidder("南湖康乐助老服务中心", 214_000, 84),
            Bidder("北苑社区长者食堂服务社", 198_000, 72),
        ),
        questions=(QUESTION_VENUE,),
        objection=(
            1,
            "中标候选人的护理员人数少于招标文件要求,请核实其团队人员配置。",
            "经核查,中标候选人投标文件载明护理员6名,均持有养老护理员证书,符合招标文件要求,质疑不成立。",
        ),
    ),
    DemoProject(
        2, None, "西城街道社区矫正对象帮扶服务", GROUPS,
        "为辖区社区矫正对象提供心理矫治、就业指导和家庭关系修复,协助司法所开展教育学习,"
        "预防和减少重新违法犯罪。",
        "辖区在册社区矫正对象约40人及其家庭",
        "建立帮扶档案率100%;个案辅导不少于300人次;帮助实现就业不少于10人;再犯罪率为零。",
        200_000, P.FAILED, days=20, min_grade="3A",
        bidders=(
            Bidder("东城启明社会工作服务中心", 192_000, 86),
            Bidder("丰泽社区心理健康服务站", 188_000, 80),
        ),
        questions=((0, "是否要求具有司法社工服务经验?", "优先考虑具有司法社工服务经验的团队,在评分中体现,不作为资格条件。"),),
        next_round=(18, (Bidder("东城启明社会工作服务中心", 190_000, 86),)),
    ),
    DemoProject(
        2, 3, "团结社区楼栋长议事协商能力提升", MUTUAL,
        "对团结社区楼栋长开展议事规则、矛盾调处和数字化工具培训,指导各小区建立议事协商机制,"
        "每季度召开一次居民议事会。",
        "团结社区楼栋长、业委会成员约80人",
        "培训不少于10场;各小区建立议事规则;全年协商解决小区公共事务不少于20件。",
        90_000, P.EVALUATED, days=7, service_days=300,
        bidders=(
            Bidder("团结社区楼栋长联谊会", 86_000, 88),
            Bidder("锦绣社区红色物业议事会", 84_000, 80),
            Bidder("滨湖社区物业纠纷调解室", 88_000, 76),
        ),
        questions=(QUESTION_VENUE,),
    ),
    # 南湖街道 ----------------------------------------------------------------------------------
    DemoProject(
        3, None, "南湖街道新市民子女周末成长营", GROUPS,
        "为外来务工人员子女开设周末成长营,提供课业辅导、城市探索和安全教育,"
        "帮助新市民家庭融入社区,由基层治理专项基金资助。",
        "辖区外来务工人员子女约150人",
        "开展周末营活动不少于80场;服务不少于4000人次;家长参与亲子活动不少于12场。",
        200_000, P.IN_DELIVERY, days=120, service_days=300, funding=FUND,
        bidders=(
            Bidder("南湖新市民融入服务中心", 188_000, 90),
            Bidder("荷花池社区儿童之家", 176_000, 80),
            Bidder("青年路社区青年志愿者协会", 183_000, 74),
        ),
        questions=(QUESTION_VENUE,),
        delivery=Delivery(accepted=1),
    ),
    DemoProject(
        3, None, "南湖街道综合养老服务中心运营", LIFE,
        "委托运营南湖街道综合养老服务中心,提供短期托养、日间照料、助餐和居家上门服务,"
        "统筹辖区两处长者食堂,建立养老服务信息台账。",
        "辖区60周岁以上老年人约6800人,重点为失能、独居和高龄老人",
        "床位使用率不低于70%;助餐服务不少于50000人次;居家上门服务不少于6000人次。",
        600_000, P.CONTRACTED, days=30, funding=BOTH, min_grade="4A", criteria=DETAILED, lead=40,
        bidders=(
            Bidder("南湖康乐助老服务中心", 576_000, 93),
            Bidder("东城启明社会工作服务中心", 560_000, 82),
            Bidder("北苑爱心公益协会", 585_000, 76),
        ),
        questions=(QUESTION_MEAL, QUESTION_CONSORTIUM),
    ),
    DemoProject(
        3, 1, "滨湖社区物业纠纷人民调解服务", MUTUAL,
        "在滨湖社区设立物业纠纷调解室,调处业主与物业、业主之间的纠纷,指导业委会规范运作,"
        "每月开展一次“物业开放日”。",
        "滨湖社区8个住宅小区的业主约3500户",
        "受理纠纷不少于60件;调解成功率不低于85%;指导3个小区完成业委会换届。",
        100_000, P.AWARD_PROPOSED, days=9, service_days=300,
        bidders=(
            Bidder("滨湖社区物业纠纷调解室", 95_000, 89),
            Bidder("民主社区法律援助志愿服务队", 92_000, 81),
            Bidder("幸福里社区和事佬调解工作室", 97_000, 75),
        ),
        questions=(QUESTION_CONSORTIUM,),
    ),
    DemoProject(
        3, 3, "青年路社区应急志愿服务队培训", CHARITY,
        "组建青年路社区应急志愿服务队,开展防汛、消防和应急救护培训与演练,"
        "配合社区做好突发事件先期处置。",
        "青年路社区18至55周岁居民志愿者约60人",
        "完成应急培训不少于8场;持证救护员不少于30人;组织综合演练2次。",
        80_000, P.BIDDING_CLOSED, days=1, service_days=240,
        bidders=(
            Bidder("青年路社区青年志愿者协会", 76_000, 88),
            Bidder("锦绣社区退役军人服务互助会", 74_000, 84),
            Bidder("东风社区巾帼志愿服务队", 78_000, 74),
        ),
        questions=((1, "培训所需急救教具是否由街道提供?", "街道提供急救模拟人2套,其余教具由中标单位自备。"),),
    ),
    DemoProject(
        3, 2, "荷花池社区儿童之家暑期托管", GROUPS,
        "暑假期间在荷花池社区儿童之家开设托管班,提供安全看护、阅读陪伴、手工和体育活动,"
        "邀请社区党员志愿者参与。",
        "荷花池社区6至12周岁儿童约60人",
        "托管40个工作日;日均服务不少于40人;安全事故零发生;家长满意度不低于95%。",
        70_000, P.APPROVED, days=-25, service_days=60,
    ),
    # 北苑街道 ----------------------------------------------------------------------------------
    DemoProject(
        4, None, "北苑街道居民心理健康服务", GROUPS,
        "在北苑街道设立心理服务站,开展心理健康讲座、团体辅导和个案咨询,为独居老人、"
        "困境家庭提供心理支持,建立危机干预转介机制。",
        "北苑街道居民,重点为独居老人、困境家庭和青少年",
        "心理讲座不少于12场;个案咨询不少于120人次;危机个案转介及时率100%。",
        280_000, P.COMPLETED, days=300, service_days=240, milestones=(40, 60),
        bidders=(
            Bidder("丰泽社区心理健康服务站", 265_000, 91),
            Bidder("东城青少年成长驿站", 258_000, 81),
            Bidder("建设路社区健康促进会", 270_000, 75),
        ),
        questions=(QUESTION_STAFF,),
        delivery=Delivery(accepted=2, rating=(4, "服务专业、保护隐私到位;讲座场次前松后紧,下年度应均衡安排。")),
    ),
    DemoProject(
        4, 0, "北苑社区长者食堂助餐服务", LIFE,
        "运营北苑社区长者食堂,为辖区老人提供平价午餐和晚餐,为行动不便老人送餐上门,"
        "每月举办集体生日会。",
        "北苑社区60周岁以上老人,重点为高龄、独居和低保老人约300人",
        "全年助餐不少于36000人次;食品安全事故零发生;满意度不低于90%。",
        320_000, P.IN_DELIVERY, days=200, funding=BOTH,
        bidders=(
            Bidder("北苑社区长者食堂服务社", 302_000, 90),
            Bidder("南湖康乐助老服务中心", 311_000, 85),
            Bidder("幸福里为老服务中心", 296_000, 76),
        ),
        questions=(QUESTION_MEAL,),
        delivery=Delivery(accepted=1),
    ),
    DemoProject(
        4, 2, "锦绣社区“红色物业”共建服务", MUTUAL,
        "在社区党委领导下,推动物业企业、业委会和居民共建“红色物业”,建立物业服务质量"
        "月度评议和问题清单销号制度。",
        "锦绣社区5个住宅小区的居民约2800户",
        "建立月度评议制度并运行;问题清单销号率不低于90%;居民满意度提升10个百分点。",
        150_000, P.PUBLISHED, days=-16, service_days=300,
        bidders=(
            Bidder("锦绣社区红色物业议事会", 142_000, 88),
            Bidder("团结社区楼栋长联谊会", 139_000, 82),
        ),
        questions=(
            (0, "物业企业是否须作为联合投标方?", "不需要。物业企业作为共建单位参与,不作为投标人。"),
            (1, "月度评议结果是否与物业费收缴挂钩?", ""),
        ),
    ),
    DemoProject(
        4, 1, "翠园社区口袋公园认养与环境维护", CHARITY,
        "组织居民和志愿者认养翠园社区3处口袋公园,开展绿化养护、垃圾清理和自然教育活动。",
        "翠园社区居民约2200户",
        "认养家庭不少于60户;每周养护不少于2次;自然教育活动不少于8场。",
        50_000, P.DRAFT, days=-40, service_days=300,
    ),
]  # fmt: skip


# --- helpers --------------------------------------------------------------------------------
def _place(plan: DemoProject) -> tuple[Street, Community | None]:
    code, name, communities = STREETS[plan.street]
    street = Street.objects.filter(code=code).first() or Street.objects.get(name=name)
    if plan.community is None:
        return street, None
    c_code, c_name, _ = communities[plan.community]
    community = Community.objects.filter(code=c_code).first() or Community.objects.get(name=c_name)
    return street, community


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class Calendar:
    """The dates a project reads with: bidding closes at 17:00 ``plan.days`` days from today,
    the bids are opened the next morning, publicity starts five days later."""

    close: datetime.datetime
    open: datetime.datetime
    service_start: datetime.date
    service_end: datetime.date
    opened: datetime.datetime
    publicity_start: datetime.datetime

    @classmethod
    def of(cls, plan: DemoProject) -> "Calendar":
        close_day = timezone.localdate() - datetime.timedelta(days=plan.days)
        service_start = close_day + datetime.timedelta(days=plan.lead)
        return cls(
            close=_at(close_day, 17),
            open=_at(close_day - datetime.timedelta(days=BID_WINDOW_DAYS), 9),
            service_start=service_start,
            service_end=service_start + datetime.timedelta(days=plan.service_days - 1),
            opened=_at(close_day + datetime.timedelta(days=1), 9, 30),
            publicity_start=_at(close_day + datetime.timedelta(days=6), 9),
        )


def price_fen(bidder: Bidder) -> int:
    return bidder.price_yuan * 100


def _contents(plan: DemoProject, org: Organization, bidder: Bidder, i: int) -> BidContents:
    return BidContents(
        price_fen=price_fen(bidder),
        proposal=f"{org.name}关于「{plan.title}」的服务方案:{PROPOSALS[plan.category]}",
        team=(
            f"项目负责人{org.legal_representative};专职工作人员{3 + i}名,其中持证社工{1 + i % 2}名;"
            f"志愿者{15 + 5 * i}名。"
        ),
        declarations={"no_collusion": True, "truthful": True, "no_major_violation": True},
    )


def _score(quality: int, evaluator: int, criterion: int, bid: int) -> int:
    # A spread of ±3 around the bidder's quality, different for each evaluator and criterion.
    return max(0, min(100, quality + (evaluator * 5 + criterion * 3 + bid * 2) % 7 - 3))


def _comment(value: int) -> str:
    if value >= 88:
        return "方案完整,需求分析扎实,服务流程和风险预案清晰。"
    if value >= 80:
        return "方案基本可行,部分服务指标和进度安排可进一步细化。"
    return "方案针对性不足,人员配置和同类项目经验偏弱。"


class _Cast:
    """Who acts: each street's two officials, the evaluators, and the bidding organisations with
    their admins (looked up once)."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.evaluators = ctx.users["evaluators"]
        self._orgs: dict[str, tuple[Organization, object] | None] = {}

    def officials(self, plan: DemoProject):
        code = STREETS[plan.street][0]
        return self.ctx.users[f"official:{code}:1"], self.ctx.users[f"official:{code}:2"]

    def org(self, name: str):
        """The organisation and its admin, or None when it cannot bid (any more)."""
        if name not in self._orgs:
            org = Organization.objects.filter(name=name).first()
            admin = _org_admin_of(org) if org is not None else None
            ok = org is not None and admin is not None and org.status == OrgStatus.VERIFIED
            self._orgs[name] = (org, admin) if ok else None
        return self._orgs[name]


# --- the calendar ---------------------------------------------------------------------------
def _past(value: datetime.datetime, now: datetime.datetime) -> bool:
    return value < now - datetime.timedelta(minutes=1)


def _backdate(project: Project, plan: DemoProject, *, publicity_over: bool = False) -> None:
    """DEMO ONLY: set the project's calendar to the plan's, with queryset updates.

    The services stamp every move with the server clock, and a deadline in the past cannot be
    published; the demo publishes with a deadline ahead, takes the bids, and then sets the
    window back with this function so that the project can be opened as if it had closed
    ``plan.days`` days ago. Called again with ``publicity_over`` once the result has been
    published (and any objection answered), it ends the publicity period, so that the award can
    be confirmed; called last, it also dates the questions, the objection, the contract, the
    delivery reports, the payments and the rating that follow. A record whose planned date has
    not come yet keeps the real time it was made at (a report submitted ahead of its milestone's
    due date, say). No status moves: every status was reached through the services, and the
    audit trail, the transition log and the bidders' receipts keep the real times."""
    now = timezone.now()
    cal = Calendar.of(plan)
    values = {
        "bid_open_at": cal.open,
        "bid_close_at": cal.close,
        "published_at": cal.open,
        "created_at": cal.open - datetime.timedelta(days=7),
        "service_start": cal.service_start,
        "service_end": cal.service_end,
    }
    if project.opened_at is not None:
        values["opened_at"] = cal.opened
    publicity_ends = None
    if publicity_over:
        publicity_ends = services.publicity_end(cal.publicity_start, project.publicity_working_days)
        values["publicity_ends_at"] = publicity_ends
    Project.objects.filter(pk=project.pk).update(**values)

    questions = Question.objects.filter(project=project).order_by("pk")
    for i, question in enumerate(questions):
        asked = cal.open + datetime.timedelta(days=1 + 2 * i, hours=1)
        if not _past(asked, now):
            continue
        answered = asked + datetime.timedelta(days=1, hours=5)
        if question.answered_at is None or not _past(answered, now):
            answered = question.answered_at
        Question.objects.filter(pk=question.pk).update(asked_at=asked, answered_at=answered)
    if publicity_ends is not None:
        raised = cal.publicity_start + datetime.timedelta(days=1, hours=2)
        Objection.objects.filter(project=project).update(submitted_at=raised)
        Objection.objects.filter(project=project, responded_at__isnull=False).update(
            responded_at=raised + datetime.timedelta(days=2)
        )
        BidResult.objects.filter(bid__project=project).update(computed_at=cal.publicity_start)

    contract = Contract.objects.filter(project=project).first()
    if contract is None or publicity_ends is None:
        return
    signed = publicity_ends + datetime.timedelta(days=3, hours=10)
    Contract.objects.filter(pk=contract.pk).update(signed_at=signed)
    for milestone in contract.milestones.order_by("seq"):
        submitted = _at(milestone.due_on - datetime.timedelta(days=3), 10)
        reviewed = submitted + datetime.timedelta(days=4)
        paid = reviewed + datetime.timedelta(days=7)
        if not _past(reviewed, now):
            continue  # due later: its report (if any) keeps the time it was made at
        MilestoneReport.objects.filter(milestone=milestone).update(
            submitted_at=submitted, reviewed_at=reviewed
        )
        if _past(paid, now):
            Payment.objects.filter(milestone=milestone).update(recorded_at=paid)
    if contract.completed_at is not None:
        completed = _at(cal.service_end + datetime.timedelta(days=7), 16)
        if _past(completed + datetime.timedelta(days=1), now):
            Contract.objects.filter(pk=contract.pk).update(completed_at=completed)
            Rating.objects.filter(contract=contract).update(rated_at=completed + datetime.timedelta(days=1))


# --- driving a project ----------------------------------------------------------------------
def _terms(plan: DemoProject, community, *, backdated: bool) -> ProjectTerms:
    cal = Calendar.of(plan)
    if backdated:
        # Published with the deadline a few days ahead; _backdate sets the plan's calendar.
        close = timezone.now() + REAL_WINDOW
        bid_open = timezone.now() - datetime.timedelta(days=1)
        service_start = timezone.localtime(close).date() + datetime.timedelta(days=plan.lead)
        service_end = service_start + datetime.timedelta(days=plan.service_days - 1)
    else:
        close, bid_open = cal.close, cal.open
        service_start, service_end = cal.service_start, cal.service_end
    return ProjectTerms(
        title=plan.title,
        category=plan.category,
        description=plan.description,
        service_targets=plan.targets,
        performance_goals=plan.goals,
        budget_ceiling_fen=plan.budget_yuan * 100,
        funding_source=plan.funding,
        bid_open_at=bid_open,
        bid_close_at=close,
        service_start=service_start,
        service_end=service_end,
        criteria=[
            CriterionData(name, weight, is_price, guidance)
            for name, weight, is_price, guidance in plan.criteria
        ],
        community=community,
        min_grade=plan.min_grade,
        required_categories=list(plan.categories),
    )


def _reach(plan: DemoProject) -> int:
    """How far along the main line the project is driven."""
    if plan.status == P.CANCELLED:
        return ORDER.index(plan.cancel_from)
    if plan.status == P.FAILED:
        return ORDER.index(P.PUBLISHED)
    return ORDER.index(plan.status)


def _publish(ctx: DemoContext, cast: _Cast, plan: DemoProject, project: Project) -> Project:
    drafter, approver = cast.officials(plan)
    services.project_submit(actor=drafter, project=project)
    services.project_approve(actor=approver, project=project)
    services.project_publish(actor=drafter, project=project)
    for i, question, answer in plan.questions:
        org, admin = cast.org(plan.bidders[i].org)
        asked = services.question_ask(actor=admin, project=project, org=org, text=question)
        if answer:
            services.question_answer(actor=drafter, question=asked, answer=answer)
        ctx.count("答疑")
    for i, bidder in enumerate(plan.bidders):
        org, admin = cast.org(bidder.org)
        services.bid_submit(actor=admin, project=project, org=org, contents=_contents(plan, org, bidder, i))
        ctx.count("投标")
    project.refresh_from_db()
    return project


def _evaluate(cast: _Cast, plan: DemoProject, project: Project, committee: list) -> Bid:
    """Declare, score and complete the evaluation; the first bidder must come out first."""
    drafter, _approver = cast.officials(plan)
    bids = {b.organization.name: b for b in project.bids.select_related("organization")}
    if plan.disqualify:
        i, reason = plan.disqualify
        services.bid_disqualify(actor=drafter, bid=bids[plan.bidders[i].org], reason=reason)
    criteria = [c for c in project.criteria.order_by("sort_order") if not c.is_price]
    for k, evaluator in enumerate(committee):
        _declare_and_score(plan, project, bids, criteria, evaluator, k)
    valid = len(plan.bidders) - (1 if plan.disqualify else 0)
    winner_name = plan.bidders[0].org
    report = (
        f"评审委员会由{len(committee)}名专家组成,对{valid}份有效投标的"
        f"{'、'.join(c.name for c in criteria)}逐项独立评分,价格分按最低有效报价计算。"
        f"{winner_name}的服务方案针对性强、团队经验丰富,综合得分第一,推荐为拟中标人。"
    )
    services.project_complete_evaluation(actor=drafter, project=project, report=report)
    first = BidResult.objects.select_related("bid__organization").get(bid__project=project, rank=1)
    if first.bid.organization.name != winner_name:
        raise RuntimeError(f"演示数据有误:「{plan.title}」排名第一的是{first.bid.organization.name}")
    return first.bid


def _declare_and_score(plan, project, bids, criteria, evaluator, k: int) -> None:
    services.conflict_declare(
        actor=evaluator, project=project, statement="本人与本项目各投标人无利害关系,承诺公正评审。"
    )
    for i, bidder in enumerate(plan.bidders):
        bid = bids[bidder.org]
        if plan.disqualify and plan.disqualify[0] == i:
            continue
        for c, criterion in enumerate(criteria):
            value = _score(bidder.quality, k, c, i)
            services.score_record(
                actor=evaluator, bid=bid, criterion=criterion, value=value, comment=_comment(value)
            )


def _milestone_plan(project: Project, plan: DemoProject) -> list[MilestoneTerms]:
    start, end = project.service_start, project.service_end
    span = (end - start).days
    n = len(plan.milestones)
    return [
        MilestoneTerms(title, percent, start + datetime.timedelta(days=span * k // n), deliverables)
        for k, (percent, (title, deliverables)) in enumerate(
            zip(plan.milestones, MILESTONE_NAMES[n], strict=True), start=1
        )
    ]


def _report(ctx: DemoContext, admin, milestone, project: Project, org: Organization, k: int) -> None:
    evidence = SimpleUploadedFile(
        f"{milestone.title}佐证材料.pdf",
        _certificate_pdf("履约佐证材料", org.name, f"{project.title} · {milestone.title}"),
        content_type="application/pdf",
    )
    services.milestone_report_submit(
        actor=admin,
        milestone=milestone,
        content=(
            f"本期按合同完成「{milestone.title}」:累计服务{600 * (k + 1) + 40 * milestone.seq}人次,"
            f"开展集体活动{6 + 2 * milestone.seq}场,服务对象满意度{92 + milestone.seq % 3}%。"
            f"交付成果:{milestone.deliverables}。详见佐证材料。"
        ),
        evidence_uploads=[evidence],
    )
    ctx.count("履约报告")


def _deliver(ctx: DemoContext, cast: _Cast, plan: DemoProject, project: Project, contract: Contract) -> None:
    drafter, _approver = cast.officials(plan)
    org, admin = cast.org(plan.bidders[0].org)
    d = plan.delivery
    milestones = list(contract.milestones.order_by("seq"))
    for k, milestone in enumerate(milestones[: d.accepted]):
        _report(ctx, admin, milestone, project, org, k)
        source = "fiscal" if plan.funding == BOTH else None
        services.milestone_accept(actor=drafter, milestone=milestone, note=ACCEPT_NOTE, source=source)
        if plan.status == P.COMPLETED and plan.funding == FUND:
            # The governance fund's hand-over: its disbursement service reports the payment.
            services.milestone_fund_disbursed(
                actor=None, milestone=milestone, disbursement_ref=f"JJBF-{project.pk:04d}-{milestone.seq:02d}"
            )
    if d.amendment:
        description, percent = d.amendment
        amount = contract.amount_fen + contract.amount_fen * percent // 100 // 100 * 100
        services.contract_amend(actor=drafter, contract=contract, description=description, amount_fen=amount)
    following = milestones[d.accepted] if d.accepted < len(milestones) else None
    if following is not None and d.returned:
        _report(ctx, admin, following, project, org, d.accepted)
        services.milestone_return(actor=drafter, milestone=following, reason=RETURN_REASON)
    if following is not None and d.submitted:
        _report(ctx, admin, following, project, org, d.accepted)
    if plan.status == P.COMPLETED:
        services.project_complete(actor=drafter, project=project)
        score, comment = d.rating
        services.contract_rate(actor=drafter, contract=contract, score=score, comment=comment)


def _committee(cast: _Cast, index: int, plan: DemoProject) -> list:
    pool = cast.evaluators
    if plan.status == P.OPENED:
        # The demo evaluator (the pool's first, who logs in) is appointed but has yet to score.
        return pool[:3]
    return [pool[(index + j) % len(pool)] for j in range(3)]


def _drive(ctx: DemoContext, cast: _Cast, index: int, plan: DemoProject) -> Project:
    street, community = _place(plan)
    drafter, approver = cast.officials(plan)
    reach = _reach(plan)
    past = plan.days > 0
    committee, winner, contract = [], None, None
    project = services.project_create(
        actor=drafter, street=street, terms=_terms(plan, community, backdated=past)
    )
    ctx.count("服务项目")
    if reach >= ORDER.index(P.PUBLISHED):
        project = _publish(ctx, cast, plan, project)
    elif reach >= ORDER.index(P.PENDING_APPROVAL):
        services.project_submit(actor=drafter, project=project)
        if reach >= ORDER.index(P.APPROVED):
            services.project_approve(actor=approver, project=project)
    if past:
        _backdate(project, plan)
        project.refresh_from_db()

    if plan.status == P.FAILED:
        project = services.project_open_bids(actor=drafter, project=project)
        _next_round(ctx, cast, plan, project)
    if reach >= ORDER.index(P.BIDDING_CLOSED):
        # The scheduler closes bidding at the deadline; the street then forms the committee.
        project = services.project_close_bidding(actor=None, project=project)
        committee = _committee(cast, index, plan)
        for evaluator in committee:
            services.evaluator_appoint(actor=drafter, project=project, user=evaluator)
    if reach >= ORDER.index(P.OPENED):
        project = services.project_open_bids(actor=drafter, project=project)
        if plan.status == P.OPENED:
            bids = {b.organization.name: b for b in project.bids.select_related("organization")}
            criteria = [c for c in project.criteria.order_by("sort_order") if not c.is_price]
            for k, evaluator in enumerate(committee[1:], start=1):
                _declare_and_score(plan, project, bids, criteria, evaluator, k)
    if reach >= ORDER.index(P.EVALUATED):
        winner = _evaluate(cast, plan, project, committee)
    if reach >= ORDER.index(P.AWARD_PROPOSED):
        services.award_propose(actor=drafter, project=project, bid=winner)
    if reach >= ORDER.index(P.PUBLICITY):
        services.award_publicity_start(actor=drafter, project=project)
        if plan.objection:
            i, text, response = plan.objection
            org, admin = cast.org(plan.bidders[i].org)
            objection = services.objection_raise(actor=admin, project=project, org=org, text=text)
            if response:
                services.objection_resolve(
                    actor=drafter, objection=objection, upheld=False, response=response
                )
    if reach >= ORDER.index(P.AWARDED):
        project.refresh_from_db()
        _backdate(project, plan, publicity_over=True)
        project = services.award_confirm(actor=drafter, project=project)
    if reach >= ORDER.index(P.CONTRACTED):
        project.refresh_from_db()
        contract = services.contract_sign(
            actor=drafter,
            project=project,
            milestones=_milestone_plan(project, plan),
            terms=(
                f"乙方按投标文件和服务方案提供「{plan.title}」服务,服务期{project.service_start}至"
                f"{project.service_end};各付款节点经甲方验收合格后支付,服务对象信息严格保密。"
            ),
        )
        ctx.count("服务合同")
    if reach >= ORDER.index(P.IN_DELIVERY):
        services.delivery_start(actor=drafter, project=project)
        _deliver(ctx, cast, plan, project, contract)
    if plan.status == P.CANCELLED:
        services.project_cancel(actor=drafter, project=project, reason=plan.cancel_reason)
    project.refresh_from_db()
    if reach >= ORDER.index(P.PUBLISHED):
        # Also for a project still taking bids: it was published when its window opened.
        _backdate(project, plan, publicity_over=reach >= ORDER.index(P.AWARDED))
    return project


def _next_round(ctx: DemoContext, cast: _Cast, plan: DemoProject, failed: Project) -> Project:
    """A failed project is bought again as a new round, published at once."""
    drafter, approver = cast.officials(plan)
    days_ahead, bidders = plan.next_round
    close = _at(timezone.localdate() + datetime.timedelta(days=days_ahead), 17)
    project = services.project_republish(
        actor=drafter,
        project=failed,
        bid_open_at=timezone.now() - datetime.timedelta(hours=2),
        bid_close_at=close,
    )
    ctx.count("服务项目")
    services.project_submit(actor=drafter, project=project)
    services.project_approve(actor=approver, project=project)
    services.project_publish(actor=drafter, project=project)
    for i, bidder in enumerate(bidders):
        org, admin = cast.org(bidder.org)
        services.bid_submit(actor=admin, project=project, org=org, contents=_contents(plan, org, bidder, i))
        ctx.count("投标")
    return project


def seed_projects(ctx: DemoContext) -> None:
    """Every project of the plan that its street does not have yet, driven to its status."""
    cast = _Cast(ctx)
    for index, plan in enumerate(PROJECTS):
        street, _community = _place(plan)
        if Project.objects.filter(street=street, title=plan.title).exists():
            continue
        names = [b.org for b in plan.bidders] + [b.org for b in (plan.next_round or (0, ()))[1]]
        if any(cast.org(name) is None for name in names):
            # A bidder an administrator has since suspended (or taken the admin from) cannot
            # bid: the plan would not reach its status, so the demo leaves this project out.
            continue
        _drive(ctx, cast, index, plan)


__all__ = ["PROJECTS", "Bidder", "DemoProject", "price_fen", "seed_projects"]
