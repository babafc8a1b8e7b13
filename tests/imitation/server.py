"""`Imitation`: docs.rs, crates.io and the sparse index on three loopback ports.

Tests drive it in-process (fault injection, pauses, publishing new releases) and assert on
its request log; other processes can run it through `python -m tests.imitation`.
"""

from __future__ import annotations

import hashlib
import re
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote

from .catalog import Catalog
from .content import CORRUPTIONS, Content
from .cratesio import CratesIo, SparseIndex
from .docsrs import DocsRs
from .log import RequestLog, RequestRecord
from .responses import Response, json_body, text
from .transport import Handled, UpstreamServer

UPSTREAMS = ("docsrs", "cratesio", "index")
FIXTURE_CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "docsrs"


@dataclass
class _Fault:
    upstream: str
    pattern: re.Pattern[str]
    status: int
    remaining: int | None
    headers: dict[str, str]
    body: bytes


class PauseHandle(threading.Event):
    """Set it to release held responses. `arrived` is set once a matching request is held."""

    def __init__(self, upstream: str, pattern: re.Pattern[str]) -> None:
        super().__init__()
        self.upstream = upstream
        self.pattern = pattern
        self.arrived = threading.Event()
        self.held = 0  # how many requests have been held so far

    def wait_arrived(self, timeout: float | None = 10.0) -> bool:
        return self.arrived.wait(timeout)


def _strong_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses weak comparison: `W/"x"` matches `"x"`."""
    if if_none_match.strip() == "*":
        return True
    candidates = (c.strip().removeprefix("W/") for c in if_none_match.split(","))
    return etag in candidates


class Imitation:
    """Local docs.rs + crates.io + sparse index, serving a rustdoc corpus directory."""

    def __init__(
        self,
        corpus_dir: Path | str,
        *,
        crates: Mapping[str, Sequence[str]] | None = None,
        host: str = "127.0.0.1",
        ports: Mapping[str, int] | None = None,
    ) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.catalog = Catalog(self.corpus_dir, crates)
        self._content = Content(self.catalog.root)
        self._docsrs = DocsRs(self.catalog, self._content)
        self._cratesio = CratesIo(self.catalog)
        self._index: SparseIndex | None = None
        self._host = host
        self._ports = dict(ports or {})
        self._log = RequestLog()
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._pauses: list[PauseHandle] = []
        self._servers: dict[str, UpstreamServer] = {}
        self._stopping = threading.Event()
        self.errors: list[str] = []  # tracebacks of bugs in the imitation itself (answered 500)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> Imitation:
        if self._servers:
            raise RuntimeError("Imitation already started")
        try:
            for upstream in UPSTREAMS:
                port = self._ports.get(upstream, 0)
                self._servers[upstream] = UpstreamServer(self._host, port, upstream, self)
        except OSError:
            for server in self._servers.values():
                server.server_close()
            self._servers.clear()
            raise
        self._index = SparseIndex(self.catalog, self.cratesio_url)
        for server in self._servers.values():
            server.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            pauses = list(self._pauses)
        for pause in pauses:
            pause.set()
        # In parallel: each shutdown waits out one serve_forever poll interval.
        stoppers = [threading.Thread(target=s.stop) for s in self._servers.values()]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()

    def __enter__(self) -> Imitation:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _url(self, upstream: str) -> str:
        if upstream not in self._servers:
            raise RuntimeError("Imitation not started")
        return self._servers[upstream].url

    @property
    def docsrs_url(self) -> str:
        return self._url("docsrs")

    @property
    def cratesio_url(self) -> str:
        return self._url("cratesio")

    @property
    def index_url(self) -> str:
        return self._url("index")

    @property
    def urls(self) -> dict[str, str]:
        return {upstream: self._url(upstream) for upstream in UPSTREAMS}

    # --------------------------------------------------------------- request log
    @property
    def requests(self) -> list[RequestRecord]:
        """Snapshot of the log, ordered by arrival."""
        return self._log.snapshot()

    def requests_to(
        self, upstream: str | None = None, path_regex: str | None = None
    ) -> list[RequestRecord]:
        return self._log.matching(upstream, path_regex)

    def clear_log(self) -> None:
        self._log.clear()

    def max_requests_in_window(
        self, upstream: str, window: float = 1.0, *, path_regex: str | None = None
    ) -> int:
        """Most requests to `upstream` arriving within any [t, t + window) interval."""
        _check_upstream(upstream)
        return self._log.max_in_window(upstream, window, path_regex)

    # ------------------------------------------------------------ test controls
    def fail(
        self,
        upstream: str,
        path_regex: str,
        *,
        status: int,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        """The next `times` requests whose target matches (re.search) get this response."""
        _check_upstream(upstream)
        if times is not None and times < 1:
            raise ValueError("times must be >= 1, or None for forever")
        hdrs = dict(headers or {})
        if body and not any(k.lower() == "content-type" for k in hdrs):
            hdrs["Content-Type"] = "text/plain; charset=utf-8"
        with self._lock:
            self._faults.append(_Fault(upstream, re.compile(path_regex), status, times, hdrs, body))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Back to the corpus as served at start: no faults, pauses, publishes or yanks."""
        with self._lock:
            self._faults.clear()
            pauses, self._pauses = self._pauses, []
        for pause in pauses:
            pause.set()
        self.catalog.reset()

    def corrupt_json(self, crate: str, version: str, *, how: str = "garbage") -> None:
        """Serve broken rustdoc JSON (zst and gz) for the release.

        how: "garbage" (not a compressed stream), "truncated" (first half of the real file),
        "not_json" (valid compression of text that is not JSON).
        """
        if how not in CORRUPTIONS:
            raise ValueError(f"how must be one of {CORRUPTIONS}")
        self._check_crate(crate)
        self.catalog.set_corrupt(crate, version, how)

    def without_json(self, crate: str, version: str | None = None) -> None:
        """docs.rs 404s the rustdoc JSON (of one version, or all incl. future ones)."""
        self._check_crate(crate)
        self.catalog.set_without_json(crate, version)

    def publish(
        self, crate: str, version: str, *, yanked: bool = False, like: str | None = None
    ) -> None:
        """Add a release that serves the docs of `like` (default: current latest)."""
        self.catalog.publish(crate, version, yanked=yanked, like=like)

    def yank(self, crate: str, version: str, *, yanked: bool = True) -> None:
        self.catalog.yank(crate, version, yanked)

    def pause(self, upstream: str, path_regex: str) -> PauseHandle:
        """Hold responses to matching requests until the returned event is set."""
        _check_upstream(upstream)
        handle = PauseHandle(upstream, re.compile(path_regex))
        with self._lock:
            self._pauses = [p for p in self._pauses if not p.is_set()]
            self._pauses.append(handle)
        if self._stopping.is_set():
            handle.set()
        return handle

    def _check_crate(self, crate: str) -> None:
        if crate not in self.catalog.crate_names():
            raise KeyError(f"unknown crate {crate!r}")

    # ------------------------------------------------------------ request path
    def handle(self, upstream: str, method: str, target: str, headers: dict[str, str]) -> Handled:
        """Answer one request (called from handler threads)."""
        raw_path, _, query = target.partition("?")
        if raw_path.startswith("/_imitation/"):
            return Handled(self._control(raw_path), log=False)
        self._hold(upstream, target)
        fault = self._take_fault(upstream, target)
        if fault is not None:
            return Handled(fault, injected=True)
        if method not in ("GET", "HEAD"):
            return Handled(Response(405, b"", {"Allow": "GET, HEAD"}))
        try:
            resp = self._route(upstream, unquote(raw_path), query, headers)
        except Exception:
            self.report_error(traceback.format_exc())
            resp = text("internal error in the imitation", status=500)
        if resp.status == 200:
            etag = _strong_etag(resp.body)
            resp.headers["ETag"] = etag
            inm = headers.get("if-none-match")
            if inm and _etag_matches(inm, etag):
                resp = Response(304, b"", {"ETag": etag})
        return Handled(resp)

    def _route(self, upstream: str, path: str, query: str, headers: dict[str, str]) -> Response:
        if upstream == "docsrs":
            return self._docsrs.route(path, query)
        if upstream == "cratesio":
            return self._cratesio.route(path, headers)
        assert self._index is not None
        return self._index.route(path)

    def _hold(self, upstream: str, target: str) -> None:
        with self._lock:
            pauses = [
                p
                for p in self._pauses
                if p.upstream == upstream and not p.is_set() and p.pattern.search(target)
            ]
            for pause in pauses:
                pause.held += 1
        for pause in pauses:
            pause.arrived.set()
            while not pause.wait(0.05) and not self._stopping.is_set():
                pass

    def _take_fault(self, upstream: str, target: str) -> Response | None:
        with self._lock:
            for fault in self._faults:
                if fault.upstream == upstream and fault.pattern.search(target):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining != 0]
                    return Response(fault.status, fault.body, dict(fault.headers))
        return None

    def _control(self, path: str) -> Response:
        """Out-of-band endpoints for other processes; never logged."""
        if path == "/_imitation/requests":
            return json_body([r.to_json() for r in self._log.snapshot()])
        if path == "/_imitation/urls":
            return json_body(self.urls)
        return text("unknown control endpoint", status=404)

    def record(self, record: RequestRecord) -> None:
        self._log.append(record)

    def report_error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)


def _check_upstream(upstream: str) -> None:
    if upstream not in UPSTREAMS:
        raise ValueError(f"upstream must be one of {UPSTREAMS}, not {upstream!r}")
