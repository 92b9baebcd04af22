"""Finding a claim by what staff (or a provider) have in hand: claim id, invoice number, member CIN,
member name, billing provider NPI.

Each claim carries one small SEARCH#{term} item per searchable term in its own item collection,
written in the claim's transaction (so a claim is findable exactly when it is stored). Each of these
items also holds the claim's whole term list as one string (`search_text`, " TERM1 TERM2 ..."). Two
sparse global secondary indexes project it, so a search never reads a claim to match its words:

    by_search           HASH search_shard (the term's first 2 characters), RANGE search_sort
    by_provider_search  HASH search_provider (the billing NPI),             RANGE search_sort

`search_sort` is `{term}#{claim_id}`, so `begins_with(search_sort, word)` finds every term that starts
with what was typed ("BHP-2026" finds invoice BHP-2026-0415). A search of several words reads one word
from the index (the rarest it finds by a short probe, else the longest) and DynamoDB checks the other
words on the same entries with `contains(search_text, " WORD")` (a term starting with WORD): only the
claims matching every word come back, and only the page returned is read from the claims' headers.
A provider's search only ever reads its own partition of by_provider_search: it cannot find another
provider's claim, whatever it types.
Terms are upper-case letters and digits only, accents folded, so "bhp2026", "BHP-2026" and "BHP/2026" are
the same word and "garcia" finds García; an entry of several words ("BHP 2026") is also read as one term.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

SEARCH_PREFIX = "SEARCH#"
SHARD_CHARACTERS = 2
MIN_WORD = 2  # a shorter word would have to read a whole shard
MAX_TERM = 64
MAX_PROBED_WORDS = 3  # words of a several-word search probed for the rarest; any further word is only checked
PROBE_READS = 200  # index entries one probe reads: a word with fewer is read whole and is the one read
SEARCHED_ELEMENTS = ("invoice_number", "member_cin", "billing_provider_npi", "member_last_name", "member_first_name")
NAME_ELEMENTS = ("member_last_name", "member_first_name")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]+")
_WORD_BREAK = re.compile(r"[\s,;]+")  # not "/": invoice numbers hold slashes (WF/00496/26)


def normalize(text: Any) -> str:
    """Upper-case letters and digits only, accents folded (García is found by GARCIA): how terms are
    stored and words are compared."""
    folded = unicodedata.normalize("NFKD", str(text).upper())  # Í -> I and a combining accent, dropped next
    return _NOT_ALPHANUMERIC.sub("", folded)[:MAX_TERM]


def whole_entry(query: str) -> str | None:
    """The entry read as one term, for an entry of several words: an invoice number typed with spaces
    ("BHP 2026 0415") is found as BHP20260415 as well as by its words."""
    words = [part for part in _WORD_BREAK.split(query or "") if normalize(part)]
    whole = normalize(query)
    return whole if len(words) > 1 and len(whole) >= MIN_WORD else None


def query_words(query: str) -> list[str]:
    """The words of a search box entry, normalized, longest first (the longest is read from the index)."""
    words = {normalize(part) for part in _WORD_BREAK.split(query or "")}
    return sorted((w for w in words if len(w) >= MIN_WORD), key=lambda w: (-len(w), w))


def search_terms(claim_id: str, elements: dict[str, Any]) -> list[str]:
    """Every term the claim can be found by: its id, invoice, CIN, NPI, and each part of the member's name."""
    values: list[Any] = [claim_id] + [elements.get(name) for name in SEARCHED_ELEMENTS]
    for name in NAME_ELEMENTS:  # "Garcia-Lopez" is found by GARCIALOPEZ, GARCIA and LOPEZ
        values.extend(re.split(r"[\s\-']+", str(elements.get(name) or "")))
    terms = {normalize(value) for value in values if value}
    return sorted(term for term in terms if len(term) >= MIN_WORD)


def readings(query: str) -> list[list[str]]:
    """The ways an entry is read, each a list of words a claim must all match: the entry as one term (for
    several words), then its words."""
    whole = whole_entry(query)
    return ([[whole]] if whole else []) + [query_words(query)]


def search_text(terms: Iterable[str]) -> str:
    """A claim's terms as one string, each after a space: `contains(search_text, " " + word)` is true exactly
    when one of the terms starts with the word (terms hold letters and digits only)."""
    return "".join(f" {term}" for term in terms)


def terms_of(text: str) -> list[str]:
    return text.split()


def search_items(claim_id: str, provider_npi: str | None, terms: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The SEARCH# items of one claim, by sort key (the store puts them in the claim's collection)."""
    terms = list(terms)
    text = search_text(terms)
    items = {}
    for term in terms:
        item = {
            "sk": f"{SEARCH_PREFIX}{term}",
            "claim_id": claim_id,
            "search_text": text,
            "search_shard": term[:SHARD_CHARACTERS],
            "search_sort": f"{term}#{claim_id}",
        }
        if provider_npi:
            item["search_provider"] = str(provider_npi)
        items[item["sk"]] = item
    return items


def first_match(terms: Iterable[str], word: str) -> str | None:
    """The smallest of a claim's terms starting with `word`: the index entry a claim is reported from
    (the index is in term order), so a claim found by two of its terms is listed once."""
    return min((term for term in terms if term.startswith(word)), default=None)


def matches_all(terms: Iterable[str], words: Iterable[str]) -> bool:
    """Every word starts one of the claim's terms ("rosa quin" finds Rosalind Quintero)."""
    terms = list(terms)
    return all(any(term.startswith(word) for term in terms) for word in words)
