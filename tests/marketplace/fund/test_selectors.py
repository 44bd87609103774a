"""Reads for the transparency page: balances per pot from the ledger, inflows with donors masked
or anonymous and no contacts, outflows with their target and approvers; query counts that do not
grow with the data."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.fund import selectors, services
from tests.factories import IncubationFactory, UserFactory


def _spend(fw, amount, subfund=None):
    d = services.disbursement_propose(
        actor=fw.admins[0],
        fund=fw.fund,
        subfund=subfund,
        amount_fen=amount,
        incubation=IncubationFactory(),
        purpose="资助",
    )
    services.disbursement_approve(actor=fw.admins[1], disbursement=d)
    return d


def test_balances_per_pot_come_from_the_ledger(fw, monkeypatch):
    import marketplace.fund.stripe_gateway as gateway

    monkeypatch.setattr(gateway, "refund", lambda donation, amount_fen: "re_1")
    fw.give(10_000)
    d = fw.give(5_000)
    fw.give(7_000, fw.theme_pot)
    services.donation_refund_from_provider(
        provider_payment_id=d.provider_payment_id, refunded_total_fen=2_000
    )
    _spend(fw, 4_000)
    _spend(fw, 1_000, fw.theme_pot)
    b = selectors.fund_balances(fw.fund)
    g = b.general
    assert (
        g.raised_fen,
        g.refunded_fen,
        g.disbursed_fen,
        g.balance_fen,
        g.available_fen,
        g.donation_count,
    ) == (
        15_000,
        2_000,
        4_000,
        9_000,
        9_000,
        2,
    )
    theme = next(p for p in b.subfunds if p.subfund == fw.theme_pot)
    street = next(p for p in b.subfunds if p.subfund == fw.street_pot)
    assert (theme.raised_fen, theme.disbursed_fen, theme.balance_fen, theme.donation_count) == (
        7_000,
        1_000,
        6_000,
        1,
    )
    assert street.balance_fen == 0 and street.donation_count == 0
    assert (b.raised_fen, b.refunded_fen, b.disbursed_fen, b.balance_fen, b.donation_count) == (
        22_000,
        2_000,
        5_000,
        15_000,
        3,
    )
    assert selectors.pot_available(fw.fund, fw.theme_pot) == 6_000


def test_inflows_mask_donors_and_never_load_contacts(fw):
    fw.give(1_000, donor_name="张三丰")
    fw.give(2_000, donor_name="", anonymous=True)
    fw.give(3_000, fw.theme_pot, donor_name="李四")
    rows = list(selectors.fund_inflows(fw.fund))
    assert [(r.amount_fen, r.public_donor_name) for r in rows] == [
        (3_000, "李*"),
        (2_000, "匿名"),
        (1_000, "张**"),
    ]
    assert all("contact" in r.get_deferred_fields() for r in rows)
    assert [r.amount_fen for r in selectors.fund_inflows(fw.fund, subfund=None)] == [2_000, 1_000]
    assert [r.amount_fen for r in selectors.fund_inflows(fw.fund, subfund=fw.theme_pot)] == [3_000]
    services.donation_start(
        actor=None, fund=fw.fund, amount_fen=500, donor_name="赵六", anonymous=False, contact=""
    )  # pending: not an inflow
    assert len(selectors.fund_inflows(fw.fund)) == 3


def test_outflows_list_paid_disbursements_with_approvers(fw):
    fw.give(10_000)
    paid = _spend(fw, 3_000)
    services.disbursement_propose(
        actor=fw.admins[0],
        fund=fw.fund,
        subfund=None,
        amount_fen=1_000,
        incubation=IncubationFactory(),
        purpose="待批",
    )
    rows = list(selectors.fund_outflows(fw.fund))
    assert [(r.pk, r.approved_by, r.proposed_by) for r in rows] == [(paid.pk, fw.admins[1], fw.admins[0])]


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_data(fw):
    def read():
        b = selectors.fund_balances(fw.fund)
        _ = [p.available_fen for p in b.pots]
        for r in selectors.fund_inflows(fw.fund):
            _ = (r.public_donor_name, r.subfund and r.subfund.name)
        for r in selectors.fund_outflows(fw.fund):
            _ = (r.incubation.organization.name, r.approved_by.display_label, r.subfund)

    fw.give(10_000)
    fw.give(1_000, fw.theme_pot)
    _spend(fw, 1_000)
    few = _queries(read)
    for i in range(5):
        fw.give(1_000 + i, fw.street_pot if i % 2 else fw.theme_pot)
        _spend(fw, 100)
    assert _queries(read) == few


def test_a_donor_sees_their_own_donations(fw):
    donor = UserFactory()
    mine = fw.give(1_000, actor=donor)
    fw.give(2_000)
    assert list(selectors.donations_of(donor)) == [mine]
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.donations_of(AnonymousUser())) == []
