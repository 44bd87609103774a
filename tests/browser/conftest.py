"""Browser journeys: Playwright for Python drives the system's Chromium (Debian's ``chromium``
package, never a browser downloaded by ``playwright install``) against pytest-django's live
server, which runs in a thread of the test process: the in-memory SMS outbox is readable here.

Without Chromium or Playwright the tests skip, and the accessibility test also skips without
axe-core (``npm ci``); with ``REQUIRE_BROWSER=1`` (CI) they fail instead, so a CI machine that
lost its browser cannot pass quietly.

The live server needs the data committed, so every test here is transactional; the data the
migrations wrote (Wagtail's root and home page, the default site, permissions) comes back
through serialized rollback before each test, and before and after each module (see
``_migration_data``)."""

import contextlib
import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
# Long enough for a cold Wagtail admin page on a busy 2-core machine; short enough that a
# missing button fails the test in seconds rather than minutes.
TIMEOUT_MS = 15_000
LAID_OUT = """() => document.fonts.ready.then(
    () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))))"""


def unavailable(reason: str):
    """Skip, or fail where the browser checks must run (REQUIRE_BROWSER=1, as CI sets it)."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)")
    from django.db import connections

    # Playwright's sync API keeps an event loop running in this thread for as long as it is
    # started. Django then takes the thread for async code: it refuses ORM calls (allowed
    # below while a module of browser tests runs, and only then), and it keeps a second set of
    # database connections for async code. The test database's connections (which carry the
    # serialized data of serialized rollback) must stay the ones the tests use: hand the same
    # objects to the async side.
    sync_connections = {alias: connections[alias] for alias in connections}
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        for alias, connection in sync_connections.items():
            connections[alias] = connection
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        for alias in sync_connections:
            # The async side forgets them again (the loop is still running here).
            with contextlib.suppress(AttributeError):
                del connections[alias]
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _serialized_content_types(contents: str) -> list[dict]:
    return [row for row in json.loads(contents) if row["model"] == "contenttypes.contenttype"]


def _put_back_migration_data() -> None:
    """Leave the test database as the migrations did, with the data serialized when it was set
    up (these tests ask for serialized rollback). Content types tell the state: as migrated,
    none (emptied by a test's flush), or recreated under new keys (a flush by a transactional
    test without serialized rollback)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core import serializers
    from django.core.management import call_command
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        contents = getattr(connection, "_test_serialized_contents", None)
        if not contents:
            continue
        alias = connection.alias
        content_types = _serialized_content_types(contents)
        present = set(ContentType.objects.using(alias).values_list("pk", "app_label", "model"))
        migrated = {(row["pk"], row["fields"]["app_label"], row["fields"]["model"]) for row in content_types}
        if present == migrated:
            continue
        if present:
            # As TransactionTestCase flushes: sequences keep counting, so rows the tests
            # create never take the keys of the rows loaded back here.
            call_command(
                "flush",
                verbosity=0,
                interactive=False,
                database=alias,
                reset_sequences=False,
                inhibit_post_migrate=True,
            )
        # Content types first, and forget the cached ones (they may carry the recreated keys):
        # loading other rows looks content types up and would otherwise create them anew.
        for row in serializers.deserialize("json", json.dumps(content_types), using=alias):
            row.save(using=alias)
        ContentType.objects.clear_cache()
        connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="module", autouse=True)
def _migration_data(django_db_blocker):
    """The live server needs committed data, so the tests here are transactional: each ends by
    emptying every table, and under serialized rollback starts by loading the migrations' data
    (Wagtail's root and home page, the default site, content types, permissions) again.

    That load fails on a database that an earlier transactional test (without serialized
    rollback) emptied, since its flush recreates content types under new keys; and such tests
    running after these expect the migrations' data. So the database is put back in the state
    the migrations left before and after each module."""
    with django_db_blocker.unblock():
        _put_back_migration_data()
    yield
    with django_db_blocker.unblock():
        _put_back_migration_data()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Documents uploaded in a journey stay in the test's own folder, not in var/private."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)


class _Watch:
    """What went wrong in a browser context beyond what the test looks at: requests that would
    leave the machine (aborted), scripts refused by the Content-Security-Policy, uncaught
    script errors."""

    def __init__(self, origin: str):
        self.origin = origin
        self.external: list[str] = []
        self.csp: list[str] = []
        self.errors: list[str] = []
        self.in_flight = 0

    def is_external(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return False
        return f"{parts.scheme}://{parts.netloc}" != self.origin

    def abort(self, route):
        self.external.append(route.request.url)
        route.abort()

    def console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def started(self, request):
        self.in_flight += 1

    def ended(self, request):
        self.in_flight -= 1

    def problems(self) -> list[str]:
        return (
            [f"request outside the live server: {url}" for url in self.external]
            + [f"CSP: {text}" for text in self.csp]
            + [f"script error: {text}" for text in self.errors]
        )


@pytest.fixture
def page(browser, live_server):
    """``page("phone")`` or ``page("desktop")``: a new page in a browser context of its own (its
    own cookies: one context per person in a journey), in Chinese and Beijing time, with
    relative URLs resolved against the live server. Nothing may leave the machine: requests
    to any other origin are aborted and fail the test, as do CSP refusals and script errors.

    ``bypass_csp=True`` is for the accessibility check only (see ``axe_check``)."""
    origin = live_server.url.rstrip("/")
    opened = []

    def open_page(viewport: str = "desktop", *, bypass_csp: bool = False):
        context = browser.new_context(
            base_url=origin,
            viewport=VIEWPORTS[viewport],
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(TIMEOUT_MS)
        watch = _Watch(origin)
        context.route(watch.is_external, watch.abort)
        context.on("request", watch.started)
        context.on("requestfinished", watch.ended)
        context.on("requestfailed", watch.ended)
        new = context.new_page()
        new.on("console", watch.console)
        new.on("pageerror", lambda error: watch.errors.append(str(error)))
        opened.append((context, watch))
        return new

    yield open_page
    problems = []
    for context, watch in opened:
        # Leave every page and let what it sends on the way out (the Wagtail editor releases
        # its editing session) reach the server now: the database is emptied right after.
        for open_ in context.pages:
            open_.goto("about:blank")
        for _ in range(40):
            if watch.in_flight <= 0 or not context.pages:
                break
            context.pages[0].wait_for_timeout(50)
        problems += watch.problems()
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture
def screenshot():
    """``screenshot(page, "journey")``: full-page screenshots of what ``page`` shows, on a phone
    (360 px wide) and on a desktop, as ``test-artifacts/screenshots/<journey>-<viewport>.png``
    (git-ignored; CI keeps them as artifacts)."""

    def take(page, journey: str) -> list[Path]:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        paths = []
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            # Let the page lay itself out again for the new width (and its fonts load) first:
            # a full-page screenshot right after the resize can still measure the old layout.
            page.evaluate(LAID_OUT)
            path = SCREENSHOTS / f"{journey}-{name}.png"
            page.screenshot(path=path, full_page=True)
            paths.append(path)
        page.set_viewport_size(original)
        return paths

    return take


@pytest.fixture(scope="module")
def axe_check():
    """``axe_check(page)``: axe-core's WCAG 2.1 A and AA rules on the page as it is now; returns
    the serious and critical violations, one readable line per rule (empty: none).

    axe-core is injected as a script element, which the portal's Content-Security-Policy
    refuses (no nonce): pages checked here come from a context opened with
    ``page(viewport, bypass_csp=True)``. Only this check does that; the journeys keep the
    policy and fail on anything it refuses."""
    if not AXE_SCRIPT.exists():
        unavailable("axe-core is not installed (run: npm ci)")

    def check(page) -> list[str]:
        page.add_script_tag(path=str(AXE_SCRIPT))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        lines = []
        for violation in result["violations"]:
            if violation["impact"] not in BLOCKING_IMPACTS:
                continue
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} — {targets}")
        return lines

    return check
