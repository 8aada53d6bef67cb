from django.urls import include, path

from shop import views

app_name = "shop"

# Grouped under their first segment, so a URL that is none of these (every Wagtail page) is turned away by two prefix
# checks instead of one pattern each.
cart_patterns = [
    path("", views.cart_detail, name="cart"),
    path("add/", views.cart_add, name="cart_add"),
    path("checkout/", views.cart_checkout, name="cart_checkout"),
    path("lines/<int:line_id>/update/", views.cart_line_update, name="cart_line_update"),
    path("lines/<int:line_id>/remove/", views.cart_line_remove, name="cart_line_remove"),
]
order_patterns = [
    path("", views.order_list, name="orders"),
    path("<int:order_id>/", views.order_detail, name="order_detail"),
]
urlpatterns = [
    path("cart/", include(cart_patterns)),
    path("orders/", include(order_patterns)),
]
