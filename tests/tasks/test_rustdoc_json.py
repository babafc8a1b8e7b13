"""The rustdoc JSON extractor against real docs.rs output (format_version 57).

The fixture corpus holds, per release, the rustdoc JSON and the HTML that
the same toolchain wrote, so the JSON results are checked against rustdoc's
own pages: `all.html`, the module pages and the item pages.
"""

from __future__ import annotations

import gzip
import re
import time
import tracemalloc
from functools import cache
from pathlib import Path

import pytest
import zstandard
from lxml import html

from cratedex.items import ITEM_KINDS, ItemDoc
from tasks.rustdoc_json import (
    RustdocJsonError,
    clean_docs,
    decompress_rustdoc,
    extract_items,
    parse_rustdoc_json,
)

_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docsrs"
#: The docs.rs mirror: the repository fixtures, else an extracted shared corpus.
CORPUS = _FIXTURES if (_FIXTURES / "crate").is_dir() else Path("/tmp/corpus")
RELEASES = sorted(
    (p.parent.name, p.name)
    for p in CORPUS.glob("crate/*/*")
    if (p / "json.zst").exists() or (p / "json.gz").exists()
)
if not RELEASES:
    pytest.skip(f"no docs.rs corpus at {CORPUS}", allow_module_level=True)

_MEMBER_KINDS = {"method", "assoc_const", "assoc_type"}
_MAX = 64 << 20


def _json_bytes(crate: str, version: str) -> bytes:
    folder = CORPUS / "crate" / crate / version
    path = folder / "json.zst" if (folder / "json.zst").exists() else folder / "json.gz"
    return path.read_bytes()


@cache
def _krate_text(crate: str, version: str) -> bytes:
    return decompress_rustdoc(_json_bytes(crate, version), max_bytes=_MAX)


def _krate(crate: str, version: str) -> dict:
    return parse_rustdoc_json(_krate_text(crate, version))


@cache
def _docs(crate: str, version: str) -> tuple[ItemDoc, ...]:
    return tuple(extract_items(_krate(crate, version), crate_name=crate))


def _by_path(crate: str, version: str) -> dict[str, ItemDoc]:
    return {doc.path: doc for doc in _docs(crate, version)}


def _release_root(crate: str, version: str) -> Path:
    return CORPUS / crate / version


def _all_html(crate: str, version: str) -> dict[str, str]:
    """`all.html` entries: public path -> page URL relative to the release root."""
    page = html.parse(str(_release_root(crate, version) / crate / "all.html"))
    links = page.xpath('//ul[contains(@class, "all-items")]/li/a')
    return {f"{crate}::{a.text_content()}": f"{crate}/{a.get('href')}" for a in links}


def _root_item(krate: dict, name: str) -> dict:
    """The item called `name` directly in the crate root module."""
    index = krate["index"]
    children = index[str(krate["root"])]["inner"]["module"]["items"]
    return next(index[str(i)] for i in children if index[str(i)].get("name") == name)


# ------------------------------------------------------------------------ paths & URLs


@pytest.mark.parametrize(("crate", "version"), RELEASES)
def test_paths_and_urls_equal_all_html(crate: str, version: str) -> None:
    listed = _all_html(crate, version)
    produced = {
        doc.path: doc.url
        for doc in _docs(crate, version)
        if doc.kind not in _MEMBER_KINDS and doc.kind != "module"
    }
    assert produced == listed


@pytest.mark.parametrize(("crate", "version"), RELEASES)
def test_modules_equal_rustdoc_module_pages(crate: str, version: str) -> None:
    root = _release_root(crate, version)
    pages = {str(p.relative_to(root)) for p in (root / crate).rglob("index.html")}
    modules = {doc.url for doc in _docs(crate, version) if doc.kind == "module"}
    assert modules == pages
    assert _by_path(crate, version)[crate].url == f"{crate}/index.html"


@pytest.mark.parametrize(("crate", "version"), RELEASES)
def test_urls_are_real_pages_and_anchors(crate: str, version: str) -> None:
    root = _release_root(crate, version)
    for doc in _docs(crate, version):
        assert doc.kind in ITEM_KINDS
        assert doc.name == doc.path.rsplit("::", 1)[-1]
        page, _, anchor = doc.url.partition("#")
        text = (root / page).read_text()
        assert 'http-equiv="refresh"' not in text, f"{doc.url} is a redirect stub"
        assert (anchor == "") == (doc.kind not in _MEMBER_KINDS)
        if anchor:
            assert f'id="{anchor}"' in text, doc.url


@pytest.mark.parametrize(("crate", "version"), RELEASES)
def test_paths_are_unique(crate: str, version: str) -> None:
    paths = [doc.path for doc in _docs(crate, version)]
    assert len(paths) == len(set(paths))


def test_inline_reexports_get_pages_and_members_stay_canonical() -> None:
    docs = _by_path("serde", "1.0.152")
    # `#[doc(inline)] pub use de::Deserializer;` -> a page at both paths, as on docs.rs.
    assert docs["serde::Deserializer"].url == "serde/trait.Deserializer.html"
    assert docs["serde::de::Deserializer"].url == "serde/de/trait.Deserializer.html"
    # Members only under the shortest path.
    assert "serde::Deserializer::deserialize_any" in docs
    assert "serde::de::Deserializer::deserialize_any" not in docs
    # A renamed re-export of a macro_rules! macro is its own page, renamed.
    format_err = _by_path("anyhow", "1.0.69")["anyhow::format_err"]
    assert format_err.signature.startswith("macro_rules! format_err {")


# -------------------------------------------------------------------------- signatures


def _item_decl(crate: str, version: str, url: str) -> str:
    page = html.parse(str(_release_root(crate, version) / url))
    return page.xpath('//pre[contains(@class, "item-decl")]')[0].text_content()


def _squash(text: str) -> str:
    """Whitespace- and trailing-comma-insensitive form (rustdoc wraps long lines)."""
    text = re.sub(r"Show \d+ \w+", "", text.replace("\xa0", " "))
    return re.sub(r",([)}>])", r"\1", re.sub(r"\s+", "", text))


@pytest.mark.parametrize(("crate", "version"), RELEASES)
def test_signatures_match_rustdoc_item_declarations(crate: str, version: str) -> None:
    for doc in _docs(crate, version):
        if doc.kind in _MEMBER_KINDS or doc.kind == "module":
            continue
        assert _squash(doc.signature) == _squash(_item_decl(crate, version, doc.url)), doc.path


def test_known_signatures() -> None:
    semver = _by_path("semver", "1.0.14")
    assert semver["semver::Version::parse"].signature == (
        "pub fn parse(text: &str) -> Result<Self, Error>"
    )
    assert semver["semver::Version"].signature == (
        "pub struct Version {\n    pub major: u64,\n    pub minor: u64,\n    pub patch: u64,\n"
        "    pub pre: Prerelease,\n    pub build: BuildMetadata,\n}"
    )
    assert semver["semver::Op"].signature.startswith(
        "#[non_exhaustive]\npub enum Op {\n    Exact,\n    Greater,\n    GreaterEq,\n"
    )
    assert semver["semver::Prerelease::EMPTY"].signature == 'pub const EMPTY: Self = ""'

    serde = _by_path("serde", "1.0.152")
    trait = serde["serde::de::Deserializer"].signature
    assert trait.startswith("pub trait Deserializer<'de>: Sized {\n    type Error: Error;\n")
    assert (
        "    fn deserialize_any<V>(self, visitor: V) -> Result<V::Value, Self::Error>\n"
        "       where V: Visitor<'de>;\n"
    ) in trait
    assert "    fn is_human_readable(&self) -> bool { ... }\n}" in trait
    assert serde["serde::Deserializer::deserialize_any"].signature == (
        "fn deserialize_any<V>(self, visitor: V) -> Result<V::Value, Self::Error>\n"
        "where\n    V: Visitor<'de>,"
    )
    assert serde["serde::forward_to_deserialize_any"].signature == (
        "macro_rules! forward_to_deserialize_any {\n"
        "    (<$visitor:ident: Visitor<$lifetime:tt>> $($func:ident)*) => { ... };\n"
        "    ($($func:ident)*) => { ... };\n}"
    )

    anyhow = _by_path("anyhow", "1.0.69")
    assert anyhow["anyhow::Error::root_cause"].signature == (
        "pub fn root_cause(&self) -> &(dyn StdError + 'static)"
    )
    assert anyhow["anyhow::Result"].signature == "pub type Result<T, E = Error> = Result<T, E>;"
    lazy = _by_path("once_cell", "1.17.0")["once_cell::sync::Lazy"]
    assert lazy.signature == "pub struct Lazy<T, F = fn() -> T> { /* private fields */ }"


# ----------------------------------------------------------------------------- content


def test_struct_document_shape() -> None:
    doc = _by_path("semver", "1.0.14")["semver::Version"]
    assert doc.kind == "struct"
    assert doc.url == "semver/struct.Version.html"
    assert doc.content.startswith(f"# struct semver::Version\n\n```rust\n{doc.signature}\n```\n\n")
    assert doc.docs.startswith("**SemVer version** as defined by <https://semver.org>.")
    assert "\n## Syntax\n" in doc.content  # doc headings sit below the title
    assert "## Fields\n\n- `major: u64`\n- `minor: u64`" in doc.content
    assert (
        "## Methods\n\n### `pub const fn new(major: u64, minor: u64, patch: u64) -> Self`\n\n"
        "Create `Version` with an empty pre-release and build metadata.\n\n"
        "### `pub fn parse(text: &str) -> Result<Self, Error>`"
    ) in doc.content
    assert "## Trait Implementations\n\n- `impl Clone for Version`" in doc.content
    assert "- `impl Display for Version`" in doc.content
    assert "## Auto Trait Implementations\n\n- `impl Freeze for Version`" in doc.content
    assert "impl<T> Any for T" not in doc.content  # blanket impls are left out
    order = [doc.content.index(f"## {s}") for s in ("Fields", "Methods", "Trait Impl")]
    assert order == sorted(order)


def test_enum_trait_module_and_member_documents() -> None:
    semver = _by_path("semver", "1.0.14")
    assert "## Variants\n\n- `Exact`\n- `Greater`\n- `GreaterEq`" in semver["semver::Op"].content

    serde = _by_path("serde", "1.0.152")
    unexpected = serde["serde::de::Unexpected"].content
    assert "- `Bool(bool)` — The input contained a boolean value that was not expected." in (
        unexpected
    )
    visitor = serde["serde::de::Visitor"].content
    assert "## Required Associated Types\n\n### `type Value`" in visitor
    assert "## Required Methods\n\n### `fn expecting(&self, formatter: &mut Formatter<'_>)" in (
        visitor
    )
    assert "## Provided Methods\n\n### `fn visit_bool<E>(self, v: bool)" in visitor
    assert "## Implementors\n\n- `impl<'de> Visitor<'de> for IgnoredAny`" in visitor
    assert "- `impl Serialize for bool`" in serde["serde::Serialize"].content

    module = serde["serde::de"]
    assert module.kind == "module" and module.signature == "pub mod de"
    assert "## Re-exports\n\n- `pub use std::error::Error as StdError;`" in module.content
    assert (
        "- module `value` — Building blocks for deserializing basic values using the "
        "`IntoDeserializer` trait."
    ) in module.content
    assert "- trait `Visitor` — This trait represents a visitor" in module.content

    required = serde["serde::Deserializer::deserialize_any"]
    assert required.kind == "method"
    assert required.url == "serde/trait.Deserializer.html#tymethod.deserialize_any"
    assert required.content.startswith("# method serde::Deserializer::deserialize_any\n\n```rust")
    provided = serde["serde::Deserializer::is_human_readable"]
    assert provided.url == "serde/trait.Deserializer.html#method.is_human_readable"
    assoc = serde["serde::Deserializer::Error"]
    assert (assoc.kind, assoc.url) == (
        "assoc_type",
        "serde/trait.Deserializer.html#associatedtype.Error",
    )
    method = semver["semver::Version::parse"]
    assert method.url == "semver/struct.Version.html#method.parse"
    assert "\n# Errors" not in method.content and "\n## Errors" in method.content


def test_feature_gates() -> None:
    chain = _by_path("anyhow", "1.0.69")["anyhow::Chain"]
    assert chain.features == ("std",)
    assert "```\n\nAvailable on crate feature **std** only.\n\n" in chain.content
    string = _by_path("serde", "1.0.152")["serde::de::value::StringDeserializer"]
    assert string.features == ("std", "alloc")
    assert "Available on crate features **std** or **alloc** only." in string.content
    # A cfg on a module or a re-export applies to what is reached through it.
    lazy = _by_path("once_cell", "1.17.0")["once_cell::sync::Lazy::new"]
    assert lazy.features == ("std", "critical-section")
    assert _by_path("regex", "1.7.1")["regex::Regex"].features == ("std",)
    assert _by_path("semver", "1.0.14")["semver::Version"].features == ()


def test_cfg_expressions_in_doc_cfg_attributes() -> None:
    krate = _krate("itoa", "1.0.1")
    buffer = _root_item(krate, "Buffer")
    buffer["attrs"] = [
        {"other": '#[doc(cfg(all(feature = "a", any(feature = "b", feature = "c"))))]'},
        {"other": '#[doc(cfg(not(feature = "d")))]'},
        {"other": '#[cfg(any(feature = "e", unix))]'},
    ]
    doc = {d.path: d for d in extract_items(krate, crate_name="itoa")}["itoa::Buffer"]
    assert doc.features == ("a", "b", "c")
    assert "Available on crate features **a** and (**b** or **c**) only." in doc.content


def test_deprecation_and_hidden_items() -> None:
    krate = _krate("semver", "1.0.14")
    _root_item(krate, "Comparator")["deprecation"] = {"since": "1.0.9", "note": "use VersionReq"}
    _root_item(krate, "Prerelease")["deprecation"] = {"since": "1.0.9", "note": None}
    _root_item(krate, "BuildMetadata")["attrs"].append({"other": "#[doc(hidden)]"})
    docs = {d.path: d for d in extract_items(krate, crate_name="semver")}
    assert docs["semver::Comparator"].deprecated == "use VersionReq"
    assert "> **Deprecated**: use VersionReq" in docs["semver::Comparator"].content
    assert docs["semver::Prerelease"].deprecated == "deprecated since 1.0.9"
    assert not any(path.startswith("semver::BuildMetadata") for path in docs)


def test_clean_docs() -> None:
    docs = clean_docs(
        "Intro.\n\n# Example\n\n```\n# use x::y;\nlet a = 1;\n## not hidden\n```\n\n"
        "## Details\n\n```text\n# kept\n```\n\n```rust,no_run\n#\nrun();\n```"
    )
    assert docs == (
        "Intro.\n\n## Example\n\n```rust\nlet a = 1;\n# not hidden\n```\n\n"
        "### Details\n\n```text\n# kept\n```\n\n```rust\nrun();\n```"
    )


# ------------------------------------------------------------------ robustness & input


def test_unknown_item_kinds_and_type_shapes_still_extract() -> None:
    krate = _krate("serde", "1.0.152")
    index = krate["index"]
    root = index[str(krate["root"])]
    index["999999"] = {"id": 999999, "crate_id": 0, "name": "Gadget", "visibility": "public"}
    index["999999"]["inner"] = {"hologram": {"shimmer": True}}
    root["inner"]["module"]["items"].append(999999)
    for item in index.values():
        inner = item.get("inner", {})
        if "function" in inner:
            inner["function"]["sig"]["output"] = {"quantum_type": {"spin": 1}}
        elif "struct_field" in inner:
            inner["struct_field"] = ["unexpected", "shape"]
    docs = {d.path: d for d in extract_items(krate, crate_name="serde")}
    listed = _all_html("serde", "1.0.152")
    assert listed.keys() <= docs.keys()
    assert "serde::Gadget" not in docs
    assert docs["serde::Deserializer::deserialize_any"].signature.startswith(
        "fn deserialize_any<V>(self, visitor: V) -> _\n"
    )


def test_old_kind_plus_inner_layout_is_understood() -> None:
    krate = _krate("semver", "1.0.14")
    for item in krate["index"].values():
        ((kind, payload),) = item["inner"].items()
        item["kind"], item["inner"] = kind, payload
    old = [(d.path, d.url, d.signature) for d in extract_items(krate, crate_name="semver")]
    assert old == [(d.path, d.url, d.signature) for d in _docs("semver", "1.0.14")]


def test_root_missing_from_index_is_an_error() -> None:
    krate = _krate("itoa", "1.0.1")
    del krate["index"][str(krate["root"])]
    with pytest.raises(RustdocJsonError, match="root"):
        extract_items(krate, crate_name="itoa")


def test_serde_extracts_well_under_a_second() -> None:
    krate = _krate("serde", "1.0.152")
    start = time.perf_counter()
    docs = extract_items(krate, crate_name="serde")
    elapsed = time.perf_counter() - start
    assert len(docs) > 250
    assert elapsed < 1.0, f"{len(docs)} items took {elapsed:.2f}s"


def test_decompress_zstd_gzip_and_plain() -> None:
    raw = _krate_text("semver", "1.0.14")
    assert decompress_rustdoc(zstandard.compress(raw), max_bytes=_MAX) == raw
    assert decompress_rustdoc(gzip.compress(raw), max_bytes=_MAX) == raw
    assert decompress_rustdoc(raw, max_bytes=_MAX) == raw
    half = len(raw) // 2
    two_members = gzip.compress(raw[:half]) + gzip.compress(raw[half:])
    assert decompress_rustdoc(two_members, max_bytes=_MAX) == raw
    gz = CORPUS / "crate" / "semver" / "1.0.14" / "json.gz"
    if gz.exists():
        assert decompress_rustdoc(gz.read_bytes(), max_bytes=_MAX) == raw


@pytest.mark.parametrize("compress", [zstandard.compress, gzip.compress])
def test_size_cap_raises_without_materialising(compress) -> None:
    bomb = compress(b"[" + b" " * (48 << 20) + b"]")
    tracemalloc.start()
    try:
        with pytest.raises(RustdocJsonError, match="over 1048576 bytes"):
            decompress_rustdoc(bomb, max_bytes=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20
    with pytest.raises(RustdocJsonError, match="over 10 bytes"):
        decompress_rustdoc(b'{"root": 1, "index": {}}', max_bytes=10)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html>",
        b"\x28\xb5\x2f\xfd" + b"garbage" * 10,
        b"\x1f\x8b" + b"garbage" * 10,
        gzip.compress(b'{"root": 1}')[:-12],
    ],
)
def test_garbage_bodies_raise(body: bytes) -> None:
    with pytest.raises(RustdocJsonError):
        decompress_rustdoc(body, max_bytes=_MAX)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "must be an object"),
        (b'{"index": {}, "paths": {}, "format_version": 57}', "no 'root'"),
        (b'{"root": 1, "paths": {}, "format_version": 57}', "'index'"),
        (b'{"root": 1, "index": [], "paths": {}, "format_version": 57}', "'index'"),
        (b'{"root": 1, "index": {}, "paths": {}, "format_version": "57"}', "format_version"),
        (b'{"root": 1, "index": {}, "paths": {}}', "format_version"),
    ],
)
def test_parse_rejects_non_rustdoc_json(raw: bytes, message: str) -> None:
    with pytest.raises(RustdocJsonError, match=message):
        parse_rustdoc_json(raw)


def test_parse_accepts_every_corpus_release() -> None:
    for crate, version in RELEASES:
        krate = parse_rustdoc_json(_krate_text(crate, version))
        assert krate["index"][str(krate["root"])]["name"] == crate
