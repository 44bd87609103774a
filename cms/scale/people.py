"""People for the scale data: names, valid resident ID numbers and mobile numbers.

Names and ID area codes are the demo's (``cms.demo.volunteers``). Every ID number passes GB 11643
(birth date real, check character right) and is unique; every mobile number is a mainland mobile
in E.164, unique, and outside the demo's prefixes (130–139), so the two never collide.
"""

import datetime
import random

from cms.demo.volunteers import AREA_CODES, GIVEN, SURNAMES
from marketplace.core.validators import resident_id_check_char

_SURNAME_WEIGHTS = [max(1, 60 - i) for i in range(len(SURNAMES))]
_AREA, _AREA_WEIGHTS = zip(*AREA_CODES, strict=True)

# Mobile prefixes the demo never uses; each gives 10⁸ numbers.
PHONE_PREFIXES = (
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "180",
    "186",
    "187",
    "188",
    "189",
    "177",
    "199",
)
# An odd multiplier prime to 10: n → (n × A + C) mod 10⁸ is a permutation, so numbers spread
# over the block instead of counting up, and never repeat.
_PHONE_A, _PHONE_C = 48_271_197, 31_415_926


def phone(n: int) -> str:
    """The n-th generated mobile number (n ≥ 0), unique for n < 16 × 10⁸."""
    q, r = divmod(n, len(PHONE_PREFIXES))
    return f"+86{PHONE_PREFIXES[r]}{(q * _PHONE_A + _PHONE_C) % 100_000_000:08d}"


def generation(birth_year: int) -> str:
    return "old" if birth_year <= 1965 else "mid" if birth_year <= 1985 else "young"


def person_name(rng: random.Random, gender: str, birth_year: int = 1975) -> str:
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    return surname + rng.choice(GIVEN[(generation(birth_year), gender)])


class ResidentIds:
    """Unique, valid resident ID numbers. ``taken`` holds the numbers already used (here and,
    through their hashes, in the database) so none is handed out twice."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken: set[str] = set()

    def make(self, birth: datetime.date, gender: str) -> str:
        rng = self.rng
        while True:
            area = rng.choices(_AREA, weights=_AREA_WEIGHTS)[0]
            odd = rng.randrange(5) * 2 + (1 if gender == "M" else 0)
            sequence = rng.randrange(100) * 10 + odd
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            if first17 not in self.taken:
                self.taken.add(first17)
                return first17 + resident_id_check_char(first17)


def birth_date(rng: random.Random, today: datetime.date, low: int, high: int) -> datetime.date:
    """A birth date for an age from ``low`` to ``high`` on ``today``."""
    start = datetime.date(today.year - high - 1, today.month, 1)
    end = datetime.date(today.year - low, 1, 1)
    return start + datetime.timedelta(days=rng.randrange((end - start).days))
