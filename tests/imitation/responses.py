"""A socket-free response value, so routing can be reasoned about (and tested) without HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def redirect(location: str, query: str = "") -> Response:
    """docs.rs answers with a 302 and a root-relative Location."""
    if query:
        location = f"{location}?{query}"
    return Response(302, b"", {"Location": location})


def html(body: str, status: int = 200) -> Response:
    return Response(status, body.encode(), {"Content-Type": HTML})


def json_body(obj: object, status: int = 200) -> Response:
    return Response(status, json.dumps(obj).encode(), {"Content-Type": JSON})


def text(body: str | bytes, status: int = 200) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(status, data, {"Content-Type": TEXT})


def docsrs_not_found(what: str = "The requested resource does not exist") -> Response:
    """docs.rs's 404 is an HTML page, not an empty body."""
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">'
        f"<title>{escape(what)} - Docs.rs</title></head><body>"
        '<div class="nav-container"><div class="container">'
        '<a href="/" class="pure-menu-heading">Docs.rs</a></div></div>'
        f'<div class="container"><div class="error"><h1>{escape(what)}</h1>'
        "<p>no such resource</p></div></div></body></html>"
    )
    return html(page, status=404)
