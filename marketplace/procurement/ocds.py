"""A project's record as open data: an Open Contracting Data Standard (OCDS) 1.1 release package.

One release per package, describing the contracting process as it stands now: the tender, the
award once the result is public (from the start of publicity), the contract once signed, and its
implementation (milestones and payments). The ``ocid`` is ``<OCDS_OCID_PREFIX>-<project id>``
and never changes for a project.

Sealed bids stay sealed here too: before the opening only the number of bids is published
(``numberOfTenderers``); no tenderer, price or other bid content appears until the project has
been opened, and even then only what the public result shows (who bid, and the winner's price).

Money is published in yuan (CNY) as a JSON number, converted from integer fen at this edge.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from marketplace.core.models import TransitionLog
from marketplace.organizations.choices import ServiceCategory

from . import selectors
from .choices import BidStatus, FundingSource, MilestoneStatus, PaymentSource, ProjectStatus
from .models import Bid, Project

OCDS_VERSION = "1.1"
CURRENCY = "CNY"
FUND_PARTY_ID = "fund"

P = ProjectStatus
TENDER_STATUS = {
    P.PUBLISHED: "active",
    P.BIDDING_CLOSED: "active",
    P.OPENED: "active",
    P.EVALUATED: "active",
    P.AWARD_PROPOSED: "active",
    P.PUBLICITY: "active",
    P.AWARDED: "complete",
    P.CONTRACTED: "complete",
    P.IN_DELIVERY: "complete",
    P.COMPLETED: "complete",
    P.CANCELLED: "cancelled",
    P.FAILED: "unsuccessful",
}
# Bids that were opened and so may be named as tenderers; before the opening none may.
NAMED_BID_STATUSES = (BidStatus.OPENED, BidStatus.DISQUALIFIED, BidStatus.WON, BidStatus.LOST)


def ocid(project: Project) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{project.pk}"


def _amount(fen: int) -> int | float:
    """Fen to yuan as a JSON number: 30000000 -> 300000, 12345 -> 123.45."""
    return fen // 100 if fen % 100 == 0 else fen / 100


def _value(fen: int) -> dict:
    return {"amount": _amount(fen), "currency": CURRENCY}


def _dt(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _day_start(day: datetime.date) -> str:
    return _dt(timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)))


def _day_end(day: datetime.date) -> str:
    return _dt(timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59))))


def _org_party_id(org_id: int) -> str:
    return f"org-{org_id}"


def _org_party(org, roles: list[str]) -> dict:
    party = {"id": _org_party_id(org.pk), "name": org.name, "roles": roles}
    if org.uscc:
        party["identifier"] = {"scheme": "CN-USCC", "id": org.uscc, "legalName": org.name}
    return party


def _ref(party: dict) -> dict:
    return {"id": party["id"], "name": party["name"]}


def _number_of_tenderers(project: Project) -> int:
    if project.status in selectors.OPENED_STATUSES:
        return project.bids.filter(status__in=NAMED_BID_STATUSES).count()
    # Before the opening (and for a project that failed without opening) the public count.
    return project.bids.filter(status=BidStatus.SUBMITTED, terms_version=project.terms_version).count()


def _tender(project: Project, logs: dict, tenderers: list[dict]) -> dict:
    criteria = list(project.criteria.all())
    tender = {
        "id": f"{ocid(project)}-tender",
        "title": project.title,
        "description": project.description,
        "status": TENDER_STATUS[project.status],
        "value": _value(project.budget_ceiling_fen),
        "procurementMethod": "open",
        "procurementMethodDetails": "公开竞争(政府购买服务)",
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": ";".join(
            f"{c.name}{c.weight}分{'(价格分)' if c.is_price else ''}" for c in criteria
        ),
        "eligibilityCriteria": _eligibility(project),
        "tenderPeriod": {"startDate": _dt(project.bid_open_at), "endDate": _dt(project.bid_close_at)},
        "contractPeriod": {
            "startDate": _day_start(project.service_start),
            "endDate": _day_end(project.service_end),
        },
        "hasEnquiries": project.questions.exists(),
        "numberOfTenderers": _number_of_tenderers(project),
    }
    if tenderers:
        tender["tenderers"] = tenderers
    # The award period opens with the publicity (公示); an upheld objection closes the result again.
    if "publicity" in logs and project.status in selectors.RESULT_PUBLIC_STATUSES:
        tender["awardPeriod"] = {"startDate": _dt(logs["publicity"])}
        if "awarded" in logs:
            tender["awardPeriod"]["endDate"] = _dt(logs["awarded"])
    return tender


def _eligibility(project: Project) -> str:
    parts = ["经区级认证且未被暂停的社会组织"]
    if project.min_grade:
        parts.append(f"评估等级 {project.min_grade} 及以上且在有效期内")
    if project.required_categories:
        labels = [str(ServiceCategory(c).label) for c in project.required_categories]
        parts.append("服务类别限于:" + "、".join(labels))
    return ";".join(parts)


def _project_logs(project: Project) -> dict:
    """When the project reached each stage (the last time, should a stage repeat)."""
    wanted = {"start_publicity": "publicity", "confirm_award": "awarded"}
    logs = {}
    for code, at in (
        TransitionLog.objects.filter(
            lifecycle="procurement.project", object_id=str(project.pk), code__in=wanted
        )
        .order_by("created_at", "pk")
        .values_list("code", "created_at")
    ):
        logs[wanted[code]] = at
    return logs


def _milestone_met_at(milestone_ids: list[int]) -> dict[int, datetime.datetime]:
    met = {}
    for object_id, at in (
        TransitionLog.objects.filter(
            lifecycle="procurement.milestone", object_id__in=[str(i) for i in milestone_ids], code="accept"
        )
        .order_by("created_at", "pk")
        .values_list("object_id", "created_at")
    ):
        met[int(object_id)] = at
    return met


def _paid_at(milestone_ids: list[int]) -> dict[int, datetime.datetime]:
    paid = {}
    for object_id, at in (
        TransitionLog.objects.filter(
            lifecycle="procurement.milestone", object_id__in=[str(i) for i in milestone_ids], code="pay"
        )
        .order_by("created_at", "pk")
        .values_list("object_id", "created_at")
    ):
        paid[int(object_id)] = at
    return paid


def _implementation(project, contract, buyer: dict, supplier: dict, parties: dict) -> dict:
    milestones = list(contract.milestones.all())
    ids = [m.pk for m in milestones]
    met_at = _milestone_met_at(ids)
    paid_at = _paid_at(ids)
    out_milestones = []
    transactions = []
    for m in milestones:
        item = {
            "id": f"{ocid(project)}-milestone-{m.seq}",
            "title": m.title,
            "type": "delivery",
            "description": f"第{m.seq}期付款节点,占合同金额{m.percent}%。交付成果:{m.deliverables}",
            "dueDate": _day_end(m.due_on),
            "status": "met" if m.status in (MilestoneStatus.ACCEPTED, MilestoneStatus.PAID) else "scheduled",
        }
        if m.pk in met_at and item["status"] == "met":
            item["dateMet"] = _dt(met_at[m.pk])
        out_milestones.append(item)
        # A reverse one-to-one raises (an AttributeError) when there is no payment.
        payment = getattr(m, "payment", None)
        # Only money that has actually moved: a fund payment waiting for its disbursement is not
        # a transaction yet.
        if payment is None or m.status != MilestoneStatus.PAID:
            continue
        if payment.source == PaymentSource.FUND:
            payer = parties.setdefault(
                FUND_PARTY_ID,
                {"id": FUND_PARTY_ID, "name": f"{project.district.name}基层治理专项基金", "roles": []},
            )
        else:
            payer = buyer
        for party, role in ((payer, "payer"), (supplier, "payee")):
            if role not in party["roles"]:
                party["roles"].append(role)
        transaction = {
            "id": f"{ocid(project)}-payment-{payment.pk}",
            "date": _dt(paid_at.get(m.pk, payment.recorded_at)),
            "value": _value(payment.amount_fen),
            "payer": _ref(payer),
            "payee": _ref(supplier),
        }
        transactions.append(transaction)
    implementation = {}
    if out_milestones:
        implementation["milestones"] = out_milestones
    if transactions:
        implementation["transactions"] = transactions
    return implementation


def _contract(project, contract, award_id: str, logs: dict, buyer, supplier, parties) -> dict:
    # "terminated": signed, in force, and now come to a close (here: delivered and accepted).
    status = "terminated" if project.status == P.COMPLETED else "active"
    item = {
        "id": f"{ocid(project)}-contract-{contract.pk}",
        "awardID": award_id,
        "title": project.title,
        "status": status,
        "value": _value(contract.amount_fen),
        "period": {
            "startDate": _day_start(project.service_start),
            "endDate": _day_end(project.service_end),
        },
        "dateSigned": _dt(contract.signed_at),
    }
    amendments = [
        {
            "id": f"{ocid(project)}-amendment-{a.pk}",
            "date": _dt(a.created_at),
            "rationale": a.description,
            "description": f"合同金额由 {_amount(a.amount_fen_before)} 元变更为 {_amount(a.amount_fen_after)} 元",
        }
        for a in contract.amendments.all()
    ]
    if amendments:
        item["amendments"] = amendments
    implementation = _implementation(project, contract, buyer, supplier, parties)
    if implementation:
        item["implementation"] = implementation
    return item


def release(project: Project) -> dict:
    """The project's current OCDS release."""
    project_ocid = ocid(project)
    logs = _project_logs(project)
    buyer = {
        "id": f"street-{project.street_id}",
        "name": f"{project.district.name}{project.street.name}",
        "roles": ["buyer", "procuringEntity"],
    }
    parties = {buyer["id"]: buyer}

    tenderers = []
    if project.status in selectors.OPENED_STATUSES:
        bids = (
            Bid.objects.filter(project=project, status__in=NAMED_BID_STATUSES)
            .select_related("organization")
            .order_by("organization__name", "pk")
        )
        for bid in bids:
            party = parties.setdefault(_org_party_id(bid.organization_id), _org_party(bid.organization, []))
            party["roles"].append("tenderer")
            tenderers.append(_ref(party))

    data = {
        "initiationType": "tender",
        "language": "zh",
        "buyer": _ref(buyer),
        "planning": {
            "budget": {
                "description": str(FundingSource(project.funding_source).label),
                "amount": _value(project.budget_ceiling_fen),
            }
        },
        "tender": _tender(project, logs, tenderers),
    }
    tags = ["tenderCancellation" if project.status == P.CANCELLED else "tender"]

    winner = project.awarded_bid if project.status in selectors.RESULT_PUBLIC_STATUSES else None
    if winner is not None and winner.price_fen is not None:
        org = winner.organization
        supplier = parties.setdefault(_org_party_id(org.pk), _org_party(org, []))
        supplier["roles"].append("supplier")
        award_id = f"{project_ocid}-award-{winner.pk}"
        award = {
            "id": award_id,
            "title": project.title,
            "status": "pending" if project.status == P.PUBLICITY else "active",
            "value": _value(winner.price_fen),
            "suppliers": [_ref(supplier)],
            "contractPeriod": data["tender"]["contractPeriod"],
        }
        if "awarded" in logs:
            award["date"] = _dt(logs["awarded"])
        data["awards"] = [award]
        tags.append("award")
        contract = selectors.contract_for_project(project)
        if contract is not None:
            data["contracts"] = [_contract(project, contract, award_id, logs, buyer, supplier, parties)]
            tags.append("contract")
            if project.status in (P.IN_DELIVERY, P.COMPLETED):
                tags.append("implementation")

    data["parties"] = list(parties.values())
    date = _release_date(project, data)
    return {
        "ocid": project_ocid,
        "id": f"{project_ocid}-{timezone.localtime(date):%Y%m%dT%H%M%S}",
        "date": _dt(date),
        "tag": tags,
        **data,
    }


def _release_date(project: Project, data: dict) -> datetime.datetime:
    """The time of the last change the release shows: what it says is true as of then."""
    last_project_move = (
        TransitionLog.objects.filter(lifecycle="procurement.project", object_id=str(project.pk))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    moments = [project.published_at, last_project_move]
    for contract in data.get("contracts", []):
        moments.append(datetime.datetime.fromisoformat(contract["dateSigned"]))
        for amendment in contract.get("amendments", []):
            moments.append(datetime.datetime.fromisoformat(amendment["date"]))
        implementation = contract.get("implementation", {})
        for m in implementation.get("milestones", []):
            if "dateMet" in m:
                moments.append(datetime.datetime.fromisoformat(m["dateMet"]))
        for t in implementation.get("transactions", []):
            moments.append(datetime.datetime.fromisoformat(t["date"]))
    return max(m for m in moments if m is not None)


def release_package(project: Project, *, uri: str) -> dict:
    """The OCDS 1.1 release package for the project, published at ``uri``."""
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _dt(timezone.now()),
        "publisher": {"name": settings.WAGTAIL_SITE_NAME, "uri": settings.WAGTAILADMIN_BASE_URL},
        "releases": [release(project)],
    }
