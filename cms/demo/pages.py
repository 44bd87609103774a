"""Every page type of the portal under the home page, in Chinese: a street page per street,
community pages for a few communities, notices, policy documents with a PDF attachment, party
news and standard pages; the street sections' editors and the moderation of notices and policies.

A page is found by its slug under its parent, so a second run creates nothing and an editor's
later changes are kept. Pages are published by the system, as the home page is (portal roles do
not grant Wagtail's page rights). One notice is left waiting in moderation, submitted by the
first street's editor, so a moderator has something to approve.
"""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page

from marketplace.places.models import Community, PartyOrganization, Street

from .. import services
from ..models import (
    CommunityPage,
    HomePage,
    NoticeIndexPage,
    NoticePage,
    PartyNewsIndexPage,
    PartyNewsPage,
    PolicyDocumentPage,
    PolicyIndexPage,
    StandardPage,
    StreetIndexPage,
    StreetPage,
)
from .base import DemoContext

Document = get_document_model()

STREET_INTROS = {
    "TH01": "城关街道是太和区的老城区,机关单位集中,老旧小区多,居家养老和社区治理需求突出。",
    "TH02": "东城街道是新兴居住区,年轻家庭多,“一老一小”服务和邻里互助是工作重点。",
    "TH03": "西城街道商贸繁荣,流动人口较多,网格化管理和矛盾纠纷调解任务较重。",
    "TH04": "南湖街道环湖而建,生态环境优美,志愿护河、文明实践活动开展活跃。",
    "TH05": "北苑街道产业园区与居住区交错,党建联建、共驻共建是特色。",
}
COMMUNITIES = {
    "TH0101": "幸福里社区建于上世纪八十年代,老年人口占比超过三成,社区食堂和助老服务是居民最关心的事。",
    "TH0102": "和平社区以“红色物业”为抓手,推动小区物业服务与党建工作同频共振。",
    "TH0103": "解放路社区临街商户多,组建了“商户联盟”参与环境整治和平安建设。",
    "TH0201": "东风社区推行“网格员+楼栋长+志愿者”联动,做到小事不出网格。",
}


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def _rich(*paragraphs: str) -> list:
    return [("paragraph", "".join(f"<p>{p}</p>" for p in paragraphs))]


NOTICES = [
    (
        "notice-volunteer-recruit",
        "关于招募2025年度社区志愿服务骨干的通知",
        "太和区委社会工作部",
        3,
        "面向全区招募社区志愿服务骨干,参与助老、环境整治、文明实践等服务。",
        (
            "各街道、社区:",
            "为深化党员志愿服务,现面向全区招募社区志愿服务骨干 200 名。报名者请登录本平台完成实名注册后,在“志愿服务”栏目选择所在社区报名。",
        ),
    ),
    (
        "notice-procurement-training",
        "关于举办社会组织承接政府购买服务能力培训的通知",
        "太和区民政局",
        8,
        "培训内容包括项目申报、投标文件编制、履约与验收、资金使用规范。",
        (
            "各社会组织:",
            "为提升社会组织承接政府购买服务能力,区民政局定于下月举办专题培训,请各组织指派项目负责人参加,名额有限,额满即止。",
        ),
    ),
    (
        "notice-fund-disclosure",
        "基层治理专项基金第三季度收支情况公示",
        "太和区基层治理专项基金管理委员会",
        15,
        "本季度专项基金收入、支出及资助项目情况,接受社会监督。",
        (
            "根据专项基金管理办法,现将第三季度收支情况予以公示,公示期 7 天。",
            "对公示内容有异议的,请在公示期内通过本平台或联系电话反映。",
        ),
    ),
    (
        "notice-grid-meeting",
        "关于开展“网格议事日”活动的通知",
        "太和区委社会工作部",
        24,
        "每月第一个周六,各网格召开议事会,听取居民意见。",
        (
            "各街道党工委:",
            "为推动“支部建在网格里”落地见效,请各网格党支部每月第一个周六组织召开网格议事会,议事结果在本平台公开。",
        ),
    ),
    (
        "notice-holiday-service",
        "国庆假期便民服务安排公告",
        "太和区政务服务中心",
        40,
        "假期期间各街道便民服务站轮值安排。",
        ("国庆假期期间,各街道便民服务站实行轮值,急事可拨打 12345 政务服务便民热线。",),
    ),
]

POLICIES = [
    (
        "policy-procurement-measures",
        "太和区街道购买社会组织服务管理办法(试行)",
        "太和区人民政府办公室",
        "太政办发〔2025〕12号",
        60,
        "规范街道向社会组织购买服务的范围、程序、评审、合同管理与绩效评价。",
    ),
    (
        "policy-incubation",
        "太和区社区社会组织孵化培育三年行动方案",
        "中共太和区委社会工作部",
        "太社工发〔2025〕5号",
        90,
        "明确孵化对象、入驻条件、导师制度、评估与出壳标准。",
    ),
    (
        "policy-fund",
        "太和区基层治理专项基金管理办法",
        "太和区民政局",
        "太民发〔2025〕8号",
        120,
        "规定专项基金的募集、使用、双人审批、信息公开与监督。",
    ),
]

PARTY_NEWS = [
    (
        "news-grid-branch",
        "幸福里社区第1网格党支部开展“敲门行动”",
        "TH0101G01-ZB",
        2,
        "党员分组走访独居老人 46 户,收集诉求 19 条,已办结 15 条。",
    ),
    (
        "news-inservice",
        "在职党员回社区报到 服务群众“零距离”",
        "TH-ZZ01",
        6,
        "区民政局机关党支部 32 名在职党员到居住社区报到,认领服务岗位。",
    ),
    (
        "news-street-committee",
        "东城街道党工委召开党建联建推进会",
        "TH02-DGW",
        12,
        "辖区 18 家单位签订共建协议,围绕“一老一小”开展项目化合作。",
    ),
    (
        "news-volunteer",
        "南湖街道党员志愿护河队巡河护水",
        "TH04-DGW",
        20,
        "40 余名党员志愿者沿湖巡查,清理垃圾,劝导不文明行为。",
    ),
]


def _pdf(title_ascii: str) -> bytes:
    """A one-page PDF: small, valid, with an ASCII line (the standard fonts have no Chinese)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title_ascii}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _document(ctx: DemoContext, title: str, slug: str):
    document = Document.objects.filter(title=title).first()
    if document is None:
        document = Document(title=title, collection=Collection.get_first_root_node())
        document.file.save(f"{slug}.pdf", ContentFile(_pdf(f"Taihe District - {slug}")), save=False)
        document._set_document_file_metadata()
        document.save()
        ctx.count("文档")
    return document


def _child(parent: Page, slug: str):
    return parent.get_children().filter(slug=slug).specific().first()


def _add(ctx: DemoContext, parent: Page, page: Page, *, publish: bool = True) -> Page:
    existing = _child(parent, page.slug)
    if existing is not None:
        return existing
    if not publish:
        page.live = False
    parent.add_child(instance=page)
    revision = page.save_revision(user=None, log_action=True)
    if publish:
        revision.publish(user=None)
    ctx.count("页面")
    return page


def _streets(ctx: DemoContext, home: HomePage) -> list[StreetPage]:
    index = _add(
        ctx,
        home,
        StreetIndexPage(
            title="街道社区",
            slug="streets",
            intro="<p>太和区各街道、社区的服务项目、志愿活动、社会组织和党组织。</p>",
        ),
    )
    street_pages = []
    for street in Street.objects.filter(district=ctx.district).order_by("sort_order", "code"):
        page = StreetPage.objects.filter(street=street).first() or _add(
            ctx,
            index,
            StreetPage(
                title=street.name,
                slug=street.code.lower(),
                street=street,
                intro=f"<p>{STREET_INTROS.get(street.code, street.name)}</p>",
            ),
        )
        services.street_section_setup(actor=ctx.admin, street_page=page)
        street_pages.append(page)
    for code, text in COMMUNITIES.items():
        community = Community.objects.filter(code=code).select_related("street").first()
        parent = next((p for p in street_pages if community and p.street_id == community.street_id), None)
        if parent is None or CommunityPage.objects.filter(community=community).exists():
            continue
        _add(
            ctx,
            parent,
            CommunityPage(
                title=community.name,
                slug=community.code.lower(),
                community=community,
                intro=f"<p>{text}</p>",
                body=[
                    (
                        "quote",
                        {
                            "text": "小事不出网格,大事不出社区,难事不出街道。",
                            "attribution": "太和区网格化治理工作要求",
                        },
                    )
                ],
            ),
        )
    return street_pages


def _notices(ctx: DemoContext, parent: Page, rows, slug: str = "notices", title: str = "通知公告") -> Page:
    index = _add(
        ctx, parent, NoticeIndexPage(title=title, slug=slug, intro="<p>区、街道发布的工作通知和公告。</p>")
    )
    services.moderation_workflow_assign(page=index)
    for slug_, title_, issuer, days, intro, paragraphs in rows:
        _add(
            ctx,
            index,
            NoticePage(
                title=title_,
                slug=slug_,
                issuer=issuer,
                date=_days_ago(days),
                intro=intro,
                body=_rich(*paragraphs),
            ),
        )
    return index


def _policies(ctx: DemoContext, home: HomePage) -> None:
    index = _add(
        ctx,
        home,
        PolicyIndexPage(title="政策文件", slug="policies", intro="<p>与基层治理相关的规范性文件。</p>"),
    )
    services.moderation_workflow_assign(page=index)
    for slug, title, body, number, days, summary in POLICIES:
        if _child(index, slug) is not None:
            continue
        document = _document(ctx, f"{title}(全文)", slug)
        _add(
            ctx,
            index,
            PolicyDocumentPage(
                title=title,
                slug=slug,
                issuing_body=body,
                document_number=number,
                issue_date=_days_ago(days),
                summary=summary,
                body=_rich(f"{summary}全文见附件。", "本文件自印发之日起施行,由发文机关负责解释。"),
                attachments=[("document", {"document": document, "title": f"{title}.pdf"})],
            ),
        )


def _party_news(ctx: DemoContext, home: HomePage) -> None:
    index = _add(
        ctx, home, PartyNewsIndexPage(title="党建动态", slug="party-news", intro="<p>支部建在网格里。</p>")
    )
    orgs = PartyOrganization.objects.in_bulk([row[2] for row in PARTY_NEWS], field_name="code")
    for slug, title, org_code, days, intro in PARTY_NEWS:
        _add(
            ctx,
            index,
            PartyNewsPage(
                title=title,
                slug=slug,
                date=_days_ago(days),
                party_organization=orgs.get(org_code),
                intro=intro,
                body=_rich(intro, "下一步,将持续推动党建引领基层治理走深走实。"),
            ),
        )


def _standard_pages(ctx: DemoContext, home: HomePage) -> None:
    _add(
        ctx,
        home,
        StandardPage(
            title="关于平台",
            slug="about",
            intro="太和区基层治理服务平台由中共太和区委社会工作部主办。",
            body=[
                *_rich(
                    "平台汇集街道购买服务、社区社会组织孵化、党员志愿服务、基层治理专项基金四项业务,全程公开。"
                ),
                ("quote", {"text": "党建引领 共治共享", "attribution": "太和区基层治理工作理念"}),
                ("live_list", {"title": "正在招标的服务项目", "kind": "projects", "limit": 5}),
                ("live_list", {"title": "近期志愿活动", "kind": "activities", "limit": 4}),
            ],
        ),
    )
    _add(
        ctx,
        home,
        StandardPage(
            title="办事指南",
            slug="guide",
            intro="社会组织、志愿者和捐赠人如何在平台上办事。",
            body=_rich(
                "社会组织:注册账户后提交登记信息,经区级认证后即可参与投标。",
                "志愿者:实名注册后选择活动班次报名,到场扫码签到。",
                "捐赠人:在“专项基金”栏目选择资助方向,在线捐赠并获取电子票据。",
            ),
        ),
    )


def _pending_notice(ctx: DemoContext, street_page: StreetPage) -> None:
    """A street editor's notice submitted to moderation and not yet approved."""
    editor = ctx.users.get("street_official")
    if editor is None:
        return
    services.street_editor_add(actor=ctx.admin, user=editor, street_page=street_page)
    index = _notices(ctx, street_page, [], slug="notices", title=f"{street_page.street.name}通知")
    slug = "notice-elderly-canteen"
    if _child(index, slug) is not None:
        return
    page = _add(
        ctx,
        index,
        NoticePage(
            title="幸福里社区老年食堂开餐公告",
            slug=slug,
            issuer=street_page.street.name,
            date=timezone.localdate(),
            intro="社区老年食堂下周一起开餐,60 岁以上老人凭卡享受优惠。",
            body=_rich("社区老年食堂位于幸福里 12 号楼底商,每日供应午餐、晚餐。"),
        ),
        publish=False,
    )
    workflow = page.get_workflow()
    if workflow and page.current_workflow_state is None:
        workflow.start(page, editor)


def seed_pages(ctx: DemoContext) -> None:
    home = HomePage.objects.first()
    if home is None:
        return
    site_root = home
    services.moderation_workflow(site_root)
    if ctx.admin is not None:
        services.moderator_add(actor=ctx.admin, user=ctx.admin, site_root=site_root)
    street_pages = _streets(ctx, home)
    _notices(ctx, home, NOTICES)
    _policies(ctx, home)
    _party_news(ctx, home)
    _standard_pages(ctx, home)
    first = next((p for p in street_pages if p.street.code == "TH01"), None)
    if first is not None:
        _pending_notice(ctx, first)


__all__ = ["seed_pages"]
