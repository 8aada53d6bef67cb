"""Account pages: sign-up and verification, one-time sign-in links, setting a password, password reset (Django's
views in the site's templates), the account page with linked providers."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import ratelimit, services
from accounts.client_ip import client_ip
from accounts.forms import AccountPasswordResetForm, SignUpForm
from accounts.verification import BadVerificationLink, email_is_verified

# The backend a one-time link signs in through (login() needs one when several are configured).
LINK_SIGN_IN_BACKEND = "accounts.backends.EmailOrUsernameBackend"
TOO_MANY = "Too many requests from you or for this address. Wait an hour, then try again."

# Backend path -> (social-auth name, label). Only backends enabled in AUTHENTICATION_BACKENDS show.
SOCIAL_PROVIDERS = {
    "social_core.backends.github.GithubOAuth2": ("github", "GitHub"),
    "social_core.backends.google.GoogleOAuth2": ("google-oauth2", "Google"),
}


def enabled_social_providers() -> list[dict]:
    return [
        {"backend": name, "label": label}
        for path, (name, label) in SOCIAL_PROVIDERS.items()
        if path in settings.AUTHENTICATION_BACKENDS
    ]


class LoginView(auth_views.LoginView):
    """Password sign-in (by username or e-mail address) plus whichever social providers have keys; django-axes
    locks out a username-and-address pair after repeated failures (AxesMiddleware shows the lockout page)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["social_providers"] = enabled_social_providers()
        return context


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.request_allowed(action="sign_up", ip=client_ip(request), email=email):
            form.add_error(None, TOO_MANY)
            return render(request, "accounts/sign_up.html", {"form": form}, status=429)
        services.account_sign_up(email=email, password=form.cleaned_data["password1"])
        request.session["accounts_sign_up_email"] = email
        return redirect("accounts:sign_up_done")
    return render(request, "accounts/sign_up.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
def sign_up_done(request):
    """The same page whether the address was new or in use: only its owner's inbox tells them apart."""
    return render(request, "accounts/sign_up_done.html", {"email": request.session.get("accounts_sign_up_email", "")})


@never_cache
def verify_email(request, token: str):
    try:
        user = services.account_verify_email(token=token)
    except BadVerificationLink as error:
        return render(request, "accounts/link_invalid.html", {"message": error.message}, status=400)
    messages.success(request, f"Thank you: {user.email} is verified.")
    return redirect("account" if request.user.is_authenticated else "login")


@login_required
@require_POST
def verification_resend(request):
    if services.email_verification_send(user=request.user):
        messages.success(request, f"We sent a verification link to {request.user.email}.")
    else:
        messages.info(request, "Your address needs no verification.")
    return redirect("account")


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link(request, token: str):
    """GET shows a button (mail scanners that follow links must not spend it); POST spends it and signs in."""
    try:
        if request.method == "GET":
            link = services.sign_in_link_check(token=token)
            return render(request, "accounts/sign_in_link.html", {"link_user": link.user})
        user = services.sign_in_link_use(token=token)
    except services.BadSignInLink as error:
        return render(request, "accounts/link_invalid.html", {"message": error.message}, status=400)
    login(request, user, backend=LINK_SIGN_IN_BACKEND)
    messages.success(request, "You are signed in. Choose a password so you can sign in again later.")
    return redirect("accounts:password_set")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_set(request):
    """Set a first password (an account made at checkout has none) or change it."""
    form_class = PasswordChangeForm if request.user.has_usable_password() else SetPasswordForm
    form = form_class(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is saved.")
        return redirect("account")
    return render(
        request,
        "accounts/password_set.html",
        {"form": form, "first": form_class is SetPasswordForm},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def account(request):
    """The signed-in user's hub: their things, their address, and the providers they sign in with."""
    labels = dict(SOCIAL_PROVIDERS.values())
    linked = [
        {
            "provider": association.provider,
            "pk": association.pk,
            "uid": association.uid,
            "label": labels.get(association.provider, association.provider),
        }
        for association in request.user.social_auth.order_by("provider", "pk")
    ]
    linked_names = {association["provider"] for association in linked}
    # Unlinking is offered only while another way in remains (social-auth's disconnect pipeline checks it again).
    ways_in = len(linked) + (1 if request.user.has_usable_password() else 0)
    context = {
        "email_verified": email_is_verified(request.user),
        "linked": linked,
        "can_unlink": ways_in > 1,
        "linkable": [p for p in enabled_social_providers() if p["backend"] not in linked_names],
    }
    return render(request, "accounts/account.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view; the same answer whether or not the address has an account, limited per address and e-mail."""

    form_class = AccountPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not ratelimit.request_allowed(action="password_reset", ip=client_ip(self.request), email=email):
            form.add_error(None, TOO_MANY)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The owner proved the address: lift a lockout of their username, so the new password works at once.
        axes_reset(username=form.user.get_username())
        services.email_mark_verified(user=form.user)
        return response


password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
