"""Volunteer service certificates: issue (who, which hours, the number), refusals that change
nothing, immutability, the public (masked) read, and the PDF."""

import base64
import contextlib
import datetime
import re
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.core.exceptions import PermissionDenied, ValidationFailed
from marketplace.core.models import AuditEntry, Notification
from marketplace.volunteers import selectors, services
from marketplace.volunteers.certificates import check_url, render_pdf
from marketplace.volunteers.models import Certificate, CertificateImmutableError, Volunteer
from tests.factories import ServiceRecordFactory

TODAY = datetime.date(2026, 6, 15)


def served(volunteer, on: datetime.date, minutes: int = 120, status: str = "confirmed"):
    """A record of service in the volunteer's own community."""
    return ServiceRecordFactory(
        signup__volunteer=volunteer,
        signup__shift__activity__community=volunteer.community,
        served_on=on,
        minutes=minutes,
        status=status,
    )


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=timezone.get_current_timezone()))
    return TODAY


@pytest.fixture
def hours(vw, today):
    """A volunteer of community A with confirmed, pending and rejected hours across two years."""
    volunteer = vw.volunteer(identity__real_name="张三丰")
    served(volunteer, datetime.date(2025, 12, 31), 600)
    served(volunteer, datetime.date(2026, 1, 1), 120)
    served(volunteer, datetime.date(2026, 3, 10), 90)
    served(volunteer, datetime.date(2026, 3, 11), 45, status="pending")
    served(volunteer, datetime.date(2026, 3, 12), 300, status="rejected")
    return volunteer


def issue(actor, volunteer, start=datetime.date(2026, 1, 1), end=TODAY):
    return services.certificate_issue(actor=actor, volunteer=volunteer, period_start=start, period_end=end)


# --- issuing ----------------------------------------------------------------------------------
def test_the_volunteer_issues_a_certificate_of_the_confirmed_hours_of_the_period(hours, vw):
    cert = issue(hours.user, hours)

    cert.refresh_from_db()
    assert cert.number == "TH-2026-000001"
    assert (cert.year, cert.serial) == (2026, 1)
    assert (cert.minutes, cert.record_count, cert.hours) == (210, 2, 3.5)
    assert (cert.period_start, cert.period_end) == (datetime.date(2026, 1, 1), TODAY)
    assert cert.holder_name == "张三丰"
    assert cert.id_number_masked == hours.identity.id_number_masked
    assert re.fullmatch(r"\d{3}\*{11}[0-9X]{4}", cert.id_number_masked)
    assert (cert.issuer_name, cert.issuer_community) == ("甲街道甲一社区", vw.world.community_a)
    assert (cert.issued_on, cert.issued_by) == (TODAY, hours.user)
    entry = AuditEntry.objects.get(action="volunteers.certificate.issue")
    assert (entry.object_id, entry.actor) == (str(cert.pk), hours.user)
    assert entry.changes == {
        "volunteer": hours.pk,
        "minutes": 210,
        "period": ["2026-01-01", "2026-06-15"],
        "issuer": "甲街道甲一社区",
    }
    # Nothing of the full ID number is kept on the certificate.
    assert hours.identity.id_number not in str(entry.changes)
    assert not Notification.objects.filter(recipient=hours.user).exists()


def test_numbers_follow_each_other_and_start_again_each_year(hours, time_machine):
    first = issue(hours.user, hours)
    second = issue(hours.user, hours, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))
    assert (first.number, second.number) == ("TH-2026-000001", "TH-2026-000002")
    assert second.minutes == 600
    time_machine.move_to(datetime.datetime(2027, 1, 2, 9, 0, tzinfo=timezone.get_current_timezone()))
    third = issue(hours.user, hours, end=datetime.date(2027, 1, 1))
    assert (third.number, third.issued_on) == ("TH-2027-000001", datetime.date(2027, 1, 2))


def test_the_prefix_is_a_setting(hours, settings):
    settings.VOLUNTEER_CERTIFICATE_PREFIX = "xy"
    assert issue(hours.user, hours).number == "XY-2026-000001"


def test_the_community_worker_and_the_district_may_issue(hours, vw):
    by_worker = issue(vw.world.worker_a, hours)
    assert (by_worker.issuer_name, by_worker.issued_by) == ("甲街道甲一社区", vw.world.worker_a)
    by_district = issue(vw.world.district_admin, hours)
    assert (by_district.issuer_name, by_district.issuer_community) == (vw.world.district.name, None)
    # The volunteer is told when someone else issues their certificate.
    titles = list(Notification.objects.filter(recipient=hours.user).values_list("title", flat=True))
    assert any(by_worker.number in t for t in titles) and any(by_district.number in t for t in titles)


def test_others_may_not_issue(hours, vw):
    w = vw.world
    for outsider in (w.worker_b, w.official_a, w.grid_worker_a, w.resident, vw.org_admin):
        with pytest.raises(PermissionDenied):
            issue(outsider, hours)
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "code", "field"),
    [
        (datetime.date(2026, 3, 1), datetime.date(2026, 2, 28), "empty_period", "period_end"),
        (datetime.date(2026, 1, 1), datetime.date(2026, 6, 16), "future_period", "period_end"),
        (datetime.date(1999, 12, 31), datetime.date(2026, 1, 1), "period_too_early", "period_start"),
        (None, datetime.date(2026, 1, 1), "period_required", "period_start"),
        # Only a pending and a rejected record in this period: no confirmed hours.
        (datetime.date(2026, 3, 11), datetime.date(2026, 3, 12), "no_hours", "period_start"),
        (datetime.date(2026, 4, 1), datetime.date(2026, 5, 1), "no_hours", "period_start"),
    ],
)
def test_bad_periods_are_refused_in_chinese_and_change_nothing(hours, start, end, code, field):
    with pytest.raises(ValidationFailed) as info:
        issue(hours.user, hours, start=start, end=end)
    assert (info.value.code, info.value.field) == (code, field)
    assert re.search(r"[\u4e00-\u9fff]", str(info.value.message))
    assert not Certificate.objects.exists()
    assert not AuditEntry.objects.filter(action="volunteers.certificate.issue").exists()


def test_no_hours_message(hours):
    with pytest.raises(ValidationFailed, match="没有已确认的服务时长"):
        issue(hours.user, hours, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 5, 1))


def test_a_certificate_is_never_edited(hours):
    cert = issue(hours.user, hours)
    cert.minutes = 99999
    with pytest.raises(CertificateImmutableError):
        cert.save()
    with pytest.raises(CertificateImmutableError):
        cert.save(update_fields=["minutes"])
    cert.refresh_from_db()
    assert cert.minutes == 210


def test_the_hours_stay_as_issued_after_a_correction(hours, vw):
    cert = issue(hours.user, hours)
    record = hours.records.get(served_on=datetime.date(2026, 3, 10))
    services.record_correct(actor=vw.world.worker_a, record=record, minutes=30, reason="核对考勤")
    cert.refresh_from_db()
    assert cert.minutes == 210
    assert issue(hours.user, hours).minutes == 150


# --- reading ----------------------------------------------------------------------------------
def test_the_public_sees_masked_data_only(hours):
    cert = issue(hours.user, hours)
    public = selectors.certificate_public(cert.number)
    assert public.number == cert.number
    assert public.masked_name == "张**"
    assert public.id_number_masked == cert.id_number_masked
    assert (public.minutes, public.hours, public.issuer_name) == (210, 3.5, "甲街道甲一社区")
    assert (public.period_start, public.period_end, public.issued_on) == (cert.period_start, TODAY, TODAY)
    assert not hasattr(public, "holder_name")
    # Typed loosely, the number is still found; an unknown or malformed one is not.
    assert selectors.certificate_public(" th-2026-1 ").number == cert.number
    assert selectors.certificate_public("TH-2026-000002") is None
    assert selectors.certificate_public("not a number") is None
    assert selectors.certificate_public("") is None


def test_owner_reads(hours, vw):
    cert = issue(hours.user, hours)
    other = vw.volunteer()
    assert list(selectors.my_certificates(viewer=hours.user)) == [cert]
    assert list(selectors.my_certificates(viewer=other.user)) == []
    assert selectors.certificate_for_owner(viewer=hours.user, number=cert.number) == cert
    for viewer in (other.user, vw.world.worker_a, vw.world.district_admin):
        with pytest.raises(selectors.NotFound):
            selectors.certificate_for_owner(viewer=viewer, number=cert.number)


# --- the PDF ----------------------------------------------------------------------------------
def pdf_text(pdf: bytes) -> bytes:
    """The raw bytes and every stream, decoded (ReportLab writes ASCII85 over Flate)."""
    parts = [pdf]
    for stream in re.findall(rb">>\s*stream\r?\n(.*?)endstream", pdf, flags=re.S):
        data = stream.strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data[:-2])
        with contextlib.suppress(zlib.error):
            data = zlib.decompress(data)
        parts.append(data)
    return b"\n".join(parts)


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes (octal and backslash escapes undone)."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match):
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return escapes.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def chinese_lines(text: bytes) -> list[str]:
    """The strings drawn in the CID font (UCS-2, big-endian), decoded."""
    lines = []
    for literal in re.findall(rb"/F2 [\d.]+ Tf [\d.]+ TL \(((?:\\.|[^\\)])*)\) Tj", text, flags=re.S):
        lines.append(_unescape(literal).decode("utf-16-be"))
    return lines


def test_the_pdf_carries_the_certificate(hours):
    cert = issue(hours.user, hours)
    pdf = render_pdf(cert)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/Type /Page" in pdf
    assert b"STSong-Light" in pdf  # the built-in CID font for the Chinese text
    assert b"UniGB-UCS2-H" in pdf
    text = pdf_text(pdf)
    assert b"(TH-2026-000001) Tj" in text
    assert f"({cert.id_number_masked}) Tj".encode() in text
    assert f"({check_url(cert.number)}) Tj".encode() in text
    assert b"/Subtype /Image" in pdf  # the QR code
    # The Chinese text, in the CID font's UCS-2 encoding.
    chinese = "".join(chinese_lines(text))
    assert "志愿服务证明" in chinese
    assert "兹证明 张三丰 同志" in chinese
    assert cert.id_number_masked in chinese
    assert "3.5 小时" in chinese
    assert "甲街道甲一社区" in chinese and "2026年6月15日" in chinese
    full_id = hours.identity.id_number
    assert full_id.encode() not in text
    assert full_id not in chinese


def test_the_check_address_is_the_public_page(settings):
    settings.WAGTAILADMIN_BASE_URL = "https://zhili.example.cn/"
    assert check_url("TH-2026-000007") == "https://zhili.example.cn/certificates/TH-2026-000007/"


# --- numbers under concurrency ------------------------------------------------------------------
ISSUES = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_never_share_a_number(vw):
    volunteers = [vw.volunteer() for _ in range(ISSUES)]
    for volunteer in volunteers:
        served(volunteer, timezone.localdate() - datetime.timedelta(days=3))
    user_ids = [v.user_id for v in volunteers]
    barrier = threading.Barrier(ISSUES)
    start = timezone.localdate() - datetime.timedelta(days=30)

    def job(user_id):
        try:
            user = User.objects.get(pk=user_id)
            volunteer = Volunteer.objects.get(user=user)
            barrier.wait(timeout=60)
            return services.certificate_issue(
                actor=user, volunteer=volunteer, period_start=start, period_end=timezone.localdate()
            ).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=ISSUES) as pool:
        numbers = list(pool.map(job, user_ids))

    year = timezone.localdate().year
    assert sorted(numbers) == [f"TH-{year}-{n:06d}" for n in range(1, ISSUES + 1)]
    assert Certificate.objects.count() == ISSUES
