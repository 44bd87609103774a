"""The donation receipt PDF: the Chinese font, the facts a receipt needs, and nothing more."""

import re
import shutil
import subprocess

import pytest

from marketplace.fund.receipts import CJK_FONT, amount_in_words, render_pdf

from .conftest import fw  # noqa: F401  (fixture)


def pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def test_the_receipt_is_drawn_in_a_chinese_font_with_the_donations_facts(fw, tmp_path):  # noqa: F811
    donation = fw.give(12_345, fw.theme_pot, donor_name="张三丰")
    pdf = render_pdf(donation)
    assert pdf.startswith(b"%PDF")
    assert CJK_FONT.encode() in pdf  # the built-in CID font for the Chinese text
    text = pdf_text(pdf, tmp_path)
    assert "公益事业捐赠收据" in text
    assert donation.receipt_number in text
    assert "张三丰" in text
    assert "¥123.45" in text and "壹佰贰拾叁元肆角伍分" in text
    assert fw.fund.name in text and fw.theme_pot.name in text
    assert fw.fund.host_name in text and fw.fund.host_credit_code in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)
    assert "13800138000" not in text  # the contact is never printed


def test_an_anonymous_donors_receipt_says_anonymous(fw, tmp_path):  # noqa: F811
    donation = fw.give(10_000, donor_name="李四光", anonymous=True)
    text = pdf_text(render_pdf(donation), tmp_path)
    assert "匿名" in text and "李四光" not in text and "壹佰元整" in text


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (1, "壹分"),
        (50, "伍角"),
        (100, "壹元整"),
        (105, "壹元零伍分"),
        (12_345, "壹佰贰拾叁元肆角伍分"),
        (203_000, "贰仟零叁拾元整"),
        (1_000_500, "壹万零伍元整"),
        (1_000_500_000, "壹仟万零伍仟元整"),
        (10_000_000_000, "壹亿元整"),
        (10_001_000_000, "壹亿零壹万元整"),
    ],
)
def test_amount_in_words(fen, words):
    assert amount_in_words(fen) == words
