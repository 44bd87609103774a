"""Every public and self-service page renders in Chinese and in English.

A small district whose *data* is all Latin (places, people, organisations, projects, activities,
a fund and the CMS pages) is built once for the module through the services. Each page is then
requested in Chinese (it must show Chinese: the test cannot pass with translation switched off)
and, after the header's language switch, in English: ``<html lang="en">`` and not one Chinese
character in what a visitor reads or hears (text, alt, title, placeholder, aria-label, button
values). Only what is marked with a ``lang`` of its own (the switcher's 简体中文, the logo
glyph) is Chinese by design. The URL confs and the CMS page types are enumerated, so a page
added later without a place here fails the coverage tests.
"""

import datetime
import importlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation
from django.utils.html import escape
from wagtail.documents import get_document_model
from wagtail.models import Page, Site

from cms import models as cms_models
from cms.models import (
    CommunityPage,
    HomePage,
    NoticeIndexPage,
    NoticePage,
    PartyNewsIndexPage,
    PartyNewsPage,
    PolicyDocumentPage,
    PolicyIndexPage,
    PortalSettings,
    StandardPage,
    StreetIndexPage,
    StreetPage,
)
from marketplace.core.models import Notification
from marketplace.core.roles import Role
from marketplace.fund import services as fund_services
from marketplace.organizations import services as org_services
from marketplace.organizations.choices import DEFAULT_TAG_NAMES
from marketplace.organizations.models import ServiceTag
from marketplace.places.choices import PartyOrgKind
from marketplace.procurement import services as procurement
from marketplace.procurement.models import Bid, BidResult
from marketplace.procurement.services import BidContents, CriterionData, MilestoneTerms, ProjectTerms
from marketplace.volunteers import checkin
from marketplace.volunteers import services as volunteer_services
from marketplace.volunteers.choices import DEFAULT_SKILL_NAMES
from marketplace.volunteers.models import ServiceRecord, Skill
from marketplace.volunteers.services import ActivityData, ShiftData
from tests.factories import (
    ApplicationFactory,
    CohortFactory,
    CommunityFactory,
    DistrictFactory,
    GridFactory,
    IncubationFactory,
    OrganizationFactory,
    PartyOrganizationFactory,
    StreetFactory,
    UserFactory,
    grant,
)
from tests.factories.organizations import make_uscc
from tests.factories.volunteers import RealNameIdentityFactory, VolunteerFactory
from tests.frontend.conftest import PASSWORD, reauthenticate, switch_language

# Chinese characters and the CJK punctuation that only Chinese text uses (、。「」《》，：).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
SPEAKING_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
VOID_TAGS = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- reading a page as a visitor does ----------------------------------------------------------
class _Reader(HTMLParser):
    """Collects what a visitor reads or hears: text outside scripts and styles, and the speaking
    attributes; skips whatever an element marks with a ``lang`` other than the page's own."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._page_lang = ""

    @property
    def _silent(self) -> bool:
        return any(skip for _tag, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        lang = attrs.get("lang", "").lower()
        if tag == "html":
            self._page_lang = lang
        skip = tag in ("script", "style", "template") or lang not in ("", self._page_lang)
        if not (self._silent or skip):
            self.parts.extend(attrs[name] for name in SPEAKING_ATTRIBUTES if attrs.get(name))
            if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID_TAGS:
            self._stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self._stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data):
        if not self._silent and data.strip():
            self.parts.append(data.strip())


def readable_text(html: str) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.parts


def chinese_in(html: str) -> list[str]:
    return [part for part in readable_text(html) if CJK.search(part)]


# --- the Latin district -------------------------------------------------------------------------
def publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def person(name: str, **kwargs):
    return UserFactory(display_name=name, **kwargs)


def staff(name: str, role: str, scope):
    user = person(name)
    grant(user, role, scope)
    return user


@dataclass
class LatinDistrict:
    """What the pages are requested for: the objects whose addresses the page specs need."""

    district: object = None
    street: object = None
    community: object = None
    grid: object = None
    org: object = None
    org_admin: object = None
    volunteer_user: object = None
    volunteer: object = None
    project_open: object = None
    project_publicity: object = None
    project_delivery: object = None
    bid_open: object = None
    bid_publicity: object = None
    bid_won: object = None
    contract: object = None
    contract_completed: object = None
    pending_org: object = None
    pending_admin: object = None
    rejected_org: object = None
    rejected_admin: object = None
    activity: object = None
    org_activity: object = None
    org_shift_past: object = None
    org_shift_next: object = None
    pending_record: object = None
    confirmed_record: object = None
    live_shift: object = None
    certificate: object = None
    fund: object = None
    theme_pot: object = None
    pages: dict = field(default_factory=dict)


def terms(now, **overrides) -> ProjectTerms:
    values = {
        "title": "Riverside Home Meal Delivery",
        "category": "daily_life",
        "description": "Daily lunch delivered to older residents who live alone.",
        "service_targets": "About 120 residents over eighty who live alone",
        "performance_goals": "On-time delivery of at least 98 percent; satisfaction of at least 90 percent",
        "budget_ceiling_fen": 30_000_000,
        "funding_source": "both",
        "bid_open_at": now - datetime.timedelta(hours=1),
        "bid_close_at": now + datetime.timedelta(days=10),
        "service_start": (now + datetime.timedelta(days=30)).date(),
        "service_end": (now + datetime.timedelta(days=395)).date(),
        "criteria": [
            CriterionData("Price", 30, is_price=True),
            CriterionData("Service plan", 40),
            CriterionData("Team and experience", 30),
        ],
        "min_valid_bids": 3,
    }
    values.update(overrides)
    return ProjectTerms(**values)


def contents(price_fen: int) -> BidContents:
    return BidContents(
        price_fen=price_fen,
        proposal="A central kitchen cooks; volunteers deliver.",
        team="One project lead, two social workers, six drivers",
        declarations={"no_collusion": True, "truthful": True, "no_major_violation": True},
    )


class Builder:
    def __init__(self):
        self.s = LatinDistrict()

    # places and people
    def places(self):
        s = self.s
        s.district = DistrictFactory(code="taihe", name="Taihe District")
        s.street = StreetFactory(district=s.district, code="riverside", name="Riverside Street")
        self.street_b = StreetFactory(district=s.district, code="hillview", name="Hillview Street")
        s.community = CommunityFactory(street=s.street, code="maple", name="Maple Community")
        CommunityFactory(street=s.street, code="oak", name="Oak Community")
        CommunityFactory(street=self.street_b, code="pine", name="Pine Community")
        s.grid = GridFactory(community=s.community, code="maple-1", name="Maple Grid 1")
        PartyOrganizationFactory(
            kind=PartyOrgKind.STREET_COMMITTEE,
            name="Riverside Street Working Committee",
            district=s.district,
            street=s.street,
            community=None,
            grid=None,
        )
        PartyOrganizationFactory(
            kind=PartyOrgKind.COMMUNITY_COMMITTEE,
            name="Maple Community Party Committee",
            district=s.district,
            street=s.street,
            community=s.community,
            grid=None,
        )
        self.branch = PartyOrganizationFactory(grid=s.grid, name="Maple Grid 1 Party Branch")
        PartyOrganizationFactory(
            grid=GridFactory(community=s.community, code="maple-2", name="Maple Grid 2"),
            name="Maple Grid 2 Party Branch",
        )
        self.admin = staff("Dana Admin", Role.DISTRICT_ADMIN, s.district)
        self.admin2 = staff("Derek Admin", Role.DISTRICT_ADMIN, s.district)
        self.admin3 = staff("Diana Admin", Role.DISTRICT_ADMIN, s.district)
        self.official = staff("Sam Official", Role.STREET_OFFICIAL, s.street)
        self.approver = staff("Sara Official", Role.STREET_OFFICIAL, s.street)
        self.worker = staff("Chris Worker", Role.COMMUNITY_WORKER, s.community)

    def organisations(self):
        s = self.s
        common = {
            "legal_representative": "Grace Chen",
            "address": "1 River Road",
            "street": s.street,
            "grade_expires_on": timezone.localdate() + datetime.timedelta(days=700),
        }
        s.org = OrganizationFactory(
            name="Maple Elder Care Centre",
            community=s.community,
            description="Meals, visits and company for older residents.",
            grade="4A",
            **common,
        )
        s.org.tags.set(ServiceTag.objects.filter(slug__in=["elderly", "meal-aid"]))
        s.org_admin = staff("Olivia Organiser", Role.ORG_ADMIN, s.org)
        member = person("Mark Member")
        grant(member, Role.ORG_MEMBER, s.org)
        for kind, file_name in (("registration", "certificate.pdf"), ("charter", "charter.pdf")):
            org_services.organization_document_add(
                actor=s.org_admin,
                org=s.org,
                kind=kind,
                upload=SimpleUploadedFile(file_name, PDF, content_type="application/pdf"),
            )
        self.bidders = [(s.org, s.org_admin)]
        for name, admin in (("Oak Social Work Centre", "Owen Oak"), ("Pine Youth Services", "Paula Pine")):
            org = OrganizationFactory(name=name, grade="3A", **common)
            self.bidders.append((org, staff(admin, Role.ORG_ADMIN, org)))
        # Waiting for the district: one without documents yet, one sent back with a reason.
        s.pending_org = OrganizationFactory(name="Cedar Repair Café", status="pending", **common)
        s.pending_admin = staff("Carl Cedar", Role.ORG_ADMIN, s.pending_org)
        s.rejected_org = OrganizationFactory(name="Birch Reading Club", status="pending", **common)
        s.rejected_admin = staff("Bella Birch", Role.ORG_ADMIN, s.rejected_org)
        org_services.organization_reject(
            actor=self.admin, org=s.rejected_org, reason="The charter is missing its last page."
        )
        # The incubator: one call open for applications, one running with Maple in it.
        CohortFactory(
            district=s.district,
            name="Autumn 2026 Incubator",
            description="Six months of mentoring for new community organisations.",
            questions=[{"key": "plan", "label": "Work plan for the incubation", "required": True}],
        )
        running = CohortFactory(
            district=s.district,
            name="Spring 2026 Incubator",
            status="running",
            applications_open_at=timezone.now() - datetime.timedelta(days=90),
            applications_close_at=timezone.now() - datetime.timedelta(days=60),
            starts_on=timezone.localdate() - datetime.timedelta(days=50),
            questions=[{"key": "plan", "label": "Work plan for the incubation", "required": True}],
        )
        application = ApplicationFactory(
            cohort=running, organization=s.org, status="admitted", answers={"plan": "Lunch club twice a week"}
        )
        self.incubation = IncubationFactory(application=application)
        mentor = person("Mia Mentor")
        org_services.mentor_assign(actor=self.admin, incubation=self.incubation, user=mentor)
        org_services.goal_add(
            actor=mentor,
            incubation=self.incubation,
            title="Register with the civil affairs bureau",
            due_on=timezone.localdate() + datetime.timedelta(days=60),
        )
        org_services.report_schedule(
            actor=self.admin,
            incubation=self.incubation,
            title="First quarter report",
            due_on=timezone.localdate() + datetime.timedelta(days=20),
        )
        org_services.incubation_activity_record(
            actor=s.org_admin,
            incubation=self.incubation,
            title="Lunch club opening",
            happened_on=timezone.localdate() - datetime.timedelta(days=5),
            participants=24,
            summary="Twenty-four residents came to the first lunch.",
        )
        org_services.scorecard_record(
            actor=mentor,
            incubation=self.incubation,
            stage="entry",
            scores={"governance": 3, "finance": 4, "programmes": 4, "people": 3},
            evidence={
                "governance": "Board minutes",
                "finance": "Bank statements",
                "programmes": "Activity records",
                "people": "Staff list",
            },
        )

    # procurement
    def _published(self, now, **overrides):
        project = procurement.project_create(
            actor=self.official, street=self.s.street, terms=terms(now, **overrides)
        )
        procurement.project_submit(actor=self.official, project=project)
        procurement.project_approve(actor=self.approver, project=project)
        procurement.project_publish(actor=self.official, project=project)
        project.refresh_from_db()
        return project

    def _evaluated_and_proposed(self, project, traveller):
        for i, (org, admin) in enumerate(self.bidders):
            procurement.bid_submit(
                actor=admin, project=project, org=org, contents=contents(21_000_000 + i * 10**6)
            )
        traveller.move_to(project.bid_close_at + datetime.timedelta(minutes=1), tick=False)
        procurement.project_open_bids(actor=self.official, project=project)
        expert = person("Eve Expert")
        procurement.evaluator_appoint(actor=self.official, project=project, user=expert)
        procurement.conflict_declare(actor=expert, project=project, statement="I have no tie to any bidder.")
        for i, bid in enumerate(Bid.objects.filter(project=project).order_by("pk")):
            for criterion in project.criteria.filter(is_price=False):
                procurement.score_record(actor=expert, bid=bid, criterion=criterion, value=90 - 5 * i)
        procurement.project_complete_evaluation(
            actor=self.official,
            project=project,
            report="All three plans are complete; Maple is the strongest.",
        )
        first = BidResult.objects.get(bid__project=project, rank=1).bid
        procurement.award_propose(actor=self.official, project=project, bid=first)
        procurement.award_publicity_start(actor=self.official, project=project)
        project.refresh_from_db()
        return project

    def _contracted(self, project, traveller, milestones):
        """Award the proposed bid after publicity, sign with ``milestones`` [(title, percent)] and
        start delivery."""
        traveller.move_to(project.publicity_ends_at + datetime.timedelta(minutes=1), tick=False)
        procurement.award_confirm(actor=self.official, project=project)
        project.refresh_from_db()
        start, span = project.service_start, (project.service_end - project.service_start).days
        contract = procurement.contract_sign(
            actor=self.official,
            project=project,
            terms="Service delivered as the plan describes.",
            milestones=[
                MilestoneTerms(
                    title, percent, start + datetime.timedelta(days=span * i // len(milestones)), "Attendance"
                )
                for i, (title, percent) in enumerate(milestones, start=1)
            ],
        )
        procurement.delivery_start(actor=self.official, project=project)
        return contract

    def _delivered(self, milestone, source):
        procurement.milestone_report_submit(
            actor=self.s.org_admin, milestone=milestone, content="3,600 meals served; 95 percent satisfied."
        )
        procurement.milestone_accept(
            actor=self.official, milestone=milestone, note="Records complete.", source=source
        )

    def projects(self):
        s = self.s
        real_now = timezone.now()
        # Completed and rated: Maple's track record.
        with time_machine.travel(real_now - datetime.timedelta(days=500), tick=False) as traveller:
            project = self._published(
                timezone.now(),
                title="Riverside Street Lighting Survey",
                funding_source="fund",
                service_end=(timezone.now() + datetime.timedelta(days=60)).date(),
            )
            project = self._evaluated_and_proposed(project, traveller)
            contract = self._contracted(project, traveller, [("Whole survey", 100)])
            traveller.move_to(timezone.now() + datetime.timedelta(days=40), tick=False)
            milestone = contract.milestones.get()
            self._delivered(milestone, "fund")
            self._approved(
                fund_services.disbursement_propose(
                    actor=self.admin,
                    fund=s.fund,
                    subfund=None,
                    amount_fen=milestone.amount_fen,
                    milestone=milestone,
                    purpose="Payment for the lighting survey",
                )
            )
            procurement.project_complete(actor=self.official, project=project)
            procurement.contract_rate(
                actor=self.official, contract=contract, score=5, comment="Thorough work."
            )
        s.contract_completed = contract
        # In delivery since four months ago: the first quarter paid from the budget, the second
        # waiting for the fund.
        with time_machine.travel(real_now - datetime.timedelta(days=120), tick=False) as traveller:
            project = self._published(
                timezone.now(),
                title="Maple Lunch Club Service",
                description="A lunch club for older residents of Maple Community.",
                community=s.community,
                required_categories=["daily_life", "mutual_aid"],
                min_grade="3A",
            )
            question = procurement.question_ask(
                actor=s.org_admin, project=project, org=s.org, text="May volunteers help with deliveries?"
            )
            procurement.question_answer(
                actor=self.official, question=question, answer="Yes, under the supervision of your staff."
            )
            project = self._evaluated_and_proposed(project, traveller)
            s.contract = self._contracted(
                project, traveller, [("First quarter", 30), ("Second quarter", 40), ("Final quarter", 30)]
            )
            traveller.move_to(timezone.now() + datetime.timedelta(days=10), tick=False)
            first, second, _last = s.contract.milestones.order_by("seq")
            self._delivered(first, "fiscal")
            self._delivered(second, "fund")
        s.project_delivery = project
        s.bid_won = Bid.objects.get(project=project, organization=s.org)
        # In publicity: the result published two days ago.
        with time_machine.travel(real_now - datetime.timedelta(days=12), tick=False) as traveller:
            project = self._published(
                timezone.now(),
                title="Oak Community Homework Club",
                category="specific_groups",
                funding_source="fiscal",
                description="After-school homework help for children of working parents.",
            )
            s.project_publicity = self._evaluated_and_proposed(project, traveller)
        s.bid_publicity = Bid.objects.get(project=s.project_publicity, organization=s.org)
        # Open for bids now, with Maple's sealed bid and a question still waiting for its answer.
        s.project_open = self._published(real_now, title="Pine Park Cleaning Days", funding_source="fiscal")
        s.bid_open = procurement.bid_submit(
            actor=s.org_admin, project=s.project_open, org=s.org, contents=contents(12_000_000)
        )
        procurement.question_ask(
            actor=s.org_admin, project=s.project_open, org=s.org, text="Are tools provided?"
        )

    # volunteers
    def volunteers(self):
        s = self.s
        s.volunteer_user = person("Victor Lane", phone="+8613800009999")
        s.volunteer = VolunteerFactory(
            user=s.volunteer_user,
            grid=s.grid,
            identity=RealNameIdentityFactory(
                user=s.volunteer_user, district=s.district, real_name="Victor Lane"
            ),
            political_status="party_member",
            party_organization=self.branch,
            in_service=True,
            workplace="City Hospital",
            workplace_party_branch="City Hospital Party Branch",
            availability=["weekend"],
            availability_note="Saturday mornings",
            resident_roles=["building_leader"],
        )
        s.volunteer.skills.set(self._skills())
        helpers = [
            VolunteerFactory(
                grid=s.grid,
                user=person(name),
                identity__real_name=name,
            )
            for name in ("Hannah Hill", "Ivan Iris")
        ]
        real_now = timezone.now()

        def data(title, deadline=datetime.timedelta(days=2), **extra):
            return ActivityData(
                title=title,
                description="Tidy the stairwells and explain waste sorting to neighbours.",
                place="Maple Community Service Centre",
                contact_name="Chris Worker",
                contact_phone="13900001111",
                signup_deadline=timezone.now() + deadline,
                community=s.community,
                **extra,
            )

        def shift(starts, hours=3, capacity=10):
            return ShiftData(
                starts_at=starts, ends_at=starts + datetime.timedelta(hours=hours), capacity=capacity
            )

        # The organisation's activity: a shift eight days ago with hours to confirm, one ahead and
        # one called off.
        with time_machine.travel(real_now - datetime.timedelta(days=10), tick=False) as traveller:
            past_start = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
            s.org_activity = volunteer_services.activity_create(
                actor=s.org_admin,
                data=data("Stairwell Clean-up Day", skill_slugs=[sk.slug for sk in self._skills()]),
                shifts=[
                    shift(past_start),
                    shift(real_now.replace(microsecond=0) + datetime.timedelta(days=4)),
                    shift(real_now.replace(microsecond=0) + datetime.timedelta(days=6)),
                ],
                organization=s.org,
            )
            volunteer_services.activity_publish(actor=s.org_admin, activity=s.org_activity)
            s.org_shift_past, s.org_shift_next, rained_off = s.org_activity.shifts.order_by("starts_at")
            volunteer_services.shift_cancel(
                actor=s.org_admin, shift=rained_off, reason="Heavy rain is forecast."
            )
            signups = [
                volunteer_services.signup_create(actor=v.user, shift=s.org_shift_past)
                for v in (s.volunteer, *helpers)
            ]
            volunteer_services.signup_create(actor=helpers[0].user, shift=s.org_shift_next)
            traveller.move_to(past_start + datetime.timedelta(minutes=5), tick=False)
            for signup in signups:
                volunteer_services.signup_check_in(actor=s.org_admin, signup=signup)
            traveller.move_to(past_start + datetime.timedelta(hours=2, minutes=30), tick=False)
            records = [volunteer_services.signup_check_out(actor=s.org_admin, signup=sg) for sg in signups]
            volunteer_services.record_confirm(actor=s.org_admin, record=records[0])
            volunteer_services.record_confirm(actor=s.org_admin, record=records[1])
        s.confirmed_record = ServiceRecord.objects.get(pk=records[1].pk)
        s.pending_record = ServiceRecord.objects.get(pk=records[2].pk)
        # The community's activity, ahead, Victor signed up; and one under way now for the QR check-in.
        s.activity = volunteer_services.activity_create(
            actor=self.worker,
            data=data("Autumn Festival Visits", party_only=False),
            shifts=[
                shift(real_now.replace(microsecond=0) + datetime.timedelta(days=3)),
                shift(real_now.replace(microsecond=0) + datetime.timedelta(days=5), capacity=1),
            ],
        )
        volunteer_services.activity_publish(actor=self.worker, activity=s.activity)
        first, full = s.activity.shifts.order_by("starts_at")
        volunteer_services.signup_create(actor=s.volunteer_user, shift=first)
        # The second shift has one place: Hannah takes it, Victor waits.
        volunteer_services.signup_create(actor=helpers[0].user, shift=full)
        volunteer_services.signup_create(actor=s.volunteer_user, shift=full)
        with time_machine.travel(real_now - datetime.timedelta(hours=1), tick=False):
            under_way = volunteer_services.activity_create(
                actor=self.worker,
                data=data("Morning Park Patrol", deadline=datetime.timedelta(minutes=10)),
                shifts=[shift(timezone.now() + datetime.timedelta(minutes=30), hours=4)],
            )
            volunteer_services.activity_publish(actor=self.worker, activity=under_way)
            s.live_shift = under_way.shifts.get()
            volunteer_services.signup_create(actor=s.volunteer_user, shift=s.live_shift)
        volunteer_services.party_report_submit(
            actor=s.volunteer_user, volunteer=s.volunteer, note="I can help on Saturday mornings."
        )
        today = timezone.localdate()
        s.certificate = volunteer_services.certificate_issue(
            actor=s.volunteer_user,
            volunteer=s.volunteer,
            period_start=today - datetime.timedelta(days=60),
            period_end=today,
        )

    def _skills(self):
        return list(Skill.objects.filter(slug__in=["elderly_care", "first_aid"]))

    # the fund
    def _give(self, amount_fen, pot=None, *, donor, anonymous=False, actor=None):
        self._payments = getattr(self, "_payments", 0) + 1
        payment = f"pi_en_{self._payments}"
        donation = fund_services.donation_start(
            actor=actor,
            fund=self.s.fund,
            subfund=pot,
            amount_fen=amount_fen,
            donor_name=donor,
            anonymous=anonymous,
            contact="13800138000",
        )
        fund_services.donation_attach_provider_payment(donation=donation, provider_payment_id=payment)
        fund_services.donation_credit_from_provider(
            provider_payment_id=payment, amount_fen=amount_fen, currency="cny"
        )
        return payment

    def _approved(self, disbursement):
        """Approved by a second admin, and by a third when the amount needs two approvals."""
        fund_services.disbursement_approve(actor=self.admin2, disbursement=disbursement)
        disbursement.refresh_from_db()
        if disbursement.status == "awaiting_second":
            fund_services.disbursement_approve(actor=self.admin3, disbursement=disbursement)

    def fund(self):
        """The fund with its street and theme pots, set up long ago with a company's large gift."""
        s = self.s
        with time_machine.travel(timezone.now() - datetime.timedelta(days=600), tick=False):
            s.fund = fund_services.fund_create(
                actor=self.admin,
                district=s.district,
                code="community-fund",
                name="Community Governance Fund",
                host_name="Taihe Charity Federation",
                host_credit_code=make_uscc(4242),
                purpose="Supports community services and grassroots work.",
            )
            fund_services.subfund_create(
                actor=self.admin,
                fund=s.fund,
                code="riverside",
                name="Riverside Street Fund",
                kind="street",
                street=s.street,
                purpose="Services in Riverside Street.",
            )
            s.theme_pot = fund_services.subfund_create(
                actor=self.admin,
                fund=s.fund,
                code="elder-care",
                name="Elder Care Fund",
                kind="theme",
                theme="Elder care",
                purpose="Services for older residents.",
            )
            self._give(30_000_000, donor="River Logistics Ltd")

    def fund_today(self):
        """A project pot, gifts from residents (one refunded in part, one still unpaid), a grant
        and the disclosure calendar."""
        s = self.s
        fund_services.subfund_create(
            actor=self.admin,
            fund=s.fund,
            code="lunch-club",
            name="Lunch Club Fund",
            kind="project",
            project=s.project_delivery,
            purpose="The Maple lunch club.",
        )
        self._give(500_000, donor="Victor Lane", actor=s.volunteer_user)
        self._give(120_000, s.theme_pot, donor="Ruth Rivers", anonymous=True)
        refunded = self._give(80_000, s.theme_pot, donor="Tom Tide")
        fund_services.donation_refund_from_provider(provider_payment_id=refunded, refunded_total_fen=20_000)
        fund_services.donation_start(
            actor=s.volunteer_user,
            fund=s.fund,
            amount_fen=5_000,
            donor_name="Victor Lane",
            anonymous=False,
            contact="",
        )
        self._approved(
            fund_services.disbursement_propose(
                actor=self.admin,
                fund=s.fund,
                subfund=None,
                amount_fen=100_000,
                incubation=self.incubation,
                purpose="Start-up grant for the lunch club",
            )
        )
        today = timezone.localdate()
        published = fund_services.disclosure_schedule(
            actor=self.admin,
            fund=s.fund,
            title="Annual report 2025",
            due_on=today - datetime.timedelta(days=30),
        )
        fund_services.disclosure_publish(
            actor=self.admin, disclosure=published, body="Raised and spent in 2025."
        )
        fund_services.disclosure_schedule(
            actor=self.admin,
            fund=s.fund,
            title="Half-year accounts",
            due_on=today - datetime.timedelta(days=3),
        )
        fund_services.disclosure_schedule(
            actor=self.admin,
            fund=s.fund,
            title="Annual report 2026",
            due_on=today + datetime.timedelta(days=90),
        )

    # the CMS
    def pages(self):
        s = self.s
        portal = PortalSettings.for_site(Site.objects.get(is_default_site=True))
        portal.district_name = "Taihe District"
        portal.organiser = "Taihe District Social Work Department"
        portal.contact_phone = "020-12345678"
        portal.contact_address = "8 Civic Square, Taihe District"
        portal.footer_note = "Open data under the district's disclosure rules."
        portal.contact_email = "service@taihe.example"
        portal.service_hours = "Weekdays 9:00-17:00"
        portal.icp_record = "ICP 12345678"
        portal.save()
        home = HomePage.objects.get()
        home.title = "Taihe Grassroots Governance Portal"
        home.hero_title = "Working together for our neighbourhoods"
        home.hero_intro = "<p>Services, volunteering and open accounts in one place.</p>"
        home.save_revision().publish()
        Document = get_document_model()
        document = Document(title="Full text of the measures")
        document.file.save("measures.pdf", ContentFile(PDF), save=False)
        document.save()
        body = [
            ("paragraph", "<p>Registered organisations may bid for street services.</p>"),
            ("quote", {"text": "Many hands make light work.", "attribution": "Proverb"}),
            ("document", {"document": document, "title": "Guide (PDF)"}),
            (
                "live_list",
                {"title": "Open projects", "kind": "projects", "street": str(s.street.pk), "limit": 5},
            ),
            ("live_list", {"title": "Coming activities", "kind": "activities", "limit": 5}),
            ("live_list", {"title": "Organisations", "kind": "organizations", "limit": 5}),
        ]
        p = s.pages
        p["streets"] = publish(home, StreetIndexPage(title="Streets and communities", slug="streets"))
        p["street"] = publish(
            p["streets"],
            StreetPage(
                title="Riverside Street", slug="riverside", street=s.street, intro="<p>On the river.</p>"
            ),
        )
        publish(p["streets"], StreetPage(title="Hillview Street", slug="hillview", street=self.street_b))
        p["community"] = publish(
            p["street"],
            CommunityPage(title="Maple Community", slug="maple", community=s.community, body=body),
        )
        p["notices"] = publish(home, NoticeIndexPage(title="Notices", slug="notices", intro="<p>News.</p>"))
        p["street_notices"] = publish(p["street"], NoticeIndexPage(title="Riverside notices", slug="notices"))
        p["notice"] = publish(
            p["notices"],
            NoticePage(
                title="Water supply works on River Road",
                slug="water-works",
                date=datetime.date(2025, 3, 4),
                issuer="Taihe Water Bureau",
                intro="Water is off on Tuesday morning.",
                body=body,
            ),
        )
        publish(
            p["street_notices"],
            NoticePage(title="Riverside clean-up week", slug="clean-up", date=datetime.date(2025, 4, 1)),
        )
        p["policies"] = publish(home, PolicyIndexPage(title="Policy documents", slug="policies"))
        p["policy"] = publish(
            p["policies"],
            PolicyDocumentPage(
                title="Measures for buying street services",
                slug="measures",
                issuing_body="Taihe District Government Office",
                document_number="TDGO (2025) No. 12",
                issue_date=datetime.date(2025, 3, 1),
                summary="How streets buy services from organisations.",
                body=body,
                attachments=[("document", {"document": document, "title": "Measures (PDF)"})],
            ),
        )
        p["party_news"] = publish(home, PartyNewsIndexPage(title="Party news", slug="party-news"))
        p["party_news_page"] = publish(
            p["party_news"],
            PartyNewsPage(
                title="Branch members knock on every door",
                slug="knock",
                date=datetime.date(2025, 5, 1),
                party_organization=self.branch,
                intro="Members visited 300 homes.",
                body=body,
            ),
        )
        p["standard"] = publish(
            home, StandardPage(title="How to register", slug="guide", intro="Steps.", body=body)
        )

    def build(self) -> LatinDistrict:
        self.places()
        self.organisations()
        self.fund()
        self.projects()
        self.volunteers()
        self.fund_today()
        self.pages()
        Notification.objects.create(
            recipient=self.s.volunteer_user, kind="system", title="Welcome to the portal", body="Turn on 2FA."
        )
        return self.s


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction rolled back at the end (as the demo modules
    do); private files (documents, delivery reports) go to a folder of the module's own."""
    from django.conf import settings

    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path_factory.mktemp("private")},
    }
    with django_db_blocker.unblock(), override_settings(STORAGES={**settings.STORAGES, "private": private}):
        storages._storages.pop("private", None)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield Builder().build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            storages._storages.pop("private", None)


# --- the pages --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    url: object  # LatinDistrict -> path
    route: str = ""  # the URL name the page is served by ("" for Wagtail and allauth pages)
    who: str = ""  # the LatinDistrict attribute naming the signed-in visitor
    shows: tuple = ()  # data the page must show, so that an empty page cannot pass
    status: int = 200
    stripe: bool = False  # online donation configured (the provider is never called)
    prepare: object = None  # (client, site) -> None: the steps of a flow before the page


def org_url(rest="", org="org"):
    return lambda s: f"/organizations/{getattr(s, org).pk}/{rest}"


def organise_url(rest=""):
    return lambda s: f"/volunteers/organise/{s.org.pk}/{rest}"


def signed_up(client, site):
    response = client.post("/accounts/signup/", {"phone": "13812345678", "password1": PASSWORD})
    assert response["Location"] == "/accounts/phone/verify/"


def code_requested(client, site):
    response = client.post("/accounts/login/code/", {"phone": "13800009999"})
    assert response["Location"] == "/accounts/login/code/confirm/"


def password_checked(client, site):
    TOTP.activate(site.volunteer_user, generate_totp_secret())
    client.logout()
    response = client.post("/accounts/login/", {"login": "13800009999", "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"


def reauthenticated(client, site):
    reauthenticate(client)


PAGES = {
    # the CMS
    "home": Spec(lambda s: "/", shows=("Riverside Street",)),
    "street-index": Spec(lambda s: s.pages["streets"].url, shows=("Riverside Street", "Hillview Street")),
    "street": Spec(
        lambda s: s.pages["street"].url,
        shows=("Maple Community", "Riverside Street Working Committee", "Pine Park Cleaning Days"),
    ),
    "community": Spec(
        lambda s: s.pages["community"].url,
        shows=("Maple Grid 1 Party Branch", "Maple Grid 2 Party Branch", "Autumn Festival Visits", "Proverb"),
    ),
    "notice-index": Spec(lambda s: s.pages["notices"].url, shows=("Water supply works on River Road",)),
    "street-notice-index": Spec(lambda s: s.pages["street_notices"].url, shows=("Riverside clean-up week",)),
    "notice": Spec(
        lambda s: s.pages["notice"].url, shows=("Taihe Water Bureau", "Many hands make light work.")
    ),
    "policy-index": Spec(lambda s: s.pages["policies"].url, shows=("Measures for buying street services",)),
    "policy": Spec(lambda s: s.pages["policy"].url, shows=("TDGO (2025) No. 12", "Measures (PDF)")),
    "party-news-index": Spec(
        lambda s: s.pages["party_news"].url, shows=("Branch members knock on every door",)
    ),
    "party-news": Spec(lambda s: s.pages["party_news_page"].url, shows=("Maple Grid 1 Party Branch",)),
    "standard": Spec(lambda s: s.pages["standard"].url, shows=("Guide (PDF)", "Maple Elder Care Centre")),
    "not-found": Spec(lambda s: "/no-such-page/", status=404),
    # projects
    "projects": Spec(lambda s: "/projects/", "procurement:list", shows=("Riverside Street Lighting Survey",)),
    "projects-filtered": Spec(
        lambda s: f"/projects/?street={s.street.pk}&category=daily_life&status=in_delivery&budget_min=1000",
        "procurement:list",
        shows=("Maple Lunch Club Service",),
    ),
    "projects-biddable": Spec(
        lambda s: "/projects/?biddable=on",
        "procurement:list",
        "org_admin",
        shows=("Pine Park Cleaning Days",),
    ),
    "project-open": Spec(lambda s: f"/projects/{s.project_open.pk}/", "procurement:detail"),
    "project-open-bidder": Spec(
        lambda s: f"/projects/{s.project_open.pk}/",
        "procurement:detail",
        "org_admin",
        shows=("Are tools provided?",),
    ),
    "project-publicity": Spec(
        lambda s: f"/projects/{s.project_publicity.pk}/", "procurement:detail", shows=("Pine Youth Services",)
    ),
    "project-delivery": Spec(
        lambda s: f"/projects/{s.project_delivery.pk}/",
        "procurement:detail",
        shows=("Second quarter", "Yes, under the supervision of your staff."),
    ),
    "project-completed": Spec(
        lambda s: f"/projects/{s.contract_completed.project_id}/",
        "procurement:detail",
        shows=("Whole survey",),
    ),
    "project-delivery-winner": Spec(
        lambda s: f"/projects/{s.project_delivery.pk}/", "procurement:detail", "org_admin"
    ),
    "bid-form": Spec(
        lambda s: f"/projects/{s.project_open.pk}/bid/{s.org.pk}/",
        "procurement:bid",
        "org_admin",
        shows=("A central kitchen cooks; volunteers deliver.",),
    ),
    "receipt-open": Spec(lambda s: f"/projects/bids/{s.bid_open.pk}/", "procurement:receipt", "org_admin"),
    "receipt-publicity": Spec(
        lambda s: f"/projects/bids/{s.bid_publicity.pk}/",
        "procurement:receipt",
        "org_admin",
        shows=("Submit objection",),
    ),
    "receipt-won": Spec(lambda s: f"/projects/bids/{s.bid_won.pk}/", "procurement:receipt", "org_admin"),
    "delivery": Spec(
        lambda s: f"/projects/contracts/{s.contract.pk}/",
        "procurement:delivery",
        "org_admin",
        shows=("3,600 meals served; 95 percent satisfied.", "Final quarter"),
    ),
    # organisations and the incubator
    "organizations": Spec(
        lambda s: "/organizations/", "organizations:directory", shows=("Oak Social Work Centre",)
    ),
    "organizations-filtered": Spec(
        lambda s: f"/organizations/?q=Maple&street={s.street.pk}&category=daily_life",
        "organizations:directory",
        shows=("Maple Elder Care Centre",),
    ),
    "organization": Spec(
        org_url(), "organizations:profile", shows=("Riverside Street Lighting Survey", "Thorough work.")
    ),
    "organization-as-admin": Spec(org_url(), "organizations:profile", "org_admin", shows=("charter.pdf",)),
    "incubator": Spec(
        lambda s: "/organizations/incubator/", "organizations:incubator", shows=("Autumn 2026 Incubator",)
    ),
    "incubator-as-admin": Spec(
        lambda s: "/organizations/incubator/",
        "organizations:incubator",
        "org_admin",
        shows=("Work plan for the incubation",),
    ),
    "organization-register": Spec(
        lambda s: "/organizations/register/", "organizations:register", "volunteer_user"
    ),
    "organization-manage": Spec(
        org_url("manage/"),
        "organizations:manage",
        "org_admin",
        shows=("Register with the civil affairs bureau", "First quarter report", "Mark Member"),
    ),
    "organization-manage-pending": Spec(
        org_url("manage/", org="pending_org"), "organizations:manage", "pending_admin"
    ),
    "organization-manage-rejected": Spec(
        org_url("manage/", org="rejected_org"),
        "organizations:manage",
        "rejected_admin",
        shows=("The charter is missing its last page.",),
    ),
    "organization-edit": Spec(org_url("manage/edit/"), "organizations:edit", "org_admin"),
    # volunteering
    "activities": Spec(
        lambda s: "/volunteers/activities/", "volunteers:activities", shows=("Autumn Festival Visits",)
    ),
    "activities-filtered": Spec(
        lambda s: f"/volunteers/activities/?when=all&street={s.street.pk}&skill=first_aid",
        "volunteers:activities",
        shows=("Stairwell Clean-up Day",),
    ),
    "activity": Spec(lambda s: f"/volunteers/activities/{s.activity.pk}/", "volunteers:activity"),
    "activity-as-volunteer": Spec(
        lambda s: f"/volunteers/activities/{s.activity.pk}/", "volunteers:activity", "volunteer_user"
    ),
    "org-activity": Spec(lambda s: f"/volunteers/activities/{s.org_activity.pk}/", "volunteers:activity"),
    "rankings": Spec(lambda s: "/volunteers/rankings/", "volunteers:rankings"),
    "rankings-own-community": Spec(
        lambda s: "/volunteers/rankings/", "volunteers:rankings", "volunteer_user", shows=("Maple Grid 2",)
    ),
    "rankings-grid": Spec(lambda s: f"/volunteers/rankings/?grid={s.grid.pk}", "volunteers:rankings"),
    "volunteer-register": Spec(lambda s: "/volunteers/register/", "volunteers:register", "org_admin"),
    "volunteer-profile": Spec(
        lambda s: "/volunteers/register/",
        "volunteers:register",
        "volunteer_user",
        shows=("City Hospital Party Branch",),
    ),
    "volunteer-me": Spec(
        lambda s: "/volunteers/me/",
        "volunteers:me",
        "volunteer_user",
        shows=("Stairwell Clean-up Day", "Autumn Festival Visits"),
    ),
    "checkin": Spec(
        lambda s: "/volunteers/checkin/?t=" + checkin.make_token(s.live_shift),
        "volunteers:checkin",
        "volunteer_user",
        shows=("Morning Park Patrol",),
    ),
    "organise": Spec(organise_url(), "volunteers:organise", "org_admin", shows=("Stairwell Clean-up Day",)),
    "organise-new": Spec(organise_url("new/"), "volunteers:organise_create", "org_admin"),
    "organise-activity": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/a/{s.org_activity.pk}/",
        "volunteers:organise_activity",
        "org_admin",
    ),
    "organise-edit": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/a/{s.org_activity.pk}/edit/",
        "volunteers:organise_edit",
        "org_admin",
    ),
    "organise-cancel": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/a/{s.org_activity.pk}/cancel/",
        "volunteers:organise_cancel",
        "org_admin",
    ),
    "organise-shift": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/shifts/{s.org_shift_past.pk}/",
        "volunteers:organise_shift",
        "org_admin",
        shows=("Hannah Hill", "Ivan Iris"),
    ),
    "organise-shift-cancel": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/shifts/{s.org_shift_next.pk}/cancel/",
        "volunteers:organise_shift_cancel",
        "org_admin",
    ),
    "organise-qr": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/shifts/{s.org_shift_next.pk}/qr/",
        "volunteers:organise_qr",
        "org_admin",
    ),
    "organise-reject": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/records/{s.pending_record.pk}/reject/",
        "volunteers:organise_reject",
        "org_admin",
        shows=("Ivan Iris",),
    ),
    "organise-correct": Spec(
        lambda s: f"/volunteers/organise/{s.org.pk}/records/{s.confirmed_record.pk}/correct/",
        "volunteers:organise_correct",
        "org_admin",
        shows=("Hannah Hill",),
    ),
    # certificates
    "certificate-lookup": Spec(lambda s: "/certificates/", "certificates:lookup"),
    "certificate-lookup-error": Spec(lambda s: "/certificates/?number=12345", "certificates:lookup"),
    "certificate": Spec(
        lambda s: f"/certificates/{s.certificate.number}/", "certificates:check", shows=("Maple Community",)
    ),
    "certificate-unknown": Spec(lambda s: "/certificates/TH-2026-999999/", "certificates:check", status=404),
    "certificates-mine": Spec(lambda s: "/certificates/mine/", "certificates:mine", "volunteer_user"),
    # the fund
    "funds": Spec(lambda s: "/fund/", "fund:list", shows=("Community Governance Fund",)),
    "fund": Spec(
        lambda s: f"/fund/{s.fund.code}/",
        "fund:detail",
        shows=("Derek Admin", "Diana Admin", "Payment for the lighting survey", "Half-year accounts"),
    ),
    "subfund": Spec(lambda s: f"/fund/{s.fund.code}/{s.theme_pot.code}/", "fund:subfund", shows=("T*",)),
    "project-subfund": Spec(
        lambda s: f"/fund/{s.fund.code}/lunch-club/", "fund:subfund", shows=("Lunch Club Fund",)
    ),
    "donate": Spec(
        lambda s: f"/fund/{s.fund.code}/donate/?sub={s.theme_pot.code}",
        "fund:donate",
        stripe=True,
        shows=("Elder Care Fund",),
    ),
    "donate-signed-in": Spec(
        lambda s: f"/fund/{s.fund.code}/donate/",
        "fund:donate",
        "volunteer_user",
        stripe=True,
        shows=("Victor Lane",),
    ),
    "donate-unavailable": Spec(lambda s: f"/fund/{s.fund.code}/donate/", "fund:donate"),
    "donation-return": Spec(lambda s: f"/fund/{s.fund.code}/donate/return/", "fund:donation_return"),
    "fund-mine": Spec(lambda s: "/fund/mine/", "fund:mine", "volunteer_user", shows=("¥5,000.00", "¥50.00")),
    # the portal's own pages
    "search": Spec(lambda s: "/search/?q=Maple", "search:results"),
    "search-empty": Spec(lambda s: "/search/", "search:results"),
    "stats": Spec(lambda s: "/stats/", "frontend:stats", shows=("Riverside Street",)),
    "my-portal": Spec(lambda s: "/me/", "frontend:my_portal", "volunteer_user"),
    "my-portal-organiser": Spec(lambda s: "/me/", "frontend:my_portal", "org_admin"),
    "notifications-organiser": Spec(lambda s: "/me/notifications/", "frontend:notifications", "org_admin"),
    "notifications": Spec(
        lambda s: "/me/notifications/",
        "frontend:notifications",
        "volunteer_user",
        shows=("Welcome to the portal",),
    ),
    "notification-preferences": Spec(
        lambda s: "/me/notification-preferences/", "frontend:notification_preferences", "volunteer_user"
    ),
    # accounts (allauth's pages in the portal's templates)
    "login": Spec(lambda s: "/accounts/login/"),
    "signup": Spec(lambda s: "/accounts/signup/"),
    "signup-phone-verify": Spec(lambda s: "/accounts/phone/verify/", prepare=signed_up),
    "login-code": Spec(lambda s: "/accounts/login/code/"),
    "login-code-confirm": Spec(lambda s: "/accounts/login/code/confirm/", prepare=code_requested),
    "two-factor-authenticate": Spec(lambda s: "/accounts/2fa/authenticate/", prepare=password_checked),
    "password-reset": Spec(lambda s: "/accounts/password/reset/"),
    "password-reset-done": Spec(lambda s: "/accounts/password/reset/done/"),
    "email": Spec(lambda s: "/accounts/email/", who="volunteer_user"),
    "phone-change": Spec(lambda s: "/accounts/phone/change/", who="volunteer_user"),
    "password-change": Spec(lambda s: "/accounts/password/change/", who="volunteer_user"),
    "two-factor": Spec(lambda s: "/accounts/2fa/", who="volunteer_user"),
    "totp-activate": Spec(
        lambda s: "/accounts/2fa/totp/activate/", who="volunteer_user", prepare=reauthenticated
    ),
    "logout": Spec(lambda s: "/accounts/logout/", who="volunteer_user"),
    "reauthenticate": Spec(lambda s: "/accounts/reauthenticate/", who="volunteer_user"),
}

# Routes of the portal's URL confs that serve no page of their own.
NOT_PAGES = {
    "volunteers:home": "redirects to the activities",
    "volunteers:signup": "POST only",
    "volunteers:signup_cancel": "POST only",
    "volunteers:party_report": "POST only (the form is on volunteers:me)",
    "volunteers:organise_publish": "POST only",
    "volunteers:organise_finish": "POST only",
    "volunteers:organise_shift_add": "POST only (the form is on the activity's page)",
    "volunteers:organise_message": "POST only (the form is on the activity's page)",
    "volunteers:organise_confirm_all": "POST only",
    "volunteers:organise_check_in": "POST only",
    "volunteers:organise_check_out": "POST only",
    "volunteers:organise_confirm": "POST only",
    "procurement:ask": "POST only (the form is on the project's page)",
    "procurement:withdraw": "POST only",
    "procurement:objection": "POST only (the form is on the receipt)",
    "procurement:milestone_report": "POST only (the form is on the delivery page)",
    "organizations:application_submit": "POST only (the form is on the incubator page)",
    "organizations:document_add": "POST only (the form is on the manage page)",
    "organizations:member_add": "POST only (the form is on the manage page)",
    "organizations:resubmit": "POST only",
    "organizations:activity_record": "POST only (the form is on the manage page)",
    "organizations:report_submit": "POST only (the form is on the manage page)",
    "certificates:download": "a PDF",
    "fund:receipt": "a PDF",
    "fund:ledger_csv": "a CSV file",
    "fund:subfund_ledger_csv": "a CSV file",
    "fund:pay": "Stripe's Payment Element: needs the provider (covered by test_fund_donate.py)",
    "frontend:notifications_read_all": "POST only",
    "frontend:private_file": "a file download",
    "search:suggest": "JSON for the search box's suggestions",
}

# Notifications are stored as the Chinese text of the moment they were sent (``core.notify``
# takes a formatted title and body), so an inbox of system messages stays Chinese in English.
STORED_CHINESE = {"my-portal-organiser", "notifications-organiser"}


def portal_routes() -> set[str]:
    """Every named route of the URL confs in ``frontend`` (the portal's own pages)."""
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and getattr(entry.urlconf_module, "__name__", "").startswith(
            "frontend."
        ):
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name:
                    names.add(f"{entry.namespace}:{pattern.name}")
    return names


def test_every_portal_route_is_a_page_here_or_says_why_not():
    covered = {spec.route for spec in PAGES.values() if spec.route}
    routes = portal_routes()
    assert routes - covered - set(NOT_PAGES) == set()
    assert (covered | set(NOT_PAGES)) - routes == set()


def test_every_cms_page_type_is_a_page_here():
    page_types = {
        model.__name__
        for model in vars(cms_models).values()
        if isinstance(model, type)
        and issubclass(model, Page)
        and not model._meta.abstract
        and model is not Page
    }
    kinds = {
        "HomePage": "home",
        "StreetIndexPage": "street-index",
        "StreetPage": "street",
        "CommunityPage": "community",
        "NoticeIndexPage": "notice-index",
        "NoticePage": "notice",
        "PolicyIndexPage": "policy-index",
        "PolicyDocumentPage": "policy",
        "PartyNewsIndexPage": "party-news-index",
        "PartyNewsPage": "party-news",
        "StandardPage": "standard",
    }
    assert page_types == set(kinds)
    assert set(kinds.values()) <= set(PAGES)


def get(client, url, status):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content.decode()[:800])
    return response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason="notifications stored in Chinese", strict=True))
        if name in STORED_CHINESE
        else name
        for name in PAGES
    ],
)
def test_page_reads_in_chinese_then_wholly_in_english(db, client, site, settings, name):
    spec = PAGES[name]
    if spec.stripe:
        settings.STRIPE_SECRET_KEY = "sk_test_unused"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_unused"
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    else:
        settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    if spec.who:
        client.force_login(getattr(site, spec.who))
    if spec.prepare:
        spec.prepare(client, site)
    url = spec.url(site)

    html = get(client, url, spec.status)
    assert '<html lang="zh-hans">' in html
    assert chinese_in(html), "the Chinese page shows no Chinese"

    switch_language(client, "en", next_url=url)
    html = get(client, url, spec.status)
    assert '<html lang="en">' in html
    for text in spec.shows:
        assert escape(text) in html, f"{text!r} not on {url}"
    leaks = chinese_in(html)
    assert not leaks, f"Chinese on the English page {url}: {leaks}"


def test_the_platforms_own_skills_and_tags_read_in_english_and_the_districts_as_typed():
    skills = importlib.import_module("marketplace.volunteers.migrations.0002_default_skills").SKILLS
    tags = importlib.import_module("marketplace.organizations.migrations.0002_service_tags").TAGS
    # Every name a migration adds is marked for the catalogue.
    assert {name for _slug, name in skills} == set(DEFAULT_SKILL_NAMES)
    assert {name for _slug, name in tags} == set(DEFAULT_TAG_NAMES)
    with translation.override("en"):
        assert Skill(name="应急救护").label == "First aid"
        assert ServiceTag(name="助餐").label == "Meal support"
        assert Skill(name="社区夜跑").label == "社区夜跑"
        assert ServiceTag(name="Repair café").label == "Repair café"
    with translation.override("zh-hans"):
        assert Skill(name="应急救护").label == "应急救护"
