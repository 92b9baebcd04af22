"""Which words of a provider's name, a payer's name or an address are words some list knows.

A name or an address read from a degraded fax holds misread words ('RESPITF', 'HQUSING', 'OARLANTI') that no
check on the value's form sees. The lists (docs/reference-data.md, Word lists):

- the English word list of `pyspellchecker` (MIT; some 160,000 words with their frequencies, names and place
  names among them),
- every place name of the US ZIP code table (`zipcodes`, as `places.py` reads it),
- the USPS street suffixes, unit designators and the abbreviations of data/text_grammar.yaml.

A word no list knows is not wrong (SOLANO is, TRUXTUN is not, and few people's names are): the lists are
evidence that weighs one reader's word against another's, and choose among the words a reader's own
probabilities allow (`ocr/lines.py`). A word they choose is a repair that staff verify.
"""

from __future__ import annotations

import re
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .places import place_words
from .text_grammar import INITIALISM, ORDINAL, grammar, street_suffixes, unit_designators

SHORTEST_CHECKED = 3  # letters: shorter words ('EL', 'ST', an initial) are too few letters to judge
WORD_EDGES = ".,'-&()#/"  # marks a word of a name or an address may begin or end with ('P.O.', 'SMITH,')
NEAR_WORDS = 40  # at most this many known words are offered for one misread word


@cache
def known_words() -> frozenset[str]:
    """Every word (capitals, letters only) the lists know."""
    from spellchecker import SpellChecker

    english = SpellChecker().word_frequency.dictionary
    words = {word.upper() for word in english if word.isalpha()}
    return frozenset(words | place_words() | street_suffixes() | unit_designators() | grammar()[0])


@cache
def _candidates() -> list[str]:
    return sorted(known_words())  # in order, so that words equally near come in the same order every time


def checked_words(text: str) -> list[str]:
    """The words of a name or address line that the lists judge: each word stripped of WORD_EDGES that holds a
    letter and is no ordinal ('4TH') or initialism ('P.O'), and is not shorter than SHORTEST_CHECKED unless it mixes
    digits and letters."""
    checked = []
    for word in text.upper().split():
        core = word.strip(WORD_EDGES)
        if not re.search("[A-Z]", core) or ORDINAL.fullmatch(core) or INITIALISM.fullmatch(core):
            continue
        if core.isalpha() and len(core) < SHORTEST_CHECKED:
            continue
        checked.append(core)
    return checked


def unknown_words(text: str) -> list[str]:
    """The words of the line no list knows: letters no list has, or letters mixed with digits or marks ('UN1')."""
    return [word for word in checked_words(text) if not word.isalpha() or word not in known_words()]


def near_words(word: str) -> list[str]:
    """The known words a misread one may be: one edit away for a word of up to four letters, two for a longer
    one (nearest first; at most NEAR_WORDS)."""
    allowed = 1 if len(word) <= 4 else 2
    found = process.extract(
        word.upper(), _candidates(), scorer=Levenshtein.distance, score_cutoff=allowed, limit=NEAR_WORDS
    )
    return [candidate for candidate, _, _ in found]  # RapidFuzz gives the nearest first
