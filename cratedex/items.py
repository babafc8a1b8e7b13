"""The shape every extractor produces: one `ItemDoc` per stored document.

Both the rustdoc JSON path and the HTML fallback turn a crate into a list of
these, so storage, search and the MCP tools never care which format was used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Kinds that get a rustdoc page of their own, in rustdoc's own vocabulary.
PAGE_KINDS: frozenset[str] = frozenset(
    {
        "module",
        "struct",
        "enum",
        "union",
        "trait",
        "trait_alias",
        "function",
        "macro",
        "attr_macro",
        "derive_macro",
        "constant",
        "static",
        "type_alias",
        "primitive",
        "keyword",
    }
)
#: Members, stored both inside their parent's document and on their own.
MEMBER_KINDS: frozenset[str] = frozenset({"method", "assoc_const", "assoc_type"})
#: Every kind stored as a document.
ITEM_KINDS: frozenset[str] = PAGE_KINDS | MEMBER_KINDS


@dataclass(frozen=True, slots=True)
class ItemDoc:
    """One documented public item, ready to be stored.

    `path` is the public path users import and docs.rs shows
    (`bytes::Bytes`, not `bytes::bytes::Bytes`); members use `Parent::member`
    (`semver::Version::parse`).  `content` is the whole Markdown document:
    a `# kind path` heading, the signature in a ```rust block, the docs with
    their examples, then the members (methods, fields, variants) and
    implemented traits.  `url` is relative to the docs.rs release root,
    e.g. `semver/struct.Version.html` or `semver/struct.Version.html#method.parse`.
    """

    path: str
    kind: str
    name: str
    signature: str
    docs: str
    content: str
    url: str
    deprecated: str | None = None
    features: tuple[str, ...] = field(default_factory=tuple)
