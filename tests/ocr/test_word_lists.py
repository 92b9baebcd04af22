"""Words of names and addresses weighed against word lists (cms1500.words) and chosen with the line recogniser's
own probabilities (ocr.lines.with_known_words, line_likelihood)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from claims_intake.cms1500 import words
from claims_intake.cms1500.mapping import Reading
from claims_intake.ocr import lines


def _steps(path: str, sure: float = 0.9, also: dict[int, tuple[str, float]] | None = None) -> np.ndarray:
    """Step probabilities whose best path is `path` ('_' the blank); `also` gives a step a second class."""
    classes = len(lines.ALPHABET) + 1
    index = {char: (0 if char == "_" else lines.ALPHABET.index(char) + 1) for char in set(path) | {"_"}}
    out = np.full((len(path), classes), 1e-4)
    for step, char in enumerate(path):
        out[step, index[char]] = sure
        if also and step in also:
            other, share = also[step]
            out[step, lines.ALPHABET.index(other) + 1] = share
    return out / out.sum(axis=1, keepdims=True)


def test_known_words_are_english_words_place_names_and_street_suffixes():
    for word in ("RESPITE", "HOUSING", "OAKLAND", "BAKERSFIELD", "BLVD", "CENTER"):
        assert word in words.known_words()
    assert "RESPITF" not in words.known_words() and "HQUSING" not in words.known_words()


def test_unknown_words_skip_numbers_ordinals_initialisms_and_short_words():
    assert words.unknown_words("4TH ST, P.O. BOX 12 EL") == []
    assert words.unknown_words("VALLEY RESPITR CRHNTRER") == ["RESPITR", "CRHNTRER"]
    assert words.unknown_words("3515 UN1 VERSITY AVE") == ["UN1", "VERSITY"]  # a digit among letters


def test_near_words_are_an_edit_or_two_away_nearest_first():
    assert words.near_words("HQUSING")[0] == "HOUSING"
    assert "MAIN" in words.near_words("MATN") and "MAINS" not in words.near_words("MATN")  # one edit in a short word
    assert words.near_words("OARLANTI") == []


def test_the_likelihood_sums_every_alignment_of_the_text():
    one = _steps("A", sure=0.7)
    assert math.exp(lines.line_likelihood(one, "A")) == pytest.approx(one[0, 2])
    assert math.exp(lines.line_likelihood(one, "")) == pytest.approx(one[0, 0])
    two = _steps("A_", sure=0.7)
    a, blank = two[:, 2], two[:, 0]
    assert math.exp(lines.line_likelihood(two, "A")) == pytest.approx(a[0] * a[1] + a[0] * blank[1] + blank[0] * a[1])
    assert lines.line_likelihood(_steps("AA"), "AA") < math.log(1e-3)  # a doubled letter needs a blank between


def test_a_word_the_recogniser_was_unsure_of_becomes_the_known_word_it_allows():
    # RESPITF: the last letter's step gives E a fair share
    steps = _steps("RESPITF", also={6: ("E", 0.3)})
    reading = lines.decode(steps)
    chosen = lines.with_known_words(reading)
    assert chosen.text == "RESPITE" and chosen.words_chosen == (("RESPITF", "RESPITE"),)


def test_a_word_the_recogniser_saw_plainly_stays_as_read_even_when_no_list_knows_it():
    reading = lines.decode(_steps("TRUXTUN", sure=0.99))
    assert lines.with_known_words(reading) == reading  # TRUXTON is one letter off, but the U was plain


def test_a_reading_without_the_networks_probabilities_is_left_as_it_is():
    reading = lines.LineReading("RESPITF", 0.9)
    assert lines.with_known_words(reading) is reading


def test_the_recognisers_known_words_replace_tesseracts_unknown_ones_for_staff():
    weighed = lines.weigh(
        "doc_name", Reading("VALLEY RESPITR CRHNTRER", 0.95), lines.LineReading("VALLEY RESPITE CENTER", 0.5)
    )
    assert weighed.text == "VALLEY RESPITE CENTER"
    assert "no word list" in weighed.repaired and "confirmed by" not in weighed.repaired


def test_tesseracts_known_words_are_kept_for_staff_beside_the_recognisers_unknown_ones():
    weighed = lines.weigh(
        "doc_name", Reading("NORTH COAST HOUSING", 0.95), lines.LineReading("NORTH COAST HQUSING", 0.99)
    )
    assert weighed.text == "NORTH COAST HOUSING" and weighed.confidence == lines.DISAGREE_CONFIDENCE
    assert "HQUSING" in weighed.repaired


def test_the_member_s_name_is_not_judged_by_word_lists():
    # MEI is no English word, MEL is: a person's name is weighed by the readers alone
    weighed = lines.weigh("pt_name", Reading("CHEN, MEL", 0.95), lines.LineReading("CHEN, MEI", 0.99))
    assert weighed.text == "CHEN, MEI"


def test_the_words_the_recogniser_took_from_the_lists_are_named_in_the_note():
    steps = _steps("MATN", also={2: ("I", 0.3)})
    weighed = lines.weigh("pt_city", Reading("", 0.0), lines.decode(steps))
    assert weighed.text == "MAIN" and "'MATN' taken for MAIN" in weighed.repaired


def test_place_names_no_english_list_holds_are_known_words():
    from claims_intake.cms1500 import places

    assert {"ADELANTO", "AGOURA", "APTOS"} <= places.place_words() <= words.known_words()


def test_a_reading_with_no_word_the_lists_judge_is_no_evidence():
    # 'O' holds no word of three letters: it is not "all known words" beside a made-up city read whole
    weighed = lines.weigh("pt_city", Reading("CYTO", 0.95), lines.LineReading("O", 0.5))
    assert weighed.text == "CYTO"
