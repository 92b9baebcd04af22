"""Build the table of US telephone area codes by state (shared/claims_intake/data/area_codes.yaml).

The OCR calibration checks a scanned billing provider's phone number (box 33) against it: an area code no US
state uses, an exchange the North American Numbering Plan does not allow, or an area code of another state than
the one read in box 33 says a digit was misread. The source is libphonenumber's metadata and geocoding data as
the `phonenumbers` package on PyPI carries them (Apache-2.0), itself kept from the NANPA assignments. The
runtime ships only the table; the package is read from its wheel, never installed:

    pip download --no-deps -d .area_codes 'phonenumbers==9.0.21'
    python -m claims_intake_dev.area_codes .area_codes/phonenumbers-*.whl --out shared/claims_intake/data/area_codes.yaml

Each NPA from 200 to 999 is tried with one ordinary subscriber number (exchange 234, line 5678); a number the
metadata calls valid in the US region is kept under the state its geocoding names, or under `other` when it
names none (toll-free 8xx, personal 5xx). NPAs of Canada and the Caribbean are left out: a box-33 phone there
is not a California provider's.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ",
    "New Mexico": "NM", "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH",
    "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "Washington D.C.": "DC", "Puerto Rico": "PR", "Guam": "GU", "American Samoa": "AS",
    "Northern Mariana Islands": "MP", "U.S. Virgin Islands": "VI",
}  # fmt: skip
US_REGIONS = {"US", "PR", "GU", "AS", "MP", "VI"}


def state_of(description: str) -> str | None:
    """The USPS code of the state a geocoding description names ('California', 'Oroville, CA'), or None."""
    last = description.rsplit(", ", 1)[-1].strip()
    if len(last) == 2 and last.isupper():
        return last
    return STATES.get(last)


def area_codes(phonenumbers) -> dict[str, list[int]]:
    """USPS state code (or `other`) -> the NPAs whose numbers the metadata calls valid in a US region."""
    from phonenumbers import geocoder

    table: dict[str, list[int]] = defaultdict(list)
    for npa in range(200, 1000):
        number = phonenumbers.parse(f"+1{npa}2345678")
        if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) not in US_REGIONS:
            continue
        table[state_of(geocoder.description_for_number(number, "en")) or "other"].append(npa)
    return dict(sorted(table.items()))


def render(table: dict[str, list[int]], source: str) -> str:
    lines = [
        "# US telephone area codes (NPAs) by state: a scanned box-33 phone whose area code no US state uses, or",
        "# another state's than the state read in box 33, was misread (claims_intake.ocr.calibration). `other`: valid",
        "# NPAs no state is named for (toll-free 8xx, personal 5xx). Built by claims_intake_dev.area_codes (`make",
        f"# area-codes`) from libphonenumber's metadata and geocoding data ({source}, Apache-2.0), kept by",
        f"# libphonenumber from the NANPA assignments; {datetime.now(UTC).date().isoformat()}.",
        f'source: "{source}"',
        "states:",
    ]
    lines += [f"  {state}: [{', '.join(str(npa) for npa in npas)}]" for state, npas in table.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="the phonenumbers wheel (pure Python: imported from the zip)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.wheel))
    import phonenumbers

    table = area_codes(phonenumbers)
    args.out.write_text(render(table, f"phonenumbers {phonenumbers.__version__}"), "utf-8")
    print(f"wrote {args.out}: {sum(map(len, table.values()))} area codes, {len(table)} states and `other`")


if __name__ == "__main__":
    main()
