"""Synthesised docs.rs crate page (`/crate/{name}/{version}`).

The corpus has no docs.rs pages, but prose extraction needs one: docs.rs chrome around a
`<div id="main"><div class="readme">` holding the crate-root docblock from `<lib>/index.html`.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urljoin

from .catalog import Release

_DOCBLOCK_OPEN = '<div class="docblock">'
_DIV_RE = re.compile(r"<div\b|</div>")
_HREF_RE = re.compile(r'(href|src)="([^"]*)"')


def extract_top_docblock(index_html: str) -> str:
    """Inner HTML of the first `.docblock` inside `#main-content` (the crate-root docs)."""
    main = index_html.find('id="main-content"')
    start = index_html.find(_DOCBLOCK_OPEN, max(main, 0))
    if main < 0 or start < 0:
        return ""
    inner_start = start + len(_DOCBLOCK_OPEN)
    depth = 1
    for m in _DIV_RE.finditer(index_html, inner_start):
        depth += 1 if m.group(0) == "<div" else -1
        if depth == 0:
            return index_html[inner_start : m.start()]
    return index_html[inner_start:]


def _absolutize(fragment: str, base: str) -> str:
    """Relative rustdoc links would break on /crate/...: make them root-relative."""

    def fix(m: re.Match[str]) -> str:
        url = m.group(2)
        if not url or url.startswith(("#", "/", "http:", "https:", "mailto:", "data:")):
            return m.group(0)
        return f'{m.group(1)}="{urljoin(base, url)}"'

    return _HREF_RE.sub(fix, fragment)


def render_crate_page(
    release: Release,
    lib: str,
    meta: dict[str, object],
    versions: list[Release],
    index_html: bytes | None,
) -> str:
    crate, version = release.crate, release.version
    docs_base = f"/{crate}/{version}/{lib}/index.html"
    readme = extract_top_docblock(index_html.decode()) if index_html else ""
    readme = _absolutize(readme, docs_base)
    description = escape(str(meta.get("description") or "").strip())
    links = []
    for label, key in (("Homepage", "homepage"), ("Repository", "repository")):
        if meta.get(key):
            url = escape(str(meta[key]))
            links.append(f'<li class="pure-menu-item"><a href="{url}">{label}</a></li>')
    links.append(
        f'<li class="pure-menu-item"><a href="https://crates.io/crates/{crate}">crates.io</a></li>'
    )
    version_items = "".join(
        f'<li class="pure-menu-item"><a class="pure-menu-link" href="/crate/{crate}/{r.version}">'
        f"{r.version}{' (yanked)' if r.yanked else ''}</a></li>"
        for r in sorted(versions, key=lambda r: r.parsed.key, reverse=True)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{crate} {version} - Docs.rs</title>
<link rel="stylesheet" href="/-/static/style.css" type="text/css" media="all">
</head><body class="crate-page">
<div class="nav-container"><div class="container">
<div class="pure-menu pure-menu-horizontal" role="navigation" aria-label="Main navigation">
<form action="/releases/search" method="GET" id="nav-search-form">
<a href="/" class="pure-menu-heading pure-menu-link docsrs-logo" aria-label="Docs.rs">Docs.rs</a>
<ul class="pure-menu-list">
<li class="pure-menu-item"><a href="/crate/{crate}/{version}"
 class="pure-menu-link">{crate}-{version}</a></li>
<li class="pure-menu-item"><a href="/releases" class="pure-menu-link">Releases</a></li>
<li class="pure-menu-item"><a href="/about" class="pure-menu-link">About docs.rs</a></li>
</ul>
<div id="search-input-nav"><input id="nav-search" name="query" type="text"
 placeholder="Find crate"></div>
</form></div></div></div>
<div class="docsrs-package-container"><div class="container"><div class="description-container">
<h1 id="crate-title">{crate} {version}</h1>
<div class="description">{description}</div>
<div class="pure-menu pure-menu-horizontal"><ul class="pure-menu-list">
<li class="pure-menu-item"><a href="/crate/{crate}/{version}"
 class="pure-menu-link pure-menu-active">Crate</a></li>
<li class="pure-menu-item"><a href="/crate/{crate}/{version}/source/"
 class="pure-menu-link">Source</a></li>
<li class="pure-menu-item"><a href="/crate/{crate}/{version}/builds"
 class="pure-menu-link">Builds</a></li>
<li class="pure-menu-item"><a href="/crate/{crate}/{version}/features"
 class="pure-menu-link">Feature flags</a></li>
</ul></div></div></div></div>
<div class="container package-page-container"><div class="pure-g">
<div class="pure-u-1 pure-u-sm-7-24 pure-u-md-5-24"><div class="pure-menu package-menu">
<ul class="pure-menu-list">
<li class="pure-menu-item"><a class="pure-menu-link" href="/{crate}/{version}/{lib}/">
<b>{crate}</b> {version}</a></li>
<li class="pure-menu-heading">Links</li>
{"".join(links)}
<li class="pure-menu-heading">Versions</li>
{version_items}
</ul></div></div>
<div class="pure-u-1 pure-u-sm-17-24 pure-u-md-19-24 package-details">
<div id="main"><div class="readme">{readme}</div></div>
</div>
</div></div>
<footer class="pure-g"><div class="container">Docs.rs imitation for tests</div></footer>
</body></html>
"""
