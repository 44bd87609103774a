import datetime

import factory
from django.utils import timezone

from marketplace.accounts.models import RealNameIdentity
from marketplace.core import crypto
from marketplace.core.masking import mask_resident_id
from marketplace.core.validators import resident_id_birth_date, resident_id_check_char, resident_id_gender
from marketplace.volunteers.models import (
    Activity,
    PartyReport,
    ServiceRecord,
    Shift,
    Signup,
    Skill,
    Volunteer,
)

from .accounts import UserFactory
from .places import CommunityFactory, DistrictFactory, GridFactory

SURNAMES = "王李张刘陈杨黄赵吴周"


def make_resident_id(n: int) -> str:
    """A valid, distinct resident ID number (Beijing Dongcheng, born 1970–1999)."""
    birth = datetime.date(1970 + n % 30, 1 + n % 12, 1 + n % 28)
    first17 = f"110101{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


class RealNameIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RealNameIdentity

    user = factory.SubFactory(UserFactory)
    district = factory.SubFactory(DistrictFactory)
    real_name = factory.Sequence(lambda n: f"{SURNAMES[n % 10]}志{n}")
    id_number = factory.Sequence(make_resident_id)
    id_number_hash = factory.LazyAttribute(lambda o: crypto.lookup_hash(o.id_number))
    id_number_masked = factory.LazyAttribute(lambda o: mask_resident_id(o.id_number))
    gender = factory.LazyAttribute(lambda o: resident_id_gender(o.id_number))
    birth_date = factory.LazyAttribute(lambda o: resident_id_birth_date(o.id_number))
    consent_at = factory.LazyFunction(timezone.now)
    consent_version = "2026-1"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"skill{n}")
    name = factory.Sequence(lambda n: f"技能{n}")


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    user = factory.SubFactory(UserFactory)
    grid = factory.SubFactory(GridFactory)
    community = factory.SelfAttribute("grid.community")
    street = factory.SelfAttribute("grid.street")
    district = factory.SelfAttribute("grid.district")
    identity = factory.SubFactory(
        RealNameIdentityFactory,
        user=factory.SelfAttribute("..user"),
        district=factory.SelfAttribute("..district"),
    )
    political_status = "masses"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"社区志愿服务活动{n}")
    description = "清理楼道杂物,宣传垃圾分类。"
    place = "社区党群服务中心"
    community = factory.SubFactory(CommunityFactory)
    street = factory.SelfAttribute("community.street")
    district = factory.SelfAttribute("community.district")
    organizer_kind = "community"
    contact_name = "李社工"
    contact_phone = "+8613900001111"
    signup_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    status = "published"
    created_by = factory.SubFactory(UserFactory)


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    activity = factory.SubFactory(ActivityFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    capacity = 10


class SignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signup

    shift = factory.SubFactory(ShiftFactory)
    activity = factory.SelfAttribute("shift.activity")
    volunteer = factory.SubFactory(VolunteerFactory)
    user = factory.SelfAttribute("volunteer.user")
    status = "confirmed"


class ServiceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRecord

    signup = factory.SubFactory(SignupFactory, status="checked_out")
    volunteer = factory.SelfAttribute("signup.volunteer")
    activity = factory.SelfAttribute("signup.activity")
    shift = factory.SelfAttribute("signup.shift")
    served_on = factory.LazyAttribute(lambda o: timezone.localtime(o.shift.starts_at).date())
    minutes = 120
    status = "confirmed"


class PartyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyReport

    volunteer = factory.SubFactory(
        VolunteerFactory,
        political_status="party_member",
        in_service=True,
        workplace="市第一医院",
        workplace_party_branch="市第一医院党支部",
    )
    community = factory.SelfAttribute("volunteer.community")
    street = factory.SelfAttribute("volunteer.street")
    district = factory.SelfAttribute("volunteer.district")
    workplace = factory.SelfAttribute("volunteer.workplace")
    workplace_party_branch = factory.SelfAttribute("volunteer.workplace_party_branch")
