import factory

from marketplace.fund.models import Fund, SubFund
from tests.factories.organizations import make_uscc
from tests.factories.places import DistrictFactory


class FundFactory(factory.django.DjangoModelFactory):
    """A fund made directly (no audit, accounts opened on first use); tests of the services make
    theirs with ``services.fund_create``."""

    class Meta:
        model = Fund

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"fund-{n}")
    name = factory.Sequence(lambda n: f"基层治理专项基金{n}")
    host_name = "区慈善总会"
    host_credit_code = factory.Sequence(lambda n: make_uscc(90_000 + n))
    purpose = "支持基层治理与社区服务项目。"


class SubFundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubFund

    fund = factory.SubFactory(FundFactory)
    code = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"主题专项{n}")
    kind = "theme"
    theme = "为老服务"
    purpose = "用于为老服务项目。"
