"""No rendered page shows a resident ID number or a person's phone number whole to anyone who
may not see it: pages show the masked forms; the whole ID number is read only through the
audited reveal service."""

import pytest

from marketplace.accounts import services as account_services
from marketplace.core.audit import record
from marketplace.core.models import NotificationKind
from marketplace.core.notifications import notify
from tests.factories import OrganizationFactory, UserFactory, enable_mfa

PHONE = "+8613512345678"
ID_NUMBER = "110105199003078019"
RAW_FORMS = ["13512345678", "135 1234 5678", "135-1234-5678", ID_NUMBER, "19900307801"]


@pytest.fixture
def person(world):
    user = UserFactory(phone=PHONE, display_name="王小明")
    account_services.identity_register(
        user=user, district=world.district, real_name="王小明", id_number=ID_NUMBER, consent=True
    )
    notify(recipient=user, kind=NotificationKind.SYSTEM, title="欢迎")
    record(actor=user, action="accounts.test", obj=user)
    return user


PUBLIC_PAGES = ["/", "/organizations/", "/organizations/incubator/"]
OWN_PAGES = ["/me/", "/me/notifications/", "/me/notification-preferences/"]
STAFF_PAGES = ["/admin/", "/admin/staff-roles/", "/admin/places/communities/", "/admin/audit/"]


def _scan(client, urls):
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = response.content.decode()
        for raw in RAW_FORMS:
            assert raw not in body, f"{raw} unmasked on {url}"
        yield url, body


def test_owner_sees_only_masked_forms_on_own_pages(client, person):
    client.force_login(person)
    seen = dict(_scan(client, PUBLIC_PAGES + OWN_PAGES))
    assert "135****5678" in seen["/me/"]
    assert "110***********8019" in seen["/me/"]


@pytest.mark.parametrize("viewer", ["district_admin", "official_a", "worker_a", "resident"])
def test_others_never_see_the_whole_numbers(client, world, person, viewer):
    # The person also registers an organisation, so their name appears in staff lists.
    OrganizationFactory(street=world.street_a, contact_phone=PHONE, legal_representative="王小明")
    user = getattr(world, viewer)
    enable_mfa(user)
    client.force_login(user)
    scanned = [url for url, _ in _scan(client, PUBLIC_PAGES + OWN_PAGES + STAFF_PAGES)]
    assert "/me/" in scanned
    if viewer == "district_admin":
        assert "/admin/audit/" in scanned


def test_anonymous_sees_no_numbers(client, person):
    assert [url for url, _ in _scan(client, PUBLIC_PAGES)] == PUBLIC_PAGES
