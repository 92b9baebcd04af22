"""`claims-intake encounters FILE --reference DIR [--plan P] [--history H] [--received YYYY-MM-DD] --out FILE.837`.

Checks FILE (an upload, or the JSON of `claims-intake extract --format json`) as `check` does and writes the
837P encounters of its decided claims (CLEAN, PARTIAL, DENIED) to --out. Claims that are not decided, or
cannot make a valid encounter, are listed with the reason and left out. A corrected claim (its control
number, CMS-1500 box 22, names the original) goes as a replacement: frequency code 7, REF*F8 the control
number. The file is written only if it passes the encounter checks (NPI check digits, CLM02 = sum of SV102,
DHCS codes, billable ICD-10-CM codes).
Interchange and group control numbers come from a counter file (default ~/.claims-intake/x12-control-number)
so two runs never reuse one.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from ..encounters import (
    ORIGINAL,
    REPLACEMENT,
    FileControlNumbers,
    NotEncodable,
    build_encounter,
    check_encounter_file,
    write_encounters,
)
from .check_cmd import add_check_options, read_and_check
from .output import add_format_option, print_json, print_table

DEFAULT_COUNTER = Path.home() / ".claims-intake" / "x12-control-number"
EXIT_NOTHING_DECIDED = 1
EXIT_CHECKS_FAILED = 4


def register(verbs) -> None:
    parser = verbs.add_parser("encounters", help="write the 837P encounters (005010X222A1) of a file's decided claims")
    add_check_options(parser)
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.837", help="where the 837P goes")
    add_control_numbers_option(parser)
    parser.add_argument("--usage", choices=["T", "P"], help="ISA15: T test or P production (default: data setting)")
    add_format_option(parser)
    parser.set_defaults(run=run)


def add_control_numbers_option(parser) -> None:
    """--control-numbers: the counter file the encounter and remittance verbs share (no control number twice)."""
    parser.add_argument(
        "--control-numbers",
        type=Path,
        default=DEFAULT_COUNTER,
        metavar="FILE",
        help=f"counter file of interchange control numbers (default {DEFAULT_COUNTER})",
    )


def run(args) -> int:
    checked = read_and_check(args, "encounters")
    if isinstance(checked, int):
        return checked
    reference, today = checked.reference, date.today()
    encounters, left_out = [], []
    for result in checked.results:
        original = (result.claim.control_number or "").strip()  # a corrected claim names its original (box 22)
        try:
            encounters.append(
                build_encounter(
                    result,
                    decided_on=today,
                    reference=reference,
                    frequency=REPLACEMENT if original else ORIGINAL,
                    original_reference=original,
                )
            )
        except NotEncodable as reason:
            left_out.append((result.claim.claim_id, result.claim.invoice_number, result.disposition.value, str(reason)))
    if not encounters:
        _report(args, None, left_out, [])
        return EXIT_NOTHING_DECIDED
    written = write_encounters(
        encounters, FileControlNumbers(args.control_numbers), created=datetime.now(UTC), usage=args.usage
    )
    problems = check_encounter_file(written.text)
    if not problems:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(written.text, encoding="ascii")
    _report(args, written, left_out, problems)
    return EXIT_CHECKS_FAILED if problems else 0


def _report(args, written, left_out, problems) -> None:
    if args.format == "json":
        print_json(
            {
                "out": str(args.out) if written and not problems else None,
                "control_number": written.control_number if written else None,
                "groups": written.group_control_numbers if written else {},
                "claims": list(written.claim_ids) if written else [],
                "left_out": [
                    {"claim_id": c, "invoice_number": i, "disposition": d, "reason": r} for c, i, d, r in left_out
                ],
                "problems": problems,
            }
        )
        return
    if written and not problems:
        print(
            f"{len(written.claim_ids)} encounter(s) in {args.out} (interchange {written.control_number:09d}, "
            f"groups {', '.join(f'{plan} {number}' for plan, number in written.group_control_numbers.items())})"
        )
    if left_out:
        print_table("Left out", ["Claim", "Invoice", "Disposition", "Why"], left_out)
    for problem in problems:
        print(f"encounter check: {problem}", file=sys.stderr)
    if problems:
        print(f"not written: {len(problems)} problem(s) in the encounter file", file=sys.stderr)
    elif not written:
        print("no decided claim to report: nothing written", file=sys.stderr)
