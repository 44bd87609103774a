"""No API answer contains a phone number in full, whoever asks.

Every GET operation of the schema is called (detail ones with real ids) as an anonymous
visitor, as a resident signed in by session, and as a street official by API token; the bodies
are scanned for every user's number, in any of the forms it could be written."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from marketplace.accounts.models import User
from marketplace.core.masking import mask_phone
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KNOWN_PHONES = ["+8613912345678", "+8618700001111", "+8615055556666"]


def _forms(e164: str) -> list[str]:
    national = e164.removeprefix("+86")
    return [national, e164, f"86{national}", f"{national[:3]} {national[3:7]} {national[7:]}"]


def _get_paths(client, detail_ids) -> list[str]:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        if "{id}" in path:
            assert path in detail_ids, f"add real ids for {path} to the detail_ids fixture"
            paths += [path.replace("{id}", str(pk)) for pk in detail_ids[path]]
        else:
            paths.append(path)
    return paths


def _identities(api_world):
    anonymous = Client()
    resident = Client()
    resident.force_login(api_world.world.resident)
    by_token = Client(HTTP_AUTHORIZATION=f"Token {api_world.token}")
    return {"anonymous": anonymous, "resident": resident, "official by token": by_token}


def test_no_answer_carries_an_unmasked_phone(api_world, detail_ids):
    # Users with known numbers, one of them the resident who signs in, one a staff member.
    api_world.world.resident.phone = KNOWN_PHONES[0]
    api_world.world.resident.save(update_fields=["phone"])
    staff = UserFactory(phone=KNOWN_PHONES[1], display_name="")
    TOTP.activate(staff, generate_totp_secret())
    UserFactory(phone=KNOWN_PHONES[2])
    phones = list(User.objects.exclude(phone=None).values_list("phone", flat=True))
    assert set(KNOWN_PHONES) <= set(phones)
    forbidden = [form for phone in phones for form in _forms(phone)]

    paths = _get_paths(Client(), detail_ids)
    assert len(paths) >= 11
    seen_ok = 0
    for who, client in _identities(api_world).items():
        for path in paths:
            response = client.get(path, {"page_size": 100})
            assert response.status_code < 500, (who, path)
            body = response.content.decode()
            seen_ok += response.status_code == 200
            for form in forbidden:
                assert form not in body, f"{who} sees {form} at {path}"
            # Any run of 11 digits starting like a Chinese mobile number is suspect too.
            assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", body), f"{who}: phone-like number at {path}"
    # The scan looked at real answers, /me/ among them, not at a wall of 401s.
    assert seen_ok >= 2 * len(paths)


@pytest.mark.parametrize("who", ["resident", "official by token"])
def test_me_shows_the_masked_phone(api_world, who):
    client = _identities(api_world)[who]
    user = api_world.world.resident if who == "resident" else api_world.user
    body = client.get("/api/v1/me/").json()
    assert body["id"] == user.pk
    assert body["phone_masked"] == mask_phone(user.phone)
    assert re.fullmatch(r"1\d{2}\*{4}\d{4}", body["phone_masked"])
