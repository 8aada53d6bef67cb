"""Runs the installed, unmodified `localstripe` command in this process, confined to loopback.

Started as a script (`python localstripe_launcher.py --port N [--state-file PATH]`), never imported by
the project. localstripe binds every interface and saves its store to /tmp/localstripe.pickle on each
write; it offers no option for either. Before handing over to its console script this launcher makes
the wildcard bind a loopback bind, and sends the state file to /dev/null (or to --state-file when the
developer asked to keep state). It also exits when its parent goes away (stdin closes), so a killed
test run or `make run` never leaves it behind.
"""

import argparse
import builtins
import os
import runpy
import shutil
import socket
import sys
import threading

LOCALSTRIPE_STATE_FILE = "/tmp/localstripe.pickle"  # noqa: S108 - the path localstripe hard-codes


def confine_wildcard_binds_to_loopback():
    original_bind = socket.socket.bind

    def bind(sock, address):
        if isinstance(address, tuple) and address[0] in ("", "::", "0.0.0.0"):  # noqa: S104
            if sock.family == socket.AF_INET6:
                # An IPv6 socket bound to the v4-mapped loopback answers 127.0.0.1 and nothing else.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                address = ("::ffff:127.0.0.1", *address[1:])
            else:
                address = ("127.0.0.1", *address[1:])
        return original_bind(sock, address)

    socket.socket.bind = bind


def redirect_state_file(state_file):
    original_open = builtins.open
    target = state_file or os.devnull

    def open_(file, *args, **kwargs):
        if file == LOCALSTRIPE_STATE_FILE:
            file = target
        return original_open(file, *args, **kwargs)

    builtins.open = open_


def exit_when_parent_goes():
    def watch():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-file", default="")
    args = parser.parse_args()

    confine_wildcard_binds_to_loopback()
    redirect_state_file(args.state_file)
    exit_when_parent_goes()

    command = shutil.which("localstripe", path=os.path.dirname(sys.executable)) or shutil.which("localstripe")
    if command is None:
        sys.exit("localstripe is not installed: pip install -r requirements-dev.txt")
    sys.argv = [command, "--port", str(args.port)]
    if not args.state_file or not os.path.exists(args.state_file):
        sys.argv.append("--from-scratch")
    runpy.run_path(command, run_name="__main__")


if __name__ == "__main__":
    main()
