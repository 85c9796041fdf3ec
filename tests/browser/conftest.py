"""Browser tests: Debian's Chromium driven by Playwright against a real gunicorn.

- ``browser`` is one Chromium per test process (skipped, with the reason, when Chromium or
  Playwright is not installed: ``make test`` installs both where it can).
- ``open_page(width)`` opens a fresh browser context (no cookies) at a desktop or phone width.
- ``live_web`` serves the test database through gunicorn; use it with ``committed_store``, whose
  host ``<slug>.localhost`` Chromium resolves to the loopback address. ``platform_web`` serves
  it without a store, for a journey that opens one on the signup page (``signup_slug``).
- ``axe_violations(page)`` runs axe-core in the page and returns the serious and critical ones.
- A failing test leaves a screenshot of every page it opened under ``.data/test-screenshots/``.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.celery_worker import worker_process
from tests.live_server import LiveWeb, running_web, server_env

# The local PayPal API, for the split-payment browser test (its own server in this directory).
from tests.payments.conftest import _fake_paypal_server, fake_paypal  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_SCRIPT = settings.BASE_DIR / ".data" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
FAILURE_SCREENSHOTS = settings.BASE_DIR / ".data" / "test-screenshots"
DESKTOP, PHONE = 1280, 390


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (make test, as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread, which Django's async-safety check
    # mistakes for async code: allow ORM calls in the test's own code while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser, request) -> Iterator[Callable]:
    contexts = []

    def _open(width: int = DESKTOP, *, javascript: bool = True):
        height = 900 if width >= 800 else 844
        context = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=javascript
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    failed = getattr(request.node, "browser_test_failed", False)
    for number, context in enumerate(contexts):
        if failed:
            FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            for index, page in enumerate(context.pages):
                page.screenshot(path=FAILURE_SCREENSHOTS / f"{name}-{number}-{index}.png")
        context.close()


@pytest.fixture
def live_web(committed_store, tmp_path) -> Iterator[LiveWeb]:
    with running_web(tmp_path / "web.log", workers=2) as web:
        yield web


@pytest.fixture
def platform_web(signup_slug, tmp_path) -> Iterator[LiveWeb]:
    """gunicorn with no committed store, for a journey that starts on the platform host's
    signup page; the store opened there (``signup_slug``) is dropped after the server stops.
    Its mail (the owner's confirmation link) goes to ``tmp_path / "mail"``, sent by a real worker
    on the server's queue (emails go through the outbox)."""
    mail = {"EMAIL_FILE_PATH": str(tmp_path / "mail")}
    env = server_env(**mail)
    with (
        worker_process(env=mail, queue=env["CELERY_TASK_DEFAULT_QUEUE"]),
        running_web(tmp_path / "web.log", workers=2, env=env) as web,
    ):
        yield web


@pytest.fixture
def axe_violations() -> Callable:
    if not AXE_SCRIPT.exists():
        pytest.skip("axe-core is not installed (make test installs it with npm)")
    script = Path(AXE_SCRIPT).read_text()

    def _violations(page) -> list[dict]:
        # Evaluated through DevTools, which the page's Content-Security-Policy does not govern
        # (an injected <script> tag would be refused, as it should be).
        page.evaluate(script)
        result = page.evaluate("async () => await axe.run(document)")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return _violations


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
