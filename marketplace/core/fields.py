from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; Python code sees the plain text.

    The column cannot be searched or ordered: pair it with a keyed-hash column for lookups.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
