"""Billing's writes, one module per purpose:

    customers     Stripe customers mapped to users
    charges       a charge's terms, ledger row and metadata; finding it again from Stripe's objects
    checkout      paying through Stripe Checkout: start, return, give up
    cards         saved cards, and paying again with one
    settlement    fulfilling a confirmed payment exactly once; closing failed, abandoned and expired ones
    refunds       refunds and disputes
    housekeeping  settling pending charges whose webhook never came

Import from the module: `from billing.services.checkout import charge_start_checkout`.
"""
