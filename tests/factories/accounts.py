import factory

from marketplace.accounts.models import RoleAssignment, User
from marketplace.accounts.services import staff_group
from marketplace.core.permissions import forget_assignments
from marketplace.core.roles import STAFF_ROLES


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    phone_verified = True
    password = factory.PostGenerationMethodCall("set_password", "Pa55word!portal")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, scope) -> RoleAssignment:
    """Test set-up: give a role directly, without going through the permission check."""
    kind, pk = scope.scope_chain()[0]
    assignment = RoleAssignment.objects.create(
        user=user, role=role, scope_kind=kind, scope_id=pk, scope_label=str(scope)
    )
    if role in STAFF_ROLES:
        user.groups.add(staff_group())
    forget_assignments(user)
    return assignment


def enable_mfa(user) -> None:
    """Test set-up: mark a staff user as enrolled in TOTP, as the staff MFA rule requires."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {}})
