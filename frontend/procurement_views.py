"""Public pages of the service projects streets buy (政府购买服务), and the bidding pages of the
organisations' members.

Thin: parse a form, call ``marketplace.procurement.services`` (writes) or ``selectors`` (reads),
show a service's Chinese error on the form, redirect. Who may read a bid's contents, and when,
is ``selectors.bid_contents``'s decision alone: these pages never unseal anything themselves, so
before opening nobody but the bidding organisation sees a price or a proposal.
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

from marketplace.core.exceptions import DomainError, NotFound
from marketplace.core.money import format_yuan
from marketplace.core.permissions import can
from marketplace.organizations.choices import ServiceCategory
from marketplace.procurement import selectors, services, transitions
from marketplace.procurement.choices import BidStatus, MilestoneStatus, ProjectStatus
from marketplace.procurement.models import Bid

from .page_cache import public_page
from .procurement_forms import (
    BidForm,
    MilestoneReportForm,
    ObjectionForm,
    ProjectFilterForm,
    QuestionForm,
    apply_domain_error,
)

PAGE_SIZE = 20


def _public_project(project_id: int):
    project = selectors.project_list_public().filter(pk=project_id).first()
    if project is None:
        raise Http404
    return project


def _bidding_orgs(user) -> list:
    """The organisations for which the visitor may bid and ask questions."""
    return selectors.bidding_organizations(user)


def _bidding_org(user, org_id: int):
    org = next((o for o in _bidding_orgs(user) if o.pk == org_id), None)
    if org is None:
        raise Http404
    return org


def _own_bid(user, bid_id: int) -> Bid:
    """A bid of one of the visitor's organisations; anyone else is told it does not exist."""
    bid = Bid.objects.select_related("project", "organization").filter(pk=bid_id).first()
    if bid is None or not can(user, "procurement.bid.read_own", bid.organization):
        raise Http404
    return bid


# --- public list and announcement -----------------------------------------------------------
def _score(milli: int | None) -> str:
    """A score kept in thousandths of a point, as published: 90136 -> "90.136"."""
    return "—" if milli is None else f"{milli // 1000}.{milli % 1000:03d}"


def _result(project) -> dict:
    """The public result, ready to show: before publicity only the number of bids."""
    result = selectors.project_result_public(project)
    if result["published"]:
        for row in result["bidders"]:
            row["price"] = format_yuan(row["price_fen"]) if row["price_fen"] is not None else "—"
            row["total"] = _score(row["total_score_milli"])
    return result


def _project_page(projects, number):
    page = Paginator(projects, PAGE_SIZE).get_page(number)
    for project in page:
        project.budget_display = format_yuan(project.budget_ceiling_fen)
    return page


@public_page
def project_list(request):
    form = ProjectFilterForm(request.GET or None, may_filter_biddable=bool(_bidding_orgs(request.user)))
    if form.only_biddable:
        projects = selectors.project_list_biddable(viewer=request.user, **form.filters())
    else:
        projects = selectors.project_list_public(**form.filters())
    return render(
        request,
        "procurement/list.html",
        {
            "form": form,
            # Lazy: the results are read inside their cached fragment, and only on a miss.
            "page": SimpleLazyObject(lambda: _project_page(projects, request.GET.get("page"))),
            "filtered": form.active,
            # The biddable filter depends on the visitor: its results are never shared.
            "results_public": not form.only_biddable,
        },
    )


def _render_detail(request, project, *, question_forms=None):
    user = request.user
    bidding_open = project.bidding_is_open()
    own_bids = {}
    orgs = _bidding_orgs(user)
    if orgs:
        own_bids = {b.organization_id: b for b in project.bids.filter(organization__in=orgs)}
    question_forms = question_forms or {}
    rows = [
        {
            "org": org,
            "bid": own_bids.get(org.pk),
            "question_form": question_forms.get(org.pk)
            or (QuestionForm(prefix=f"q{org.pk}") if bidding_open else None),
        }
        for org in orgs
    ]
    questions = list(project.questions.all())
    my_org_ids = {org.pk for org in orgs}
    # Public once signed: the contract summary and milestone progress, never the reports.
    contract = selectors.contract_for_project(project)
    milestones = []
    if contract is not None:
        for m in contract.milestones.all():
            if m.status == MilestoneStatus.PAID:
                paid = _("已支付")
            elif hasattr(m, "payment"):
                paid = _("待基金拨付")
            else:
                paid = _("未支付")
            milestones.append({"milestone": m, "paid": paid, "is_paid": m.status == MilestoneStatus.PAID})
    return render(
        request,
        "procurement/detail.html",
        {
            "project": project,
            "budget": format_yuan(project.budget_ceiling_fen),
            "criteria": list(project.criteria.all()),
            "required_categories": [ServiceCategory(c).label for c in project.required_categories],
            # Every answer is public; an open question only to the organisation that asked it.
            "answered": [q for q in questions if q.answered_at],
            "my_open_questions": [
                q for q in questions if not q.answered_at and q.asked_by_org_id in my_org_ids
            ],
            "result": _result(project),
            "contract": contract,
            "contract_amount": format_yuan(contract.amount_fen) if contract else "",
            "milestones": milestones,
            "accepted_percent": sum(
                row["milestone"].percent
                for row in milestones
                if row["milestone"].status in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID)
            ),
            "my_contract": contract if contract and contract.organization_id in my_org_ids else None,
            "bidding_open": bidding_open,
            "rows": rows,
            "previous_round": project.previous_round
            if project.previous_round_id and project.previous_round.status in selectors.PUBLIC_STATUSES
            else None,
        },
    )


@public_page
def project_detail(request, project_id: int):
    return _render_detail(request, _public_project(project_id))


@login_required
@require_POST
def question_ask(request, project_id: int, org_id: int):
    project = _public_project(project_id)
    org = _bidding_org(request.user, org_id)
    form = QuestionForm(request.POST, prefix=f"q{org.pk}")
    if form.is_valid():
        try:
            services.question_ask(
                actor=request.user, project=project, org=org, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("问题已提交,街道答复后将向所有投标人公开。"))
            return redirect("procurement:detail", project_id=project.pk)
    return _render_detail(request, project, question_forms={org.pk: form})


# --- bidding --------------------------------------------------------------------------------
@login_required
def bid_form(request, project_id: int, org_id: int):
    project = _public_project(project_id)
    org = _bidding_org(request.user, org_id)
    bid = project.bids.filter(organization=org).first()
    previous_attachments = []
    if request.method == "POST":
        form = BidForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                bid = services.bid_submit(
                    actor=request.user, project=project, org=org, contents=form.to_contents()
                )
            except DomainError as exc:
                apply_domain_error(form, exc, field_map=BidForm.field_map)
            else:
                messages.success(request, _("投标已密封提交。请保存下方的回执。"))
                return redirect("procurement:receipt", bid_id=bid.pk)
    else:
        if not project.bidding_is_open():
            messages.error(request, _("不在投标时间内:投标已截止或尚未开始。"))
            return redirect("procurement:detail", project_id=project.pk)
        initial = {}
        if bid is not None and bid.sealed_contents:
            previous = selectors.bid_contents(viewer=request.user, bid=bid)
            initial = BidForm.initial_from(previous)
            previous_attachments = previous.get("attachments") or []
        form = BidForm(initial=initial)
    return render(
        request,
        "procurement/bid_form.html",
        {
            "project": project,
            "org": org,
            "bid": bid,
            "form": form,
            "previous_attachments": previous_attachments,
            "budget": format_yuan(project.budget_ceiling_fen),
        },
    )


def _render_receipt(request, bid: Bid, *, objection_form=None):
    user = request.user
    try:
        contents = selectors.bid_contents(viewer=user, bid=bid)
        objections = selectors.organization_objections(viewer=user, bid=bid)
    except NotFound:
        raise Http404 from None
    project = bid.project
    result = _result(project)
    own_result = next((row for row in result.get("bidders", []) if row["bid_id"] == bid.pk), None)
    in_publicity = (
        project.status == ProjectStatus.PUBLICITY
        and project.publicity_ends_at is not None
        and timezone.now() < project.publicity_ends_at
    )
    # The form for those who may object; the service still decides (and refuses late ones).
    if (
        objection_form is None
        and in_publicity
        and bid.status in (BidStatus.OPENED, BidStatus.DISQUALIFIED)
        and can(user, "procurement.objection.raise", bid.organization)
    ):
        objection_form = ObjectionForm()
    contract = selectors.contract_for_project(project) if bid.status == BidStatus.WON else None
    return render(
        request,
        "procurement/receipt.html",
        {
            "bid": bid,
            "project": project,
            "contents": contents,
            "price": format_yuan(contents["price_fen"]) if contents else "",
            "current_terms": bid.terms_version == project.terms_version,
            "may_withdraw": bid.status == BidStatus.SUBMITTED and project.bidding_is_open(),
            "may_resubmit": bid.status in (BidStatus.WITHDRAWN, BidStatus.INVALIDATED, BidStatus.SUBMITTED)
            and project.bidding_is_open(),
            "result": result,
            "own_result": own_result,
            "objections": objections,
            "objection_form": objection_form,
            "contract": contract if contract is not None and contract.bid_id == bid.pk else None,
        },
    )


@login_required
def receipt(request, bid_id: int):
    return _render_receipt(request, _own_bid(request.user, bid_id))


@login_required
@require_POST
def objection_raise(request, bid_id: int):
    bid = _own_bid(request.user, bid_id)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_raise(
                actor=request.user, project=bid.project, org=bid.organization, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("质疑已提交,采购街道答复后将通知贵组织。"))
            return redirect("procurement:receipt", bid_id=bid.pk)
    return _render_receipt(request, bid, objection_form=form)


@login_required
@require_POST
def bid_withdraw(request, bid_id: int):
    bid = _own_bid(request.user, bid_id)
    try:
        services.bid_withdraw(actor=request.user, bid=bid)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("投标已撤回。截止前可以重新提交。"))
    return redirect("procurement:receipt", bid_id=bid.pk)


# --- delivery (履约) -------------------------------------------------------------------------
def _delivery_contract(user, contract_id: int):
    try:
        return selectors.contract_delivery(viewer=user, contract_id=contract_id)
    except NotFound:
        raise Http404 from None


def _render_delivery(request, contract, *, bound_forms=None):
    user = request.user
    in_delivery = contract.project.status == ProjectStatus.IN_DELIVERY
    bound_forms = bound_forms or {}
    rows = []
    for milestone in contract.milestones.all():
        form = bound_forms.get(milestone.pk)
        if (
            form is None
            and in_delivery
            and any(t.code == "submit" for t in transitions.MILESTONE.available(milestone, user))
        ):
            form = MilestoneReportForm(prefix=f"m{milestone.pk}")
        rows.append(
            {
                "milestone": milestone,
                "amount": format_yuan(milestone.amount_fen),
                "reports": list(milestone.reports.all()),
                "form": form,
            }
        )
    return render(
        request,
        "procurement/delivery.html",
        {
            "contract": contract,
            "project": contract.project,
            "amount": format_yuan(contract.amount_fen),
            "in_delivery": in_delivery,
            "rows": rows,
        },
    )


@login_required
def delivery(request, contract_id: int):
    return _render_delivery(request, _delivery_contract(request.user, contract_id))


@login_required
@require_POST
def milestone_report(request, contract_id: int, milestone_id: int):
    contract = _delivery_contract(request.user, contract_id)
    milestone = next((m for m in contract.milestones.all() if m.pk == milestone_id), None)
    if milestone is None:
        raise Http404
    form = MilestoneReportForm(request.POST, request.FILES, prefix=f"m{milestone.pk}")
    if form.is_valid():
        try:
            services.milestone_report_submit(
                actor=request.user,
                milestone=milestone,
                content=form.cleaned_data["content"],
                evidence_uploads=form.cleaned_data["evidence"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc, field_map=MilestoneReportForm.field_map)
        else:
            messages.success(request, _("「%(m)s」的履约报告已提交,等待街道验收。") % {"m": milestone.title})
            return redirect("procurement:delivery", contract_id=contract.pk)
    return _render_delivery(request, contract, bound_forms={milestone.pk: form})
