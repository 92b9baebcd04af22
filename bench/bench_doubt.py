"""Doubt goes to staff: claims the provider wrote correctly, read and checked; how many are refused because of a
reading error (must be 0), and how many go to staff REVIEW (the staff's load; target <= 15% of degraded scans).

    nice python bench/bench_doubt.py [--scans 8] [--workbooks 6] [--seed 91000] [--json out.json]

Every value is written correctly by construction: the project's generators (claims_intake_dev.testdata: scans'
degradation profiles, invoices' layouts) write claims whose truth is known, and the reference data (roster,
eligibility, TARs) is built to match that truth. Each file goes through `extract_bytes` and `check_claim`
(the intake's own path, plan given as the upload folder would). The same claim is also checked as written (the
truth: for scans the fillable PDF of the same form, read without OCR; for workbooks the generator's claims), so
a finding the truth does not have comes from the reading, not from the provider:

- refused by reading error: a claim REJECTED, DENIED, PARTIAL (a line denied) or sent an RFI on a finding the
  truth does not have, or a page refused outright (quarantined) although it is a CMS-1500 / invoice;
- REVIEW: the claim (or the page, form_uncertain) went to staff;
- decided on a misread value: CLEAN/PARTIAL/DENIED although a value differs from the truth (what REVIEW is
  there to catch: a figure for the OCR and workbook readers, not a provider-facing error).

Seeds start at --seed (default 91000): a held-out range, never looked at while the check was tuned.
CPU time is this process plus its Tesseract children (robust to other jobs on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "devkit")]

from claims_intake.catalog import plans_data
from claims_intake.check import check_claim
from claims_intake.check.doubt import FILE_REVIEW_CODES, thresholds, unplaced_columns_by_sheet
from claims_intake.check.records import compare_with_records
from claims_intake.check.result import CheckResult, Severity
from claims_intake.elements import claim_keys, line_keys
from claims_intake.extract import IntakeError, extract_bytes
from claims_intake.model import Claim
from claims_intake.ocr import scan as scan_module
from claims_intake.ocr.calibration import calibrate_claims, review_threshold, scanned_values
from claims_intake.reference import InMemoryHistory
from claims_intake_dev.testdata import invoices, scans
from claims_intake_dev.testdata.records import matching_reference, received_after, scan_truth

# What each profile is sent as (as bench_ocr.py): scanners make PDFs or JPEGs, fax servers TIFF G4.
SCAN_FORMATS = {
    "clean": "pdf",
    "office": "pdf",
    "skewed": "jpeg",
    "photocopy": "pdf",
    "gray200": "jpeg",
    "fax": "tiff",
    "upside_down": "pdf",
}
PROVIDER_FACING = {Severity.REJECT, Severity.DENY, Severity.RFI}
REFUSED = {"REJECTED", "DENIED", "PARTIAL", "RFI"}
PLAN_BY_PAYER = {name: plan for plan, name in scans.PAYERS.items()}
COMPARED_ELEMENTS = (
    "billing_provider_npi",
    "billing_provider_tin",
    "member_cin",
    "member_dob",
    "invoice_amount",
    "invoice_date",
    "invoice_number",
    "authorization_number",
)
COMPARED_LINE_ELEMENTS = (
    "procedure_code",
    "procedure_modifiers",
    "service_start_date",
    "service_end_date",
    "unit_count",
    "charge_amount",
    "diagnosis_codes",
    "place_of_service",
)


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Tally:
    """One profile's or layout's figures."""

    name: str
    files: int = 0
    claims: int = 0
    refused_by_reading: int = 0  # rejected/denied/partial/RFI on a finding the truth does not have, or quarantined
    review: int = 0
    review_all_right: int = 0  # sent to staff although every compared value was read right
    decided_on_misread: int = 0
    truth_refused: int = 0  # the truth itself refused (generator claims breaking a plan rule): not counted
    review_truth_refused: int = 0  # sent to staff, and the claim as written is refused anyway (its own errors)
    values: int = 0  # scanned values compared with the truth (scans only)
    values_wrong: int = 0
    values_flagged: int = 0  # below the review threshold or repaired unconfirmed, not settled by records: staff verify
    values_silent: int = 0  # wrong and not for staff to verify: nobody is told to check them
    dispositions: Counter = field(default_factory=Counter)
    reading_findings: Counter = field(default_factory=Counter)
    review_causes: Counter = field(default_factory=Counter)  # low_ocr_confidence:<element> or <rule> -> <would_be>
    cpu: float = 0.0
    wall: float = 0.0
    examples: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "claims": self.claims,
            "refused_by_reading_error": self.refused_by_reading,
            "review": self.review,
            "review_share": self.review / self.claims if self.claims else None,
            "review_all_values_right": self.review_all_right,
            "review_causes": dict(self.review_causes),
            "decided_on_misread_value": self.decided_on_misread,
            "values": self.values,
            "values_wrong": self.values_wrong,
            "values_to_verify": self.values_flagged,
            "silent_errors": self.values_silent,
            "silent_share": self.values_silent / self.values if self.values else None,
            "truth_refused": self.truth_refused,
            "review_of_claims_refused_as_written": self.review_truth_refused,
            "dispositions": dict(self.dispositions),
            "reading_error_findings": dict(self.reading_findings),
            "cpu_s": round(self.cpu, 2),
            "cpu_s_per_file": round(self.cpu / self.files, 3) if self.files else None,
            "wall_s": round(self.wall, 2),
            "examples": self.examples[:5],
        }


# ---- comparing a read claim with its truth -------------------------------------------------------


def facing(result: CheckResult) -> set[tuple[str, str | None, int | None]]:
    return {(f.rule, f.element, f.line) for f in result.findings if f.severity in PROVIDER_FACING}


def misread(read: Claim, truth: Claim) -> list[str]:
    wrong = [key for key in COMPARED_ELEMENTS if getattr(read, key) != getattr(truth, key)]
    if len(read.lines) != len(truth.lines):
        wrong.append("line count")
    for number, (mine, right) in enumerate(zip(read.lines, truth.lines, strict=False), start=1):
        wrong += [f"line {number} {key}" for key in COMPARED_LINE_ELEMENTS if getattr(mine, key) != getattr(right, key)]
    return wrong


def score(tally: Tally, label: str, read: CheckResult, truth: CheckResult) -> None:
    tally.claims += 1
    disposition = read.disposition.value
    tally.dispositions[disposition] += 1
    if truth.disposition.value in REFUSED | {"REJECTED"}:
        tally.truth_refused += 1
    extra = facing(read) - facing(truth)
    if disposition == "REVIEW":
        tally.review += 1
        tally.review_truth_refused += truth.disposition.value in REFUSED
        tally.review_all_right += not misread(read.claim, truth.claim)
        tally.review_causes.update(review_causes(read))
    elif disposition in REFUSED and extra:
        tally.refused_by_reading += 1
        tally.reading_findings.update(rule for rule, _, _ in extra)
        tally.examples.append(f"{label}: {disposition} on {sorted(extra)}")
    elif misread(read.claim, truth.claim):
        tally.decided_on_misread += 1


def review_causes(result: CheckResult) -> set[str]:
    causes = set()
    for finding in result.findings:
        if finding.severity is not Severity.REVIEW:
            continue
        if finding.would_be:
            causes.add(f"{finding.rule} -> {finding.would_be.value}")
        else:
            causes.update(f"{finding.rule}:{doubt.element}" for doubt in finding.doubts)
    return causes


def check(
    claim: Claim, plan: str, reference, received: date, unplaced: dict[str, list[str]] | None = None
) -> CheckResult:
    """The claim check as the intake runs it (unplaced: the sheet's columns the reader could not place)."""
    return check_claim(claim, plan, reference, InMemoryHistory(), received=received, unplaced=unplaced)


# ---- scans -----------------------------------------------------------------------------------------


def run_scan(
    tally: Tally,
    baseline: Tally,
    label: str,
    sample: scans.SampleClaim,
    data: bytes,
    filename: str,
    expected_error: str | None = None,
) -> None:
    """Read one scanned form as the intake does and score it against the form as written: `tally` with the
    calibrated confidences (what the intake does), `baseline` with the reader's own (the same read, before
    calibration: read_scan's last step, applied here to a copy)."""
    truth = scan_truth(sample)
    plan = PLAN_BY_PAYER[sample.expected["elements"]["payer_name"]]
    reference, received = matching_reference([truth], plan), received_after([truth])
    truth_result = check(truth, plan, reference, received)
    cpu, wall = cpu_seconds(), time.perf_counter()
    refusal, result, raw_claims = None, None, []
    try:
        with reader_confidences():
            result = extract_bytes(data, filename)
        raw_claims = [claim.model_copy(deep=True) for claim in result.claims]
        calibrate_claims(result.claims)
    except IntakeError as problem:
        refusal = problem.code
    checked = [check(claim, plan, reference, received) for claim in (result.claims if result is not None else [])]
    tally.cpu += cpu_seconds() - cpu
    tally.wall += time.perf_counter() - wall
    records = (reference, received)
    _score_scan(tally, label, result, refusal, checked, truth, truth_result, expected_error, records)
    with ocr_threshold(BASELINE_THRESHOLD):
        checked = [check(claim, plan, reference, received) for claim in raw_claims]
        _score_scan(baseline, label, result, refusal, checked, truth, truth_result, expected_error, records)


def _score_scan(tally, label, result, refusal, checked, truth, truth_result, expected_error, records) -> None:
    tally.files += 1
    codes = {e.code for e in result.errors} if result is not None else {refusal}
    if expected_error is not None:  # an old form version: its own refusal is right
        tally.claims += 1
        tally.dispositions[f"refused as expected: {expected_error}" if expected_error in codes else "not refused"] += 1
        if expected_error not in codes:
            tally.examples.append(f"{label}: expected {expected_error}, got {sorted(codes)}")
        return
    if not checked:
        code = "form_uncertain" if codes & FILE_REVIEW_CODES else ",".join(sorted(c for c in codes if c)) or "no_claims"
        _page_without_claim(tally, label, code)
        return
    score(tally, label, checked[0], truth_result)  # one claim per generated form
    score_values(tally, checked[0].claim, truth, *records)


BASELINE_THRESHOLD = 0.80  # the review threshold on the reader's own confidences before calibration


@contextmanager
def ocr_threshold(value: float):
    """The check's OCR review threshold set to `value` for a while (the baseline's 0.80)."""
    config = plans_data()["check"]
    saved = config["ocr_confidence_threshold"]
    config["ocr_confidence_threshold"] = value
    thresholds.cache_clear()
    try:
        yield
    finally:
        config["ocr_confidence_threshold"] = saved
        thresholds.cache_clear()


@contextmanager
def reader_confidences():
    """The scan reader without its calibration step (the reader's own confidences)."""
    saved = scan_module.calibrate_claims
    scan_module.calibrate_claims = lambda claims: None
    try:
        yield
    finally:
        scan_module.calibrate_claims = saved


def score_values(tally: Tally, read: Claim, truth: Claim, reference, received: date) -> None:
    """Each scanned value against the form as written: a wrong one goes to staff when the verification list holds it
    (calibrated confidence below the review threshold, or a repair no check confirmed) and the plan's records do not
    confirm it, or when the records contradict it (check.records); a wrong one neither is a silent error."""
    threshold = review_threshold()
    records = compare_with_records(read, reference, received)
    for ref in scanned_values(read):
        if ref.line is None:
            written = truth
        else:
            index = next(i for i, line in enumerate(read.lines) if line is ref.item)
            written = truth.lines[index] if index < len(truth.lines) else None
        right = (
            written is not None
            and getattr(ref.item, ref.key) == getattr(written, ref.key, None)
            and ref.key not in ref.item.invalid
        )
        value = (ref.key, ref.line)
        below = ref.source.needs_verification(threshold) and value not in records.confirmed
        flagged = below or value in records.doubtful
        tally.values += 1
        tally.values_flagged += flagged
        tally.values_wrong += not right
        tally.values_silent += (not right) and not flagged


def bench_scans(profiles: list[str], count: int, seed: int) -> tuple[list[Tally], list[Tally]]:
    """The degradation profiles of testdata.scans (seeds from --seed): calibrated, and the reader's own."""
    tallies, baselines = [], []
    for profile in profiles:
        tally, baseline = Tally(profile), Tally(profile)
        for number in range(seed, seed + count):
            sample = scans.sample_claim(number, lines=None)
            if len(sample.pages) > 1:  # the truth is read from one fillable page
                sample = scans.sample_claim(number, lines=scans.LINES_PER_PAGE)
            data = scans.make_scan([sample], profile, SCAN_FORMATS[profile], seed=number)
            name = f"{profile}-{number}.{SCAN_FORMATS[profile]}"
            run_scan(tally, baseline, f"{profile}-{number}", sample, data, name)
        tallies.append(tally)
        baselines.append(baseline)
        print(f"  scans {profile}: {tally.files} files read", flush=True)
    return tallies, baselines


def bench_mailroom(count: int) -> tuple[list[Tally], list[Tally]]:
    """The mailroom families of testdata.mailroom, when the dev kit has them (its HELD_OUT_SEEDS)."""
    try:
        from claims_intake_dev.testdata import mailroom
    except ImportError:
        return [], []
    tallies, baselines = [], []
    seeds = list(mailroom.HELD_OUT_SEEDS)[:count]
    for family in (*mailroom.FAMILIES, "old_version"):
        tally, baseline = Tally(f"mailroom {family}"), Tally(f"mailroom {family}")
        for seed in seeds:
            case = mailroom.make_case(family, seed)
            run_scan(tally, baseline, case.filename, case.sample, case.data, case.filename, case.expected_error)
        tallies.append(tally)
        baselines.append(baseline)
        print(f"  mailroom {family}: {tally.files} files read", flush=True)
    return tallies, baselines


def _page_without_claim(tally: Tally, label: str, code: str) -> None:
    """No claim read from a page that is a CMS-1500: staff review (form_uncertain) or a refusal (reading error)."""
    tally.claims += 1
    if code in FILE_REVIEW_CODES:
        tally.review += 1
        tally.dispositions["REVIEW (file)"] += 1
    else:
        tally.refused_by_reading += 1
        tally.dispositions[f"refused: {code}"] += 1
        tally.reading_findings[code] += 1
        tally.examples.append(f"{label}: page refused ({code})")


# ---- workbooks --------------------------------------------------------------------------------------

WORKBOOK_KINDS = ("xlsx", "csv")
PLAN = "kp"  # the invoice generators bill Kaiser Permanente


def run_workbook(tally: Tally, label: str, data: bytes, filename: str, truths: list[Claim]) -> None:
    """Read one workbook as the intake does and score each claim against the claims as written."""
    reference, received = matching_reference(truths, PLAN), received_after(truths)
    truth_results = [check(claim, PLAN, reference, received) for claim in truths]
    cpu, wall = cpu_seconds(), time.perf_counter()
    refusal, result, checked = None, None, []
    try:
        result = extract_bytes(data, filename)
        unplaced = unplaced_columns_by_sheet(result)
        checked = [check(claim, PLAN, reference, received, unplaced(claim)) for claim in result.claims]
    except IntakeError as problem:
        refusal = problem.code
    tally.cpu += cpu_seconds() - cpu
    tally.wall += time.perf_counter() - wall
    tally.files += 1
    if not checked:
        codes = {e.code for e in result.errors} if result is not None else {refusal}
        code = (
            "unmapped_columns"
            if "unmapped_columns" in codes
            else ",".join(sorted(c for c in codes if c)) or "no_claims"
        )
        for index in range(len(truths)):
            _page_without_claim(tally, f"{label}#{index + 1}", code)
        return
    for read, truth in pair_up(checked, truth_results):
        score(tally, label, read, truth)


def bench_workbooks(layouts: list[str], count: int, seed: int) -> list[Tally]:
    """The named layouts of testdata.invoices, each as .xlsx and .csv (seeds from --seed)."""
    tallies = []
    for layout in layouts:
        for kind in WORKBOOK_KINDS:
            tally = Tally(f"{layout}.{kind}")
            for number in range(seed, seed + count):
                written = invoices.sample_claims(count=3, lines=3, seed=number)
                truths = as_written(written, written_elements(invoices.LAYOUTS[layout]))
                data = invoices.invoice_bytes(written, layout, kind)
                run_workbook(tally, f"{layout}-{number}.{kind}", data, f"{layout}-{number}.{kind}", truths)
            tallies.append(tally)
            print(f"  workbooks {tally.name}: {tally.files} files read", flush=True)
    return tallies


def bench_random_layouts(count: int) -> list[Tally]:
    """Workbooks laid out as any provider might keep them (testdata.invoice_layouts, its HELD_OUT_SEEDS), when
    the dev kit has them: each seed draws its own layout."""
    try:
        from claims_intake_dev.testdata import invoice_layouts
    except ImportError:
        return []
    tally = Tally("random layouts")
    for seed in list(invoice_layouts.HELD_OUT_SEEDS)[:count]:
        workbook = invoice_layouts.random_workbook(seed)
        truths = as_written(workbook.claims, invoice_layouts.layout_fields(workbook.layout))
        run_workbook(tally, f"layout-{seed}.{workbook.kind}", workbook.data, f"layout-{seed}.{workbook.kind}", truths)
    print(f"  workbooks random layouts: {tally.files} files read", flush=True)
    return [tally]


def as_written(claims: list[Claim], written: set[str]) -> list[Claim]:
    """The claims as the layout writes them: an element the layout has no column for is not in the file (the
    provider left it out; the reader cannot be faulted for not finding it)."""
    copies = []
    for claim in claims:
        copy = claim.model_copy(deep=True)
        for item, keys in ((copy, claim_keys()), *((line, line_keys()) for line in copy.lines)):
            for key in [*keys, "minutes"]:
                if key not in written and hasattr(item, key):
                    setattr(item, key, [] if isinstance(getattr(item, key), list) else None)
        for line in copy.lines:
            if "service_end_date" not in written:
                line.service_end_date = line.service_start_date  # no end column: a one-day service
        copies.append(copy)
    return copies


def written_elements(layout: invoices.Layout) -> set[str]:
    fields = {name for _, name in layout.columns}
    if layout.provider_block:
        fields |= set(invoices.PROVIDER_FIELDS)
    composite = {"member_name": ("member_first_name", "member_last_name")}
    for name in list(fields):
        fields.update(composite.get(name, ()))
        if name.startswith("modifier:"):
            fields.add("procedure_modifiers")
        if name.startswith("dx:"):
            fields.add("diagnosis_codes")
    return fields


def pair_up(read: list[CheckResult], truth: list[CheckResult]) -> list[tuple[CheckResult, CheckResult]]:
    """Read claims with the claims as written: by invoice number, else by member and first service date, else order."""

    def key(result: CheckResult) -> tuple:
        claim = result.claim
        first = min((line.service_start_date for line in claim.lines if line.service_start_date), default=None)
        return claim.member_cin, first

    by_invoice = {t.claim.invoice_number: t for t in truth if t.claim.invoice_number}
    by_key = {key(t): t for t in truth}
    pairs = []
    for index, result in enumerate(read):
        match = (
            by_invoice.get(result.claim.invoice_number or "")
            or by_key.get(key(result))
            or (truth[index] if index < len(truth) else None)
        )
        if match is not None:
            pairs.append((result, match))
    return pairs


# ---- report ---------------------------------------------------------------------------------------


def report(title: str, tallies: list[Tally]) -> None:
    print(f"\n{title}")
    print(
        f"  {'profile/layout':<26} {'files':>5} {'claims':>6} {'refused by reading':>19} {'REVIEW':>7} "
        f"{'share':>6} {'misread decided':>16} {'cpu s/file':>10}  dispositions"
    )
    for t in tallies:
        share = f"{t.review / t.claims:.0%}" if t.claims else "-"
        print(
            f"  {t.name:<26} {t.files:>5} {t.claims:>6} {t.refused_by_reading:>19} {t.review:>7} {share:>6} "
            f"{t.decided_on_misread:>16} {t.cpu / max(t.files, 1):>10.2f}  {dict(t.dispositions)}"
        )
    scored = [t for t in tallies if t.values]
    if scored:
        print(
            f"  values (scans; review threshold {review_threshold():.2f}):\n"
            f"  {'profile':<26} {'values':>6} {'wrong':>6} {'to verify':>16} {'silent errors':>14}"
        )
        for t in scored:
            print(
                f"  {t.name:<26} {t.values:>6} {t.values_wrong:>6} {t.values_flagged / t.values:>16.1%} "
                f"{t.values_silent:>5} ({t.values_silent / t.values:.2%})"
            )
    for t in tallies:
        for example in t.examples[:3]:
            print(f"    {example}")
    reviewed = [t for t in tallies if t.review]
    if reviewed:
        causes = sum((t.review_causes for t in reviewed), Counter())
        right = sum(t.review_all_right for t in reviewed)
        print(f"  REVIEW claims with every compared value read right: {right} of {sum(t.review for t in reviewed)}")
        own = sum(t.review_truth_refused for t in reviewed)
        clean = sum(t.claims - t.truth_refused for t in tallies)
        print(
            f"  REVIEW claims the check refuses as written too (the provider's own errors, resting on a doubtful "
            f"value): {own}; REVIEW share of the claims accepted as written: "
            f"{(sum(t.review for t in reviewed) - own) / max(clean, 1):.0%} of {clean}"
        )
        print(f"  what sent claims to REVIEW (claims): {dict(causes.most_common(12))}")


def summary(title: str, tallies: list[Tally]) -> None:
    scanned = [t for t in tallies if t.claims]
    if not scanned:
        return
    claims = sum(t.claims for t in scanned)
    values = max(sum(t.values for t in scanned), 1)
    silent = sum(t.values_silent for t in scanned)
    print(
        f"\n{title}: {sum(t.refused_by_reading for t in scanned)} of {claims} refused by a reading error (must be "
        f"0); REVIEW {sum(t.review for t in scanned) / claims:.1%} (target <= 15%); {silent} silent errors of "
        f"{values} values ({silent / values:.2%}; target <= 0.5%), "
        f"{sum(t.values_flagged for t in scanned) / values:.1%} of values for staff to verify"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=8, help="forms per degradation profile")
    parser.add_argument("--workbooks", type=int, default=6, help="files (3 invoices each) per layout and kind")
    parser.add_argument("--seed", type=int, default=91000, help="first seed of the held-out range")
    parser.add_argument("--mailroom", type=int, default=4, help="forms per mailroom family (testdata.mailroom)")
    parser.add_argument(
        "--random-layouts", type=int, default=60, help="workbooks of randomly drawn layouts (testdata.invoice_layouts)"
    )
    names = lambda text: [name for name in text.split(",") if name]
    parser.add_argument("--profiles", default=",".join(scans.DEGRADED_PROFILES), type=names)
    parser.add_argument("--layouts", default=",".join(invoices.LAYOUTS), type=names)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    started = time.perf_counter()
    scan_tallies, baselines = bench_scans(args.profiles, args.scans, args.seed) if args.scans else ([], [])
    if args.mailroom:
        more, more_baselines = bench_mailroom(args.mailroom)
        scan_tallies, baselines = scan_tallies + more, baselines + more_baselines
    book_tallies = bench_workbooks(args.layouts, args.workbooks, args.seed) if args.workbooks else []
    book_tallies += bench_random_layouts(args.random_layouts) if args.random_layouts else []
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end (shared with other jobs); seeds {args.seed}.. (held out); "
        f"{time.perf_counter() - started:.0f} s wall in all"
    )
    if baselines:
        with ocr_threshold(BASELINE_THRESHOLD):
            report("Before calibration (the same reads, the reader's own confidences):", baselines)
            summary("before calibration", baselines)
    report("Degraded scans (CMS-1500), every value written correctly:", scan_tallies)
    report("Invoice workbooks, every value written correctly:", book_tallies)
    summary("all degraded scans", scan_tallies)
    if book_tallies:
        claims = sum(t.claims for t in book_tallies)
        print(
            f"all workbooks: {sum(t.refused_by_reading for t in book_tallies)} of {claims} refused by a reading "
            f"error (must be 0); REVIEW {sum(t.review for t in book_tallies) / max(claims, 1):.1%}"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seed": args.seed,
                    "scans": {t.name: t.row() for t in scan_tallies},
                    "scans_before_calibration": {t.name: t.row() for t in baselines},
                    "workbooks": {t.name: t.row() for t in book_tallies},
                },
                indent=1,
            ),
            "utf-8",
        )


if __name__ == "__main__":
    main()
