import pytest

from marketplace.core.exceptions import ValidationFailed
from marketplace.core.money import fen_to_yuan_str, format_yuan, yuan_to_fen


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (5, "0.05"), (12345, "123.45"), (123456789, "1,234,567.89"), (-250, "-2.50")],
)
def test_fen_to_yuan(fen, text):
    assert fen_to_yuan_str(fen) == text


def test_format_yuan():
    assert format_yuan(100) == "¥1.00"


@pytest.mark.parametrize(("text", "fen"), [("1", 100), ("1.5", 150), ("¥1,234.56", 123456), ("0.01", 1)])
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["1.001", "abc", "", "NaN", "Infinity"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(ValidationFailed):
        yuan_to_fen(text)
