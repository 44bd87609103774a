"""deploy/backup/: a backup of the portal's real schema and rows restores into a scratch database
that verify_restore.sh finds identical; a damaged copy is caught; pg_restore.sh will not
overwrite a database that holds anything; pg_backup.sh prunes old backups only after a good one.

Runs on the PostgreSQL the suite uses (DATABASE_URL) or else 127.0.0.1:5432 as postgres, in
databases named deploytest_*, all dropped afterwards. Skipped without PostgreSQL or its client
programs, unless REQUIRE_SERVICES=1."""

import os
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.deploy.conftest import DEPLOY, REPO, base_env, require_commands, unavailable

BACKUP = DEPLOY / "backup"
CLIENTS = ("psql", "pg_dump", "pg_restore", "createdb", "dropdb", "vacuumdb")


def _server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        server = {
            "PGHOST": db.get("HOST") or "127.0.0.1",
            "PGPORT": str(db.get("PORT") or 5432),
            "PGUSER": db.get("USER") or "postgres",
        }
        if db.get("PASSWORD"):
            server["PGPASSWORD"] = db["PASSWORD"]
        return server
    return {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres"}


def _url(server: dict[str, str], dbname: str) -> str:
    password = f":{quote(server['PGPASSWORD'], safe='')}" if server.get("PGPASSWORD") else ""
    return f"postgres://{quote(server['PGUSER'], safe='')}{password}@{server['PGHOST']}:{server['PGPORT']}/{dbname}"


def _run(args, env, *, timeout=120, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def _sql(env, dbname: str, sql: str) -> str:
    result = _run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class Databases:
    """Scratch databases on the server, each dropped at the end whatever happened."""

    def __init__(self, env):
        self.env = env
        self.names: list[str] = []

    def name(self, what: str) -> str:
        name = f"deploytest_{what}_{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        return name

    def create(self, what: str) -> str:
        name = self.name(what)
        result = _run(["createdb", name], self.env)
        assert result.returncode == 0, result.stderr
        return name

    def drop_all(self) -> None:
        for name in self.names:
            _run(["dropdb", "--if-exists", "--force", name], self.env)


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    """Environment for the scripts: the server through PG* variables, nothing else."""
    require_commands(*CLIENTS)
    env = base_env(tmp_path_factory.mktemp("pghome"), **_server())
    probe = _run(["psql", "-X", "-At", "-d", "postgres", "-c", "SELECT 1"], env, timeout=20)
    if probe.returncode != 0:
        unavailable(f"PostgreSQL not reachable at {env['PGHOST']}:{env['PGPORT']}: {probe.stderr.strip()}")
    databases = Databases(env)
    try:
        yield env, databases
    finally:
        databases.drop_all()


@pytest.fixture(scope="module")
def portal_db(pg, tmp_path_factory):
    """The project's schema (manage.py migrate) and real rows written by the domain services."""
    env, databases = pg
    name = databases.create("source")
    files = tmp_path_factory.mktemp("portal-files")
    django_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": _url(env, name),
        "MEDIA_ROOT": str(files / "media"),
        "PRIVATE_FILES_ROOT": str(files / "private"),
        # Each migration commits; not waiting for the disk makes the schema a lot quicker.
        "PGOPTIONS": "-c synchronous_commit=off",
    }
    migrate = _run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks"],
        django_env,
        timeout=600,
        cwd=REPO,
    )
    assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-3000:]
    seed = _run([sys.executable, "-m", "tests.deploy.seed_rows"], django_env, timeout=300, cwd=REPO)
    assert seed.returncode == 0, seed.stdout[-3000:] + seed.stderr[-3000:]
    return name, files


def test_a_backup_restores_identical_and_a_damaged_copy_is_caught(pg, portal_db, tmp_path):
    env, databases = pg
    source, _files = portal_db
    # The rows this test relies on are really there: postings balance, with money moved.
    postings, moved, balance = _sql(
        env, source, "SELECT count(*), sum(abs(amount_fen)), sum(amount_fen) FROM fund_posting"
    ).split("|")
    assert int(postings) > 10 and int(moved) > 0 and int(balance) == 0
    assert int(_sql(env, source, "SELECT count(*) FROM places_grid")) > 50

    copy = databases.name("copy")
    backups = tmp_path / "backups"
    verified = _run(
        [BACKUP / "verify_restore.sh", "--keep", "--scratch", copy, "--backup-dir", backups, source], env
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{source} and {copy} are equal" in verified.stderr
    assert f"public.fund_posting: {postings} postings, {moved} fen moved, balance 0" in verified.stderr
    dumps = sorted(backups.glob("*.dump"))
    assert len(dumps) == 1 and dumps[0].with_suffix(".sha256").exists()

    # The comparison is the script's; check the copy independently too.
    for table in ("fund_posting", "fund_donation", "core_auditentry", "places_grid", "accounts_user"):
        query = f"SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t.id)) FROM {table} t"
        assert _sql(env, copy, query) == _sql(env, source, query), table
    # The append-only triggers came back with the data.
    trigger = "SELECT count(*) FROM pg_trigger WHERE tgname = 'fund_posting_append_only'"
    assert _sql(env, copy, trigger) == "1"

    # Damage the copy three ways. As the superuser in replica mode, neither the append-only
    # triggers nor the foreign keys stand in the way.
    _sql(
        env,
        copy,
        "SET session_replication_role = replica;"
        " DELETE FROM fund_posting WHERE id = (SELECT max(id) FROM fund_posting);"
        " UPDATE fund_donation SET amount_fen = amount_fen + 1 WHERE id = (SELECT min(id) FROM fund_donation);"
        " SELECT setval(pg_get_serial_sequence('places_grid', 'id'), 1);",
    )
    compared = _run([BACKUP / "verify_restore.sh", "--compare-only", source, copy], env)
    assert compared.returncode == 1, compared.stdout + compared.stderr
    report = compared.stdout
    assert (
        f"DIFFERENT rows public.fund_posting: {postings} in {source}, {int(postings) - 1} in the copy"
        in report
    )
    assert "DIFFERENT checksum public.fund_posting:" in report
    assert "DIFFERENT total public.fund_posting:" in report
    # Same number of donations, one amount changed: only the content checksum sees it.
    assert "DIFFERENT checksum public.fund_donation:" in report
    assert "DIFFERENT rows public.fund_donation" not in report
    assert "DIFFERENT sequence public.places_grid.id: ahead of its column" in report
    assert len(report.splitlines()) == 5, report
    assert f"{source} and {copy} DIFFER (5 differences" in compared.stderr


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(pg, tmp_path):
    env, databases = pg
    source = databases.create("small")
    _sql(env, source, "CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept SELECT generate_series(1, 7)")
    backup = _run([BACKUP / "pg_backup.sh", "--dir", tmp_path, "--keep-days", "0", source], env)
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())

    # A database that does not exist is created.
    fresh = databases.name("fresh")
    restored = _run([BACKUP / "pg_restore.sh", dump, fresh], env)
    assert restored.returncode == 0, restored.stderr
    assert _sql(env, fresh, "SELECT count(*) FROM kept") == "7"

    # One holding a table is left alone...
    target = databases.create("target")
    _sql(env, target, "CREATE TABLE precious (id int); INSERT INTO precious VALUES (1)")
    refused = _run([BACKUP / "pg_restore.sh", dump, target], env)
    assert refused.returncode == 3, refused.stderr
    assert f"database {target} is not empty" in refused.stderr and "--force" in refused.stderr
    assert _sql(env, target, "SELECT count(*) FROM precious") == "1"
    assert _sql(env, target, "SELECT to_regclass('kept') IS NULL") == "t"

    # ...unless forced: then it holds exactly the dump.
    forced = _run([BACKUP / "pg_restore.sh", "--force", dump, target], env)
    assert forced.returncode == 0, forced.stderr
    assert _sql(env, target, "SELECT count(*) FROM kept") == "7"
    assert _sql(env, target, "SELECT to_regclass('precious') IS NULL") == "t"

    # A dump that no longer matches its checksum is refused before anything is touched.
    with dump.open("r+b") as f:
        f.seek(-20, os.SEEK_END)
        f.write(b"\0" * 20)
    damaged = _run([BACKUP / "pg_restore.sh", "--force", dump, target], env)
    assert damaged.returncode != 0 and "does not match its checksum" in damaged.stderr
    assert _sql(env, target, "SELECT count(*) FROM kept") == "7"


def _age(path: Path, days: float) -> None:
    moment = time.time() - days * 86400
    os.utime(path, (moment, moment))


def test_backup_archives_files_and_prunes_old_backups_only_after_success(pg, tmp_path):
    env, databases = pg
    source = databases.create("prune")
    _sql(env, source, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)")
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [backups / "portal-20200101T000000Z.dump", backups / "portal-20200101T000000Z.files-private.tar.gz"]
    recent = backups / "portal-20991231T000000Z.dump"
    unrelated = backups / "notes-20200101T000000Z.txt"
    for path, days in ((old[0], 30), (old[1], 30), (recent, 2), (unrelated, 30)):
        path.write_text("x")
        _age(path, days)
    private = tmp_path / "private"
    (private / "evidence").mkdir(parents=True)
    (private / "evidence" / "回单.pdf").write_bytes(b"%PDF-1.4 test")

    # A failed backup (no such database) deletes nothing and leaves nothing half-written.
    failed = _run([BACKUP / "pg_backup.sh", "--dir", backups, "--keep-days", "7", f"{source}_missing"], env)
    assert failed.returncode != 0
    assert "FAILED" in failed.stderr
    assert sorted(p.name for p in backups.iterdir()) == sorted(p.name for p in [*old, recent, unrelated])

    # The backup timer's way: the server and database from DATABASE_URL alone.
    url_only = {k: v for k, v in env.items() if not k.startswith("PG")}
    url_only["DATABASE_URL"] = _url(env, source)
    done = _run([BACKUP / "pg_backup.sh", "--dir", backups, "--keep-days", "7", "--files", private], url_only)
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.parent == backups and dump.name.startswith("portal-") and dump.stat().st_size > 0
    base = dump.name.removesuffix(".dump")
    tarball = backups / f"{base}.files-private.tar.gz"
    assert not any(p.exists() for p in old)
    assert recent.exists() and unrelated.exists()
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    check = _run(["sha256sum", "--check", f"{base}.sha256"], env, cwd=backups)
    assert check.returncode == 0 and check.stdout.count(": OK") == 2, check.stdout + check.stderr
    with tarfile.open(tarball) as archive:
        assert "private/evidence/回单.pdf" in archive.getnames()
    listing = _run(["pg_restore", "--list", dump], env)
    assert "TABLE DATA public t" in listing.stdout


def test_a_live_database_is_compared_in_the_snapshot_its_dump_saved(pg, tmp_path):
    """Rows keep arriving while verify_restore.sh runs: its figures for the source must be the
    dump's, not those of a moment later, or every check of a live portal would fail."""
    env, databases = pg
    source = databases.create("live")
    _sql(env, source, "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v int)")
    # Writes until stopped: a row every few milliseconds, each its own transaction.
    writer = subprocess.Popen(
        ["psql", "-X", "-q", "-d", source, "-c",
         "DO $$ BEGIN LOOP INSERT INTO t (v) VALUES (1); COMMIT; PERFORM pg_sleep(0.003); END LOOP; END $$"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        while int(_sql(env, source, "SELECT count(*) FROM t")) < 50:
            assert writer.poll() is None, writer.communicate()
            time.sleep(0.05)
        copy = databases.name("livecopy")
        verified = _run(
            [BACKUP / "verify_restore.sh", "--keep", "--scratch", copy, "--checksum", "t", source], env
        )
        assert writer.poll() is None, writer.communicate()
        after = int(_sql(env, source, "SELECT count(*) FROM t"))
    finally:
        _sql(
            env,
            "postgres",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{source}'",
        )
        writer.wait(timeout=60)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    in_copy = int(_sql(env, copy, "SELECT count(*) FROM t"))
    assert 50 <= in_copy < after


def test_database_url_supplies_the_connection(tmp_path):
    """The backup timer has only DATABASE_URL: its parts, percent-decoded, become libpq's
    variables, and variables already set win."""
    url = "postgres://por%40tal:p%25w%3Ad%2Fx@db.internal:6543/portal_db?sslmode=require&x=1"
    show = 'printf "%s|" "$PGUSER" "$PGPASSWORD" "$PGHOST" "$PGPORT" "$PGDATABASE" "$PGSSLMODE"'
    script = f'. "{BACKUP / "common.sh"}"; {show}'
    parsed = _run(["bash", "-c", script], base_env(tmp_path, DATABASE_URL=url))
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout == "por@tal|p%w:d/x|db.internal|6543|portal_db|require|"
    kept = _run(["bash", "-c", script], base_env(tmp_path, DATABASE_URL=url, PGHOST="10.0.0.5"))
    assert kept.stdout.split("|")[2] == "10.0.0.5"
    socket_url = "postgres://portal@%2Frun%2Fpostgresql/portal"
    local = _run(["bash", "-c", script], base_env(tmp_path, DATABASE_URL=socket_url))
    assert local.stdout.split("|")[2] == "/run/postgresql"
    wrong = _run(["bash", "-c", script], base_env(tmp_path, DATABASE_URL="sqlite:////tmp/db.sqlite3"))
    assert wrong.returncode != 0 and "not a postgres:// URL" in wrong.stderr
