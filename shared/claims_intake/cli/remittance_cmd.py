"""`claims-intake remittance FILE --reference DIR [--plan P] [--history H] [--received D] [--paid-on D] --out FILE.835`.

Checks FILE as `check` does and writes the 835 remittance advice (005010X221A1) of its decided claims: one file
per billing provider (a second provider's file gets `-{NPI}` before the suffix). Written only if it balances
(BPR02 = sum of CLP04, CLP04 = sum of SVC03, billed - paid = CAS). Control numbers share the encounter
counter file.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..encounters import FileControlNumbers, check_remittance_file, write_remittances
from .check_cmd import add_check_options, read_and_check
from .encounters_cmd import EXIT_CHECKS_FAILED, EXIT_NOTHING_DECIDED, add_control_numbers_option
from .output import add_format_option, print_json


def register(verbs) -> None:
    parser = verbs.add_parser("remittance", help="write the 835 remittance advice (005010X221A1) of decided claims")
    add_check_options(parser)
    parser.add_argument(
        "--paid-on",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the payment run's date (BPR16; default: today)",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.835", help="where the 835 goes")
    add_control_numbers_option(parser)
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    checked = read_and_check(args, "remittance")
    if isinstance(checked, int):
        return checked
    files, left_out = write_remittances(
        checked.results,
        FileControlNumbers(args.control_numbers),
        paid_on=args.paid_on or date.today(),
        created=datetime.now(UTC),
    )
    problems = [p for remittance in files for p in check_remittance_file(remittance.text)]
    written: list[dict[str, Any]] = []
    if files and not problems:
        for index, remittance in enumerate(files):
            path = (
                args.out
                if index == 0
                else args.out.with_name(f"{args.out.stem}-{remittance.payee_npi}{args.out.suffix}")
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(remittance.text, encoding="ascii")
            written.append(
                {
                    "file": str(path),
                    "payee_npi": remittance.payee_npi,
                    "plan": remittance.plan,
                    "control_number": remittance.control_number,
                    "claims": list(remittance.claim_ids),
                }
            )
    if args.format == "json":
        print_json(
            {"files": written, "left_out": [{"claim_id": c, "reason": r} for c, r in left_out], "problems": problems}
        )
    else:
        for item in written:
            print(
                f"{item['file']}: {len(item['claims'])} claim(s) to {item['payee_npi']} "
                f"(interchange {item['control_number']:09d})"
            )
        for claim_id, reason in left_out:
            print(f"left out {claim_id}: {reason}")
        for issue in problems:
            print(f"remittance check: {issue}", file=sys.stderr)
    if problems:
        return EXIT_CHECKS_FAILED
    return 0 if written else EXIT_NOTHING_DECIDED
