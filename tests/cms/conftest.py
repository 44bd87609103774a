import pytest


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """seed_demo stores the demo organisations' documents as private files: keep them in the
    test's own folder, not in the developer's var/private."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    storages._storages.pop("private", None)
    yield tmp_path / "private"
    storages._storages.pop("private", None)
