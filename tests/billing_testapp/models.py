from django.conf import settings
from django.db import models


class Invoice(models.Model):
    """Something a user pays for; its receivers (tests.billing_testapp.receivers) count what billing announces."""

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
