"""Streaming rows into PostgreSQL with COPY, table by table.

Each ``Table`` buffers lines of COPY's text format and sends them in chunks, one ``COPY … FROM
STDIN`` per chunk, so the generators may write to many tables in any order. The chunks go to the
server from a second thread, on the same connection and transaction: while PostgreSQL inserts
one chunk (and maintains its indexes) Python computes the next, so both cores work. Ids are handed out
by the table (``take``) from the first id after both the table's largest id and its sequence;
at the end ``Copier.finish`` sets every sequence past the last id written, so a later ORM
insert never collides. While the seed runs the tables are locked against other writers (readers
go on), which keeps the id blocks ours.

The rows are inserted with triggers off (``session_replication_role = replica``, when the role
may set it): PostgreSQL would otherwise queue one deferred foreign-key check per reference and
row (hundreds of millions at full size) and run them at commit. Instead ``Copier.check_references``
looks for dangling references with one anti-join per foreign key over the new rows, and the
run fails (and rolls back) if it finds any.
"""

import datetime
import queue
import threading
import time

from django.db import DatabaseError, models, transaction

# Local time of the portal (Asia/Shanghai has had no daylight saving since 1991).
LOCAL_OFFSET = 8 * 3600
NULL = "\\N"

_days: dict[int, str] = {}
_EPOCH = datetime.date(1970, 1, 1)


def day(n: int) -> str:
    """Days since 1970-01-01 → 'YYYY-MM-DD'."""
    text = _days.get(n)
    if text is None:
        text = _days[n] = (_EPOCH + datetime.timedelta(days=n)).isoformat()
    return text


_CLOCK = [f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)]


def ts(seconds: int) -> str:
    """Unix seconds → a timestamptz literal in UTC."""
    d, rest = divmod(seconds, 86400)
    text = _days.get(d) or day(d)
    return f"{text} {_CLOCK[rest]}"


def local_day(seconds: int) -> int:
    """The local (Asia/Shanghai) date of a moment, as days since 1970-01-01."""
    return (seconds + LOCAL_OFFSET) // 86400


def as_datetime(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def as_date(days: int) -> datetime.date:
    return _EPOCH + datetime.timedelta(days=days)


def epoch(value: datetime.datetime) -> int:
    return int(value.timestamp())


def esc(text: str) -> str:
    """A free text in COPY's text format (the generated vocabulary needs none of this)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def value(v) -> str:
    """One value of a generic row: None, bool, int or str (escaped)."""
    if v is None:
        return NULL
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, int):
        return str(v)
    return esc(v)


class Table:
    CHUNK = 2 << 20  # characters buffered before a COPY

    def __init__(self, copier: "Copier", model: type[models.Model], columns: list[str]):
        self.copier = copier
        self.model = model
        self.name = model._meta.db_table
        self.columns = columns
        cols = ", ".join(f'"{c}"' for c in columns)
        self.sql = f'COPY "{self.name}" ({cols}) FROM STDIN'
        self.buffer: list[str] = []
        self.size = 0
        self.rows = 0
        self.seconds = 0.0
        self.first_id = copier.next_free_id(self.name)
        self.next_id = self.first_id

    def take(self) -> int:
        """The id of the next row."""
        pk = self.next_id
        self.next_id += 1
        return pk

    def line(self, text: str) -> None:
        """One row, already in COPY's text format, ending in a newline."""
        self.buffer.append(text)
        self.size += len(text)
        self.rows += 1
        if self.size >= self.CHUNK:
            self.flush()

    def row(self, *values) -> None:
        self.line("\t".join(map(value, values)) + "\n")

    def flush(self) -> None:
        if not self.buffer:
            return
        self.copier.send(self, "".join(self.buffer))
        self.buffer = []
        self.size = 0

    @property
    def last_id(self) -> int:
        return self.next_id - 1


class Copier:
    """The tables of one run, on one connection, inside the caller's transaction."""

    def __init__(self, cursor):
        # Django's cursor for statements; psycopg's connection for the COPY thread (psycopg
        # holds the connection's lock for a whole COPY, so statements and copies never mix).
        self.cursor = cursor
        self.connection = cursor.cursor.connection
        self.tables: dict[str, Table] = {}
        self.triggers_off = False
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # --- the COPY thread -------------------------------------------------------------------
    def _work(self) -> None:
        cursor = self.connection.cursor()
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                table, data = item
                if self._error is None:
                    started = time.perf_counter()
                    with cursor.copy(table.sql) as copy:
                        copy.write(data)
                    table.seconds += time.perf_counter() - started
            except BaseException as exc:  # handed to the main thread, which raises it
                self._error = exc
            finally:
                self._queue.task_done()

    def send(self, table: "Table", data: str) -> None:
        if self._error is not None:
            raise self._error
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="seed-scale-copy", daemon=True)
            self._thread.start()
        self._queue.put((table, data))

    def drain(self) -> None:
        """Every buffered row sent and inserted (before a statement that reads them)."""
        for table in self.tables.values():
            table.flush()
        self._queue.join()
        if self._error is not None:
            raise self._error

    def close(self, *, abort: bool = False) -> None:
        """Stop the COPY thread; on ``abort`` the chunks still queued are dropped (the
        transaction is about to roll back, and must not find a COPY under way)."""
        if self._thread is None:
            return
        if abort and self._error is None:
            self._error = RuntimeError("aborted")
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def begin(self) -> None:
        """Triggers off for the rest of the transaction, if the role may (a released savepoint
        keeps the SET LOCAL; a refused one leaves the transaction usable)."""
        try:
            with transaction.atomic():
                self.cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            self.triggers_off = False
        else:
            self.triggers_off = True

    def table(self, model: type[models.Model], columns: list[str]) -> Table:
        name = model._meta.db_table
        if name not in self.tables:
            self.cursor.execute(f'LOCK TABLE "{name}" IN SHARE ROW EXCLUSIVE MODE')
            self.tables[name] = Table(self, model, columns)
        return self.tables[name]

    def next_free_id(self, name: str) -> int:
        self.cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{name}"')
        largest = self.cursor.fetchone()[0]
        self.cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{name}"'])
        sequence = self.cursor.fetchone()[0]
        if sequence:
            self.cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last, called = self.cursor.fetchone()
            largest = max(largest, last if called else last - 1)
        return largest + 1

    def finish(self) -> None:
        """Send what is buffered and move every sequence past the ids written."""
        self.drain()
        for table in self.tables.values():
            if table.next_id == table.first_id:
                continue
            self.cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{table.name}"'])
            sequence = self.cursor.fetchone()[0]
            if sequence:
                self.cursor.execute("SELECT setval(%s, %s, true)", [sequence, table.last_id])

    def check_references(self) -> list[str]:
        """Every foreign key of every written table, over the rows written: the references
        that point nowhere (empty when all is well)."""
        problems = []
        # Hash anti-joins over millions of rows: in memory, not in batches on disk.
        self.cursor.execute("SET LOCAL work_mem = '256MB'")
        for table in self.tables.values():
            if table.rows == 0:
                continue
            for field in table.model._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey) or field.column not in table.columns:
                    continue
                target = field.related_model._meta.db_table
                target_col = field.target_field.column
                self.cursor.execute(
                    f'SELECT COUNT(*) FROM "{table.name}" t '
                    f'WHERE t.id BETWEEN %s AND %s AND t."{field.column}" IS NOT NULL '
                    f'AND NOT EXISTS (SELECT 1 FROM "{target}" r WHERE r."{target_col}" = t."{field.column}")',
                    [table.first_id, table.last_id],
                )
                missing = self.cursor.fetchone()[0]
                if missing:
                    problems.append(f"{table.name}.{field.column}: {missing}")
        return problems
