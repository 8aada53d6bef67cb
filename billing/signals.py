"""How payable apps hear what happens to their payments: the one way billing tells them.

Each signal is sent through billing.payables.announce with `sender` the payable's model class (so a receiver
connects for its own model: `@receiver(charge_succeeded, sender=Order)`), `charge=` and `payable=`.
They are sent inside the same database transaction as the ledger change: a receiver that raises undoes the
change, and the webhook answers 500 so Stripe delivers the event again.
"""

from django.dispatch import Signal

charge_succeeded = Signal()  # once per charge, when it is first confirmed paid: fulfil
charge_refunded = Signal()  # each time the refunded amount grows; `amount` is the new refund in minor units
charge_disputed = Signal()  # when the cardholder opens a dispute
# A new Checkout Session can be paid until `charge.checkout_expires_at`: hold what it pays for that long.
# Sent after the session is written, outside any transaction (Stripe has just been called).
charge_checkout_opened = Signal()
charge_dispute_won = Signal()  # the dispute closed in our favour: the charge is paid again, restore what it bought
# Checkout abandoned or expired, or a saved-card payment failed (`charge.status` says which), and no other
# payment for the payable is under way: release what was held for it.
charge_canceled = Signal()
