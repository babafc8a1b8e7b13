"""The shape every extractor produces: one `ItemDoc` per stored document.

Both the rustdoc JSON path and the HTML fallback turn a crate into a list of
these, so storage, search and the MCP tools never care which format was used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Item kinds stored as their own documents, in rustdoc's own vocabulary.
ITEM_KINDS: frozenset[str] = frozenset(
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
        # members, stored both inside their parent's document and on their own
        "method",
        "assoc_const",
        "assoc_type",
    }
)


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
