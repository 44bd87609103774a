"""The personal page (/me/) by role: an organisation's next steps, incubation, bids and contracts
with their next milestone; a volunteer's upcoming shifts with the QR check-in link, waiting-list
places, hours this year and in all, hours awaiting confirmation or corrected, certificates; the
latest unread notifications. Each section shows only the signed-in person's own rows, has an
empty state with what to do, and the page costs the same number of queries whatever the rows."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.models import Notification
from marketplace.core.roles import Role
from marketplace.organizations.models import Goal
from marketplace.procurement.models import Bid, Contract, Milestone, MilestoneReport, Project
from marketplace.volunteers import services as volunteer_services
from tests.factories import (
    ApplicationFactory,
    CohortFactory,
    IncubationFactory,
    OrganizationFactory,
    PeriodicReportFactory,
    ScorecardFactory,
    ServiceRecordFactory,
    ShiftFactory,
    SignupFactory,
    UserFactory,
    VolunteerFactory,
    grant,
)
from tests.frontend.pagecheck import csp_problems
from tests.marketplace.fund.conftest import fw  # noqa: F401  (fixture)

URL = "/me/"
CHECKIN = 'href="/volunteers/checkin/"'


# --- reading the page -------------------------------------------------------------------------
def get_page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200, response.content.decode()[:500]
    assert csp_problems(response) == []
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    """The section labelled by ``heading_id`` (sections do not nest)."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def element(html: str, element_id: str) -> str:
    """The table row or list item with ``id``, up to its end."""
    start = html.index(f'id="{element_id}"')
    ends = [i for i in (html.find("</tr>", start), html.find("</li>", start)) if i != -1]
    return html[start : min(ends)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- building rows ----------------------------------------------------------------------------
def member_of(org, role=Role.ORG_ADMIN, user=None):
    user = user or UserFactory()
    grant(user, role, org)
    return user


def project(world, title: str, status: str = "in_delivery") -> Project:
    now = timezone.now()
    today = timezone.localdate()
    return Project.objects.create(
        district=world.district,
        street=world.street_a,
        title=title,
        category="daily_life",
        description="为辖区老人提供助餐服务。",
        service_targets="辖区老人",
        performance_goals="满意度不低于90%",
        budget_ceiling_fen=30_000_000,
        funding_source="fiscal",
        bid_open_at=now - datetime.timedelta(days=60),
        bid_close_at=now - datetime.timedelta(days=30),
        service_start=today - datetime.timedelta(days=20),
        service_end=today + datetime.timedelta(days=300),
        status=status,
        created_by=world.official_a,
    )


def bid(world, org, title: str, status: str = "submitted", project_status: str = "published") -> Bid:
    return Bid.objects.create(
        project=project(world, title, project_status),
        organization=org,
        status=status,
        submitted_at=timezone.now() - datetime.timedelta(days=1),
        content_hash="0" * 64,
    )


def contract(world, org, title: str, milestones, project_status: str = "in_delivery") -> Contract:
    """A contract of ``org`` with milestones given as (status, days from today to due)."""
    won = bid(world, org, title, status="won", project_status=project_status)
    signed = Contract.objects.create(
        project=won.project, bid=won, organization=org, amount_fen=20_000_000, signed_by=world.official_a
    )
    for seq, (status, days) in enumerate(milestones, start=1):
        Milestone.objects.create(
            contract=signed,
            seq=seq,
            title=f"第{seq}期服务",
            percent=100 // len(milestones),
            amount_fen=1_000_000,
            due_on=timezone.localdate() + datetime.timedelta(days=days),
            deliverables="服务台账",
            status=status,
        )
    return signed


def returned_report(contract_, seq: int, note: str) -> MilestoneReport:
    milestone = contract_.milestones.get(seq=seq)
    return MilestoneReport.objects.create(
        milestone=milestone,
        content="本期送餐台账。",
        submitted_by=contract_.bid.submitted_by or contract_.signed_by,
        review_note=note,
        reviewed_by=contract_.signed_by,
        reviewed_at=timezone.now(),
    )


def notify(user, title: str, *, read: bool = False, url: str = "") -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind="system",
        title=title,
        body="详情见链接。",
        url=url,
        read_at=timezone.now() if read else None,
    )


def shift_in(hours: float, **kwargs):
    starts = timezone.now() + datetime.timedelta(hours=hours)
    return ShiftFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=3), **kwargs)


# --- notifications ----------------------------------------------------------------------------
def test_the_latest_five_unread_notifications_are_inline_with_a_link_to_the_inbox(client, world):
    me = world.resident
    for i in range(7):
        note = notify(me, f"未读消息{i}", url=f"/volunteers/activities/{i}/")
        Notification.objects.filter(pk=note.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=10 - i)
        )
    notify(me, "已经读过的消息", read=True)
    notify(world.worker_a, "别人的消息")
    html = section(get_page(client, me), "notifications-heading")
    shown = [i for i in range(7) if f"未读消息{i}" in html]
    assert shown == [2, 3, 4, 5, 6]  # the newest five
    assert html.index("未读消息6") < html.index("未读消息2")
    assert 'href="/volunteers/activities/6/"' in html
    assert "已经读过的消息" not in html and "别人的消息" not in html
    assert "查看全部 7 条未读消息" in html and 'href="/me/notifications/?unread=1"' in html


def test_without_unread_notifications_the_section_says_so_and_links_to_the_inbox(client, world):
    notify(world.resident, "已经读过的消息", read=True)
    html = section(get_page(client, world.resident), "notifications-heading")
    assert "没有未读消息" in html and 'href="/me/notifications/"' in html
    assert "已经读过的消息" not in html


# --- sections for roles one does not hold -----------------------------------------------------
def test_a_resident_sees_the_invitations_and_no_procurement_section(client, world):
    html = get_page(client, world.resident)
    orgs = section(html, "orgs-heading")
    assert "您还没有加入社会组织" in orgs and 'href="/organizations/register/"' in orgs
    volunteer = section(html, "volunteer-heading")
    assert "您还没有注册为志愿者" in volunteer and 'href="/volunteers/register/"' in volunteer
    assert 'href="/volunteers/activities/"' in volunteer
    assert CHECKIN not in html
    donations = section(html, "donations-heading")
    assert "您还没有捐赠记录" in donations and 'href="/fund/"' in donations
    assert 'aria-labelledby="procurement-heading"' not in html and "我的投标与合同" not in html


# --- an organisation member ---------------------------------------------------------------------
@pytest.fixture
def org_world(world):
    """Organisation 甲 with two contracts, bids and an incubation; organisation 乙 (someone
    else's) with the same kinds of rows."""
    mine = OrganizationFactory(street=world.street_a, name="甲社工服务中心")
    theirs = OrganizationFactory(street=world.street_a, name="乙社工服务中心")
    admin = member_of(mine)
    other_admin = member_of(theirs)
    open_bid = bid(world, mine, "甲的投标项目")
    invalidated = bid(world, mine, "条款变更的项目", status="invalidated")
    lost = bid(world, mine, "没中标的项目", status="lost", project_status="awarded")
    delivering = contract(world, mine, "甲的助餐合同", [("accepted", -40), ("returned", -5), ("pending", 60)])
    returned_report(delivering, 2, "台账缺少签名,请补充。")
    late = contract(world, mine, "甲的逾期合同", [("pending", -3), ("pending", 30)])
    signed_only = contract(world, mine, "甲的未开始合同", [("pending", -1)], project_status="contracted")
    bid(world, theirs, "乙的投标项目")
    contract(world, theirs, "乙的合同", [("returned", -1)])
    cohort = CohortFactory(district=world.district, status="running", name="第二期孵化培育计划")
    incubation = IncubationFactory(application__cohort=cohort, application__organization=mine)
    PeriodicReportFactory(incubation=incubation, title="第一季度报告", status="accepted")
    PeriodicReportFactory(
        incubation=incubation,
        title="第二季度报告",
        status="returned",
        review_note="请补充活动照片。",
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    PeriodicReportFactory(
        incubation=incubation, title="第三季度报告", due_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    Goal.objects.create(incubation=incubation, title="培养骨干志愿者10名")
    Goal.objects.create(incubation=incubation, title="建立财务制度", status="achieved")
    ScorecardFactory(incubation=incubation, stage="entry")
    their_incubation = IncubationFactory(application__cohort=cohort, application__organization=theirs)
    PeriodicReportFactory(incubation=their_incubation, title="乙的季度报告")
    return {
        "mine": mine,
        "theirs": theirs,
        "admin": admin,
        "other_admin": other_admin,
        "open_bid": open_bid,
        "invalidated": invalidated,
        "lost": lost,
        "delivering": delivering,
        "late": late,
        "signed_only": signed_only,
    }


def test_an_org_admin_sees_the_bids_of_their_organisation_only(client, world, org_world):
    w = org_world
    html = section(get_page(client, w["admin"]), "procurement-heading")
    assert "甲社工服务中心" in html and "乙社工服务中心" not in html
    for b in (w["open_bid"], w["invalidated"], w["lost"]):
        assert f'href="/projects/bids/{b.pk}/"' in html
    assert "乙的投标项目" not in html and "乙的合同" not in html
    # Bids waiting for a result come before settled ones.
    assert html.index("甲的投标项目") < html.index("没中标的项目")
    # A bid invalidated by changed terms links to the bid form to submit again.
    row = element(html, f"bid-{w['invalidated'].pk}")
    assert "需重新提交" in row
    assert f'href="/projects/{w["invalidated"].project_id}/bid/{w["mine"].pk}/"' in row
    assert "/bid/" not in element(html, f"bid-{w['open_bid'].pk}").replace("/projects/bids/", "")


def test_contracts_show_the_next_milestone_and_what_to_redo(client, world, org_world):
    w = org_world
    html = section(get_page(client, w["admin"]), "procurement-heading")
    delivering = text(element(html, f"contract-{w['delivering'].pk}"))
    due = f"{timezone.localdate() - datetime.timedelta(days=5):%Y-%m-%d}"
    assert f"下一履约节点:2. 第2期服务,到期 {due}" in delivering
    assert "退回修改" in delivering
    assert "1 个节点的报告被退回,请修改后重新提交。" in delivering
    assert "验收意见:台账缺少签名,请补充。" in delivering
    assert "已到期,尚未提交履约报告" not in delivering
    late = text(element(html, f"contract-{w['late'].pk}"))
    assert "下一履约节点:1. 第1期服务" in late and "已逾期" in late
    assert "1 个节点已到期,尚未提交履约报告。" in late
    assert "被退回" not in late
    # Before the street starts delivery no report is asked for yet.
    waiting = text(element(html, f"contract-{w['signed_only'].pk}"))
    assert "街道确认开始履约后即可提交履约报告" in waiting
    assert "已逾期" not in waiting and "尚未提交履约报告" not in waiting
    for c in (w["delivering"], w["late"], w["signed_only"]):
        assert html.count(f'href="/projects/contracts/{c.pk}/"') == 1


def test_a_completed_contract_says_so(client, world, org_world):
    w = org_world
    done = contract(world, w["mine"], "甲的已完成合同", [("paid", -100)], project_status="completed")
    Contract.objects.filter(pk=done.pk).update(completed_at=timezone.now())
    html = section(get_page(client, w["admin"]), "procurement-heading")
    row = text(element(html, f"contract-{done.pk}"))
    assert "验收完成" in row and "下一履约节点" not in row


def test_the_organisation_card_lists_incubation_and_next_steps(client, world, org_world):
    w = org_world
    html = section(get_page(client, w["admin"]), "orgs-heading")
    card = html[html.index(f'id="org-{w["mine"].pk}"') :]
    assert f'href="/organizations/{w["mine"].pk}/manage/"' in card
    assert f'href="/organizations/{w["mine"].pk}/"' in card  # verified: the public profile
    plain = text(card)
    assert "第二期孵化培育计划" in plain and "培育中" in plain
    assert "修改并重新提交定期报告「第二季度报告」" in plain and "审阅意见:请补充活动照片。" in plain
    assert "提交定期报告「第三季度报告」" in plain
    assert "第一季度报告" not in plain  # accepted: nothing to do
    assert plain.index("第二季度报告") < plain.index("第三季度报告")
    assert "已逾期" in plain
    assert "1 项进行中" in plain
    assert "入孵 · 平均 4.00 分" in plain
    assert f'href="/organizations/{w["mine"].pk}/manage/#incubation-heading"' in card
    assert "乙社工服务中心" not in html and "乙的季度报告" not in html


def test_a_member_of_no_bidding_org_and_org_without_rows_see_empty_states(client, world):
    org = OrganizationFactory(street=world.street_a, name="新登记的组织", status="pending")
    member = member_of(org, Role.ORG_MEMBER)
    html = get_page(client, member)
    orgs = section(html, "orgs-heading")
    assert "新登记的组织" in orgs and "等待区级审核" in orgs
    # Only an organisation admin uploads documents: a member is not asked to.
    assert "请上传登记证书" not in orgs
    assert "目前没有需要本组织办理的事项" in orgs
    assert "该组织目前没有进行中的孵化" in orgs and 'href="/organizations/incubator/"' in orgs
    assert f'href="/organizations/{org.pk}/"' not in orgs  # no public profile before verification
    procurement = section(html, "procurement-heading")
    assert "贵组织还没有投标" in procurement and 'href="/projects/"' in procurement
    assert "暂无服务合同" in procurement


def test_an_admin_is_told_to_upload_documents_and_to_apply_to_an_open_call(client, world):
    org = OrganizationFactory(street=world.street_a, name="新登记的组织", status="pending")
    admin = member_of(org)
    CohortFactory(district=world.district, name="第三期孵化培育计划")  # accepting applications now
    orgs = text(section(get_page(client, admin), "orgs-heading"))
    assert "请上传登记证书、章程或备案证明等材料" in orgs
    assert "「第三期孵化培育计划」正在接受申请" in orgs and "申请入孵" in orgs


def test_an_application_waiting_for_the_decision_is_shown(client, world):
    org = OrganizationFactory(street=world.street_a, name="申请孵化的组织")
    admin = member_of(org)
    cohort = CohortFactory(district=world.district, name="第三期孵化培育计划", status="reviewing")
    ApplicationFactory(cohort=cohort, organization=org, status="waitlisted")
    orgs = text(section(get_page(client, admin), "orgs-heading"))
    assert "申请「第三期孵化培育计划」" in orgs and "候补" in orgs
    assert "正在接受申请" not in orgs


def test_a_rejected_organisation_is_told_to_resubmit(client, world):
    org = OrganizationFactory(street=world.street_a, name="被退回的组织", status="rejected")
    admin = member_of(org)
    member = member_of(org, Role.ORG_MEMBER)
    assert "认证未通过:请按退回意见修改资料后重新提交审核" in section(get_page(client, admin), "orgs-heading")
    assert "请联系本组织管理员" in section(get_page(client, member), "orgs-heading")


# --- a volunteer ----------------------------------------------------------------------------------
@pytest.fixture
def volunteer_world(world):
    me = VolunteerFactory(grid=world.grid_a)
    someone = VolunteerFactory(grid=world.grid_a)
    confirmed = SignupFactory(volunteer=me, shift=shift_in(48, activity__place="幸福里党群服务中心"))
    checked_in = SignupFactory(
        volunteer=me, shift=shift_in(-1, activity__title="正在进行的活动"), status="checked_in"
    )
    full = shift_in(72, capacity=1, activity__title="满员的活动")
    SignupFactory(volunteer=someone, shift=full)
    SignupFactory(volunteer=VolunteerFactory(grid=world.grid_a), shift=full, status="waiting")
    waiting = SignupFactory(volunteer=me, shift=full, status="waiting")
    past = SignupFactory(volunteer=me, shift=shift_in(-30, activity__title="上个月的活动"))
    cancelled = SignupFactory(
        volunteer=me, shift=shift_in(96, activity__title="取消了的活动"), status="cancelled"
    )
    theirs = SignupFactory(volunteer=someone, shift=shift_in(50, activity__title="别人的活动"))
    this_year = timezone.localdate().replace(month=1, day=1)
    last_year = this_year - datetime.timedelta(days=10)
    ServiceRecordFactory(signup__volunteer=me, minutes=180, served_on=this_year)
    ServiceRecordFactory(signup__volunteer=me, minutes=600, served_on=last_year)
    ServiceRecordFactory(
        signup__volunteer=me, minutes=999, status="pending", signup__shift__activity__title="待确认的活动"
    )
    ServiceRecordFactory(signup__volunteer=someone, minutes=6000)
    certificate = volunteer_services.certificate_issue(
        actor=me.user, volunteer=me, period_start=last_year, period_end=timezone.localdate()
    )
    return {
        "me": me,
        "confirmed": confirmed,
        "checked_in": checked_in,
        "waiting": waiting,
        "past": past,
        "cancelled": cancelled,
        "theirs": theirs,
        "certificate": certificate,
    }


def test_a_volunteer_sees_upcoming_shifts_with_the_qr_check_in_link(client, world, volunteer_world):
    w = volunteer_world
    html = section(get_page(client, w["me"].user), "volunteer-heading")
    row = element(html, f"signup-{w['confirmed'].pk}")
    shift = w["confirmed"].shift
    assert str(shift) in row and shift.activity.title in row and "幸福里党群服务中心" in row
    assert f'href="/volunteers/activities/{shift.activity_id}/"' in row
    assert CHECKIN in row and "扫码签到" in row
    opens = timezone.localtime(shift.starts_at - datetime.timedelta(minutes=30))
    assert f"{opens:%m-%d %H:%M} 起可签到" in row
    # Checked in on a shift under way: the same code checks out.
    row = element(html, f"signup-{w['checked_in'].pk}")
    assert CHECKIN in row and "扫码签退" in row
    assert html.index(f"signup-{w['checked_in'].pk}") < html.index(f"signup-{w['confirmed'].pk}")


def test_the_qr_link_is_only_for_confirmed_upcoming_places(client, world, volunteer_world):
    w = volunteer_world
    html = section(get_page(client, w["me"].user), "volunteer-heading")
    waiting = element(html, f"signup-{w['waiting'].pk}")
    assert "满员的活动" in waiting and "候补第 2 位" in waiting and CHECKIN not in waiting
    assert html.count(CHECKIN) == 2  # the confirmed and the checked-in places only
    for gone in ("past", "cancelled", "theirs"):
        assert f'id="signup-{w[gone].pk}"' not in html
    assert "上个月的活动" not in html and "取消了的活动" not in html and "别人的活动" not in html


def test_a_volunteer_sees_hours_this_year_and_in_all_confirmed_only(client, world, volunteer_world):
    w = volunteer_world
    plain = text(section(get_page(client, w["me"].user), "volunteer-heading"))
    year = timezone.localdate().year
    assert f"{year} 年服务时长 约 3 小时" in plain
    assert "累计服务时长 约 13 小时" in plain and "累计服务约 13 小时" in plain
    assert "待确认的服务记录 1 条" in plain
    assert "待确认的活动 · 999 分钟" in plain and "待确认" in plain


def test_a_recent_correction_is_shown_with_its_reason(client, world, volunteer_world):
    w = volunteer_world
    record = w["me"].records.get(minutes=180)
    organiser = record.activity.created_by
    grant(organiser, Role.COMMUNITY_WORKER, record.activity.community)
    volunteer_services.record_correct(actor=organiser, record=record, minutes=150, reason="提前离场半小时")
    plain = text(section(get_page(client, w["me"].user), "volunteer-heading"))
    assert "已由 180 分钟更正为 150 分钟" in plain and "原因:提前离场半小时" in plain


def test_a_volunteer_sees_their_certificates_with_download_links(client, world, volunteer_world):
    w = volunteer_world
    number = w["certificate"].number
    html = section(get_page(client, w["me"].user), "volunteer-heading")
    assert f'href="/certificates/{number}/download/"' in html
    assert f'href="/certificates/{number}/"' in html and 'href="/certificates/mine/"' in html


def test_a_new_volunteer_sees_the_empty_states(client, world):
    me = VolunteerFactory(grid=world.grid_a)
    html = section(get_page(client, me.user), "volunteer-heading")
    assert "您目前没有待参加的班次" in html and 'href="/volunteers/activities/"' in html
    assert "还没有出具过证明" in html and 'href="/certificates/mine/"' in html
    assert "候补中的班次" not in html and "服务时长的确认与更正" not in html
    assert CHECKIN not in html
    assert "累计服务约 0 小时" in html


# --- a donor ---------------------------------------------------------------------------------------
def test_a_donor_sees_their_latest_donations_with_receipts_only(client, world, fw):  # noqa: F811
    donor = UserFactory(display_name="孙捐赠")
    mine = fw.give(12_345, fw.theme_pot, donor_name="孙捐赠", actor=donor)
    other = fw.give(10_000, donor_name="周其他", actor=UserFactory())
    html = section(get_page(client, donor), "donations-heading")
    assert "¥123.45" in html and f'href="/fund/receipts/{mine.receipt_number}.pdf"' in html
    assert "¥100.00" not in html and other.receipt_number not in html
    assert 'href="/fund/mine/"' in html


# --- the number of queries ----------------------------------------------------------------------
def _queries(client, user) -> int:
    client.force_login(user)
    client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def _more_rows(fw, world, org, volunteer, user, n: int):  # noqa: F811
    for i in range(n):
        fw.give(1_000 + i, donor_name="孙捐赠", actor=user)
        bid(world, org, f"追加投标{n}-{i}")
        contract(world, org, f"追加合同{n}-{i}", [("returned", -2), ("pending", 10)])
        notify(user, f"追加消息{n}-{i}")
        SignupFactory(volunteer=volunteer, shift=shift_in(24 + i))
        SignupFactory(volunteer=volunteer, shift=shift_in(24 + i), status="waiting")
        ServiceRecordFactory(signup__volunteer=volunteer, minutes=60 + i)
        ServiceRecordFactory(signup__volunteer=volunteer, minutes=30, status="pending")
    incubation = org.incubations.get()
    for i in range(n):
        PeriodicReportFactory(incubation=incubation, title=f"追加报告{n}-{i}")
        Goal.objects.create(incubation=incubation, title=f"追加目标{n}-{i}")
    second = OrganizationFactory(street=world.street_a)
    member_of(second, user=user)


def test_the_query_count_does_not_grow_with_the_rows(client, world, fw):  # noqa: F811
    """One person in every role: an organisation admin, a volunteer and a donor, with
    notifications. More organisations, bids, contracts, milestones, reports, goals, sign-ups,
    records, donations and notifications cost no more queries."""
    org = OrganizationFactory(street=world.street_a)
    volunteer = VolunteerFactory(grid=world.grid_a)
    user = member_of(org, user=volunteer.user)
    cohort = CohortFactory(district=world.district, status="running")
    IncubationFactory(application__cohort=cohort, application__organization=org)
    _more_rows(fw, world, org, volunteer, user, 1)
    few = _queries(client, user)
    _more_rows(fw, world, org, volunteer, user, 6)
    many = _queries(client, user)
    assert many == few
    assert few <= 50, few
