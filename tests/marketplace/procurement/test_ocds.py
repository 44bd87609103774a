"""The project's OCDS 1.1 release package: what it publishes at each stage, that it never shows
a sealed bid, and that it keeps the shape the standard requires.

About the schema check: the official OCDS 1.1 release-package schema cannot be fetched while the
tests run (no network), and no package on PyPI ships it (ocdskit, ocdsmerge, libcoveocds,
ocds-babel, ocdsextensionregistry, spoonbill, flattentool and others all download it from the
standard's site at run time). So nothing is vendored: ``OCDS_CHECK`` below is our own JSON
Schema, written from the standard's documentation — the fields it marks required, the types of
the building blocks (Value, Period, OrganizationReference), the closed codelists we use — and it
only admits the standard's own field names for the objects we publish, so that a typo or an
invented field fails. It is a check against the documented rules, not the official schema.
"""

import datetime
import json

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.procurement import ocds, services, transitions
from marketplace.procurement.choices import ProjectStatus
from marketplace.procurement.models import Bid

from . import test_contracts as contracts
from .conftest import terms
from .test_contracts import PRICES, deliver, milestones, signed

# The awarded-project fixtures live with the contract tests; here they are used by name.
awarded = contracts.awarded
make_awarded = contracts.make_awarded
private_root = contracts.private_root

# --- our check of the documented OCDS 1.1 rules -----------------------------------------------
DATE_TIME = {"type": "string", "format": "date-time"}
VALUE = {
    "type": "object",
    "properties": {"amount": {"type": "number"}, "currency": {"type": "string", "enum": ["CNY"]}},
    "required": ["amount", "currency"],
    "additionalProperties": False,
}
PERIOD = {
    "type": "object",
    "properties": {"startDate": DATE_TIME, "endDate": DATE_TIME},
    "additionalProperties": False,
}
ORG_REF = {
    "type": "object",
    "properties": {"id": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1}},
    "required": ["id", "name"],
    "additionalProperties": False,
}
PARTY_ROLES = ["buyer", "procuringEntity", "supplier", "tenderer", "funder", "payer", "payee"]
ORGANIZATION = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "identifier": {
            "type": "object",
            "properties": {
                "scheme": {"type": "string"},
                "id": {"type": "string"},
                "legalName": {"type": "string"},
            },
            "required": ["scheme", "id"],
            "additionalProperties": False,
        },
        "roles": {"type": "array", "items": {"enum": PARTY_ROLES}, "uniqueItems": True},
    },
    "required": ["id", "name", "roles"],
    "additionalProperties": False,
}
MILESTONE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "type": {"enum": ["delivery"]},
        "description": {"type": "string"},
        "dueDate": DATE_TIME,
        "dateMet": DATE_TIME,
        "status": {"enum": ["scheduled", "met", "notMet", "partiallyMet"]},
    },
    "required": ["id"],
    "additionalProperties": False,
}
TRANSACTION = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "date": DATE_TIME,
        "value": VALUE,
        "payer": ORG_REF,
        "payee": ORG_REF,
    },
    "required": ["id"],
    "additionalProperties": False,
}
TENDER = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "status": {
            "enum": ["planning", "planned", "active", "cancelled", "unsuccessful", "complete", "withdrawn"]
        },
        "value": VALUE,
        "procurementMethod": {"enum": ["open", "selective", "limited", "direct"]},
        "procurementMethodDetails": {"type": "string"},
        "mainProcurementCategory": {"enum": ["goods", "works", "services"]},
        "awardCriteria": {"type": "string"},
        "awardCriteriaDetails": {"type": "string"},
        "eligibilityCriteria": {"type": "string"},
        "tenderPeriod": PERIOD,
        "awardPeriod": PERIOD,
        "contractPeriod": PERIOD,
        "hasEnquiries": {"type": "boolean"},
        "numberOfTenderers": {"type": "integer", "minimum": 0},
        "tenderers": {"type": "array", "items": ORG_REF, "minItems": 1},
    },
    "required": ["id"],
    "additionalProperties": False,
}
AWARD = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "status": {"enum": ["pending", "active", "cancelled", "unsuccessful"]},
        "date": DATE_TIME,
        "value": VALUE,
        "suppliers": {"type": "array", "items": ORG_REF, "minItems": 1},
        "contractPeriod": PERIOD,
    },
    "required": ["id"],
    "additionalProperties": False,
}
CONTRACT = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "awardID": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "status": {"enum": ["pending", "active", "cancelled", "terminated"]},
        "value": VALUE,
        "period": PERIOD,
        "dateSigned": DATE_TIME,
        "amendments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "date": DATE_TIME,
                    "rationale": {"type": "string"},
                    "description": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "implementation": {
            "type": "object",
            "properties": {
                "milestones": {"type": "array", "items": MILESTONE, "minItems": 1},
                "transactions": {"type": "array", "items": TRANSACTION, "minItems": 1},
            },
            "additionalProperties": False,
        },
    },
    "required": ["id", "awardID"],
    "additionalProperties": False,
}
RELEASE = {
    "type": "object",
    "properties": {
        "ocid": {"type": "string", "minLength": 1},
        "id": {"type": "string", "minLength": 1},
        "date": DATE_TIME,
        "tag": {
            "type": "array",
            "minItems": 1,
            "items": {
                "enum": [
                    "planning",
                    "planningUpdate",
                    "tender",
                    "tenderAmendment",
                    "tenderUpdate",
                    "tenderCancellation",
                    "award",
                    "awardUpdate",
                    "awardCancellation",
                    "contract",
                    "contractUpdate",
                    "contractAmendment",
                    "implementation",
                    "implementationUpdate",
                    "contractTermination",
                    "compiled",
                ]
            },
        },
        "initiationType": {"enum": ["tender"]},
        "language": {"type": "string"},
        "buyer": ORG_REF,
        "parties": {"type": "array", "items": ORGANIZATION, "minItems": 1},
        "planning": {
            "type": "object",
            "properties": {
                "budget": {
                    "type": "object",
                    "properties": {"description": {"type": "string"}, "amount": VALUE},
                    "additionalProperties": False,
                }
            },
            "additionalProperties": False,
        },
        "tender": TENDER,
        "awards": {"type": "array", "items": AWARD, "minItems": 1},
        "contracts": {"type": "array", "items": CONTRACT, "minItems": 1},
    },
    "required": ["ocid", "id", "date", "tag", "initiationType"],
    "additionalProperties": False,
}
OCDS_CHECK = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "uri": {"type": "string", "minLength": 1},
        "version": {"type": "string", "pattern": r"^(\d+\.)(\d+)$"},
        "publishedDate": DATE_TIME,
        "publisher": {
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 1}, "uri": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
        "releases": {"type": "array", "items": RELEASE, "minItems": 1},
    },
    "required": ["uri", "publisher", "publishedDate", "releases", "version"],
    "additionalProperties": False,
}

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    # RFC 3339 date-time: a full date and time with an offset.
    if not isinstance(value, str) or "T" not in value:
        return False
    return datetime.datetime.fromisoformat(value).tzinfo is not None


def check(package: dict) -> dict:
    """Validate against our check of the documented rules; the round trip through JSON makes
    sure the package is plain JSON (no Decimal, no datetime, no lazy strings)."""
    data = json.loads(json.dumps(package, ensure_ascii=False))
    jsonschema.Draft202012Validator(OCDS_CHECK, format_checker=FORMATS).validate(data)
    releases = data["releases"]
    assert len(releases) == 1
    release = releases[0]
    ids = [p["id"] for p in release["parties"]]
    assert len(ids) == len(set(ids)), "party ids must be unique within a release"
    # Every organisation reference points at a party of the same name.
    parties = {p["id"]: p["name"] for p in release["parties"]}
    refs = [release["buyer"], *release["tender"].get("tenderers", [])]
    for award in release.get("awards", []):
        refs += award["suppliers"]
    for contract in release.get("contracts", []):
        assert contract["awardID"] in {a["id"] for a in release["awards"]}
        for t in contract.get("implementation", {}).get("transactions", []):
            refs += [t["payer"], t["payee"]]
    for ref in refs:
        assert parties.get(ref["id"]) == ref["name"], ref
    return release


def package_of(project) -> dict:
    return ocds.release_package(project, uri=f"http://testserver/api/v1/projects/{project.pk}/ocds/")


def test_the_check_refuses_what_the_standard_refuses():
    """The check itself must bite: a missing required field, a wrong codelist value, a non-number
    amount, a date without an offset and an invented field are each refused."""
    good = {
        "uri": "http://x/",
        "version": "1.1",
        "publishedDate": "2026-01-01T00:00:00+08:00",
        "publisher": {"name": "P"},
        "releases": [
            {
                "ocid": "ocds-taihe-1",
                "id": "r1",
                "date": "2026-01-01T00:00:00+08:00",
                "tag": ["tender"],
                "initiationType": "tender",
                "buyer": {"id": "b", "name": "B"},
                "parties": [{"id": "b", "name": "B", "roles": ["buyer"]}],
                "tender": {"id": "t", "value": {"amount": 1.5, "currency": "CNY"}},
            }
        ],
    }
    check(good)
    bad_cases = [
        lambda d: d.pop("publisher"),
        lambda d: d["releases"][0].pop("initiationType"),
        lambda d: d["releases"][0].update(tag=["bidding"]),
        lambda d: d["releases"][0]["tender"].update(status="open"),
        lambda d: d["releases"][0]["tender"].update(value={"amount": "1.50", "currency": "CNY"}),
        lambda d: d["releases"][0].update(date="2026-01-01 00:00:00"),
        lambda d: d["releases"][0]["tender"].update(bidPrice=1),
    ]
    for spoil in bad_cases:
        data = json.loads(json.dumps(good))
        spoil(data)
        with pytest.raises(jsonschema.ValidationError):
            check(data)


# --- before the opening: only counts ----------------------------------------------------------
def test_before_opening_only_the_number_of_bids_is_published(pw, time_machine):
    project = pw.published()
    pw.bid(project, 0, price_fen=21_234_567)
    pw.bid(project, 1, price_fen=22_345_678)
    for moment in ("bidding", "closed"):
        if moment == "closed":
            time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
            services.project_close_bidding(actor=pw.drafter, project=project)
            project.refresh_from_db()
        package = package_of(project)
        release = check(package)
        assert release["ocid"] == f"ocds-taihe-{project.pk}"
        assert release["tag"] == ["tender"]
        tender = release["tender"]
        assert tender["numberOfTenderers"] == 2
        assert tender["status"] == "active" and tender["procurementMethod"] == "open"
        assert tender["value"] == {"amount": 300000, "currency": "CNY"}  # 30,000,000 fen
        assert tender["tenderPeriod"] == {
            "startDate": timezone.localtime(project.bid_open_at).isoformat(timespec="seconds"),
            "endDate": timezone.localtime(project.bid_close_at).isoformat(timespec="seconds"),
        }
        assert "tenderers" not in tender and "awards" not in release and "contracts" not in release
        assert [p["roles"] for p in release["parties"]] == [["buyer", "procuringEntity"]]
        text = json.dumps(package, ensure_ascii=False)
        for secret in ("21234567", "212345.67", "22345678", "223456.78", "中央厨房", "项目主管"):
            assert secret not in text
        for org in pw.orgs:
            assert org.name not in text and org.uscc not in text


def test_the_tender_states_the_eligibility_and_the_criteria(pw):
    release = check(package_of(pw.published(min_grade="3A", required_categories=["daily_life"])))
    tender = release["tender"]
    assert (
        tender["eligibilityCriteria"]
        == "经区级认证且未被暂停的社会组织;评估等级 3A 及以上且在有效期内;服务类别限于:生活服务类"
    )
    assert tender["awardCriteriaDetails"] == "价格30分(价格分);服务方案40分;团队与经验30分"
    assert tender["numberOfTenderers"] == 0 and tender["hasEnquiries"] is False


def test_a_failed_project_publishes_its_count_but_no_bidder(pw, time_machine):
    project = pw.published()
    pw.bid(project, 0)
    pw.bid(project, 1)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
    services.project_open_bids(actor=pw.drafter, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.FAILED
    release = check(package_of(project))
    assert release["tender"]["status"] == "unsuccessful" and release["tender"]["numberOfTenderers"] == 2
    assert "tenderers" not in release["tender"]
    assert pw.orgs[0].name not in json.dumps(release, ensure_ascii=False)


def test_after_opening_the_tenderers_are_named_and_the_award_waits_for_publicity(pw, time_machine):
    project = pw.published()
    for i, price in enumerate(PRICES):
        pw.bid(project, i, price_fen=price)
    time_machine.move_to(project.bid_close_at + datetime.timedelta(minutes=1))
    services.project_open_bids(actor=pw.drafter, project=project)
    project.refresh_from_db()
    release = check(package_of(project))
    assert release["tender"]["numberOfTenderers"] == 3
    assert sorted(t["name"] for t in release["tender"]["tenderers"]) == sorted(o.name for o in pw.orgs[:3])
    assert "awards" not in release
    winner = Bid.objects.get(project=project, organization=pw.orgs[0])
    transitions.PROJECT.perform(project, "evaluate", actor=pw.approver)
    transitions.PROJECT.perform(project, "propose_award", actor=pw.approver, fields={"awarded_bid": winner})
    assert "awards" not in check(package_of(project))  # proposed, not yet public
    transitions.PROJECT.perform(project, "start_publicity", actor=pw.approver)
    release = check(package_of(project))
    [award] = release["awards"]
    assert award["status"] == "pending" and award["value"] == {"amount": 210000, "currency": "CNY"}
    assert "date" not in award and "startDate" in release["tender"]["awardPeriod"]
    assert release["tag"] == ["tender", "award"]


# --- after completion: everything -----------------------------------------------------------------
def test_the_completed_record_has_award_contract_milestones_and_payments(make_awarded, settings):
    a = make_awarded(funding_source="both")
    contract = signed(a, amount_fen=20_000_000)
    services.contract_amend(
        actor=a.official, contract=contract, description="增加周末送餐", amount_fen=20_000_001
    )
    first, second, third = milestones(contract)
    deliver(a, first, source="fiscal")
    deliver(a, second, source="fiscal")
    deliver(a, third, source="fund")
    services.project_complete(actor=a.official, project=a.project)
    services.contract_rate(actor=a.official, contract=contract, score=5, comment="好")
    a.project.refresh_from_db()
    contract.refresh_from_db()

    release = check(package_of(a.project))
    assert release["tag"] == ["tender", "award", "contract", "implementation"]
    assert release["tender"]["status"] == "complete"
    [award] = release["awards"]
    assert award["status"] == "active" and award["value"]["amount"] == 210000 and "date" in award
    [supplier_ref] = award["suppliers"]
    supplier = next(p for p in release["parties"] if p["id"] == supplier_ref["id"])
    assert supplier["name"] == a.org.name
    assert supplier["identifier"] == {"scheme": "CN-USCC", "id": a.org.uscc, "legalName": a.org.name}
    assert set(supplier["roles"]) == {"tenderer", "supplier", "payee"}

    [out] = release["contracts"]
    assert out["awardID"] == award["id"] and out["status"] == "terminated"
    assert out["value"] == {"amount": 200000.01, "currency": "CNY"}
    assert out["dateSigned"] == timezone.localtime(contract.signed_at).isoformat(timespec="seconds")
    assert out["period"]["startDate"].startswith(a.project.service_start.isoformat())
    assert out["period"]["endDate"].startswith(a.project.service_end.isoformat())
    assert [x["rationale"] for x in out["amendments"]] == ["增加周末送餐"]
    stones = out["implementation"]["milestones"]
    assert [(m["title"], m["status"]) for m in stones] == [(m.title, "met") for m in (first, second, third)]
    assert all("dateMet" in m and m["dueDate"] for m in stones)
    # Only money that has moved: the fund's payment is still waiting for its disbursement.
    transactions = out["implementation"]["transactions"]
    assert [t["value"]["amount"] for t in transactions] == [first.amount_fen / 100, second.amount_fen / 100]
    assert {t["payer"]["id"] for t in transactions} == {release["buyer"]["id"]}

    services.milestone_fund_disbursed(actor=None, milestone=third, disbursement_ref="FUND-1")
    release = check(package_of(a.project))
    transactions = release["contracts"][0]["implementation"]["transactions"]
    assert len(transactions) == 3
    assert round(sum(t["value"]["amount"] for t in transactions) * 100) == contract.amount_fen
    fund = next(p for p in release["parties"] if p["id"] == transactions[2]["payer"]["id"])
    assert "payer" in fund["roles"] and "基金" in fund["name"]

    settings.OCDS_OCID_PREFIX = "ocds-zz9zz9"
    assert check(package_of(a.project))["ocid"] == f"ocds-zz9zz9-{a.project.pk}"


def test_a_contract_in_delivery_shows_scheduled_milestones_and_paid_ones(awarded):
    a = awarded
    contract = signed(a)
    deliver(a, milestones(contract)[0])
    release = check(package_of(a.project))
    out = release["contracts"][0]
    assert out["status"] == "active"
    assert [m["status"] for m in out["implementation"]["milestones"]] == ["met", "scheduled", "scheduled"]
    assert len(out["implementation"]["transactions"]) == 1
    assert "amendments" not in out


def test_the_package_costs_the_same_queries_however_many_milestones(make_awarded):
    counts = []
    for percents in ((100,), (10, 10, 20, 20, 20, 20)):
        a = make_awarded(title=f"项目{len(percents)}")
        contract = signed(a, percents=percents)
        for m in milestones(contract):
            deliver(a, m)
        with CaptureQueriesContext(connection) as ctx:
            check(package_of(a.project))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 20


# --- the API --------------------------------------------------------------------------------------
def test_the_api_serves_published_projects_to_anyone(client, pw):
    project = pw.published()
    pw.bid(project, 0)
    response = client.get(f"/api/v1/projects/{project.pk}/ocds/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    release = check(response.json())
    assert response.json()["uri"] == f"http://testserver/api/v1/projects/{project.pk}/ocds/"
    assert release["tender"]["numberOfTenderers"] == 1


def test_the_api_does_not_show_unpublished_projects(client, pw):
    draft = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    approved = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    services.project_submit(actor=pw.drafter, project=approved)
    services.project_approve(actor=pw.approver, project=approved)
    dropped = services.project_create(actor=pw.drafter, street=pw.world.street_a, terms=terms())
    services.project_cancel(actor=pw.drafter, project=dropped, reason="不再需要")
    for pk in (draft.pk, approved.pk, dropped.pk, 987654, "abc", 2**63):
        response = client.get(f"/api/v1/projects/{pk}/ocds/")
        assert response.status_code == 404, pk
        assert response.json()["code"] == "not_found"
