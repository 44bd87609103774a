"""The generated people: valid, unique ID numbers and mobile numbers, and texts safe for COPY."""

import datetime
import random

from cms.scale import people, vocab
from cms.scale.copy import esc
from marketplace.core.validators import (
    is_valid_resident_id,
    normalize_cn_mobile,
    resident_id_birth_date,
    resident_id_gender,
)


def test_phones_are_valid_mainland_mobiles_and_never_repeat():
    numbers = [people.phone(n) for n in range(50_000)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers[::997]:
        assert normalize_cn_mobile(number) == number
    # The demo's numbers (130–139) are never generated, so the two data sets cannot collide.
    assert not any(n.startswith("+8613") for n in numbers)


def test_resident_ids_are_valid_unique_and_carry_the_birth_date_and_gender():
    rng = random.Random(1)
    ids = people.ResidentIds(rng)
    today = datetime.date(2026, 6, 1)
    made = set()
    for i in range(5_000):
        gender = "M" if i % 2 else "F"
        birth = people.birth_date(rng, today, 18, 75)
        number = ids.make(birth, gender)
        assert is_valid_resident_id(number), number
        assert resident_id_birth_date(number) == birth
        assert resident_id_gender(number) == gender
        assert 18 <= (today - birth).days // 365 <= 77
        made.add(number)
    assert len(made) == 5_000


def test_same_seed_same_people():
    def draw(seed):
        rng = random.Random(seed)
        ids = people.ResidentIds(rng)
        return [
            (people.person_name(rng, "F", 1980), ids.make(datetime.date(1980, 5, 17), "F")) for _ in range(50)
        ]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_vocabulary_needs_no_escaping_in_copy():
    strings = vocab.all_strings()
    assert len(strings) > 100
    for text in strings:
        assert esc(text) == text, text
