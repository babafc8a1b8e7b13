"""Searching and reading stored documentation: plain async query functions, session first.

Search is PostgreSQL's own full-text search (no extension), in two stages:

1. Candidates: items whose name is the identifier asked for, whose own words
   (`search_summary`: path words and the first paragraph of the docs) contain the
   query's words, or whose whole document contains them all. Tiers go from strict
   to loose (every word, half of them, any) and stop at the first that yields a
   full pool, so a large library only ranks the best few thousand rows.
2. Ranking of that pool: the share of words in the item's path and summary, exact
   name and path matches, then the whole document's rank and coverage (`search`),
   and how well the item's name spells the query ("replace all" → `replace_all`).

Identifiers (`Version::parse`, `deserialize_any`) match by name and path; prose
("how do I parse a version requirement") by stemmed words without stop words.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.ext.asyncio import AsyncSession

from cratedex.errors import InvalidInput, NotFound
from cratedex.items import ITEM_KINDS
from cratedex.models import RUST, Document, DocumentSource
from cratedex.store import stored_versions
from cratedex.text import identifier_words
from cratedex.validation import version_key

MAX_LIMIT = 50
MAX_QUERY_WORDS = 6
SNIPPET_CHARS = 300
#: Candidates ranked in full; a tier that yields this many ends the search for more.
POOL = 20
#: Prose words of five letters or more may appear in paths as their first 3 to 6
#: letters, the way Rust abbreviates (`req`, `init`, `iter`, `buf`, `alloc`).
MIN_ABBREVIATED = 5
MIN_ABBREVIATION = 3
MAX_ABBREVIATION = 6

#: Score parts, each in [0, 1] before its weight: shares of the query's words found
#: in the item's path and summary, in its path alone, and anywhere in the document.
SUMMARY_SHARE_WEIGHT = 1.0
PATH_SHARE_WEIGHT = 0.5
DOCUMENT_SHARE_WEIGHT = 1.0
#: The whole document's ts_rank_cd, path words (A) five times the text (B),
#: normalised by 1 + log(length) so long module pages do not win on repetition,
#: then scaled into [0, 1).
RANK_WEIGHTS = [0.0, 0.0, 0.2, 1.0]
RANK_NORMALIZATION = 1 | 32
#: F1 of the item name's words against the query's words.
NAME_WORDS_WEIGHT = 1.0
#: Bonuses for identifiers: the whole path, a `::` suffix of it, or the name.
EXACT_PATH_BONUS = 3.0
PATH_SUFFIX_BONUS = 2.0
NAME_BONUS = 1.0
#: A small preference for items over members and modules when everything else ties.
KIND_BONUS = {"module": 0.0, "assoc_type": 0.05, "assoc_const": 0.05}
ITEM_KIND_BONUS = 0.1

_docs = Document.__table__
_sources = DocumentSource.__table__
_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:::[A-Za-z0-9_]+)*")
_PART = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class SearchHit:
    crate_name: str
    version: str
    path: str
    kind: str
    signature: str
    snippet: str
    url: str
    score: float


@dataclass(frozen=True, slots=True)
class ItemPage:
    crate_name: str
    version: str
    path: str
    kind: str
    url: str
    content: str
    truncated: bool
    total_chars: int
    offset: int
    next_offset: int | None


class ItemNotFound(NotFound):
    """No stored item matches the path; `suggestions` are the closest stored paths."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()):
        self.suggestions = list(suggestions)
        if self.suggestions:
            message = f"{message}. Closest paths: {', '.join(self.suggestions)}"
        super().__init__(message)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    identifier: bool


@dataclass(frozen=True, slots=True)
class Term:
    """One query word: its lexemes (as written, and stemmed) and the abbreviations it
    may appear as in a path (`req` for "requirement", `init` for "initialize")."""

    lexemes: tuple[str, ...]
    abbreviations: tuple[str, ...] = ()

    def operand(self, weights: str = "", *, abbreviated: bool = True) -> str:
        """A tsquery operand: a lexeme (at `weights` only, if given) or an abbreviation
        in the path."""
        suffix = f":{weights}" if weights else ""
        alternatives = [f"'{lexeme}'{suffix}" for lexeme in self.lexemes]
        if abbreviated:
            alternatives += [f"'{short}':A" for short in self.abbreviations]
        return "(" + " | ".join(alternatives) + ")"


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What a search query asks for, in the terms the SQL needs."""

    terms: tuple[Term, ...]
    path: str | None  # a lower-cased path to match whole or as a `::` suffix
    names: tuple[str, ...]  # lower-cased identifiers to match item names exactly
    name_words: frozenset[str]  # prose words, stems and stop words that may spell a name
    prose_words: int  # how many words of prose the query has, stop words included


def _tokens(query: str) -> list[_Token]:
    """The query's words and paths; identifiers are told apart by their Rust spelling.

    `Version::parse`, `deserialize_any`, `OnceCell` and a capitalised word after the
    first are identifiers, and so is a query of one word; the rest is prose.
    """
    found = _TOKEN.findall(query)
    tokens = []
    for index, text in enumerate(found):
        identifier = (
            len(found) == 1
            or "::" in text
            or "_" in text.strip("_")
            or any(c.isupper() for c in text[1:])
            or (index > 0 and len(text) > 1 and text[0].isupper())
        )
        tokens.append(_Token(text, identifier))
    return tokens


def _parts(tokens: Sequence[_Token]) -> list[tuple[str, bool]]:
    """Lower-cased words as PostgreSQL's parser splits them (at `::` and `_`), deduplicated."""
    parts: dict[str, bool] = {}
    for token in tokens:
        for part in _PART.findall(token.text):
            parts[part.lower()] = parts.get(part.lower(), False) or token.identifier
    return list(parts.items())


async def _stems(session: AsyncSession, words: Sequence[str]) -> dict[str, str | None]:
    """Each word's English stem, or None for a stop word, from PostgreSQL's own stemmer."""
    result = await session.execute(
        sa.text(
            "SELECT w, (ts_lexize('english_stem', w))[1] FROM unnest(CAST(:words AS text[])) AS w"
        ),
        {"words": list(words)},
    )
    return {word: stem for word, stem in result.all()}


def _term(word: str, stem: str | None, *, identifier: bool) -> Term:
    """Identifiers match as written or stemmed; prose words also as an abbreviation."""
    lexemes = tuple(dict.fromkeys([word, stem] if stem else [word]))
    if identifier or len(word) < MIN_ABBREVIATED:
        return Term(lexemes)
    ends = range(MIN_ABBREVIATION, min(len(word), MAX_ABBREVIATION + 1))
    return Term(lexemes, tuple(word[:end] for end in ends if word[:end] not in lexemes))


async def parse_query(session: AsyncSession, query: str) -> ParsedQuery:
    """Split a query into full-text terms, a path and names.

    Stop words are dropped from prose ("how do I") but kept inside identifiers
    (`deserialize_any`); a query of nothing but stop words searches for them.
    """
    tokens = _tokens(query)
    parts = _parts(tokens)
    if not parts:
        raise InvalidInput("query has no words to search for")
    stems = await _stems(session, [part for part, _ in parts])
    kept = [(p, i) for p, i in parts if i or stems.get(p)] or [(p, True) for p, _ in parts]
    identifiers = [t.text.lower() for t in tokens if t.identifier]
    paths = [t for t in identifiers if "::" in t] or identifiers[:1]
    prose = [p for p, identifier in parts if not identifier]
    return ParsedQuery(
        terms=tuple(_term(p, stems.get(p), identifier=i) for p, i in kept[:MAX_QUERY_WORDS]),
        path=paths[0] if len(paths) == 1 else None,
        names=tuple(dict.fromkeys(t.rsplit("::", 1)[-1] for t in identifiers)),
        name_words=frozenset([*prose, *(stems[p] for p in prose if stems.get(p))]),
        prose_words=len(prose),
    )


def _groups(terms: Sequence[Term], needed: int, *, abbreviated: bool = True) -> list[str]:
    """Conjunctions of `needed` of the terms, one per choice of terms: a document that
    matches any of them contains at least `needed` terms.

    Each is matched on its own because a GIN index answers a conjunction fast (its
    rarest word bounds the work) but a disjunction of many only by testing every
    document that contains any of their words.
    """
    operands = [term.operand(abbreviated=abbreviated) for term in terms]
    return [" & ".join(group) for group in combinations(operands, min(needed, len(operands)))]


def _at_least(terms: Sequence[Term], needed: int, *, abbreviated: bool = True) -> str:
    """One tsquery matching documents that contain at least `needed` of the terms."""
    groups = _groups(terms, needed, abbreviated=abbreviated)
    return " | ".join(f"({group})" for group in groups)


def _tiers(parsed: ParsedQuery) -> Iterator[int | None]:
    """How many of the terms a candidate's own words must contain, strictest first;
    None stands for name matches alone, tried first for identifiers."""
    if parsed.names:
        yield None
    count = len(parsed.terms)
    yield from dict.fromkeys([count, math.ceil(count / 2), 1])


# --------------------------------------------------------------------------- search


def _tsquery(text: str) -> Any:
    return sa.cast(sa.literal(text, sa.Text), pg.TSQUERY)


def _matches(column: Any, query: str) -> Any:
    return column.op("@@")(_tsquery(query))


def _share(column: Any, terms: Sequence[Term], weights: str = "") -> Any:
    """The share of the query's terms `column` contains (at `weights`), in [0, 1]."""
    matched = [sa.case((_matches(column, term.operand(weights)), 1.0), else_=0.0) for term in terms]
    return sum(matched, sa.literal(0.0)) / len(terms)


def _candidate_score(parsed: ParsedQuery) -> Any:
    """The first-stage score, cheap enough for thousands of rows: the item's own words
    (its small `search_summary`), name and path matches and its kind."""
    summary = _docs.c.search_summary
    path, name = sa.func.lower(_docs.c.doc_path), sa.func.lower(_docs.c.name)
    score: Any = (
        SUMMARY_SHARE_WEIGHT * _share(summary, parsed.terms)
        + PATH_SHARE_WEIGHT * _share(summary, parsed.terms, "A")
        + sa.case(
            *((_docs.c.kind == kind, value) for kind, value in KIND_BONUS.items()),
            else_=ITEM_KIND_BONUS,
        )
    )
    if parsed.path:
        suffix = f"::{parsed.path}"
        score += sa.case(
            (path == parsed.path, EXACT_PATH_BONUS),
            (sa.func.right(path, len(suffix)) == suffix, PATH_SUFFIX_BONUS),
            else_=0.0,
        )
    if parsed.names:
        score += sa.case((name.in_(parsed.names), NAME_BONUS), else_=0.0)
    return score


def _candidates(parsed: ParsedQuery, needed: int | None) -> Any:
    """The rows a tier considers: name matches, and for `needed` terms the items whose
    own words contain that many, or whose whole document contains every term."""
    found = []
    if parsed.names:
        found.append(sa.func.lower(_docs.c.name).in_(parsed.names))
    if needed is not None:
        summary = _docs.c.search_summary
        found += [_matches(summary, g) for g in _groups(parsed.terms, needed, abbreviated=False)]
        if len(parsed.terms) > 1:
            [every] = _groups(parsed.terms, len(parsed.terms), abbreviated=False)
            found.append(_matches(_docs.c.search, every))
    return sa.or_(*found)


def _filters(crate_name: str | None, version: str | None, kind: str | None) -> list[Any]:
    """Enabled crates only; their default version unless one is asked for."""
    filters = [
        _docs.c.doc_type == RUST,
        _sources.c.enabled,
        _docs.c.version == (version if version else _sources.c.current_version),
    ]
    if crate_name:
        filters.append(_docs.c.source_name == crate_name)
    if kind:
        filters.append(_docs.c.kind == kind)
    return filters


def _ranked(parsed: ParsedQuery, needed: int | None, filters: list[Any]) -> Any:
    """The tier's best `POOL` candidates by the first-stage score, then scored with the
    whole document's rank and coverage as well, best first."""
    first = _candidate_score(parsed).label("first")
    pool = (
        sa.select(_docs.c.id, first)
        .join(
            _sources,
            sa.and_(
                _sources.c.doc_type == _docs.c.doc_type,
                _sources.c.source_name == _docs.c.source_name,
            ),
        )
        .where(_candidates(parsed, needed), *filters)
        .order_by(first.desc(), sa.func.length(_docs.c.doc_path), _docs.c.doc_path)
        .limit(POOL)
        .subquery()
    )
    rank = sa.func.ts_rank_cd(
        sa.literal(RANK_WEIGHTS, pg.ARRAY(sa.REAL)),
        _docs.c.search,
        _tsquery(_at_least(parsed.terms, len(parsed.terms), abbreviated=False)),
        RANK_NORMALIZATION,
    )
    score = pool.c.first + rank + DOCUMENT_SHARE_WEIGHT * _share(_docs.c.search, parsed.terms)
    return sa.select(
        _docs.c.source_name,
        _docs.c.version,
        _docs.c.doc_path,
        _docs.c.name,
        _docs.c.kind,
        _docs.c.metadata,
        sa.func.left(_docs.c.content, 4000).label("head"),
        (sa.func.octet_length(_docs.c.content) - sa.func.octet_length(_docs.c.doc_path)).label(
            "body"
        ),
        score.label("score"),
    ).join(pool, pool.c.id == _docs.c.id)


def name_match(name: str, words: frozenset[str], query_words: int) -> float:
    """How well an item's name spells the query's prose, as F1 over words: the share
    of the name's words (`replace_all`: replace, all) among `words`, and the share of
    the query's `query_words` words that the name accounts for."""
    whole, *parts = identifier_words(name)
    parts = parts or [whole]
    covered = sum(part in words for part in parts)
    return 2 * covered / (len(parts) + query_words)


def _best_first(parsed: ParsedQuery, rows: Sequence[Any]) -> list[tuple[float, Any]]:
    """Rows with their final score, best first; ties go to the shorter path."""

    def final(row: Any) -> float:
        if not parsed.prose_words:
            return row.score
        spelled = name_match(row.name, parsed.name_words, parsed.prose_words)
        return row.score + NAME_WORDS_WEIGHT * spelled

    scored = [(final(row), row) for row in rows]
    return sorted(scored, key=lambda pair: (-pair[0], len(pair[1].doc_path), pair[1].doc_path))


def _distinct(scored: Sequence[tuple[float, Any]]) -> list[tuple[float, Any]]:
    """One row per item: a re-export (`serde::de::Deserialize` and `serde::Deserialize`)
    is stored at each path with the same signature and body, which only the path in
    its heading tells apart; the better-ranked path stays."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for score, row in scored:
        signature = (row.metadata or {}).get("signature")
        key = (row.source_name, row.version, row.kind, row.name, signature, row.body)
        if key not in seen:
            seen.add(key)
            kept.append((score, row))
    return kept


_NOT_PROSE = ("#", "```", "- ", "* ", "|", "<", "[![", "> **Deprecated", "Available on ")
_LINK_DEFINITION = re.compile(r"\[[^\]]+\]:\s")


def _is_prose(paragraph: str) -> bool:
    """Whether a Markdown paragraph is a sentence of docs, not a heading, code, list,
    badge, link definition or the feature and deprecation notes."""
    return bool(paragraph) and not (
        paragraph.startswith(_NOT_PROSE) or _LINK_DEFINITION.match(paragraph)
    )


def snippet(content: str, limit: int = SNIPPET_CHARS) -> str:
    """The first paragraph of an item's docs, on one line and at most `limit` characters."""
    in_code = False
    for block in content.split("\n\n"):
        stripped = block.strip()
        fences = stripped.count("```")
        if in_code or stripped.startswith("```"):
            in_code = in_code != (fences % 2 == 1)
            continue
        if _is_prose(stripped):
            text = " ".join(stripped.split())
            return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""


def _hit(score: float, row: Any) -> SearchHit:
    metadata = row.metadata or {}
    return SearchHit(
        crate_name=row.source_name,
        version=row.version,
        path=row.doc_path,
        kind=row.kind,
        signature=metadata.get("signature") or "",
        snippet=snippet(row.head),
        url=metadata.get("url") or "",
        score=round(float(score), 4),
    )


def _check_search_args(query: str, kind: str | None, limit: int) -> None:
    if not query or not query.strip():
        raise InvalidInput("query must not be empty")
    if kind is not None and kind not in ITEM_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(sorted(ITEM_KINDS))}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")


async def search_docs(
    session: AsyncSession,
    *,
    query: str,
    crate_name: str | None = None,
    version: str | None = None,
    kind: str | None = None,
    limit: int = 5,
) -> list[SearchHit]:
    """The `limit` best items for `query` across enabled crates, best first.

    Each crate's current version is searched unless `version` is given; `crate_name`
    and `kind` narrow the search. A crate that is not stored raises `NotFound`.
    """
    _check_search_args(query, kind, limit)
    parsed = await parse_query(session, query)
    filters = _filters(crate_name, version, kind)
    rows: Sequence[Any] = []
    for needed in _tiers(parsed):
        rows = (await session.execute(_ranked(parsed, needed, filters))).all()
        if len(rows) >= POOL:
            break
    hits = _distinct(_best_first(parsed, rows))[:limit]
    if not hits and crate_name:
        await _require_crate(session, crate_name, version)
    return [_hit(score, row) for score, row in hits]


async def _require_crate(session: AsyncSession, crate_name: str, version: str | None) -> None:
    """Raise `NotFound` when the crate (or version) searched in is not stored at all."""
    await _current_version(session, crate_name)
    if version:
        await _require_version(session, crate_name, version)


# --------------------------------------------------------------------------- get_item


async def _current_version(session: AsyncSession, crate_name: str) -> str:
    """The crate's default version; `NotFound` when it is not stored or was removed."""
    row = (
        await session.execute(
            sa.select(_sources.c.enabled, _sources.c.current_version).where(
                _sources.c.doc_type == RUST, _sources.c.source_name == crate_name
            )
        )
    ).one_or_none()
    if row is None or not row.enabled or row.current_version is None:
        raise NotFound(f"crate {crate_name!r} is not in the library; ingest it first")
    return row.current_version


async def _require_version(session: AsyncSession, crate_name: str, version: str) -> None:
    versions = await stored_versions(session, crate_name=crate_name)
    if version not in versions:
        stored = ", ".join(sorted(versions, key=version_key)) or "none"
        raise NotFound(f"{crate_name} {version} is not stored (stored versions: {stored})")


def _significant(path: str) -> list[str]:
    """The segments that name the item itself, lower-cased: its type or trait and its
    own name. The other segments are modules, which re-exports add or drop."""
    *parents, own = path.split("::")
    return [p.lower() for p in parents if p[:1].isupper()] + [own.lower()]


def _shortest_first(paths: Sequence[str]) -> list[str]:
    return sorted(paths, key=lambda path: (len(path), path))


def resolve_path(requested: str, crate_ident: str, candidates: Sequence[str]) -> str | list[str]:
    """The stored path `requested` means, among `candidates` (the paths with its name).

    Tried in order: exact; case-insensitive; with the crate prefix added; as a `::`
    suffix; then the same type and name under other modules (re-exports,
    `regex::bytes::Regex` for `regex::Regex`). Returns the path, or the candidates
    that fit equally well when the request is ambiguous (maybe none).
    """
    if requested in candidates:
        return requested
    by_lower: dict[str, str] = {}
    for candidate in _shortest_first(candidates):
        by_lower.setdefault(candidate.lower(), candidate)
    wanted = requested.lower()
    prefix = f"{crate_ident.lower()}::"
    for form in (wanted, prefix + wanted):
        if form in by_lower:
            return by_lower[form]
    bare = wanted.removeprefix(prefix)
    suffixed = [c for c in candidates if c.lower().endswith(f"::{bare}")]
    alike = suffixed or [c for c in candidates if _significant(c) == _significant(requested)]
    if len({tuple(_significant(c)) for c in alike}) != 1:
        return _shortest_first(alike)
    segments = set(wanted.split("::"))
    return min(alike, key=lambda c: (-len(segments & set(c.lower().split("::"))), len(c), c))


def _clean_path(path: str) -> str:
    """`Version::parse()`, `bail!` and `::serde::Serialize` as the stored paths spell them."""
    cleaned = "".join(path.split()).removesuffix("()").removesuffix("!").removeprefix("::")
    if not cleaned:
        raise InvalidInput("path must not be empty")
    return cleaned


async def _paths_named(
    session: AsyncSession, crate_name: str, version: str, name: str
) -> list[str]:
    result = await session.execute(
        sa.select(_docs.c.doc_path).where(
            _docs.c.doc_type == RUST,
            _docs.c.source_name == crate_name,
            _docs.c.version == version,
            sa.func.lower(_docs.c.name) == name.lower(),
        )
    )
    return list(result.scalars())


async def _closest(
    session: AsyncSession, crate_name: str, version: str, requested: str
) -> list[str]:
    """Up to five stored paths of that release closest to `requested` by difflib: as a
    whole path, or else by the item's name alone."""
    result = await session.execute(
        sa.select(_docs.c.doc_path).where(
            _docs.c.doc_type == RUST,
            _docs.c.source_name == crate_name,
            _docs.c.version == version,
        )
    )
    paths = {path.lower(): path for path in result.scalars()}
    if not paths:
        await _require_version(session, crate_name, version)
    prefix = f"{crate_name.replace('-', '_').lower()}::"
    wanted = requested.lower()
    wanted = wanted if wanted.startswith(prefix) else prefix + wanted
    close = difflib.get_close_matches(wanted, list(paths), n=5, cutoff=0.5)
    if close:
        return [paths[lowered] for lowered in close]
    by_name: dict[str, str] = {}
    for path in _shortest_first(list(paths.values())):
        by_name.setdefault(path.rsplit("::", 1)[-1].lower(), path)
    named = difflib.get_close_matches(wanted.rsplit("::", 1)[-1], list(by_name), n=5)
    return [by_name[name] for name in named]


def page_of(content: str, offset: int, max_chars: int) -> tuple[str, int | None]:
    """The part of `content` from `offset` of at most `max_chars`, and where the next
    part starts (None at the end).

    The cut falls after the last paragraph, or else line, in the second half of the
    window, so no sentence or code line is split unless a single line is that long.
    """
    rest = content[offset:]
    if len(rest) <= max_chars:
        return rest, None
    window = rest[:max_chars]
    for boundary in ("\n\n", "\n"):
        cut = window.rfind(boundary) + len(boundary)
        if cut > max_chars // 2:
            return rest[:cut], offset + cut
    return window, offset + max_chars


async def get_item(
    session: AsyncSession,
    *,
    crate_name: str,
    path: str,
    version: str | None = None,
    offset: int = 0,
    max_chars: int = 12000,
) -> ItemPage:
    """One item's whole Markdown document, `max_chars` at a time from `offset`.

    The path may leave out the crate prefix, differ in case, or name the item
    through a re-export or another module; see `resolve_path`.
    """
    if offset < 0 or max_chars < 1:
        raise InvalidInput("offset must be 0 or more and max_chars 1 or more")
    requested = _clean_path(path)
    current = await _current_version(session, crate_name)
    version = version or current
    name = requested.rsplit("::", 1)[-1]
    found = resolve_path(
        requested,
        crate_name.replace("-", "_"),
        await _paths_named(session, crate_name, version, name),
    )
    if isinstance(found, list):
        suggestions = found[:5] or await _closest(session, crate_name, version, requested)
        raise ItemNotFound(f"no item {requested!r} in {crate_name} {version}", suggestions)
    row = (
        await session.execute(
            sa.select(_docs.c.kind, _docs.c.content, _docs.c.metadata).where(
                _docs.c.doc_type == RUST,
                _docs.c.source_name == crate_name,
                _docs.c.version == version,
                _docs.c.doc_path == found,
            )
        )
    ).one()
    total = len(row.content)
    if offset > total:
        raise InvalidInput(f"offset {offset} is past the end ({total} characters)")
    content, next_offset = page_of(row.content, offset, max_chars)
    return ItemPage(
        crate_name=crate_name,
        version=version,
        path=found,
        kind=row.kind,
        url=(row.metadata or {}).get("url") or "",
        content=content,
        truncated=next_offset is not None,
        total_chars=total,
        offset=offset,
        next_offset=next_offset,
    )
