"""`cratedex serve`: the MCP server over stdio, or streamable HTTP with a safety check."""

from __future__ import annotations

import ipaddress
import os

from cratedex import database
from cratedex.errors import InvalidInput
from cratedex.settings import Settings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(settings: Settings, *, http: bool, host: str | None, port: int | None) -> None:
    """Run until stopped; HTTP off loopback refuses to start without CRATEDEX_MCP_TOKEN."""
    os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")
    host = host or settings.mcp_host
    port = port or settings.mcp_port
    token = settings.mcp_token.get_secret_value() if settings.mcp_token else None
    if http and not is_loopback(host) and not token:
        raise InvalidInput(
            f"refusing to serve MCP on {host} without a bearer token: set CRATEDEX_MCP_TOKEN "
            "(or serve on 127.0.0.1)"
        )
    database.upgrade(settings)
    from mcp_server.server import build_server

    server = build_server(settings, token=token)
    if http:
        server.run(
            transport="http",
            host=host,
            port=port,
            show_banner=False,
            host_origin_protection="auto",  # DNS-rebinding protection on loopback
        )
    else:
        server.run(transport="stdio", show_banner=False)
