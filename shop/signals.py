"""Receivers: the shop reacts to sign-ins here and calls services for the work."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from shop.services import cart_merge


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
