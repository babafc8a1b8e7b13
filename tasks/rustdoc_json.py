"""docs.rs rustdoc JSON -> `ItemDoc`s, with no network and no Prefect.

docs.rs serves each release's rustdoc JSON (zstd or gzip).  That JSON says
where items are *defined*, which is often a private module; users import
them from where they are re-exported.  So the public paths are computed here
by walking the module tree the way rustdoc's HTML output does: every item
gets a document at each place rustdoc would give it a page, which is exactly
the list in the release's `all.html`.  Members (methods, associated consts
and types) are stored once, under the item's canonical (shortest) path.

The JSON format drifts between toolchains, so everything is read with
fallbacks; only input that is not rustdoc JSON at all raises.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import zstandard

from cratedex.items import PAGE_KINDS, ItemDoc
from tasks._rust_signature import SignatureRenderer, as_dict, key, split_inner

log = logging.getLogger(__name__)

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20

#: rustdoc's file-name prefix per kind (`struct.Version.html`).
_URL_PREFIX = {
    "struct": "struct",
    "enum": "enum",
    "union": "union",
    "trait": "trait",
    "trait_alias": "traitalias",
    "function": "fn",
    "macro": "macro",
    "attr_macro": "attr",
    "derive_macro": "derive",
    "constant": "constant",
    "static": "static",
    "type_alias": "type",
    "primitive": "primitive",
    "keyword": "keyword",
}
#: Order of kinds in a module's item list, as on rustdoc's module pages.
_KIND_ORDER = {
    kind: n
    for n, kind in enumerate(
        (
            "module",
            "macro",
            "attr_macro",
            "derive_macro",
            "struct",
            "enum",
            "union",
            "primitive",
            "constant",
            "static",
            "trait",
            "trait_alias",
            "function",
            "type_alias",
            "keyword",
        )
    )
}
_MACRO_KINDS = frozenset({"macro", "attr_macro", "derive_macro"})
_VALUE_KINDS = frozenset({"function", "constant", "static"})


class RustdocJsonError(ValueError):
    """The download is not usable rustdoc JSON; the message says what was wrong."""


# --------------------------------------------------------------------------- input


def decompress_rustdoc(body: bytes, *, max_bytes: int) -> bytes:
    """Decompress a docs.rs JSON download (zstd, gzip or plain) of at most `max_bytes`.

    Streams, so a decompression bomb fails after `max_bytes`, not after
    exhausting memory.
    """
    if body.startswith(_ZSTD_MAGIC):
        return _unzstd(body, max_bytes)
    if body.startswith(_GZIP_MAGIC):
        return _gunzip(body, max_bytes)
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        if len(body) > max_bytes:
            raise RustdocJsonError(f"JSON body is {len(body)} bytes, over {max_bytes} bytes")
        return body
    raise RustdocJsonError("body is neither zstd, gzip nor JSON (unrecognised leading bytes)")


def _unzstd(body: bytes, max_bytes: int) -> bytes:
    out = bytearray()
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(body), read_across_frames=True
        )
        with reader:
            while chunk := reader.read(min(_CHUNK, max_bytes + 1 - len(out))):
                out += chunk
                if len(out) > max_bytes:
                    raise RustdocJsonError(f"zstd body decompresses to over {max_bytes} bytes")
    except zstandard.ZstdError as exc:
        raise RustdocJsonError(f"corrupt zstd body: {exc}") from exc
    return bytes(out)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    out = bytearray()
    data = body
    try:
        while data:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            while data and not inflater.eof:
                out += inflater.decompress(data, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise RustdocJsonError(f"gzip body decompresses to over {max_bytes} bytes")
                data = inflater.unconsumed_tail
            if not inflater.eof:
                raise RustdocJsonError("truncated gzip body")
            data = inflater.unused_data if inflater.unused_data.startswith(_GZIP_MAGIC) else b""
    except zlib.error as exc:
        raise RustdocJsonError(f"corrupt gzip body: {exc}") from exc
    return bytes(out)


def parse_rustdoc_json(raw: bytes) -> dict:
    """`json.loads` plus the checks every later step relies on."""
    try:
        krate = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise RustdocJsonError(f"not valid JSON: {exc}") from exc
    if not isinstance(krate, dict):
        raise RustdocJsonError(f"rustdoc JSON must be an object, got {type(krate).__name__}")
    for field_name, expected in (("index", dict), ("paths", dict)):
        if not isinstance(krate.get(field_name), expected):
            raise RustdocJsonError(f"rustdoc JSON has no {field_name!r} object")
    if krate.get("root") is None:
        raise RustdocJsonError("rustdoc JSON has no 'root'")
    version = krate.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RustdocJsonError(f"'format_version' must be an integer, got {version!r}")
    return krate


def extract_items(krate: dict, *, crate_name: str) -> list[ItemDoc]:
    """Every public item of the crate as an `ItemDoc`, at rustdoc's page paths."""
    index = krate.get("index")
    if not isinstance(index, dict) or key(krate.get("root")) not in index:
        raise RustdocJsonError("rustdoc JSON 'root' is missing from 'index'")
    paths = krate.get("paths")
    return _Extractor(index, paths if isinstance(paths, dict) else {}, krate, crate_name).run()


# ---------------------------------------------------------------- attributes & cfg

_DOC_ATTR = re.compile(r"#\[doc\((.*)\)\]", re.S)
_CFG_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[()\[\]{},=]')
_OPEN = {"(": ")", "[": "]", "{": "}"}

#: A cfg reduced to what matters for docs: ("feat", name) | ("any"|"all", children).
Cfg = tuple


def _attr_texts(item: Mapping[str, Any]) -> list[str]:
    """An item's attributes as `#[...]` source text, whatever the JSON shape."""
    texts = []
    for attr in item.get("attrs") or ():
        if isinstance(attr, str):
            texts.append(attr if attr.startswith("#") else f"#[{attr}]")
        elif isinstance(attr, dict) and len(attr) == 1:
            tag, val = next(iter(attr.items()))
            texts.append(val if tag == "other" and isinstance(val, str) else f"#[{tag}]")
    return texts


def _doc_flags(texts: Iterable[str]) -> set[str]:
    """Words like `hidden`, `inline`, `no_inline` given in `#[doc(...)]` attributes."""
    flags: set[str] = set()
    for text in texts:
        match = _DOC_ATTR.fullmatch(text.strip())
        if match:
            flags.update(part.strip() for part in match.group(1).split(","))
    return flags


def _cfgs_of(texts: Iterable[str]) -> tuple[Cfg, ...]:
    """Feature requirements of `#[cfg]`, `#[doc(cfg)]` and format-57 `CfgTrace` attributes."""
    found = []
    for text in texts:
        if "cfg" not in text.lower():
            continue
        tokens = _CFG_TOKEN.findall(text)
        for i, token in enumerate(tokens[:-1]):
            if token in ("cfg", "CfgTrace") and tokens[i + 1] == "(":
                children, _ = _cfg_list(tokens, i + 2, ")")
                node = _normalise(("all", tuple(children)))
                if node is not None:
                    found.append(node)
                break
    return tuple(found)


def _cfg_list(tokens: list[str], i: int, close: str) -> tuple[list[Cfg | None], int]:
    """Predicates separated by commas up to `close`; rustdoc's debug spans are skipped."""
    if i < len(tokens) and tokens[i] == "[":
        children, i = _cfg_list(tokens, i + 1, "]")
        return children, _skip_to(tokens, i, close)
    children: list[Cfg | None] = []
    while i < len(tokens) and tokens[i] != close:
        node, i = _cfg_predicate(tokens, i)
        children.append(node)
        if i < len(tokens) and tokens[i] == ",":
            i += 1
    return children, i + 1


def _cfg_predicate(tokens: list[str], i: int) -> tuple[Cfg | None, int]:
    token = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    op = token.lower()
    if op in ("any", "all") and nxt == "(":
        children, i = _cfg_list(tokens, i + 2, ")")
        return _normalise((op, tuple(children))), i
    if op == "not" and nxt == "(":
        return None, _skip_to(tokens, i + 2, ")")
    if token == "NameValue" and nxt == "{":
        end = _skip_to(tokens, i + 2, "}")
        strings = [t.strip('"') for t in tokens[i + 2 : end] if t.startswith('"')]
        is_feature = len(strings) >= 2 and strings[0] == "feature"
        return (("feat", strings[1]) if is_feature else None), end
    if nxt == "=" and i + 2 < len(tokens) and tokens[i + 2].startswith('"'):
        return (("feat", tokens[i + 2].strip('"')) if token == "feature" else None), i + 3
    if nxt in _OPEN:
        return None, _skip_to(tokens, i + 2, _OPEN[nxt])
    return None, i + 1


def _skip_to(tokens: list[str], i: int, close: str) -> int:
    """Index just past the `close` that balances an already-opened bracket."""
    depth = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _OPEN:
            depth += 1
        elif token in (")", "]", "}"):
            if depth == 0 and token == close:
                return i + 1
            depth -= 1
        i += 1
    return i


def _normalise(node: Cfg | None) -> Cfg | None:
    """Flatten and dedupe; `None` stands for "not a feature requirement"."""
    if node is None or node[0] == "feat":
        return node
    op, children = node
    if op == "any" and any(c is None for c in children):
        return None  # satisfiable without any feature
    flat: list[Cfg] = []
    for child in children:
        if child is None:
            continue
        for part in child[1] if child[0] == op else (child,):
            if part not in flat:
                flat.append(part)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else (op, tuple(flat))


def _features(node: Cfg) -> list[str]:
    if node[0] == "feat":
        return [node[1]]
    return [name for child in node[1] for name in _features(child)]


def _cfg_text(node: Cfg, *, top: bool = True) -> str:
    if node[0] == "feat":
        return f"**{node[1]}**"
    text = (" or " if node[0] == "any" else " and ").join(
        _cfg_text(child, top=False) for child in node[1]
    )
    return text if top else f"({text})"


def _availability(cfgs: tuple[Cfg, ...]) -> tuple[tuple[str, ...], str]:
    """Features named by the cfgs, and rustdoc's "Available on ..." line."""
    node = _normalise(("all", cfgs))
    if node is None:
        return (), ""
    features = tuple(dict.fromkeys(_features(node)))
    label = "crate feature" if len(features) == 1 else "crate features"
    return features, f"Available on {label} {_cfg_text(node)} only."


def _deprecation(item: Mapping[str, Any]) -> str | None:
    dep = item.get("deprecation")
    if not isinstance(dep, dict):
        return None
    if dep.get("note"):
        return str(dep["note"])
    return f"deprecated since {dep['since']}" if dep.get("since") else "deprecated"


# ------------------------------------------------------------------------- docs

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_RUST_FENCE_WORDS = frozenset(
    {"rust", "ignore", "should_panic", "no_run", "compile_fail", "test_harness", "allow_fail"}
    | {"standalone_crate"}
)
_SENTENCE = re.compile(r"(.+?[.!?])(?=\s|$)")


def _is_rust_fence(info: str) -> bool:
    """rustdoc treats a code block as Rust unless its info string names another language."""
    words = [w for w in re.split(r"[\s,{}.]+", info) if w]
    return all(
        w in _RUST_FENCE_WORDS or w.startswith(("edition", "ignore-")) or re.fullmatch(r"E\d+", w)
        for w in words
    )


def clean_docs(text: str | None) -> str:
    """Doc Markdown as rustdoc shows it, fitted under a document's `# kind path` title.

    Rust code blocks are tagged ```rust with rustdoc's hidden `# ` lines
    dropped, and headings are shifted so the highest is `##` (the HTML
    extractor does the same with rustdoc's `<h2>`...`<h6>`).
    """
    out: list[str] = []
    headings: list[tuple[int, int]] = []  # (line number, level)
    fence = ""
    rust = False
    for line in (text or "").splitlines():
        if not fence:
            match = _FENCE.match(line)
            heading = _HEADING.match(line)
            if match and not (match.group(2)[0] == "`" and "`" in match.group(3)):
                indent, fence, info = match.groups()
                rust = _is_rust_fence(info)
                out.append(f"{indent}{fence}rust" if rust else line)
            else:
                if heading:
                    headings.append((len(out), len(heading.group(1))))
                out.append(line)
            continue
        stripped = line.strip()
        if stripped.startswith(fence) and not stripped.strip(fence[0]):
            fence = ""
            out.append(line)
            continue
        if rust:
            body = line.lstrip()
            if body == "#" or body.startswith("# "):
                continue
            if body.startswith("##"):
                line = line.replace("##", "#", 1)
        out.append(line)
    if headings:
        shift = 2 - min(level for _, level in headings)
        for number, level in headings:
            new_level = min(max(level + shift, 1), 6)
            out[number] = "#" * new_level + out[number].lstrip()[level:]
    return "\n".join(out).strip()


def _first_paragraph(docs: str) -> str:
    """The docs up to the first blank line (a code block counts as one paragraph)."""
    lines: list[str] = []
    in_fence = False
    for line in docs.strip().splitlines():
        if not line.strip() and not in_fence:
            break
        if _FENCE.match(line):
            in_fence = not in_fence
        lines.append(line)
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _summary(docs: str) -> str:
    """First sentence of the first paragraph, on one line (module item lists)."""
    para = _one_line(_first_paragraph(docs))
    match = _SENTENCE.match(para)
    return match.group(1) if match else para


# ---------------------------------------------------------------------- the walk


@dataclass(frozen=True, slots=True)
class _Entry:
    """A name in a module's public namespace and how it got there."""

    name: str
    target: str
    via_use: bool = False
    inline: bool = False
    no_inline: bool = False
    cfgs: tuple[Cfg, ...] = ()
    use_key: str | None = None


@dataclass(frozen=True, slots=True)
class _Page:
    """One rustdoc page: an item at one public path, with the cfgs along that path."""

    target: str
    kind: str
    path: tuple[str, ...]
    cfgs: tuple[Cfg, ...]

    @property
    def path_str(self) -> str:
        return "::".join(self.path)

    @property
    def url(self) -> str:
        if self.kind == "module":
            return "/".join(self.path) + "/index.html"
        return "/".join((*self.path[:-1], f"{_URL_PREFIX[self.kind]}.{self.path[-1]}.html"))


def _namespace(kind: str) -> str:
    if kind in _MACRO_KINDS:
        return "macro"
    return "value" if kind in _VALUE_KINDS else "type"


class _Extractor:
    """Walks one crate's JSON once and renders its documents."""

    def __init__(
        self, index: dict[str, Any], paths: dict[str, Any], krate: dict, crate_name: str
    ) -> None:
        self.index = index
        self.sig = SignatureRenderer(index, paths)
        self.root = key(krate.get("root"))
        root_name = index[self.root].get("name")
        self.ident = root_name or crate_name.replace("-", "_")
        self._kinds: dict[str, tuple[str, Any]] = {}
        self._attrs: dict[str, list[str]] = {}
        self._entries: dict[str, list[_Entry] | None] = {}
        self._module_uses: dict[str, list[str]] = {}
        self._produced: set[str] = set()

    # ------------------------------------------------------------ item access

    def kind(self, item_key: str) -> tuple[str, Any]:
        if item_key not in self._kinds:
            item = self.index.get(item_key)
            self._kinds[item_key] = split_inner(item) if isinstance(item, dict) else ("", {})
        return self._kinds[item_key]

    def attrs(self, item_key: str) -> list[str]:
        if item_key not in self._attrs:
            self._attrs[item_key] = _attr_texts(self.index.get(item_key) or {})
        return self._attrs[item_key]

    def visible(self, item_key: str) -> bool:
        """Public, local and not `#[doc(hidden)]`."""
        item = self.index.get(item_key)
        return (
            isinstance(item, dict)
            and item.get("visibility") == "public"
            and item.get("crate_id", 0) == 0
            and "hidden" not in _doc_flags(self.attrs(item_key))
        )

    def _use_target(self, use_payload: Mapping[str, Any]) -> str | None:
        """The local item a `use` imports, following chains of re-exports."""
        target = use_payload.get("id")
        for _ in range(16):
            if target is None:
                return None
            target_key = key(target)
            item = self.index.get(target_key)
            if not isinstance(item, dict) or item.get("crate_id", 0) != 0:
                return None
            kind, payload = self.kind(target_key)
            if kind != "use":
                return target_key
            target = payload.get("id") if isinstance(payload, dict) else None
        return None

    # ------------------------------------------------------- module namespace

    def entries(self, module_key: str) -> list[_Entry]:
        """The public names of a module: its own items, then re-exports, then globs."""
        if module_key in self._entries:
            return self._entries[module_key] or []  # None while in progress: a glob cycle
        self._entries[module_key] = None
        payload = self.kind(module_key)[1]
        explicit: dict[tuple[str, str], _Entry] = {}
        globbed: list[tuple[tuple[str, str], _Entry]] = []
        uses: list[str] = []
        children = payload.get("items") if isinstance(payload, dict) else None
        for child in children or ():
            child_key = key(child)
            if not self.visible(child_key):
                continue
            kind, child_payload = self.kind(child_key)
            if kind == "use" and isinstance(child_payload, dict):
                uses.append(child_key)
                self._add_use(child_key, child_payload, explicit, globbed)
            elif kind in PAGE_KINDS and self.index[child_key].get("name"):
                name = self.index[child_key]["name"]
                explicit.setdefault((_namespace(kind), name), _Entry(name, child_key))
        result = list(explicit.values())
        for slot, entry in globbed:
            if slot not in explicit:
                explicit[slot] = entry
                result.append(entry)
        self._entries[module_key] = result
        self._module_uses[module_key] = uses
        return result

    def _add_use(
        self,
        use_key: str,
        payload: Mapping[str, Any],
        explicit: dict[tuple[str, str], _Entry],
        globbed: list[tuple[tuple[str, str], _Entry]],
    ) -> None:
        target = self._use_target(payload)
        if target is None:
            return  # another crate, a primitive, or dangling
        kind = self.kind(target)[0]
        flags = _doc_flags(self.attrs(use_key))
        inline, no_inline = "inline" in flags, "no_inline" in flags
        cfgs = _cfgs_of(self.attrs(use_key))
        if payload.get("is_glob", payload.get("glob")):
            if kind != "module":
                return  # enum variants and the like have no pages
            cfgs += _cfgs_of(self.attrs(target))
            for entry in self.entries(target):
                reexported = replace(
                    entry,
                    via_use=True,
                    inline=entry.inline or inline,
                    no_inline=entry.no_inline or no_inline,
                    cfgs=cfgs + entry.cfgs,
                    use_key=use_key,
                )
                kind_of_entry = self.kind(entry.target)[0]
                globbed.append(((_namespace(kind_of_entry), entry.name), reexported))
            return
        if kind not in PAGE_KINDS:
            return
        source = str(payload.get("source") or "")
        name = str(payload.get("name") or source.rsplit("::", 1)[-1])
        entry = _Entry(name, target, True, inline, no_inline, cfgs, use_key)
        explicit.setdefault((_namespace(kind), name), entry)

    def directly_public(self) -> set[str]:
        """Items public where they are defined, i.e. not only through re-exports.

        `macro_rules!` macros never count: `#[macro_export]` hoists them to the
        crate root from wherever they are written, and rustdoc inlines their
        re-exports (`pub use anyhow as format_err;` gets its own page).
        """
        seen = {self.root}
        stack = [self.root]
        while stack:
            for entry in self.entries(stack.pop()):
                if entry.via_use or entry.target in seen:
                    continue
                kind, payload = self.kind(entry.target)
                if kind == "macro" and isinstance(payload, str):
                    continue
                seen.add(entry.target)
                if kind == "module":
                    stack.append(entry.target)
        return seen

    def pages(self) -> list[_Page]:
        """Every page rustdoc writes: definitions, plus inlined re-exports.

        rustdoc inlines a re-export (gives it its own page) when the item is not
        public where it is defined, or when the `use` says `#[doc(inline)]`,
        unless it says `#[doc(no_inline)]`.
        """
        direct = self.directly_public()
        root = _Page(self.root, "module", (self.ident,), _cfgs_of(self.attrs(self.root)))
        pages = [root]
        seen = {(root.path, "module")}
        stack: list[tuple[_Page, frozenset[str]]] = [(root, frozenset({self.root}))]
        while stack:
            module, ancestors = stack.pop()
            for entry in self.entries(module.target):
                if entry.via_use and (
                    entry.no_inline or (entry.target in direct and not entry.inline)
                ):
                    continue
                kind = self.kind(entry.target)[0]
                path = (*module.path, entry.name)
                if (path, kind) in seen:
                    continue
                seen.add((path, kind))
                cfgs = module.cfgs + entry.cfgs + _cfgs_of(self.attrs(entry.target))
                page = _Page(entry.target, kind, path, cfgs)
                pages.append(page)
                if entry.use_key:
                    self._produced.add(entry.use_key)
                if kind == "module" and entry.target not in ancestors:
                    stack.append((page, ancestors | {entry.target}))
        return pages

    # -------------------------------------------------------------- documents

    def run(self) -> list[ItemDoc]:
        pages = self.pages()
        children: dict[tuple[str, ...], list[_Page]] = defaultdict(list)
        by_target: dict[str, list[_Page]] = defaultdict(list)
        for page in pages:
            children[page.path[:-1]].append(page)
            by_target[page.target].append(page)
        canonical = {
            target: min(group, key=lambda p: (len(p.path), p.path_str))
            for target, group in by_target.items()
        }
        docs: list[ItemDoc] = []
        member_paths: set[str] = set()
        for page in pages:
            try:
                docs.append(self.document(page, children.get(page.path, [])))
                if canonical[page.target] is page:
                    for member in self.members(page):
                        if member.path not in member_paths:
                            member_paths.add(member.path)
                            docs.append(member)
            except (KeyError, TypeError, AttributeError, ValueError, IndexError):
                log.warning(
                    "skipping %s: unexpected rustdoc JSON shape", page.path_str, exc_info=True
                )
        return docs

    def document(self, page: _Page, children: list[_Page]) -> ItemDoc:
        item = self.index[page.target]
        kind, payload = self.kind(page.target)
        signature = self.sig.declaration(item, kind, payload, name=page.path[-1])
        if "#[non_exhaustive]" in self.attrs(page.target) and kind in ("struct", "enum"):
            signature = "#[non_exhaustive]\n" + signature
        if kind == "module":
            sections = self.module_sections(page, children)
        elif kind in ("struct", "union", "enum"):
            sections = self.type_sections(kind, payload)
        elif kind == "trait":
            sections = self.trait_sections(payload)
        else:
            sections = []
        return self._item_doc(page, kind, item, signature, page.cfgs, sections)

    def _item_doc(
        self,
        page: _Page,
        kind: str,
        item: Mapping[str, Any],
        signature: str,
        cfgs: tuple[Cfg, ...],
        sections: list[tuple[str, str]],
        *,
        path: str | None = None,
        url: str | None = None,
    ) -> ItemDoc:
        path = path or page.path_str
        features, available = _availability(cfgs)
        deprecated = _deprecation(item)
        docs = clean_docs(item.get("docs"))
        parts = [f"# {kind} {path}", f"```rust\n{signature}\n```"]
        if available:
            parts.append(available)
        if deprecated:
            parts.append(f"> **Deprecated**: {deprecated}")
        if docs:
            parts.append(docs)
        parts += [f"## {title}\n\n{body}" for title, body in sections if body]
        return ItemDoc(
            path=path,
            kind=kind,
            name=path.rsplit("::", 1)[-1],
            signature=signature,
            docs=docs,
            content="\n\n".join(parts),
            url=url or page.url,
            deprecated=deprecated,
            features=features,
        )

    # ---------------------------------------------------------------- sections

    def module_sections(self, page: _Page, children: list[_Page]) -> list[tuple[str, str]]:
        self.entries(page.target)
        reexports = [
            _use_line(self.kind(u)[1])
            for u in self._module_uses.get(page.target, [])
            if u not in self._produced
        ]
        items = []
        for child in sorted(children, key=lambda p: (_KIND_ORDER.get(p.kind, 99), p.path[-1])):
            summary = _summary(clean_docs(self.index[child.target].get("docs")))
            line = f"- {child.kind} `{child.path[-1]}`"
            items.append(line + (f" — {summary}" if summary else ""))
        return [("Re-exports", "\n".join(reexports)), ("Items", "\n".join(items))]

    def type_sections(self, kind: str, payload: Any) -> list[tuple[str, str]]:
        payload = payload if isinstance(payload, dict) else {}
        sections = []
        if kind == "enum":
            sections.append(("Variants", self._variants(payload)))
        else:
            sections.append(("Fields", self._fields(payload)))
        members = [m for impl in self._impls(payload, "inherent") for m in self._impl_members(impl)]
        for title, member_kind in (
            ("Associated Constants", "assoc_const"),
            ("Associated Types", "assoc_type"),
            ("Methods", "function"),
        ):
            chosen = [m for m in members if self.kind(m)[0] == member_kind]
            sections.append((title, self._member_list(chosen, vis="pub ")))
        for title, which in (
            ("Trait Implementations", "trait"),
            ("Auto Trait Implementations", "auto"),
        ):
            sections.append((title, self._impl_list(self._impls(payload, which))))
        return sections

    def _impl_list(self, impl_keys: Iterable[str]) -> str:
        """Bullet lines of impl headers, ordered by trait name like rustdoc."""
        impls = [self.kind(impl_key)[1] for impl_key in impl_keys]
        ordered = sorted((self.sig.trait_name(i), self.sig.impl_header(i)) for i in impls)
        return "\n".join(f"- `{header}`" for _, header in ordered)

    def _fields(self, payload: Mapping[str, Any]) -> str:
        shape, field_keys = self.sig.struct_fields(payload)
        lines = []
        for position, field_key in enumerate(field_keys):
            if not field_key or not self.index.get(field_key):
                continue
            field = self.index[field_key]
            ty = self.sig.type(self.kind(field_key)[1])
            name = position if shape == "tuple" else field.get("name", "_")
            para = _one_line(_first_paragraph(clean_docs(field.get("docs"))))
            lines.append(f"- `{name}: {ty}`" + (f" — {para}" if para else ""))
        return "\n".join(lines)

    def _variants(self, payload: Mapping[str, Any]) -> str:
        lines = []
        for variant in payload.get("variants") or ():
            variant_key = key(variant)
            text = self.sig.variant(variant_key, multiline=False)
            docs = clean_docs((self.index.get(variant_key) or {}).get("docs"))
            para = _one_line(_first_paragraph(docs))
            lines.append(f"- `{text}`" + (f" — {para}" if para else ""))
        return "\n".join(lines)

    def _impls(self, payload: Mapping[str, Any], which: str = "trait") -> Iterator[str]:
        """Impl blocks of a type: `inherent`, `trait` (not blanket) or `auto` (synthetic)."""
        for impl in payload.get("impls") or ():
            impl_key = key(impl)
            kind, impl_payload = self.kind(impl_key)
            if kind != "impl" or not isinstance(impl_payload, dict):
                continue
            if "hidden" in _doc_flags(self.attrs(impl_key)):
                continue
            synthetic = impl_payload.get("is_synthetic", impl_payload.get("synthetic"))
            blanket = impl_payload.get("blanket_impl", impl_payload.get("blanket"))
            has_trait = isinstance(impl_payload.get("trait"), dict)
            actual = "auto" if synthetic else "blanket" if blanket else "trait"
            if (which == "inherent" and not has_trait) or (has_trait and actual == which):
                yield impl_key

    def _impl_members(self, impl_key: str) -> Iterator[str]:
        for member in self.kind(impl_key)[1].get("items") or ():
            if self.visible(key(member)):
                yield key(member)

    def _member_list(self, member_keys: list[str], *, vis: str) -> str:
        blocks = []
        for member_key in member_keys:
            member = self.index[member_key]
            sig = self.sig.member(member, vis=vis, multiline=False)
            para = _first_paragraph(clean_docs(member.get("docs")))
            blocks.append(f"### `{sig}`" + (f"\n\n{para}" if para else ""))
        return "\n\n".join(blocks)

    def trait_sections(self, payload: Any) -> list[tuple[str, str]]:
        payload = payload if isinstance(payload, dict) else {}
        groups: dict[str, list[str]] = defaultdict(list)
        for member in payload.get("items") or ():
            member_key = key(member)
            if member_key in self.index and "hidden" not in _doc_flags(self.attrs(member_key)):
                groups[_trait_member_group(self.kind(member_key))].append(member_key)
        sections = [
            (title, self._member_list(groups[title], vis=""))
            for title in (
                "Required Associated Types",
                "Provided Associated Types",
                "Required Associated Constants",
                "Provided Associated Constants",
                "Required Methods",
                "Provided Methods",
            )
        ]
        if payload.get("is_dyn_compatible", payload.get("is_object_safe")) is False:
            sections.append(("Dyn Compatibility", "This trait is not dyn compatible."))
        impls: dict[bool, list[str]] = {True: [], False: []}
        for impl in payload.get("implementations") or ():
            impl_kind, impl_payload = self.kind(key(impl))
            if impl_kind == "impl" and not as_dict(impl_payload).get("is_synthetic"):
                impls[self._is_local_type(impl_payload.get("for"))].append(key(impl))
        sections.append(("Implementations on Foreign Types", self._impl_list(impls[False])))
        sections.append(("Implementors", self._impl_list(impls[True])))
        return sections

    def _is_local_type(self, ty: Any) -> bool:
        """rustdoc's split of implementors: generic or this crate's types vs foreign ones."""
        if not isinstance(ty, dict) or len(ty) != 1:
            return True
        tag, val = next(iter(ty.items()))
        if tag == "borrowed_ref":
            return self._is_local_type(as_dict(val).get("type"))
        if tag == "resolved_path":
            summary = self.sig.summary(as_dict(val).get("id"))
            return summary.get("crate_id", 0) == 0
        return tag == "generic"

    # ----------------------------------------------------------------- members

    def members(self, page: _Page) -> Iterator[ItemDoc]:
        """Method / associated item documents of a type or trait page."""
        payload = self.kind(page.target)[1]
        if not isinstance(payload, dict):
            return
        if page.kind == "trait":
            for member in payload.get("items") or ():
                member_key = key(member)
                if member_key in self.index and "hidden" not in _doc_flags(self.attrs(member_key)):
                    group = _trait_member_group(self.kind(member_key))
                    yield self._member_doc(page, member_key, page.cfgs, vis="", group=group)
        elif page.kind in ("struct", "enum", "union"):
            for impl_key in self._impls(payload, "inherent"):
                cfgs = page.cfgs + _cfgs_of(self.attrs(impl_key))
                for member_key in self._impl_members(impl_key):
                    yield self._member_doc(page, member_key, cfgs, vis="pub ", group="")

    def _member_doc(
        self, page: _Page, member_key: str, cfgs: tuple[Cfg, ...], *, vis: str, group: str
    ) -> ItemDoc:
        member = self.index[member_key]
        kind = self.kind(member_key)[0]
        name = str(member.get("name") or "_")
        doc_kind = {"function": "method"}.get(kind, kind)
        anchor = {
            "function": "tymethod" if group == "Required Methods" else "method",
            "assoc_const": "associatedconstant",
            "assoc_type": "associatedtype",
        }.get(kind, kind)
        signature = self.sig.member(member, vis=vis, multiline=True)
        return self._item_doc(
            page,
            doc_kind,
            member,
            signature,
            cfgs + _cfgs_of(self.attrs(member_key)),
            [],
            path=f"{page.path_str}::{name}",
            url=f"{page.url}#{anchor}.{name}",
        )


def _trait_member_group(kind_payload: tuple[str, Any]) -> str:
    """rustdoc's trait page section for a trait item."""
    kind, payload = kind_payload
    payload = payload if isinstance(payload, dict) else {}
    if kind == "function":
        return "Provided Methods" if payload.get("has_body") else "Required Methods"
    if kind == "assoc_const":
        provided = payload.get("value", payload.get("default")) is not None
        return ("Provided" if provided else "Required") + " Associated Constants"
    if kind == "assoc_type":
        provided = payload.get("type", payload.get("default")) is not None
        return ("Provided" if provided else "Required") + " Associated Types"
    return "Other"


def _use_line(payload: Any) -> str:
    payload = payload if isinstance(payload, dict) else {}
    source = str(payload.get("source") or "_")
    if payload.get("is_glob", payload.get("glob")):
        return f"- `pub use {source}::*;`"
    name = payload.get("name")
    if name and name != source.rsplit("::", 1)[-1]:
        return f"- `pub use {source} as {name};`"
    return f"- `pub use {source};`"
