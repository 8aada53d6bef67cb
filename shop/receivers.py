"""Receivers: the shop reacts to sign-ins and to billing's news about orders here, and calls services for the work.

Billing's signals arrive inside its ledger transaction, holding the charge row: what these call may raise to undo
the ledger change (and have Stripe deliver the event again).
"""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.models import Charge
from billing.signals import (
    charge_canceled,
    charge_checkout_opened,
    charge_dispute_won,
    charge_disputed,
    charge_refunded,
    charge_succeeded,
)
from shop.fulfilment import (
    order_assign_guest_buyer,
    order_fulfil,
    order_record_dispute,
    order_record_dispute_won,
    order_record_refund,
)
from shop.holds import order_holds_extend, order_release
from shop.models import Order, ProductVariant, Stock
from shop.services import cart_merge


@receiver(post_save, sender=ProductVariant, dispatch_uid="shop_stock_row_for_new_variant")
def give_new_variant_a_stock_row(sender, instance, created, **kwargs):
    """Every variant has its Stock row (none on hand) from the start, for editors to set under Admin → Stock."""
    if created:
        Stock.objects.get_or_create(variant=instance)


@receiver(user_logged_in, dispatch_uid="shop_merge_cart_on_sign_in")
def merge_anonymous_cart_on_sign_in(sender, request, user, **kwargs):
    """Every sign-in (password, social auth, admin) goes through django.contrib.auth.login, which sends this."""
    if request is None or not hasattr(request, "session"):
        return
    outcome = cart_merge(user=user, session=request.session)
    if outcome is None or not outcome.changed_anything:
        return
    level = messages.WARNING if outcome.reduced or outcome.dropped else messages.SUCCESS
    messages.add_message(request, level, outcome.message(), fail_silently=True)


@receiver(charge_succeeded, sender=Order, dispatch_uid="shop_order_paid")
def fulfil_paid_order(sender, charge, payable, payer_email="", payer_name="", **kwargs):
    if payable.user_id is None:
        # A guest's order: it becomes the account's with the address Checkout collected, before fulfilment.
        order_assign_guest_buyer(order_id=payable.pk, email=payer_email, name=payer_name)
    order_fulfil(order_id=payable.pk, charge=charge)


@receiver(charge_canceled, sender=Order, dispatch_uid="shop_order_payment_canceled")
def release_unpaid_order(sender, charge, payable, **kwargs):
    if charge.status == Charge.Status.FAILED:
        # A declined card: the buyer may try another while the hold lasts; expiry or the sweep releases it.
        return
    order_release(order_id=payable.pk, status=Order.Status.EXPIRED, unless_charge_pending_other_than=charge.pk)


@receiver(charge_refunded, sender=Order, dispatch_uid="shop_order_refunded")
def record_order_refund(sender, charge, payable, **kwargs):
    order_record_refund(order_id=payable.pk, charge=charge)


@receiver(charge_disputed, sender=Order, dispatch_uid="shop_order_disputed")
def record_order_dispute(sender, charge, payable, **kwargs):
    order_record_dispute(order_id=payable.pk)


@receiver(charge_dispute_won, sender=Order, dispatch_uid="shop_order_dispute_won")
def restore_order_after_dispute_won(sender, charge, payable, **kwargs):
    order_record_dispute_won(order_id=payable.pk)


@receiver(charge_checkout_opened, sender=Order, dispatch_uid="shop_order_checkout_opened")
def hold_stock_for_the_new_session(sender, charge, payable, **kwargs):
    if charge.checkout_expires_at:
        order_holds_extend(order=payable, payable_until=charge.checkout_expires_at)
