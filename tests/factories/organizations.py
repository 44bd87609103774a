import datetime

import factory
from django.utils import timezone

from marketplace.core.validators import uscc_check_char
from marketplace.organizations.choices import LegalForm, ServiceCategory
from marketplace.organizations.models import (
    Application,
    Cohort,
    Incubation,
    Organization,
    PeriodicReport,
    Scorecard,
)

from .places import StreetFactory


def make_uscc(n: int) -> str:
    first17 = f"5144010{n:010d}"[:17]
    return first17 + uscc_check_char(first17)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"第{n}社会工作服务中心")
    legal_form = LegalForm.SOCIAL_SERVICE
    uscc = factory.Sequence(make_uscc)
    legal_representative = "陈某某"
    contact_phone = factory.Sequence(lambda n: f"+86137{n:08d}")
    address = "太和区某路1号"
    street = factory.SubFactory(StreetFactory)
    district = factory.SelfAttribute("street.district")
    community = None
    category = ServiceCategory.DAILY_LIFE
    founded_on = datetime.date(2020, 5, 1)
    status = "verified"


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    district = factory.SubFactory("tests.factories.places.DistrictFactory")
    name = factory.Sequence(lambda n: f"2026年第{n}期社区社会组织孵化")
    applications_open_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    applications_close_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=15))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=200))
    capacity = 2
    questions = factory.LazyFunction(lambda: [{"key": "plan", "label": "培育期工作计划", "required": True}])
    status = "open"


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.SubFactory(OrganizationFactory)
    answers = factory.LazyFunction(lambda: {"plan": "开展助老服务"})


class IncubationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incubation

    application = factory.SubFactory(ApplicationFactory, status="admitted")
    cohort = factory.SelfAttribute("application.cohort")
    organization = factory.SelfAttribute("application.organization")


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    incubation = factory.SubFactory(IncubationFactory)
    stage = "entry"
    governance = finance = programmes = people = 4
    governance_evidence = finance_evidence = programmes_evidence = people_evidence = "有制度文件"
    scored_by = factory.SubFactory("tests.factories.accounts.UserFactory")


class PeriodicReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeriodicReport

    incubation = factory.SubFactory(IncubationFactory)
    title = "第一季度工作报告"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
