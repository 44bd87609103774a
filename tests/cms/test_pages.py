"""The portal's page types: each renders in the portal's frame, in Chinese, with nothing the strict
Content-Security-Policy would block; street and community pages show their place's projects,
activities, organisations and party organisations; index pages list their children newest
first, ten to a page; query counts do not grow with the data."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from wagtail.documents import get_document_model
from wagtail.models import Page

from cms.models import (
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
from marketplace.core.roles import Role
from marketplace.places.choices import PartyOrgKind
from marketplace.procurement import services as procurement
from tests.factories import GridFactory, OrganizationFactory, PartyOrganizationFactory, UserFactory, grant
from tests.factories.volunteers import ActivityFactory, ShiftFactory
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.procurement.conftest import terms


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Documents uploaded by the tests go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def project(world):
    """Publish a project of street A (drafted by one official, approved by another)."""
    approver = UserFactory(display_name="甲街道第二干部")
    grant(approver, Role.STREET_OFFICIAL, world.street_a)

    def _publish(title: str, **overrides):
        made = procurement.project_create(
            actor=world.official_a, street=world.street_a, terms=terms(title=title, **overrides)
        )
        procurement.project_submit(actor=world.official_a, project=made)
        procurement.project_approve(actor=approver, project=made)
        procurement.project_publish(actor=world.official_a, project=made)
        return made

    return _publish


def party_org(kind, name, *, street=None, community=None, grid=None):
    place = grid or community or street
    return PartyOrganizationFactory(
        kind=kind,
        name=name,
        district=place.district,
        street=grid.street if grid else community.street if community else street,
        community=grid.community if grid else community,
        grid=grid,
    )


def publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@dataclass
class Tree:
    home: HomePage
    streets: StreetIndexPage
    street_a: StreetPage
    street_b: StreetPage
    community_a: CommunityPage
    notices: NoticeIndexPage
    street_notices: NoticeIndexPage
    policies: PolicyIndexPage
    party_news: PartyNewsIndexPage


def build_tree(world) -> Tree:
    home = HomePage.objects.get()
    streets = publish(home, StreetIndexPage(title="街道社区", slug="streets"))
    street_a = publish(
        streets, StreetPage(title="甲街道", slug="a", street=world.street_a, intro="<p>甲街道简介</p>")
    )
    street_b = publish(streets, StreetPage(title="乙街道", slug="b", street=world.street_b))
    community_a = publish(street_a, CommunityPage(title="甲一社区", slug="a1", community=world.community_a))
    notices = publish(home, NoticeIndexPage(title="通知公告", slug="notices"))
    street_notices = publish(street_a, NoticeIndexPage(title="甲街道通知", slug="notices"))
    policies = publish(home, PolicyIndexPage(title="政策文件", slug="policies"))
    party_news = publish(home, PartyNewsIndexPage(title="党建动态", slug="party-news"))
    return Tree(home, streets, street_a, street_b, community_a, notices, street_notices, policies, party_news)


@pytest.fixture
def tree(world) -> Tree:
    return build_tree(world)


def get_page(client, url: str, *texts: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert csp_problems(response) == []
    for text in texts:
        assert text in html, f"{text!r} not on {url}"
    return html


def notice(parent, n: int, **fields) -> NoticePage:
    values = {
        "title": f"第{n}号通知",
        "slug": f"notice-{n}",
        "date": datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
        "issuer": "太和区民政局",
        "intro": f"第{n}号通知的摘要",
        "body": [("paragraph", f"<p>第{n}号通知正文</p>")],
    }
    values.update(fields)
    return publish(parent, NoticePage(**values))


def test_notice_page_renders(client, tree):
    page = notice(tree.notices, 1)
    get_page(client, page.url, "第1号通知", "发布单位:太和区民政局", "第1号通知正文", "2025-01-02")


def test_policy_document_page_shows_its_filing_and_attachment(client, tree):
    Document = get_document_model()
    document = Document(title="管理办法全文")
    document.file.save("measures.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    document.save()
    page = publish(
        tree.policies,
        PolicyDocumentPage(
            title="太和区街道购买服务管理办法",
            slug="measures",
            issuing_body="太和区人民政府办公室",
            document_number="太政办发〔2025〕12号",
            issue_date=datetime.date(2025, 3, 1),
            summary="规范购买服务的程序。",
            attachments=[("document", {"document": document, "title": "管理办法.pdf"})],
        ),
    )
    html = get_page(
        client, page.url, "太政办发〔2025〕12号", "太和区人民政府办公室", "2025-03-01", "管理办法.pdf"
    )
    assert document.url in html
    assert client.get(document.url).status_code == 200


def test_party_news_page_names_its_party_organisation(client, tree, world):
    org = party_org(PartyOrgKind.GRID_BRANCH, "甲一社区第1网格党支部", grid=world.grid_a)
    page = publish(
        tree.party_news,
        PartyNewsPage(
            title="网格党支部敲门行动", slug="knock", date=datetime.date(2025, 5, 1), party_organization=org
        ),
    )
    get_page(client, page.url, "网格党支部敲门行动", "甲一社区第1网格党支部")
    get_page(client, tree.party_news.url, "网格党支部敲门行动", "甲一社区第1网格党支部")


def test_standard_page_renders_rich_text_quote_and_document(client, tree):
    Document = get_document_model()
    document = Document(title="办事指南下载")
    document.file.save("guide.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    document.save()
    page = publish(
        tree.home,
        StandardPage(
            title="办事指南",
            slug="guide",
            body=[
                ("paragraph", "<p>社会组织注册后提交登记信息。</p>"),
                ("quote", {"text": "党建引领 共治共享", "attribution": "太和区"}),
                ("document", {"document": document, "title": ""}),
            ],
        ),
    )
    html = get_page(client, page.url, "社会组织注册后提交登记信息。", "党建引领 共治共享", "办事指南下载")
    assert "<blockquote" in html


def test_street_page_shows_its_places_projects_activities_organisations_and_party(
    client, tree, world, project
):
    project(title="甲街道助餐服务")
    ShiftFactory(activity=ActivityFactory(community=world.community_a, title="甲一社区楼道清理"))
    ShiftFactory(activity=ActivityFactory(community=world.community_b, title="乙一社区楼道清理"))
    OrganizationFactory(street=world.street_b, name="乙街道社工站")
    OrganizationFactory(street=world.street_a, community=world.community_a, name="甲一社区邻里互助会")
    party_org(PartyOrgKind.STREET_COMMITTEE, "甲街道党工委", street=world.street_a)
    party_org(PartyOrgKind.GRID_BRANCH, "甲一社区第1网格党支部", grid=world.grid_a)
    html = get_page(
        client,
        tree.street_a.url,
        "甲街道简介",
        "甲街道助餐服务",
        "¥300,000.00",
        "甲一社区楼道清理",
        "甲一社区邻里互助会",
        "甲街道党工委",
        "甲一社区第1网格党支部",
        "甲一社区",
        "甲街道通知",  # its sections
    )
    assert "乙一社区楼道清理" not in html and "乙街道社工站" not in html
    assert tree.community_a.url in html
    other = get_page(client, tree.street_b.url, "乙一社区楼道清理", "乙街道社工站")
    assert "甲街道助餐服务" not in other


def test_community_page_shows_its_community(client, tree, world, project):
    project(title="甲街道全街道项目")  # street-wide: it serves each community of the street
    ShiftFactory(activity=ActivityFactory(community=world.community_a, title="甲一社区助老"))
    ShiftFactory(activity=ActivityFactory(community=world.community_a2, title="甲二社区助老"))
    party_org(PartyOrgKind.COMMUNITY_COMMITTEE, "甲一社区党委", community=world.community_a)
    html = get_page(client, tree.community_a.url, "甲街道全街道项目", "甲一社区助老", "甲一社区党委")
    assert "甲二社区助老" not in html


def test_street_index_lists_the_street_pages(client, tree):
    get_page(client, tree.streets.url, tree.street_a.url, tree.street_b.url, "甲街道", "乙街道")


def test_index_pages_list_children_newest_first_ten_to_a_page(client, tree):
    for n in range(1, 13):
        notice(tree.notices, n)
    html = get_page(client, tree.notices.url, "第12号通知", "第3号通知")
    assert html.index("第12号通知") < html.index("第11号通知") < html.index("第3号通知")
    assert "第2号通知" not in html
    second = get_page(client, tree.notices.url + "?page=2", "第2号通知", "第1号通知")
    assert "第3号通知" not in second


def test_an_unpublished_child_is_not_listed(client, tree):
    notice(tree.notices, 1)
    draft = NoticePage(title="草稿通知", slug="draft", date=datetime.date(2025, 1, 1), live=False)
    tree.notices.add_child(instance=draft)
    assert "草稿通知" not in get_page(client, tree.notices.url, "第1号通知")
    assert client.get("/notices/draft/").status_code == 404


def test_empty_index_says_so(client, tree):
    get_page(client, tree.policies.url, "本栏目暂无内容。")


# Counts what rendering reads, not a page cache hit.
@override_settings(PAGE_CACHE_ENABLED=False)
def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_street_and_community_pages_do_constant_queries(client, tree, world, project):
    def add_data(n):
        project(title=f"项目{n}")
        ShiftFactory(activity=ActivityFactory(community=world.community_a))
        OrganizationFactory(street=world.street_a, community=world.community_a)
        grid = GridFactory(community=world.community_a)
        party_org(PartyOrgKind.GRID_BRANCH, f"甲一社区第{n}网格党支部", grid=grid)

    add_data(0)
    client.get(tree.street_a.url)  # warm caches (site root paths, settings)
    few = (_queries(client, tree.street_a.url), _queries(client, tree.community_a.url))
    for n in range(1, 8):
        add_data(n)
    many = (_queries(client, tree.street_a.url), _queries(client, tree.community_a.url))
    assert many == few


@pytest.mark.parametrize("index_name", ["notices", "party_news"])
def test_index_pages_do_constant_queries(client, tree, world, index_name):
    index = getattr(tree, index_name)

    def add(n):
        if index_name == "notices":
            notice(index, n)
        else:
            org = party_org(
                PartyOrgKind.GRID_BRANCH, f"第{n}网格党支部", grid=GridFactory(community=world.community_a)
            )
            publish(
                index,
                PartyNewsPage(
                    title=f"动态{n}", slug=f"n{n}", date=datetime.date(2025, 1, n), party_organization=org
                ),
            )

    add(1)
    client.get(index.url)
    few = _queries(client, index.url)
    for n in range(2, 10):
        add(n)
    assert _queries(client, index.url) == few


def test_street_index_does_constant_queries(client, tree, world):
    from tests.factories import StreetFactory

    client.get(tree.streets.url)
    few = _queries(client, tree.streets.url)
    for n in range(5):
        publish(
            tree.streets,
            StreetPage(title=f"街道{n}", slug=f"s{n}", street=StreetFactory(district=world.district)),
        )
    assert _queries(client, tree.streets.url) == few


def test_page_type_rules_keep_the_tree_tidy(tree):
    assert NoticePage.can_create_at(tree.notices)
    assert not NoticePage.can_create_at(tree.home)
    assert not NoticePage.can_create_at(tree.policies)
    assert PolicyDocumentPage.can_create_at(tree.policies)
    assert StreetPage.can_create_at(tree.streets) and not StreetPage.can_create_at(tree.home)
    assert CommunityPage.can_create_at(tree.street_a) and not CommunityPage.can_create_at(tree.streets)
    assert not StreetIndexPage.can_create_at(tree.home)  # one only
    assert NoticeIndexPage.can_create_at(tree.street_a) and PartyNewsIndexPage.can_create_at(tree.street_a)
    assert not PartyNewsPage.can_create_at(tree.street_a)


def test_live_list_block_filters_by_place_and_category_and_counts(client, tree, world, project):
    project(title="甲街道助餐服务", category="daily_life")
    project(title="甲街道助残服务", category="specific_groups")
    OrganizationFactory(street=world.street_a, name="甲街道社工站")
    OrganizationFactory(street=world.street_b, name="乙街道社工站")
    page = publish(
        tree.home,
        StandardPage(
            title="实时列表",
            slug="live",
            body=[
                (
                    "live_list",
                    {"title": "生活服务类项目", "kind": "projects", "category": "daily_life", "limit": 5},
                ),
                (
                    "live_list",
                    {"title": "乙街道的组织", "kind": "organizations", "street": str(world.street_b.pk)},
                ),
            ],
        ),
    )
    html = get_page(client, page.url, "生活服务类项目", "甲街道助餐服务", "乙街道的组织", "乙街道社工站")
    assert "甲街道助残服务" not in html and "甲街道社工站" not in html
    assert html.count("共 1 项") == 2


def test_live_list_block_refuses_a_category_for_activities(db):
    from wagtail.blocks.struct_block import StructBlockValidationError

    from cms.blocks import LiveListBlock

    block = LiveListBlock()
    value = block.to_python({"kind": "activities", "category": "daily_life", "limit": 5})
    with pytest.raises(StructBlockValidationError):
        block.clean(value)
