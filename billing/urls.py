from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("pay/<str:token>/", views.pay, name="pay"),
    path("checkout/return/", views.checkout_return, name="checkout_return"),
    path("checkout/<uuid:reference>/cancel/", views.checkout_cancel, name="checkout_cancel"),
    path("payments/", views.payments, name="payments"),
    path("payments/<uuid:reference>/", views.payment_detail, name="payment_detail"),
    path("cards/", views.cards, name="cards"),
    path("cards/<str:payment_method_id>/remove/", views.card_remove, name="card_remove"),
    path("webhook/", views.webhook, name="webhook"),
]
