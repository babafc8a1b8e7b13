"""The HTML fallback: rustdoc pages from docs.rs turned into `ItemDoc`s.

Used for releases docs.rs built before it published rustdoc JSON.  The
ingestion fetches, one request each:

1. `all.html` -> `parse_all_items` lists every item page with its public path;
2. `module_urls(items, lib_name)` -> the crate root `index.html` and every
   module page (every path prefix of a listed item, since `all.html` does
   not list modules): module docs carry much of a crate's prose;
3. each listed item page and module page -> `extract_item_page`.

Only `#main-content` is read, so the docs.rs top bar around real pages does
not matter.  Documents follow the Markdown shape the rustdoc JSON extractor
writes (`# kind path`, signature, docs, `## Fields` / `## Methods` / ...).
Methods, associated constants and associated types are also returned as
documents of their own.  Feature gates and deprecations are worded as the
JSON extractor words them.  Intra-doc links are reduced to their text; the
"Blanket Implementations" and "Methods from Deref" sections (std's docs)
and docs inside trait impls are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, document_fromstring

from cratedex.items import ItemDoc
from tasks._html_markdown import (
    code_block,
    code_text,
    first_block,
    has_class,
    inline,
    one_line,
    to_markdown,
)


class RustdocHtmlError(ValueError):
    """A page is not rustdoc output (no `#main-content`) or is a redirect stub."""


@dataclass(frozen=True, slots=True)
class ListedItem:
    """One page to fetch: public `path`, `kind` (items.py vocabulary) and `url`
    relative to the docs.rs release root (`semver/struct.Version.html`)."""

    path: str
    kind: str
    url: str


#: rustdoc's file-name prefix (`struct.Version.html`) -> kind.
_FILE_KINDS = {
    "struct": "struct",
    "enum": "enum",
    "union": "union",
    "trait": "trait",
    "traitalias": "trait_alias",
    "fn": "function",
    "macro": "macro",
    "attr": "attr_macro",
    "derive": "derive_macro",
    "constant": "constant",
    "static": "static",
    "type": "type_alias",
    "primitive": "primitive",
    "keyword": "keyword",
}
#: Link class in a module's item table (`<a class="mod">`) -> kind.
_LINK_KINDS = {**_FILE_KINDS, "mod": "module"}
#: Anchor prefix of a member (`method.parse`) -> kind.
_MEMBER_KINDS = {
    "method": "method",
    "tymethod": "method",
    "associatedconstant": "assoc_const",
    "associatedtype": "assoc_type",
}
#: Sections listing impl headers, one line each.
_IMPL_LISTS = {
    "trait-implementations": "Trait Implementations",
    "synthetic-implementations": "Auto Trait Implementations",
    "implementors": "Implementors",
    "foreign-impls": "Implementations on Foreign Types",
}
#: Trait sections whose entries are members with documents of their own.
_TRAIT_MEMBER_SECTIONS = frozenset(
    {
        "required-associated-types",
        "provided-associated-types",
        "required-associated-consts",
        "provided-associated-consts",
        "required-methods",
        "provided-methods",
    }
)
_FEATURE_LIST = re.compile(r"crate features? ((?:`[^`]+`(?:,? (?:or|and) )?)+)")
_BACKTICKED = re.compile(r"`([^`]+)`")
_FEATURES_ONLY = re.compile(
    r"Available on \*\*(?P<label>crate features?) (?P<names>`[^`]+`(?: (?:or|and) `[^`]+`)*)"
    r"\*\* only\."
)
_DEPRECATED = re.compile(r"Deprecated(?: since (?P<since>[^\s:]+))?(?::\s*(?P<note>.+))?", re.S)
_DUPLICATE_SUFFIX = re.compile(r"-\d+$")
_WITH_CLASS = etree.XPath(
    "descendant-or-self::*"
    '[contains(concat(" ", normalize-space(@class), " "), concat(" ", $cls, " "))]'
)


def parse_all_items(html: str | bytes, *, crate_name: str, lib_name: str) -> list[ListedItem]:
    """Every item `all.html` lists, in page order, with its public path."""
    main = _main_content(html, f"{crate_name}: {lib_name}/all.html")
    items = []
    # `ul.all-items` today, `ul.docblock` in older rustdoc: every list in the content.
    for link in main.xpath(".//ul/li/a[@href]"):
        href = link.get("href").removeprefix("./")
        kind = _FILE_KINDS.get(href.rpartition("/")[2].partition(".")[0])
        if kind is None or href.startswith(("/", "../")) or "://" in href:
            continue
        name = one_line(code_text(link))
        items.append(ListedItem(f"{lib_name}::{name}", kind, f"{lib_name}/{href}"))
    return items


def module_urls(items: list[ListedItem], lib_name: str) -> list[ListedItem]:
    """The module pages to fetch: the crate root and every module holding a listed item.

    `all.html` does not list modules, but every prefix of an item's public
    path is one (`serde::de::value::Error` -> `serde::de`, `serde::de::value`).
    Modules that hold only other modules are found the same way; modules with
    no item at all are missed.
    """
    paths = {lib_name}
    for item in items:
        parts = item.path.split("::")
        paths.update("::".join(parts[:end]) for end in range(1, len(parts)))
    ordered = sorted(paths, key=lambda path: (path.count("::"), path))
    return [ListedItem(path, "module", f"{path.replace('::', '/')}/index.html") for path in ordered]


def extract_item_page(html: str | bytes, listed: ListedItem, *, crate_name: str) -> list[ItemDoc]:
    """The item's document followed by one document per method or associated item."""
    if listed.kind == "module":
        return extract_module_page(html, listed, crate_name=crate_name)
    page = _Page.parse(html, listed, crate_name)
    sections: list[str] = []
    members: list[ItemDoc] = []
    for section in page.sections:
        sections.extend(_render_section(section, listed, members))
    return [page.document(sections), *members]


def extract_module_page(html: str | bytes, listed: ListedItem, *, crate_name: str) -> list[ItemDoc]:
    """A module (or the crate root `index.html`) as one document with its item index."""
    page = _Page.parse(html, listed, crate_name)
    reexports: list[str] = []
    items: list[str] = []
    for table in _item_tables(page.sections):
        if has_class(table, "reexports"):
            reexports.extend(f"- `{one_line(code_text(dt))}`" for dt in table.iterchildren("dt"))
        else:
            items.extend(_item_entry(dt) for dt in table.iterchildren("dt"))
    sections = _section("Re-exports", reexports) + _section("Items", items)
    return [page.document(sections, signature=f"pub mod {_last(listed.path)}")]


def extract_readme(html: str | bytes) -> str:
    """A prose page (docs.rs crate page with the README) as Markdown; '' if nothing.

    trafilatura is good at prose and boilerplate removal; on docs.rs crate
    pages it is given only the README column (`div.package-details`).
    """
    try:
        root = document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    readme = root.xpath('//div[contains(@class, "package-details")]')
    # A bare fragment loses its headings in trafilatura: keep the page frame.
    source = (
        f"<html><body>{etree.tostring(readme[0], encoding='unicode')}</body></html>"
        if readme
        else root
    )
    text = trafilatura.extract(
        source, output_format="markdown", include_comments=False, include_tables=True
    )
    return (text or "").strip()


# --- page structure -----------------------------------------------------------------------


@dataclass(slots=True)
class _Section:
    """An `<h2>` section of `#main-content` and the elements up to the next one."""

    anchor: str
    title: str
    elements: list[HtmlElement] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Stability:
    """What a `.item-info` box says: feature gates and deprecation."""

    available: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    deprecated: str | None = None

    @classmethod
    def read(cls, *infos: HtmlElement | None) -> _Stability:
        available: list[str] = []
        features: list[str] = []
        deprecated = None
        stabs = (stab for info in infos if info is not None for stab in info.iter("div"))
        for stab in stabs:
            text = inline(stab)
            if has_class(stab, "portability") and _availability(text) not in available:
                available.append(_availability(text))
                for gate in _FEATURE_LIST.findall(text):
                    features.extend(f for f in _BACKTICKED.findall(gate) if f not in features)
            elif has_class(stab, "deprecated"):
                deprecated = _deprecation(text)
        return cls(tuple(available), tuple(features), deprecated)

    @property
    def notes(self) -> list[str]:
        """The lines after the signature, in the JSON extractor's order."""
        deprecated = [f"> **Deprecated**: {self.deprecated}"] if self.deprecated else []
        return [*self.available, *deprecated]


def _availability(text: str) -> str:
    """rustdoc's "Available on **crate feature `std`** only." worded as the JSON
    extractor words it ("Available on crate feature **std** only.") when it
    names features alone; other conditions keep rustdoc's wording."""
    match = _FEATURES_ONLY.fullmatch(text)
    if match is None:
        return text
    names = _BACKTICKED.sub(r"**\1**", match["names"])
    return f"Available on {match['label']} {names} only."


def _deprecation(text: str) -> str:
    """rustdoc's "Deprecated since 1.2.0: note" reduced, like the JSON extractor, to
    the note, else "deprecated since 1.2.0", else "deprecated"."""
    match = _DEPRECATED.fullmatch(text)
    if match is None:
        return text
    if match["note"]:
        return match["note"]
    return f"deprecated since {match['since']}" if match["since"] else "deprecated"


@dataclass(slots=True)
class _Page:
    """An item or module page split into its head and its `<h2>` sections."""

    listed: ListedItem
    signature: str
    docblock: HtmlElement | None
    stability: _Stability
    sections: list[_Section]

    @classmethod
    def parse(cls, html: str | bytes, listed: ListedItem, crate_name: str) -> _Page:
        main = _main_content(html, f"{crate_name}: {listed.url}")
        head: list[HtmlElement] = []
        sections: list[_Section] = []
        for el in main.iterchildren("*"):
            heading = _section_heading(el)
            if heading is not None:
                sections.append(_Section(heading.get("id"), inline(heading)))
                if heading is not el:
                    sections[-1].elements.append(el)
            elif sections:
                sections[-1].elements.append(el)
            else:
                head.append(el)
        decl = _first(head, "item-decl")
        top = _first(head, "top-doc")
        return cls(
            listed=listed,
            signature=code_text(decl) if decl is not None else "",
            docblock=_first(top if top is not None else head, "docblock"),
            stability=_Stability.read(_first(head, "item-info")),
            sections=sections,
        )

    def document(self, sections: list[str], *, signature: str | None = None) -> ItemDoc:
        signature = self.signature if signature is None else signature
        docs = to_markdown(self.docblock, heading_base=2) if self.docblock is not None else ""
        listed = self.listed
        return ItemDoc(
            path=listed.path,
            kind=listed.kind,
            name=_last(listed.path),
            signature=signature,
            docs=docs,
            content=_content(listed.kind, listed.path, signature, self.stability, docs, sections),
            url=listed.url,
            deprecated=self.stability.deprecated,
            features=self.stability.features,
        )


def _main_content(html: str | bytes, where: str) -> HtmlElement:
    """`#main-content` of a rustdoc page, or RustdocHtmlError naming the page."""
    try:
        root = document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise RustdocHtmlError(f"{where}: not an HTML page ({exc})") from exc
    refresh = root.xpath('//meta[translate(@http-equiv, "REFSH", "refsh") = "refresh"]/@content')
    if refresh:
        raise RustdocHtmlError(f"{where}: a redirect stub ({refresh[0]}), not an item page")
    # `section#main` before rustdoc 1.58; docs.rs's own `div#main` is not rustdoc.
    found = root.xpath('//*[@id="main-content"] | //section[@id="main"]')
    if not found:
        raise RustdocHtmlError(f"{where}: no #main-content, not a rustdoc page")
    return found[0]


def _section_heading(el: HtmlElement) -> HtmlElement | None:
    """The `<h2 id>` opening a section: the element itself, or the summary of a
    collapsible section (`<details class="big-toggle"><summary><h2 id=
    "deref-methods-str">`)."""
    if el.tag == "h2":
        return el if el.get("id") else None
    if el.tag == "details" and has_class(el, "big-toggle"):
        found = el.xpath("./summary/h2[@id]")
        return found[0] if found else None
    return None


def _first(elements: Iterable[HtmlElement], cls: str) -> HtmlElement | None:
    """The first element with class `cls`, whatever its tag (it changed between
    rustdoc versions: `div.item-info` / `span.item-info`, `div.item-decl > pre`)."""
    return next((el for el in elements if has_class(el, cls)), None)


def _last(path: str) -> str:
    return path.rpartition("::")[2]


def _content(
    kind: str,
    path: str,
    signature: str,
    stability: _Stability,
    docs: str,
    sections: list[str],
) -> str:
    parts = [f"# {kind} {path}"]
    if signature:
        parts.append(f"```rust\n{signature}\n```")
    parts.extend(stability.notes)
    if docs:
        parts.append(docs)
    parts.extend(sections)
    return "\n\n".join(parts)


# --- sections -----------------------------------------------------------------------------


def _render_section(section: _Section, listed: ListedItem, members: list[ItemDoc]) -> list[str]:
    """Markdown sections for one `<h2>` section; member documents go to `members`."""
    anchor, elements = section.anchor, section.elements
    if anchor == "fields":
        return _section("Fields", _entries(elements, "structfield"))
    if anchor == "variants":
        return _section("Variants", _variants(elements))
    if anchor == "implementations":
        found = _members(elements, listed)
        members.extend(doc for doc, _ in found)
        consts = [entry for doc, entry in found if doc.kind == "assoc_const"]
        others = [entry for doc, entry in found if doc.kind != "assoc_const"]
        return _section("Associated Constants", consts, "\n\n") + _section(
            "Methods", others, "\n\n"
        )
    if anchor in _TRAIT_MEMBER_SECTIONS:
        found = _members(elements, listed)
        members.extend(doc for doc, _ in found)
        return _section(section.title, [entry for _, entry in found], "\n\n")
    if anchor in _IMPL_LISTS:
        return _section(_IMPL_LISTS[anchor], _impl_headers(elements))
    if anchor == "dyn-compatibility":
        text = " ".join(_summary(el) for el in elements[:1]).replace("**", "")
        return _section("Dyn Compatibility", [text] if " not " in text else [])
    if anchor == "aliased-type":
        decl = _first(elements, "item-decl")
        return [f"## Aliased Type\n\n{code_block(decl)}"] if decl is not None else []
    return []


def _section(title: str, parts: list[str], sep: str = "\n") -> list[str]:
    """`## title` and its parts, or nothing when there are none."""
    return [f"## {title}\n\n" + sep.join(parts)] if parts else []


def _summary(docblock: HtmlElement | None) -> str:
    """The first block (normally the first paragraph) of a docblock."""
    return first_block(docblock) if docblock is not None else ""


def _bullet(code: str, docblock: HtmlElement | None) -> str:
    summary = _summary(docblock)
    return f"- `{code}` — {summary}" if summary else f"- `{code}`"


def _attached(header: HtmlElement) -> tuple[HtmlElement | None, HtmlElement | None]:
    """The docblock and `.item-info` belonging to a field, variant or member header.

    Documented members sit in `<details><summary><section>` with the
    `.item-info` inside the summary and the docblock after it; undocumented
    members and fields are followed by them directly.
    """
    info = _item_info(header)
    parent = header.getparent()
    following = header.itersiblings()
    if parent.tag == "summary":
        following = chain(following, parent.itersiblings())
    for sibling in following:
        if has_class(sibling, "docblock"):
            return sibling, info
        if has_class(sibling, "item-info"):
            info = sibling
        elif sibling.tag in ("section", "details", "span", "h2", "h3"):
            break
    return None, info


def _item_info(el: HtmlElement) -> HtmlElement | None:
    return _first(el.iterchildren("*"), "item-info")


def _impl_info(member: HtmlElement) -> HtmlElement | None:
    """The `.item-info` of the impl block holding `member` (a feature-gated `impl`)."""
    items = next((el for el in member.iterancestors("div") if has_class(el, "impl-items")), None)
    summary = items.getprevious() if items is not None else None
    if summary is None or summary.tag != "summary":
        return None
    impl = next(summary.iterchildren("section"), None)
    return _item_info(impl) if impl is not None else None


def _entries(elements: list[HtmlElement], cls: str) -> list[str]:
    """A `- field: Type — summary` line for every header of class `cls`."""
    return [
        _bullet(one_line(code_text(header)), _attached(header)[0])
        for el in elements
        for header in _iter_class(el, cls)
    ]


def _variants(elements: list[HtmlElement]) -> list[str]:
    lines = []
    for el in elements:
        for variant in _iter_class(el, "variant"):
            header = _first(variant, "code-header")
            code = one_line(code_text(header if header is not None else variant))
            lines.append(_bullet(code, _attached(variant)[0]))
            lines.extend(f"  {line}" for line in _struct_variant_fields(variant))
    return lines


def _struct_variant_fields(variant: HtmlElement) -> list[str]:
    """Fields of a struct-like variant (`<div class="sub-variant">` after its header)."""
    for sibling in variant.itersiblings():
        if sibling.tag == "section":
            break
        if has_class(sibling, "sub-variant"):
            return _entries([sibling], "section-header")
    return []


def _iter_class(el: HtmlElement, cls: str) -> list[HtmlElement]:
    """`el` and its descendants with class `cls`, selected in C (big impl lists)."""
    return _WITH_CLASS(el, cls=cls)


def _impl_headers(elements: list[HtmlElement]) -> list[str]:
    """One `- impl Trait for Type` line per impl block."""
    return [
        f"- `{one_line(code_text(header))}`"
        for el in elements
        for impl in _iter_class(el, "impl")
        if impl.tag == "section"
        for header in impl.iterchildren("h3")
    ]


def _members(elements: list[HtmlElement], listed: ListedItem) -> list[tuple[ItemDoc, str]]:
    """Documents of inherent/trait members plus their entry in the parent document.

    Trait-impl members (`class="method trait-impl"`) are skipped: their docs
    belong to the trait.
    """
    found = []
    for el in elements:
        for section in el.iter("section"):
            anchor = section.get("id") or ""
            prefix, _, name = anchor.partition(".")
            kind = _MEMBER_KINDS.get(prefix)
            header = _first(section, "code-header")
            if kind is None or header is None or has_class(section, "trait-impl"):
                continue
            docblock, info = _attached(section)
            doc = _member_doc(
                listed, kind, _DUPLICATE_SUFFIX.sub("", name), anchor, header, docblock, info
            )
            summary = _summary(docblock)
            entry = f"### `{one_line(doc.signature)}`" + (f"\n\n{summary}" if summary else "")
            found.append((doc, entry))
    return found


def _member_doc(
    listed: ListedItem,
    kind: str,
    name: str,
    anchor: str,
    header: HtmlElement,
    docblock: HtmlElement | None,
    info: HtmlElement | None,
) -> ItemDoc:
    path = f"{listed.path}::{name}"
    signature = code_text(header)
    stability = _Stability.read(_impl_info(header), info)
    docs = to_markdown(docblock, heading_base=2) if docblock is not None else ""
    return ItemDoc(
        path=path,
        kind=kind,
        name=name,
        signature=signature,
        docs=docs,
        content=_content(kind, path, signature, stability, docs, []),
        url=f"{listed.url}#{anchor}",
        deprecated=stability.deprecated,
        features=stability.features,
    )


def _item_tables(sections: list[_Section]) -> Iterator[HtmlElement]:
    """The `<dl class="item-table">` lists of a module page, in page order."""
    for section in sections:
        for table in section.elements:
            if table.tag == "dl" and has_class(table, "item-table"):
                yield table


def _item_entry(dt: HtmlElement) -> str:
    """One entry of a module's item table as a `- kind name — summary` line."""
    link = next(dt.iterchildren("a"), dt)
    kind = _LINK_KINDS.get(link.get("class") or "", "item")
    dd = dt.getnext()
    summary = inline(dd) if dd is not None and dd.tag == "dd" else ""
    entry = f"- {kind} `{one_line(code_text(link))}`"
    return f"{entry} — {summary}" if summary else entry
