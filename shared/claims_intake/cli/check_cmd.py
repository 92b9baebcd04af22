"""`claims-intake check FILE --reference DIR [--plan kp|phc|khs] [--history FILE] [--format json]`.

FILE is an upload (read with `claims_intake.extract.extract_file`) or the JSON that
`claims-intake extract --format json` prints. Without --plan, each claim's plan is the one its
payer names; a claim billed to no known plan is REJECTED.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import plan_ids
from ..check import CheckResult, check_extract
from ..errors import IntakeError
from ..extract import extract_file
from ..model import Claim, ExtractError, ExtractResult, SourceInfo
from ..reference import InMemoryHistory, InMemoryReference, ReferenceDataError, load_history_csv, load_reference_dir
from .extract_cmd import (
    EXIT_READ_WITH_PROBLEMS,
    EXIT_UNREADABLE,
    add_mapping_option,
    load_mapping_option,
    report_no_claims,
    report_unreadable,
)
from .output import add_format_option, print_json, print_table

if TYPE_CHECKING:
    from ..spreadsheet.mapping import ConfirmedMapping


def register(verbs) -> None:
    parser = verbs.add_parser(
        "check", help="check claims against the DHCS catalog, plan rules, eligibility, TARs and history"
    )
    add_check_options(parser, "the plan checking the claims (default: the plan each claim's payer names)")
    add_mapping_option(parser)
    add_format_option(parser)
    parser.set_defaults(run=run)


def add_check_options(
    parser, plan_help: str = "the plan deciding the claims (default: the plan each claim's payer names)"
) -> None:
    """FILE, --reference, --plan, --history and --received: what `read_and_check` reads, for every verb built on it
    (check, encounters, remittance), so the three verbs take them alike."""
    parser.add_argument(
        "file", help="an upload (spreadsheet, CMS-1500 PDF/image) or the JSON of `claims-intake extract --format json`"
    )
    parser.add_argument(
        "--reference",
        required=True,
        metavar="DIR",
        help="folder with eligibility.csv, authorizations.csv, providers.csv (docs/reference-data.md)",
    )
    parser.add_argument("--plan", choices=plan_ids(), help=plan_help)
    parser.add_argument("--history", metavar="FILE", help="claims history CSV (docs/reference-data.md)")
    parser.add_argument(
        "--received",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="date the plan received the file, for timely filing (default: today)",
    )


@dataclass
class CheckedFile:
    """A file read and its claims checked: what the check, encounters and remittance verbs start from."""

    extracted: ExtractResult
    reference: InMemoryReference
    results: list[CheckResult]


def read_and_check(args, verb: str, mapping: ConfirmedMapping | None = None) -> CheckedFile | int:
    """Load --reference and --history, read FILE and check its claims; or, when that cannot be done, say why
    (unreadable file, bad reference data, no claims) and give the exit code."""
    try:
        reference = load_reference_dir(args.reference)
        history = load_history_csv(args.history) if args.history else InMemoryHistory()
        extracted = read_claims(Path(args.file), mapping)
    except IntakeError as error:
        return report_unreadable(args.file, error, args.format)
    except (ReferenceDataError, OSError, ValueError) as problem:
        print(f"claims-intake {verb}: {_plainly(problem)}", file=sys.stderr)
        return EXIT_UNREADABLE
    if not extracted.claims:
        return report_no_claims(args.file, extracted, args.format)
    results = check_extract(extracted, args.plan, reference, history, received=args.received)
    return CheckedFile(extracted, reference, results)


def run(args) -> int:
    checked = read_and_check(args, "check", load_mapping_option(args))
    if isinstance(checked, int):
        return checked
    extracted, results = checked.extracted, checked.results
    if args.format == "json":
        print_json(
            {
                "source": extracted.source.model_dump(exclude_none=True),
                "claims": [result.to_output() for result in results],
                "errors": [error.model_dump(exclude_none=True) for error in extracted.errors],
                "summary": dict(Counter(result.disposition.value for result in results)),
            }
        )
    else:
        print_tables(extracted, results)
    return EXIT_READ_WITH_PROBLEMS if extracted.errors else 0


def _plainly(problem: Exception) -> str:
    """An OSError as 'PATH: no such file or folder' rather than '[Errno 2] No such file or directory: ...'."""
    if isinstance(problem, FileNotFoundError) and problem.filename:
        return f"{problem.filename}: no such file or folder"
    if isinstance(problem, OSError) and problem.filename and problem.strerror:
        return f"{problem.filename}: {problem.strerror.lower()}"
    return str(problem)


def read_claims(path: Path, mapping: ConfirmedMapping | None = None) -> ExtractResult:
    if not path.exists():
        raise OSError(f"'{path}' does not exist")
    if path.suffix.lower() == ".json":
        return extract_result_from_json(json.loads(path.read_text("utf-8")), path)
    try:
        return extract_file(path, mapping=mapping)
    except ImportError as missing:  # a reader not installed in this build (spreadsheet, OCR)
        raise ValueError(
            f"cannot read '{path.name}' here ({missing}); pass the JSON of `claims-intake extract --format json`"
        ) from None


def extract_result_from_json(data, path: Path) -> ExtractResult:
    """The output of `claims-intake extract --format json` (or a list of claims) back into an ExtractResult."""
    if isinstance(data, list):
        data = {"claims": data}
    if not isinstance(data, dict) or "claims" not in data:
        raise ValueError(f"'{path.name}' is not the JSON of `claims-intake extract`: no 'claims' list")
    source = data.get("source") or {"file": path.name, "kind": "json"}
    return ExtractResult(
        source=SourceInfo(**source),
        claims=[Claim.from_output(claim) for claim in data["claims"]],
        errors=[ExtractError(**error) for error in data.get("errors", [])],
    )


def print_tables(extracted: ExtractResult, results) -> None:
    print_table(
        f"Claim check — {extracted.source.file}",
        ["#", "Claim", "Invoice", "Billing NPI", "Plan", "Lines", "Billed", "Allowed", "Disposition"],
        [
            (
                index,
                r.claim.claim_id,
                r.claim.invoice_number,
                r.claim.billing_provider_npi,
                r.plan or "?",
                len(r.lines),
                _money(r.claim.invoice_amount),
                _money(r.allowed_total),
                r.disposition.value,
            )
            for index, r in enumerate(results, start=1)
        ],
    )
    print_table(
        "Lines",
        ["#", "Line", "Code", "Dates", "Units", "Charge", "Disposition", "Allowed"],
        [
            (
                index,
                decided.line_number,
                line.combination,
                _dates(line),
                line.unit_count,
                _money(line.charge_amount),
                decided.disposition.value,
                _money(decided.allowed_amount),
            )
            for index, r in enumerate(results, start=1)
            for line, decided in zip(r.claim.lines, r.lines, strict=False)
        ],
    )
    findings = [
        (index, f.line or "", f.severity.value, f.category.value, f.element or "", f.message, f.cite)
        for index, r in enumerate(results, start=1)
        for f in r.findings
    ]
    if findings:
        print_table("Findings", ["#", "Line", "Severity", "Category", "Element", "Message", "Rule source"], findings)
    for error in extracted.errors:
        print(f"extract error {error.code}: {error.message}")


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _dates(line) -> str:
    start, end = line.service_start_date, line.service_end_date
    if start is None:
        return ""
    return f"{start:%m/%d/%Y}" if end in (None, start) else f"{start:%m/%d/%Y}-{end:%m/%d/%Y}"
