"""E-mails to buyers about their orders, rendered from templates/shop/email/."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from wagtail.models import Site

from accounts.services import sign_in_link_create
from shop.models import Order

logger = logging.getLogger(__name__)

# kind -> (subject, plain text body, HTML body or "")
TEMPLATES = {
    "paid": ("shop/email/order_paid_subject.txt", "shop/email/order_paid.txt", "shop/email/order_paid.html"),
    "refunded": ("shop/email/order_refunded_subject.txt", "shop/email/order_refunded.txt", ""),
    "shipped": (
        "shop/email/order_shipped_subject.txt",
        "shop/email/order_shipped.txt",
        "shop/email/order_shipped.html",
    ),
}
# The state each e-mail announces, in the words and meaning the order's page shows (shop.statuses).
STATUSES = {"paid": Order.Status.PAID, "refunded": Order.Status.REFUNDED, "shipped": Order.Status.SHIPPED}


def _site_root() -> str:
    site = Site.objects.filter(is_default_site=True).first()
    return site.root_url if site else ""


def order_email_send(*, order_id: int, kind: str) -> bool:
    """Send the buyer the `kind` ("paid", "refunded" or "shipped") e-mail for an order, with an HTML part where the
    kind has one; False when there is nobody to tell."""
    order = Order.objects.select_related("user").prefetch_related("lines").filter(pk=order_id).first()
    if order is None:
        return False
    recipient = order.email or order.user.email
    if not recipient:
        logger.warning("%s has no e-mail address; the %s e-mail was not sent", order, kind)
        return False
    subject_template, body_template, html_template = TEMPLATES[kind]
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "status": STATUSES[kind],
        "order_url": _site_root() + order.get_absolute_url(),
        "sign_in_url": _guest_sign_in_url(order) if kind == "paid" else "",
        "sign_in_days": settings.ACCOUNTS_SIGN_IN_LINK_MAX_AGE.days,
    }
    subject = " ".join(render_to_string(subject_template, context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string(body_template, context), settings.DEFAULT_FROM_EMAIL, [recipient]
    )
    if html_template:
        message.attach_alternative(render_to_string(html_template, context), "text/html")
    message.send()
    return True


def _guest_sign_in_url(order: Order) -> str:
    """A guest's order on an account with no password yet (made at checkout) carries a one-time sign-in link; an
    account with a password signs in as usual, so no link that could sign anyone in travels for it."""
    if order.guest_cart_pk is None or order.user is None or order.user.has_usable_password():
        return ""
    return sign_in_link_create(user=order.user)
