"""Setting up funds and sub-funds, and the disclosure calendar."""

import datetime

import pytest

from marketplace.core.exceptions import PermissionDenied, TransitionNotAllowed, ValidationFailed
from marketplace.core.models import AuditEntry
from marketplace.fund import ledger, services
from marketplace.fund.models import Fund, LedgerAccount, SubFund
from tests.factories import DistrictFactory, StreetFactory
from tests.factories.organizations import make_uscc

from .conftest import is_chinese


def _fund(world, **overrides):
    values = {
        "actor": world.district_admin,
        "district": world.district,
        "code": "new-fund",
        "name": "新基金",
        "host_name": "区慈善总会",
        "host_credit_code": make_uscc(7),
        "purpose": "用途",
    }
    values.update(overrides)
    return services.fund_create(**values)


def test_a_district_admin_sets_up_a_fund_with_its_accounts(world):
    fund = _fund(world, host_credit_code=make_uscc(7).lower())
    assert fund.host_credit_code == make_uscc(7)  # normalised to upper case
    assert fund.created_by == world.district_admin and fund.active
    kinds = sorted(LedgerAccount.objects.filter(fund=fund).values_list("kind", "subfund"))
    assert kinds == [("cash", None), ("pot", None)]
    assert AuditEntry.objects.filter(action="fund.fund.create", object_id=str(fund.pk)).exists()
    assert ledger.pot_balance(fund) == 0 and ledger.cash_balance(fund) == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"host_credit_code": "91440101MA5CXXXXXX"}, "host_credit_code"),
        ({"code": "Not A Slug"}, "code"),
        ({"name": "  "}, "name"),
        ({"purpose": ""}, "purpose"),
    ],
)
def test_bad_fund_input_is_refused_in_chinese(world, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        _fund(world, **overrides)
    assert exc.value.field == field and is_chinese(exc.value.message)
    assert not Fund.objects.exists()


def test_only_the_district_sets_up_funds(world):
    with pytest.raises(PermissionDenied):
        _fund(world, actor=world.official_a)
    _fund(world)
    with pytest.raises(ValidationFailed) as exc:
        _fund(world, name="重复")
    assert exc.value.code == "duplicate_code"


def test_subfunds_for_a_street_a_theme_and_a_project(fw, pw):
    fund, admin = fw.fund, fw.admins[0]
    assert fw.street_pot.street == fw.world.street_a and fw.theme_pot.theme == "为老服务"
    assert LedgerAccount.objects.filter(subfund=fw.street_pot, kind="pot").count() == 1
    fiscal = pw.published()
    with pytest.raises(ValidationFailed) as exc:
        services.subfund_create(
            actor=admin, fund=fund, code="p1", name="项目专项", kind="project", project=fiscal, purpose="x"
        )
    assert exc.value.code == "project_not_fund_financed"
    financed = pw.published(funding_source="fund", title="社区议事厅运营")
    sf = services.subfund_create(
        actor=admin, fund=fund, code="p1", name="项目专项", kind="project", project=financed, purpose="x"
    )
    assert (sf.kind, sf.project, sf.street) == ("project", financed, None)


def test_subfund_refusals(fw):
    admin, fund = fw.admins[0], fw.fund
    other_district_street = StreetFactory(district=DistrictFactory(code="other", name="另一区"))
    cases = [
        ({"kind": "street", "street": other_district_street}, "invalid_street"),
        ({"kind": "street"}, "invalid_street"),
        ({"kind": "theme", "theme": ""}, "invalid"),
        ({"kind": "nonsense"}, "invalid_kind"),
        ({"kind": "theme", "theme": "x", "code": "elderly"}, "duplicate_code"),
    ]
    for overrides, code in cases:
        values = {"actor": admin, "fund": fund, "code": "x1", "name": "专项", "purpose": "用途", **overrides}
        with pytest.raises(ValidationFailed) as exc:
            services.subfund_create(**values)
        assert exc.value.code == code, overrides
    with pytest.raises(PermissionDenied):
        services.subfund_create(
            actor=fw.world.official_a, fund=fund, code="x2", name="专项", kind="theme", theme="t", purpose="p"
        )
    assert SubFund.objects.count() == 2


def test_disclosures_are_scheduled_then_published_once(fw):
    admin = fw.admins[1]
    due = datetime.date(2026, 12, 31)
    d = services.disclosure_schedule(actor=admin, fund=fw.fund, title="2026年度募捐情况公开", due_on=due)
    assert d.published_at is None and d.due_on == due
    with pytest.raises(ValidationFailed):
        services.disclosure_publish(actor=admin, disclosure=d)  # nothing to publish yet
    services.disclosure_publish(actor=admin, disclosure=d, body="全年募得善款……")
    d.refresh_from_db()
    assert d.published_at is not None and d.published_by == admin and d.body == "全年募得善款……"
    with pytest.raises(TransitionNotAllowed):
        services.disclosure_publish(actor=admin, disclosure=d, body="再来一次")
    with pytest.raises(PermissionDenied):
        services.disclosure_schedule(actor=fw.world.official_a, fund=fw.fund, title="x", due_on=due)
