"""A verified organisation organises volunteer activities on the public site (社会组织发布志愿活动).

The admins of a verified organisation (``Role.ORG_ADMIN``) are not staff and have no back office:
these pages give them what community workers do in the admin. The organisation's activities
(drafts, published, finished, cancelled); posting one with its shifts, changing it, publishing and
cancelling it; shifts added and cancelled (the volunteers are told); a message to everyone
signed up; each shift's roster (names and masked phones only), its printable QR code, check-in
and check-out by the organiser, and the hours: confirm one or all, reject, correct (the
correction chain stays on the page).

Everyone but the admins of the organisation, while it is verified, gets a 404, the same answer as
for an organisation, activity, shift or record that does not exist. Thin: each write is one
service call and a ``DomainError`` becomes a Chinese message on the form or page, so a refused or
invalid request changes nothing.
"""

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.core.exceptions import DomainError, NotFound
from marketplace.volunteers import checkin, selectors, services, transitions
from marketplace.volunteers.choices import ActivityStatus, RecordStatus, ShiftStatus, SignupStatus

from .volunteer_organiser_forms import (
    ActivityForm,
    CheckTimeForm,
    CorrectForm,
    MessageForm,
    ReasonForm,
    ShiftForm,
    ShiftFormSet,
    apply_domain_error,
)

PAGE_SIZE = 20
OPEN_STATUSES = (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
SHIFT_FIELDS = ("starts_at", "ends_at", "capacity")


# --- finding what the page is about (else 404) ----------------------------------------------
def _found(read, **kwargs):
    try:
        return read(**kwargs)
    except NotFound:
        raise Http404 from None


def _org(request, org_id: int):
    return _found(selectors.organiser_organization, viewer=request.user, org_id=org_id)


def _activity(request, org, activity_id: int):
    return _found(
        selectors.organization_activity, viewer=request.user, organization=org, activity_id=activity_id
    )


def _shift(request, org, shift_id: int):
    return _found(selectors.organization_shift, viewer=request.user, organization=org, shift_id=shift_id)


def _signup(request, org, signup_id: int):
    return _found(selectors.organization_signup, viewer=request.user, organization=org, signup_id=signup_id)


def _record(request, org, record_id: int):
    return _found(selectors.organization_record, viewer=request.user, organization=org, record_id=record_id)


def _activity_url(org, activity_id: int) -> str:
    return reverse("volunteers:organise_activity", args=[org.pk, activity_id])


def _shift_url(org, shift_id: int) -> str:
    return reverse("volunteers:organise_shift", args=[org.pk, shift_id])


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- the list -------------------------------------------------------------------------------
def activity_list(request, org_id: int):
    org = _org(request, org_id)
    status = request.GET.get("status") or None
    if status not in ActivityStatus.values:
        status = None
    activities = selectors.organization_activities(viewer=request.user, organization=org, status=status)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/organise_list.html",
        {
            "org": org,
            "page": page,
            "status": status,
            "statuses": ActivityStatus.choices,
        },
    )


# --- posting and changing an activity -------------------------------------------------------
def activity_create(request, org_id: int):
    """The activity and its first shifts in one ``services.activity_create``, saved as a draft
    and published from its page."""
    org = _org(request, org_id)
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(data, organization=org)
    formset = ShiftFormSet(data, prefix="shifts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            activity = services.activity_create(
                actor=request.user, data=form.to_data(), shifts=formset.shifts(), organization=org
            )
        except DomainError as exc:
            apply_domain_error(form, exc, field_map=form.field_map)
        else:
            messages.success(
                request, _("活动已保存为草稿:%(t)s。检查无误后请在本页发布。") % {"t": activity.title}
            )
            return redirect(_activity_url(org, activity.pk))
    return render(
        request,
        "volunteers/organise_activity_form.html",
        {"org": org, "form": form, "formset": formset, "activity": None},
    )


def activity_edit(request, org_id: int, activity_id: int):
    org = _org(request, org_id)
    activity = _activity(request, org, activity_id)
    form = ActivityForm(request.POST or None, organization=org, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=request.user, activity=activity, data=form.to_data())
        except DomainError as exc:
            apply_domain_error(form, exc, field_map=form.field_map)
        else:
            messages.success(request, _("活动信息已保存。"))
            return redirect(_activity_url(org, activity.pk))
    return render(
        request,
        "volunteers/organise_activity_form.html",
        {"org": org, "form": form, "formset": None, "activity": activity},
    )


# --- an activity's page ---------------------------------------------------------------------
def _render_activity(request, org, activity, *, shift_form=None, message_form=None):
    user = request.user
    manage = activity.status in OPEN_STATUSES and selectors.can_manage(user, activity)
    shifts = []
    for shift in selectors.shift_list(activity, include_cancelled=True).select_related("activity"):
        shifts.append(
            {
                "shift": shift,
                "places_left": max(shift.capacity - shift.taken, 0),
                "may_cancel": bool(transitions.SHIFT.available(shift, user)),
            }
        )
    scheduled = [row["shift"] for row in shifts if row["shift"].status == ShiftStatus.SCHEDULED]
    moves = {t.code for t in transitions.ACTIVITY.available(activity, user)}
    return render(
        request,
        "volunteers/organise_activity.html",
        {
            "org": org,
            "activity": activity,
            "shifts": shifts,
            "moves": moves,
            "may_edit": manage,
            "shift_form": shift_form or (ShiftForm(prefix="shift") if manage else None),
            "message_form": message_form
            or (MessageForm(prefix="message", shifts=scheduled) if manage else None),
        },
    )


def activity_detail(request, org_id: int, activity_id: int):
    org = _org(request, org_id)
    return _render_activity(request, org, _activity(request, org, activity_id))


def _move(request, org_id: int, activity_id: int, service, done: str):
    org = _org(request, org_id)
    activity = _activity(request, org, activity_id)
    try:
        service(actor=request.user, activity=activity)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect(_activity_url(org, activity.pk))


@require_POST
def activity_publish(request, org_id: int, activity_id: int):
    return _move(
        request, org_id, activity_id, services.activity_publish, _("活动已发布,志愿者现在可以报名。")
    )


@require_POST
def activity_finish(request, org_id: int, activity_id: int):
    return _move(request, org_id, activity_id, services.activity_finish, _("活动已结束。"))


def _reason_page(request, *, org, form, title, intro, submit, back_url, danger=False, status=200):
    return render(
        request,
        "volunteers/organise_form.html",
        {
            "org": org,
            "form": form,
            "title": title,
            "intro": intro,
            "submit": submit,
            "back_url": back_url,
            "danger": danger,
        },
        status=status,
    )


def activity_cancel(request, org_id: int, activity_id: int):
    org = _org(request, org_id)
    activity = _activity(request, org, activity_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_cancel(
                actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("活动已取消,已报名的志愿者已收到通知。"))
            return redirect(_activity_url(org, activity.pk))
    return _reason_page(
        request,
        org=org,
        form=form,
        title=_("取消活动:%(t)s") % {"t": activity.title},
        intro=_("尚未开始的班次将一并取消,已报名和候补的志愿者会收到通知和取消原因。"),
        submit=_("取消活动"),
        back_url=_activity_url(org, activity.pk),
        danger=True,
    )


@require_POST
def shift_add(request, org_id: int, activity_id: int):
    org = _org(request, org_id)
    activity = _activity(request, org, activity_id)
    form = ShiftForm(request.POST, prefix="shift")
    if form.is_valid():
        try:
            services.shift_add(actor=request.user, activity=activity, data=form.to_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("班次已添加。"))
            return redirect(_activity_url(org, activity.pk))
    return _render_activity(request, org, activity, shift_form=form)


@require_POST
def message_send(request, org_id: int, activity_id: int):
    org = _org(request, org_id)
    activity = _activity(request, org, activity_id)
    form = MessageForm(request.POST, prefix="message", shifts=list(selectors.shift_list(activity)))
    if form.is_valid():
        try:
            sent = services.activity_message(
                actor=request.user,
                activity=activity,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                shift=form.selected_shift(),
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("消息已发送给 %(n)s 人。") % {"n": sent})
            return redirect(_activity_url(org, activity.pk))
    return _render_activity(request, org, activity, message_form=form)


def shift_cancel(request, org_id: int, shift_id: int):
    org = _org(request, org_id)
    shift = _shift(request, org, shift_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_cancel(actor=request.user, shift=shift, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("班次已取消,已报名和候补的志愿者已收到通知。"))
            return redirect(_activity_url(org, shift.activity_id))
    return _reason_page(
        request,
        org=org,
        form=form,
        title=_("取消班次:%(s)s") % {"s": shift},
        intro=_("「%(t)s」的这个班次取消后,已报名和候补的志愿者会收到通知和取消原因。")
        % {"t": shift.activity.title},
        submit=_("取消班次"),
        back_url=_activity_url(org, shift.activity_id),
        danger=True,
    )


# --- a shift: roster, QR code, check-in and hours -------------------------------------------
def _duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes or 0), 60)
    return f"{hours}:{rest:02d}"


def shift_detail(request, org_id: int, shift_id: int):
    org = _org(request, org_id)
    shift = _shift(request, org, shift_id)
    user = request.user
    activity = shift.activity
    manage = selectors.can_manage(user, activity)
    checking = manage and shift.status == ShiftStatus.SCHEDULED
    roster = [
        {
            "row": row,
            "check_in": checking and row.signup.status == SignupStatus.CONFIRMED,
            "check_out": checking and row.signup.status == SignupStatus.CHECKED_IN,
        }
        for row in selectors.shift_roster(viewer=user, shift=shift)
    ]
    records = []
    for record in selectors.shift_records(viewer=user, shift=shift):
        codes = {t.code for t in transitions.RECORD.available(record, user)}
        records.append(
            {
                "record": record,
                "name": record.volunteer.identity.real_name,
                "duration": _duration(record.minutes),
                "corrects_duration": _duration(record.corrects.minutes) if record.corrects_id else "",
                "may_confirm": "confirm" in codes,
                "may_reject": "reject" in codes,
                "may_correct": "supersede" in codes,
            }
        )
    pending = any(r["record"].status == RecordStatus.PENDING for r in records)
    return render(
        request,
        "volunteers/organise_shift.html",
        {
            "org": org,
            "shift": shift,
            "activity": activity,
            "roster": roster,
            "records": records,
            "checking": checking,
            "time_form": CheckTimeForm(),
            "may_confirm_all": pending and manage,
            "max_minutes": services.max_record_minutes(shift),
        },
    )


def _printable(svg: str) -> str:
    """The QR code as inline markup (no style attribute), about 7 cm wide on paper."""
    svg = svg[svg.find("<svg") :]
    head, sep, rest = svg.partition(">")
    head = re.sub(r'\swidth="[^"]*"', ' width="70mm"', head)
    head = re.sub(r'\sheight="[^"]*"', ' height="70mm"', head)
    return f'{head} role="img" aria-label="{escape(_("签到二维码"))}"{sep}{rest}'


def shift_qr(request, org_id: int, shift_id: int):
    """The shift's check-in QR code, to print and put up at the site."""
    org = _org(request, org_id)
    shift = _shift(request, org, shift_id)
    if shift.status != ShiftStatus.SCHEDULED:
        raise Http404
    try:
        token = selectors.shift_checkin_token(viewer=request.user, shift=shift)
    except DomainError:
        raise Http404 from None
    url = request.build_absolute_uri(f"{reverse('volunteers:checkin')}?{urlencode({'t': token})}")
    opens, closes = transitions.check_in_window(shift)
    return render(
        request,
        "volunteers/organise_qr.html",
        {
            "org": org,
            "shift": shift,
            "activity": shift.activity,
            "checkin_url": url,
            "qr_svg": _printable(checkin.qr_svg(url)),
            "opens_at": timezone.localtime(opens),
            "closes_at": timezone.localtime(closes),
        },
    )


def _check(request, org_id: int, signup_id: int, *, out: bool):
    org = _org(request, org_id)
    signup = _signup(request, org, signup_id)
    form = CheckTimeForm(request.POST)
    name = signup.volunteer.identity.real_name
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            if out:
                record = services.signup_check_out(
                    actor=request.user, signup=signup, at=form.cleaned_data["at"]
                )
            else:
                services.signup_check_in(actor=request.user, signup=signup, at=form.cleaned_data["at"])
        except DomainError as exc:
            messages.error(request, _("%(name)s:%(error)s") % {"name": name, "error": exc.message})
        else:
            if out:
                messages.success(
                    request,
                    _("%(name)s 已签退,服务时长 %(m)s 分钟,待确认。") % {"name": name, "m": record.minutes},
                )
            else:
                messages.success(request, _("%(name)s 已签到。") % {"name": name})
    return redirect(_shift_url(org, signup.shift_id))


@require_POST
def check_in(request, org_id: int, signup_id: int):
    return _check(request, org_id, signup_id, out=False)


@require_POST
def check_out(request, org_id: int, signup_id: int):
    return _check(request, org_id, signup_id, out=True)


@require_POST
def confirm_all(request, org_id: int, shift_id: int):
    org = _org(request, org_id)
    shift = _shift(request, org, shift_id)
    try:
        count = services.record_confirm_all(actor=request.user, shift=shift)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已确认 %(n)s 条服务时长。") % {"n": count})
    return redirect(_shift_url(org, shift.pk))


@require_POST
def record_confirm(request, org_id: int, record_id: int):
    org = _org(request, org_id)
    record = _record(request, org, record_id)
    try:
        services.record_confirm(actor=request.user, record=record)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("已确认 %(name)s 的服务时长。") % {"name": record.volunteer.identity.real_name}
        )
    return redirect(_shift_url(org, record.shift_id))


def record_reject(request, org_id: int, record_id: int):
    org = _org(request, org_id)
    record = _record(request, org, record_id)
    form = ReasonForm(request.POST or None)
    name = record.volunteer.identity.real_name
    if request.method == "POST" and form.is_valid():
        try:
            services.record_reject(actor=request.user, record=record, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已不予认可 %(name)s 的服务时长,并通知本人。") % {"name": name})
            return redirect(_shift_url(org, record.shift_id))
    return _reason_page(
        request,
        org=org,
        form=form,
        title=_("不予认可服务时长"),
        intro=_("%(name)s 的待确认记录 %(m)s 分钟。请写明原因,志愿者会收到通知。")
        % {"name": name, "m": record.minutes},
        submit=_("不予认可"),
        back_url=_shift_url(org, record.shift_id),
        danger=True,
    )


def record_correct(request, org_id: int, record_id: int):
    org = _org(request, org_id)
    record = _record(request, org, record_id)
    form = CorrectForm(request.POST or None, initial={"minutes": record.minutes})
    name = record.volunteer.identity.real_name
    if request.method == "POST" and form.is_valid():
        try:
            services.record_correct(
                actor=request.user,
                record=record,
                minutes=form.cleaned_data["minutes"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已更正,原记录保留并标为“已更正”。"))
            return redirect(_shift_url(org, record.shift_id))
    return _reason_page(
        request,
        org=org,
        form=form,
        title=_("更正服务时长"),
        intro=_(
            "%(name)s 原记录 %(m)s 分钟。更正会生成一条新的已确认记录并指向原记录,原记录不会被修改;"
            "更正后的时长不能超过 %(max)s 分钟。"
        )
        % {"name": name, "m": record.minutes, "max": services.max_record_minutes(record.shift)},
        submit=_("保存更正"),
        back_url=_shift_url(org, record.shift_id),
    )
