"""What a payable offers billing beyond its price: its own Checkout lines and shipping terms (billing.payables),
checked before they reach Stripe."""

import pytest

from billing import payables
from billing.services.charges import payable_lines, payable_shipping
from billing.stripe_client import PaymentError


class Offer:
    """A payable's optional methods alone; payable_lines/payable_shipping read nothing else."""

    def __init__(self, lines=None, shipping=None):
        self.lines = lines
        self.shipping = shipping

    def payment_line_items(self):
        return self.lines

    def payment_shipping(self):
        return self.shipping


def test_a_payable_without_lines_is_paid_as_one_line():
    assert payable_lines(payable=object(), amount=2500) == []


def test_lines_that_add_up_are_used():
    lines = [payables.PaymentLine("Mug", 1800, 2), payables.PaymentLine("Tote", 1400, 1, "/media/tote.jpg")]
    assert payable_lines(payable=Offer(lines), amount=5000) == lines


@pytest.mark.parametrize(
    "lines",
    [
        [payables.PaymentLine("Mug", 1800, 2)],  # 3600, not 5000
        [payables.PaymentLine("Mug", -100, 1), payables.PaymentLine("Tote", 5100, 1)],
        [payables.PaymentLine("", 5000, 1)],
        [{"name": "Mug", "unit_amount": 5000, "quantity": 1}],
    ],
)
def test_lines_that_do_not_add_up_or_are_malformed_fall_back_to_one_line(lines):
    assert payable_lines(payable=Offer(lines), amount=5000) == []


def test_shipping_terms_keep_the_cheapest_five_options():
    options = [payables.ShippingOption(str(n), f"Rate {n}", 100 * (7 - n)) for n in range(7)]
    terms = payable_shipping(payable=Offer(shipping=payables.ShippingTerms(["GB"], options)))
    assert terms["countries"] == ["GB"]
    assert [option["amount"] for option in terms["options"]] == [100, 200, 300, 400, 500]


def test_shipping_with_no_rate_or_country_is_refused_before_stripe():
    with pytest.raises(PaymentError, match="cannot ship this order"):
        payable_shipping(payable=Offer(shipping=payables.ShippingTerms(["GB"], [])))
    with pytest.raises(PaymentError, match="cannot be paid for"):
        payable_shipping(
            payable=Offer(shipping=payables.ShippingTerms(["GB"], [payables.ShippingOption("a", "A", -1)]))
        )


def test_a_payable_that_ships_nothing_has_no_terms():
    assert payable_shipping(payable=object()) == {}
    assert payable_shipping(payable=Offer(shipping=None)) == {}
