import json
import logging
import os
import subprocess
import sys

import pytest
from pythonjsonlogger.json import JsonFormatter

from marketplace.core.http import client_ip
from marketplace.core.logging import RequestIdFilter


def test_every_response_carries_a_request_id(client, db):
    first = client.get("/api/v1/streets/")["X-Request-ID"]
    second = client.get("/api/v1/streets/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_well_formed_incoming_request_id_is_kept_and_a_bad_one_replaced(client, db):
    assert (
        client.get("/api/v1/streets/", HTTP_X_REQUEST_ID="abc-123-def-456")["X-Request-ID"]
        == "abc-123-def-456"
    )
    replaced = client.get("/api/v1/streets/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("portal", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    RequestIdFilter().filter(record)
    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
    line = json.loads(formatter.format(record))
    assert line["message"] == "hello world"
    assert line["request_id"] == "-"


def test_production_settings_write_json_log_lines(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "portal.example",
        "FIELD_ENCRYPTION_KEYS": "kDvsYkt5kP5FOMLh5lZ8tZ_3tv7H0sSP5Jl3Q3GdmO0=",
        "PII_HASH_KEY": "k" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("LOG_FORMAT", None)
    code = "import django, logging; django.setup(); logging.getLogger('portal').warning('ping')"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "ping" and line["level"] == "WARNING" and "request_id" in line


class _Req:
    def __init__(self, remote, forwarded=""):
        self.META = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "1.2.3.4", "198.51.100.7"),  # no proxy: the header is the client's own words
        (1, "10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # one proxy: its entry is the last
        (1, "10.0.0.2", "", "10.0.0.2"),
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, "10.0.0.2", "not-an-ip", "10.0.0.2"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_Req(remote, forwarded)) == expected
