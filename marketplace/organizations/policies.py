from marketplace.core.files import MB, FilePurpose, register_purpose
from marketplace.core.permissions import can, register_action
from marketplace.core.roles import Role

A, OA, OM, MENTOR = Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.ORG_MEMBER, Role.MENTOR

register_action("organizations.org.view_private", [A, OA, OM])
register_action("organizations.org.change", [A, OA])
register_action("organizations.org.add_document", [A, OA])
register_action("organizations.cohort.create", [A])
register_action("organizations.cohort.change", [A])
register_action("organizations.application.submit", [OA])
register_action("organizations.application.view", [A, OA, OM])
register_action("organizations.application.review", [A])
register_action("organizations.incubation.view", [A, MENTOR, OA, OM])
register_action("organizations.incubation.log", [MENTOR])
register_action("organizations.incubation.goal", [A, MENTOR, OA])
register_action("organizations.incubation.score", [A, MENTOR])
register_action("organizations.incubation.activity", [A, MENTOR, OA])
register_action("organizations.report.schedule", [A, MENTOR])
register_action("organizations.export", [A])


def _document_readers(user, file) -> bool:
    """An organisation's documents: its members and the district (looked up by the file's owner
    object, "organizations.organization:<id>")."""
    from .models import Organization

    kind, _, pk = file.attached_to.partition(":")
    if kind != "organizations.organization" or not pk.isdigit():
        return False
    org = Organization.objects.filter(pk=int(pk)).first()
    return org is not None and can(user, "organizations.org.view_private", org)


register_purpose(
    FilePurpose(
        "org_document",
        kinds=frozenset({"pdf", "jpg", "png"}),
        max_bytes=10 * MB,
        sensitive=True,
        can_read=_document_readers,
    )
)
