"""Payments through Stripe, for any model that can be paid for. What other apps use:

Make a model payable (see billing.payables for the methods and hooks it offers), in AppConfig.ready():
    from billing import payables
    payables.register(Order)

Send the payer to the generic payment page (saved cards, or a new card through Stripe Checkout):
    from billing.tokens import payment_url
    return redirect(payment_url(order))

Or start a payment yourself (both raise billing.stripe_client.PaymentError with `.message` to show):
    from billing import services
    start = services.charge_start_checkout(user=user, payable=order, base_url=request.build_absolute_uri("/"))
    return redirect(start.url)
    charge = services.charge_pay_with_saved_card(user=user, payable=order, payment_method_id="pm_...")

Hear about payments: the payable's hooks (on_charge_succeeded, on_charge_refunded, on_charge_disputed,
on_charge_canceled), or the signals in billing.signals (charge_succeeded, charge_refunded, ...).

Ask the ledger:
    from billing.models import Charge
    Charge.objects.for_object(listing).succeeded().since(moment).exists()
"""
