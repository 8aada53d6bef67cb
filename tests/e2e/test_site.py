import pytest

from website.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_sees_the_home_page_and_reaches_sign_in(page):
    page.goto("/")
    page.a11y.check()
    assert page.locator("h1").inner_text() == "Welcome"

    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/accounts/login/**")
    page.a11y.check()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"


def test_user_signs_in_with_a_password_and_out_again(page):
    UserFactory(username="dana")

    page.goto("/accounts/login/?next=/accounts/")
    page.a11y.check()
    page.get_by_role("textbox", name="Username").fill("dana")
    page.get_by_role("textbox", name="Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")
    page.a11y.check()
    assert "dana" in page.locator("main").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: url.endswith("/") and "/accounts/" not in url)
    page.a11y.check()
    assert page.get_by_role("link", name="Sign in").is_visible()


def test_the_browser_enforces_the_sites_policy_and_the_tests_see_each_violation(page):
    """The CSP check the `page` fixture makes at teardown: an inline script on a page under the site's policy is
    blocked by the browser and recorded (cleared here, so this test itself passes)."""
    page.goto("/")
    policy = page.evaluate("() => fetch('/').then((response) => response.headers.get('Content-Security-Policy'))")
    page.route(
        "**/csp-probe/",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Security-Policy": policy},
            content_type="text/html",
            body="<!DOCTYPE html><html lang='en'><head><title>Probe</title></head><body><main><h1>Probe</h1>"
            "<script>document.title = 'ran';</script></main></body></html>",
        ),
    )
    with page.expect_console_message(lambda message: "script-src" in message.text):
        page.goto("/csp-probe/")

    assert page.title() == "Probe"
    assert any("script-src" in violation for violation in page.csp.violations), page.csp.violations
    page.csp.violations.clear()
    page.a11y.check()
    page.goto("/")
    page.a11y.check()
