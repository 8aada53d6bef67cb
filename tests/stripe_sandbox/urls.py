"""A stand-in webhook endpoint for the sandbox's own tests: verifies like Stripe's docs say and records."""

import stripe
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

received: list[dict] = []


@csrf_exempt
def webhook(request):
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature", ""), settings.STRIPE_WEBHOOK_SECRET
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        return HttpResponse(str(error), status=400)
    received.append({"id": event.id, "type": event.type})
    return JsonResponse({"received": event.id})


urlpatterns = [path("billing/webhook/", webhook)]
