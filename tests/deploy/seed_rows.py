"""Real rows for the backup test, written by the demo's own steps through the domain services:
the places, the staff, a resident and the fund with its donations, refund, ledger postings and
audit entries. A subset of ``seed_demo``, which as a whole takes about a minute.

Run in a subprocess against the scratch database (see test_backup_restore.py):
``python -m tests.deploy.seed_rows`` with DATABASE_URL and DJANGO_SETTINGS_MODULE set."""

import django


def main() -> None:
    django.setup()
    from django.db import transaction

    from cms.demo import DemoContext, fund, places, users

    ctx = DemoContext()
    with transaction.atomic():
        for step in (
            places.ensure_district,
            users.seed_admin,
            places.seed_places,
            users.seed_staff,
            users.seed_resident,
            fund.seed_fund,
        ):
            step(ctx)
    print(ctx.created)  # noqa: T201  (the test shows it when something fails)


if __name__ == "__main__":
    main()
