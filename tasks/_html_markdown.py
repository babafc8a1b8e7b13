"""Rustdoc HTML fragments to Markdown, by walking lxml elements directly.

trafilatura drops rustdoc's signatures and most example code, and markdownify
re-parses with BeautifulSoup (slow on big trait pages), so this small walker
converts exactly the fragments the rustdoc extractor selects: docblocks,
code headers and item declarations.  Rustdoc's UI chrome (source links, `§`
anchors, tooltips, toggle labels) is skipped wherever it appears.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

#: Classes of rustdoc UI elements that carry no documentation.
_CHROME_CLASSES = frozenset(
    {
        "src",
        "srclink",
        "anchor",
        "doc-anchor",
        "tooltip",
        "rightside",
        "since",
        "out-of-band",
        "hideme",
        "notable-traits",
        "copy-button",
        "emoji",
    }
)
_CHROME_TAGS = frozenset({"script", "style", "noscript", "button", "rustdoc-toolbar"})

_CONTAINER_TAGS = frozenset(
    {"div", "section", "article", "main", "details", "summary", "figure", "header", "footer"}
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK_TAGS = (
    _CONTAINER_TAGS
    | set(_HEADINGS)
    | {"p", "pre", "ul", "ol", "blockquote", "table", "hr", "dl", "aside", "nav"}
)
#: Links into rustdoc output (intra-doc links) name their target in the link
#: text already; keeping the URL would only cost tokens.
_RUSTDOC_HOSTS = ("https://doc.rust-lang.org/", "https://docs.rs/")
_WS = re.compile(r"\s+")
_LIST_MARKER = re.compile(r"(?:-|\d+\.) ")


def is_chrome(el: HtmlElement) -> bool:
    """True for rustdoc UI elements (source links, anchors, tooltips, toggles)."""
    if el.tag in _CHROME_TAGS or el.get("id") == "copy-path":
        return True
    cls = el.get("class")
    return bool(cls) and not _CHROME_CLASSES.isdisjoint(cls.split())


def has_class(el: HtmlElement, name: str) -> bool:
    """True if `name` is one of the element's classes."""
    return name in (el.get("class") or "").split()


def code_text(el: HtmlElement) -> str:
    """Plain text of a signature or code block, keeping rustdoc's line breaks.

    `<br>` and the block-level `<div class="where">` become newlines; non-breaking
    spaces become spaces and trailing blanks are stripped from each line.
    """
    parts: list[str] = []
    _code_walk(el, parts)
    lines = "".join(parts).replace("\xa0", " ").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _code_walk(el: HtmlElement, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        if not isinstance(child.tag, str) or is_chrome(child):
            pass
        elif child.tag == "br":
            parts.append("\n")
        elif child.tag == "div":
            # Block-level parts of signatures (`where` clauses, `#[attributes]`)
            # sit on lines of their own.
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            _code_walk(child, parts)
            parts.append("\n")
        else:
            _code_walk(child, parts)
        if child.tail:
            parts.append(child.tail)


def one_line(text: str) -> str:
    """Collapse a multi-line signature to one line (for list entries and headings)."""
    return _WS.sub(" ", text).strip()


def inline(el: HtmlElement) -> str:
    """Markdown for the inline content of `el` (emphasis, code spans, links)."""
    parts: list[str] = []
    _inline_children(el, parts)
    return "".join(parts).strip()


def _inline_children(el: HtmlElement, parts: list[str]) -> None:
    if el.text:
        parts.append(_WS.sub(" ", el.text))
    for child in el:
        if isinstance(child.tag, str) and not is_chrome(child):
            parts.append(_inline_element(child))
        if child.tail:
            parts.append(_WS.sub(" ", child.tail))


def _inline_element(el: HtmlElement) -> str:
    tag = el.tag
    if tag == "code":
        return _code_span(one_line(code_text(el)))
    if tag == "br":
        return "\n"
    if tag == "img":
        return ""
    inner = inline(el)
    if not inner:
        return ""
    if tag in ("em", "i"):
        return f"*{inner}*"
    if tag in ("strong", "b"):
        return f"**{inner}**"
    if tag in ("del", "s", "strike"):
        return f"~~{inner}~~"
    if tag == "a":
        return _link(inner, el.get("href") or "")
    return inner


def _code_span(text: str) -> str:
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _link(text: str, href: str) -> str:
    if not href.startswith(("http://", "https://")) or href.startswith(_RUSTDOC_HOSTS):
        return text
    if text == href:
        return f"<{href}>"
    return f"[{text}]({href})"


def to_markdown(el: HtmlElement, *, heading_base: int | None = None) -> str:
    """Markdown for a block container such as a rustdoc docblock."""
    return "\n\n".join(blocks(el, heading_base=heading_base))


def blocks(el: HtmlElement, *, heading_base: int | None = None) -> list[str]:
    """The Markdown blocks (paragraphs, lists, code blocks, ...) inside `el`.

    With `heading_base`, the highest heading found becomes that level and the
    others keep their distance to it: a method's `<h5>` sections become `##`
    in the method's own document.
    """
    shift = 0
    if heading_base is not None:
        levels = [_HEADINGS[h.tag] for h in el.iter(*_HEADINGS)]
        if levels:
            shift = heading_base - min(levels)
    builder = _BlockBuilder(shift)
    builder.container(el)
    builder.flush()
    return builder.out


def first_block(el: HtmlElement) -> str:
    """The first block of `el` (a docblock's summary line), converting nothing after it."""
    builder = _BlockBuilder(0, limit=1)
    builder.container(el)
    builder.flush()
    return builder.out[0] if builder.out else ""


class _BlockBuilder:
    """Accumulates loose inline content into paragraphs between block elements."""

    def __init__(self, shift: int, limit: int | None = None) -> None:
        self.shift = shift
        self.limit = limit
        self.out: list[str] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buf).strip()
        self.buf.clear()
        if text:
            self.out.append(text)

    def container(self, el: HtmlElement) -> None:
        if el.text:
            self.buf.append(_WS.sub(" ", el.text))
        for child in el:
            if self.limit is not None and len(self.out) >= self.limit:
                return
            if isinstance(child.tag, str) and not is_chrome(child):
                if child.tag in _BLOCK_TAGS:
                    self.flush()
                    self.block(child)
                    self.flush()
                else:
                    self.buf.append(_inline_element(child))
            if child.tail:
                self.buf.append(_WS.sub(" ", child.tail))

    def add(self, text: str) -> None:
        if text.strip():
            self.out.append(text)

    def block(self, el: HtmlElement) -> None:
        tag = el.tag
        if tag == "p":
            self.add(inline(el))
        elif tag in _HEADINGS:
            level = min(6, max(1, _HEADINGS[tag] + self.shift))
            text = inline(el)
            if text:
                self.out.append(f"{'#' * level} {text}")
        elif tag == "pre":
            self.add(code_block(el))
        elif tag in ("ul", "ol"):
            self.add(self.list(el))
        elif tag == "blockquote":
            inner = "\n\n".join(self.sub(el))
            self.add("\n".join(f"> {line}".rstrip() for line in inner.split("\n")))
        elif tag == "table":
            self.add(_table(el))
        elif tag == "hr":
            self.out.append("---")
        elif tag == "dl":
            self.definitions(el)
        else:
            self.container(el)

    def sub(self, el: HtmlElement) -> list[str]:
        nested = _BlockBuilder(self.shift)
        nested.container(el)
        nested.flush()
        return nested.out

    def list(self, el: HtmlElement) -> str:
        ordered = el.tag == "ol"
        start = el.get("start") or "1"
        number = int(start) if start.isdigit() else 1
        items = []
        for li in el.iterchildren("li"):
            marker = f"{number}." if ordered else "-"
            number += 1
            body = _join_item_blocks(self.sub(li))
            pad = " " * (len(marker) + 1)
            lines = body.split("\n")
            rest = [f"{pad}{line}" if line else "" for line in lines[1:]]
            items.append("\n".join([f"{marker} {lines[0]}".rstrip(), *rest]))
        return "\n".join(items)

    def definitions(self, el: HtmlElement) -> None:
        for child in el:
            if child.tag == "dt":
                self.add(f"**{inline(child)}**")
            elif child.tag == "dd":
                self.out.extend(self.sub(child))


def _join_item_blocks(parts: list[str]) -> str:
    """Blocks of one list item; a nested list follows its text without a blank line."""
    out = parts[:1]
    for part in parts[1:]:
        out.append("\n" if _LIST_MARKER.match(part) else "\n\n")
        out.append(part)
    return "".join(out)


def code_block(pre: HtmlElement) -> str:
    """A fenced code block; rustdoc's Rust examples and signatures are tagged `rust`."""
    text = code_text(pre)
    fence = "````" if "```" in text else "```"
    return f"{fence}{_language(pre)}\n{text}\n{fence}"


def _language(pre: HtmlElement) -> str:
    classes = (pre.get("class") or "").split()
    # A bare `pre.rust` is an indented Markdown block, not necessarily Rust.
    if "rust-example-rendered" in classes or "item-decl" in classes:
        return "rust"
    for cls in classes:
        if cls.startswith("language-"):
            return cls.removeprefix("language-")
    return ""


def _table(table: HtmlElement) -> str:
    rows = [
        [
            inline(cell).replace("|", "\\|").replace("\n", " ")
            for cell in tr
            if cell.tag in ("th", "td")
        ]
        for tr in table.iter("tr")
    ]
    rows = [row for row in rows if row]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = [f"| {' | '.join(rows[0])} |", f"|{' --- |' * width}"]
    lines += [f"| {' | '.join(row)} |" for row in rows[1:]]
    return "\n".join(lines)
