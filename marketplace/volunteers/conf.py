"""Settings of the volunteer service, each with a default so that no deployment must set them.

``VOLUNTEER_CHECKIN_OPENS_BEFORE``: how long before a shift starts its QR code starts to work.
``VOLUNTEER_CHECKIN_CLOSES_AFTER``: how long after a shift ends its QR code stops working.
``VOLUNTEER_HOURS_MARGIN``: how much longer than the shift a record's hours may be.
Each is a ``datetime.timedelta``.
"""

import datetime

from django.conf import settings

DEFAULTS = {
    "VOLUNTEER_CHECKIN_OPENS_BEFORE": datetime.timedelta(minutes=30),
    "VOLUNTEER_CHECKIN_CLOSES_AFTER": datetime.timedelta(hours=2),
    "VOLUNTEER_HOURS_MARGIN": datetime.timedelta(minutes=30),
}


def get(name: str) -> datetime.timedelta:
    return getattr(settings, name, DEFAULTS[name])


def checkin_opens_before() -> datetime.timedelta:
    return get("VOLUNTEER_CHECKIN_OPENS_BEFORE")


def checkin_closes_after() -> datetime.timedelta:
    return get("VOLUNTEER_CHECKIN_CLOSES_AFTER")


def hours_margin() -> datetime.timedelta:
    return get("VOLUNTEER_HOURS_MARGIN")
