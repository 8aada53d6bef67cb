"""Starts the sandbox: localstripe in a child process on loopback, our server in front of it on 127.0.0.1."""

import asyncio
import contextlib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiohttp import web

from .server import build_app
from .state import DEFAULT_WEBHOOK_SECRET, Sandbox

LAUNCHER = Path(__file__).with_name("localstripe_launcher.py")
HOST = "127.0.0.1"


class SandboxStartError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxStartError(f"localstripe exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise SandboxStartError(f"localstripe did not answer on {HOST}:{port} within {timeout:.0f}s")


class LocalstripeProcess:
    """localstripe, unmodified, in its own process; it exits with us (its stdin is our pipe)."""

    def __init__(self, *, state_file: str = "", verbose: bool = False):
        self.state_file = state_file
        self.verbose = verbose
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self):
        for _attempt in range(3):
            self.port = free_port()
            command = [sys.executable, str(LAUNCHER), "--port", str(self.port)]
            if self.state_file:
                command += ["--state-file", self.state_file]
            output = None if self.verbose else subprocess.DEVNULL
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=output, stderr=output)  # noqa: S603
            try:
                wait_for_port(self.port, self.process)
                return self
            except SandboxStartError:
                self.stop()
        raise SandboxStartError("localstripe could not start")

    def stop(self):
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class SandboxServer:
    """The whole sandbox. `start()` serves from a background thread (tests); `serve_forever()` blocks."""

    def __init__(
        self,
        *,
        port: int = 0,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_urls=(),
        state_dir: str = "",
        expire_in_background: bool = False,
        verbose: bool = False,
        access_log=None,
    ):
        self.requested_port = port
        self.port = 0
        self.access_log = access_log
        state = Path(state_dir) if state_dir else None
        if state is not None:
            state.mkdir(parents=True, exist_ok=True)
        self.localstripe = LocalstripeProcess(
            state_file=str(state / "localstripe.pickle") if state else "", verbose=verbose
        )
        self.sandbox_options = {
            "state_file": str(state / "sandbox.json") if state else "",
            "webhook_secret": webhook_secret,
            "webhook_urls": list(webhook_urls),
            "expire_in_background": expire_in_background,
        }
        self.sandbox: Sandbox | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.runner: web.AppRunner | None = None
        self.site: web.TCPSite | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def _open(self):
        self.sandbox = Sandbox(localstripe_url=self.localstripe.url, **self.sandbox_options)
        self.runner = web.AppRunner(build_app(self.sandbox), access_log=self.access_log, handle_signals=False)
        await self.runner.setup()
        await self._listen(self.requested_port)

    async def _listen(self, port: int):
        self.site = web.TCPSite(self.runner, HOST, port, reuse_address=True)
        await self.site.start()
        self.port = self.site._server.sockets[0].getsockname()[1]
        self.sandbox.public_url = self.url

    async def _close(self):
        if self.runner is not None:
            await self.runner.cleanup()

    def start(self) -> "SandboxServer":
        self.localstripe.start()
        started = threading.Event()
        failure: list[BaseException] = []

        def run():
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(self._open())
            except BaseException as error:
                failure.append(error)
                started.set()
                return
            started.set()
            self.loop.run_forever()
            self.loop.run_until_complete(self._close())
            self.loop.close()

        self.thread = threading.Thread(target=run, name="stripe-sandbox", daemon=True)
        self.thread.start()
        started.wait(timeout=30)
        if failure or not self.port:
            self.localstripe.stop()
            raise SandboxStartError(f"the sandbox server could not start: {failure[0] if failure else 'timeout'}")
        return self

    def run_coroutine(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self):
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
        self.loop = None
        self.localstripe.stop()

    def stop_listening(self):
        """Refuse new connections (and drop open ones) until resume_listening()."""

        async def close():
            self.sandbox.refusing = True
            await self.site.stop()

        self.run_coroutine(close())

    def resume_listening(self):
        async def reopen():
            await self._listen(self.port)
            self.sandbox.refusing = False

        self.run_coroutine(reopen())

    def serve_forever(self, on_ready=None):
        """Serve in this thread until interrupted (Ctrl-C or SIGTERM)."""
        import signal

        self.localstripe.start()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        async def main():
            await self._open()
            if on_ready is not None:
                on_ready(self)
            await stop.wait()
            await self._close()

        try:
            loop.run_until_complete(main())
        finally:
            loop.close()
            self.loop = None
            self.localstripe.stop()
