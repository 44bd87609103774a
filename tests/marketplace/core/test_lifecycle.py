"""The lifecycle engine, tested on a small ticket table move by move."""

import pytest
from django.db import transaction

from marketplace.core.exceptions import GuardFailed, PermissionDenied, TransitionNotAllowed, ValidationFailed
from marketplace.core.lifecycle import Lifecycle, Transition, lifecycles
from marketplace.core.models import AuditEntry, TransitionLog
from marketplace.core.roles import Role
from tests.testapp import transitions
from tests.testapp.models import Ticket, TicketStatus
from tests.testapp.transitions import TICKET

ALL_STATES = list(TicketStatus.values)


@pytest.fixture
def ticket_in(world):
    def make(status, owner=None, street=None, title="楼道灯坏了"):
        return Ticket.objects.create(
            title=title, status=status, street=street or world.street_a, owner=owner or world.resident
        )

    return make


def actor_for(world, transition):
    """A user who holds one of the move's roles over a ticket of street A owned by the resident."""
    if "owner" in transition.roles:
        return world.resident
    if Role.STREET_OFFICIAL in transition.roles:
        return world.official_a
    return world.district_admin


MOVES = [(t.code, state) for t in TICKET.transitions for state in ALL_STATES]


@pytest.mark.parametrize(("code", "state"), MOVES)
def test_every_move_from_every_state(world, ticket_in, code, state):
    """Allowed exactly from the table's source states; refused from every other state."""
    transition = TICKET.get(code)
    ticket = ticket_in(state)
    actor = actor_for(world, transition)
    if state in transition.source:
        TICKET.perform(ticket, code, actor=actor, reason="理由")
        ticket.refresh_from_db()
        assert ticket.status == transition.target
        log = TransitionLog.objects.get(lifecycle="testapp.ticket", object_id=str(ticket.pk))
        assert (log.from_state, log.to_state, log.code, log.actor) == (state, transition.target, code, actor)
    else:
        with pytest.raises(TransitionNotAllowed) as exc:
            TICKET.perform(ticket, code, actor=actor, reason="理由")
        assert "当前状态" in str(exc.value.message)
        ticket.refresh_from_db()
        assert ticket.status == state
        assert not TransitionLog.objects.exists()


@pytest.mark.parametrize("code", [t.code for t in TICKET.transitions])
def test_every_move_refused_to_roles_not_in_the_table(world, ticket_in, code):
    transition = TICKET.get(code)
    state = sorted(transition.source)[0]
    ticket = ticket_in(state)
    outsiders = [world.official_b, world.worker_a, world.grid_worker_a]
    if "owner" not in transition.roles:
        outsiders.append(world.resident)
    if Role.DISTRICT_ADMIN not in transition.roles:
        outsiders.append(world.district_admin)
    for outsider in outsiders:
        with pytest.raises(PermissionDenied):
            TICKET.perform(ticket, code, actor=outsider, reason="理由")
    ticket.refresh_from_db()
    assert ticket.status == state
    assert not AuditEntry.objects.filter(action__startswith="testapp.ticket").exists()


def test_scope_decides_street_official_of_other_street_is_refused(world, ticket_in):
    ticket = ticket_in(TicketStatus.SUBMITTED, street=world.street_b)
    with pytest.raises(PermissionDenied):
        TICKET.perform(ticket, "approve", actor=world.official_a)
    TICKET.perform(ticket, "approve", actor=world.official_b)
    assert ticket.status == TicketStatus.APPROVED


def test_system_actor_only_where_the_table_says(world, ticket_in):
    ticket = ticket_in(TicketStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        TICKET.perform(ticket, "approve", actor=None)
    approved = ticket_in(TicketStatus.APPROVED)
    TICKET.perform(approved, "close", actor=None)
    entry = AuditEntry.objects.get(action="testapp.ticket.close")
    assert entry.actor is None and entry.actor_label == "系统"


def test_guard_refuses_and_changes_nothing(world, ticket_in):
    ticket = ticket_in(TicketStatus.DRAFT, title="  ")
    with pytest.raises(GuardFailed) as exc:
        TICKET.perform(ticket, "submit", actor=world.resident)
    assert exc.value.message == "标题不能为空。"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DRAFT


def test_reason_required(world, ticket_in):
    ticket = ticket_in(TicketStatus.SUBMITTED)
    with pytest.raises(ValidationFailed):
        TICKET.perform(ticket, "reject", actor=world.official_a, reason="   ")
    TICKET.perform(ticket, "reject", actor=world.official_a, reason="材料不全")
    assert TransitionLog.objects.get().reason == "材料不全"
    assert AuditEntry.objects.get(action="testapp.ticket.reject").reason == "材料不全"


def test_extra_fields_are_written_with_the_status(world, ticket_in):
    ticket = ticket_in(TicketStatus.SUBMITTED)
    fields = transitions.approve_fields()
    TICKET.perform(ticket, "approve", actor=world.official_a, fields=fields)
    ticket.refresh_from_db()
    assert ticket.approved_at == fields["approved_at"]


def test_effects_run_only_after_commit(world, ticket_in, django_capture_on_commit_callbacks):
    transitions.effects_seen.clear()
    ticket = ticket_in(TicketStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        TICKET.perform(ticket, "approve", actor=world.official_a)
        assert transitions.effects_seen == []
    assert transitions.effects_seen == [(ticket.pk, "approve")]


def test_effects_do_not_run_when_the_transaction_rolls_back(
    world, ticket_in, django_capture_on_commit_callbacks
):
    transitions.effects_seen.clear()
    ticket = ticket_in(TicketStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        TICKET.perform(ticket, "approve", actor=world.official_a)
        raise RuntimeError("later step failed")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED
    assert transitions.effects_seen == []
    assert not TransitionLog.objects.exists()


def test_available_moves_reflect_status_role_scope_and_guards(world, ticket_in):
    submitted = ticket_in(TicketStatus.SUBMITTED)
    assert [t.code for t in TICKET.available(submitted, world.official_a)] == ["approve", "reject"]
    assert TICKET.available(submitted, world.official_b) == []
    assert TICKET.available(submitted, world.resident) == []
    draft_blank = ticket_in(TicketStatus.DRAFT, title=" ")
    assert TICKET.available(draft_blank, world.resident) == []


def test_waiting_for_lists_in_scope_rows_per_move(world, ticket_in):
    mine = ticket_in(TicketStatus.SUBMITTED)
    ticket_in(TicketStatus.SUBMITTED, street=world.street_b)
    waiting = {t.code: list(qs) for t, qs in TICKET.waiting_for(world.official_a)}
    # The owner's move is listed for everyone (each user owns their own tickets) but is empty here.
    assert waiting == {"submit": [], "approve": [mine], "reject": [mine]}
    resident_waiting = {t.code: list(qs) for t, qs in TICKET.waiting_for(world.resident)}
    assert resident_waiting == {"submit": []}
    draft = ticket_in(TicketStatus.DRAFT)
    assert {t.code: list(qs) for t, qs in TICKET.waiting_for(world.resident)} == {"submit": [draft]}


def test_unknown_code_is_refused(world, ticket_in):
    with pytest.raises(TransitionNotAllowed):
        TICKET.perform(ticket_in(TicketStatus.DRAFT), "teleport", actor=world.resident)


def test_table_errors_are_caught_when_declared():
    with pytest.raises(ValueError, match="unknown states"):
        Lifecycle(
            "x.bad",
            model=Ticket,
            states=TicketStatus,
            transitions=[Transition("a", ["nowhere"], "draft", ["owner"])],
        )
    with pytest.raises(ValueError, match="duplicate"):
        Lifecycle(
            "x.dup",
            model=Ticket,
            states=TicketStatus,
            transitions=[
                Transition("a", ["draft"], "submitted", ["owner"]),
                Transition("a", ["draft"], "closed", ["owner"]),
            ],
        )
    with pytest.raises(ValueError, match="no role"):
        Lifecycle(
            "x.norole",
            model=Ticket,
            states=TicketStatus,
            transitions=[Transition("a", ["draft"], "closed", [])],
        )
    assert "x.bad" not in lifecycles()


def test_mermaid_diagram_lists_every_move():
    diagram = TICKET.mermaid()
    assert diagram.startswith("stateDiagram-v2")
    assert "draft --> submitted: submit" in diagram
    assert "rejected --> submitted: submit" in diagram


def test_a_moves_waiting_filter_keeps_only_the_rows_its_guards_would_let_through(
    world, ticket_in, monkeypatch
):
    from django.db.models import Q

    from marketplace.core import lifecycle as engine

    monkeypatch.setattr(engine, "_registry", dict(engine._registry))
    guarded = Lifecycle(
        "testapp.ticket_guarded",
        model=Ticket,
        states=TicketStatus,
        transitions=[
            Transition(
                "approve",
                [TicketStatus.SUBMITTED],
                TicketStatus.APPROVED,
                [Role.STREET_OFFICIAL],
                "批准",
                waiting=lambda user: ~Q(owner=user),
            ),
        ],
    )
    others = ticket_in(TicketStatus.SUBMITTED)
    ticket_in(TicketStatus.SUBMITTED, owner=world.official_a)
    assert {t.code: list(qs) for t, qs in guarded.waiting_for(world.official_a)} == {"approve": [others]}
