"""Order statuses, apart from the models so the QuerySets that filter on them can import them.

The words are the site's one vocabulary for states, shared with billing's payments (billing.models.ChargeStatus) and
the job board's listings (jobs.models.JobStatus): the same state reads the same everywhere, pages and e-mails alike,
and each word has a line saying what it means (`OrderStatus.PAID.description`, `Order.status_description`).
"""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    # After payment, for orders with something to send: shipped with tracking, then delivered.
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    # Both are "Canceled" to the shopper, as the payment for them is: nothing was paid and the order is closed. The
    # stored values stay apart for staff and the shop's housekeeping.
    EXPIRED = "expired", "Canceled"
    CANCELED = "canceled", "Canceled"
    REFUND_PENDING = "refund_pending", "Refund pending"
    REFUNDED = "refunded", "Refunded"
    DISPUTED = "disputed", "Disputed"

    @property
    def description(self) -> str:
        """One line saying what the status means to the shopper."""
        return ORDER_STATUS_DESCRIPTIONS[self.value]

    @classmethod
    def fulfilled(cls) -> tuple[str, ...]:
        """Paid and kept: the steps a paid order goes through until it arrives."""
        return (cls.PAID, cls.SHIPPED, cls.DELIVERED)


ORDER_STATUS_DESCRIPTIONS = {
    OrderStatus.PENDING: "We are holding the items while you pay; nothing is charged yet.",
    OrderStatus.PAID: "Your payment went through and we are preparing the order.",
    OrderStatus.SHIPPED: "On its way to you.",
    OrderStatus.DELIVERED: "The order arrived.",
    OrderStatus.EXPIRED: "Not paid in time, so nothing was charged and the items went back on sale.",
    OrderStatus.CANCELED: "Checkout was left before paying, so nothing was charged.",
    OrderStatus.REFUND_PENDING: "We are giving your money back.",
    OrderStatus.REFUNDED: "Your money was given back in full.",
    OrderStatus.DISPUTED: "Your bank is questioning the payment.",
}
