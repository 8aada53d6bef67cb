"""Steps added to social-auth's pipeline (SOCIAL_AUTH_PIPELINE in settings)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.models import EmailAddress
from accounts.services import account_with_email
from accounts.verification import normalise_email


def refuse_address_of_existing_account(strategy, details, backend, user=None, *args, **kwargs):
    """A first sign-in with a provider whose e-mail address an account here already has is never merged into that
    account (anyone can claim an address at some providers): stop, and say how to link it."""
    if user is not None:
        return None  # signed in already (linking), or this provider account is linked: nothing to decide
    email = normalise_email(details.get("email") or "")
    if not email or account_with_email(email) is None:
        return None
    label = getattr(backend, "name", "that provider").replace("-oauth2", "").title()
    messages.error(
        strategy.request,
        f"An account with the address {email} exists already. Sign in to it (or reset its password), then link "
        f"{label} on your account page.",
    )
    return HttpResponseRedirect(reverse("login"))


def record_new_account_address(details, user=None, is_new=False, *args, **kwargs):
    """A new account made by a social sign-in keeps its address as not yet verified (the provider's word is not
    proof enough for the job board); the account page offers the verification e-mail."""
    email = normalise_email(details.get("email") or "")
    if user is not None and is_new and email and user.email:
        EmailAddress.objects.get_or_create(user=user, defaults={"email": email, "origin": EmailAddress.Origin.SOCIAL})
