"""Steps the browser flows share: signing in with a password and paying on the sandbox's hosted Checkout page."""

from website.factories import DEFAULT_PASSWORD

WEBHOOK_PATH = "/billing/webhook/"


def sign_in(page, username: str, *, then: str, from_url: str = "") -> None:
    """Sign in with a password on the site's or the Wagtail admin's login page (`from_url` first leads there)."""
    if from_url:
        page.goto(from_url)
    page.wait_for_url("**/login/**")
    page.a11y.check()
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{then}")


def pay_on_sandbox(page, sandbox, card_number: str) -> None:
    """On Stripe's (sandbox) hosted page: type the card and press Pay. The caller waits for where it lands."""
    page.wait_for_url(f"{sandbox.api_base}/**")
    page.a11y.check()
    page.get_by_label("Card number").fill(card_number)
    page.get_by_role("button", name="Pay").first.click()


def body_text(page) -> str:
    return page.locator("body").inner_text()
