"""E-mails to buyers about their orders, rendered from templates/shop/email/."""

import contextlib
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from wagtail.models import Site

from shop.models import Order

logger = logging.getLogger(__name__)

TEMPLATES = {
    "paid": ("shop/email/order_paid_subject.txt", "shop/email/order_paid.txt"),
    "refunded": ("shop/email/order_refunded_subject.txt", "shop/email/order_refunded.txt"),
    "shipped": ("shop/email/order_shipped_subject.txt", "shop/email/order_shipped.txt"),
}
# An HTML part beside the plain one, for the kinds that have it (shop/email/<name>.html).


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
    subject_template, body_template = TEMPLATES[kind]
    context = {"order": order, "lines": list(order.lines.all()), "order_url": _site_root() + order.get_absolute_url()}
    subject = " ".join(render_to_string(subject_template, context).split())
    body = render_to_string(body_template, context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    with contextlib.suppress(TemplateDoesNotExist):  # plain text alone for a kind without an HTML template
        message.attach_alternative(render_to_string(body_template.removesuffix(".txt") + ".html", context), "text/html")
    message.send()
    return True
