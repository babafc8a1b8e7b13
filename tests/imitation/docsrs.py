"""docs.rs routes: rustdoc HTML, the crate page and rustdoc JSON downloads."""

from __future__ import annotations

import mimetypes
import re

from .catalog import Catalog, Release
from .content import ENCODINGS, Content, IsDirectory
from .crate_page import render_crate_page
from .responses import HTML, Response, docsrs_not_found, html, redirect

DEFAULT_TARGET = "x86_64-unknown-linux-gnu"
# First path segments docs.rs uses for itself; never crate names.
_RESERVED = {"-", "about", "releases", "static.files", "favicon.ico", "robots.txt", "crate"}
_JSON_FILE_RE = re.compile(r"^json(?:\.(zst|gz))?$")
_FORMAT_VERSION_RE = re.compile(r"^(\d+)(?:\.(zst|gz))?$")
_CONTENT_TYPES = {
    ".html": HTML,
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}


def _content_type(path: str) -> str:
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


class DocsRs:
    def __init__(self, catalog: Catalog, content: Content) -> None:
        self.catalog = catalog
        self.content = content

    def route(self, path: str, query: str) -> Response:
        segs = path.lstrip("/").split("/")
        if segs == [""]:
            return html("<!DOCTYPE html><html><body><h1>Docs.rs (imitation)</h1></body></html>")
        if segs[0] == "crate":
            return self._crate_routes(segs[1:], query)
        if segs[0] in _RESERVED or segs[0] not in self.catalog.crate_names():
            return docsrs_not_found("The requested crate does not exist")
        return self._docs_routes(segs[0], segs[1:], query)

    # ------------------------------------------------------------ rustdoc HTML
    def _docs_routes(self, crate: str, segs: list[str], query: str) -> Response:
        if not segs or segs == [""]:
            latest = self.catalog.latest(crate)
            if latest is None:
                return docsrs_not_found()
            return redirect(f"/{crate}/latest/{self.catalog.lib(latest)}/", query)
        spec, rest = segs[0], segs[1:]
        release, exact = self.catalog.resolve(crate, spec)
        if release is None:
            return docsrs_not_found("The requested version does not exist")
        lib = self.catalog.lib(release)
        rest_path = "/".join(rest)
        if not exact:
            return redirect(f"/{crate}/{release.version}/{rest_path or lib + '/'}", query)
        if not rest_path:
            return redirect(f"/{crate}/{spec}/{lib}/", query)
        if rest[0] == DEFAULT_TARGET:
            return redirect(f"/{crate}/{spec}/{'/'.join(rest[1:]) or lib + '/'}", query)
        try:
            data = self.content.doc_file(release, rest_path)
        except IsDirectory:
            return redirect(f"/{crate}/{spec}/{rest_path}/", query)
        if data is None:
            return docsrs_not_found()
        name = rest_path + "index.html" if rest_path.endswith("/") else rest_path
        return Response(200, data, {"Content-Type": _content_type(name)})

    # ------------------------------------------------ crate page + rustdoc JSON
    def _crate_routes(self, segs: list[str], query: str) -> Response:
        if segs and segs[-1] == "":
            segs = segs[:-1]
        if not segs or segs[0] not in self.catalog.crate_names():
            return docsrs_not_found("The requested crate does not exist")
        crate = segs[0]
        if len(segs) == 1:
            return redirect(f"/crate/{crate}/latest", query)
        spec, rest = segs[1], segs[2:]
        release, exact = self.catalog.resolve(crate, spec)
        if release is None:
            return docsrs_not_found("The requested version does not exist")
        if not exact:
            tail = "/" + "/".join(rest) if rest else ""
            return redirect(f"/crate/{crate}/{release.version}{tail}", query)
        if not rest:
            return self._crate_page(release)
        if rest[0] == DEFAULT_TARGET:
            rest = rest[1:]
        return self._rustdoc_json(release, rest)

    def _crate_page(self, release: Release) -> Response:
        lib = self.catalog.lib(release)
        index = self.content.doc_file(release, f"{lib}/index.html")
        page = render_crate_page(
            release,
            lib,
            self.catalog.meta(release.crate),
            self.catalog.releases(release.crate),
            index,
        )
        return html(page)

    def _rustdoc_json(self, release: Release, rest: list[str]) -> Response:
        encoding, format_version = None, None
        if len(rest) == 1 and (m := _JSON_FILE_RE.match(rest[0])):
            encoding = m.group(1) or "zst"
        elif len(rest) == 2 and rest[0] == "json" and (m := _FORMAT_VERSION_RE.match(rest[1])):
            format_version, encoding = int(m.group(1)), m.group(2) or "zst"
        if encoding is None:
            return docsrs_not_found()
        settings = self.catalog.json_settings(release)
        if not settings.available:
            return docsrs_not_found("rustdoc JSON is not available for this release")
        if format_version is not None:
            actual = self.content.format_version(release.crate, release.source)
            if actual != format_version:
                return docsrs_not_found("rustdoc JSON in this format version does not exist")
        body = self.content.rustdoc_json(release, encoding, settings.corrupt)
        if body is None:
            return docsrs_not_found("rustdoc JSON is not available for this release")
        return Response(200, body, {"Content-Type": ENCODINGS[encoding]})
