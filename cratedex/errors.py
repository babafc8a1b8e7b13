"""Every error cratedex raises on purpose.

    CratedexError
    ├── InvalidInput            bad crate name, version or other argument (the caller's fault)
    ├── NotFound                crate, version or job that does not exist
    │   └── YankedVersion       the version exists but was yanked
    └── UpstreamError           docs.rs / crates.io answered badly after every retry
        └── ResponseTooLarge    a body over the configured size cap, refused while streaming

Callers catch at the level they need; the CLI and the MCP tools turn these into
messages for people and agents, and treat anything else as an internal error.
"""

from __future__ import annotations


class CratedexError(Exception):
    """Base of every deliberate cratedex error."""


class InvalidInput(CratedexError):
    """An argument broke a documented rule; the message names the rule."""


class NotFound(CratedexError):
    """The crate, version or job does not exist."""


class YankedVersion(NotFound):
    """The version was published and then yanked."""


class UpstreamError(CratedexError):
    """An upstream service failed in a way retries did not fix."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status = status
        self.url = url


class ResponseTooLarge(UpstreamError):
    """The body exceeded the size cap; it was not read into memory."""
