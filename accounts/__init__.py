"""Accounts: sign-up with e-mail verification, the account a guest checkout makes, one-time sign-in links,
password reset in the site's templates, linked social providers, and the limits that stop guessing.

For other apps: `accounts.verification.email_is_verified(user)` and, for the shop, `accounts.services`
(`account_for_guest_checkout`, `sign_in_link_create`).
"""
