"""Order statuses, apart from the models so the QuerySets that filter on them can import them."""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    # After payment, for orders with something to send: shipped with tracking, then delivered.
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    EXPIRED = "expired", "Expired"
    CANCELED = "canceled", "Canceled"
    REFUND_PENDING = "refund_pending", "Refund pending"
    REFUNDED = "refunded", "Refunded"
    DISPUTED = "disputed", "Disputed"

    @classmethod
    def fulfilled(cls) -> tuple[str, ...]:
        """Paid and kept: the steps a paid order goes through until it arrives."""
        return (cls.PAID, cls.SHIPPED, cls.DELIVERED)
