"""The roster import (花名册导入): each row validated and written on its own, a report of every
row (created, updated or refused with a Chinese reason), duplicates within the file and against
the database refused, and nothing left of a refused row; the .xlsx reading and the admin page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from marketplace.accounts.models import RealNameIdentity, User
from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.core.validators import resident_id_check_char
from marketplace.volunteers import roster_import, services
from marketplace.volunteers.models import Volunteer
from marketplace.volunteers.services import RosterRow
from tests.factories import UserFactory
from tests.factories.volunteers import RealNameIdentityFactory, SkillFactory

from .test_admin import login, text  # noqa: F401 - the MFA login fixture

IMPORT = "/admin/volunteers/registry/import/"


def rid(n: int) -> str:
    """A valid ID number of its own area (110102), so that it never meets the factories' ones."""
    first17 = f"110102{1980 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def row(line, n, **overrides) -> RosterRow:
    values = {
        "real_name": f"王{n}号",
        "id_number": rid(n),
        "phone": f"1370000{n:04d}",
        "political_status": "群众",
        "grid": "甲一社区第1网格",
        "consent": "是",
    }
    values.update(overrides)
    return RosterRow(line=line, **values)


@pytest.fixture
def skills(db):
    return [SkillFactory(slug="medical", name="医疗护理"), SkillFactory(slug="legal", name="法律咨询")]


def _import(vw, rows, actor=None):
    return services.roster_import(actor=actor or vw.world.worker_a, community=vw.world.community_a, rows=rows)


def test_good_rows_create_users_identities_and_volunteers(vw, skills):
    report = _import(
        vw,
        [
            row(2, 1, skills="医疗护理、法律咨询", resident_roles="楼栋长", availability="周末"),
            row(
                3,
                2,
                political_status="中共党员",
                party_organization=vw.party_org.name,
                in_service="是",
                workplace="市第一医院",
                workplace_party_branch="市第一医院党支部",
            ),
        ],
    )
    assert [(r.line, r.outcome, r.name) for r in report.rows] == [
        (2, "created", "王**"),
        (3, "created", "王**"),
    ]
    assert (report.created, report.updated, report.refused) == (2, 0, 0)
    first = Volunteer.objects.get(identity__real_name="王1号")
    assert (first.community, first.grid, first.political_status) == (
        vw.world.community_a,
        vw.world.grid_a,
        "masses",
    )
    assert sorted(first.skills.values_list("slug", flat=True)) == ["legal", "medical"]
    assert (first.resident_roles, first.availability) == (["building_leader"], ["weekend"])
    assert (first.user.phone, first.user.phone_verified) == ("+8613700000001", False)
    assert first.identity.id_number == rid(1) and first.identity.consent_at is not None
    second = Volunteer.objects.get(identity__real_name="王2号")
    assert (second.party_organization, second.in_service, second.workplace_party_branch) == (
        vw.party_org,
        True,
        "市第一医院党支部",
    )
    entries = AuditEntry.objects.filter(action="volunteers.roster.create", actor=vw.world.worker_a)
    assert entries.count() == 2
    assert rid(1) not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "110102198001010000"}, "身份证号码无效"),
        ({"phone": "12345"}, "手机号码无效"),
        ({"grid": "不存在的网格"}, "网格“不存在的网格”不在甲一社区"),
        ({"grid": ""}, "请填写所在网格。"),
        ({"political_status": "无党派"}, "政治面貌请填写"),
        ({"political_status": "中共党员"}, "党员请选择所在党组织。"),
        ({"in_service": "是"}, "只有党员可以登记为在职党员。"),
        ({"consent": "否"}, "本人未签署身份证号处理同意书"),
        ({"consent": "也许"}, "请填写“是”或“否”"),
        ({"skills": "飞行"}, "技能特长“飞行”不在平台的技能列表中。"),
        ({"community": "乙一社区"}, "与导入的社区“甲一社区”不一致"),
        ({"real_name": ""}, "请填写真实姓名"),
    ],
)
def test_bad_rows_are_refused_with_a_reason_and_leave_nothing(vw, skills, overrides, message):
    users = User.objects.count()
    report = _import(vw, [row(2, 10, **overrides), row(3, 11)])
    refused, good = report.rows
    assert (refused.outcome, good.outcome) == ("refused", "created")
    assert message in refused.message
    assert User.objects.count() == users + 1
    assert not RealNameIdentity.objects.filter(real_name="王10号").exists()
    assert not Volunteer.objects.filter(identity__real_name="王10号").exists()


def test_duplicates_within_the_file_are_all_refused(vw):
    report = _import(
        vw,
        [
            row(2, 20),
            row(3, 21, id_number=rid(20)),
            row(4, 22, phone="13700000020"),
            row(5, 23),
        ],
    )
    outcomes = {r.line: (r.outcome, r.message) for r in report.rows}
    assert outcomes[5] == ("created", "")
    for line in (2, 3, 4):
        assert outcomes[line][0] == "refused"
    assert "身份证号码在文件中重复(第2、3行)" in outcomes[3][1]
    assert "手机号在文件中重复(第2、4行)" in outcomes[4][1]
    assert list(Volunteer.objects.values_list("identity__real_name", flat=True)) == ["王23号"]


def test_against_the_database(vw, world):
    _import(vw, [row(2, 30)])
    elsewhere = vw.volunteer(grid=world.grid_b)
    not_a_volunteer = UserFactory(phone="+8613700000099")
    report = _import(
        vw,
        [
            # The same person again, now a league member with a skill: updated.
            row(2, 30, political_status="共青团员"),
            # Registered in another community.
            row(3, 31, id_number=elsewhere.identity.id_number, real_name=elsewhere.identity.real_name),
            # A phone held by another account.
            row(4, 32, phone="13700000099"),
        ],
    )
    outcomes = {r.line: (r.outcome, r.message) for r in report.rows}
    assert outcomes[2][0] == "updated"
    assert outcomes[3] == ("refused", "该身份证号已登记为其他社区的志愿者,不能重复登记。")
    assert outcomes[4] == ("refused", "该手机号已被平台其他账户使用。")
    updated = Volunteer.objects.get(identity__real_name="王30号")
    assert updated.political_status == "league_member"
    assert Volunteer.objects.filter(identity__real_name="王30号").count() == 1
    assert not Volunteer.objects.filter(user=not_a_volunteer).exists()
    # A real-name record of someone who never registered as a volunteer: they register themself.
    RealNameIdentityFactory(id_number=rid(34), real_name="赵六", district=world.district)
    report = _import(vw, [row(2, 34, real_name="赵六")])
    assert report.rows[0].message == "该身份证号已在平台实名登记,但本人尚未注册志愿者:请本人登录平台注册。"
    # The name must match the real-name record; the phone stays the verified one.
    report = _import(vw, [row(2, 30, real_name="李四")])
    assert report.rows[0].message == "姓名与已登记的实名信息不一致。"
    report = _import(vw, [row(2, 30, phone="13911112222")])
    assert (report.rows[0].outcome, report.rows[0].message) == ("updated", "手机号以本人验证的为准,未更改。")
    assert Volunteer.objects.get(pk=updated.pk).user.phone == "+8613700000030"


def test_only_the_communitys_workers_import(vw):
    for outsider in (vw.world.worker_b, vw.world.official_a, vw.world.district_admin, vw.world.resident):
        with pytest.raises(PermissionDenied):
            _import(vw, [row(2, 40)], actor=outsider)
    with pytest.raises(ValidationFailed):
        _import(vw, [])
    assert not Volunteer.objects.exists()


# --- large rosters: chunks, one insert per table, row-by-row only on a clash ----------------
def test_queries_do_not_grow_with_the_rows(vw, skills, django_assert_max_num_queries):
    """A roster's new people are written with one insert per table for the whole chunk: 300 rows
    cost what 3 do (row by row, each row took some 20 queries)."""
    rows = [row(i + 2, 100 + i, skills="医疗护理" if i % 2 else "") for i in range(300)]
    with django_assert_max_num_queries(30):
        report = _import(vw, rows)
    assert (report.created, report.refused) == (300, 0)
    volunteers = Volunteer.objects.filter(community=vw.world.community_a)
    assert volunteers.count() == 300
    assert volunteers.filter(skills__slug="medical").count() == 150
    names = set(RealNameIdentity.objects.values_list("real_name", flat=True))
    assert names == {f"王{n}号" for n in range(100, 400)}
    # The same trail as row by row: the identity's registration and the roster's creation.
    for action in ("accounts.identity.register", "volunteers.roster.create"):
        assert AuditEntry.objects.filter(action=action).count() == 300
    entry = AuditEntry.objects.get(action="volunteers.roster.create", changes__line=150)
    assert (
        entry.actor == vw.world.worker_a
        and entry.changes["user"] == Volunteer.objects.get(pk=entry.object_id).user_id
    )
    assert rid(248) not in str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert len({v.user.username.lower() for v in volunteers.select_related("user")}) == 300


def test_chunks_report_every_row_in_order_across_chunk_boundaries(vw, monkeypatch):
    from marketplace.volunteers.services import roster

    monkeypatch.setattr(roster, "CHUNK_ROWS", 2)
    _import(vw, [row(2, 200)])
    report = _import(
        vw,
        [
            row(2, 201),
            row(3, 202, id_number=rid(205)),  # the same number as line 6, in another chunk
            row(4, 200, political_status="共青团员"),  # already registered here: updated
            row(5, 203, grid="不存在的网格"),
            row(6, 205),
            row(7, 204),
        ],
    )
    assert [(r.line, r.outcome) for r in report.rows] == [
        (2, "created"),
        (3, "refused"),
        (4, "updated"),
        (5, "refused"),
        (6, "refused"),
        (7, "created"),
    ]
    assert "身份证号码在文件中重复(第3、6行)" in report.rows[1].message
    assert Volunteer.objects.get(identity__real_name="王200号").political_status == "league_member"
    assert sorted(Volunteer.objects.values_list("identity__real_name", flat=True)) == [
        "王200号",
        "王201号",
        "王204号",
    ]


def test_a_phone_taken_while_the_chunk_is_written_refuses_that_row_only(vw, monkeypatch):
    """Another registration takes a phone after the chunk looked the phones up: the chunk's
    insert fails, its people are written one by one, and only the clashing row is refused,
    leaving nothing of it behind."""
    from marketplace.volunteers.services import roster

    real_new_person = roster._new_person

    def new_person_then_someone_registers(checked, **kwargs):
        person = real_new_person(checked, **kwargs)
        if checked.row.line == 3:
            UserFactory(phone=person.checked.phone)
        return person

    monkeypatch.setattr(roster, "_new_person", new_person_then_someone_registers)
    report = _import(vw, [row(2, 300), row(3, 301), row(4, 302)])
    assert [(r.line, r.outcome) for r in report.rows] == [(2, "created"), (3, "refused"), (4, "created")]
    assert report.rows[1].message == "该身份证号或手机号刚被登记,请核对后重新导入。"
    assert not RealNameIdentity.objects.filter(real_name="王301号").exists()
    assert sorted(Volunteer.objects.values_list("identity__real_name", flat=True)) == ["王300号", "王302号"]
    assert AuditEntry.objects.filter(action="volunteers.roster.create").count() == 2


def test_the_page_reads_at_most_its_upload_limit_the_service_more(db):
    content = _xlsx(
        HEADER, [["王一", rid(n), f"1370000{n:04d}", "群众", "第1网格", "是", ""] for n in range(5)]
    )
    with pytest.raises(ValidationFailed) as caught:
        roster_import.read_roster(SimpleUploadedFile("roster.xlsx", content), max_rows=4)
    assert str(caught.value.message) == "一次最多导入4行,请分批导入。"
    assert len(roster_import.read_roster(SimpleUploadedFile("roster.xlsx", content), max_rows=5)) == 5
    assert roster_import.UPLOAD_MAX_ROWS == 2000 < services.MAX_ROSTER_ROWS == 100_000


# --- the spreadsheet ------------------------------------------------------------------------
def _xlsx(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


HEADER = ["姓名", "身份证号码", "手机号", "政治面貌", "网格", "已签署身份证号处理同意书", "备注"]


def test_read_roster_maps_titles_and_skips_blank_lines(db):
    content = _xlsx(
        HEADER, [["王一", rid(50), 13700000050, "群众", "第1网格", "是", "x"], [None] * 7, ["王二"]]
    )
    rows = roster_import.read_roster(SimpleUploadedFile("roster.xlsx", content))
    assert [(r.line, r.real_name, r.phone, r.consent) for r in rows] == [
        (2, "王一", "13700000050", "是"),
        (4, "王二", "", ""),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.csv", b"a,b", "请上传 Excel 文件(.xlsx)。"),
        ("roster.xlsx", b"not a zip", "无法读取该文件"),
        (
            "roster.xlsx",
            _xlsx(["姓名", "手机号"], [["王一", "13700000001"]]),
            "表头缺少必填列:身份证号码、政治面貌、网格",
        ),
        ("roster.xlsx", _xlsx(HEADER, []), "文件中没有志愿者数据。"),
    ],
)
def test_unreadable_files_are_refused_in_chinese(db, name, content, message):
    with pytest.raises(ValidationFailed) as caught:
        roster_import.read_roster(SimpleUploadedFile(name, content))
    assert message in str(caught.value.message)


def test_template_reads_back_with_every_column(db):
    workbook = load_workbook(io.BytesIO(roster_import.template_xlsx()))
    titles = [c.value for c in workbook.worksheets[0][1]]
    assert titles == [first for first, _name, _titles in roster_import.COLUMNS]


def test_admin_upload_shows_the_per_row_report(login, vw):  # noqa: F811
    client = login(vw.world.worker_a)
    page = text(client.get(IMPORT))
    assert "甲一社区" in page and "乙一社区" not in page
    content = _xlsx(
        HEADER,
        [
            ["王一", rid(60), "13700000060", "群众", "甲一社区第1网格", "是", ""],
            ["王二", "123", "13700000061", "群众", "甲一社区第1网格", "是", ""],
            ["王三", rid(60), "13700000062", "群众", "甲一社区第1网格", "是", ""],
            ["王四", rid(63), "13700000063", "群众", "甲一社区第1网格", "是", ""],
        ],
    )
    upload = SimpleUploadedFile("roster.xlsx", content)
    page = text(client.post(IMPORT, {"community": vw.world.community_a.pk, "file": upload}))
    assert "新建 1 人,更新 0 人,未导入 3 行。" in page
    assert "身份证号码无效" in page and "身份证号码在文件中重复(第2、4行)" in page
    assert rid(60) not in page and rid(63) not in page
    assert list(Volunteer.objects.values_list("identity__real_name", flat=True)) == ["王四"]
    page = text(
        client.post(IMPORT, {"community": vw.world.community_a.pk, "file": SimpleUploadedFile("a.txt", b"x")})
    )
    assert "请上传 Excel 文件(.xlsx)。" in page
    response = client.get(f"{IMPORT}template/")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_admin_upload_into_another_community_is_refused(login, vw):  # noqa: F811
    client = login(vw.world.worker_b)
    upload = SimpleUploadedFile(
        "roster.xlsx", _xlsx(HEADER, [["王一", rid(70), "13700000070", "群众", "x", "是", ""]])
    )
    page = text(client.post(IMPORT, {"community": vw.world.community_a.pk, "file": upload}))
    assert "选择一个有效的选项" in page or "Select a valid choice" in page
    assert not Volunteer.objects.exists()
    for outsider in (vw.world.grid_worker_a, vw.world.district_admin):
        assert login(outsider).get(IMPORT).status_code in (302, 403, 404)
