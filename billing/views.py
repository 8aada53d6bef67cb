"""Billing pages: the generic payment page, Checkout's return and cancel, payments, cards, the webhook.

Views stay thin: they call services and turn PaymentError into a message for the payer (never a 500).
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import payables, stripe_client, tokens, webhooks
from billing.models import Charge
from billing.money import format_amount
from billing.services import cards as card_services
from billing.services import checkout as checkout_services
from billing.services.charges import payable_ships
from billing.stripe_client import PaymentError, WebhookSignatureError

logger = logging.getLogger(__name__)


def _safe_redirect(request, url: str, fallback: str) -> HttpResponseRedirect:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(url)
    return redirect(fallback)


def _payable_or_error(request, token):
    """(payable, None) or (None, response): 400 for a bad link, 404 for something not payable."""
    try:
        return tokens.payable_from_token(token), None
    except tokens.BadToken as error:
        response = render(request, "billing/invalid_link.html", {"message": str(error)}, status=400)
        return None, response
    except payables.PayableNotFound:
        raise Http404("There is nothing to pay here.") from None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pay(request, token):
    payable, error_response = _payable_or_error(request, token)
    if error_response:
        return error_response
    if not payable.can_be_paid_by(request.user):
        paid = Charge.objects.for_object(payable).for_user(request.user).succeeded().first()
        if paid is None:
            raise Http404("There is nothing for you to pay here.")
        return render(request, "billing/already_paid.html", {"charge": paid, "payable": payable})

    payment_error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "checkout":
                start = checkout_services.charge_start_checkout(
                    user=request.user, payable=payable, base_url=request.build_absolute_uri("/")
                )
                return HttpResponseRedirect(start.url, status=303)
            if action == "saved_card":
                charge = card_services.charge_pay_with_saved_card(
                    user=request.user, payable=payable, payment_method_id=request.POST.get("payment_method", "")
                )
                if charge.status == Charge.Status.PENDING:
                    messages.info(request, "Your payment is processing. We will confirm it shortly.")
                elif not payables.confirms_itself(payable):
                    messages.success(request, f"Paid {charge.display_amount} with {charge.card_label or 'your card'}.")
                return _safe_redirect(
                    request, charge.success_url, reverse("billing:payment_detail", args=[charge.reference])
                )
            return HttpResponseBadRequest("Choose how to pay.")
        except PaymentError as error:
            if error.code == "already_paid":
                messages.info(request, error.message)
                return redirect(request.path)
            payment_error = error

    cards, cards_unavailable = [], False
    try:
        if not payable_ships(payable=payable):  # an address and a rate are asked for by Checkout alone
            cards = [card for card in card_services.card_list(user=request.user) if not card.is_expired]
    except PaymentError:
        cards_unavailable = True
    context = {
        "payable": payable,
        "token": token,
        "amount": format_amount(payable.payment_amount(), payable.payment_currency()),
        "description": payable.payment_description(),
        # Optional in the payable protocol: what this payment buys, said before any money moves.
        "outcome": payable.payment_outcome() if callable(getattr(payable, "payment_outcome", None)) else "",
        "cards": cards,
        "cards_unavailable": cards_unavailable,
        "payment_error": payment_error,
        "cancel_url": payable.payment_cancel_url(),
    }
    return render(request, "billing/pay.html", context, status=200)


def _payer(request):
    """The signed-in user, or None for a guest (who pays without an account; see charge_start_checkout)."""
    return request.user if request.user.is_authenticated else None


@never_cache
@require_GET
def checkout_return(request):
    """Stripe sends the payer here after Checkout; we ask Stripe whether they paid, then send them on.

    A guest's payment (a charge with no user) is confirmed without signing in; it lands on the payable's page.
    """
    session_id = request.GET.get("session_id", "")
    if not session_id.startswith("cs_"):
        return HttpResponseBadRequest("This link is missing its Checkout session.")
    payer = _payer(request)
    try:
        charge = checkout_services.charge_confirm_checkout_return(user=payer, session_id=session_id)
    except Charge.DoesNotExist:
        if payer is None:
            return redirect_to_login(request.get_full_path())
        raise Http404("No such payment of yours.") from None
    except PaymentError:
        charge = get_object_or_404(Charge, user=payer, stripe_checkout_session_id=session_id)
        messages.info(request, "We are confirming your payment with the bank; it will appear here shortly.")
        return _to_payment(request, charge)
    if charge.is_paid:
        if payer is not None:  # a guest saved no card: there is no customer to keep one on
            card_services.cards_remove_duplicates(user=payer)
        if not payables.confirms_itself(payables.payable_for_charge(charge)):
            messages.success(request, f"Thank you: {charge.display_amount} paid for {charge.description}.")
        return _safe_redirect(request, charge.success_url, reverse("billing:payment_detail", args=[charge.reference]))
    messages.info(request, "Your payment is processing. We will confirm it as soon as the bank does.")
    return _to_payment(request, charge)


def _to_payment(request, charge: Charge) -> HttpResponseRedirect:
    """The charge's page; a guest has none (it lists an account's payments), so the payable's page instead."""
    if charge.user_id is None:
        return _safe_redirect(request, charge.success_url, "/")
    return redirect("billing:payment_detail", reference=charge.reference)


@never_cache
@require_GET
def checkout_cancel(request, reference):
    """Stripe sends the payer here when they leave Checkout without paying."""
    payer = _payer(request)
    charge = Charge.objects.filter(reference=reference, user=payer).first()
    if charge is None:
        if payer is None:
            return redirect_to_login(request.get_full_path())
        raise Http404("No such payment of yours.")
    charge = checkout_services.charge_cancel_checkout(charge=charge)
    fallback = reverse("billing:payments") if payer else "/"
    if charge.is_paid:
        if not payables.confirms_itself(payables.payable_for_charge(charge)):
            messages.success(request, f"Your payment of {charge.display_amount} went through.")
        return _safe_redirect(request, charge.success_url, fallback)
    messages.info(request, "Payment canceled. Nothing was charged.")
    return _safe_redirect(request, charge.cancel_url, fallback)


@never_cache
@login_required
@require_GET
def payments(request):
    charges = Charge.objects.for_user(request.user).select_related("content_type")
    page = Paginator(charges, 25).get_page(request.GET.get("page"))
    return render(request, "billing/payments.html", {"page": page, "charges": page.object_list})


@never_cache
@login_required
@require_GET
def payment_detail(request, reference):
    charge = get_object_or_404(Charge, reference=reference, user=request.user)
    return render(request, "billing/payment_detail.html", {"charge": charge})


@never_cache
@login_required
@require_GET
def cards(request):
    try:
        saved = card_services.card_list(user=request.user)
        unavailable = False
    except PaymentError as error:
        saved, unavailable = [], True
        messages.error(request, error.message)
    return render(request, "billing/cards.html", {"cards": saved, "cards_unavailable": unavailable})


@login_required
@require_POST
def card_remove(request, payment_method_id):
    try:
        card = card_services.card_remove(user=request.user, payment_method_id=payment_method_id)
    except PaymentError as error:
        if error.code == "card_not_found":
            raise Http404(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(request, f"{card.label} was removed.")
    return redirect("billing:cards")


@csrf_exempt
@require_POST
def webhook(request):
    """Stripe's events: verified, stored once, handled once; Stripe retries anything but a 2xx."""
    try:
        body = request.body
    except RequestDataTooBig:
        logger.warning("Webhook refused: the body is over DATA_UPLOAD_MAX_MEMORY_SIZE")
        return HttpResponseBadRequest("The body is too large.", content_type="text/plain")
    try:
        event = stripe_client.construct_webhook_event(body, request.headers.get("Stripe-Signature"))
    except WebhookSignatureError as error:
        logger.warning("Webhook refused: %s", error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    try:
        outcome = webhooks.webhook_event_receive(event=event)
    except Exception:
        # Kept on the inbox row when it got that far; a 500 makes Stripe deliver the event again.
        logger.exception("Webhook %s (%s) could not be handled", event.get("id"), event.get("type"))
        return HttpResponse(
            "The event could not be handled; it will be retried.", status=500, content_type="text/plain"
        )
    if outcome == "refused":
        return HttpResponseBadRequest(
            "This event is from the other Stripe mode than this site's key.", content_type="text/plain"
        )
    return HttpResponse(outcome, content_type="text/plain")
