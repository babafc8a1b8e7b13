"""The stdlib HTTP plumbing: one ThreadingHTTPServer per upstream, serving an App.

Kept apart from the routing so the behaviour (server.py, docsrs.py, ...) has no socket code.
Stopping is deterministic: open keep-alive connections are shut down and handler threads
joined, so no thread outlives `Imitation.stop()`.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from .log import RequestRecord
from .responses import Response


@dataclass
class Handled:
    response: Response
    injected: bool = False
    log: bool = True


class App(Protocol):
    def handle(
        self, upstream: str, method: str, target: str, headers: dict[str, str]
    ) -> Handled: ...

    def record(self, record: RequestRecord) -> None: ...

    def report_error(self, message: str) -> None: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real upstreams
    server_version = "cratedex-imitation"
    sys_version = ""
    timeout = 60  # idle keep-alive connections give up eventually
    server: UpstreamServer

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr access log; the RequestLog is the log."""

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self) -> None:
        arrived, wall = time.monotonic(), time.time()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        handled = self.server.app.handle(self.server.upstream, self.command, self.path, headers)
        resp = handled.response
        no_body = self.command == "HEAD" or resp.status in (204, 304)
        sent = 0
        try:
            self.send_response(resp.status)
            for key, value in resp.headers.items():
                self.send_header(key, value)
            if resp.status not in (204, 304):
                self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if not no_body and resp.body:
                self.wfile.write(resp.body)
                sent = len(resp.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        if handled.log:
            self.server.app.record(
                RequestRecord(
                    time=arrived,
                    wall_time=wall,
                    upstream=self.server.upstream,
                    method=self.command,
                    path=self.path,
                    status=resp.status,
                    response_bytes=sent,
                    user_agent=self.headers.get("User-Agent"),
                    if_none_match=self.headers.get("If-None-Match"),
                    duration=time.monotonic() - arrived,
                    injected=handled.injected,
                    headers=headers,
                )
            )


class UpstreamServer(ThreadingHTTPServer):
    """A loopback listener for one upstream; runs serve_forever in a daemon thread."""

    daemon_threads = True
    block_on_close = True

    def __init__(self, host: str, port: int, upstream: str, app: App) -> None:
        self.upstream = upstream
        self.app = app
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__((host, port), _Handler)
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"imitation-{upstream}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def server_bind(self) -> None:
        # Skip HTTPServer's socket.getfqdn(): a reverse DNS lookup is slow without network.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.shutdown()
            self._thread.join()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()  # joins handler threads (block_on_close)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)  # type: ignore[arg-type]

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            self.app.report_error(traceback.format_exc())
