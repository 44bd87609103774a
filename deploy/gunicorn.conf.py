"""Gunicorn for the portal: `gunicorn --config deploy/gunicorn.conf.py config.wsgi:application`.

Every value can be changed from the environment (/etc/portal/env or the container's), so the
same file serves the one-machine and the scaled-out layouts; see deploy/README.md."""

import logging
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# nginx on the same host talks to 127.0.0.1; an app host behind a separate nginx binds its
# private address. Never expose this port to the Internet: Django trusts X-Forwarded-Proto and
# the last X-Forwarded-For entry (TRUSTED_PROXY_COUNT=1) because only nginx can reach it.
bind = [b.strip() for b in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if b.strip()]

# Sync workers: nginx buffers slow uploads and slow clients, so a worker is only ever busy with
# the application itself. 2 per core + 1 is gunicorn's rule of thumb; each costs ~150 MB.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# The slowest legitimate requests are Excel exports and PDF receipts; nginx waits a little longer
# (proxy_read_timeout 65s) so that a killed worker's 502 is gunicorn's and shows in its log.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then so that a slow leak cannot grow for weeks; the jitter keeps them
# from all restarting in the same minute.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Load Django (and jieba's dictionary, see when_ready) once in the master: workers start at once
# and share those pages copy-on-write. A code change therefore needs a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in ("0", "false", "no")

# The heartbeat file on tmpfs: a worker blocked on a slow disk is not mistaken for a hung one.
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

# Gunicorn 25+ opens a control socket under $HOME by default; the services' home is read-only.
# systemd's RuntimeDirectory= gives /run/portal; elsewhere it is off unless asked for.
_control = os.environ.get("GUNICORN_CONTROL_SOCKET") or (
    os.path.join(os.environ["RUNTIME_DIRECTORY"], "gunicorn.ctl")
    if os.environ.get("RUNTIME_DIRECTORY")
    else ""
)
if _control:
    control_socket = _control
else:
    control_socket_disable = True

proc_name = "portal"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = "-"
accesslog = "-"
# The request id is the one RequestIdMiddleware answers with (nginx's $request_id when nginx
# sent one), so a line here, nginx's line and the application's JSON log can be joined on it.
# h is nginx's address; the client's is the last X-Forwarded-For entry.
access_log_format = (
    '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s "%(f)s" "%(a)s" via=%(h)s'
)


def _quiet_logger():
    from gunicorn.glogging import Logger as GunicornLogger

    class QuietHealthLogger(GunicornLogger):
        """Without the health checks: a monitor polling /healthz/ every few seconds would
        drown the access log (nginx does not log them either)."""

        def access(self, resp, req, environ, request_time):
            if environ.get("PATH_INFO") == "/healthz/":
                return
            super().access(resp, req, environ, request_time)

    return QuietHealthLogger


logger_class = _quiet_logger()


def when_ready(server):
    # With the app preloaded, load jieba's dictionary (~1 s) in the master: every worker then
    # has it without paying for it on its first search.
    if not preload_app:
        return
    try:
        from search.text import initialize

        initialize()
    except Exception:  # a slower first search is no reason to refuse to start
        logging.getLogger("gunicorn.error").warning("could not preload jieba", exc_info=True)


def pre_fork(server, worker):
    # A connection the master opened while preloading must not be shared by the forked workers.
    if not preload_app:
        return
    from django.db import connections

    connections.close_all()
