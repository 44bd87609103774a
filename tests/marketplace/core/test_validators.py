import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.core.validators import (
    ID_CHECK_CHARS,
    USCC_CHARS,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_cn_mobile,
    resident_id_birth_date,
    resident_id_check_char,
    resident_id_gender,
    uscc_check_char,
    validate_resident_id,
    validate_uscc,
)

# --- Resident ID numbers --------------------------------------------------------------------
# The standard's own example, and two more whose check characters were computed by hand.
KNOWN_IDS = ["11010519491231002X", "440524198001010013", "110105199003078019"]


@pytest.mark.parametrize("value", KNOWN_IDS)
def test_known_resident_ids_are_valid(value):
    assert is_valid_resident_id(value)


def test_check_char_formula_on_a_worked_example():
    # 1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5 + 0*8 + 0*4 + 2*2
    # = 167; 167 mod 11 = 2 -> 'X'
    assert resident_id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("11010519491231002x", "lower-case x"),
        ("110105194912310021", "wrong check char"),
        ("11010519491331002X", "month 13"),
        ("110105194902300024", "30 February"),
        ("1101051949123100", "too short"),
        ("11010519491231002XX", "too long"),
        ("", "empty"),
        ("11010530001231002X", "born in the future"),
        ("440524188001010014", "born before 1900: the standard's 1880 example, not a living resident"),
        ("１１０１０５１９４９１２３１００２X", "full-width digits"),
        ("\U00011952" + "20000200001010006", "a non-ASCII digit"),
    ],
)
def test_bad_resident_ids_are_refused(value, why):
    assert not is_valid_resident_id(value), why
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(value)
    assert "身份证" in exc.value.messages[0]


valid_birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today())


@st.composite
def resident_ids(draw):
    region = draw(st.from_regex(r"^[1-6][0-9]{5}$", fullmatch=True))
    birth = draw(valid_birth_dates)
    seq = draw(st.from_regex(r"^[0-9]{3}$", fullmatch=True))
    first17 = f"{region}{birth:%Y%m%d}{seq}"
    return first17 + resident_id_check_char(first17)


@settings(max_examples=300)
@given(resident_ids())
def test_every_generated_valid_id_is_accepted(value):
    assert is_valid_resident_id(value)
    assert resident_id_birth_date(value) is not None
    assert resident_id_gender(value) in {"M", "F"}


@settings(max_examples=150)
@given(resident_ids(), st.integers(min_value=0, max_value=16), st.sampled_from("0123456789"))
def test_any_single_digit_change_in_first_17_is_rejected(value, pos, digit):
    if value[pos] == digit:
        return
    changed = value[:pos] + digit + value[pos + 1 :]
    assert not is_valid_resident_id(changed)


@settings(max_examples=150)
@given(resident_ids(), st.sampled_from(ID_CHECK_CHARS))
def test_any_change_of_the_check_char_is_rejected(value, check):
    if value[17] == check:
        return
    assert not is_valid_resident_id(value[:17] + check)


@settings(max_examples=150)
@given(resident_ids(), st.integers(min_value=0, max_value=15))
def test_any_adjacent_swap_in_first_17_is_rejected(value, pos):
    if value[pos] == value[pos + 1]:
        return
    swapped = value[:pos] + value[pos + 1] + value[pos] + value[pos + 2 :]
    assert not is_valid_resident_id(swapped)


# --- Unified Social Credit Codes ------------------------------------------------------------
# 91350100M000100Y43: a well-known published example; check char computed by the standard.
KNOWN_USCC = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("value", KNOWN_USCC)
def test_known_uscc_are_valid(value):
    assert is_valid_uscc(value)


@pytest.mark.parametrize(
    "value",
    [
        "91350100M000100Y44",
        "91350100M000100Y4",
        "91350100I000100Y43",
        "91350100m000100Y43",
        "",
        "9135010OM000100Y43",
    ],
)
def test_bad_uscc_are_refused(value):
    assert not is_valid_uscc(value)
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    assert "统一社会信用代码" in exc.value.messages[0]


usccs_first17 = st.text(alphabet=USCC_CHARS, min_size=17, max_size=17)


@st.composite
def usccs(draw):
    first17 = draw(usccs_first17)
    return first17 + uscc_check_char(first17)


@settings(max_examples=300)
@given(usccs())
def test_every_generated_valid_uscc_is_accepted(value):
    assert is_valid_uscc(value)


@settings(max_examples=200)
@given(usccs(), st.integers(min_value=0, max_value=16), st.sampled_from(USCC_CHARS))
def test_any_single_char_change_in_first_17_of_uscc_is_rejected(value, pos, char):
    if value[pos] == char:
        return
    assert not is_valid_uscc(value[:pos] + char + value[pos + 1 :])


@settings(max_examples=200)
@given(usccs(), st.integers(min_value=0, max_value=15))
def test_any_adjacent_swap_in_first_17_of_uscc_is_rejected(value, pos):
    if value[pos] == value[pos + 1]:
        return
    assert not is_valid_uscc(value[:pos] + value[pos + 1] + value[pos] + value[pos + 2 :])


# --- Mobile phones ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("008619912345678", "+8619912345678"),
        ("8615012345678", "+8615012345678"),
    ],
)
def test_mobile_numbers_normalise_to_e164(raw, e164):
    assert normalize_cn_mobile(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "１３８１２３４５６７８",
        "12812345678",
        "1381234567",
        "138123456789",
        "02012345678",
        "abc",
        "",
        "+1 2025550123",
    ],
)
def test_bad_mobile_numbers_are_refused_in_chinese(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_cn_mobile(raw)
    assert "手机号" in exc.value.messages[0]
