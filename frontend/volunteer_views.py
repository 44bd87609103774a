"""Public and self-service pages of volunteering (党员志愿服务): registration, activities and
their shifts, signing up, QR check-in, "我的志愿服务" and the rankings.

Thin: parse a form, call ``marketplace.volunteers.services`` (writes) or ``selectors`` (reads),
show a service's Chinese error, redirect. Capacity, deadlines, "party members only", check-in
windows and signatures are the services' decisions; these pages only show them. Nothing here
shows a whole ID number or a volunteer's phone: the identity's masked number, and names through
``selectors.public_name`` in public lists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.accounts import selectors as account_selectors
from marketplace.core.exceptions import DomainError
from marketplace.places.models import Community, Grid
from marketplace.volunteers import selectors, services
from marketplace.volunteers.choices import (
    STAR_THRESHOLD_HOURS,
    PartyReportStatus,
    StarLevel,
)
from marketplace.volunteers.models import Shift, Signup

from .page_cache import public_page
from .volunteer_forms import (
    ActivityFilterForm,
    PartyReportForm,
    RankingForm,
    VolunteerRegisterForm,
    apply_domain_error,
)

PAGE_SIZE = 20
RECORDS_PAGE_SIZE = 20
RANKING_SIZE = 50


def _star_label(level) -> str:
    return StarLevel(level or 0).label


def _back(request, default: str) -> str:
    """Where a POST came from (a same-site path only), else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes or 0), 60)
    if hours and rest:
        return _("%(h)s小时%(m)s分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s小时") % {"h": hours}
    return _("%(m)s分钟") % {"m": rest}


# --- registration ---------------------------------------------------------------------------
@login_required
def register(request):
    user = request.user
    volunteer = selectors.volunteer_for_user(user)
    if volunteer is not None:
        # Registered: the profile as recorded, the ID number masked.
        return render(request, "volunteers/register.html", {"volunteer": volunteer})
    if not user.phone or not user.phone_verified:
        return render(request, "volunteers/register.html", {"phone_unverified": True})
    identity = account_selectors.identity_of(user)
    form = VolunteerRegisterForm(request.POST or None, needs_identity=identity is None)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_register(user=user, data=form.to_data(), identity=form.to_identity())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("志愿者注册成功。欢迎加入太和区志愿服务队伍!"))
            return redirect("volunteers:register")
    return render(request, "volunteers/register.html", {"form": form, "identity": identity})


# --- activities -----------------------------------------------------------------------------
def _activity_page(activities, number):
    page = Paginator(activities, PAGE_SIZE).get_page(number)
    for activity in page:
        activity.places_left = max(activity.total_capacity - activity.places_taken, 0)
    return page


@public_page
def activity_list(request):
    form = ActivityFilterForm(request.GET or None)
    activities = selectors.activity_list_public(**form.filters())
    return render(
        request,
        "volunteers/activity_list.html",
        {
            "form": form,
            # Lazy: the results are read inside their cached fragment, and only on a miss.
            "page": SimpleLazyObject(lambda: _activity_page(activities, request.GET.get("page"))),
            "filtered": form.active,
            "volunteer": selectors.volunteer_for_user(request.user),
        },
    )


@public_page
def activity_detail(request, activity_id: int):
    activity = selectors.activity_public_detail(activity_id)
    if activity is None:
        raise Http404
    volunteer = selectors.volunteer_for_user(request.user)
    mine = {}
    if volunteer is not None:
        mine = {s.shift_id: s for s in selectors.my_signups(volunteer=volunteer).filter(activity=activity)}
    shifts = [
        {
            "shift": shift,
            "places_left": max(shift.capacity - shift.taken, 0),
            "signup": mine.get(shift.pk),
        }
        for shift in activity.shifts.all()
    ]
    return render(
        request,
        "volunteers/activity_detail.html",
        {
            "activity": activity,
            "shifts": shifts,
            "volunteer": volunteer,
            "contact_phone": selectors.activity_contact_phone(viewer=request.user, activity=activity),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def signup_create(request, shift_id: int):
    shift = Shift.objects.select_related("activity").filter(pk=shift_id).first()
    if shift is None:
        raise Http404
    back = _back(request, reverse("volunteers:activity", args=[shift.activity_id]))
    try:
        signup = services.signup_create(actor=request.user, shift=shift)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        if exc.code == "not_a_volunteer":
            return redirect("volunteers:register")
    else:
        if signup.is_waiting:
            messages.warning(
                request, _("该班次名额已满,您已进入候补名单;有人取消时将按顺序自动递补,并通知您。")
            )
        else:
            messages.success(request, _("报名成功:%(shift)s。") % {"shift": shift})
    return redirect(back)


@login_required
@require_POST
def signup_cancel(request, signup_id: int):
    # Someone else's sign-up is answered as one that does not exist.
    signup = (
        Signup.objects.select_related("shift", "activity").filter(pk=signup_id, user=request.user).first()
    )
    if signup is None:
        raise Http404
    back = _back(request, reverse("volunteers:activity", args=[signup.activity_id]))
    try:
        services.signup_cancel(actor=request.user, signup=signup)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("已取消报名:%(title)s %(shift)s。") % {"title": signup.activity.title, "shift": signup.shift},
        )
    return redirect(back)


# --- QR check-in ----------------------------------------------------------------------------
@login_required
def checkin(request):
    token = (request.POST.get("t") if request.method == "POST" else request.GET.get("t")) or ""
    context = {"token": token, "volunteer": selectors.volunteer_for_user(request.user)}
    if request.method == "POST" and context["volunteer"] is not None:
        action = request.POST.get("action")
        try:
            if action == "in":
                signup = services.check_in_by_token(actor=request.user, token=token)
                messages.success(
                    request,
                    _("签到成功:%(title)s,签到时间 %(at)s。")
                    % {
                        "title": signup.activity.title,
                        "at": f"{timezone.localtime(signup.checked_in_at):%H:%M}",
                    },
                )
            elif action == "out":
                record = services.check_out_by_token(actor=request.user, token=token)
                messages.success(
                    request,
                    _("签退成功,本次服务时长 %(d)s,待活动组织者确认后计入您的志愿服务时长。")
                    % {"d": _duration(record.minutes)},
                )
            else:
                raise Http404
        except DomainError as exc:
            context["error"] = str(exc.message)
        else:
            return redirect(f"{reverse('volunteers:checkin')}?{urlencode({'t': token})}")
    if token:
        try:
            context["preview"] = selectors.checkin_preview(viewer=request.user, token=token)
        except DomainError as exc:
            context["error"] = context.get("error") or str(exc.message)
            context["invalid"] = True
    status = 400 if context.get("invalid") else 200
    return render(request, "volunteers/checkin.html", context, status=status)


# --- my volunteering ------------------------------------------------------------------------
def _render_me(request, volunteer, *, report_form=None):
    totals = selectors.volunteer_totals(volunteer=volunteer)
    star = totals.star
    records = selectors.volunteer_records(viewer=request.user, volunteer=volunteer, include_closed=True)
    records_page = Paginator(records, RECORDS_PAGE_SIZE).get_page(request.GET.get("page"))
    in_service_member = volunteer.is_party_member and volunteer.in_service
    reports = list(selectors.party_reports_of(volunteer)) if in_service_member else []
    open_report = next(
        (r for r in reports if r.status in (PartyReportStatus.PENDING, PartyReportStatus.CONFIRMED)), None
    )
    # A submitted form is shown again whatever the state, to show why it failed.
    if report_form is None and in_service_member and open_report is None:
        report_form = PartyReportForm()
    next_needed = None
    if star.next_level is not None:
        next_needed = STAR_THRESHOLD_HOURS[star.next_level] * 60
    return render(
        request,
        "volunteers/me.html",
        {
            "volunteer": volunteer,
            "totals": totals,
            "star_label": _star_label(star.level),
            "next_label": _star_label(star.next_level) if star.next_level is not None else "",
            "to_next": _duration(star.minutes_to_next),
            "progress_value": (next_needed - star.minutes_to_next) if next_needed else 0,
            "progress_max": next_needed or 0,
            "total_duration": _duration(totals.minutes),
            "records": records_page,
            "signups": list(selectors.my_signups(volunteer=volunteer, upcoming_only=True)),
            "in_service_member": in_service_member or report_form is not None,
            "reports": reports,
            "open_report": open_report,
            "report_form": report_form,
        },
    )


@login_required
def me(request):
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        messages.info(request, _("请先注册为志愿者。"))
        return redirect("volunteers:register")
    return _render_me(request, volunteer)


@login_required
@require_POST
def party_report_submit(request):
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    form = PartyReportForm(request.POST)
    if form.is_valid():
        try:
            services.party_report_submit(
                actor=request.user, volunteer=volunteer, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已向居住社区报到,请等待社区工作者确认。"))
            return redirect("volunteers:me")
    return _render_me(request, volunteer, report_form=form)


# --- rankings -------------------------------------------------------------------------------
def _ranking_rows(volunteers) -> list[dict]:
    return [
        {
            "rank": number,
            "name": selectors.public_name(v),
            "grid": v.grid.name,
            "hours": _duration(v.total_minutes),
            "star": _star_label(v.star),
            "star_level": v.star,
        }
        for number, v in enumerate(volunteers, start=1)
    ]


@public_page
def rankings(request):
    form = RankingForm(request.GET or None)
    community_id, grid_id = form.choice()
    volunteer = None
    if community_id is None and grid_id is None:
        # A volunteer sees their own community first.
        volunteer = selectors.volunteer_for_user(request.user)
        if volunteer is not None:
            community_id = volunteer.community_id
    context = {"form": form, "grid": None, "community": None, "rows": [], "grids": []}
    if grid_id:
        grid = Grid.objects.select_related("community").filter(pk=grid_id).first()
        if grid is not None:
            context["grid"] = grid
            context["rows"] = _ranking_rows(selectors.ranking_in_grid(grid_id=grid.pk, limit=RANKING_SIZE))
    elif community_id:
        community = Community.objects.filter(pk=community_id).first()
        if community is not None:
            context["community"] = community
            context["rows"] = _ranking_rows(
                selectors.ranking_in_community(community_id=community.pk, limit=RANKING_SIZE)
            )
            context["grids"] = [
                {"grid": g, "hours": _duration(g.total_minutes), "volunteers": g.volunteer_count}
                for g in selectors.grid_totals(community_id=community.pk)
            ]
    return render(request, "volunteers/rankings.html", context)
