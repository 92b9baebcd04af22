"""`claims-intake extract FILE [--format json]`: the DHCS claims in a spreadsheet or CMS-1500 scan.

Exit codes: 0 the file was read and every claim in it; 1 claims were read but the file also has problems
(a missing required column, a cell or box that does not parse, a page that gave no claim: listed as
errors); 2 nothing could be read (not a claim file, corrupt, too large, no claim at all); 3 an internal
error or a missing tool (Tesseract)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import yaml

from ..errors import IntakeError
from ..extract import extract_file
from ..model import ExtractResult

if TYPE_CHECKING:
    from ..spreadsheet.mapping import ConfirmedMapping
from .output import add_format_option, print_json, print_table

EXIT_READ = 0
EXIT_READ_WITH_PROBLEMS = 1
EXIT_UNREADABLE = 2


def register(verbs) -> None:
    parser = verbs.add_parser("extract", help="extract DHCS claims from an invoice spreadsheet or CMS-1500 scan")
    parser.add_argument("file", help="the .xlsx/.xlsm/.xls/.csv invoice or .pdf/.tif/.png/.jpg CMS-1500")
    add_mapping_option(parser)
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    try:
        mapping = load_mapping_option(args)
        result = extract_file(args.file, mapping=mapping) if mapping else extract_file(args.file)
    except IntakeError as error:
        return report_unreadable(args.file, error, args.format)
    except (OSError, ValueError) as problem:  # a missing Tesseract (TesseractMissing) is neither: main() explains it
        print(f"claims-intake extract: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    if not result.claims:
        return report_no_claims(args.file, result, args.format)
    if args.format == "json":
        print_json(result.to_output())
    else:
        print_extract_tables(result)
    return EXIT_READ_WITH_PROBLEMS if result.errors else EXIT_READ


def add_mapping_option(parser) -> None:
    parser.add_argument(
        "--mapping",
        metavar="FILE",
        help="spreadsheet columns to place as given, JSON or YAML: "
        '{"columns": {"Client Last": "member_last_name", "Notes": null}} (docs/spreadsheet.md)',
    )


def load_mapping_option(args) -> ConfirmedMapping | None:
    """The --mapping file, or None; a file that is not a mapping is a ValueError naming what is wrong."""
    if not getattr(args, "mapping", None):
        return None
    from ..spreadsheet.mapping import ConfirmedMapping  # the spreadsheet reader only when a mapping is given

    try:
        return ConfirmedMapping.load(args.mapping)
    except (json.JSONDecodeError, yaml.YAMLError) as problem:
        raise ValueError(f"--mapping {args.mapping}: not JSON or YAML ({problem})") from None
    except ValueError as problem:
        raise ValueError(f"--mapping {args.mapping}: {problem}") from None


def report_unreadable(path: str, error: IntakeError, output_format: str) -> int:
    if output_format == "json":
        print_json({"source": {"file": path}, "claims": [], "errors": [error.to_output()]})
    else:
        print(f"error: {error.message}", file=sys.stderr)
    return EXIT_UNREADABLE


def report_no_claims(path: str, result: ExtractResult, output_format: str) -> int:
    """A file that opened but gave no claim (not a CMS-1500, a blank form...): an error, not an empty success."""
    if output_format == "json":
        output = result.to_output()
        output["errors"] = output["errors"] or [
            {"code": "no_claims", "message": "no claim could be read from the file"}
        ]
        print_json(output)
    else:
        reasons = "; ".join(error.message for error in result.errors[:3]) or "no claim could be read from the file"
        print(f"error: {path}: {reasons}", file=sys.stderr)
    return EXIT_UNREADABLE


def print_extract_tables(result: ExtractResult) -> None:
    for claim in result.claims:
        title = f"Invoice {claim.invoice_number or '?'} — NPI {claim.billing_provider_npi or '?'} — {len(claim.lines)} line(s)"
        print_table(
            title,
            ["#", "From", "To", "Code", "Mods", "Units", "Charge", "POS", "Dx"],
            [
                (
                    line.line_number,
                    line.service_start_date,
                    line.service_end_date,
                    line.procedure_code,
                    " ".join(line.procedure_modifiers),
                    line.unit_count,
                    line.charge_amount,
                    line.place_of_service,
                    " ".join(line.diagnosis_codes),
                )
                for line in claim.lines
            ],
        )
    for error in result.errors:
        where = ", ".join(
            f"{k} {v}"
            for k, v in error.model_dump(exclude_none=True).items()
            if k in ("sheet", "row", "column", "page", "box")
        )
        print(f"error ({where}): {error.message}" if where else f"error: {error.message}")
