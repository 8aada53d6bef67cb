"""Order statuses, apart from the models so the QuerySets that filter on them can import them."""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    EXPIRED = "expired", "Expired"
    CANCELED = "canceled", "Canceled"
    REFUND_PENDING = "refund_pending", "Refund pending"
    REFUNDED = "refunded", "Refunded"
    DISPUTED = "disputed", "Disputed"
