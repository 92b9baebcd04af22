"""A scanned city, state and ZIP checked against the US ZIP code table (the `zipcodes` package: the USPS
ZIP codes with each one's state, primary city and the other place names USPS accepts for it;
docs/reference-data.md).

A misread ZIP (`93301` read `93401`), city (`BAKERSFIELI`, `LURLKA` for EUREKA) or state (`GA` for `CA`)
stays well formed, so no check on the value alone sees it; the three together do:

- `agreement`: the ZIP exists, lies in that state, and the city is one of its place names: an independent
  confirmation of all three; a ZIP no table knows, in another state, or a city that is no name of it:
  evidence that one of the three was misread.
- `repair`: when they disagree, the one place and ZIP the reading is nearest to (a city a letter or two off
  a name of the ZIP read, or a ZIP one digit off one of the city's), when exactly one fits.

The table is decompressed on the first look-up (about 0.6 s CPU once per process), never at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from rapidfuzz.distance import Levenshtein

# The repair note's words that the calibration takes as an independent confirmation (model.CONFIRMED_BY).
CONFIRMED_BY_TABLE = "confirmed by the ZIP code table"
CHOSEN_BY_TABLE = "the ZIP code table has no such place"  # every repair's note: the table chose the value
PREFIX_TABLE = "data/zip_prefixes.yaml"  # each state's 3-digit ZIP prefixes (USPS L002)
# The scanned addresses: city, state and ZIP elements of box 5 (its state is read for the claim's extras, not an
# element) and box 33.
ADDRESSES = (
    ("member_city", "member_state", "member_zip"),
    ("billing_provider_city", "billing_provider_state", "billing_provider_zip"),
)


@dataclass(frozen=True)
class ZipEntry:
    """One ZIP code of the table: its state, the names USPS accepts for its place (primary first), and names
    people write that USPS does not accept (neighbourhoods, old names)."""

    zip_code: str
    state: str
    names: tuple[str, ...]
    other_names: frozenset[str]


@dataclass(frozen=True)
class AddressRepair:
    """The city, state and ZIP the table points to, and what changed from the reading and why."""

    city: str
    state: str
    zip_code: str
    changed: tuple[str, ...]  # which of "city", "state", "zip" changed
    note: str
    confirmed: bool


def place_name(text: str) -> str:
    """A city as the table compares it: capitals, one space between words, no punctuation."""
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text.upper()).split())


@cache
def zip_entry(zip_code: str) -> ZipEntry | None:
    """The table's entry for a 5-digit ZIP (a ZIP+4 by its first five), None when the table has no such ZIP."""
    import zipcodes  # decompresses the table on its first query: only a scan with an address pays for it

    digits = zip_code.replace("-", "")[:5]
    if not re.fullmatch(r"\d{5}", digits):
        return None
    found = zipcodes.matching(digits)
    if not found:
        return None
    entry = found[0]
    names = tuple(dict.fromkeys(place_name(n) for n in [entry["city"], *entry["acceptable_cities"]]))
    return ZipEntry(digits, str(entry["state"]), names, frozenset(place_name(n) for n in entry["unacceptable_cities"]))


def agreement(city: str | None, state: str | None, zip_code: str | None) -> int:
    """+1 when the ZIP exists, lies in the state, and the city is one of its accepted place names; -1 when the
    ZIP is in no table, in another state, or the city is none of its names (with no ZIP read: no place of the
    state); 0 when the city or state is missing, the ZIP is missing or malformed (its own checks judge it) and
    the city is a place of the state, or the city is a name USPS knows for the ZIP but does not accept."""
    if not city or not state:
        return 0
    if not zip_code or not re.fullmatch(r"\d{5}(\d{4})?", zip_code.replace("-", "")):
        return -1 if not city_in_state(city, state) else 0
    entry = zip_entry(zip_code)
    if entry is None or entry.state != state.upper():
        return -1
    name = place_name(city)
    if name in entry.names:
        return 1
    return 0 if name in entry.other_names else -1


@cache
def state_names(state: str) -> frozenset[str]:
    """Every place name the table has in a state (accepted or not); empty for no state it knows."""
    import zipcodes

    if not re.fullmatch(r"[A-Z]{2}", state):
        return frozenset()
    found = zipcodes.filter_by(state=state)
    names = (n for z in found for n in [z["city"], *z["acceptable_cities"], *z["unacceptable_cities"]])
    return frozenset(place_name(n) for n in names)


@cache
def zip_prefixes() -> dict[str, tuple[tuple[int, int], ...]]:
    """Per USPS state code, the 3-digit ZIP prefixes its post offices use (inclusive ranges; none for the
    military and Pacific codes, which the table does not list)."""
    data = yaml.safe_load(resources.files("claims_intake").joinpath(PREFIX_TABLE).read_text("utf-8"))
    ranges: dict[str, tuple[tuple[int, int], ...]] = dict.fromkeys(data["other_codes"], ())
    for state, spans in data["states"].items():
        bounds = [tuple(int(part) for part in span.split("-")) for span in spans]
        ranges[state] = tuple((b[0], b[-1]) for b in bounds)
    return ranges


@cache
def place_words() -> frozenset[str]:
    """Every word (letters only) of every place name the table has, in every state with ZIP prefixes: the
    words of a city line no English word list holds (ADELANTO, AGOURA)."""
    states = [state for state, spans in zip_prefixes().items() if spans]
    return frozenset(word for state in states for name in state_names(state) for word in name.split() if word.isalpha())


def city_in_state(city: str, state: str) -> bool:
    return place_name(city) in state_names(state.upper())


def near(read: str, name: str) -> bool:
    """A reading a letter or two off the name: 1 edit in a name of up to 5 characters, 2 in a longer one."""
    allowed = 1 if len(name) <= 5 else 2
    return Levenshtein.distance(read, name, score_cutoff=allowed) <= allowed


def neighbour_zips(digits: str) -> list[str]:
    """The 5-digit ZIPs one digit away from a reading: one digit changed (of 5), lost (of 4) or doubled (of 6)."""
    if len(digits) == 5:
        return [digits[:i] + d + digits[i + 1 :] for i in range(5) for d in "0123456789" if d != digits[i]]
    if len(digits) == 4:
        return list(dict.fromkeys(digits[:i] + d + digits[i:] for i in range(5) for d in "0123456789"))
    if len(digits) == 6:
        return list(dict.fromkeys(digits[:i] + digits[i + 1 :] for i in range(6)))
    return []


def repair(city: str | None, state: str | None, zip_code: str | None) -> AddressRepair | None:
    """The one place and ZIP a disagreeing reading points to, or None (no candidate, or more than one).

    - The ZIP read exists and the city reads as one of its names a letter or two off (or exactly, with the state
      read as another a letter off, or as no state at all: 'UN', 'A'): city (and state) taken from the ZIP. City and ZIP point to the place independently, so
      the repair is confirmed when at most one of the three values changed.
    - Else a ZIP one digit from the one read (a digit changed, lost or doubled) whose names include the city
      (exactly or a letter or two off), in the state read (or, when none is, in a state a letter off it): that
      pair, when exactly one. The ZIP was chosen by the city, so it is never confirmed.
    """
    if not city or not state:
        return None
    if not zip_code or not re.fullmatch(r"\d{4,6}|\d{9}", zip_code.replace("-", "")):
        return _city_of_state(city, state.upper())
    if len(zip_code.replace("-", "")) in (5, 9) and agreement(city, state, zip_code) >= 0:
        return None
    digits, name, state = zip_code.replace("-", ""), place_name(city), state.upper()
    digits = digits[:5] if len(digits) == 9 else digits
    entry = zip_entry(digits) if len(digits) == 5 else None
    if entry is not None:
        fitted = nearest_name(name, entry)
        if fitted and (entry.state == state or near(state, entry.state) or not state_names(state)):
            return _repair_of(name, state, digits, fitted, entry.state, digits)
    fitting = [
        (found, fitted)
        for other in neighbour_zips(digits)
        if (found := zip_entry(other)) is not None and (fitted := nearest_name(name, found))
    ]
    # the state read first; a state a letter off it only when none of the state read fits ('ROSEVILLE GA 95078')
    pairs = [(found, fitted) for found, fitted in fitting if found.state == state]
    pairs = pairs or [(found, fitted) for found, fitted in fitting if near(state, found.state)]
    if len(pairs) != 1:
        return None
    found, fitted = pairs[0]
    return _repair_of(name, state, digits, fitted, found.state, found.zip_code)


def _city_of_state(city: str, state: str) -> AddressRepair | None:
    """No ZIP to go by: a city that is no place of the state, a letter or two off exactly one that is, taken for
    it (for staff: the state alone is weak evidence)."""
    name = place_name(city)
    if not name or name in state_names(state):
        return None
    fitting = [n for n in state_names(state) if near(name, n)]
    if len(fitting) != 1:
        return None
    note = (
        f"city read {city!r}, no ZIP read: {CHOSEN_BY_TABLE} in {state}; {fitting[0]} is the one a letter or two away"
    )
    return AddressRepair(fitting[0], state, "", ("city",), note, False)


def nearest_name(name: str, entry: ZipEntry) -> str | None:
    """The ZIP's place name a reading is a letter or two off (the nearest, the primary name on a tie), or None.
    Several names of one ZIP near the reading ('SAN LUIS OBISPO', 'SN LUIS OBISP') are one place."""
    fitting = [n for n in entry.names if near(name, n)]
    return min(fitting, key=lambda n: Levenshtein.distance(name, n)) if fitting else None


def _repair_of(name: str, state: str, zip_code: str, new_name: str, new_state: str, new_zip: str) -> AddressRepair:
    changed = tuple(
        label
        for label, old, new in (("city", name, new_name), ("state", state, new_state), ("zip", zip_code, new_zip))
        if old != new
    )
    read = f"{name} {state} {zip_code}"
    confirmed = len(changed) == 1 and "zip" not in changed
    note = f"{', '.join(changed)} read {read!r}: {CHOSEN_BY_TABLE}; {new_name} {new_state} {new_zip} is the one place within reach"
    return AddressRepair(
        new_name, new_state, new_zip, changed, f"{note}, {CONFIRMED_BY_TABLE}" if confirmed else note, confirmed
    )
