"""Table versions: what a cached page or fragment depends on, and when that changed.

A version store (the cache alias ``settings.PAGE_CACHE_VERSIONS_ALIAS``) holds one opaque token
per database table under ``tv:<table>``. Every write the ORM (or anything else going through a
Django cursor) makes replaces the token of the table it writes: at once in autocommit mode,
after the commit inside a transaction, never for a write that is rolled back. A reader records
the tokens of the tables it reads (``track_reads``); what it rendered is current exactly while
those tokens are unchanged (``is_current``).

Tokens are set, never incremented, and every new token is random: a token that was evicted or
cleared and then recreated can never equal one recorded before, so a lost entry costs a cache
miss, never a stale page. The store must be shared by every process that writes (web workers,
the task worker, management commands): Redis in production, a file cache without it.

Code that writes around the ORM (``COPY``, a raw connection) calls ``bump(tables)`` or
``bump_all()`` itself.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

KEY_PREFIX = "tv:"
# The pseudo-table every reader depends on: ``bump_all`` replaces it.
ALL = "*"
# Replaced with every bump: while it is unchanged, no token is, and a process may reuse the
# tokens it read before (see ``current``).
EPOCH = "~epoch"

# Writes to these invalidate nothing: no public page reads sessions or the task queue, and they
# are written on most requests and by every task.
IGNORED_TABLES = frozenset({"django_session"})
IGNORED_PREFIXES = ("django_tasks_database_",)

_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")
_NAME = r'(?:"([^"]+)"|`([^`]+)`|([A-Za-z_][\w$]*))'
_WRITE_TARGET = re.compile(
    r"(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+" + _NAME,
    re.IGNORECASE,
)
# "DO UPDATE SET" (an upsert) and "AFTER UPDATE ON t" / "UPDATE OF c ON t" (a trigger's event).
_NOT_WRITE_TARGETS = frozenset({"SET", "ON", "OF"})
_READ_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+" + _NAME, re.IGNORECASE)
# Words that follow FROM or JOIN without being a table (EXTRACT(YEAR FROM x), JOIN LATERAL...).
_NOT_TABLES = frozenset({"LATERAL", "ONLY", "SELECT", "UNNEST", "VALUES"})
_WRITE_WORDS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
_READ_WORDS = frozenset({"SELECT", "WITH", "VALUES"})


# --- the store ------------------------------------------------------------------------------


def _store():
    return caches[settings.PAGE_CACHE_VERSIONS_ALIAS]


def _key(name: str) -> str:
    return KEY_PREFIX + name


def _token() -> str:
    # When it was made (milliseconds, hex) and a random part: see ``_settled``.
    return f"{time.time_ns() // 1_000_000:x}-{secrets.token_hex(6)}"


def _settled(token: str) -> bool:
    """Whether a replica has surely applied the change this token records. A read replica may
    lag behind the primary: what it answers just after a write may be older than the write's
    token, so a page read there then must not be reused (``REPLICA_PIN_SECONDS`` is more than
    the replica's usual lag)."""
    made, _, _random = token.partition("-")
    try:
        age_ms = time.time_ns() // 1_000_000 - int(made, 16)
    except ValueError:
        return True
    return age_ms >= getattr(settings, "REPLICA_PIN_SECONDS", 5) * 1000


def versions(names: Iterable[str]) -> dict[str, str]:
    """The current token of each name, read from the store now. A name without one gets one:
    recording "no token" would match a token that was evicted after a later bump."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    store = _store()
    found = store.get_many([_key(n) for n in names])
    result = {n: found[_key(n)] for n in names if _key(n) in found}
    missing = [n for n in names if n not in result]
    if missing:
        for name in missing:
            store.add(_key(name), _token(), timeout=None)
        # Another process may have won the race to create a token: read back whichever is stored.
        again = store.get_many([_key(n) for n in missing])
        for name in missing:
            result[name] = again.get(_key(name)) or ""
    return result


class _Memo:
    """The tokens this process read while the epoch was ``epoch``. A bump writes its tables'
    tokens before the epoch, so tokens read after seeing an epoch are at least as new as every
    bump that epoch reflects."""

    __slots__ = ("epoch", "tokens")

    def __init__(self, epoch, tokens):
        self.epoch = epoch
        self.tokens = tokens


_memo = _Memo(None, {})
_memo_lock = threading.Lock()


def current(names: Iterable[str]) -> dict[str, str]:
    """The current token of each name for a cache hit: one read of the epoch while nothing has
    been written since this process last looked, else the tokens it does not know yet."""
    global _memo
    store = _store()
    epoch = store.get(_key(EPOCH))
    if epoch is None:
        store.add(_key(EPOCH), _token(), timeout=None)
        epoch = store.get(_key(EPOCH))
    memo = _memo
    if memo.epoch != epoch or epoch is None:
        memo = _Memo(epoch, {})
        with _memo_lock:
            _memo = memo
    tokens = memo.tokens
    missing = [n for n in names if n not in tokens]
    if missing:
        tokens.update(versions(missing))
    return {n: tokens[n] for n in names}


def is_current(recorded: dict[str, str]) -> bool:
    if not recorded:
        return True
    now = current(recorded)
    return all(now[name] == token for name, token in recorded.items())


def _bump_now(names: Iterable[str]) -> None:
    tokens = {_key(n): _token() for n in names}
    if not tokens:
        return
    # The epoch last (set_many keeps the order; Redis sets them all at once).
    tokens[_key(EPOCH)] = _token()
    try:
        _store().set_many(tokens, timeout=None)
    except Exception:
        # An unreachable store must not turn a committed write into an error; cached pages
        # then live until they expire (PAGE_CACHE_SECONDS).
        logger.exception("could not record a change of %s", ", ".join(sorted(tokens)))


class _Bump:
    """An on-commit callback bumping the tables written at one savepoint level. Later writes at
    the same level add their tables to it until the commit."""

    __slots__ = ("tables",)

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self):
        _bump_now(self.tables)


def _app_transaction_open(connection) -> bool:
    """Whether a transaction of the application is open. The blocks Django's TestCase opens
    around each test are not one: for the code under test a write there is committed, and it
    never commits for real."""
    return connection.in_atomic_block and any(not block._from_testcase for block in connection.atomic_blocks)


def _schedule(connection, tables: Iterable[str]) -> None:
    tables = {t for t in tables if not _ignored(t)}
    if not tables:
        return
    if not _app_transaction_open(connection):
        _bump_now(tables)
        return
    if connection.atomic_blocks[0]._from_testcase:
        # Under Django's TestCase nothing commits: kept aside (not in run_on_commit, where tests
        # that capture on-commit callbacks would count them) until the application's block is
        # released, and dropped with a savepoint rolled back.
        pending = getattr(connection, "_table_versions_test_pending", None)
        if pending is None:
            pending = connection._table_versions_test_pending = []
        pending.append((tuple(connection.savepoint_ids), tables))
        return
    state = getattr(connection, "_table_versions_pending", None)
    # Django replaces run_on_commit with a new list at each commit, rollback and savepoint
    # rollback: callbacks kept for an older list may have been dropped with it.
    if state is None or state[0] is not connection.run_on_commit:
        state = (connection.run_on_commit, {})
        connection._table_versions_pending = state
    level = tuple(connection.savepoint_ids)
    callback = state[1].get(level)
    if callback is None:
        callback = state[1][level] = _Bump()
        connection.on_commit(callback, robust=True)
    callback.tables.update(tables)


def _flush_for_testcase(connection) -> None:
    """Under Django's TestCase the outermost transaction never commits: when the application's
    own outermost block has been released, its writes are as committed as they will get."""
    if not connection.in_atomic_block or _app_transaction_open(connection):
        return
    pending = getattr(connection, "_table_versions_test_pending", None)
    if pending:
        connection._table_versions_test_pending = []
        _bump_now(set().union(*(tables for _sids, tables in pending)))


def _drop_rolled_back(connection, sql: str) -> None:
    """``ROLLBACK TO SAVEPOINT "sid"``: forget the writes made while that savepoint was active,
    as Django forgets their on-commit callbacks."""
    pending = getattr(connection, "_table_versions_test_pending", None)
    if pending:
        sid = sql.rsplit(None, 1)[-1].strip('"`;')
        connection._table_versions_test_pending = [(sids, t) for sids, t in pending if sid not in sids]


def bump(tables: Iterable[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Record that ``tables`` changed (for writes that bypass Django's cursors): now, or when
    the transaction open on ``using`` commits."""
    _schedule(connections[using], set(tables))


def bump_all(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Invalidate everything recorded so far (after a bulk load, a restore)."""
    _schedule(connections[using], {ALL})


def _ignored(table: str) -> bool:
    return table in IGNORED_TABLES or table.startswith(IGNORED_PREFIXES)


# --- what a statement reads and writes ------------------------------------------------------


def _names(matches) -> list[str]:
    return [next(g for g in groups if g) for groups in matches]


@lru_cache(maxsize=4096)
def read_tables(sql: str) -> frozenset[str]:
    """The tables in the FROM and JOIN clauses of ``sql``, subqueries included."""
    return frozenset(n for n in _names(_READ_SOURCE.findall(sql)) if n.upper() not in _NOT_TABLES)


@lru_cache(maxsize=4096)
def write_tables(sql: str) -> frozenset[str]:
    """The table an INSERT, UPDATE, DELETE or REPLACE statement writes."""
    match = _WRITE_TARGET.match(sql.lstrip())
    return frozenset(_names([match.groups()])) if match else frozenset()


def body_write_tables(body: str) -> frozenset[str]:
    """Every table the statements of a trigger body (or function) write."""
    return frozenset(n for n in _names(_WRITE_TARGET.findall(body)) if n.upper() not in _NOT_WRITE_TARGETS)


# Tables the database itself writes when another is written: foreign keys with a database-level
# on_delete, and triggers (SQLite's full-text index follows its content table by triggers).
_dependents: dict[str, dict[str, frozenset[str]]] = {}


def _model_dependents() -> dict[str, set[str]]:
    from django.apps import apps
    from django.db.models.deletion import DatabaseOnDelete

    graph: dict[str, set[str]] = defaultdict(set)
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            remote = field.remote_field
            if remote is not None and isinstance(getattr(remote, "on_delete", None), DatabaseOnDelete):
                graph[remote.model._meta.db_table].add(model._meta.db_table)
    return graph


_TRIGGER_SQL = {
    "sqlite": "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": (
        "SELECT c.relname, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
    ),
}


def _trigger_dependents(connection) -> dict[str, set[str]]:
    sql = _TRIGGER_SQL.get(connection.vendor)
    graph: dict[str, set[str]] = defaultdict(set)
    if sql is None:
        return graph
    # The driver's own cursor: neither this module's wrapper nor the query log (and so no
    # test's query count) sees this look-up.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    for table, body in rows:
        graph[table].update(body_write_tables(body or "") - {table})
    return graph


def _closure(graph: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    result = {}
    for start in graph:
        seen, stack = set(), list(graph[start])
        while stack:
            table = stack.pop()
            if table not in seen:
                seen.add(table)
                stack.extend(graph.get(table, ()))
        result[start] = frozenset(seen - {start})
    return result


def _dependents_of(connection, tables: frozenset[str]) -> set[str]:
    graph = _dependents.get(connection.alias)
    if graph is None:
        merged = _model_dependents()
        try:
            for table, targets in _trigger_dependents(connection).items():
                merged[table] |= targets
        except Exception:
            logger.exception("could not read the triggers of database %s", connection.alias)
        graph = _dependents[connection.alias] = _closure(merged)
    result = set(tables)
    for table in tables:
        result |= graph.get(table, frozenset())
    return result


# --- tracking -------------------------------------------------------------------------------

_trackers: contextvars.ContextVar[tuple[dict, ...]] = contextvars.ContextVar(
    "table_versions_trackers", default=()
)


@contextmanager
def track_reads(*, depends_on: Iterable[str] = ()):
    """Record the token of every table read inside the block, in the dict it yields. A token is
    read before the first query of its table runs, so a write committed after that query makes
    the recorded token stale, never the reverse. Blocks nest: a fragment's reads are also the
    page's."""
    recorded: dict[str, str] = {}
    token = _trackers.set((*_trackers.get(), recorded))
    try:
        depend(depends_on)
        yield recorded
    finally:
        _trackers.reset(token)


def tracking() -> bool:
    return bool(_trackers.get())


def depend(names: Iterable[str], *, replica: bool = False) -> None:
    """Make the open trackers depend on ``names`` (tables or tags) from now on; ``replica``: the
    read that needs them is answered by a read replica."""
    trackers = _trackers.get()
    if not trackers:
        return
    names = set(names)
    if not names:
        return
    names.add(ALL)
    # A token an outer tracker already holds is older or equal: reuse it.
    known: dict[str, str] = {}
    for recorded in trackers:
        for name in names:
            if name in recorded:
                known.setdefault(name, recorded[name])
    unknown = [n for n in names if n not in known]
    if unknown:
        try:
            known.update(versions(unknown))
        except Exception:
            logger.exception("the table version store is unreachable")
            # Nothing this render reads can be trusted to be invalidated: spoil the record.
            known.update(dict.fromkeys(unknown, "unavailable"))
    for recorded in trackers:
        for name in names:
            recorded.setdefault(name, known[name])
    if replica:
        unsettled = [n for n in names if not _settled(known[n])]
        for recorded in trackers:
            for name in unsettled:
                # Matches no token: what this render read may predate the latest write.
                recorded[name] = "unsettled"


def record(recorded_elsewhere: dict[str, str]) -> None:
    """Add tokens recorded by an earlier render (a cached fragment used now) to the open
    trackers; a token a tracker already holds stays (it is the older one)."""
    for recorded in _trackers.get():
        for name, value in recorded_elsewhere.items():
            recorded.setdefault(name, value)


def _execute_wrapper(execute, sql, params, many, context):
    match = _FIRST_WORD.match(sql) if isinstance(sql, str) else None
    word = match.group(1).upper() if match else ""
    if word in _READ_WORDS and _trackers.get():
        tables = read_tables(sql)
        if tables:
            replica = context["connection"].alias != DEFAULT_DB_ALIAS
            depend((t for t in tables if not _ignored(t)), replica=replica)
        return execute(sql, params, many, context)
    result = execute(sql, params, many, context)
    if word in _WRITE_WORDS:
        connection = context["connection"]
        tables = write_tables(sql)
        if tables:
            _schedule(connection, _dependents_of(connection, tables))
    elif word == "TRUNCATE":
        _schedule(context["connection"], {ALL})
    elif word == "RELEASE":
        _flush_for_testcase(context["connection"])
    elif word == "ROLLBACK" and "SAVEPOINT" in sql.upper():
        _drop_rolled_back(context["connection"], sql)
    elif word in ("CREATE", "DROP") and "TRIGGER" in sql.upper():
        _dependents.pop(context["connection"].alias, None)
    return result


def _install(sender=None, connection=None, **kwargs) -> None:
    if connection is not None and _execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_execute_wrapper)


def install() -> None:
    """Track every connection: those opened from now on and those already open."""
    connection_created.connect(_install, dispatch_uid="table_versions_install")
    for connection in connections.all(initialized_only=True):
        _install(connection=connection)
