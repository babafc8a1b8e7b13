"""The HTML fallback extractor against real rustdoc 1.95 pages from the fixture corpus."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from cratedex.items import ITEM_KINDS, ItemDoc
from tasks.rustdoc_html import (
    ListedItem,
    RustdocHtmlError,
    extract_item_page,
    extract_module_page,
    extract_readme,
    module_urls,
    parse_all_items,
)

_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docsrs"
#: The repository's copy of the shared corpus; the full extracted archive as a fallback.
CORPUS = _FIXTURES if _FIXTURES.is_dir() else Path("/tmp/corpus")

#: (crate, version, items in all.html) as counted in the corpus README.
RELEASES = [
    ("anyhow", "1.0.69", 9),
    ("itoa", "1.0.1", 2),
    ("once_cell", "1.17.0", 8),
    ("regex", "1.7.1", 40),
    ("semver", "1.0.14", 7),
    ("semver", "0.9.0", 5),
    ("serde", "1.0.152", 60),
]
CHROME = ["§", "ⓘ", "Expand description", "Copy item path", "Read more", "Source", "👎"]


def _page(crate: str, version: str, url: str) -> bytes:
    return (CORPUS / crate / version / url).read_bytes()


def _items(crate: str, version: str) -> list[ListedItem]:
    html = _page(crate, version, f"{crate}/all.html")
    return parse_all_items(html, crate_name=crate, lib_name=crate)


def _extract(crate: str, version: str, url: str) -> list[ItemDoc]:
    items = _items(crate, version)
    listed = next(item for item in items + module_urls(items, crate) if item.url == url)
    return extract_item_page(_page(crate, version, url), listed, crate_name=crate)


def _by_path(docs: list[ItemDoc]) -> dict[str, ItemDoc]:
    return {doc.path: doc for doc in docs}


def _rust_fences(docs: list[ItemDoc]) -> int:
    """```rust blocks in the documents, not counting each one's signature block."""
    return sum(doc.content.count("```rust\n") - bool(doc.signature) for doc in docs)


@pytest.mark.parametrize(("crate", "version", "expected"), RELEASES)
def test_all_html_lists_every_item(crate: str, version: str, expected: int) -> None:
    html = _page(crate, version, f"{crate}/all.html").decode()
    entries = sum(
        block.count("<li>") for block in re.findall(r'<ul class="all-items">(.*?)</ul>', html)
    )
    items = _items(crate, version)
    assert len(items) == entries == expected
    for item in items:
        assert item.kind in ITEM_KINDS
        assert item.path.startswith(f"{crate}::")
        assert (CORPUS / crate / version / item.url).is_file()


def test_all_html_paths_and_kinds() -> None:
    items = {item.path: item for item in _items("serde", "1.0.152")}
    assert items["serde::de::IgnoredAny"] == ListedItem(
        "serde::de::IgnoredAny", "struct", "serde/de/struct.IgnoredAny.html"
    )
    assert items["serde::forward_to_deserialize_any"].kind == "macro"
    assert items["serde::de::value::Error"].url == "serde/de/value/struct.Error.html"
    anyhow = {item.path: item.kind for item in _items("anyhow", "1.0.69")}
    assert anyhow["anyhow::Ok"] == "function"
    assert anyhow["anyhow::Result"] == "type_alias"


def test_module_urls_cover_every_module_page() -> None:
    modules = module_urls(_items("serde", "1.0.152"), "serde")
    assert modules[0] == ListedItem("serde", "module", "serde/index.html")
    assert [module.path for module in modules] == [
        "serde",
        "serde::de",
        "serde::ser",
        "serde::de::value",
    ]
    for crate, version, _ in RELEASES:
        for module in module_urls(_items(crate, version), crate):
            assert (CORPUS / crate / version / module.url).is_file(), module


def test_struct_document_has_signature_fields_and_methods() -> None:
    docs = _by_path(_extract("semver", "1.0.14", "semver/struct.Version.html"))
    version = docs["semver::Version"]
    assert (version.kind, version.name, version.url) == (
        "struct",
        "Version",
        "semver/struct.Version.html",
    )
    for field in ("major: u64", "minor: u64", "patch: u64", "pre: Prerelease"):
        assert f"pub {field}," in version.signature
        assert f"- `{field}`" in version.content
    assert "pub build: BuildMetadata," in version.signature
    assert version.content.startswith("# struct semver::Version\n\n```rust\npub struct Version {")
    assert version.docs.startswith("**SemVer version** as defined by <https://semver.org>.")
    assert "## Methods" in version.content
    assert "### `pub const fn new(major: u64, minor: u64, patch: u64) -> Self`" in version.content
    assert "### `pub fn parse(text: &str) -> Result<Self, Error>`" in version.content
    assert "- `impl Display for Version`" in version.content
    assert "Blanket" not in version.content
    for chrome in CHROME:
        assert chrome not in version.content


def test_methods_are_documents_with_full_docs() -> None:
    docs = _by_path(_extract("semver", "1.0.14", "semver/struct.Version.html"))
    new = docs["semver::Version::new"]
    assert (new.kind, new.name, new.url) == (
        "method",
        "new",
        "semver/struct.Version.html#method.new",
    )
    assert new.signature == "pub const fn new(major: u64, minor: u64, patch: u64) -> Self"
    assert new.content.startswith("# method semver::Version::new\n\n```rust\npub const fn new(")
    assert "```rust\nVersion {\n    major,\n" in new.content
    parse = docs["semver::Version::parse"]
    assert "## Errors" in parse.docs
    assert "`1.0.01` — a numeric component has a leading zero." in parse.docs


def test_methods_from_deref_are_left_out() -> None:
    """Prerelease derefs to `str`: std's 70 `str` methods are not its members."""
    docs = _extract("semver", "1.0.14", "semver/struct.Prerelease.html")
    assert [doc.path for doc in docs[1:]] == [
        "semver::Prerelease::EMPTY",
        "semver::Prerelease::new",
        "semver::Prerelease::as_str",
        "semver::Prerelease::is_empty",
    ]
    assert docs[1].kind == "assoc_const"
    assert '## Associated Constants\n\n### `pub const EMPTY: Self = ""`' in docs[0].content


def test_top_docs_keep_examples_as_rust_blocks() -> None:
    chain = _extract("anyhow", "1.0.69", "anyhow/struct.Chain.html")[0]
    assert "## Example\n\n```rust\nuse anyhow::Error;\nuse std::io;\n\npub fn " in chain.docs


def test_trait_keeps_every_required_method_with_where_clause() -> None:
    url = "serde/de/trait.Deserializer.html"
    html = _page("serde", "1.0.152", url)
    required = re.findall(rb'<section id="tymethod\.(\w+)"', html)
    docs = _extract("serde", "1.0.152", url)
    trait, members = docs[0], _by_path(docs[1:])
    assert trait.kind == "trait"
    assert trait.signature.startswith("pub trait Deserializer<'de>: Sized {")
    assert len(required) == 29
    for name in required:
        method = members[f"serde::de::Deserializer::{name.decode()}"]
        assert method.kind == "method"
        assert method.url == f"{url}#tymethod.{name.decode()}"
        assert method.signature.endswith("\nwhere\n    V: Visitor<'de>,")
        assert f"### `fn {name.decode()}<" in trait.content
    assert "## Required Methods" in trait.content
    assert "## Provided Methods" in trait.content
    assert "## Dyn Compatibility\n\nThis trait is not dyn compatible." in trait.content
    assert "## Implementors" in trait.content
    assert "- `impl<'de, E> Deserializer<'de> for BoolDeserializer<E> where E: Error,`" in (
        trait.content
    )
    error = members["serde::de::Deserializer::Error"]
    assert (error.kind, error.signature) == ("assoc_type", "type Error: Error")


def test_regex_keeps_every_example_block() -> None:
    url = "regex/struct.Regex.html"
    main = lxml.html.fromstring(_page("regex", "1.7.1", url)).get_element_by_id("main-content")
    examples = main.xpath('.//pre[contains(@class, "rust-example-rendered")]')
    docs = _extract("regex", "1.7.1", url)
    assert len(examples) == 16
    assert _rust_fences(docs) == len(examples)


@pytest.mark.parametrize(("crate", "version", "_count"), RELEASES)
def test_every_page_extracts_cleanly(crate: str, version: str, _count: int) -> None:
    items = _items(crate, version)
    for listed in items + module_urls(items, crate):
        docs = extract_item_page(_page(crate, version, listed.url), listed, crate_name=crate)
        assert docs[0].path == listed.path
        assert len({doc.url for doc in docs}) == len(docs)
        for doc in docs:
            assert doc.kind in ITEM_KINDS
            assert doc.content.startswith(f"# {doc.kind} {doc.path}")
            for chrome in CHROME:
                assert chrome not in doc.content, (doc.url, chrome)


def test_feature_gated_items_have_features() -> None:
    docs = _by_path(_extract("anyhow", "1.0.69", "anyhow/struct.Chain.html"))
    chain = docs["anyhow::Chain"]
    assert chain.features == ("std",)
    assert "```\n\nAvailable on crate feature **std** only.\n\nIterator of" in chain.content
    methods = _by_path(_extract("anyhow", "1.0.69", "anyhow/struct.Error.html"))
    assert methods["anyhow::Error::chain"].features == ("std",)
    assert methods["anyhow::Error::msg"].features == ()


def test_deprecated_item() -> None:
    html = _page("regex", "1.7.1", "regex/fn.escape.html").replace(
        b"</code></pre>",
        b'</code></pre><span class="item-info"><div class="stab deprecated">'
        b'<span class="emoji">\xf0\x9f\x91\x8e</span><span>Deprecated since 1.2.0: use '
        b"<code>regex::escape_str</code> instead</span></div></span>",
        1,
    )
    listed = ListedItem("regex::escape", "function", "regex/fn.escape.html")
    [escape] = extract_item_page(html, listed, crate_name="regex")
    assert escape.deprecated == "use `regex::escape_str` instead"
    assert "```\n\n> **Deprecated**: use `regex::escape_str` instead\n\n" in escape.content
    assert escape.signature == "pub fn escape(text: &str) -> String"


def test_enum_variants() -> None:
    op = _extract("semver", "1.0.14", "semver/enum.Op.html")[0]
    assert op.signature.startswith("#[non_exhaustive]\npub enum Op {")
    assert "## Variants\n\n- `Exact`\n- `Greater`\n" in op.content
    unexpected = _extract("serde", "1.0.152", "serde/de/enum.Unexpected.html")[0]
    assert (
        "- `Bool(bool)` — The input contained a boolean value that was not expected."
        in unexpected.content
    )


def test_crate_root_and_module_pages() -> None:
    root = ListedItem("serde", "module", "serde/index.html")
    [crate] = extract_module_page(_page("serde", "1.0.152", root.url), root, crate_name="serde")
    assert (crate.path, crate.kind, crate.name, crate.url) == (
        "serde",
        "module",
        "serde",
        "serde/index.html",
    )
    assert crate.signature == "pub mod serde"
    assert crate.docs.startswith("## Serde\n\nSerde is a framework for")
    assert "## Items\n\n- module `de` — Generic data structure deserialization framework." in (
        crate.content
    )
    assert "- macro `forward_to_deserialize_any` — Helper macro" in crate.content
    assert "- trait `Serializer` — A **data format**" in crate.content
    [de] = _extract("serde", "1.0.152", "serde/de/index.html")
    assert "## Re-exports\n\n- `pub use std::error::Error as StdError;`\n\n## Items" in de.content
    assert "- struct `IgnoredAny` — An efficient way of discarding data from a deserializer." in (
        de.content
    )
    assert de.docs.startswith("Generic data structure deserialization framework.")


def test_type_alias_shows_aliased_type() -> None:
    result = _extract("anyhow", "1.0.69", "anyhow/type.Result.html")[0]
    assert result.signature == "pub type Result<T, E = Error> = Result<T, E>;"
    assert "## Aliased Type\n\n```rust\npub enum Result<T, E = Error> {" in result.content


def test_docsrs_top_bar_is_ignored() -> None:
    url = "semver/struct.Version.html"
    plain = _page("semver", "1.0.14", url)
    wrapped = plain.replace(
        b'<body class="rustdoc struct">',
        b'<body class="rustdoc struct"><div class="nav-container"><div class="container">'
        b'<a href="/" class="pure-menu-heading">Docs.rs</a><ul><li>semver-1.0.14</li>'
        b"<li>Platform</li><li>Feature flags</li></ul></div></div>",
        1,
    )
    assert wrapped != plain
    assert _extract_raw(wrapped, url) == _extract_raw(plain, url)


def _extract_raw(html: bytes, url: str) -> list[ItemDoc]:
    listed = ListedItem("semver::Version", "struct", url)
    return extract_item_page(html, listed, crate_name="semver")


@pytest.mark.parametrize(
    ("crate", "version", "url"),
    [
        ("semver", "1.0.14", "semver/parse/struct.Error.html"),
        ("anyhow", "1.0.69", "anyhow/macro.anyhow!.html"),
    ],
)
def test_redirect_stub_raises(crate: str, version: str, url: str) -> None:
    listed = ListedItem(f"{crate}::x", "struct", url)
    with pytest.raises(RustdocHtmlError, match=re.escape(url)):
        extract_item_page(_page(crate, version, url), listed, crate_name=crate)


@pytest.mark.parametrize(
    "html", [b"", b'{"not": "html"}', "<html><body><p>Not rustdoc</p></body></html>"]
)
def test_non_rustdoc_input_raises(html: str | bytes) -> None:
    listed = ListedItem("demo::Thing", "struct", "demo/struct.Thing.html")
    with pytest.raises(RustdocHtmlError, match=re.escape("demo/struct.Thing.html")):
        extract_item_page(html, listed, crate_name="demo")
    with pytest.raises(RustdocHtmlError, match=re.escape("demo/all.html")):
        parse_all_items(html, crate_name="demo", lib_name="demo")


CRATE_PAGE = """<!DOCTYPE html><html><head><title>semver 1.0.14 - Docs.rs</title></head><body>
<div class="nav-container"><a href="/">Docs.rs</a><ul><li><a href="/releases">Releases</a></li>
</ul></div>
<div class="container package-page-container"><div class="pure-g">
<div class="pure-u-1 pure-u-sm-7-24 pure-u-md-5-24"><div class="pure-menu package-menu">
<ul class="pure-menu-list"><li class="pure-menu-heading">Dependencies</li>
<li class="pure-menu-item"><a href="/crate/serde/1.0.152">serde ^1.0</a></li></ul></div></div>
<div class="pure-u-1 pure-u-sm-17-24 pure-u-md-19-24 package-details" id="main">
<h1>semver</h1>
<p>A parser and evaluator for Cargo's flavor of Semantic Versioning.</p>
<p>Semantic Versioning (see https://semver.org) is a guideline for how version numbers are
assigned and incremented. It is widely followed within the Cargo/crates.io ecosystem.</p>
<h2>Scope of this crate</h2>
<p>Besides Cargo, several other package ecosystems and package managers for other languages
also use SemVer: RubyGems/Bundler for Ruby, npm for JavaScript, Composer for PHP.</p>
</div></div></div><footer>Docs.rs is part of the Rust project.</footer></body></html>"""


def test_extract_readme_returns_the_prose() -> None:
    text = extract_readme(CRATE_PAGE)
    assert "A parser and evaluator for Cargo's flavor of Semantic Versioning." in text
    assert "## Scope of this crate" in text
    assert "RubyGems/Bundler for Ruby" in text
    assert "Dependencies" not in text
    assert "Releases" not in text
    assert extract_readme(CRATE_PAGE.encode()) == text


@pytest.mark.parametrize("html", ["", b"", "<html><body></body></html>"])
def test_extract_readme_of_nothing_is_empty(html: str | bytes) -> None:
    assert extract_readme(html) == ""
