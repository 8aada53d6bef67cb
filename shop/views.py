"""The cart page and the cart endpoints. Each endpoint answers a plain form post with a redirect and a message,
and a request sending `Accept: application/json` with JSON."""

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shop import services
from shop.forms import AddToCartForm, UpdateLineForm
from shop.selectors import cart_find, cart_summary

MAX_LINE_ID = 2**63 - 1


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _cart_json(request) -> dict:
    return cart_summary(cart_find(user=request.user, session=request.session)).as_json()


def _success(request, message: str, *, redirect_to: str):
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "cart": _cart_json(request)})
    messages.success(request, message)
    return HttpResponseRedirect(redirect_to)


def _refused(request, message: str, *, status: int, back_to: str):
    """Nothing changed: say why, with the status the problem deserves, in the form the client asked for."""
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    return render(
        request,
        "shop/cart_error.html",
        {"error_message": message, "back_to": back_to},
        status=status,
    )


@never_cache
@require_GET
def cart_detail(request):
    summary = cart_summary(cart_find(user=request.user, session=request.session))
    if _wants_json(request):
        return JsonResponse({"ok": True, "cart": summary.as_json()})
    return render(request, "shop/cart.html", {"summary": summary, "update_form": UpdateLineForm()})


@require_POST
def cart_add(request):
    cart_url = reverse("shop:cart")
    back_to = _safe_next(request, cart_url)
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        return _refused(request, form.first_error(), status=400, back_to=back_to)
    try:
        line = services.cart_add_item(
            user=request.user,
            session=request.session,
            product_id=form.cleaned_data["product"],
            quantity=form.cleaned_data["quantity"],
        )
    except services.CartError as error:
        return _refused(request, error.message, status=error.status, back_to=back_to)
    added = form.cleaned_data["quantity"]
    message = f"Added {added} of {line.product.title} to your cart (you now have {line.quantity})."
    return _success(request, message, redirect_to=back_to)


@require_POST
def cart_line_update(request, line_id: int):
    cart_url = reverse("shop:cart")
    if line_id > MAX_LINE_ID:
        return _refused(request, "That line is not in your cart.", status=404, back_to=cart_url)
    form = UpdateLineForm(request.POST)
    if not form.is_valid():
        return _refused(request, form.first_error(), status=400, back_to=cart_url)
    try:
        line = services.cart_update_line(
            user=request.user,
            session=request.session,
            line_id=line_id,
            quantity=form.cleaned_data["quantity"],
        )
    except services.CartError as error:
        return _refused(request, error.message, status=error.status, back_to=cart_url)
    return _success(request, f"{line.product.title}: quantity set to {line.quantity}.", redirect_to=cart_url)


@require_POST
def cart_line_remove(request, line_id: int):
    cart_url = reverse("shop:cart")
    if line_id > MAX_LINE_ID:
        return _refused(request, "That line is not in your cart.", status=404, back_to=cart_url)
    try:
        product = services.cart_remove_line(user=request.user, session=request.session, line_id=line_id)
    except services.CartError as error:
        return _refused(request, error.message, status=error.status, back_to=cart_url)
    return _success(request, f"Removed {product.title} from your cart.", redirect_to=cart_url)
