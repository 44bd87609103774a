"""The optional read replica (DATABASE_REPLICA_URL): the reads of a web request go there, every
write and every read that must see one go to the primary.

A read goes to the primary when
- it is not made while serving a request (``ReplicaPinMiddleware``): tasks, the worker and
  management commands often read what was committed a moment ago (a task is enqueued after the
  commit that it is about), which a replica may not have yet;
- the request has written, or it is inside ``transaction.atomic`` (its reads decide what to write);
- the client wrote less than ``REPLICA_PIN_SECONDS`` ago: a short ``primary_pin`` cookie carries
  the pin across a POST → redirect → GET, so a person sees what they just saved;
- it is of a model in ``PRIMARY_ONLY_APPS``: sessions, accounts, login throttling and API
  tokens. A logout, a revoked role or token, or a lockout must hold at once for everyone,
  including a client that holds a stolen cookie and so never carries the pin.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "primary_pin"
# App labels whose rows decide who may do what.
PRIMARY_ONLY_APPS = frozenset({"sessions", "accounts", "auth", "account", "mfa", "axes", "authtoken"})


@dataclass
class _Reads:
    replica: bool
    wrote: bool = False


# The current request's state; None outside a request (a worker, a command): primary.
_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")


def _writes_flagged(state: _Reads):
    """An execute wrapper of the primary's connection: a statement that writes ends the replica
    reads. Asking the router where to write is not enough: get_or_create asks before its read,
    and a page that only reads its settings row that way would pin every visitor."""

    def wrapper(execute, sql, params, many, context):
        if isinstance(sql, str) and sql.lstrip()[:8].upper().startswith(_WRITE_WORDS):
            state.wrote = True
        return execute(sql, params, many, context)

    return wrapper


@contextmanager
def replica_reads(*, allowed: bool = True) -> Iterator[_Reads]:
    """Let the reads made inside go to the replica until something is written."""
    state = _Reads(replica=allowed)
    token = _reads.set(state)
    try:
        with connections[PRIMARY].execute_wrapper(_writes_flagged(state)):
            yield state
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        state = _reads.get()
        if state is None or not state.replica or state.wrote:
            return PRIMARY
        if model._meta.app_label in PRIMARY_ONLY_APPS or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        # A related object of a row read from the primary comes from there too.
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaPinMiddleware:
    """Opens the request's replica reads, pinned to the primary while the pin cookie lives, and
    sets that cookie on a response whose request wrote. First in MIDDLEWARE, so that the writes of
    the other middleware (the session saved on the way out) count too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with replica_reads(allowed=PIN_COOKIE not in request.COOKIES) as state:
            response = self.get_response(request)
        if state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
