"""deploy/: gunicorn.conf.py loads and serves (request ids in its access log, health checks
left out), the healthcheck helper speaks to production settings, every systemd unit verifies,
the Containerfile copies what exists and its collectstatic step works, nginx accepts the site
and, in front of the real gunicorn, does what the guide says, and the guide lists every
environment variable the settings read."""

import http.client
import http.server
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.deploy.conftest import (
    DEPLOY,
    REPO,
    base_env,
    free_port,
    production_env,
    require_commands,
    unavailable,
)

GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "portal.example.cn"


def _run(args, env, *, timeout=120, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


# --- gunicorn ---------------------------------------------------------------------------------


def test_gunicorn_config_resolves_from_the_environment(tmp_path):
    """--print-config loads the file and the application under production settings."""
    env = production_env(tmp_path, GUNICORN_WORKERS="3", GUNICORN_TIMEOUT="45")
    result = _run(
        [GUNICORN, "--print-config", "--config", DEPLOY / "gunicorn.conf.py", "config.wsgi:application"], env
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    resolved = dict(
        re.match(r"(\w+)\s+= ?(.*)", line).groups() for line in result.stdout.splitlines() if " = " in line
    )
    assert resolved["workers"] == "3"
    assert resolved["timeout"] == "45"
    assert resolved["preload_app"] == "True"
    assert int(resolved["max_requests"]) > 0 and int(resolved["max_requests_jitter"]) > 0
    assert resolved["bind"] == "['127.0.0.1:8000']"
    assert "rid=%({x-request-id}o)s" in resolved["access_log_format"]
    # No control socket under a read-only $HOME unless systemd gives a runtime directory.
    assert resolved["control_socket_disable"] == "True"


class Gunicorn:
    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.log = tmp_path / "gunicorn.out"
        self.errors = tmp_path / "gunicorn.err"
        self.env = production_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{self.port}", GUNICORN_WORKERS="2")
        with self.log.open("w") as out, self.errors.open("w") as err:
            self.process = subprocess.Popen(
                [GUNICORN, "--config", DEPLOY / "gunicorn.conf.py", "config.wsgi:application"],
                env=self.env,
                cwd=REPO,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.errors.read_text()[-3000:]
            if "Booting worker" in self.errors.read_text():
                try:
                    if self.get("/healthz/")[0] in (200, 503):
                        return
                except OSError:
                    pass
            time.sleep(0.3)
        self.stop()
        pytest.fail("gunicorn did not start:\n" + self.errors.read_text()[-3000:])

    def get(self, path: str, **headers) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing is in flight
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """The real application under production settings on an unmigrated SQLite database: the
    database answers, the task queue's table does not exist, so /healthz/ says 503."""
    server = Gunicorn(tmp_path_factory.mktemp("gunicorn"))
    yield server
    server.stop()


def test_gunicorn_logs_request_ids_and_leaves_out_health_checks(gunicorn):
    status, headers, body = gunicorn.get("/healthz/")
    assert status == 503
    assert b'"database": {"status": "ok"' in body and b'"tasks": {"status": "fail"' in body
    status, headers, _ = gunicorn.get("/no-such-page/", **{"X-Request-ID": "deploy-test-0001"})
    assert headers["X-Request-ID"] == "deploy-test-0001"
    # Gunicorn writes its access log line after the response: give it a moment.
    deadline = time.monotonic() + 10
    while "deploy-test-0001" not in gunicorn.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = gunicorn.log.read_text().splitlines()
    assert any(
        '"GET /no-such-page/ HTTP/1.1"' in line and "rid=deploy-test-0001" in line for line in lines
    ), lines
    assert not any("/healthz/" in line for line in lines), lines


def test_healthcheck_helper_reports_the_portal_state(gunicorn):
    env = {**gunicorn.env}
    result = _run([sys.executable, DEPLOY / "bin" / "portal-healthcheck"], env, timeout=30)
    assert result.returncode == 1
    assert result.stdout.startswith("503 ") and '"tasks": {"status": "fail"' in result.stdout
    nothing = _run(
        [sys.executable, DEPLOY / "bin" / "portal-healthcheck", f"http://127.0.0.1:{free_port()}/healthz/"],
        env,
        timeout=30,
    )
    assert nothing.returncode == 1 and "healthz" in nothing.stderr


class _Portal(http.server.BaseHTTPRequestHandler):
    """Answers as production settings would: 400 for an unknown host, a redirect to HTTPS
    unless the proxy said the request came over it, 200 otherwise."""

    def do_GET(self):
        if self.headers.get("Host") != HOST:
            self.send_response(400)
        elif self.headers.get("X-Forwarded-Proto") != "https":
            self.send_response(301)
            self.send_header("Location", f"https://{HOST}{self.path}")
        else:
            self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args):
        pass


def test_healthcheck_helper_sends_the_host_and_scheme_nginx_would(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        env = base_env(tmp_path, DJANGO_ALLOWED_HOSTS=f"{HOST},.example.cn", GUNICORN_BIND=f"0.0.0.0:{port}")
        ok = _run([sys.executable, DEPLOY / "bin" / "portal-healthcheck"], env, timeout=30)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert ok.stdout.startswith("200 ")
        env["DJANGO_ALLOWED_HOSTS"] = "other.example.cn"
        wrong = _run([sys.executable, DEPLOY / "bin" / "portal-healthcheck"], env, timeout=30)
        assert wrong.returncode == 1 and wrong.stdout.startswith("400 ")
    finally:
        server.shutdown()


# --- systemd ----------------------------------------------------------------------------------

UNITS = DEPLOY / "systemd"


def _unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections and their keys (a key may repeat: ExecStart=, SystemCallFilter=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}: {raw!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_every_unit_runs_as_the_portal_user_hardened_with_the_env_file():
    services = sorted(UNITS.glob("*.service"))
    timers = sorted(UNITS.glob("*.timer"))
    assert {p.name for p in services} >= {
        "portal-web.service",
        "portal-worker@.service",
        "portal-publish.service",
        "portal-reconcile.service",
        "portal-backup.service",
    }
    for path in services:
        unit = _unit(path)
        service = unit["Service"]
        assert unit["Unit"]["Description"], path.name
        assert service["User"] == ["portal"] and service["Group"] == ["portal"], path.name
        assert service["EnvironmentFile"] == ["/etc/portal/env"], path.name
        assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"], path.name
        assert service["PrivateTmp"] == ["yes"] and service["CapabilityBoundingSet"] == [""], path.name
        # Read-only everywhere but its data directories (ProtectSystem=strict).
        assert "ReadWritePaths" in service or service.get("StateDirectory") == ["portal"], path.name
        for command in service["ExecStart"]:
            program = command.split()[0]
            assert program.startswith(("/opt/portal/", "/bin/sh")), command
            relative = program.removeprefix("/opt/portal/app/")
            if relative != program:
                assert (REPO / relative).exists(), f"{path.name} runs {program}, not in the repository"
    for path in timers:
        timer = _unit(path)
        assert (UNITS / path.name.replace(".timer", ".service")).exists(), path.name
        assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == ["timers.target"]
    web = _unit(UNITS / "portal-web.service")["Service"]
    assert web["Type"] == ["notify"]
    assert "--config deploy/gunicorn.conf.py config.wsgi:application" in web["ExecStart"][0]
    assert _unit(UNITS / "portal-publish.timer")["Timer"]["OnCalendar"] == ["*-*-* *:*:00"]
    backup = _unit(UNITS / "portal-backup.service")["Service"]
    assert backup["ReadWritePaths"] == ["/var/backups/portal"]
    assert "--files /var/lib/portal/private" in backup["ExecStart"][0]


def test_systemd_analyze_verifies_every_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        unavailable("systemd-analyze not installed (the unit files were still checked key by key)")
    # verify also checks that each ExecStart program exists: stand-ins under a fake /opt/portal.
    root = tmp_path / "opt-portal"
    for program in (
        "venv/bin/gunicorn",
        "venv/bin/python",
        "app/deploy/bin/portal-worker",
        "app/deploy/backup/pg_backup.sh",
    ):
        stub = root / program
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for path in sorted(UNITS.iterdir()):
        (units / path.name).write_text(path.read_text().replace("/opt/portal", str(root)))
    names = sorted(p.name for p in units.iterdir())
    result = _run(["systemd-analyze", "verify", *names], base_env(tmp_path), cwd=units)
    # verify exits 0 on unknown keys and unparsable values, which it only prints.
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), (
        result.stdout + result.stderr
    )
    calendars = [v for p in UNITS.glob("*.timer") for v in _unit(p)["Timer"]["OnCalendar"]]
    checked = _run(["systemd-analyze", "calendar", *calendars], base_env(tmp_path))
    assert checked.returncode == 0, checked.stderr


# --- container image --------------------------------------------------------------------------

CONTAINERFILE = DEPLOY / "Containerfile"


def _instructions() -> list[str]:
    """The Containerfile's instructions, continuation lines joined, comments left out."""
    joined, current = [], ""
    for line in CONTAINERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        current += (
            " " + line.strip().removesuffix("\\").strip() if current else line.strip().removesuffix("\\")
        )
        if not line.rstrip().endswith("\\"):
            joined.append(current.strip())
            current = ""
    return joined


def _ignored() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_containerfile_copies_what_exists_and_runs_unprivileged():
    instructions = _instructions()
    copies = [i.split()[1:] for i in instructions if i.startswith("COPY ") and "--from=" not in i]
    assert copies
    ignored = _ignored()
    for args in copies:
        *sources, _destination = [a for a in args if not a.startswith("--")]
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
            top = source.split("/")[0]
            assert top not in ignored and source not in ignored, f"COPY {source} is excluded by .dockerignore"
    froms = [i for i in instructions if i.startswith("FROM ")]
    assert all("${PYTHON_IMAGE}" in i for i in froms)
    assert any(i == "ARG PYTHON_IMAGE=python:3.12-slim-bookworm" for i in instructions)
    users = [i for i in instructions if i.startswith("USER ")]
    assert users == ["USER portal"]
    healthcheck = next(i for i in instructions if i.startswith("HEALTHCHECK "))
    assert "/app/deploy/bin/portal-healthcheck" in healthcheck
    cmd = next(i for i in instructions if i.startswith("CMD "))
    assert '"deploy/gunicorn.conf.py", "config.wsgi:application"' in cmd
    # Secrets and local data never enter the build context.
    assert {".env", ".git", ".venv", "var", "media", "private"} <= set(ignored)


def test_containerfile_collectstatic_step_works_with_its_throwaway_settings(tmp_path):
    """The build's collectstatic, with the variables the Containerfile gives it, into a
    temporary STATIC_ROOT (the command itself would write into the checkout)."""
    run = next(i for i in _instructions() if "manage.py collectstatic" in i)
    assignments = re.findall(r"\b([A-Z_]+)=(\S+)", run.split("python manage.py collectstatic")[0])
    variables = {name: value.replace("$(date +%s)", "0") for name, value in assignments}
    assert set(variables) >= {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "FIELD_ENCRYPTION_KEYS",
        "PII_HASH_KEY",
    }
    static_root = tmp_path / "static"
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from django.test import override_settings\n"
        f"with override_settings(STATIC_ROOT={str(static_root)!r}):\n"
        "    call_command('collectstatic', '--noinput', '--verbosity', '0')\n"
    )
    env = base_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.production", **variables)
    result = _run([sys.executable, "-c", script], env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (static_root / "staticfiles.json").exists()
    hashed = [p for p in static_root.rglob("*.css") if re.search(r"\.[0-9a-f]{12}\.css$", p.name)]
    assert hashed and any(p.with_name(p.name + ".gz").exists() for p in hashed)


# --- nginx ------------------------------------------------------------------------------------


def _nginx_site(tmp_path: Path, *, app_port: int, http_port: int, https_port: int) -> Path:
    """deploy/nginx/portal.conf with this machine's paths and ports, inside a minimal nginx.conf."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = _run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "1", "-subj", f"/CN={HOST}"],
        base_env(tmp_path),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    site = (DEPLOY / "nginx" / "portal.conf").read_text()
    for old, new in {
        "/etc/ssl/portal/fullchain.pem": str(cert),
        "/etc/ssl/portal/privkey.pem": str(key),
        "/var/log/nginx/": f"{tmp_path}/",
        "/opt/portal/app/staticfiles/": f"{tmp_path}/static/",
        "/var/lib/portal/media/": f"{tmp_path}/media/",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (tmp_path / "portal.conf").write_text(site)
    for sub in ("static", "media", "body", "proxy"):
        (tmp_path / sub).mkdir(exist_ok=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        # As root, nginx's workers would become "nobody", who cannot enter pytest's directories.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log {tmp_path}/other.log;\n"
        f" client_body_temp_path {tmp_path}/body;\n proxy_temp_path {tmp_path}/proxy;\n"
        f" fastcgi_temp_path {tmp_path}/proxy;\n uwsgi_temp_path {tmp_path}/proxy;\n"
        f" scgi_temp_path {tmp_path}/proxy;\n include {tmp_path}/portal.conf;\n}}\n"
    )
    return conf


@pytest.fixture
def nginx_available():
    require_commands("nginx", "openssl")


def test_nginx_accepts_the_site(nginx_available, tmp_path):
    conf = _nginx_site(tmp_path, app_port=8000, http_port=free_port(), https_port=free_port())
    result = _run(
        ["nginx", "-t", "-c", conf, "-p", tmp_path, "-e", tmp_path / "error.log"], base_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def _https(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, bytes]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Host": HOST})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_nginx_in_front_of_gunicorn(nginx_available, gunicorn, tmp_path):
    http_port, https_port = free_port(), free_port()
    conf = _nginx_site(tmp_path, app_port=gunicorn.port, http_port=http_port, https_port=https_port)
    (tmp_path / "static" / "css").mkdir()
    (tmp_path / "static" / "css" / "portal.0123456789ab.css").write_text("body{}")
    (tmp_path / "static" / "css" / "plain.css").write_text("body{}")
    (tmp_path / "media" / "documents").mkdir()
    (tmp_path / "media" / "documents" / "secret.pdf").write_bytes(b"%PDF")
    (tmp_path / "media" / "photo.png").write_bytes(b"\x89PNG")
    nginx = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        env=base_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "nginx.pid").exists():
            assert nginx.poll() is None and time.monotonic() < deadline, nginx.communicate()[1]
            time.sleep(0.1)

        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        plain.request("GET", "/projects/?page=2", headers={"Host": HOST})
        redirect = plain.getresponse()
        assert redirect.status == 301
        assert redirect.getheader("Location") == f"https://{HOST}/projects/?page=2"
        plain.close()

        status, headers, body = _https(https_port, "GET", "/healthz/")
        assert status == 503 and b'"database": {"status": "ok"' in body
        status, headers, _ = _https(https_port, "GET", "/no-such-page/")
        request_id = headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id  # nginx's $request_id

        status, headers, _ = _https(https_port, "GET", "/static/css/portal.0123456789ab.css")
        assert status == 200 and headers["cache-control"] == "public, max-age=31536000, immutable"
        status, headers, _ = _https(https_port, "GET", "/static/css/plain.css")
        assert status == 200 and headers["cache-control"] == "public, max-age=3600"
        assert _https(https_port, "GET", "/media/photo.png")[0] == 200
        assert _https(https_port, "GET", "/media/documents/secret.pdf")[0] == 404
        assert _https(https_port, "GET", "/.env")[0] == 404

        big = b"x" * (13 * 1024 * 1024)
        assert _https(https_port, "POST", "/accounts/login/", big)[0] == 413
        # A bid's five attachments fit; the application answers (here: CSRF), not nginx.
        assert _https(https_port, "POST", "/projects/1/bid/1/", big)[0] != 413
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=20)

    access = (tmp_path / "portal.access.log").read_text()
    assert "/healthz/" not in access
    assert re.search(rf'"GET /no-such-page/ HTTP/1.1" \d+ .* rid={request_id}', access), access
    # The same id in gunicorn's line: nginx, gunicorn and Django's log can be joined on it.
    deadline = time.monotonic() + 10
    while request_id not in gunicorn.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"rid={request_id}" in gunicorn.log.read_text()


# --- the guide --------------------------------------------------------------------------------

_ENV_READ = re.compile(
    r"""\benv\.(?:str|bool|int|float|list|json|path|db_url|email_url|url|dict)\(\s*["']([A-Z0-9_]+)["']"""
)


def test_the_guide_lists_every_environment_variable_the_settings_read():
    read = set()
    for folder in ("config", "marketplace", "cms", "search", "frontend"):
        for path in (REPO / folder).rglob("*.py"):
            read.update(_ENV_READ.findall(path.read_text(encoding="utf-8")))
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "TRUSTED_PROXY_COUNT"} <= read
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    table = {m for m in re.findall(r"^\|\s*`([A-Z0-9_]+)`", guide, flags=re.MULTILINE)}
    missing = sorted(read - table)
    assert not missing, f"deploy/README.md's environment table lacks {missing}"
