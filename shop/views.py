"""The cart page and the cart endpoints. Each endpoint answers a plain form post with a redirect and a message,
and a request sending `Accept: application/json` with JSON."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from billing.models import Charge
from billing.tokens import payment_url
from shop import checkout, services
from shop.forms import AddToCartForm, UpdateLineForm
from shop.models import Order
from shop.selectors import cart_find, cart_summary_for, pending_order_for
from shop.shipping import SESSION_COUNTRY_KEY, cart_shipping, country_is_served

MAX_LINE_ID = 2**63 - 1
# Orders this browser checked out as a guest: their pages open without signing in (the newest few are kept).
GUEST_ORDERS_SESSION_KEY = "shop_guest_orders"
GUEST_ORDERS_KEPT = 10


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
    return cart_summary_for(user=request.user, session=request.session).as_json()


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
    summary = cart_summary_for(user=request.user, session=request.session)
    if any(view.line.variant_id is None for view in summary.lines):
        # An editor deleted a variant in this cart: its line goes, and the shopper is told what it was.
        for message in services.cart_drop_unsold_lines(cart=summary.cart):
            messages.warning(request, message)
        summary = cart_summary_for(user=request.user, session=request.session)
    if _wants_json(request):
        return JsonResponse({"ok": True, "cart": summary.as_json()})
    # For the header's item count (shop.context_processors.cart): the same cart, already read.
    request.cart_summary = summary
    country = request.GET.get("country", request.session.get(SESSION_COUNTRY_KEY, ""))[:10].strip().upper()
    shipping = cart_shipping(
        lines=[view.line for view in summary.lines],
        currency=summary.currency,
        subtotal_amount=summary.subtotal_amount,
        country=country,
    )
    if "country" in request.GET and shipping.country:
        request.session[SESSION_COUNTRY_KEY] = shipping.country  # remembered for checkout and the next visit
    context = {
        "summary": summary,
        "update_form": UpdateLineForm(),
        "pending_order": pending_order_for(user=request.user),
        "shipping": shipping,
    }
    return render(request, "shop/cart.html", context)


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
            variant_id=form.cleaned_data["variant"],
            option_values=form.option_values(),
        )
    except services.CartError as error:
        return _refused(request, error.message, status=error.status, back_to=back_to)
    added = form.cleaned_data["quantity"]
    message = f"Added {added} of {line.display_name} to your cart (you now have {line.quantity})."
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
    return _success(request, f"{line.display_name}: quantity set to {line.quantity}.", redirect_to=cart_url)


@require_POST
def cart_line_remove(request, line_id: int):
    cart_url = reverse("shop:cart")
    if line_id > MAX_LINE_ID:
        return _refused(request, "That line is not in your cart.", status=404, back_to=cart_url)
    try:
        line = services.cart_remove_line(user=request.user, session=request.session, line_id=line_id)
    except services.CartError as error:
        return _refused(request, error.message, status=error.status, back_to=cart_url)
    return _success(request, f"Removed {line.display_name} from your cart.", redirect_to=cart_url)


@require_POST
def cart_checkout(request):
    """Turn the cart into an order and send the buyer to Stripe Checkout (303), or back to the cart to see why not.

    Not signed in, the shopper checks out as a guest: Checkout asks for their e-mail address, and this browser may
    open the order's page afterwards without signing in.
    """
    cart_url = reverse("shop:cart")
    cart = cart_find(user=request.user, session=request.session)
    if cart is None:
        return _refused(request, "Your cart is empty: add something before checking out.", status=400, back_to=cart_url)
    country = (request.POST.get("country") or "")[:10].strip().upper()
    if country and country_is_served(country):
        request.session[SESSION_COUNTRY_KEY] = country
    try:
        result = checkout.checkout_start(
            user=request.user, cart=cart, base_url=request.build_absolute_uri("/"), country=country
        )
    except checkout.CheckoutError as error:
        if error.status >= 500:
            messages.error(request, error.message)
            return HttpResponseRedirect(cart_url, status=303)
        return _refused(request, error.message, status=error.status, back_to=cart_url)
    if result.changes:
        for change in result.changes:
            messages.warning(request, change)
        messages.info(request, "Your cart changed since you last saw it. Check it, then check out again.")
        return HttpResponseRedirect(cart_url, status=303)
    if not request.user.is_authenticated:
        kept = [pk for pk in request.session.get(GUEST_ORDERS_SESSION_KEY, []) if pk != result.order.pk]
        request.session[GUEST_ORDERS_SESSION_KEY] = [*kept, result.order.pk][-GUEST_ORDERS_KEPT:]
    return HttpResponseRedirect(result.payment_url, status=303)


@never_cache
@login_required
@require_GET
def order_list(request):
    orders = Order.objects.for_user(request.user).order_by("-created_at", "-pk")
    page = Paginator(orders, settings.SHOP_ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "shop/order_list.html", {"page": page, "orders": page.object_list})


@never_cache
@require_GET
def order_detail(request, order_id: int):
    """The buyer's order; an order this browser checked out as a guest opens without signing in."""
    if order_id > MAX_LINE_ID:
        raise Http404("No such order of yours.")
    guest_orders = request.session.get(GUEST_ORDERS_SESSION_KEY, [])
    if not request.user.is_authenticated and order_id not in guest_orders:
        return redirect_to_login(request.get_full_path())
    mine = Q(pk__in=guest_orders)
    if request.user.is_authenticated:
        mine |= Q(user=request.user)
    order = get_object_or_404(Order.objects.filter(mine).prefetch_related("lines", "events"), pk=order_id)
    charges = Charge.objects.for_object(order).order_by("-created_at")
    payment = next((charge for charge in charges if charge.paid_at), None)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "events": list(order.events.all()),
        "payment": payment,
        "pay_url": payment_url(order) if request.user.is_authenticated and order.can_be_paid_by(request.user) else "",
        "guest_view": not request.user.is_authenticated,
    }
    return render(request, "shop/order_detail.html", context)
