"""Whether a user's e-mail address is verified.

The accounts app supplies this function (built in parallel); this stand-in keeps the job board's callers working
until it lands: staff count as verified, everyone else does not.
"""


def email_is_verified(user) -> bool:
    return bool(user.is_staff or False)
