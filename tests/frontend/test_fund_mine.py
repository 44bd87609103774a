"""A signed-in donor's donations (/fund/mine/, the "我的" page) and their receipt PDFs, which
nobody else can download."""

import pytest

from tests.factories import UserFactory
from tests.frontend import pagecheck
from tests.marketplace.fund.conftest import fw  # noqa: F401  (fixture)


@pytest.fixture
def donor(db):
    return UserFactory(display_name="孙捐赠")


@pytest.fixture
def given(fw, donor):  # noqa: F811
    """The donor's credited donation, a pending one, and somebody else's credited donation."""
    mine = fw.give(12_345, fw.theme_pot, donor_name="孙捐赠", actor=donor)
    from marketplace.fund import services

    pending = services.donation_start(
        actor=donor, fund=fw.fund, amount_fen=500, donor_name="孙捐赠", anonymous=False, contact=""
    )
    other = fw.give(10_000, donor_name="周其他", actor=UserFactory())
    return mine, pending, other


def test_my_donations_lists_only_mine(client, donor, given):
    mine, pending, other = given
    client.force_login(donor)
    response = client.get("/fund/mine/")
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('id="my-donations"') :]
    assert "¥123.45" in table and "¥5.00" in table and "¥100.00" not in table
    assert f'href="/fund/receipts/{mine.receipt_number}.pdf"' in table
    assert other.receipt_number not in html
    assert "待支付" in table and "已到账" in table
    assert pagecheck.csp_problems(response) == []
    # The "我的" page has the same section.
    html = client.get("/me/").content.decode()
    assert "我的捐赠" in html and f"/fund/receipts/{mine.receipt_number}.pdf" in html and "¥123.45" in html


def test_my_donations_needs_a_sign_in(client, given):
    response = client.get("/fund/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_owner_downloads_the_receipt(client, donor, given):
    mine, _pending, _other = given
    client.force_login(donor)
    response = client.get(f"/fund/receipts/{mine.receipt_number}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF") and b"STSong-Light" in response.content


def test_nobody_else_gets_a_receipt(client, donor, given):
    mine, _pending, other = given
    url = f"/fund/receipts/{mine.receipt_number}.pdf"
    assert client.get(url).status_code == 302  # signed out: to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(donor)
    assert client.get(f"/fund/receipts/{other.receipt_number}.pdf").status_code == 404
    assert client.get("/fund/receipts/JZ0000.pdf").status_code == 404
