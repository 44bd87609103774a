import factory

from marketplace.places.choices import PartyOrgKind
from marketplace.places.models import Community, District, Grid, PartyOrganization, Street


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "taihe"
    name = "太和区"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"st{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}街道")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    district = factory.SelfAttribute("street.district")
    code = factory.Sequence(lambda n: f"cm{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}社区")


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    street = factory.SelfAttribute("community.street")
    district = factory.SelfAttribute("community.district")
    code = factory.Sequence(lambda n: f"gd{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}网格")


class PartyOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyOrganization

    kind = PartyOrgKind.GRID_BRANCH
    grid = factory.SubFactory(GridFactory)
    community = factory.SelfAttribute("grid.community")
    street = factory.SelfAttribute("grid.street")
    district = factory.SelfAttribute("grid.district")
    code = factory.Sequence(lambda n: f"po{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}网格党支部")
