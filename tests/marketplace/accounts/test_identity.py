import pytest
from django.db import connection

from marketplace.accounts import services
from marketplace.accounts.models import RealNameIdentity
from marketplace.core import crypto
from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry
from tests.factories import UserFactory

GOOD_ID = "110105199003078019"


def register(world, user=None, **overrides):
    data = {"real_name": "王小明", "id_number": GOOD_ID, "consent": True}
    data.update(overrides)
    return services.identity_register(user=user or world.resident, district=world.district, **data)


def test_registration_encrypts_hashes_masks_and_derives(world):
    identity = register(world)
    assert identity.id_number_masked == "110***********8019"
    assert identity.gender == "M" and identity.birth_date.isoformat() == "1990-03-07"
    assert identity.id_number_hash == crypto.lookup_hash(GOOD_ID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_realnameidentity WHERE id = %s", [identity.pk])
        assert GOOD_ID not in cursor.fetchone()[0]
    entry = AuditEntry.objects.get(action="accounts.identity.register")
    assert GOOD_ID not in str(entry.changes) and entry.changes["id_number"] == "110***********8019"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"consent": False}, "consent_required"),
        ({"id_number": "110105199003078011"}, "invalid_resident_id"),
        ({"real_name": "  "}, "invalid"),
    ],
)
def test_bad_registration_changes_nothing(world, overrides, code):
    with pytest.raises(ValidationFailed) as exc:
        register(world, **overrides)
    assert exc.value.code == code
    assert not RealNameIdentity.objects.exists()
    assert not AuditEntry.objects.filter(action="accounts.identity.register").exists()


def test_one_id_number_one_person(world):
    register(world)
    with pytest.raises(ValidationFailed) as exc:
        register(world, user=UserFactory(), id_number=GOOD_ID.lower())
    assert exc.value.code == "duplicate_id_number"
    assert "已被其他账户登记" in str(exc.value.message)
    assert RealNameIdentity.objects.count() == 1


def test_lower_case_x_is_normalised(world):
    identity = register(world, id_number="11010519491231002x")
    assert identity.id_number == "11010519491231002X"


def test_reveal_is_for_owner_and_district_and_is_audited(world):
    identity = register(world)
    assert services.identity_reveal(actor=world.resident, identity=identity) == GOOD_ID
    assert services.identity_reveal(actor=world.district_admin, identity=identity) == GOOD_ID
    for outsider in (world.official_a, world.worker_a, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.identity_reveal(actor=outsider, identity=identity)
    reveals = AuditEntry.objects.filter(action="accounts.identity.reveal")
    assert sorted(e.actor_id for e in reveals) == sorted([world.resident.pk, world.district_admin.pk])
