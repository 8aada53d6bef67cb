"""What accounts keeps beside Django's user: whose e-mail address is verified, and one-time sign-in links."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class EmailAddress(models.Model):
    """The address of an account made by sign-up, by a guest checkout or by a social sign-in, and whether its owner
    has proved it. Accounts made by staff or a command have no row: their address counts as verified.

    `email` is stored lower-cased and is unique, so two sign-ups (or two guest payments) with one address at the
    same moment make one account, not two.
    """

    class Origin(models.TextChoices):
        SIGN_UP = "sign_up", "Sign-up"
        GUEST_CHECKOUT = "guest_checkout", "Guest checkout"
        SOCIAL = "social", "Social sign-in"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_address")
    email = models.EmailField(unique=True)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "e-mail address"
        verbose_name_plural = "e-mail addresses"

    def __str__(self):
        return f"{self.email} ({'verified' if self.verified_at else 'not verified'})"


class SignInLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class SignInLink(models.Model):
    """A one-time link that signs its user in (sent with a guest's order): single use, expiring.

    Only a SHA-256 digest of the token is stored, so a copy of the database signs nobody in.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_links")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = SignInLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Sign-in link for user {self.user_id} (expires {self.expires_at:%Y-%m-%d %H:%M})"
