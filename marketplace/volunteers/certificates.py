"""The certificate PDF (志愿服务证明), drawn with ReportLab.

Chinese text uses ReportLab's built-in CID font ``STSong-Light`` (no font file: the PDF names
the font and the reader's viewer supplies the glyphs). The number, the masked ID number and the
check address are drawn in Helvetica, so that they stay plain, searchable text. A QR code
(PNG, drawn into the page) leads to the public check page of the certificate's number.

Only what the certificate row holds is printed: the full ID number is never on it.
"""

from io import BytesIO

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"


def register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def check_url(number: str) -> str:
    """The public check page of a certificate, absolute, on the portal's own address."""
    base = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    return base + reverse("certificates:check", kwargs={"number": number})


def _qr_png(data: str) -> BytesIO:
    import qrcode

    image = qrcode.make(data, box_size=8, border=2)
    out = BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return out


def _hours(minutes: int) -> str:
    hours = minutes / 60
    return f"{hours:.1f}".rstrip("0").rstrip(".") if hours % 1 else f"{int(hours)}"


def _date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break Chinese text into lines no wider than ``width`` (Chinese breaks between any two
    characters; a run of Latin letters or digits, and a date such as 2026年1月1日, is kept
    whole)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    tokens, run = [], ""
    for char in text:
        if (char.isascii() and not char.isspace()) or (run and char in "年月日"):
            run += char
            continue
        if run:
            tokens.append(run)
            run = ""
        tokens.append(char)
    if run:
        tokens.append(run)
    lines, line = [], ""
    for token in tokens:
        if line and stringWidth(line + token, font, size) > width:
            lines.append(line)
            line = token.lstrip()
        else:
            line += token
    if line:
        lines.append(line)
    return lines


def render_pdf(certificate, *, url: str | None = None) -> bytes:
    """The certificate as a one-page A4 PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    register_fonts()
    url = url or check_url(certificate.number)
    out = BytesIO()
    page_w, page_h = A4
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"{_('志愿服务证明')} {certificate.number}")
    pdf.setSubject(_("志愿服务证明"))
    pdf.setAuthor(certificate.issuer_name)
    pdf.setCreator(_("太和区基层治理服务平台"))

    # A double frame.
    pdf.setStrokeColor(colors.HexColor("#b22222"))
    pdf.setLineWidth(2)
    pdf.rect(15 * mm, 15 * mm, page_w - 30 * mm, page_h - 30 * mm)
    pdf.setLineWidth(0.6)
    pdf.rect(18 * mm, 18 * mm, page_w - 36 * mm, page_h - 36 * mm)

    pdf.setFillColor(colors.HexColor("#b22222"))
    pdf.setFont(CJK_FONT, 30)
    pdf.drawCentredString(page_w / 2, page_h - 55 * mm, _("志愿服务证明"))

    pdf.setFillColor(colors.black)
    left, right = 32 * mm, page_w - 32 * mm
    y = page_h - 75 * mm
    pdf.setFont(LATIN_FONT, 11)
    pdf.drawRightString(right, y, f"No. {certificate.number}")

    body = _(
        "兹证明 %(name)s 同志(身份证号码:%(id)s)于 %(start)s 至 %(end)s 期间积极参加志愿服务活动,"
        "经服务组织确认的志愿服务时长累计 %(hours)s 小时。"
    ) % {
        "name": certificate.holder_name,
        "id": certificate.id_number_masked,
        "start": _date(certificate.period_start),
        "end": _date(certificate.period_end),
        "hours": _hours(certificate.minutes),
    }
    y -= 18 * mm
    size, leading = 15, 26
    for i, line in enumerate(_wrap(body, CJK_FONT, size, right - left - (2 * size))):
        pdf.setFont(CJK_FONT, size)
        pdf.drawString(left + (2 * size if i == 0 else 0), y, line)
        y -= leading
    y -= 6
    pdf.setFont(CJK_FONT, size)
    pdf.drawString(left + 2 * size, y, _("特此证明。"))

    # The facts again as a table, Latin text in Helvetica so that it stays searchable.
    y -= 22 * mm
    facts = [
        (_("姓名"), certificate.holder_name, CJK_FONT),
        (_("身份证号码"), certificate.id_number_masked, LATIN_FONT),
        (_("服务时长"), _("%(h)s 小时") % {"h": _hours(certificate.minutes)}, CJK_FONT),
        (
            _("服务期间"),
            f"{certificate.period_start.isoformat()} — {certificate.period_end.isoformat()}",
            LATIN_FONT,
        ),
        (_("证明编号"), certificate.number, LATIN_FONT),
    ]
    for label, value, font in facts:
        pdf.setFont(CJK_FONT, 12)
        pdf.drawString(left, y, f"{label}:")
        pdf.setFont(font, 12)
        pdf.drawString(left + 30 * mm, y, value)
        y -= 9 * mm

    # Issuer and date, bottom right.
    y = 95 * mm
    pdf.setFont(CJK_FONT, 14)
    pdf.drawRightString(right, y, certificate.issuer_name)
    pdf.drawRightString(right, y - 10 * mm, _date(certificate.issued_on))

    # The QR code to the public check page, bottom left.
    qr_size = 38 * mm
    qr_x, qr_y = left, 40 * mm
    pdf.drawImage(ImageReader(_qr_png(url)), qr_x, qr_y, width=qr_size, height=qr_size)
    pdf.setFont(CJK_FONT, 9)
    pdf.drawString(qr_x, qr_y - 5 * mm, _("扫码核验本证明,或访问:"))
    pdf.setFont(LATIN_FONT, 8)
    pdf.drawString(qr_x, qr_y - 9 * mm, url)

    pdf.showPage()
    pdf.save()
    return out.getvalue()
