from shop.selectors import cart_item_count


def cart(request):
    """`cart_item_count` for the header: at most one aggregate query, None (no badge) before any cart exists."""
    session = getattr(request, "session", None)
    if session is None:
        return {"cart_item_count": None}
    # A view that already summarised the visitor's cart (the cart page) leaves it on the request: no second query.
    summary = getattr(request, "cart_summary", None)
    return {"cart_item_count": cart_item_count(user=getattr(request, "user", None), session=session, summary=summary)}
