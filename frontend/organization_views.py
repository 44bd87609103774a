"""Public and self-service pages of social organisations and the incubator.

Thin: parse a form, call ``marketplace.organizations.services`` (writes) or ``selectors``
(reads), show a service's Chinese error on the form, redirect. Nothing here decides a rule.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.core.exceptions import DomainError
from marketplace.core.money import format_yuan
from marketplace.core.permissions import can
from marketplace.core.roles import Role
from marketplace.fund.public_selectors import payments_to_organization
from marketplace.organizations import selectors, services, transitions
from marketplace.organizations.choices import CohortStatus, IncubationStatus, OrgStatus
from marketplace.procurement import selectors as procurement_selectors
from marketplace.volunteers.selectors import activities_by_organization

from .organization_forms import (
    ActivityForm,
    ApplicationForm,
    DirectoryFilterForm,
    DocumentForm,
    MemberAddForm,
    OrganizationForm,
    ReportSubmitForm,
    apply_domain_error,
)
from .page_cache import public_page

PAGE_SIZE = 20
# The public profile lists this many of the latest completed service contracts.
TRACK_RECORD_SIZE = 20


def _my_organizations(user) -> list:
    """The organisations the visitor belongs to, for the link block on every page."""
    if not user.is_authenticated:
        return []
    return list(selectors.organizations_for_member(user))


# --- public directory and profile -----------------------------------------------------------
@public_page
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    organizations = selectors.organization_directory(**form.filters())
    return render(
        request,
        "organizations/directory.html",
        {
            "form": form,
            # Lazy: the results are read inside their cached fragment, and only on a miss.
            "page": SimpleLazyObject(
                lambda: Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
            ),
            "filtered": form.active,
            "today": timezone.localdate(),
            "my_organizations": _my_organizations(request.user),
        },
    )


def _track_record(org) -> list:
    """The organisation's completed service contracts with the street's rating, newest first."""
    contracts = list(procurement_selectors.organization_track_record(org)[:TRACK_RECORD_SIZE])
    for contract in contracts:
        contract.amount_display = format_yuan(contract.amount_fen)
    return contracts


@public_page
def profile(request, org_id: int):
    org = selectors.organization_public_profile(org_id)
    if org is None:
        raise Http404
    private = services.organization_private_view(actor=request.user, org=org)
    return render(
        request,
        "organizations/profile.html",
        {
            "org": org,
            "private": private,
            "documents": selectors.organization_documents(org) if private else [],
            "incubations": sorted(org.incubations.all(), key=lambda i: i.started_at, reverse=True),
            "track_record": _track_record(org),
            "activities": activities_by_organization(org.pk),
            "payments": _payments(org),
            "today": timezone.localdate(),
        },
    )


def _payments(org) -> list:
    payments = payments_to_organization(org.pk)
    for d in payments:
        d.amount = format_yuan(d.amount_fen)
    return payments


# --- registration ---------------------------------------------------------------------------
@login_required
def register(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_register(actor=request.user, data=form.to_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("「%(name)s」已提交登记,等待区级审核。请上传登记证书、章程或备案证明等材料,以便审核。")
                % {"name": org.name},
            )
            return redirect("organizations:manage", org_id=org.pk)
    return render(request, "organizations/register.html", {"form": form})


# --- the organisation's own dashboard -------------------------------------------------------
def _managed_org(request, org_id: int):
    """The organisation, if the visitor is one of its members or the district; else 404, the
    same answer as for an organisation that does not exist."""
    org = (
        selectors.organization_list_for_staff(request.user).prefetch_related("tags").filter(pk=org_id).first()
    )
    if org is None or not services.organization_private_view(actor=request.user, org=org):
        raise Http404
    return org


def _report_rows(request, incubation, bound: dict) -> list[dict]:
    rows = []
    for report in incubation.reports.all():
        may_submit = any(t.code == "submit" for t in transitions.REPORT.available(report, request.user))
        form = bound.get(report.pk)
        if form is None and may_submit:
            form = ReportSubmitForm(prefix=f"report-{report.pk}", initial={"content": report.content})
        rows.append({"report": report, "form": form})
    return rows


def _render_dashboard(request, org, **bound):
    user = request.user
    incubation = selectors.incubation_for_org(org)
    incubation_ctx = None
    if incubation is not None:
        active = incubation.status in (IncubationStatus.INCUBATING, IncubationStatus.MIDTERM)
        may_record = active and can(user, "organizations.incubation.activity", incubation)
        incubation_ctx = {
            "incubation": incubation,
            "goals": list(incubation.goals.all()),
            "reports": _report_rows(request, incubation, bound.get("reports", {})),
            "activities": list(incubation.activities.all()),
            "criteria": selectors.graduation_check(incubation),
            "activity_form": bound.get("activity_form") or (ActivityForm() if may_record else None),
        }
    rejection = None
    if org.status == OrgStatus.REJECTED:
        rejection = selectors.organization_last_rejection(org)
    may_change = can(user, "organizations.org.change", org)
    may_add_document = can(user, "organizations.org.add_document", org)
    may_add_member = can(user, f"accounts.role.assign.{Role.ORG_MEMBER}", org)
    return render(
        request,
        "organizations/manage.html",
        {
            "org": org,
            "documents": selectors.organization_documents(org),
            "members": list(selectors.member_list(org)),
            "may_change": may_change,
            "may_resubmit": any(t.code == "resubmit" for t in transitions.ORGANIZATION.available(org, user)),
            "rejection": rejection,
            # A submitted form is shown again whatever the visitor's rights, to show why it failed.
            "document_form": bound.get("document_form") or (DocumentForm() if may_add_document else None),
            "member_form": bound.get("member_form") or (MemberAddForm() if may_add_member else None),
            "inc": incubation_ctx,
            "my_organizations": _my_organizations(user),
        },
    )


@login_required
def manage(request, org_id: int):
    return _render_dashboard(request, _managed_org(request, org_id))


@login_required
def edit(request, org_id: int):
    org = _managed_org(request, org_id)
    if not can(request.user, "organizations.org.change", org):
        raise Http404
    form = OrganizationForm(request.POST or None, initial=OrganizationForm.initial_for(org))
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(actor=request.user, org=org, data=form.to_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("组织资料已保存。"))
            return redirect("organizations:manage", org_id=org.pk)
    return render(request, "organizations/edit.html", {"org": org, "form": form})


@login_required
@require_POST
def document_add(request, org_id: int):
    org = _managed_org(request, org_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.organization_document_add(
                actor=request.user, org=org, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("材料已上传。"))
            return redirect("organizations:manage", org_id=org.pk)
    return _render_dashboard(request, org, document_form=form)


@login_required
@require_POST
def member_add(request, org_id: int):
    org = _managed_org(request, org_id)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            assignment = services.organization_member_add(
                actor=request.user, org=org, phone=form.cleaned_data["phone"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已添加成员:%(name)s。") % {"name": assignment.user.display_label})
            return redirect("organizations:manage", org_id=org.pk)
    return _render_dashboard(request, org, member_form=form)


@login_required
@require_POST
def resubmit(request, org_id: int):
    org = _managed_org(request, org_id)
    try:
        services.organization_resubmit(actor=request.user, org=org)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已重新提交审核,请等待区级审核结果。"))
    return redirect("organizations:manage", org_id=org.pk)


def _incubation_of(org):
    incubation = selectors.incubation_for_org(org)
    if incubation is None:
        raise Http404
    return incubation


@login_required
@require_POST
def report_submit(request, org_id: int, report_id: int):
    org = _managed_org(request, org_id)
    incubation = _incubation_of(org)
    report = next((r for r in incubation.reports.all() if r.pk == report_id), None)
    if report is None:
        raise Http404
    form = ReportSubmitForm(request.POST, prefix=f"report-{report.pk}")
    if form.is_valid():
        try:
            services.report_submit(actor=request.user, report=report, content=form.cleaned_data["content"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("报告「%(title)s」已提交。") % {"title": report.title})
            return redirect("organizations:manage", org_id=org.pk)
    return _render_dashboard(request, org, reports={report.pk: form})


@login_required
@require_POST
def activity_record(request, org_id: int):
    org = _managed_org(request, org_id)
    incubation = _incubation_of(org)
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.incubation_activity_record(
                actor=request.user, incubation=incubation, **form.cleaned_data
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("活动已登记。"))
            return redirect("organizations:manage", org_id=org.pk)
    return _render_dashboard(request, org, activity_form=form)


# --- incubator ------------------------------------------------------------------------------
def _admin_organizations(user) -> list:
    """The organisations for which the visitor may apply (those they are org admin of)."""
    return [org for org in _my_organizations(user) if can(user, "organizations.application.submit", org)]


def _render_incubator(request, *, bound=None):
    """``bound`` is (cohort id, org id, form): a submitted form shown again with its errors."""
    user = request.user
    page = Paginator(selectors.cohort_list_public(), PAGE_SIZE).get_page(request.GET.get("page"))
    admin_orgs = _admin_organizations(user)
    now = timezone.now()
    entries = []
    for cohort in page:
        accepting = (
            cohort.status == CohortStatus.OPEN
            and cohort.applications_open_at <= now < cohort.applications_close_at
        )
        rows = []
        if cohort.status == CohortStatus.OPEN and admin_orgs:
            applied = {a.organization_id: a for a in selectors.application_list(user, cohort=cohort)}
            for org in admin_orgs:
                form = None
                if org.pk not in applied and (accepting or (bound and bound[:2] == (cohort.pk, org.pk))):
                    if bound and bound[:2] == (cohort.pk, org.pk):
                        form = bound[2]
                    else:
                        form = ApplicationForm(cohort=cohort, prefix=f"c{cohort.pk}-o{org.pk}")
                rows.append({"org": org, "application": applied.get(org.pk), "form": form})
        entries.append({"cohort": cohort, "accepting": accepting, "rows": rows})
    shown = any(row["form"] is bound[2] for entry in entries for row in entry["rows"]) if bound else True
    if not shown:
        # The call is not on this page of the list: still say why the application failed.
        for error in bound[2].errors.values():
            messages.error(request, " ".join(str(e) for e in error))
    return render(
        request,
        "organizations/incubator.html",
        {
            "page": page,
            "entries": entries,
            "admin_orgs": admin_orgs,
            "my_organizations": _my_organizations(user),
        },
    )


@public_page
def incubator(request):
    return _render_incubator(request)


@login_required
@require_POST
def application_submit(request, cohort_id: int, org_id: int):
    cohort = selectors.cohort_list_public().filter(pk=cohort_id).first()
    org = next((o for o in _admin_organizations(request.user) if o.pk == org_id), None)
    if cohort is None or org is None:
        raise Http404
    form = ApplicationForm(request.POST, cohort=cohort, prefix=f"c{cohort.pk}-o{org.pk}")
    if form.is_valid():
        try:
            services.application_submit(actor=request.user, cohort=cohort, org=org, answers=form.answers())
        except DomainError as exc:
            apply_domain_error(form, exc, field_map=form.field_map)
        else:
            messages.success(
                request,
                _("「%(org)s」已提交「%(cohort)s」的入孵申请。") % {"org": org.name, "cohort": cohort.name},
            )
            return redirect("organizations:incubator")
    return _render_incubator(request, bound=(cohort.pk, org.pk, form))
