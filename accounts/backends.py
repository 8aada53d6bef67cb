"""Password sign-in by username or by e-mail address (guest and sign-up accounts know their address best)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailOrUsernameBackend(ModelBackend):
    """Django's ModelBackend; when no account has the typed username, an address that exactly one active account
    has signs in to that account. An address shared by several accounts signs in to none of them."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None or not username or "@" not in username:
            return user
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            return None
        matches = list(User.objects.filter(email__iexact=username.strip(), is_active=True)[:2])
        if len(matches) != 1:
            User().set_password(password)  # the same work as a real check, so timing tells nothing
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
