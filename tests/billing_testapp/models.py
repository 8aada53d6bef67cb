from django.conf import settings
from django.db import models


class Invoice(models.Model):
    """Something a user pays for; records every hook billing calls so tests can count them."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=100)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    paid = models.BooleanField(default=False)
    times_paid = models.PositiveIntegerField(default=0)
    times_refunded = models.PositiveIntegerField(default=0)
    times_disputed = models.PositiveIntegerField(default=0)
    times_canceled = models.PositiveIntegerField(default=0)
    fail_on_paid = models.BooleanField(default=False)
    success_path = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return self.title

    def payment_amount(self):
        return self.amount

    def payment_currency(self):
        return self.currency

    def payment_description(self):
        return f"Invoice: {self.title}"

    def can_be_paid_by(self, user):
        return user.pk == self.owner_id and not self.paid

    def payment_success_url(self):
        return self.success_path or f"/invoices/{self.pk}/thanks/"

    def payment_cancel_url(self):
        return f"/invoices/{self.pk}/"

    def on_charge_succeeded(self, charge):
        if self.fail_on_paid:
            raise RuntimeError("The invoice app is down")
        self.paid = True
        self.times_paid = models.F("times_paid") + 1
        self.save(update_fields=["paid", "times_paid"])
        self.refresh_from_db()

    def on_charge_refunded(self, charge):
        self.times_refunded = models.F("times_refunded") + 1
        if charge.status == "refunded":
            self.paid = False
        self.save(update_fields=["times_refunded", "paid"])
        self.refresh_from_db()

    def on_charge_disputed(self, charge):
        self.times_disputed = models.F("times_disputed") + 1
        self.save(update_fields=["times_disputed"])
        self.refresh_from_db()

    def on_charge_canceled(self, charge):
        self.times_canceled = models.F("times_canceled") + 1
        self.save(update_fields=["times_canceled"])
        self.refresh_from_db()
