"""The staff Excel export of service projects: scoped to the viewer's streets, and sealed bids
stay sealed (before opening only the number of bids; after it the bidder and its price)."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from marketplace.core.exceptions import PermissionDenied
from marketplace.core.models import AuditEntry
from marketplace.procurement import exports, services
from tests.factories import enable_mfa

from .conftest import terms

URL = "/admin/procurement/projects/export/"
PRICES = (21_000_000, 22_000_000, 23_000_000)
SEALED_TEXT = ("中央厨房统一配餐", "配送员6名", "项目主管")
SEALED_PRICES = ("210000", "210,000", "220000", "230000")


@pytest.fixture
def login(client):
    def _login(user):
        enable_mfa(user)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def _sheets(content: bytes) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def _all_text(content: bytes) -> str:
    """Every string anywhere in the file's XML parts, not only the cells openpyxl reads back."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "ignore") for name in archive.namelist())


def _cells(sheets) -> str:
    return " ".join(str(v) for rows in sheets.values() for row in rows for v in row if v is not None)


def _with_bids(pw):
    project = pw.published(title="助餐服务项目")
    for i, price in enumerate(PRICES):
        pw.bid(project, i, price_fen=price)
    return project


def test_before_opening_only_the_number_of_bids(login, pw):
    _with_bids(pw)
    response = login(pw.drafter).get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = _sheets(response.content)
    projects, bids = sheets["服务项目"], sheets["开标记录"]
    assert projects[0][:5] == ["项目名称", "采购街道", "服务社区", "服务类别", "状态"]
    (row,) = projects[1:]
    assert row[0] == "助餐服务项目" and row[4] == "公告中" and row[9] == 3
    assert Decimal(str(row[5])) == Decimal("300000")
    assert bids[1:] == []
    text = _all_text(response.content)
    for secret in SEALED_TEXT:
        assert secret not in text
    cells = _cells(sheets)
    for price in SEALED_PRICES:
        assert price not in cells
    assert AuditEntry.objects.filter(action="procurement.export.projects", actor=pw.drafter).exists()


def test_after_opening_only_organisation_and_price(login, pw, time_machine):
    project = _with_bids(pw)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.project_open_bids(actor=pw.drafter, project=project)
    response = login(pw.world.district_admin).get(URL)
    assert response.status_code == 200
    sheets = _sheets(response.content)
    assert sheets["服务项目"][1][4] == "已开标"
    rows = sheets["开标记录"][1:]
    assert [(r[2], r[3], Decimal(str(r[4]))) for r in rows] == [
        ("投标组织0", "已开标", Decimal("210000")),
        ("投标组织1", "已开标", Decimal("220000")),
        ("投标组织2", "已开标", Decimal("230000")),
    ]
    assert sheets["开标记录"][0] == ["项目名称", "采购街道", "投标组织", "投标状态", "开标报价(元)"]
    text = _all_text(response.content)
    for secret in SEALED_TEXT:
        assert secret not in text


def test_the_export_is_scoped_to_the_viewers_streets(login, pw):
    _with_bids(pw)
    services.project_create(
        actor=pw.world.official_b, street=pw.world.street_b, terms=terms(title="乙街道助残项目")
    )
    titles = {r[0] for r in _sheets(login(pw.world.official_b).get(URL).content)["服务项目"][1:]}
    assert titles == {"乙街道助残项目"}
    titles = {r[0] for r in _sheets(login(pw.world.district_admin).get(URL).content)["服务项目"][1:]}
    assert titles == {"乙街道助残项目", "助餐服务项目"}
    response = login(pw.world.worker_a).get(URL)
    assert response.status_code in (302, 403, 404)
    assert not response.get("Content-Type", "").startswith("application/vnd.openxmlformats")
    with pytest.raises(PermissionDenied):
        exports.projects_xlsx(actor=pw.org_admins[0])


def test_the_index_offers_the_export(login, pw):
    page = login(pw.drafter).get("/admin/procurement/projects/").content.decode()
    assert URL in page and "导出Excel" in page


def test_export_query_count_is_constant(login, pw, time_machine):
    client = login(pw.drafter)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    project = _with_bids(pw)
    client.get(URL)
    few = count()
    for i in range(4):
        pw.bid(pw.published(title=f"项目{i}"), 0)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
    services.project_open_bids(actor=pw.drafter, project=project)
    client = login(pw.drafter)
    client.get(URL)
    assert len(_sheets(client.get(URL).content)["服务项目"]) == 6
    assert count() == few
