"""The billing ledger: who a Stripe customer is, what was charged for what, and every webhook received."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from billing.money import format_amount


class Customer(models.Model):
    """A user's Stripe customer, created on their first payment; their cards live at Stripe, not here."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer")
    stripe_customer_id = models.CharField("Stripe customer id", max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} ({self.stripe_customer_id})"


class ChargeStatus(models.TextChoices):
    """A payment's states, in the words the shop's orders and the job board's listings use for the same states
    (shop.statuses, jobs.models.JobStatus), each with a line saying what it means (`ChargeStatus.PAID.description`)."""

    PENDING = "pending", "Awaiting payment"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
    DISPUTED = "disputed", "Disputed"
    CANCELED = "canceled", "Canceled"

    @property
    def description(self) -> str:
        """One line saying what the status means to the payer."""
        return CHARGE_STATUS_DESCRIPTIONS[self.value]


CHARGE_STATUS_DESCRIPTIONS = {
    ChargeStatus.PENDING: "Started but not paid yet; nothing is charged until you finish.",
    ChargeStatus.SUCCEEDED: "The payment went through.",
    ChargeStatus.FAILED: "The card was declined or the payment did not go through; nothing was charged.",
    ChargeStatus.REFUNDED: "The whole amount was given back.",
    ChargeStatus.PARTIALLY_REFUNDED: "Part of the amount was given back.",
    ChargeStatus.DISPUTED: "The card holder's bank is questioning the payment.",
    ChargeStatus.CANCELED: "Checkout was left or ran out of time before paying, so nothing was charged.",
}


class ChargeQuerySet(models.QuerySet):
    def for_object(self, obj):
        """Charges for one payable (any model instance), through the generic relation."""
        content_type = ContentType.objects.get_for_model(obj)
        return self.filter(content_type=content_type, object_id=str(obj.pk))

    def for_model(self, model):
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def for_user(self, user):
        return self.filter(user=user)

    def succeeded(self):
        """Payments that went through and were not wholly refunded: the money is still ours, and the payable's.
        A charge set aside for an automatic refund (it paid for something already paid) does not count."""
        return self.filter(status__in=Charge.PAID_STATUSES, auto_refund_reason="")

    def pending(self):
        return self.filter(status=Charge.Status.PENDING)

    def refunded(self):
        """Charges with any money given back, wholly or in part."""
        return self.filter(status__in=[Charge.Status.REFUNDED, Charge.Status.PARTIALLY_REFUNDED])

    def disputed(self):
        return self.filter(status=Charge.Status.DISPUTED)

    def since(self, moment):
        """Charges paid at or after `moment` (pending ones have no payment time and drop out)."""
        return self.filter(paid_at__gte=moment)

    def created_since(self, moment):
        return self.filter(created_at__gte=moment)


class Charge(models.Model):
    """One attempt to take one payment for one payable; the row moves through `status` as Stripe reports."""

    Status = ChargeStatus

    class Method(models.TextChoices):
        CHECKOUT = "checkout", "New card (Stripe Checkout)"
        SAVED_CARD = "saved_card", "Saved card"

    PAID_STATUSES = (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED)
    # Once a charge has been paid, it stays in one of these; fulfilment never runs again.
    SETTLED_STATUSES = (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED, Status.REFUNDED, Status.DISPUTED)

    # Names the charge to Stripe (metadata, idempotency keys) and in URLs; never reused, unlike a
    # primary key after a rolled-back insert.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="charges"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    payable = GenericForeignKey("content_type", "object_id")

    amount = models.PositiveBigIntegerField(help_text="In the currency's minor units (cents; yen for JPY).")
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.CHECKOUT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    amount_refunded = models.PositiveBigIntegerField(default=0)
    failure_message = models.CharField(max_length=500, blank=True)

    stripe_checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_charge_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_method_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    # Where the payer lands after paying or giving up (paths on this site, from the payable).
    success_url = models.CharField(max_length=500, blank=True)
    cancel_url = models.CharField(max_length=500, blank=True)

    card_brand = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    # Shipping, for a payable that offers it (billing.payables.ShippingTerms): what Checkout offered, and what the
    # payer chose and where to. Once paid, `amount` is the whole sum taken, `shipping_amount` included.
    shipping_terms = models.JSONField(default=dict, blank=True)
    shipping_option = models.CharField(max_length=100, blank=True)
    shipping_amount = models.PositiveBigIntegerField(default=0)
    shipping_address = models.JSONField(default=dict, blank=True)
    receipt_url = models.URLField(max_length=1000, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    # Stripe's dispute status (needs_response, under_review, won, lost...), empty when never disputed.
    dispute_status = models.CharField(max_length=32, blank=True)
    # Why billing refunded this charge by itself (the payable was already paid by another charge), else empty.
    # The payable never hears of such a charge.
    auto_refund_reason = models.CharField(max_length=500, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # "Succeeded charges of this object since T" (a job listing's paid period, an order's payment).
            models.Index(fields=["content_type", "object_id", "status", "paid_at"], name="billing_charge_object_paid"),
            models.Index(fields=["user", "-created_at"], name="billing_charge_user_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_charge_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount")), name="billing_charge_refund_within_amount"
            ),
        ]
        permissions = [("refund_charge", "Can refund charges")]

    def __str__(self):
        return f"{self.display_amount} · {self.description} · {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("billing:payment_detail", args=[self.reference])

    @property
    def display_amount(self) -> str:
        return format_amount(self.amount, self.currency)

    @property
    def display_amount_refunded(self) -> str:
        return format_amount(self.amount_refunded, self.currency)

    @property
    def refundable_amount(self) -> int:
        if self.status not in self.PAID_STATUSES:
            return 0
        return self.amount - self.amount_refunded

    @property
    def display_refundable_amount(self) -> str:
        return format_amount(self.refundable_amount, self.currency)

    @property
    def status_description(self) -> str:
        return self.Status(self.status).description

    @property
    def is_paid(self) -> bool:
        return self.status in self.PAID_STATUSES

    @property
    def card_label(self) -> str:
        if not self.card_last4:
            return ""
        return f"{(self.card_brand or 'Card').title()} •••• {self.card_last4}"


class WebhookEvent(models.Model):
    """The inbox: every verified Stripe event, stored before it is handled, so duplicates are spotted."""

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=255, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # When the latest attempt began: an attempt that never finished (a killed worker) is retried once it is stale.
    started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # An event that can never be handled as sent (amounts that disagree, no object, the wrong mode): kept, shown
    # to staff, never retried by itself.
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "webhook event"
        permissions = [("replay_webhookevent", "Can replay webhook events")]

    def __str__(self):
        return f"{self.type} ({self.stripe_event_id})"

    @property
    def state(self) -> str:
        if self.rejected_at:
            return "rejected"
        if self.processed_at:
            return "processed"
        if self.error:
            return "failed"
        return "received"

    @property
    def data_object(self) -> dict | None:
        """The event's object, or None when the payload has none (`data: null`, no `object`, not a dict)."""
        data = self.payload.get("data") if isinstance(self.payload, dict) else None
        found = data.get("object") if isinstance(data, dict) else None
        return found if isinstance(found, dict) and found else None
