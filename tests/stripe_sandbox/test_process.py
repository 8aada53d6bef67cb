"""How the sandbox runs: localstripe unmodified in its own process, everything on loopback, nothing on disk."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import stripe

from stripe_sandbox.runner import LocalstripeProcess, free_port

REPOSITORY = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {".venv", ".git", "var", "node_modules", "__pycache__"}
IMPORTS_LOCALSTRIPE = re.compile(
    r"^\s*(from\s+localstripe\b|import\s+localstripe\b)|import_module\(\s*['\"]localstripe", re.M
)


def project_python_files():
    for path in REPOSITORY.rglob("*.py"):
        if not SKIPPED_DIRECTORIES.intersection(path.relative_to(REPOSITORY).parts):
            yield path


def test_no_project_module_imports_localstripe():
    offenders = [
        str(p.relative_to(REPOSITORY)) for p in project_python_files() if IMPORTS_LOCALSTRIPE.search(p.read_text())
    ]

    assert offenders == []


def non_loopback_address():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def refuses_connections_at(address, port) -> bool:
    try:
        socket.create_connection((address, port), timeout=1).close()
    except OSError:
        return True
    return False


def test_both_servers_listen_on_loopback_only(stripe_sandbox, stripe_sandbox_server):
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to probe from")

    assert refuses_connections_at(address, stripe_sandbox_server.port)
    assert refuses_connections_at(address, stripe_sandbox_server.localstripe.port)
    assert not refuses_connections_at("127.0.0.1", stripe_sandbox_server.localstripe.port)


def test_localstripe_keeps_no_state_file(stripe_client, stripe_sandbox):
    state_file = Path("/tmp/localstripe.pickle")  # noqa: S108 - the path localstripe would write
    before = state_file.stat().st_mtime_ns if state_file.exists() else None

    stripe_client.customers.create(params={"email": "a@example.com"})

    assert (state_file.stat().st_mtime_ns if state_file.exists() else None) == before


def test_localstripe_exits_when_its_parent_goes_away():
    localstripe = LocalstripeProcess().start()
    process = localstripe.process

    process.stdin.close()  # what the kernel does when the parent dies, however it dies

    assert process.wait(timeout=10) == 0
    localstripe.process = None


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def is_running(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    with contextlib.suppress(FileNotFoundError):
        return "\nState:\tZ" not in status.read_text()
    return False


def test_the_stripe_sandbox_command_serves_on_127_0_0_1_and_stops_everything_on_sigterm():
    port = free_port()
    command = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "stripe_sandbox", "--port", str(port), "--quiet"],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "website.settings.dev"},
    )
    try:
        health = None
        deadline = time.monotonic() + 30
        while health is None and time.monotonic() < deadline and command.poll() is None:
            with contextlib.suppress(requests.ConnectionError):
                health = requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1).json()
            time.sleep(0.1)
        children = child_pids(command.pid)
        address = non_loopback_address()

        assert health == {"status": "ok", "localstripe": 200}
        assert len(children) == 1
        if address is not None:
            assert refuses_connections_at(address, port)

        command.send_signal(signal.SIGTERM)
        output = command.communicate(timeout=15)[0].decode()
    finally:
        if command.poll() is None:
            command.kill()

    assert command.returncode == 0
    assert f"Stripe sandbox on http://127.0.0.1:{port}" in output
    assert not any(is_running(child) for child in children)


def test_state_survives_a_restart_only_when_a_state_dir_is_given(tmp_path):
    from stripe_sandbox.runner import SandboxServer

    def create_session_then_stop(server):
        client = stripe.StripeClient("sk_test_sandbox", base_addresses={"api": server.url}, max_network_retries=0).v1
        customer = client.customers.create(params={"email": "kept@example.com"})
        session = client.checkout.sessions.create(
            params={
                "mode": "payment",
                "customer": customer.id,
                "success_url": "http://testserver/ok/",
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}},
                        "quantity": 1,
                    }
                ],
            }
        )
        server.stop()
        return customer.id, session.id

    customer_id, session_id = create_session_then_stop(SandboxServer(state_dir=str(tmp_path)).start())
    restarted = SandboxServer(state_dir=str(tmp_path)).start()
    try:
        client = stripe.StripeClient("sk_test_sandbox", base_addresses={"api": restarted.url}, max_network_retries=0).v1
        assert client.checkout.sessions.retrieve(session_id).customer == customer_id
        assert client.customers.retrieve(customer_id).email == "kept@example.com"
    finally:
        restarted.stop()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["localstripe.pickle", "sandbox.json"]
