"""What punctuation a name, address or account number may hold (data/text_grammar.yaml).

A mark outside that grammar in a value read from a scan is a sign the value was misread: a speck read as a
period ('EL. CAMINO REAL'), a 4 read as '$' ('$89 SONOMA AVE'), a mark inside a word ('RE:SPITE'). The OCR
calibration counts it as noise; the parse drops a period no abbreviation explains, as a flagged repair.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from itertools import pairwise

import yaml

GRAMMAR_TABLE = "data/text_grammar.yaml"
# A period inside a word is an initialism's ('P.O'); any other mark between two letters or digits is not a word's.
INITIALISM = re.compile(r"(?:[A-Z]\.)+[A-Z]?", re.ASCII)
WORD_INSIDE = re.compile(r"[A-Za-z0-9]([^A-Za-z0-9\s])[A-Za-z0-9]")
TWO_MARKS = re.compile(r"[^A-Za-z0-9\s]{2}")
INSIDE_A_WORD = "-/'&"
# Written names change case inside a word at most twice after its first letter ('McDonald', 'DeLEON'); more
# ('nJuSinG') is a line of capitals read as a mixture of letters and lookalikes.
CASE_CHANGES = 2
# A digit among a word's letters ('S0NOMA', '3ROWN'); an ordinal ('4TH', '21ST') or a unit's number and letter
# ('12B', 'B12') is how addresses and names write them.
DIGIT_AMONG_LETTERS = re.compile(r"[A-Za-z]\d+[A-Za-z]|^\d+[A-Za-z]{2,}$")
LONGEST_WORD = 18  # letters: 'NEURODEVELOPMENTAL'; longer is words run together ('COASTHOUSINGSERVICES')
ORDINAL = re.compile(r"\d*(1ST|2ND|3RD|[04-9]TH|1[1-3]TH)", re.IGNORECASE)


@cache
def _table() -> dict:
    return yaml.safe_load(resources.files("claims_intake").joinpath(GRAMMAR_TABLE).read_text("utf-8"))


@cache
def grammar() -> tuple[frozenset[str], str, str]:
    """The abbreviations a period may end, and the marks free text and identifiers may hold."""
    data = _table()
    return frozenset(str(a).upper() for a in data["abbreviations"]), data["text_marks"], data["identifier_marks"]


def text_noise(value: str) -> bool:
    """A name or address holds a mark outside the marks such values use ('$89 SONOMA AVE'), two marks together, a
    mark other than - / ' & inside a word ('RE:SPITE'), or a period after a word that is neither an initial nor an
    abbreviation ('EL. CAMINO', 'COMMUNITY. HEALTH'), a word whose case changes more than a written name's
    ('nJuSinG'), a digit among a word's letters that is no ordinal ('S0NOMA', '3ROWN'), words run together
    past the longest English word ('COASTHOUSINGSERVICES'), a word in small letters among capitals that is no
    particle of a name ('PARTNERS poe yee'), or a parenthesis that is not closed or not opened ('323) PINE
    ST': a 1 whose foot the scan lost)."""
    abbreviations, text_marks, _ = grammar()
    if foreign_marks(value, text_marks) or TWO_MARKS.search(value.replace(".,", ",")) or unbalanced(value):
        return True
    return small_words_among_capitals(value) or any(_word_noise(word, abbreviations) for word in value.split())


def small_words_among_capitals(value: str) -> bool:
    """A word in capitals of three letters or more beside a word in small letters that is no particle of a name
    ('REDWOOD ECM PARTNERS poe yee'): billing software types a name one way."""
    words = [word.strip(".,'()&-") for word in value.split()]
    capitals = any(len(word) >= 3 and word.isalpha() and word.isupper() for word in words)
    return capitals and any(word.isalpha() and word.islower() and word not in small_words() for word in words)


def small_words() -> frozenset[str]:
    return _words("small_words", upper=False)


def unbalanced(value: str) -> bool:
    """A ')' before its '(' or a '(' never closed: writers pair their parentheses ('SMITH (DBA ACME)')."""
    depth = 0
    for ch in value:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return True
    return depth != 0


def identifier_noise(value: str) -> bool:
    """An account or reference number holds a mark such numbers do not use ('CS~2025'), or two together
    ('ECM.-2026')."""
    return foreign_marks(value, grammar()[2]) or bool(TWO_MARKS.search(value))


@cache
def _words(key: str, upper: bool = True) -> frozenset[str]:
    return frozenset(str(word).upper() if upper else str(word) for word in _table()[key])


def street_suffixes() -> frozenset[str]:
    """The USPS standard street suffix abbreviations (Publication 28, Appendix C1) a street line ends with."""
    return _words("street_suffixes")


def suffixes_to_snap() -> frozenset[str]:
    """The street suffixes a misread last word may be taken for: those that end a street line, without the ones
    that stand before the name far more often than after it (MT WHITNEY RD, FT BRAGG AVE; `not_last`)."""
    return street_suffixes() - _words("not_last")


def unit_designators() -> frozenset[str]:
    return _words("unit_designators")


def apostrophe_endings() -> frozenset[str]:
    return _words("apostrophe_endings")


def street_end_noise(value: str) -> bool:
    """A street address whose last word is short and neither a street suffix, a directional, nor a unit's number
    ('2664 PINE S1', '385 OAK AVF', '2617 FOURTH 51'): the suffix was misread."""
    words = value.upper().split()
    if len(words) < 2:
        return False
    last, before = words[-1].rstrip("."), words[-2].rstrip(".")
    if len(last) > 3 or last.startswith("#") or last in grammar()[0]:
        return False
    return not (before in unit_designators() or before == "#")


def foreign_marks(value: str, allowed: str) -> bool:
    return any(not (ch.isalnum() or ch.isspace() or ch in allowed) for ch in value)


def stray_period(word: str) -> bool:
    """A word of letters ended by one period that no abbreviation or initial explains ('EL.', 'COMMUNITY.')."""
    core = word[:-1]
    if not word.endswith(".") or not core.isalpha() or len(core) == 1:
        return False
    return core.upper() not in grammar()[0]


def case_changes(word: str) -> int:
    """How often the case changes between the word's letters after the first ('nJuSinG': 4, 'McDonald': 2)."""
    letters = [ch.isupper() for ch in word if ch.isalpha()]
    return sum(a != b for a, b in pairwise(letters[1:]))


def _word_noise(word: str, abbreviations: frozenset[str]) -> bool:
    word = word.strip("(),#")
    if case_changes(word) > CASE_CHANGES or sum(ch.isalpha() for ch in word) > LONGEST_WORD:
        return True
    core = word.rstrip(".,")
    if DIGIT_AMONG_LETTERS.search(core) and not ORDINAL.fullmatch(core):
        return True
    for match in WORD_INSIDE.finditer(word):
        if match.group(1) not in INSIDE_A_WORD and not INITIALISM.fullmatch(word.rstrip(".")):
            return True
        if match.group(1) == "'" and not _apostrophe_fits(word, match.start(1)):
            return True
    if not word.endswith("."):
        return False
    core = word.rstrip(".")
    return not (len(core) == 1 or core.upper() in abbreviations or INITIALISM.fullmatch(core))


def _apostrophe_fits(word: str, at: int) -> bool:
    before, after = word[:at], word[at + 1 :].rstrip(".,").upper()
    return len(before) == 1 or after in apostrophe_endings()
