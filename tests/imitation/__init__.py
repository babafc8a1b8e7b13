"""Loopback imitation of docs.rs, crates.io and the crates.io sparse index for tests.

from tests.imitation import Imitation, FIXTURE_CORPUS

with Imitation(FIXTURE_CORPUS) as imitation:
    httpx.get(f"{imitation.docsrs_url}/crate/semver/1.0.14/json")
"""

from __future__ import annotations

from .log import RequestRecord
from .server import FIXTURE_CORPUS, UPSTREAMS, Imitation, PauseHandle

__all__ = ["FIXTURE_CORPUS", "UPSTREAMS", "Imitation", "PauseHandle", "RequestRecord"]
