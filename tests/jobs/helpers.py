"""Helpers the job board's tests share."""


def payable_named_by(location: str):
    """The payable a billing payment-page URL names (its token carries a timestamp: URLs differ by the second)."""
    from billing.tokens import payable_from_token

    prefix = "/billing/pay/"
    assert location.startswith(prefix), location
    return payable_from_token(location[len(prefix) :].rstrip("/"))
