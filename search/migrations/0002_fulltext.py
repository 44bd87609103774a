"""The full-text structures each database needs, which Django's fields cannot describe.

PostgreSQL: a GIN index on SearchEntry.vector (which the backend writes as a tsvector literal of
jieba's words: title A, body B) and an index in the browsing order.
SQLite: an external-content FTS5 table over SearchText's word columns (rowid = the entry's id),
kept in step by triggers, and the browsing index.

The triggers run inside the statement that writes the text (including the database's own
cascade when an entry is deleted), so the FTS index can never disagree with the table. On
SQLite, Django rebuilds a table to alter it (new table, copy, drop, rename), which drops its
triggers: a later migration that alters SearchText must run ``SQLITE_TRIGGERS`` again.
"""

from django.db import migrations

ENTRY = "portal_search_searchentry"
TEXT = "portal_search_searchtext"
FTS = "portal_search_fts"
COLUMNS = ("title_tokens", "body_tokens")

POSTGRES_FORWARDS = [
    f"CREATE INDEX portal_search_entry_vector ON {ENTRY} USING gin (vector)",
    f'CREATE INDEX portal_search_entry_browse ON {ENTRY} ("open" DESC, "date" DESC NULLS LAST, id DESC)',
]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS portal_search_entry_browse",
    "DROP INDEX IF EXISTS portal_search_entry_vector",
]

_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER portal_search_fts_insert AFTER INSERT ON {TEXT} BEGIN
        INSERT INTO {FTS}(rowid, {_cols}) VALUES (new.entry_id, {_new});
    END
    """,
    f"""
    CREATE TRIGGER portal_search_fts_delete AFTER DELETE ON {TEXT} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {_cols}) VALUES ('delete', old.entry_id, {_old});
    END
    """,
    f"""
    CREATE TRIGGER portal_search_fts_update AFTER UPDATE ON {TEXT} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {_cols}) VALUES ('delete', old.entry_id, {_old});
        INSERT INTO {FTS}(rowid, {_cols}) VALUES (new.entry_id, {_new});
    END
    """,
]
SQLITE_FORWARDS = [
    f"""
    CREATE VIRTUAL TABLE {FTS} USING fts5(
        {_cols}, content='{TEXT}', content_rowid='entry_id', tokenize='unicode61'
    )
    """,
    *SQLITE_TRIGGERS,
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    f'CREATE INDEX portal_search_entry_browse ON {ENTRY} ("open" DESC, "date" DESC, id DESC)',
]
SQLITE_BACKWARDS = [
    "DROP INDEX IF EXISTS portal_search_entry_browse",
    "DROP TRIGGER IF EXISTS portal_search_fts_insert",
    "DROP TRIGGER IF EXISTS portal_search_fts_delete",
    "DROP TRIGGER IF EXISTS portal_search_fts_update",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARDS)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARDS)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_BACKWARDS)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("portal_search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
