"""What a header cell says, as canonical tokens, and how well it names each element (0-1).

Providers type the same idea many ways: 'Prov Zip', 'Provider Postal Code', 'Billing Zip'; 'Client Last',
'Mbr Last Name', 'Patient Surname'. A header is lower-cased, its multi-word phrases ('date of birth',
'tax id') and words ('prov', 'mbr', 'qty', 'amt') become canonical tokens (data/header_synonyms.yaml:
phrase_tokens, word_tokens), a misspelt word is corrected to the nearest known word (rapidfuzz), and
the token set is compared with each element's phrases, canonicalized the same way:

- the words that say what kind of value a column holds (npi, date, zip, first, from...) must agree;
- a header that names a role (billing, rendering, member, payer) never maps to another role's element
  ('Member Phone' is not the provider's phone);
- otherwise the score is a weighted Dice overlap, times the spelling correction's similarity.

A numbered header ('Modifier 2', 'Dx10', 'DX B', 'Secondary Dx') keeps its number, so several columns
of one element are read in the order of their numbers, not of their columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from ..elements import all_elements

# Words that say what kind of value a column holds: a header and a phrase must agree on them.
KIND_TOKENS = frozenset(
    {
        "npi",
        "tin",
        "cin",
        "name",
        "date",
        "dob",
        "zip",
        "city",
        "state",
        "phone",
        "address",
        "amount",
        "cost",
        "rate",
        "units",
        "minutes",
        "first",
        "last",
        "from",
        "to",
        "dx",
        "modifier",
        "pos",
        "homeless",
        "mrn",
    }
)
# Words that add little: they count less in the overlap ('Invoice' and 'Invoice Number' are one column).
WEAK_TOKENS = {"provider": 0.4, "number": 0.4, "code": 0.2, "total": 0.6, "description": 0.6}
ELEMENT_ROLES = {
    "billing_provider": "billing",
    "rendering_provider": "rendering",
    "member": "member",
    "medical_record": "member",
    "payer": "payer",
    "primary_payer": "payer",
}
ORDINALS = {
    "primary": 1,
    "principal": 1,
    "secondary": 2,
    "tertiary": 3,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
}
MAX_INDEX = 12  # 'Dx 1'..'Dx 12' (the CMS-1500 holds twelve diagnoses)

_FORMAT_HINT = re.compile(r"\((mm|m)/(dd|d)/(yyyy|yy)\)|\bmm/dd/(yyyy|yy)\b|\(s\)|\(optional\)|\(required\)|\*")
_NUMBER_MARKS = re.compile(r"#|\bno\.|\bnbr\b|\bnum\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT = re.compile(r"\b([a-z]{2,})(\d{1,2})\b")
_NUMBER_WORD = re.compile(r"(?<!yes )(?<!\by )\b(no|num|nbr|nmbr)\b")
_TRAILING_INDEX = re.compile(r"\s+(\d{1,2}|[a-l])$")


def normalize_header(text: Any) -> str:
    """'CIN #' -> 'cin number'; 'Member Date of Birth (MM/DD/YYYY)' -> 'member date of birth'."""
    text = str(text).lower().replace("&", " and ")
    text = _FORMAT_HINT.sub(" ", text)
    text = _NUMBER_MARKS.sub(" number ", text)
    text = text.replace("medi-cal", "medi cal").replace("e-mail", "email")
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Vocabulary:
    phrase_pattern: re.Pattern
    phrase_map: dict[str, str]
    word_map: dict[str, str]
    stop_words: frozenset[str]
    known_words: tuple[str, ...]  # every word a header may contain, for spelling correction
    roles: frozenset[str]
    fuzzy_threshold: float


@cache
def vocabulary() -> Vocabulary:
    config = _config()
    phrase_map = {normalize_header(v): canon for canon, variants in config["phrase_tokens"].items() for v in variants}
    word_map = {normalize_header(v): canon for canon, variants in config["word_tokens"].items() for v in variants}
    ordered = sorted(phrase_map, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in ordered) + r")\b")
    known = set(word_map) | set(word_map.values()) | set(KIND_TOKENS) | set(ORDINALS)
    for phrase in list(phrase_map) + [w for words in config["synonyms"].values() for w in words]:
        known.update(normalize_header(phrase).split())
    known.update(normalize_header(e.label) for e in all_elements())
    known = {word for word in known if " " not in word and not word.isdigit()}
    return Vocabulary(
        pattern,
        phrase_map,
        word_map,
        frozenset(config["stop_words"]),
        tuple(sorted(known)),
        frozenset(config["roles"]),
        float(config["fuzzy_threshold"]),
    )


@cache
def _config() -> dict[str, Any]:
    path = resources.files("claims_intake").joinpath("data/header_synonyms.yaml")
    return yaml.safe_load(path.read_text("utf-8"))


@dataclass(frozen=True)
class Tokens:
    words: frozenset[str]
    spelling: float = 1.0  # 1.0, or the similarity of the worst-spelt word to the word it was read as
    index: int | None = None  # 'Modifier 2' -> 2


def tokens_of(normalized: str, *, correct: bool = True) -> Tokens:
    vocab = vocabulary()
    spelling = 1.0
    if correct:
        words = []
        for word in normalized.split():
            if word not in vocab.word_map and word not in vocab.known_words and word not in vocab.stop_words:
                word, similarity = _corrected(word)
                spelling = min(spelling, similarity)
            words.append(word)
        normalized = " ".join(words)
    normalized = _NUMBER_WORD.sub("number", normalized)  # 'chart no' is 'chart number' (but 'yes no' stays)
    text = vocab.phrase_pattern.sub(lambda m: vocab.phrase_map[m.group(1)], normalized)
    text = _LETTER_DIGIT.sub(r"\1 \2", text)
    tokens = []
    for word in text.split():
        if word in vocab.stop_words or word.isdigit():
            continue
        tokens.extend(vocab.word_map.get(word, word).split())
    return Tokens(frozenset(tokens), spelling)


@lru_cache(maxsize=8192)
def _corrected(word: str) -> tuple[str, float]:
    """The known word a misspelt one stands for ('servce' -> 'service'), else (the word, 1.0)."""
    vocab = vocabulary()
    if len(word) < 5 or not word.isalpha():
        return word, 1.0
    found = process.extractOne(word, vocab.known_words, scorer=fuzz.ratio, score_cutoff=vocab.fuzzy_threshold)
    if found is None:
        return word, 1.0
    return found[0], found[1] / 100


def split_index(normalized: str) -> tuple[str, int | None]:
    """'modifier 2' -> ('modifier', 2); 'dx b' -> ('dx', 2); 'secondary dx' -> ('dx', 2); else (text, None)."""
    text = _LETTER_DIGIT.sub(r"\1 \2", normalized)
    if "icd 10" in text or "icd10" in normalized:
        text = text.replace("icd 10", "icd").replace("icd10", "icd")
    if match := _TRAILING_INDEX.search(text):
        mark = match.group(1)
        index = int(mark) if mark.isdigit() else ord(mark) - ord("a") + 1
        if 1 <= index <= MAX_INDEX:
            return text[: match.start()], index
    first, _, rest = text.partition(" ")
    if first in ORDINALS and rest:
        return rest, ORDINALS[first]
    return text, None


@dataclass(frozen=True)
class Phrase:
    key: str
    text: str
    tokens: frozenset[str]


@cache
def element_phrases() -> tuple[Phrase, ...]:
    config = _config()
    phrases: dict[tuple[str, frozenset[str]], Phrase] = {}
    sources = [(e.key, e.label) for e in all_elements()]
    sources += [(key, word) for key, words in config["synonyms"].items() for word in words]
    for key, text in sources:
        normalized = normalize_header(re.sub(r"\(([^)]*)\)", " ", text))
        tokens = tokens_of(normalized, correct=False).words
        if tokens:
            phrases.setdefault((key, tokens), Phrase(key, normalized, tokens))
    return tuple(phrases.values())


def element_role(key: str) -> str | None:
    for prefix, role in ELEMENT_ROLES.items():
        if key.startswith(prefix + "_") or key == prefix:
            return role
    return {"member_name": "member", "payer_name": "payer"}.get(key)


@cache
def _implied(key: str) -> frozenset[str]:
    """Words an element's phrases need not say: its role ('Mbr Chart #' is the member's chart number)."""
    role = element_role(key)
    if role is None:
        return frozenset()
    return frozenset({role, "provider"} if role in ("billing", "rendering") else {role})


def similarity(header: frozenset[str], phrase: frozenset[str]) -> float:
    """Weighted Dice overlap of two token sets (0-1)."""
    weight = WEAK_TOKENS.get
    shared = sum(weight(t, 1.0) for t in header & phrase)
    total = sum(weight(t, 1.0) for t in header) + sum(weight(t, 1.0) for t in phrase)
    return 2 * shared / total if total else 0.0


def roles_agree(header: frozenset[str], phrase: frozenset[str], key: str) -> bool:
    """A header names only roles its element (or the phrase it matched) has; 'Provider City' is not the member's."""
    roles = vocabulary().roles
    named = header & roles
    own = element_role(key)
    if own in ("member", "payer") and "provider" in header and own not in named:
        return False
    return named <= ({own} | (phrase & roles))


@dataclass(frozen=True)
class HeaderScores:
    scores: dict[str, float]  # element key -> 0-1 (only those that could be meant)
    phrases: dict[str, str]  # element key -> the phrase it matched
    index: int | None = None

    def best(self) -> tuple[str, float] | None:
        if not self.scores:
            return None
        key = max(self.scores, key=self.scores.__getitem__)
        return key, self.scores[key]


MIN_KEPT = 0.5  # scores under this are not worth offering to the assignment


@lru_cache(maxsize=8192)
def score_header(normalized: str) -> HeaderScores:
    """How well a normalized header names each element."""
    plain = _score_tokens(tokens_of(normalized))
    rest, index = split_index(normalized)
    if index is not None and rest != normalized:
        numbered = _score_tokens(tokens_of(rest), only=_multi_column())
        if numbered.scores and max(numbered.scores.values()) >= max(plain.scores.values(), default=0):
            return HeaderScores(numbered.scores, numbered.phrases, index)
    return plain


@cache
def _multi_column() -> frozenset[str]:
    return frozenset(_config()["multi_column"])


def _score_tokens(tokens: Tokens, only: frozenset[str] | None = None) -> HeaderScores:
    if not tokens.words:
        return HeaderScores({}, {})
    kinds = tokens.words & KIND_TOKENS
    scores: dict[str, float] = {}
    phrases: dict[str, str] = {}
    for phrase in element_phrases():
        if only is not None and phrase.key not in only:
            continue
        if phrase.tokens & KIND_TOKENS != kinds or not roles_agree(tokens.words, phrase.tokens, phrase.key):
            continue
        score = similarity(tokens.words, phrase.tokens | (tokens.words & _implied(phrase.key))) * tokens.spelling
        if score >= MIN_KEPT and score > scores.get(phrase.key, 0.0):
            scores[phrase.key], phrases[phrase.key] = round(score, 3), phrase.text
    return HeaderScores(scores, phrases)
