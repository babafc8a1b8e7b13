"""Text measures shared by storage and search: identifier words and token counts."""

from __future__ import annotations

import re

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SEGMENT = re.compile(r"[A-Za-z0-9_]+")
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def identifier_words(text: str) -> list[str]:
    """Lower-cased words of Rust identifiers, whole and split.

    `serde::de::DeserializeOwned` gives serde, de, deserializeowned, deserialize,
    owned — so both `DeserializeOwned` and "deserialize owned" find the item.
    """
    words: list[str] = []
    for segment in _SEGMENT.findall(text):
        words.append(segment.lower())
        parts = [p.lower() for piece in segment.split("_") for p in _CAMEL.findall(piece)]
        if len(parts) > 1:
            words.extend(parts)
    return list(dict.fromkeys(words))


def token_count(text: str) -> int:
    """An estimate of LLM tokens: words and punctuation marks, each counted once.

    Close to BPE tokenisers on code and prose, with no model download.
    """
    return len(_TOKEN.findall(text))
