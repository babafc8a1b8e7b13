"""Thread-safe request log, so tests can assert on what the code under test actually sent."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class RequestRecord:
    """One answered request. `time` is time.monotonic() at arrival; `wall_time` is time.time()."""

    time: float
    wall_time: float
    upstream: str  # "docsrs" | "cratesio" | "index"
    method: str
    path: str  # request target as sent: path plus "?query", not percent-decoded
    status: int
    response_bytes: int  # body bytes sent (0 for HEAD, 304, redirects)
    user_agent: str | None
    if_none_match: str | None
    duration: float = 0.0  # seconds from arrival to response written (includes pauses)
    injected: bool = False  # answered by a fail() rule, not by the imitation proper
    headers: Mapping[str, str] = field(default_factory=dict)  # all request headers, lower-case

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["headers"] = dict(self.headers)
        return data


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """A copy ordered by arrival time."""
        with self._lock:
            records = list(self._records)
        return sorted(records, key=lambda r: r.time)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def matching(
        self, upstream: str | None = None, path_regex: str | None = None
    ) -> list[RequestRecord]:
        pattern = re.compile(path_regex) if path_regex is not None else None
        return [
            r
            for r in self.snapshot()
            if (upstream is None or r.upstream == upstream)
            and (pattern is None or pattern.search(r.path))
        ]

    def max_in_window(self, upstream: str, window: float, path_regex: str | None = None) -> int:
        """Largest number of arrivals within any half-open interval [t, t + window)."""
        times = [r.time for r in self.matching(upstream, path_regex)]
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best
