"""Every form and endpoint, fed malformed and hostile values (wrong types, huge numbers, unicode, markup, SQL-looking
strings, missing fields, other users' ids): never a 500, the status the mistake deserves, and nothing changed in the
database. Runs on SQLite and PostgreSQL."""

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from wagtail.models import Page, Revision

from billing import stripe_client, tokens
from billing.factories import ChargeFactory
from billing.models import Charge, Customer, WebhookEvent
from billing.services import customers
from jobs.factories import JobIndexPageFactory, JobPageFactory
from jobs.models import JobPage
from shop.factories import CartFactory, LineItemFactory, ProductPageFactory, ShopIndexPageFactory
from shop.models import Cart, LineItem, Order, OrderLine, ProductPage, StockHold
from stripe_sandbox.signing import stripe_signature_header
from website.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = str(10**40)
BIGINT_PLUS_ONE = str(2**63)
# Values no field of this site should take for a number, an id or a choice.
HOSTILE = [
    "",
    "abc",
    "1.5",
    "-1",
    "0",
    BIGINT_PLUS_ONE,
    HUGE,
    "1e3",
    "\uff11\uff12",  # full-width "12": read as 12, over the per-line cap
    "<script>alert(1)</script>",
    "1' OR '1'='1",
    "1; DROP TABLE shop_cart;--",
    "\x00",
    "😀" * 40,
    "[]",
]
HOSTILE_IDS = ["abc", "-1", "0", BIGINT_PLUS_ONE, HUGE, "1%20OR%201=1", "%3Cscript%3E", "%F0%9F%98%80"]


@dataclass
class World:
    alice: Any
    mallory: Any
    poster: Any
    admin: Any
    product: ProductPage
    alice_line: LineItem
    mallory_line: LineItem
    alice_paid_order: Order
    mallory_order: Order
    alice_pending_order: Order
    own_job: JobPage
    others_job: JobPage
    mallory_card: str
    extra: dict = field(default_factory=dict)


def make_order(user, status, product, total=1800):
    order = Order.objects.create(
        number=f"ORD-{user.username}-{status}", user=user, email=user.email, currency="USD", total_amount=total
    )
    Order.objects.filter(pk=order.pk).update(status=status)
    OrderLine.objects.create(
        order=order,
        product=product,
        variant=product.variants.get(),
        title=product.title,
        unit_price_amount=total,
        quantity=1,
    )
    order.refresh_from_db()
    return order


def attach_card(user) -> str:
    customer = customers.customer_get_or_create(user=user)
    client = stripe_client.get_client()
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer.stripe_customer_id})
    return method.id


@pytest.fixture
def world(stripe_sandbox, home_page):
    shop = ShopIndexPageFactory(parent=home_page)
    product = ProductPageFactory(parent=shop, title="Stoneware mug", sku="MUG-1", price_amount=1800, stock_on_hand=9)
    alice = UserFactory(username="alice")
    mallory = UserFactory(username="mallory")
    posters = Group.objects.create(name="Job posters")
    posters.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="post_job"))
    poster = UserFactory(username="pat", groups=[posters])
    other_poster = UserFactory(username="olga", groups=[posters])
    board = JobIndexPageFactory(parent=home_page)
    alice_line = LineItemFactory(cart=CartFactory(user=alice), product=product, quantity=2, price_seen_amount=1800)
    mallory_line = LineItemFactory(cart=CartFactory(user=mallory), product=product, quantity=1, price_seen_amount=1800)
    attach_card(alice)
    pending = make_order(alice, Order.Status.PENDING, product)
    StockHold.objects.create(
        order=pending,
        product=product,
        variant=product.variants.get(),
        quantity=1,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return World(
        alice=alice,
        mallory=mallory,
        poster=poster,
        admin=SuperuserFactory(username="root"),
        product=product,
        alice_line=alice_line,
        mallory_line=mallory_line,
        alice_paid_order=make_order(alice, Order.Status.PAID, product),
        mallory_order=make_order(mallory, Order.Status.PAID, product),
        alice_pending_order=pending,
        own_job=JobPageFactory(parent=board, owner=poster, title="Python developer"),
        others_job=JobPageFactory(parent=board, owner=other_poster, title="Go developer"),
        mallory_card=attach_card(mallory),
        extra={
            "paid_charge": ChargeFactory(
                payable=Order.objects.get(number=f"ORD-alice-{Order.Status.PAID}"),
                user=alice,
                amount=1800,
                succeeded=True,
                stripe_payment_intent_id="pi_bad_input_paid",
            )
        },
    )


def snapshot() -> dict:
    """What a refused request must leave exactly as it was."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                Cart,
                LineItem,
                Order,
                OrderLine,
                StockHold,
                Charge,
                Customer,
                WebhookEvent,
                Page,
                Revision,
            )
        },
        "lines": sorted(LineItem.objects.values_list("pk", "quantity", "cart_id", "product_id")),
        "products": sorted(ProductPage.objects.values_list("pk", "variants__stock__quantity", "price_amount", "live")),
        "orders": sorted(Order.objects.values_list("pk", "status", "refund_reason", "restocked_at", "paid_at")),
        "jobs": sorted(JobPage.objects.values_list("pk", "title", "company", "live", "paid_until", "how_to_apply")),
        "charges": sorted(Charge.objects.values_list("pk", "status", "amount_refunded")),
    }


@dataclass(frozen=True)
class Case:
    """One hostile request: who sends it, where, what, and which statuses are the right answer."""

    id: str
    actor: str | None  # a World attribute, or None for an anonymous visitor
    method: str
    url: Any  # a path, or a function of the world giving one
    data: Any = None  # a dict, a function of the world giving one, or bytes for a raw body
    expected: tuple[int, ...] = (400,)
    headers: dict = field(default_factory=dict)


def job_form(**changes):
    valid = {
        "title": "Data engineer",
        "company": "Acme",
        "location": "Berlin",
        "employment_type": "full_time",
        "salary_currency": "USD",
        "salary_period": "year",
        "description": "Pipelines.",
        "how_to_apply": "https://example.com/apply",
        "tags": "python",
    }
    valid.update(changes)
    return {name: value for name, value in valid.items() if value is not None}


def signed(body: bytes) -> dict:
    return {"HTTP_STRIPE_SIGNATURE": stripe_signature_header(body, "whsec_test_sandbox")}


def cases() -> list[Case]:
    found: list[Case] = []
    add = found.append
    # --- The cart -----------------------------------------------------------------------------------------------
    for value in HOSTILE:
        add(
            Case(
                f"cart-add-product-{value!r}",
                "alice",
                "post",
                "/cart/add/",
                {"product": value, "quantity": 1},
                (400, 404),
            )
        )
        add(
            Case(
                f"cart-add-quantity-{value!r}",
                "alice",
                "post",
                "/cart/add/",
                lambda w, v=value: {"product": w.product.pk, "quantity": v},
            )
        )
        add(
            Case(
                f"cart-add-json-quantity-{value!r}",
                None,
                "post",
                "/cart/add/",
                lambda w, v=value: {"product": w.product.pk, "quantity": v},
                headers={"HTTP_ACCEPT": "application/json"},
            )
        )
        add(
            Case(
                f"cart-update-quantity-{value!r}",
                "alice",
                "post",
                lambda w: f"/cart/lines/{w.alice_line.pk}/update/",
                {"quantity": value},
            )
        )
    add(Case("cart-add-missing-fields", "alice", "post", "/cart/add/", {}))
    add(
        Case(
            "cart-add-over-the-cap", "alice", "post", "/cart/add/", lambda w: {"product": w.product.pk, "quantity": 11}
        )
    )
    add(
        Case(
            "cart-add-more-than-in-stock",
            "alice",
            "post",
            "/cart/add/",
            lambda w: {"product": w.product.pk, "quantity": 8},
            (400, 409),
        )
    )
    add(
        Case(
            "cart-add-unpublished-page-id",
            "alice",
            "post",
            "/cart/add/",
            lambda w: {"product": w.own_job.pk, "quantity": 1},
            (404,),
        )
    )
    add(Case("cart-update-missing-quantity", "alice", "post", lambda w: f"/cart/lines/{w.alice_line.pk}/update/", {}))
    add(
        Case(
            "cart-update-other-users-line",
            "alice",
            "post",
            lambda w: f"/cart/lines/{w.mallory_line.pk}/update/",
            {"quantity": 1},
            (404,),
        )
    )
    add(
        Case(
            "cart-update-huge-line-id",
            "alice",
            "post",
            f"/cart/lines/{BIGINT_PLUS_ONE}/update/",
            {"quantity": 1},
            (404,),
        )
    )
    add(
        Case(
            "cart-remove-other-users-line",
            "alice",
            "post",
            lambda w: f"/cart/lines/{w.mallory_line.pk}/remove/",
            {},
            (404,),
        )
    )
    add(
        Case(
            "cart-remove-anonymous-other-users-line",
            None,
            "post",
            lambda w: f"/cart/lines/{w.mallory_line.pk}/remove/",
            {},
            (404,),
        )
    )
    add(Case("cart-remove-huge-line-id", "alice", "post", f"/cart/lines/{HUGE}/remove/", {}, (404,)))
    add(Case("cart-remove-get", "alice", "get", lambda w: f"/cart/lines/{w.alice_line.pk}/remove/", None, (405,)))
    add(Case("checkout-get", "alice", "get", "/cart/checkout/", None, (405,)))
    add(Case("checkout-with-an-empty-cart", "poster", "post", "/cart/checkout/", {"cart": "1"}, (400,)))
    # --- Orders ---------------------------------------------------------------------------------------------------
    add(Case("order-of-another-user", "alice", "get", lambda w: f"/orders/{w.mallory_order.pk}/", None, (404,)))
    add(Case("order-huge-id", "alice", "get", f"/orders/{HUGE}/", None, (404,)))
    for value in ("abc", "-1", HUGE, "<b>", "1' OR '1'='1"):
        add(Case(f"order-list-page-{value!r}", "alice", "get", "/orders/", {"page": value}, (200,)))
    # --- The job board --------------------------------------------------------------------------------------------
    job_payloads = {
        "missing-everything": {},
        "missing-title": job_form(title=None),
        "blank-company": job_form(company="   "),
        "salary-words": job_form(salary_min="lots"),
        "salary-huge": job_form(salary_min=HUGE),
        "salary-negative": job_form(salary_min="-5"),
        "salary-exponent-9e99": job_form(salary_min="9e99"),
        "salary-exponent-1e30": job_form(salary_max="1e30"),
        "salary-exponent-negative": job_form(salary_min="-1e30"),
        "salary-exponent-tiny": job_form(salary_min="1e-99"),
        "salary-range-upside-down": job_form(salary_min="90000", salary_max="50000"),
        "currency-unknown": job_form(salary_currency="XXX"),
        "employment-type-sql": job_form(employment_type="full_time' OR 1=1--"),
        "apply-javascript-url": job_form(how_to_apply="javascript:alert(1)"),
        "apply-markup": job_form(how_to_apply="<script>alert(1)</script>"),
        "title-too-long": job_form(title="x" * 300),
        "description-huge": job_form(description="😀" * 60_000),
        "tags-too-many": job_form(tags=",".join(f"tag{n}" for n in range(50))),
        "null-byte-title": job_form(title="Data\x00engineer"),
    }
    for name, payload in job_payloads.items():
        add(Case(f"job-new-{name}", "poster", "post", "/jobs/new/", payload))
        add(Case(f"job-edit-{name}", "poster", "post", lambda w: f"/jobs/{w.own_job.pk}/edit/", payload))
    add(Case("job-new-by-a-user-without-posting-rights", "alice", "post", "/jobs/new/", job_form(), (403,)))
    add(Case("job-new-anonymous", None, "post", "/jobs/new/", job_form(), (302,)))
    for action in ("edit", "pay", "bump"):
        method = "post" if action == "edit" else "get"
        add(
            Case(
                f"job-{action}-other-posters-listing",
                "poster",
                method,
                lambda w, a=action: f"/jobs/{w.others_job.pk}/{a}/",
                job_form() if action == "edit" else None,
                (404,),
            )
        )
        add(
            Case(
                f"job-{action}-huge-id",
                "poster",
                method,
                f"/jobs/{BIGINT_PLUS_ONE}/{action}/",
                job_form() if action == "edit" else None,
                (404,),
            )
        )
    add(Case("job-pay-post", "poster", "post", lambda w: f"/jobs/{w.own_job.pk}/pay/", {}, (405,)))
    # --- Billing: the payment link, saved cards, the webhook -------------------------------------------------------
    for token in ("abc", "x" * 600, "Order:1:forged", "%3Cscript%3E", "1'%20OR%20'1'='1", "%F0%9F%98%80", "..%2F..%2F"):
        add(Case(f"pay-token-{token[:20]!r}", "alice", "get", f"/billing/pay/{token}/", None, (400, 404)))
    add(Case("pay-someone-elses-order", "alice", "get", lambda w: tokens.payment_url(w.mallory_order), None, (404,)))
    add(
        Case(
            "pay-someone-elses-listing",
            "alice",
            "post",
            lambda w: tokens.payment_url(w.others_job),
            {"action": "checkout"},
            (404,),
        )
    )
    for action in ("", "refund", "<script>", "checkout' OR 1=1", "😀"):
        add(
            Case(
                f"pay-action-{action!r}",
                "alice",
                "post",
                lambda w: tokens.payment_url(w.alice_pending_order),
                {"action": action},
                (400,),
            )
        )
    for method_id in ("", "pm_missing", "<script>", "pm_' OR 1=1", "😀"):
        add(
            Case(
                f"pay-saved-card-{method_id!r}",
                "alice",
                "post",
                lambda w: tokens.payment_url(w.alice_pending_order),
                {"action": "saved_card", "payment_method": method_id},
                (200,),
            )
        )
    add(
        Case(
            "pay-with-another-users-saved-card",
            "alice",
            "post",
            lambda w: tokens.payment_url(w.alice_pending_order),
            lambda w: {"action": "saved_card", "payment_method": w.mallory_card},
            (200,),
        )
    )
    for method_id in ("pm_missing", "abc", "%3Cscript%3E", "%F0%9F%98%80"):
        add(Case(f"card-remove-{method_id!r}", "alice", "post", f"/billing/cards/{method_id}/remove/", {}, (404,)))
    add(
        Case(
            "card-remove-another-users-card",
            "alice",
            "post",
            lambda w: f"/billing/cards/{w.mallory_card}/remove/",
            {},
            (404,),
        )
    )
    for name in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        add(Case(f"checkout-cancel-{name}", "alice", "get", f"/billing/checkout/{name}/cancel/", None, (404,)))
        add(Case(f"payment-detail-{name}", "alice", "get", f"/billing/payments/{name}/", None, (404,)))
    for session in ("", "abc", "cs_missing", "cs_<script>", "cs_' OR 1=1"):
        add(
            Case(
                f"checkout-return-{session!r}",
                "alice",
                "get",
                "/billing/checkout/return/",
                {"session_id": session},
                (400, 404),
            )
        )
    not_an_event = json.dumps({"hello": "world"}).encode()
    unknown_charge = json.dumps(
        {"id": "evt_x", "object": "event", "type": "checkout.session.completed", "data": {"object": {"id": "cs_nope"}}}
    ).encode()
    webhook_bodies = {
        "empty-unsigned": (b"", {}),
        "garbage-unsigned": (b"\x00\xff<script>", {}),
        "json-bad-signature": (not_an_event, {"HTTP_STRIPE_SIGNATURE": "t=1,v1=deadbeef"}),
        "json-signature-garbage": (not_an_event, {"HTTP_STRIPE_SIGNATURE": "' OR 1=1 --"}),
        "signed-not-json": (b"not json", signed(b"not json")),
        "signed-not-an-event": (not_an_event, signed(not_an_event)),
        "signed-huge-number": (b'{"id": ' + HUGE.encode() + b"}", signed(b'{"id": ' + HUGE.encode() + b"}")),
        "event-signed-with-another-secret": (
            unknown_charge,
            {"HTTP_STRIPE_SIGNATURE": stripe_signature_header(unknown_charge, "whsec_someone_else")},
        ),
    }
    future = json.dumps(
        {"id": "evt_future", "object": "event", "type": "price.updated", "data": {"object": {"id": "price_1"}}}
    ).encode()
    webhook_bodies["signed-in-the-future"] = (
        future,
        {"HTTP_STRIPE_SIGNATURE": stripe_signature_header(future, "whsec_test_sandbox", timestamp=time.time() + 3600)},
    )
    long_id = json.dumps({"id": "evt_" + "x" * 300, "object": "event", "type": "price.updated", "data": {}}).encode()
    webhook_bodies["signed-id-too-long"] = (long_id, signed(long_id))
    oversized = b'{"id": "evt_big", "type": "price.updated", "padding": "' + b"x" * 3_000_000 + b'"}'
    webhook_bodies["signed-over-the-upload-limit"] = (oversized, signed(oversized))
    for name, (body, headers) in webhook_bodies.items():
        add(Case(f"webhook-{name}", None, "post", "/billing/webhook/", body, (400,), headers))
    add(Case("webhook-get", None, "get", "/billing/webhook/", None, (405,)))
    # --- Signing in ---------------------------------------------------------------------------------------------
    for value in ("", "<script>alert(1)</script>", "admin' --", "\x00", "😀" * 200, "a" * 5000):
        add(
            Case(
                f"login-{value[:12]!r}",
                None,
                "post",
                "/accounts/login/",
                {"username": value, "password": value},
                (200,),
            )
        )
    add(Case("login-missing-fields", None, "post", "/accounts/login/", {}, (200,)))
    # --- Staff: the refund form in the Wagtail admin ---------------------------------------------------------------
    for name, reason in {"blank": "", "spaces": "   ", "too-long": "x" * 501}.items():
        add(
            Case(
                f"admin-refund-reason-{name}",
                "admin",
                "post",
                lambda w: f"/admin/shop_order/refund/{w.alice_paid_order.pk}/",
                {"reason": reason},
                (200,),
            )
        )
    add(
        Case(
            "admin-refund-an-unpaid-order",
            "admin",
            "post",
            lambda w: f"/admin/shop_order/refund/{w.alice_pending_order.pk}/",
            {"reason": "Because."},
            (200,),
        )
    )
    add(
        Case(
            "admin-refund-missing-order",
            "admin",
            "post",
            f"/admin/shop_order/refund/{BIGINT_PLUS_ONE}/",
            {"reason": "Because."},
            (404,),
        )
    )
    add(
        Case(
            "admin-refund-by-a-shopper",
            "alice",
            "post",
            lambda w: f"/admin/shop_order/refund/{w.mallory_order.pk}/",
            {"reason": "Mine now."},
            (302, 403),
        )
    )
    # --- Staff: the charge refund form in the Wagtail admin --------------------------------------------------------
    for value in ("1e30", "9e99", "-1e30", "1e-99", "NaN", "Infinity", "abc", "", "0", "-1", HUGE, "25.001", "99"):
        add(
            Case(
                f"admin-charge-refund-amount-{value[:12]!r}",
                "admin",
                "post",
                lambda w: f"/admin/billing_charge/refund/{w.extra['paid_charge'].pk}/",
                {"amount": value},
                (200,),
            )
        )
    return found


CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input_is_refused_cleanly_and_changes_nothing(world, case):
    client = Client(raise_request_exception=False)
    if case.actor:
        client.force_login(getattr(world, case.actor))
    url = case.url(world) if callable(case.url) else case.url
    data = case.data(world) if callable(case.data) else case.data
    before = snapshot()

    if isinstance(data, bytes):
        response = client.post(url, data=data, content_type="application/json", **case.headers)
    else:
        response = getattr(client, case.method)(url, data or {}, **case.headers)

    assert response.status_code in case.expected, (response.status_code, response.content[:2000])
    assert snapshot() == before
    if response.status_code == 200 and case.method == "post":
        text = response.content.decode()
        assert 'role="alert"' in text or "error" in text, "a re-rendered form says what was wrong"
