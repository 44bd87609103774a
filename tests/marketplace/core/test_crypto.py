import pytest
from cryptography.fernet import Fernet
from django.db import connection

from marketplace.core import crypto
from tests.testapp.models import Secret


@pytest.fixture
def fresh_keys(settings):
    crypto.reset_keys()
    yield settings
    crypto.reset_keys()


def test_encrypted_field_stores_ciphertext_and_reads_plaintext(db):
    secret = Secret.objects.create(
        value="110105199003078019", value_hash=crypto.lookup_hash("110105199003078019")
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM testapp_secret WHERE id = %s", [secret.pk])
        (raw,) = cursor.fetchone()
    assert "110105199003078019" not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert Secret.objects.get(pk=secret.pk).value == "110105199003078019"


def test_lookup_hash_finds_equal_values_without_decrypting(db):
    Secret.objects.create(value="A", value_hash=crypto.lookup_hash("110105199003078019"))
    found = Secret.objects.filter(value_hash=crypto.lookup_hash("110105199003078019"))
    assert found.count() == 1
    assert crypto.lookup_hash("110105199003078019") != crypto.lookup_hash("11010519491231002X")


def test_lookup_hash_depends_on_the_key(fresh_keys):
    before = crypto.lookup_hash("x")
    fresh_keys.PII_HASH_KEY = "another-key"
    assert crypto.lookup_hash("x") != before


def test_key_rotation_reads_old_tokens_and_writes_with_the_new_key(db, fresh_keys):
    old_key = fresh_keys.FIELD_ENCRYPTION_KEYS[0]
    secret = Secret.objects.create(value="旧密钥加密")
    new_key = Fernet.generate_key().decode()
    fresh_keys.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    crypto.reset_keys()
    assert Secret.objects.get(pk=secret.pk).value == "旧密钥加密"
    token = crypto.encrypt("新")
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == "新"


def test_a_wrong_key_fails_loudly(db, fresh_keys):
    secret = Secret.objects.create(value="机密")
    fresh_keys.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_keys()
    with pytest.raises(ValueError):
        Secret.objects.get(pk=secret.pk)
