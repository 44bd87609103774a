import pytest

from marketplace.core.masking import mask_email, mask_name, mask_phone, mask_resident_id


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105199003078019", "110***********8019"),
        ("11010519491231002X", "110***********002X"),
        ("", ""),
        (None, ""),
    ],
)
def test_resident_id_mask_keeps_first_three_and_last_four(value, masked):
    assert mask_resident_id(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("+8613812345678", "138****5678"), ("13812345678", "138****5678"), ("", ""), (None, "")],
)
def test_phone_mask(value, masked):
    assert mask_phone(value) == masked


def test_masked_values_never_contain_the_hidden_middle():
    assert "1990030780" not in mask_resident_id("110105199003078019")
    assert "1234" not in mask_phone("+8613812345678")


def test_name_and_email_masks():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李"
    assert mask_email("zhang@example.com") == "z***@example.com"
    assert mask_email("not-an-email") == ""
