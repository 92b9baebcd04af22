"""Per-box parsing rules with domain corrections for what OCR typically confuses.

Each `fix_*` takes the text read from one box and returns `Fixed(text, confidence_factor, note)`:
the text to hand to `normalize()`, a factor (<= 1) applied to the OCR confidence when the text had
to be corrected or is still invalid, a note for the provenance, and `repaired`: what was changed from
the characters read and why (the mapping then keeps the value below the review threshold unless an
independent check confirmed it: `floor`). Fillable-PDF values pass through
the same rules (they rarely need a fix), so both sources produce the same claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from string import ascii_uppercase

from ..catalog import dhcs_catalog
from ..validators import (
    NPI_LENGTH,
    NPI_PREFIX,
    is_valid_cin,
    is_valid_hcpcs,
    is_valid_icd10,
    is_valid_npi,
    is_valid_tin,
    luhn_valid,
)
from . import confusions, text_grammar

# Shapes OCR confuses: a letter read where only a digit can be, and the reverse.
AS_DIGIT = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "U": "0",
        "I": "1",
        "l": "1",
        "|": "1",
        "i": "1",
        "!": "1",
        "L": "1",
        "J": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "T": "7",
        "g": "9",
        "q": "9",
        "A": "4",
        "{": "1",
        "}": "1",
        "[": "1",
        "]": "1",
        "t": "1",
    }
)
AS_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
# ICD-10-CM: a Z code is by far the likeliest reading of a leading '2' on ECM/CS claims (Z59.0x etc).
ICD_FIRST_LETTER = {**AS_LETTER, "0": "O", "2": "Z", "7": "T", "9": "G"}
# Digit pairs OCR swaps; used to repair an NPI whose check digit fails.
DIGIT_CONFUSIONS = {
    "0": "869",
    "1": "74",
    "2": "7",
    "3": "85",
    "4": "19",
    "5": "63",
    "6": "508",
    "7": "12",
    "8": "3060",
    "9": "40",
}
CORRECTED = 0.9  # confidence factor when a rule changed what was read
ICD_LETTER_FLOOR = 0.85  # an ICD-10 code whose only fix was its leading digit -> letter
INVALID = 0.4  # confidence factor when the value still breaks its rule


@dataclass(frozen=True)
class Fixed:
    text: str
    factor: float = 1.0
    note: str | None = None
    floor: float = 0.0  # confidence is at least this: an independent check confirmed the value
    repaired: str | None = None  # what the rule changed from what was read, and why
    confirmed_by: str | None = None  # the independent check that confirmed the value (with `floor`)


def fix_digits(text: str, width: int | None = None) -> Fixed:
    cleaned = re.sub(r"[^0-9A-Za-z{}\[\]|!]", "", text)
    digits = cleaned.translate(AS_DIGIT)
    factor = CORRECTED if digits != cleaned else 1.0
    if not digits.isdigit() or (width and len(digits) != width):
        factor = min(factor, INVALID)
    repaired = "letters read as digits" if digits != cleaned else None
    return Fixed(digits, factor, repaired, repaired=repaired)


def fix_cell(text: str, width: int) -> Fixed:
    """A fixed-width cell (MM, DD, YY, POS): a speck read beside the digits is dropped."""
    fixed = fix_digits(text)
    if len(fixed.text) > width:
        digits = re.sub(r"\D", "", fixed.text)
        if len(digits) >= width:
            return Fixed(
                digits[-width:],
                min(fixed.factor, CORRECTED) * 0.9,
                "extra mark beside the digits dropped",
                repaired="extra mark beside the digits dropped",
            )
    if len(fixed.text) != width or not fixed.text.isdigit():
        return Fixed(fixed.text, INVALID, fixed.note, repaired=fixed.repaired)
    return fixed


CONFIRMED = 0.9  # confidence floor when an independent check confirms what was read


NPI_CHECK = "the NPI check digit"


def fix_npi(text: str, alternatives: tuple[str, ...] = (), readers_agree: bool = False) -> Fixed:
    """Ten digits whose check digit (Luhn with the 80840 prefix) is right. A reading that fails it:
    the one value among the readers' candidates (`alternatives`: the fax digit reader's best and
    second choices, Tesseract's reading) that passes is taken. It is confirmed by the check digit
    when the two readers agree on every other digit (`readers_agree`): one change from an agreed
    reading, which the check digit detects and fixes. Otherwise the pick is a repair for staff
    (a digit both readers took wrong can leave a wrong candidate that passes by chance, 1 in 10).
    Several candidates that pass go to staff. Without candidates, the one value a confusable digit
    away that passes is a repair for staff (the confusion table is not a reading)."""
    fixed = fix_digits(text, NPI_LENGTH)
    if is_valid_npi(fixed.text):  # the check digit confirms all ten digits (any single misread fails it)
        repaired = f"{fixed.repaired}, confirmed by {NPI_CHECK}" if fixed.repaired else None
        return Fixed(fixed.text, fixed.factor, fixed.note, floor=CONFIRMED, repaired=repaired, confirmed_by=NPI_CHECK)
    passing = sorted({c for c in alternatives if is_valid_npi(c)})
    if len(passing) == 1 and readers_agree and len(fixed.text) == NPI_LENGTH:  # one digit off an agreed reading
        why = f"read {fixed.text}: {passing[0]}, the only candidate of the readers that passes it, confirmed by {NPI_CHECK}"
        return Fixed(passing[0], CORRECTED, "NPI chosen by its check digit", CONFIRMED, why, NPI_CHECK)
    if len(passing) == 1:
        why = f"read {fixed.text or 'blank'}: {passing[0]} is the only candidate of the readers that passes {NPI_CHECK}"
        return Fixed(passing[0], CORRECTED * 0.9, "NPI chosen by its check digit", repaired=why)
    if len(passing) > 1:
        return Fixed(fixed.text, INVALID, f"{len(passing)} of the readers' candidates pass {NPI_CHECK}: staff choose")
    if len(fixed.text) > NPI_LENGTH and fixed.text.isdigit():
        return _npi_within(fixed)
    if len(fixed.text) != NPI_LENGTH or not fixed.text.isdigit():
        return fixed
    candidates = {
        fixed.text[:i] + alt + fixed.text[i + 1 :]
        for i, char in enumerate(fixed.text)
        for alt in DIGIT_CONFUSIONS.get(char, "")
    }
    valid = sorted(c for c in candidates if c[0] in "12" and luhn_valid(NPI_PREFIX + c))
    if len(valid) == 1:
        return Fixed(
            valid[0],
            CORRECTED * 0.9,
            "one digit repaired by the NPI check digit",
            repaired="one digit changed to the only value the NPI check digit allows",
        )
    return Fixed(fixed.text, INVALID, "NPI check digit fails")


def _npi_within(fixed: Fixed) -> Fixed:
    """More than ten digits read (a rule's remnant or the next cell's digits beside the NPI: '1966750147000'): the
    one run of ten that starts 1 or 2 and passes the check digit is taken, for staff (a run can pass by chance)."""
    runs = {fixed.text[i : i + NPI_LENGTH] for i in range(len(fixed.text) - NPI_LENGTH + 1)}
    valid = sorted(run for run in runs if run[0] in "12" and luhn_valid(NPI_PREFIX + run))
    if len(valid) != 1:
        return fixed
    why = f"read {fixed.text}: {valid[0]} is the only ten digits of it that pass {NPI_CHECK}"
    return Fixed(valid[0], CORRECTED * 0.9, "NPI cut from a longer reading", repaired=why)


def fix_tin(text: str) -> Fixed:
    fixed = fix_digits(text, 9)
    return fixed if is_valid_tin(fixed.text) else Fixed(fixed.text, INVALID, fixed.note, repaired=fixed.repaired)


def fix_cin(text: str) -> Fixed:
    """Medi-Cal CIN: 8 digits then a letter. A digit read where the letter belongs is taken for the
    letter only when its shape stands for one letter ('5' for S); a shape several letters share ('7'
    for T or J, '0' for O or D) is kept as read, for staff: the reader never chooses a member's ID.
    A word of one or two characters read after a whole CIN ('59352378W A': a speck or the box's edge) is
    dropped, as a repair for staff."""
    stray = _after_whole_cin(text)
    if stray is not None:
        whole = fix_cin(text[: len(text) - len(stray)])
        why = f"read {text.strip()!r}: {stray.strip()!r} after the CIN's 9 characters dropped (a speck)"
        return Fixed(whole.text, CORRECTED, repaired="; ".join(filter(None, [whole.repaired, why])))
    cleaned = _code_chars(text)
    if len(cleaned) != 9:
        return Fixed(cleaned, INVALID)
    last = cleaned[8]
    letters = cin_letters_for(last) if last.isdigit() else last
    if len(letters) > 1:
        return Fixed(cleaned, INVALID)  # which letter is for staff to read
    fixed = cleaned[:8].translate(AS_DIGIT) + (letters or last)
    if not is_valid_cin(fixed):
        return Fixed(cleaned, INVALID)  # not a CIN's shape even after the usual confusions: keep what was read
    if fixed == cleaned:
        return Fixed(fixed)
    repaired = "Medi-Cal CIN shape (8 digits, a letter): " + (
        "last character read as a digit taken for the one letter it resembles"
        if fixed[8] != cleaned[8]
        else "letters among the 8 digits read as digits"
    )
    return Fixed(fixed, CORRECTED, "CIN shape corrected", repaired=repaired)


def _after_whole_cin(text: str) -> str | None:
    """The text after a CIN's ninth character when it is a separate word of one or two characters."""
    words = text.split()
    if len(words) < 2 or len(_code_chars(words[-1])) not in (1, 2):
        return None
    before = " ".join(words[:-1])
    if not is_valid_cin(_code_chars(before)):
        return None
    return text[text.rindex(words[-1]) :]


def cin_letters_for(digit: str) -> str:
    """The capitals a digit's printed shape is confused with (confusions.CONFUSABLE_GROUPS)."""
    return "".join(sorted({b for a, b in confusions.confusable_pairs() if a == digit and b.isalpha()}))


def fix_icd10(text: str) -> Fixed:
    """An ICD-10-CM code starts with a letter, then two digits: '2590' read in box 21 is Z590. A
    reading the code set does not hold is taken for the one code it holds one leading letter or one
    stray character away ('Z5944' -> Z5941, 'F1I7210' -> F17210), else kept as read and marked invalid.
    A category of the code set ('E11') is kept as read: it is a code, only not billable."""
    cleaned = _code_chars(text)
    if len(cleaned) < 3:
        return Fixed(cleaned, INVALID)
    first = ICD_FIRST_LETTER.get(cleaned[0], cleaned[0])
    second = cleaned[1].translate(AS_DIGIT)
    fixed = first + second + cleaned[2:]
    billable = billable_icd10(fixed)
    if not billable and not icd10_category(fixed):
        nearest = nearest_icd10(cleaned, fixed)
        if nearest:
            repaired = f"read {cleaned}: the one billable code of the code set one character away is {nearest}"
            return Fixed(nearest, CORRECTED, "ICD-10 code set", repaired=repaired)
    if not billable and icd10_category(fixed):
        near = billable_icd10_near(fixed)
        if near:  # kept as written or misread: the check would reject a category, so staff look first
            billed = (
                f"{near[0]}, one misread away, is" if len(near) == 1 else f"{', '.join(near)}, one misread away, are"
            )
            repaired = f"{fixed} is a category; {billed} billable: kept as read"
            return Fixed(fixed, INVALID, repaired=repaired)
    if not is_valid_icd10(fixed) or not billable:
        return Fixed(fixed, INVALID)
    if fixed == cleaned:
        return Fixed(fixed)
    # Tesseract's low confidence on '259.01' is about the Z it read as 2; the rule settles that one
    # character, so the code is only as doubtful as a plain reading (floor below CONFIRMED).
    only_first = fixed[1:] == cleaned[1:] and cleaned[0].isdigit()
    repaired = (
        f"ICD-10-CM codes start with a letter: leading '{cleaned[0]}' read as '{fixed[0]}'"
        if only_first
        else "ICD-10-CM shape (letter, digit, ...): confusable characters changed"
    )
    return Fixed(fixed, CORRECTED, "ICD-10 shape corrected", repaired=repaired)


MAX_CODE_MISREAD = 1.0  # a code is snapped to its set only this near (one plain edit, two confusions)


def nearest_icd10(cleaned: str, shaped: str) -> str | None:
    """The single billable code nearest the reading, within one edit: another leading letter for a
    digit read there, a leading letter the reading lost ('59.01' for Z59.01), a stray character
    dropped (a speck or a split stroke read as 'I'), or one character misread anywhere ('Z5944' for
    Z59.41). Nearness counts confusable shapes as half an edit (`confusions.misread_cost`), so one
    code may be nearest among several one edit away. None when no billable code is that near or
    several are equally near."""
    candidates = {letter + cleaned for letter in ascii_uppercase}
    if cleaned[0].isdigit():
        candidates |= {letter + shaped[1:] for letter in ascii_uppercase}
    candidates |= {shaped[:index] + shaped[index + 1 :] for index in range(1, len(shaped))}
    candidates |= confusions.one_edit_variants(cleaned) | confusions.one_edit_variants(shaped)
    # a category as near as a billable code is as likely what was written: the provider may have billed
    # the category, which the check tells them about; snapping would put another code in their mouth
    found = {code for code in candidates if len(code) >= 3 and (billable_icd10(code) or icd10_category(code))}
    nearest = confusions.nearest_unique(cleaned, found, MAX_CODE_MISREAD)
    return nearest[0] if nearest and billable_icd10(nearest[0]) else None


def billable_icd10_near(code: str) -> list[str]:
    """The billable codes one confusable character from a reading ('F329' from 'T329': a T for an F), nearest
    first: a category read where a billable code is that near was as likely the code, misread."""
    variants = confusions.one_edit_variants(code)
    near = sorted((confusions.misread_cost(code, other), other) for other in variants if billable_icd10(other))
    return [other for cost, other in near if cost <= confusions.CONFUSABLE_COST]


def billable_icd10(code: str) -> bool:
    """The code is billable in a release of the ICD-10-CM code set on file."""
    from ..codesets import icd10cm

    return code in icd10cm().masks


def icd10_category(code: str) -> bool:
    """The code is a category or subcategory of the code set on file (billable codes extend it): a code
    a provider writes when a more specific one is due, not a reading of nothing."""
    from ..codesets import icd10cm

    return len(code) >= 3 and icd10cm().extends(code)


@cache
def _catalog_codes() -> frozenset[str]:
    return frozenset(dhcs_catalog().codes())


@cache
def known_modifiers() -> frozenset[str]:
    return frozenset(m for c in dhcs_catalog().combinations for m in c.modifiers)


# HCPCS Level II codes start with one of these letters (no I, N, O, W, X, Y, Z).
HCPCS_LETTERS = frozenset("ABCDEGHJKLMPQRSTUV")
HCPCS_LETTER = {**AS_LETTER, "1": "T", "7": "T", "I": "T", "0": "G", "9": "G"}


def _code_chars(text: str) -> str:
    """Letters and digits of a code, upper case; '$' is how OCR often reads an S."""
    return re.sub(r"[^0-9A-Za-z]", "", text.replace("$", "S")).upper()


def fix_hcpcs(text: str) -> Fixed:
    """A HCPCS Level II code is a letter and 4 digits; prefer a code of the DHCS ECM/CS catalog."""
    cleaned = _code_chars(text)
    if len(cleaned) == 6:  # one character too many (a doubled 0/O): keep it only if one catalog code fits
        fits = {cleaned[:i] + cleaned[i + 1 :] for i in range(6)}
        fits = {AS_LETTER.get(c[0], c[0]) + c[1:].translate(AS_DIGIT) for c in fits} & _catalog_codes()
        if len(fits) == 1:
            note = "extra character dropped: the one DHCS catalog code that fits"
            return Fixed(fits.pop(), CORRECTED * 0.9, note, repaired=note)
    if len(cleaned) != 5:
        return Fixed(cleaned, INVALID)
    fixed = HCPCS_LETTER.get(cleaned[0], cleaned[0]) + cleaned[1:].translate(AS_DIGIT)
    if fixed not in _catalog_codes():
        # The four digits read well and the letter did not: the one catalog code with those digits.
        near = [code for code in _catalog_codes() if code[1:] == fixed[1:]]
        # ... or the letter read well and one digit did not (G6008 for G9008): the one code that fits.
        one_digit = [
            code
            for code in _catalog_codes()
            if code[0] == fixed[0] and sum(a != b for a, b in zip(code[1:], fixed[1:], strict=False)) == 1
        ]
        if len(near) == 1 and (not fixed[0].isalpha() or fixed[0] not in HCPCS_LETTERS or cleaned[0].isdigit()):
            fixed = near[0]
        elif cleaned.isdigit():
            return Fixed(cleaned, 1.0)  # a CPT code: five digits
        elif not near and len(one_digit) == 1:
            note = "one digit corrected to the DHCS catalog code that fits"
            return Fixed(one_digit[0], CORRECTED * 0.9, note, repaired=note)
    factor = CORRECTED if fixed != cleaned else 1.0
    if not is_valid_hcpcs(fixed):
        factor = INVALID
    shape_note = "HCPCS shape corrected" if fixed != cleaned else None
    return Fixed(fixed, factor, shape_note, repaired=shape_note)


def fix_modifier(text: str) -> Fixed:
    cleaned = _code_chars(text)
    if cleaned in known_modifiers() or not cleaned:
        return Fixed(cleaned)
    variants = {
        cleaned.replace("V", "U"),
        cleaned.replace("0", "Q"),
        cleaned.replace("6", "G"),
        cleaned[:1] + cleaned[1:].translate(AS_DIGIT),
        cleaned.replace("LJ", "U"),
        cleaned.replace("O", "Q"),
    }
    known = sorted(v for v in variants if v in known_modifiers())
    if len(known) == 1:
        return Fixed(
            known[0],
            CORRECTED,
            "modifier corrected to a catalog modifier",
            repaired="modifier corrected to a catalog modifier",
        )
    return Fixed(cleaned, 1.0 if len(cleaned) == 2 else INVALID)


MODIFIER_CONFUSIONS = {
    "6": "85G",
    "8": "63B",
    "B": "86",
    "5": "6S",
    "3": "8",
    "1": "7I",
    "2": "Z",
    "Q": "0O",
    "0": "QO",
}
MAX_MODIFIER_EDITS = 2  # characters a snapped set of modifiers may differ from what was read


def fix_modifiers_for_code(
    code: str | None, modifiers: list[str], extra_combinations=()
) -> tuple[list[str], str | None]:
    """Modifiers that make a DHCS (or plan) combination with `code`, when they do not as read: the
    one combination for the code nearest to what was read ('UE' read where only U2 is valid for the
    code), if exactly one is nearest and it differs by at most MAX_MODIFIER_EDITS characters; else as
    read. Returns the modifiers and a note saying what was changed (None: unchanged)."""
    catalog = dhcs_catalog()
    if not code or not modifiers or catalog.lookup(code, modifiers)[0] is not None:
        return modifiers, None
    candidates = _modifier_sets(code, extra_combinations)
    if not candidates:
        return modifiers, None
    scored = sorted((_modifier_distance(modifiers, option), option) for option in candidates)
    best = scored[0][0]
    if best > MAX_MODIFIER_EDITS or (len(scored) > 1 and scored[1][0] == best):
        return modifiers, None
    chosen = list(scored[0][1])
    return chosen, (
        f"modifiers read {' '.join(modifiers)}: the DHCS combination for {code} nearest to them is {' '.join(chosen)}"
    )


def _modifier_sets(code: str, extra_combinations) -> set[tuple[str, ...]]:
    sets = set()
    for combination in [*dhcs_catalog().combinations, *extra_combinations]:
        if combination.code != code:
            continue
        sets.add(tuple(combination.modifiers))
        if getattr(combination, "telehealth_gq", False) and "GQ" not in combination.modifiers:
            sets.add((*combination.modifiers, "GQ"))
    return sets


def _modifier_distance(read: list[str], option: tuple[str, ...]) -> int:
    """Characters to change (a missing or extra modifier costs 2) to turn `read` into `option`."""
    cost = 2 * abs(len(read) - len(option))
    for a, b in zip(read, option, strict=False):  # the extra modifiers are costed above
        cost += sum(x != y for x, y in zip(a.ljust(2), b.ljust(2), strict=False))
    return cost


MAX_COMBINATION_MISREAD = 2.0  # code and modifiers together: at most two plain edits (four confusions)


def snap_combination(code_text: str, modifiers: list[str]) -> tuple[str, list[str], str] | None:
    """The one DHCS combination nearest to a 24D code and modifiers read as no combination: each
    combination's distance is the code's misreading cost (`confusions.misread_cost`) plus the
    modifiers' (a modifier missing or extra costs two). With no modifiers read, the code alone is
    matched to the catalog's codes. A five-digit reading is a CPT code, left as read. Returns the
    code, the modifiers and why; None when no combination is within MAX_COMBINATION_MISREAD or
    several are equally near (staff choose)."""
    code = _code_chars(code_text)
    if not code or code.isdigit():
        return None
    if not modifiers:
        nearest = confusions.nearest_unique(code, _catalog_codes(), MAX_CODE_MISREAD)
        if nearest is None or nearest[0] == code:
            return None
        return nearest[0], [], f"24D read {code}: the one DHCS catalog code nearest to it is {nearest[0]}"
    scored = sorted(
        (confusions.misread_cost(code, option) + _modifier_cost(modifiers, mods), option, mods)
        for option, mods in combination_options()
    )
    best = scored[0][0]
    if best > MAX_COMBINATION_MISREAD or (len(scored) > 1 and scored[1][0] == best):
        return None
    chosen, mods = scored[0][1], list(scored[0][2])
    read = " ".join([code, *modifiers])
    return chosen, mods, f"24D read {read}: the one DHCS combination nearest to it is {' '.join([chosen, *mods])}"


@cache
def combination_options() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every (code, modifiers) a 24D line may hold: the DHCS catalog's combinations, with GQ added
    where the service may be delivered by telehealth."""
    return tuple(sorted({(c.code, m) for c in dhcs_catalog().combinations for m in _modifier_sets(c.code, ())}))


def _modifier_cost(read: list[str], option: tuple[str, ...]) -> float:
    """Misreading cost from the modifiers read to a combination's (a missing or extra one costs two)."""
    cost = 2.0 * abs(len(read) - len(option))
    return cost + sum(confusions.misread_cost(a, b) for a, b in zip(read, option, strict=False))


def bar_beside_digits_as_one(text: str) -> tuple[str, str | None]:
    """A '|' read beside a number's digits is a 1 whose foot the scan lost ('CS-2026-2468 |'): the text with it a 1,
    and the repair's note (None when there was none)."""
    if not re.search(r"\d\s*\|", text):
        return text, None
    return re.sub(r"(?<=\d)\s*\|", "1", text), "a '|' beside the digits read as 1"


AUTHORIZATION_SEPARATORS = r"\s\-/"  # what a provider writes between an authorization's parts, dropped unflagged
# After its prefix an authorization number is digits: with more than this share of digits, its letters that look
# like digits are digits misread ('TAROO1124853': two O's for 0's), repaired for staff
AUTHORIZATION_DIGITS = 0.5


def fix_authorization(text: str) -> Fixed:
    """Box 23: a TAR / authorization number is digits, maybe after a short letter prefix ('TAR'); an O or I
    among the digits (`AUTHORIZATION_DIGITS`) is a 0 or 1 (Courier's 0 and O look alike), a '|' beside the digits
    a 1 whose foot the scan lost. Any mark dropped other than a separator ('4969430859 |' read for 49694308591, '~' from a
    speck) is a repair: what was dropped may have been a character."""
    text, bar = bar_beside_digits_as_one(text)
    repairs = [bar] if bar else []
    marks = re.sub(rf"[0-9A-Za-z{AUTHORIZATION_SEPARATORS}]", "", text)
    if marks:
        repairs.append(f"marks {marks!r} dropped")
    cleaned = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    prefix = cleaned[: len(cleaned) - len(cleaned.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))][:3]
    rest = cleaned[len(prefix) :]
    fixed = cleaned
    if len(rest) >= 6 and sum(ch.isdigit() for ch in rest) > AUTHORIZATION_DIGITS * len(rest):
        fixed = prefix + rest.translate(AS_DIGIT)
        if fixed != cleaned:
            repairs.append("letters among the digits read as digits")
    if not repairs:
        return Fixed(cleaned)
    why = "; ".join(repairs)
    return Fixed(fixed, CORRECTED, why, repaired=why)


def fix_pointers(text: str) -> Fixed:
    """24E: letters A-L pointing at box 21 ('AB', 'A B', 'A,B'); digits 1-12 from the old 08/05 form."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", text).upper().replace("8", "B").replace("0", "D")
    if cleaned.isdigit():
        numbers = [int(d) for d in cleaned if d != "0"]
        return Fixed("".join("ABCDEFGHIJKL"[n - 1] for n in numbers), CORRECTED, "numeric pointers")
    letters = "".join(ch for ch in cleaned if ch in "ABCDEFGHIJKL")
    once = "".join(dict.fromkeys(letters))
    if once != letters:  # each pointer names a diagnosis once: a letter read twice is a misreading
        return Fixed(once, INVALID, repaired=f"pointer letter repeated in {letters!r}: each kept once")
    if letters and letters != cleaned:  # a character no pointer is ('AS'): a misread letter, dropped for staff
        dropped = "".join(ch for ch in cleaned if ch not in letters)
        return Fixed(letters, INVALID, repaired=f"24E read {cleaned!r}: {dropped!r} names no box-21 letter, dropped")
    return Fixed(letters, 1.0 if letters else INVALID)


def fix_money(dollars: str, cents: str | None = None) -> Fixed:
    """24F/28/29: dollars left of the printed rule, cents right of it ('125 00', '125.00', '125')."""
    if cents is None:
        parts = re.findall(r"[0-9OoIlSB]+", dollars.replace(",", ""))
        if len(parts) >= 2 and len(parts[-1]) == 2:
            dollars, cents = "".join(parts[:-1]), parts[-1]
        else:
            dollars, cents = "".join(parts), "00"
    whole = fix_digits(dollars)
    part = fix_digits(cents or "00")
    if not part.text:
        part = Fixed("00", 0.9)
    text = f"{whole.text}.{part.text.ljust(2, '0')[:2]}"
    ok = whole.text.isdigit() and part.text.isdigit() and len(part.text) <= 2
    return Fixed(text, min(whole.factor, part.factor) if ok else INVALID, repaired=whole.repaired or part.repaired)


def fix_units(text: str) -> Fixed:
    cleaned = re.sub(r"[\s,]", "", text)
    fixed = cleaned.translate(AS_DIGIT)
    ok = bool(re.fullmatch(r"\d+(\.\d+)?", fixed))
    repaired = "letters read as digits" if fixed != cleaned and ok else None
    return Fixed(fixed, (CORRECTED if fixed != cleaned else 1.0) if ok else INVALID, repaired=repaired)


def fix_zip(text: str) -> Fixed:
    """A ZIP code is 5 digits, or 9 with the ZIP+4: any other count is a digit lost or doubled in the
    reading, never a value to pass on as read."""
    fixed = fix_digits(text)
    if len(fixed.text) not in (5, 9):
        return Fixed(fixed.text, min(fixed.factor, INVALID), fixed.note, repaired=fixed.repaired)
    return fixed


def fix_state(text: str) -> Fixed:
    cleaned = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    fixed = "".join(ch if ch.isalpha() else AS_LETTER.get(ch, ch) for ch in cleaned)
    return Fixed(fixed, 1.0 if fixed == cleaned and len(fixed) == 2 else (CORRECTED if len(fixed) == 2 else INVALID))


def fix_text(text: str) -> Fixed:
    """Free text (names, streets): single spaces, no stray specks read as punctuation at the ends;
    a text written in capitals keeps capitals (an 'i' read in 'MEI' is an I)."""
    cleaned = " ".join(text.split()).strip(" ,.;:_-'`\"~|/\\")
    letters = [ch for ch in cleaned if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters):
        cleaned = cleaned.upper()
    return Fixed(cleaned)


def fix_address(text: str) -> Fixed:
    """Free text that is a street, city or business name: as `fix_text`, and a period that a speck left after a
    word of letters no abbreviation explains, with a word after it ('EL. CAMINO REAL'), is dropped: a flagged
    repair (a name may hold a period a writer put there, so staff confirm)."""
    fixed = fix_text(text)
    trimmed = drop_foreign_marks(trim_stray_ends(fixed.text))
    words = trimmed.split(" ")
    stray = [i for i, word in enumerate(words[:-1]) if text_grammar.stray_period(word)]
    repairs = []
    if trimmed != fixed.text:
        repairs.append(f"read {fixed.text!r}: marks no name or address holds there dropped (specks)")
    if stray:
        dropped = ", ".join(repr(words[i]) for i in stray)
        repairs.append(f"a '.' after {dropped} dropped: no abbreviation ends there (a speck)")
    if not repairs:
        return fixed
    cleaned = " ".join(word[:-1] if i in stray else word for i, word in enumerate(words))
    return Fixed(cleaned, CORRECTED, repaired="; ".join(repairs))


# What a name or address may start with besides a letter or digit ('(DBA ...)', '#12'), and end with (an
# abbreviation's period, a closing parenthesis).
TEXT_STARTS = "(#"
TEXT_ENDS = ".)"


def drop_foreign_marks(text: str) -> str:
    """A name or address without the marks billing software never types in one ('SOLAN\u00aeO CARE', 'COAS! HOUSING'):
    letters, digits and the text marks of data/text_grammar.yaml stay, and so does a mark touching a digit ('614%',
    '48\u00b0'): there it is more likely a digit misread than a speck, and dropping it would shorten the number."""
    allowed = text_grammar.grammar()[1]
    kept = [ch for i, ch in enumerate(text) if ch.isalnum() or ch.isspace() or ch in allowed or _touches_digit(text, i)]
    return " ".join("".join(kept).split())


def _touches_digit(text: str, at: int) -> bool:
    return (at > 0 and text[at - 1].isdigit()) or (at + 1 < len(text) and text[at + 1].isdigit())


def trim_stray_ends(text: str, starts: str = TEXT_STARTS, ends: str = TEXT_ENDS) -> str:
    """A name or address without the marks at its ends that billing software never types there: a speck read as a
    quote, a guillemet or a degree sign ('\u2018GOLDEN STATE', '\u00abKERN COMMUNITY'); `starts` and `ends` are the
    marks such a value may begin or end with besides a letter or digit. The ASCII marks `fix_text` strips are
    already gone."""
    start, end = 0, len(text)
    while start < end and not (text[start].isalnum() or text[start] in starts):
        start += 1
    while end > start and not (text[end - 1].isalnum() or text[end - 1] in ends):
        end -= 1
    return text[start:end].strip()


# Marks a fax prints for a letter of a street suffix ('MAIN $7', 'PINE \u00a71'): read as that letter before the suffix
# is matched.
SUFFIX_SHAPES = str.maketrans({"$": "S", "\u00a7": "S", "5": "S", "1": "T", "7": "T", "0": "O"})
# House-number marks that are a 1 whose serifs a fax kept and stem lost ('{039 SONOMA AVE', '11] MARKET ST').
ONE_SHAPES = "{}[]|!"


def fix_street(text: str) -> Fixed:
    """A street line (box 5, box 33): as `fix_address`; a house number with a bracket among its digits ('{039')
    takes it for a 1, and a last word that is no street suffix, directional or unit number ('SONOMA AVF',
    'PINE S1', 'MAIN $7') is taken for the one USPS suffix (Publication 28, Appendix C1) it is nearest to,
    counting the shapes OCR confuses as half a misreading, when exactly one is within one misreading. Each
    change is a flagged repair: a street name is not in any table to confirm it."""
    words = " ".join(text.split()).split(" ")
    repairs = []
    if words and re.fullmatch(rf"[\d{re.escape(ONE_SHAPES)}]*\d[\d{re.escape(ONE_SHAPES)}]*", words[0]):
        number = re.sub(rf"[{re.escape(ONE_SHAPES)}]", "1", words[0])
        if number != words[0]:
            repairs.append(f"house number read {words[0]!r}: its brackets taken for 1")
            words[0] = number
    if len(words) >= 3 and text_grammar.street_end_noise(" ".join(words)):
        suffix = _nearest_suffix(words[-1])
        if suffix:
            repairs.append(f"street suffix read {words[-1]!r}: {suffix} is the one USPS suffix within a misreading")
            words[-1] = suffix
    fixed = fix_address(" ".join(words))
    if not repairs:
        return fixed
    notes = "; ".join(filter(None, [*repairs, fixed.repaired]))
    return Fixed(fixed.text, CORRECTED, repaired=notes)


def _nearest_suffix(word: str) -> str | None:
    shaped = word.upper().rstrip(".").translate(SUFFIX_SHAPES)
    if not shaped.isalpha() or not 2 <= len(shaped) <= 4:
        return None
    found = confusions.nearest_unique(shaped, text_grammar.suffixes_to_snap(), max_cost=1.0)
    return found[0] if found else None


# A payer alias shorter than this ('kp', 'khs') is too short to be told from a misreading of another word.
SHORTEST_PAYER_NAME = 6


def fix_payer(text: str, payer_names: dict[str, str]) -> Fixed:
    """The carrier block or box 11c names the plan billed, and plans are few: a reading a letter or two off
    exactly one plan's name (`payer_names`: each name, upper case, and its plan) is taken as that name, a
    flagged repair staff confirm. A name near two plans, or near none, stays as read."""
    fixed = fix_address(text)
    read = re.sub(r"[^A-Z ]", "", fixed.text.upper()).split()
    if not read:
        return fixed
    from rapidfuzz.distance import Levenshtein

    spelled = " ".join(read)
    near = sorted(
        (Levenshtein.distance(spelled, name), name, plan)
        for name, plan in payer_names.items()
        if len(name) >= SHORTEST_PAYER_NAME
    )
    if not near or (near[0][0] == 0 and " ".join(fixed.text.upper().split()) == near[0][1]):
        return fixed
    distance, name, plan = near[0]
    rivals = [other for other in near[1:] if other[2] != plan]
    if distance > max(1, len(name) // 8) or (rivals and rivals[0][0] <= distance + 2):
        return fixed
    # the plan's very letters with a stray mark among them (`SYS'TEMS`): a speck, repaired the same way
    off = f"{distance} letter{'s' if distance > 1 else ''} from" if distance else "stray marks in"
    return Fixed(
        name if fixed.text.isupper() else name.title(),
        CORRECTED,
        repaired=f"read {fixed.text!r}: {off} the payer name of plan '{plan}'",
    )


def fix_identifier(text: str) -> Fixed:
    """An account or reference number (box 26, 22): no spaces inside ('INV-2026-501 11'); a gap inside is
    flagged, for it may be a separator lost ('INV- 2026 70494' for INV-2026-70494; on a dotted fax every dash may
    go: 'INV 2026 53783' for INV-2026-53783). When the rest of the number is written with one separator, a gap
    between letters and digits is taken for it ('INV 2026-19681' for INV-2026-19681), flagged all the same. A '|'
    next to its digits is a '1' whose foot a fax lost ('CS-2026-2468 |'): taken as 1, flagged."""
    digits, bar = bar_beside_digits_as_one(text)
    if bar:
        return Fixed(re.sub(r"\s+", "", fix_text(digits).text), CORRECTED, repaired=bar)
    read = fix_text(text).text
    trimmed = trim_stray_ends(read, starts="", ends="")
    if trimmed != read:
        # the number's own characters are letters and digits; a mark before or after them is a speck or a rule's
        # remnant ('INV-2025-38657°'), but it may have been a character, so staff confirm
        why = f"read {read!r}: marks no account number starts or ends with dropped (specks)"
        rest = fix_identifier(trimmed)
        return Fixed(rest.text, CORRECTED, repaired="; ".join(filter(None, (why, rest.repaired))))
    joined = re.sub(r"\s+", "", read)
    if not re.search(r"\S\s+\S", read):
        return Fixed(joined)
    separators = set(re.findall(r"[-/]", read))
    if len(separators) == 1:
        # a number is written with one separator, and a letter prefix meets the digits at one ('INV-'): a gap
        # between letters and digits where the rest has the separator is that separator, lost; a gap among
        # digits may as well be a number the scan split ('501 11'), so it is joined
        mark = separators.pop()
        spaced = re.sub(r"\s*([-/])\s*", r"\1", read.strip())
        filled = re.sub(r"(?<=[A-Za-z])\s+(?=\d)|(?<=\d)\s+(?=[A-Za-z])", mark, spaced)
        if filled != spaced:
            why = f"read {read!r}: a gap between letters and digits taken for the {mark!r} it is written with"
            return Fixed(re.sub(r"\s+", "", filled), CORRECTED, repaired=why)
    # a gap may be a separator the scan lost, or the provider's space: joined, for staff
    return Fixed(joined, CORRECTED, repaired=f"read {read!r}: the gap inside may be a lost '-' or '/'")


def date_from_cells(month: str, day: str, year: str, *, birth: bool = False) -> Fixed:
    """MM DD YY cells (24A, box 3); a two-digit year is 20YY for services, a past year for births."""
    mm, dd = fix_cell(month, 2), fix_cell(day, 2)
    yy = fix_cell(year, 4) if len(re.sub(r"\W", "", year)) >= 4 else fix_cell(year, 2)
    factor = min(mm.factor, dd.factor, yy.factor)
    repairs = "; ".join(sorted({f.repaired for f in (mm, dd, yy) if f.repaired}))
    if len(yy.text) == 2 and yy.text.isdigit():
        century = 1900 if birth and int(yy.text) > 30 else 2000
        yy = Fixed(str(century + int(yy.text)))
    return Fixed(f"{mm.text.zfill(2)}/{dd.text.zfill(2)}/{yy.text}", factor, repaired=repairs or None)


DATE_CELLS = (("month", 1, 12), ("day", 1, 31), ("year", 0, 99))  # 24A's MM, DD, YY cells


def readable_cell(text: str, low: int, high: int) -> str | None:
    """A date cell's two digits when they read cleanly and lie in the cell's range, else None."""
    fixed = fix_cell(text, 2)
    if fixed.factor <= INVALID or not fixed.text.isdigit() or not low <= int(fixed.text) <= high:
        return None
    return fixed.text


def complete_line_dates(
    start: list[str], end: list[str], page_year: str | None = None
) -> tuple[list[str], list[str], list[str]]:
    """A 24A From or To cell that did not read (a fax lost the thin strokes of its digits) taken from
    the same cell of the other date of the line, and a year unreadable in both from the year the
    page's other service lines agree on. Returns the cells and what was filled, for staff: a line's
    From and To are usually, not always, the same day, so every fill is a guess to verify."""
    start, end, notes = list(start), list(end), []
    start_read, end_read = any(start), any(end)
    for index, (label, low, high) in enumerate(DATE_CELLS):
        first, second = readable_cell(start[index], low, high), readable_cell(end[index], low, high)
        if first and not second and end_read:
            notes.append(f"To {label} read {_shown(end[index])}: taken from the From date")
            end[index] = first
        elif second and not first and start_read:
            notes.append(f"From {label} read {_shown(start[index])}: taken from the To date")
            start[index] = second
        elif not first and not second and label == "year" and page_year:
            for side, cells, read in (("From", start, start_read), ("To", end, end_read)):
                if read:
                    notes.append(f"{side} year read {_shown(cells[index])}: the page's other lines are in {page_year}")
                    cells[index] = page_year
    return start, end, notes


def _shown(cell: str) -> str:
    return repr(cell) if cell else "blank"


def fix_date(text: str) -> Fixed:
    """A date written in one box (31): 'MM/DD/YYYY', 'MM DD YY', 'MMDDYYYY'."""
    parts = re.findall(r"[0-9OoIlSBZ]+", text)
    if len(parts) == 3:
        return date_from_cells(*parts)
    digits = fix_digits(text)
    if len(digits.text) in (6, 8):
        return date_from_cells(digits.text[:2], digits.text[2:4], digits.text[4:])
    return Fixed(text.strip(), INVALID)


_CITY_STATE_ZIP = re.compile(
    r"^(?P<city>.*?)[,\s]+(?P<state>[A-Za-z]{2})[^A-Za-z0-9]+(?P<zip>[0-9OoIlSB]{3,6}(?:[-\s]?[0-9OoIlSB]{4})?)"
    r"[^A-Za-z0-9]*$"  # specks beside the ZIP read as punctuation ('CA'95404', '95404.')
)


def split_city_state_zip(text: str) -> tuple[str, str, str] | None:
    """'OAKLAND CA 94607' or 'Oakland, CA 94607-1234' -> (city, state, zip). A ZIP read with a digit
    lost or doubled still splits the line (`fix_zip` marks it), so the city and state are kept; so does a
    ZIP read with a letter or a mark inside it ('9L7/02') or noise after it ('95338 _ oe'): the last two-letter
    word followed by ZIP-like characters is the state (`fix_zip` then marks the letters it read as digits);
    a ZIP read as letters after a state in capitals ('APTOS CA USOtH') keeps the city and state too."""
    match = _CITY_STATE_ZIP.match(" ".join(text.split()))
    if match:
        return _city(match["city"]), match["state"].upper(), re.sub(r"[-\s]", "", match["zip"])
    split = _loose_city_state_zip(text.split()) or _misread_state(text.split())
    if split is None and _STRAY_DASHES.search(text):
        return split_city_state_zip(_STRAY_DASHES.sub(" ", text))
    return split


# dashes anywhere but inside a ZIP+4: what is left of a rule the words were typed across ('HOLTVILLE -CA-92250')
_STRAY_DASHES = re.compile(r"[-_~=]+(?!\d)|(?<!\d)[-_~=]+")


def _city(text: str) -> str:
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", text)


_ZIP_LIKE = re.compile(r"[0-9OoIlLSBZ]+")  # characters a ZIP digit is read as


def _loose_city_state_zip(words: list[str]) -> tuple[str, str, str] | None:
    for index in range(len(words) - 2, 0, -1):
        state = re.sub(r"[^A-Za-z0-9]", "", words[index])
        if not re.fullmatch(r"[A-Za-z]{2}", state):
            continue
        zip_text = ""
        for word in words[index + 1 :]:
            core = re.sub(r"[^A-Za-z0-9]", "", word)
            if not _ZIP_LIKE.fullmatch(core) or len(zip_text) >= 5:
                break
            zip_text += core
        city = _city(" ".join(words[:index]))
        if not re.search("[A-Za-z]", city):
            continue
        if 4 <= len(zip_text) <= 9 and sum(ch.isdigit() for ch in zip_text) >= 3:
            return city, state.upper(), zip_text
        rest = "".join(words[index + 1 :])
        if state.isupper() and len(words) - index <= 3 and len(rest) <= 9:  # a ZIP read as letters ('USOtH')
            return city, state, rest
    return None


_CLEAN_ZIP = re.compile(r"\d{5}(?:-?\d{4})?")
_MISREAD_STATE = re.compile(r"[^A-Za-z0-9]{0,2}[A-Za-z0-9]{1,2}")  # a state with a mark in it or for a letter ('(A')


def _misread_state(words: list[str]) -> tuple[str, str, str] | None:
    """'FONTANA (A 92337': a clean ZIP last, the word before it the state read as a letter and a mark (a 'C' read
    as '('): city, the state as read (the ZIP code table decides it: `places.repair`) and ZIP."""
    if len(words) < 3 or not _CLEAN_ZIP.fullmatch(words[-1]) or not _MISREAD_STATE.fullmatch(words[-2]):
        return None
    city = _city(" ".join(words[:-2]))
    if not re.search("[A-Za-z]{2}", city):
        return None
    return city, words[-2], words[-1].replace("-", "")


def period_for_comma(text: str) -> str | None:
    """Box 2 with a '.' or ';' where the form's comma belongs ('DAVIS. FATIMA, A': a fax or copy lost the
    comma's tail; 'DAVIS; FATIMA, A': a speck above it): the name with commas there, or None when no word ends
    in a '.' or ';' before another."""
    if not re.search(r"[A-Za-z]{2,}[.;]\s+\S", text):
        return None
    return re.sub(r"(?<=[A-Za-z]{2})[.;]\s+", ", ", text)


def split_person_name(text: str) -> tuple[str, str, str] | None:
    """'LAST, FIRST, MI' (box 2) -> (last, first, middle); None when there is no comma. A lone letter
    ending the first name is the middle initial whose comma was left out or not read ('DOE, JANE Q'):
    no first name ends in a one-letter word."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    if len(parts) == 2:
        initial = re.fullmatch(r"(.+?)\s+([A-Za-z])\.?", parts[1])
        if initial:
            return parts[0], initial[1], initial[2]
    return parts[0], parts[1], parts[2] if len(parts) > 2 else ""
