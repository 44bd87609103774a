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


def seed_steps_up_to(monkeypatch, last_step) -> None:
    """Make ``seed_demo`` run its steps up to ``last_step`` only. A module that checks the early
    steps seeds for every test; the later, heavier steps have modules of their own that seed
    once per module."""
    from cms import demo
    from cms.management.commands import seed_demo

    monkeypatch.setattr(seed_demo, "STEPS", demo.STEPS[: demo.STEPS.index(last_step) + 1])
