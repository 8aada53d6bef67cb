"""Signals other apps may listen to; each is sent with `sender=Charge`, `charge=` and `payable=`.

They are sent inside the same database transaction as the ledger change: a receiver that raises
undoes the change, and the webhook answers 500 so Stripe delivers the event again.
"""

from django.dispatch import Signal

charge_succeeded = Signal()  # once per charge, when it is first confirmed paid
charge_refunded = Signal()  # each time the refunded amount grows; `amount` is the new refund in minor units
charge_disputed = Signal()  # when the cardholder opens a dispute
charge_canceled = Signal()  # Checkout abandoned or expired, or a saved-card payment failed: release holds
