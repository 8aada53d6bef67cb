"""Payments through Stripe, for any model that can be paid for. What other apps use:

Make a model payable (see billing.payables for the methods it offers), in AppConfig.ready():
    from billing import payables
    payables.register(Order)

Send the payer to the generic payment page (saved cards, or a new card through Stripe Checkout):
    from billing.tokens import payment_url
    return redirect(payment_url(order))

Or start a payment yourself (both raise billing.stripe_client.PaymentError with `.message` to show):
    from billing.services.checkout import charge_start_checkout
    start = charge_start_checkout(user=user, payable=order, base_url=request.build_absolute_uri("/"))
    return redirect(start.url)
    from billing.services.cards import charge_pay_with_saved_card
    charge = charge_pay_with_saved_card(user=user, payable=order, payment_method_id="pm_...")

Hear about payments only through the signals in billing.signals (charge_succeeded, charge_refunded,
charge_disputed, charge_dispute_won, charge_canceled, charge_checkout_opened), sent with the payable's
model as sender; connect receivers in your app's receivers.py from its AppConfig.ready().

Ask the ledger:
    from billing.models import Charge
    Charge.objects.for_object(listing).succeeded().since(moment).exists()
"""
