"""URLs under /accounts/. `site_patterns` keep the names Django's auth views and templates reverse unnamespaced
(login, logout, account, password_reset...); `urlpatterns` are this app's own, namespaced `accounts:`."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

site_patterns = [
    path("", views.account, name="account"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
]

urlpatterns = [
    path("signup/", views.sign_up, name="sign_up"),
    path("signup/sent/", views.sign_up_done, name="sign_up_done"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("verify-again/", views.verification_resend, name="verification_resend"),
    path("link/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("password/", views.password_set, name="password_set"),
]
