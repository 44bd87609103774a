"""What the benchmarks in bench/ share: a scratch PostgreSQL database, the portal served by
gunicorn with production settings, a small HTTP client and a concurrent load driver.

Nothing here imports Django at module level, so a benchmark can create and migrate its database
before it configures Django for that database:

    with scratch_database(server_url, "bench_write") as url:
        migrate(url, env=production_env(url))
        os.environ.update(production_env(url)); django.setup()
        ...make data with the project's services and factories...
        with serve(url, "config.settings.production", workers=2) as server:
            results = drive(jobs, threads=32)

The helpers in the last section (sessions, CSRF) need Django configured in the calling process.
"""

import base64
import contextlib
import dataclasses
import hashlib
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

# Fixed, not random: a kept scratch database stays readable by a later run (encrypted ID numbers,
# sealed bids). These values only ever protect synthetic data in a throwaway database.
_BENCH_SEED = b"portal-benchmark-only"


def _derived(label: str) -> str:
    return hashlib.sha256(_BENCH_SEED + label.encode()).hexdigest()


def _fernet_key(label: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(_BENCH_SEED + label.encode()).digest()).decode()


# --- databases ------------------------------------------------------------------------------
def _split_url(database_url: str) -> tuple[urllib.parse.ParseResult, str]:
    parsed = urllib.parse.urlparse(database_url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"a PostgreSQL URL is needed (postgres://...), not {parsed.scheme}://")
    return parsed, parsed.path.lstrip("/")


def with_database(database_url: str, name: str) -> str:
    """The same server URL naming another database."""
    parsed, _old = _split_url(database_url)
    return urllib.parse.urlunparse(parsed._replace(path="/" + name))


def _admin_connection(database_url: str):
    import psycopg

    parsed, _name = _split_url(database_url)
    return psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=urllib.parse.unquote(parsed.username or "postgres"),
        password=urllib.parse.unquote(parsed.password) if parsed.password else None,
        dbname="postgres",
        autocommit=True,
    )


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"database name {name!r}: letters, digits and underscores only")
    return f'"{name}"'


def database_exists(database_url: str) -> bool:
    _parsed, name = _split_url(database_url)
    with _admin_connection(database_url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create_database(database_url: str, *, replace: bool = True) -> None:
    _parsed, name = _split_url(database_url)
    with _admin_connection(database_url) as conn:
        if replace:
            conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {_quoted(name)}")


def drop_database(database_url: str) -> None:
    _parsed, name = _split_url(database_url)
    with _admin_connection(database_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")


@contextlib.contextmanager
def scratch_database(server_url: str, name: str, *, keep: bool = False, reuse: bool = False) -> Iterator[str]:
    """A database ``name`` on the server of ``server_url``, yielded as a URL. Made afresh (an
    earlier one of that name is dropped) unless ``reuse`` and it exists; dropped on exit unless
    ``keep``. The name must start with ``bench``: this drops databases."""
    if not name.startswith("bench"):
        raise SystemExit(f"scratch database names start with 'bench' (got {name!r})")
    url = with_database(server_url, name)
    if not (reuse and database_exists(url)):
        create_database(url)
    try:
        yield url
    finally:
        if not keep:
            drop_database(url)


# --- settings and processes -----------------------------------------------------------------
def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The variables ``config.settings.production`` insists on, for a local run: the app believes
    it is behind a TLS-terminating proxy (clients send ``X-Forwarded-Proto: https``)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": _derived("secret-key"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEYS": _fernet_key("field-encryption"),
        "PII_HASH_KEY": _derived("pii-hash"),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
    }
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], quiet: bool = True) -> None:
    """Run ``manage.py`` in a child process with ``env`` added to this process's environment."""
    result = subprocess.run(
        [PYTHON, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=quiet,
        text=True,
    )
    if result.returncode != 0:
        detail = (result.stderr or "")[-3000:] if quiet else ""
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{detail}")


def migrate(database_url: str, *, env: dict[str, str] | None = None) -> None:
    manage(
        "migrate", "--noinput", env={**(env or production_env(database_url)), "DATABASE_URL": database_url}
    )


def collectstatic(*, env: dict[str, str]) -> None:
    """Production settings serve hashed static files from a manifest: pages that render
    ``{% static %}`` fail without it. Writes STATIC_ROOT (git-ignored)."""
    manage("collectstatic", "--noinput", env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class Server:
    host: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@contextlib.contextmanager
def serve(
    database_url: str,
    settings_module: str = "config.settings.production",
    *,
    workers: int = 2,
    port: int | None = None,
    env: dict[str, str] | None = None,
    worker_class: str = "sync",
    threads: int = 1,
    timeout: int = 120,
    ready_path: str = "/healthz/",
    ready_within: float = 60.0,
    production_secrets: bool = True,
) -> Iterator[Server]:
    """The portal under gunicorn on 127.0.0.1, ready to answer, stopped on exit. ``env`` adds to
    (and overrides) :func:`production_env`; the server's log goes to a temporary file whose tail
    is shown if it fails to start."""
    port = port or free_port()
    child_env = {
        **os.environ,
        # Without production secrets the server uses the caller's (or the defaults), as the
        # process that made the data did: encrypted fields must stay readable.
        **(production_env(database_url) if production_secrets else {}),
        **(env or {}),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings_module,
    }
    log_file = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        # Room for every waiting client connection: the load comes in bursts.
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=child_env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server("127.0.0.1", port, process, Path(log_file.name))
    failed = True
    try:
        _wait_ready(server, ready_path, ready_within)
        yield server
        failed = False
    finally:
        _stop(process)
        log_file.close()
        if failed:
            sys.stderr.write(f"gunicorn's log is kept in {server.log_path}\n")
        else:
            server.log_path.unlink(missing_ok=True)


def _wait_ready(server: Server, path: str, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.process.returncode}):\n{server.log_tail()}")
        try:
            http_request("GET", server.base_url + path, timeout=2)
            return  # any answer (even 503 from a health check) means the workers serve
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn did not answer within {within:.0f} s:\n{server.log_tail()}"
                ) from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # The master stops its workers on SIGTERM (graceful); its own process group holds them all.
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- HTTP -----------------------------------------------------------------------------------
@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str]
    started: float  # time.time() when the request was sent
    elapsed: float  # seconds until the whole answer was read


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> Answer:
    """One request on a fresh connection (gunicorn's sync workers close every connection)."""
    parsed = urllib.parse.urlsplit(url)
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    sent_headers = {"X-Forwarded-Proto": "https", **(headers or {})}
    started, t0 = time.time(), time.perf_counter()
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=sent_headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - t0
        return Answer(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
            set_cookies=response.headers.get_all("Set-Cookie") or [],
            started=started,
            elapsed=elapsed,
        )
    finally:
        connection.close()


@dataclasses.dataclass
class Outcome:
    """What one job of :func:`drive` gave: its own result, or the exception it raised."""

    index: int
    result: object = None
    error: BaseException | None = None
    started: float = 0.0
    elapsed: float = 0.0


@dataclasses.dataclass
class Run:
    outcomes: list[Outcome]
    wall_seconds: float

    @property
    def rate(self) -> float:
        return len(self.outcomes) / self.wall_seconds if self.wall_seconds else 0.0

    def latencies_ms(self) -> list[float]:
        return [o.elapsed * 1000 for o in self.outcomes]


def drive(
    jobs: Sequence[Callable[[], object]],
    *,
    threads: int,
    start_at: Sequence[float] | None = None,
) -> Run:
    """Run the jobs on ``threads`` threads, all released together; each job is taken in order by
    the next free thread. ``start_at`` (``time.time()`` values, one per job) holds a job back
    until its moment. A job's exception is kept in its outcome, never raised here."""
    outcomes = [Outcome(i) for i in range(len(jobs))]
    next_job = iter(range(len(jobs)))
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def worker() -> None:
        barrier.wait()
        while True:
            with lock:
                index = next(next_job, None)
            if index is None:
                return
            if start_at is not None:
                delay = start_at[index] - time.time()
                if delay > 0:
                    time.sleep(delay)
            outcome = outcomes[index]
            outcome.started, t0 = time.time(), time.perf_counter()
            try:
                outcome.result = jobs[index]()
            except Exception as exc:  # a failed job is a figure to report, not a crash
                outcome.error = exc
            outcome.elapsed = time.perf_counter() - t0

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    t0 = time.perf_counter()
    for thread in pool:
        thread.join()
    return Run(outcomes, time.perf_counter() - t0)


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values_ms, 50), 1),
        "p95_ms": round(percentile(values_ms, 95), 1),
        "p99_ms": round(percentile(values_ms, 99), 1),
        "max_ms": round(max(values_ms), 1) if values_ms else float("nan"),
        "mean_ms": round(statistics.fmean(values_ms), 1) if values_ms else float("nan"),
    }


def machine() -> dict[str, object]:
    """What the figures were measured on (a shared machine skews them: the load is recorded)."""
    import platform

    load = os.getloadavg() if hasattr(os, "getloadavg") else (None, None, None)
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load if x is not None],
    }


def source_state() -> dict[str, object]:
    """Which code was measured: the commit, and how many files differ from it."""

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    changed = git("status", "--porcelain")
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed_files": len(changed.splitlines())}


# --- Django-side helpers (Django configured in this process) --------------------------------
def login_session(user) -> str:
    """A signed-in session for ``user`` written straight to the session store, as a login would
    leave it; returns the session key (the ``sessionid`` cookie)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    # The backend a password login names (axes' backend only refuses locked-out logins).
    store[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if not b.startswith("axes.")
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # The portal's session clock (marketplace.accounts.middleware) starts at login.
    now = int(time.time())
    store["_portal_session_started"] = now
    store["_portal_last_seen"] = now
    store.create()
    return store.session_key


def browser_headers(server: Server, session_key: str | None = None, *, csrf: bool = True) -> dict[str, str]:
    """Cookies and headers of a signed-in browser posting to the portal over HTTPS: the session,
    a CSRF cookie with the same token in ``X-CSRFToken``, and the Origin the CSRF check wants."""
    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string

    cookies, headers = [], {}
    if session_key:
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session_key}")
    if csrf:
        token = _get_new_csrf_string()
        cookies.append(f"{settings.CSRF_COOKIE_NAME}={token}")
        headers["X-CSRFToken"] = token
        headers["Origin"] = f"https://{server.host}:{server.port}"
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    return headers
