"""How far a reading is from a code, counting what OCR confuses as half a misreading.

A code read with one wrong, missing or extra character is taken for a code of a closed set (the
DHCS/plan catalog, the ICD-10-CM code set) only when exactly one code of the set is nearest; this
module measures "near": an edit distance whose substitutions of shapes OCR confuses ('0'/'O',
'5'/'S', '1'/'I', '8'/'B', ...) cost half of any other change.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations
from string import ascii_uppercase, digits

CONFUSABLE_COST = 0.5  # a substitution of two shapes OCR confuses
EDIT_COST = 1.0  # any other substitution, a character dropped or one added

# Groups of characters whose printed shapes OCR takes for one another (digits and capitals, as codes
# are printed), on clean print and on faxes that lose thin strokes.
CONFUSABLE_GROUPS = (
    "0ODQU",
    "1IJLT7",
    "2Z7",
    "5S6",
    "6G",
    "68",
    "8B",
    "38",
    "9G",
    "4A",
    "08",
    "06",
    "09",
    "14",
    "35",
    "49",
    "UV",
    "EF",
    "MN",
    "CG",
    "KX",
)
CODE_CHARACTERS = ascii_uppercase + digits


@cache
def confusable_pairs() -> frozenset[tuple[str, str]]:
    return frozenset(
        pair for group in CONFUSABLE_GROUPS for a, b in combinations(group, 2) for pair in ((a, b), (b, a))
    )


def substitution_cost(read: str, meant: str) -> float:
    if read == meant:
        return 0.0
    return CONFUSABLE_COST if (read, meant) in confusable_pairs() else EDIT_COST


def misread_cost(read: str, code: str) -> float:
    """Weighted edit distance from the reading to the code (Levenshtein with confusion costs)."""
    previous = [float(j) * EDIT_COST for j in range(len(code) + 1)]
    for i, r in enumerate(read, start=1):
        current = [i * EDIT_COST]
        for j, c in enumerate(code, start=1):
            current.append(
                min(
                    previous[j] + EDIT_COST,  # a character read that the code lacks (a speck, a split stroke)
                    current[j - 1] + EDIT_COST,  # a character of the code not read
                    previous[j - 1] + substitution_cost(r, c),
                )
            )
        previous = current
    return previous[-1]


def one_edit_variants(read: str) -> set[str]:
    """Every string one substitution, insertion or deletion from the reading (codes' characters only)."""
    variants = {read[:i] + read[i + 1 :] for i in range(len(read))}
    for i in range(len(read) + 1):
        variants |= {read[:i] + ch + read[i:] for ch in CODE_CHARACTERS}
    for i in range(len(read)):
        variants |= {read[:i] + ch + read[i + 1 :] for ch in CODE_CHARACTERS if ch != read[i]}
    variants.discard(read)
    return variants


def nearest_unique(read: str, candidates, max_cost: float) -> tuple[str, float] | None:
    """The one candidate nearest the reading within max_cost, and its cost; None when no candidate is
    that near or several are equally near (the reading does not say which: staff choose)."""
    scored = sorted((misread_cost(read, code), code) for code in set(candidates))
    if not scored or scored[0][0] > max_cost:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1], scored[0][0]
