"""The donation receipt PDF (捐赠收据), drawn with ReportLab.

Chinese text uses ReportLab's built-in CID font ``STSong-Light`` (no font file: the PDF names the
font and the reader's viewer supplies the glyphs), as the volunteer certificate does. The receipt
number and amounts are drawn in Helvetica so that they stay plain, searchable text.

Only what a receipt needs is printed: number, date, the donor's name or 匿名, the amount, the fund
(and sub-fund) and its legal host. The donor's contact never is.
"""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.money import format_yuan

from .choices import DonationChannel

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_GROUPS = ["", "万", "亿", "万亿"]


def register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _group_words(n: int) -> str:
    """0 < n < 10000 in capital numerals, zeros inside collapsed: 1005 -> 壹仟零伍."""
    words, zero = "", False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[digit] + _UNITS[position]
    return words


def amount_in_words(amount_fen: int) -> str:
    """An amount in capital Chinese numerals as receipts write it: 12345 -> 壹佰贰拾叁元肆角伍分;
    10000 -> 壹佰元整."""
    yuan, fen = divmod(int(amount_fen), 100)
    jiao, fen = divmod(fen, 10)
    words = ""
    if yuan:
        groups = []
        while yuan:
            yuan, group = divmod(yuan, 10000)
            groups.append(group)
        parts, pending_zero, higher = [], False, 0
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                pending_zero = bool(parts)
                continue
            # A zero between groups is read out: 1000,5000 -> 壹仟万零伍仟, 1,0500 -> 壹万零伍佰.
            if parts and (pending_zero or group < 1000 or higher % 10 == 0):
                parts.append("零")
            parts.append(_group_words(group) + _GROUPS[index])
            pending_zero, higher = False, group
        words = "".join(parts) + "元"
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif words:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return words


def _date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def render_pdf(donation) -> bytes:
    """The donation's receipt as a one-page A5 (landscape) PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    register_fonts()
    out = BytesIO()
    page_w, page_h = landscape(A5)
    pdf = canvas.Canvas(out, pagesize=(page_w, page_h))
    title = _("公益事业捐赠收据")
    pdf.setTitle(f"{title} {donation.receipt_number}")
    pdf.setSubject(title)
    pdf.setAuthor(donation.fund.host_name)
    pdf.setCreator(_("太和区基层治理服务平台"))

    pdf.setStrokeColor(colors.HexColor("#b22222"))
    pdf.setLineWidth(1.5)
    pdf.rect(10 * mm, 10 * mm, page_w - 20 * mm, page_h - 20 * mm)

    pdf.setFillColor(colors.HexColor("#b22222"))
    pdf.setFont(CJK_FONT, 22)
    pdf.drawCentredString(page_w / 2, page_h - 28 * mm, title)

    pdf.setFillColor(colors.black)
    left, right = 20 * mm, page_w - 20 * mm
    y = page_h - 40 * mm
    pdf.setFont(CJK_FONT, 10)
    pdf.drawString(left, y, _("收据编号:"))
    pdf.setFont(LATIN_FONT, 10)
    pdf.drawString(left + 18 * mm, y, donation.receipt_number or "")
    credited = timezone.localtime(donation.credited_at) if donation.credited_at else timezone.localtime()
    when = donation.received_on or credited.date()
    pdf.setFont(CJK_FONT, 10)
    pdf.drawRightString(right, y, _("日期:%(date)s") % {"date": _date(when)})

    fund_name = donation.fund.name
    if donation.subfund_id:
        fund_name = f"{fund_name} · {donation.subfund.name}"
    rows = [
        (_("捐赠人"), donation.receipt_donor_name, CJK_FONT),
        (_("捐赠金额"), format_yuan(donation.amount_fen), LATIN_FONT),
        (_("金额大写"), _("人民币%(words)s") % {"words": amount_in_words(donation.amount_fen)}, CJK_FONT),
        (_("捐赠用途"), fund_name, CJK_FONT),
        (_("捐赠方式"), DonationChannel(donation.channel).label, CJK_FONT),
    ]
    if donation.refunded_fen:
        rows.append((_("已退款"), format_yuan(donation.refunded_fen), LATIN_FONT))
    y -= 14 * mm
    for label, value, font in rows:
        pdf.setFont(CJK_FONT, 12)
        pdf.drawString(left, y, f"{label}:")
        pdf.setFont(font, 12)
        pdf.drawString(left + 28 * mm, y, str(value))
        y -= 9 * mm

    y -= 4 * mm
    pdf.setFont(CJK_FONT, 10)
    pdf.drawString(left, y, _("感谢您对基层治理公益事业的支持!"))

    pdf.setFont(CJK_FONT, 12)
    pdf.drawRightString(right, 26 * mm, _("收款单位:%(host)s") % {"host": donation.fund.host_name})
    pdf.setFont(CJK_FONT, 9)
    pdf.drawRightString(
        right, 19 * mm, _("统一社会信用代码:%(code)s") % {"code": donation.fund.host_credit_code}
    )

    pdf.showPage()
    pdf.save()
    return out.getvalue()
