"""Chinese names and texts for the scale data: organisations, service projects, activities,
donors. Every string here goes into COPY's text format unescaped, so none may hold a tab, a
newline or a backslash (``tests/cms/test_seed_scale.py`` checks)."""

from marketplace.organizations.choices import LegalForm, ServiceCategory

LIFE = ServiceCategory.DAILY_LIFE
CHARITY = ServiceCategory.CHARITY
MUTUAL = ServiceCategory.MUTUAL_AID
GROUPS = ServiceCategory.SPECIFIC_GROUPS

# --- organisations ----------------------------------------------------------------------------
# (theme, category, service tag slugs)
ORG_THEMES = [
    ("为老服务", GROUPS, ("elderly",)),
    ("居家养老服务", LIFE, ("elderly", "health")),
    ("长者助餐", LIFE, ("meal-aid", "elderly")),
    ("助残服务", GROUPS, ("disability",)),
    ("残疾人康复", GROUPS, ("disability", "health")),
    ("青少年成长", GROUPS, ("youth",)),
    ("儿童关爱", GROUPS, ("children",)),
    ("四点半课堂", GROUPS, ("children",)),
    ("社区矫正帮教", GROUPS, ("legal-aid",)),
    ("妇女儿童发展", GROUPS, ("women-family", "children")),
    ("新市民融入", GROUPS, ("women-family", "legal-aid")),
    ("心理健康", GROUPS, ("health",)),
    ("健康促进", LIFE, ("health",)),
    ("便民维修", LIFE, ("property", "volunteering")),
    ("家政服务", LIFE, ("women-family",)),
    ("垃圾分类", LIFE, ("waste-sorting", "environment")),
    ("物业协调", MUTUAL, ("property", "mediation")),
    ("邻里互助", MUTUAL, ("volunteering", "mediation")),
    ("人民调解", MUTUAL, ("mediation",)),
    ("楼栋自治", MUTUAL, ("property",)),
    ("文体", MUTUAL, ("culture-sports",)),
    ("书画", MUTUAL, ("culture-sports",)),
    ("太极拳", MUTUAL, ("culture-sports", "health")),
    ("慈善", CHARITY, ("volunteering",)),
    ("助学", CHARITY, ("children", "youth")),
    ("爱心", CHARITY, ("volunteering",)),
    ("环保", CHARITY, ("environment",)),
    ("应急救援", CHARITY, ("volunteering",)),
    ("法律援助", CHARITY, ("legal-aid",)),
    ("志愿服务", CHARITY, ("volunteering",)),
]
BRANDS = [
    "阳光",
    "启明",
    "同心",
    "仁爱",
    "心桥",
    "春晖",
    "向日葵",
    "暖阳",
    "晨曦",
    "益友",
    "微光",
    "善行",
    "乐龄",
    "康乐",
    "夕阳红",
    "红烛",
    "星火",
    "蒲公英",
    "彩虹",
    "和美",
    "睦邻",
    "连心",
    "明德",
    "惠民",
    "安心",
    "幸福",
    "共享",
    "知行",
    "守望",
    "朝阳",
]
SUFFIXES = {
    LegalForm.SOCIAL_SERVICE: ("社会工作服务中心", "社工服务中心", "服务中心", "服务社", "发展中心"),
    LegalForm.SOCIAL_GROUP: ("协会", "促进会", "志愿服务协会", "联合会", "研究会"),
    LegalForm.FOUNDATION: ("公益基金会", "慈善基金会"),
    LegalForm.COMMUNITY_FILED: ("服务队", "互助会", "志愿服务队", "工作室", "议事会", "兴趣小组"),
}
ORG_DESCRIPTIONS = {
    GROUPS: (
        "为{place}的{who}提供个案管理、小组活动和资源链接服务,建立一人一档,定期回访评估。",
        "专业社工团队,承接{who}关爱服务等政府购买项目,注重服务成效评估。",
    ),
    LIFE: (
        "依托{place}服务站点,为居民提供{what}等便民服务,服务台账按月公示。",
        "组织退休技术工人和志愿者,开展{what},重点照顾困难家庭和独居老人。",
    ),
    MUTUAL: (
        "居民自发组建,开展{what}和议事协商,推动小区问题就地解决。",
        "以楼栋骨干为纽带,组织{what},营造守望相助的邻里氛围。",
    ),
    CHARITY: (
        "链接爱心企业和居民,开展{what},资助困难家庭和社区公益项目。",
        "招募和培训志愿者,常态化开展{what},服务过程全程留痕、按季公示。",
    ),
}
WHO = (
    "高龄独居老人",
    "持证残疾人",
    "困境儿童",
    "青少年",
    "社区矫正对象",
    "外来务工人员家庭",
    "空巢老人",
    "单亲家庭",
)
WHAT = (
    "助餐助浴",
    "家电维修",
    "环境整治",
    "邻里调解",
    "文体活动",
    "助学帮扶",
    "健康义诊",
    "法律咨询",
    "垃圾分类督导",
)
ROADS = ("建设", "人民", "幸福", "和平", "文化", "解放", "中山", "新华", "胜利", "团结")

# --- service projects -------------------------------------------------------------------------
# (subject, category, service targets, what is delivered)
PROJECT_SUBJECTS = [
    ("高龄独居老人助餐服务", LIFE, "辖区80周岁以上独居、空巢老人", "送餐、探访和异常报告"),
    ("居家养老上门服务", LIFE, "辖区失能、半失能老人", "助洁、助浴和康复护理"),
    ("老年人智能手机培训", LIFE, "辖区60周岁以上老年人", "智能手机和防诈骗课程"),
    ("残疾人居家康复服务", GROUPS, "辖区持证残疾人及其家庭照护者", "上门康复训练和照护培训"),
    ("残疾人辅助性就业服务", GROUPS, "辖区有就业意愿的残疾人", "技能培训和岗位对接"),
    ("社区矫正对象帮教服务", GROUPS, "辖区社区矫正对象及其家庭", "心理疏导、就业指导和社会融入"),
    ("青少年暑期成长营", GROUPS, "辖区中小学生", "夏令营、安全教育和志愿实践"),
    ("困境儿童关爱保护服务", GROUPS, "辖区困境儿童和留守儿童", "个案跟进、学业辅导和家庭支持"),
    ("青少年心理健康服务", GROUPS, "辖区青少年及其家长", "心理测评、团体辅导和家长课堂"),
    ("妇女儿童之家运营", GROUPS, "辖区妇女和儿童", "家庭教育讲座和亲子活动"),
    ("新市民子女融入服务", GROUPS, "外来务工人员子女", "课后托管和城市融入活动"),
    ("老旧小区加装电梯协调服务", MUTUAL, "老旧小区业主", "意愿调查、议事协商和矛盾调处"),
    ("小区物业纠纷调解服务", MUTUAL, "小区业主和物业企业", "纠纷调解和业委会规范运作指导"),
    ("楼道整治与微更新", MUTUAL, "老旧小区住户", "楼道清理、照明和公示栏微更新"),
    ("邻里节与社区营造", MUTUAL, "社区居民", "邻里节、百家宴和议事会"),
    ("社区文体活动组织", MUTUAL, "社区居民", "文体队伍培育和社区运动会"),
    ("垃圾分类宣传督导", CHARITY, "社区居民", "桶边督导、入户宣传和积分兑换"),
    ("河道巡护与环保宣传", CHARITY, "社区居民和中小学生", "河道巡护、旧物回收和环保课堂"),
    ("志愿者队伍培育", CHARITY, "社区志愿者", "招募培训、积分激励和服务对接"),
    ("困难家庭帮扶", CHARITY, "辖区低保和低收入家庭", "结对帮扶、助学和节日慰问"),
    ("应急救护培训", CHARITY, "社区居民和网格员", "心肺复苏和应急避险培训"),
]
PERFORMANCE = (
    "服务不少于{n}人次;服务对象满意度不低于90%;服务台账完整率100%。",
    "建立服务档案不少于{n}份;按季开展成效评估;满意度不低于92%。",
    "开展活动不少于{m}场、服务不少于{n}人次;形成可复制的工作方法一套。",
)
CANCEL_REASONS = (
    "服务需求发生变化,经街道党工委会议研究决定取消采购。",
    "项目资金调整,本年度暂停采购,另行通知。",
    "与区级同类项目内容重复,取消本次采购。",
)
EVALUATION_REPORT = "评审委员会按评分办法独立评分,综合价格分和技术分确定排名,评审过程全程记录。"
CONTRACT_TERMS = "按招标文件及中标人投标文件约定提供服务;付款按履约节点验收后支付;服务期满终期评估。"
REPORT_TEXT = "本节点服务已按合同完成,附服务台账、活动照片、服务对象签字确认和满意度调查。"
RATING_COMMENTS = (
    (5, "服务规范,台账完整,服务对象评价很高,建议续签。"),
    (4, "按合同完成服务,个别活动记录不够详细,整体良好。"),
    (3, "基本完成服务目标,服务频次不足,需加强过程管理。"),
)
TEAM_TEXT = "项目负责人持助理社会工作师证书,专职社工{n}名,志愿者{m}名。"

# --- activities -------------------------------------------------------------------------------
ACTIVITY_SUFFIXES = ("志愿服务活动", "志愿活动", "公益行动", "服务日")
ACTIVITY_CANCEL_REASONS = (
    "天气预报有大到暴雨,为保障志愿者安全,本次活动取消,另行通知。",
    "场地临时调整,本次活动取消。",
)
CORRECTION_REASON = "签退时间登记有误,按实际服务时长更正。"
NOTES = ("周末上午", "工作日晚上七点后", "节假日全天", "随叫随到", "每周二、四下午")

# --- the fund ---------------------------------------------------------------------------------
FUNDS = [
    # (code, name, host, purpose, theme sub-funds as (code, name, theme))
    (
        "taihe-minsheng",
        "太和区民生服务专项基金",
        "太和区慈善总会",
        "接受社会捐赠,资助街道购买的社区服务项目和民生服务,收支全程公开。",
        [("yilao-yixiao", "一老一小专项", "一老一小"), ("kunnan-bangfu", "困难家庭帮扶专项", "困难帮扶")],
    ),
    (
        "taihe-zhuxue",
        "太和区慈善助学基金",
        "太和区慈善总会",
        "资助家庭困难的中小学生和大学新生完成学业。",
        [("daxue-xinsheng", "大学新生助学专项", "助学")],
    ),
    (
        "taihe-weilao",
        "太和区为老服务基金",
        "太和区老龄事业发展基金会",
        "支持长者食堂、居家养老上门服务和老年人关爱活动。",
        [("zhangzhe-shitang", "长者食堂专项", "助餐")],
    ),
    (
        "taihe-jiuzhu",
        "太和区应急救助基金",
        "太和区红十字会",
        "用于突发事件、大病和意外困难家庭的临时救助。",
        [],
    ),
]
COMPANY_TRADES = (
    "建设集团有限公司",
    "商贸有限公司",
    "物业服务有限公司",
    "农村商业银行股份有限公司",
    "医药连锁有限公司",
    "餐饮管理有限公司",
    "科技有限公司",
)
COMPANY_PLACES = ("太和", "锦州", "辽西", "渤海", "凌河", "古塔", "滨海")
DISCLOSURES = (
    "第一季度收支情况公开",
    "第二季度收支情况公开",
    "第三季度收支情况公开",
    "年度工作报告和财务审计报告",
)


def all_strings() -> list[str]:
    """Every string above, for the test that none needs escaping in COPY."""
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    for name, value in globals().items():
        if name.isupper():
            walk(value)
    return out
