"""The invoice app hears billing the way the shop and the job board do: through billing.signals, for its model."""

from django.db.models import F
from django.dispatch import receiver

from billing.signals import charge_canceled, charge_disputed, charge_refunded, charge_succeeded

from .models import Invoice


@receiver(charge_succeeded, sender=Invoice, dispatch_uid="billing_testapp_paid")
def invoice_paid(sender, charge, payable, **kwargs):
    if payable.fail_on_paid:
        raise RuntimeError("The invoice app is down")
    Invoice.objects.filter(pk=payable.pk).update(paid=True, times_paid=F("times_paid") + 1)


@receiver(charge_refunded, sender=Invoice, dispatch_uid="billing_testapp_refunded")
def invoice_refunded(sender, charge, payable, **kwargs):
    Invoice.objects.filter(pk=payable.pk).update(
        times_refunded=F("times_refunded") + 1, paid=payable.paid and charge.status != "refunded"
    )


@receiver(charge_disputed, sender=Invoice, dispatch_uid="billing_testapp_disputed")
def invoice_disputed(sender, charge, payable, **kwargs):
    Invoice.objects.filter(pk=payable.pk).update(times_disputed=F("times_disputed") + 1)


@receiver(charge_canceled, sender=Invoice, dispatch_uid="billing_testapp_canceled")
def invoice_canceled(sender, charge, payable, **kwargs):
    Invoice.objects.filter(pk=payable.pk).update(times_canceled=F("times_canceled") + 1)
