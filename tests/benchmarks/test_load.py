"""The load generator (benchmarks.load): it rotates over every path, counts only 200s as successes and reports a
p99, with wrk or with its Python client. No timing is asserted: only that the figures are the load it made."""

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks import load


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str]] = []

    def do_GET(self):
        type(self).seen.append((self.path, self.headers.get("Host", "")))
        status = 404 if self.path == "/missing/" else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


ENGINES = ["python", pytest.param("wrk", marks=pytest.mark.skipif(not shutil.which("wrk"), reason="no wrk"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_load_rotates_over_every_path_and_counts_200s(server, engine):
    paths = ["/a/", "/b/", "/c/"]

    result = load.run(server, paths, seconds=1, concurrency=2, headers={"Host": "vanilla.localhost"}, engine=engine)

    assert result["engine"] == engine
    assert result["ok"] > 0 and result["failed"] == 0
    assert result["rps"] > 0 and result["p99_ms"] >= result["p50_ms"] > 0
    assert {path for path, _host in _Recorder.seen} == set(paths)
    assert {host for _path, host in _Recorder.seen} == {"vanilla.localhost"}


@pytest.mark.parametrize("engine", ENGINES)
def test_answers_other_than_200_are_failures(server, engine):
    result = load.run(server, ["/missing/"], seconds=1, concurrency=1, headers={}, engine=engine)

    assert result["ok"] == 0
    assert result["failed"] > 0


def test_the_load_generator_talks_to_this_machine_only():
    with pytest.raises(SystemExit, match="only talks to this machine"):
        load.run("http://example.com", ["/"], seconds=1, concurrency=1, headers={}, engine="python")
