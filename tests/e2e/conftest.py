"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against a live server.

Every page a test's browser lands on must pass axe-core with no serious or critical violation: the
`page` fixture records each navigation and fails the test at teardown if one was not checked. No page may
break its Content-Security-Policy either: any violation (a `securitypolicyviolation` event, or the console
message Chromium prints for one) fails the test at teardown.
A failing test leaves a screenshot and the page's HTML under test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still
# synchronous and safe, so tell Django not to refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BLOCKING_IMPACTS = {"serious", "critical"}
# Transitions of at most two seconds (fade-ins); longer or endless ones (progress bars, pulses) are not waited for.
FINITE_ANIMATIONS_FINISHED = """() => Promise.all(
    document.getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().endTime <= 2000)
        .map((animation) => animation.finished.catch(() => null))
)"""

# Flags from this machine's notes: without the background-networking ones Chromium keeps trying to
# reach Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"No Chromium at {CHROMIUM}: install Debian's `chromium` package to run the browser tests")
    from playwright.sync_api import sync_playwright

    args = list(CHROMIUM_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    from django.db import connections

    saved = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        # Playwright's sync API moves this thread into a new context, where Django's context-local
        # connection handler hands out new connection objects. Carry the serialized test data over,
        # or serialized_rollback silently restores nothing after the first browser test.
        for alias, contents in saved.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


class AccessibilityChecker:
    """Runs axe-core on the current page and remembers which URLs were checked."""

    def __init__(self, page):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.visited: list[str] = []
        self.checked: set[str] = set()
        page.on("framenavigated", self._on_navigation)

    def _on_navigation(self, frame):
        if frame == self.page.main_frame and frame.url.startswith("http"):
            self.visited.append(frame.url)

    def check(self, *, upstream: dict[tuple[str, str], str] | None = None):
        """Fail on any serious or critical violation, except `upstream` ones: {(rule id, CSS target): why}, for
        markup a third-party package renders that this project cannot change (each must say why)."""
        self.page.wait_for_load_state("load")
        # Let fade-ins (the Wagtail admin's messages) finish: mid-transition text reads as too faint for axe.
        self.page.evaluate(FINITE_ANIMATIONS_FINISHED)
        results = self.axe.run(self.page)
        allowed = set(upstream or ())
        blocking = []
        for violation in results.response["violations"]:
            if violation.get("impact") not in BLOCKING_IMPACTS:
                continue
            nodes = [n for n in violation["nodes"] if (violation["id"], n["target"][-1]) not in allowed]
            if nodes:
                blocking.append({**violation, "nodes": nodes})
        self.checked.add(self.page.url)
        assert not blocking, f"axe found serious/critical violations on {self.page.url}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in blocking
        )

    def unchecked(self):
        return [url for url in dict.fromkeys(self.visited) if url not in self.checked]


# Added to every document before its own scripts run (Playwright's init scripts are not subject to the page's CSP):
# reports each violation on the console, where the watcher below reads it.
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) => {
    console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
        + `(${event.sourceFile || event.documentURI}:${event.lineNumber})`);
});"""
CSP_CONSOLE_MARKERS = ("CSP violation:", "Content Security Policy", "Content-Security-Policy")


class CSPViolationWatcher:
    """Collects every CSP violation on any page or frame of a browser context."""

    def __init__(self, context):
        self.violations: list[str] = []
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self._on_console)

    def _on_console(self, message):
        if any(marker in message.text for marker in CSP_CONSOLE_MARKERS):
            self.violations.append(f"{message.location.get('url', '?')}: {message.text}")


@pytest.fixture
def page(browser, live_server, request):
    # Never bypass_csp: the browser must enforce the policy the site sends.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    csp = CSPViolationWatcher(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.a11y = AccessibilityChecker(page)
    page.csp = csp
    yield page
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content())
        except Exception as exc:  # the page may be gone; the test's own failure matters more
            print(f"could not save artifacts: {exc}")
    unchecked = page.a11y.unchecked()
    context.close()
    if not failed:
        assert not csp.violations, "Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(csp.violations))
        assert not unchecked, f"pages visited without an axe check: {unchecked}"
