"""Run callables at the same moment in threads, as simultaneous requests would arrive (PostgreSQL tests only).

Each callable makes its own django.test.Client; each thread closes its database connection when done.
"""

import threading

from django.db import connection


def run_at_once(actions, *, timeout: float = 60) -> tuple[list, list[str]]:
    """Start every action together; return (results in completion order, repr of each exception raised)."""
    barrier = threading.Barrier(len(actions))
    results: list = []
    failures: list[str] = []

    def run(action):
        try:
            barrier.wait(timeout=timeout)
            results.append(action())
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results, failures


def post_event(event):
    """Deliver a sandbox event through a fresh client, as Stripe's own retry would arrive: its status code."""
    from django.test import Client

    response = Client().post(
        "/billing/webhook/", data=event.body, content_type="application/json", HTTP_STRIPE_SIGNATURE=event.signature
    )
    return response.status_code


def return_from_checkout(user, session_id: str):
    """The payer's browser arriving back from Checkout: (status code, where it is sent)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get("/billing/checkout/return/", {"session_id": session_id})
    return response.status_code, response.get("Location", "")
