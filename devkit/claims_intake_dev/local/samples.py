"""The demo's uploads: invoice spreadsheets and CMS-1500 scans that together produce every disposition.

Each sample is built from the scenarios of docs/reference-data.md (members, providers and TARs of
samples/reference/), written with the project's own writers (testdata.invoices for spreadsheets in the
layouts providers use, testdata.scans for CMS-1500 scans filled on the real form and degraded like a
scanner or fax), and listed with the disposition each claim must get in `samples/uploads/expected.json`.
Every member appears in one file only, so the results do not depend on the order files are processed.

    python samples/make_uploads.py            # rewrites samples/uploads/
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from claims_intake.model import Claim, ServiceLine

INVOICE_DATE = date(2026, 11, 20)
PAYERS = {
    "phc": ("PHC01", "Partnership HealthPlan of California"),
    "kp": ("94135", "Kaiser Permanente"),
    "khs": ("KHS01", "Kern Health Systems"),
}
PROVIDERS = {  # npi: (tin, name, street, city, zip) — samples/reference/providers.csv
    "1456700016": ("941234501", "Solano Community Care Network", "100 Main Street", "Fairfield", "94533"),
    "1456700024": ("941234502", "Bay Housing Partners", "55 Harbor Way", "Vallejo", "94590"),
    "1456700032": ("951234503", "Valley Lead Care LLC", "800 Fruitvale Ave", "Oakland", "94601"),
    "1456700040": ("771234504", "Kern Recovery Homes", "1200 Truxtun Ave", "Bakersfield", "93301"),
}
MEMBERS = {  # cin: (first, last, dob) — samples/reference/eligibility.csv (fake people)
    "90000001A": ("Maria", "Lopez", date(1968, 4, 12)),
    "90000002B": ("James", "Carter", date(1975, 9, 30)),
    "90000003C": ("Linda", "Nguyen", date(1952, 1, 22)),
    "90000004D": ("Robert", "Kim", date(1960, 6, 5)),
    "90000005E": ("Angela", "Brooks", date(1985, 11, 17)),
    "90000006F": ("Daniel", "Reyes", date(1979, 3, 8)),
    "90000008H": ("Kevin", "Walker", date(1971, 12, 2)),
    "90000009J": ("Sofia", "Martinez", date(1964, 8, 25)),
    "90000010K": ("Thomas", "Allen", date(1958, 2, 11)),
    "90000011L": ("Grace", "Hall", date(1982, 5, 29)),
    "90000012M": ("Michael", "Scott", date(1966, 10, 3)),
    "90000013N": ("Emily", "Davis", date(1993, 2, 19)),
    "90000014P": ("Carlos", "Ramirez", date(1987, 4, 9)),
}


def service(
    code: str,
    modifiers: str,
    start: str,
    end: str | None = None,
    units: str = "1",
    cost: str = "400.00",
    dx: str = "Z59.01",
) -> ServiceLine:
    count, unit_cost = Decimal(units), Decimal(cost)
    return ServiceLine(
        procedure_code=code,
        procedure_modifiers=[m for m in modifiers.split("-") if m],
        service_start_date=date.fromisoformat(start),
        service_end_date=date.fromisoformat(end or start),
        unit_count=count,
        place_of_service="12",
        diagnosis_codes=dx.replace(".", "").split(),
        unit_cost=unit_cost,
        charge_amount=(count * unit_cost).quantize(Decimal("0.01")),
    )


def invoice(
    number: str, plan: str, provider: str, member: str, *lines: ServiceLine, tar: str | None = None, **overrides
) -> Claim:
    """A claim with every DHCS element filled from the sample reference data; `overrides` break it on purpose."""
    for index, line in enumerate(lines, start=1):
        line.line_number = index
    first, last, dob = MEMBERS[member]
    tin, name, street, city, zip_code = PROVIDERS[provider]
    payer_id, payer_name = PAYERS[plan]
    values = {
        "billing_provider_npi": provider,
        "billing_provider_tin": tin,
        "billing_provider_name": name,
        "billing_provider_phone": "7075551234",
        "billing_provider_address": street,
        "billing_provider_city": city,
        "billing_provider_state": "CA",
        "billing_provider_zip": zip_code,
        "member_cin": member,
        "member_first_name": first,
        "member_last_name": last,
        "member_dob": dob,
        "member_homeless_indicator": True,
        "member_address": "200 Oak Avenue",
        "member_city": city,
        "member_zip": zip_code,
        "primary_payer_id": payer_id,
        "payer_name": payer_name,
        "invoice_date": INVOICE_DATE,
        "invoice_number": number,
        "authorization_number": tar,
        "invoice_amount": sum((line.charge_amount for line in lines), Decimal("0.00")),
        "lines": list(lines),
    }
    values.update(overrides)
    return Claim(**values)


@dataclass
class Sample:
    """One upload: where it goes in the bucket, how it is written, what each claim must come out as."""

    key: str  # uploads/{provider NPI}/[{plan}/]{file}
    describe: str  # one line for people: layout or scan quality
    claims: list[Claim]
    expected: list[str]  # disposition per claim, in file order
    writer: Callable[[Sample, Path], None] = field(repr=False, default=None)
    why: list[str] = field(default_factory=list)  # the scenario of each claim (docs/reference-data.md)

    @property
    def filename(self) -> str:
        return self.key.rsplit("/", 1)[-1]


def _spreadsheet(layout: str) -> Callable[[Sample, Path], None]:
    def write(sample: Sample, path: Path) -> None:
        from ..testdata.invoices import write_invoice

        write_invoice(path, sample.claims, layout=layout)

    return write


def spreadsheet_samples() -> list[Sample]:
    return [
        Sample(
            "uploads/1456700016/phc/solano-ccn-2026-11.xlsx",
            "DHCS invoice template (.xlsx), 3 invoices",
            [
                invoice(
                    "SCCN-2026-1105",
                    "phc",
                    "1456700016",
                    "90000001A",
                    service("G9008", "U1", "2026-11-05"),
                    service("H0043", "U6", "2026-11-05", cost="386.00"),
                    tar="TAR-PHC-1001",
                ),
                invoice(
                    "SCCN-2026-1106",
                    "phc",
                    "1456700016",
                    "90000002B",
                    service("G9012", "U2", "2026-09-15"),
                    service("G9012", "U2", "2026-10-20"),
                    tar="TAR-PHC-1008",
                ),
                invoice(
                    "SCCN-2026-1107",
                    "phc",
                    "1456700016",
                    "90000004D",
                    service("G9008", "U1", "2026-11-03"),
                    tar="TAR-PHC-1007",
                ),
            ],
            ["CLEAN", "PARTIAL", "DENIED"],
            writer=_spreadsheet("dhcs_template"),
            why=["eligible, authorized", "not eligible on part of the dates", "Kaiser primary at Partnership"],
        ),
        Sample(
            "uploads/1456700024/bay-housing-2026-10.xlsx",
            "fill-down rows, Excel serial dates (.xlsx), 2 invoices",
            [
                invoice(
                    "BHP-2026-0415",
                    "phc",
                    "1456700024",
                    "90000005E",
                    service("H0044", "U2", "2026-10-15", cost="3500.00"),
                    tar="TAR-PHC-1003",
                ),
                invoice(
                    "BHP-2026-0420",
                    "phc",
                    "1456700024",
                    "90000013N",
                    service("H0044", "U2", "2026-10-20", cost="1500.00"),
                    tar="TAR-PHC-1011",
                ),
            ],
            ["RFI", "CLEAN"],
            writer=_spreadsheet("fill_down"),
            why=["housing deposit without documents", "housing deposit lifetime cap"],
        ),
        Sample(
            "uploads/1456700032/kp/valley-lead-2026-10.csv",
            "DHCS element headers as CSV, 2 invoices",
            [
                invoice(
                    "VLC-1014",
                    "kp",
                    "1456700032",
                    "90000009J",
                    service("T2033", "U6", "2026-10-01", "2026-10-14", units="14", cost="210.00"),
                    tar="TAR-KP-2001",
                ),
                invoice(
                    "VLC-1015", "kp", "1456700032", "90000014P", service("G9008", "U1", "2026-10-15", cost="450.00")
                ),
            ],
            ["CLEAN", "DENIED"],
            writer=_spreadsheet("dhcs_template"),
            why=["Kaiser: eligible, authorized", "Kaiser: not eligible"],
        ),
        Sample(
            "uploads/1456700040/khs/kern-recovery-2026-10.xlsx",
            "title block, clerk headers, $ text (.xlsx), 2 invoices",
            [
                invoice(
                    "KRH-2026-1101",
                    "khs",
                    "1456700040",
                    "90000010K",
                    service("H0043", "U3", "2026-10-01", "2026-10-30", units="30", cost="100.00"),
                    tar="TAR-KHS-3001",
                ),
                invoice(
                    "KRH-2026-1102",
                    "khs",
                    "1456700040",
                    "90000011L",
                    service("T2033", "U6", "2026-10-01", "2026-10-10", units="10", cost="204.00"),
                    tar="TAR-KHS-3002",
                ),
            ],
            ["CLEAN", "REJECTED"],
            writer=_spreadsheet("title_block"),
            why=["Kern: STPH bed-hold invoice", "Kern: invoice for another service (004 IV.B.5)"],
        ),
    ]


def all_samples() -> list[Sample]:
    return spreadsheet_samples() + scan_samples()


def scan_samples() -> list[Sample]:
    """CMS-1500s. Box 23 is left blank on the CLEAN and REVIEW forms: the OCR reads 'TAR-PHC-1006' as
    'TARPHC1006', which the check does not match to the TAR on file (an RFI) — see docs/local.md."""
    return [
        Sample(
            "uploads/1456700032/kp/walker-ecm-typed.pdf",
            "CMS-1500, filled fillable PDF (typed in)",
            [
                invoice(
                    "VLC-ECM-1020", "kp", "1456700032", "90000008H", service("G9012", "U2", "2026-10-20", cost="450.00")
                )
            ],
            ["CLEAN"],
            writer=_fillable,
            why=["Kaiser: subsequent ECM in a month ($0.01 allowed, 000 billing guidelines)"],
        ),
        Sample(
            "uploads/1456700024/phc/scott-tenancy-scan.pdf",
            "CMS-1500, office scan (PDF)",
            [
                invoice(
                    "BHP-TS-1014", "phc", "1456700024", "90000012M", service("T2040", "U6", "2026-10-14", cost="222.00")
                )
            ],
            ["CLEAN"],
            writer=_scan("office", "pdf", seed=13),
            why=[
                "tenancy sustaining services, authorized (TAR-PHC-1009 on file); every value read right and, once "
                "calibrated, sure (box 21's low OCR score no longer sends it to staff)"
            ],
        ),
        Sample(
            "uploads/1456700024/phc/nguyen-housing-fax.tif",
            "CMS-1500, 200-dpi fax (TIFF G4)",
            [
                invoice(
                    "BHP-CS-1104", "phc", "1456700024", "90000003C", service("H2016", "U6", "2026-11-04", cost="386.00")
                )
            ],
            ["CLEAN"],
            writer=_scan("fax", "tiff", seed=11),
            why=["every value of the fax read with calibrated confidence (D-SNP at Partnership: the CS claim)"],
        ),
        Sample(
            "uploads/1456700016/phc/reyes-recuperative-care.pdf",
            "CMS-1500, photocopy (PDF), NPI typo",
            [
                invoice(
                    "SCCN-CS-1010",
                    "phc",
                    "1456700016",
                    "90000006F",
                    service("T2033", "U6", "2026-10-01", "2026-10-10", units="10", cost="204.00"),
                    tar="TAR-PHC-1004",
                    billing_provider_npi="1456700017",
                )
            ],
            ["REVIEW"],
            writer=_scan("photocopy", "pdf", seed=12),
            why=[
                "NPI 1456700017 fails its check digit, read from a photocopy with low confidence: staff verify it "
                "against the scan (a typo or a misreading?) before the provider is told (then REJECTED)"
            ],
        ),
    ]


def _fillable(sample: Sample, path: Path) -> None:
    """The CMS-1500 typed into the fillable PDF and saved (what a provider's billing software sends)."""
    from ..testdata.scans import fill_form

    path.write_bytes(fill_form(scan_sample(sample.claims[0]).pages[0]))


def _scan(profile: str, file_format: str, seed: int) -> Callable[[Sample, Path], None]:
    def write(sample: Sample, path: Path) -> None:
        from ..testdata.scans import make_scan

        path.write_bytes(make_scan([scan_sample(claim) for claim in sample.claims], profile, file_format, seed=seed))

    return write


def scan_sample(claim: Claim):
    """The CMS-1500 fields (names of the fillable PDF, docs/cms1500) that carry `claim`, one form page."""
    from ..testdata.scans import PAYERS as FORM_PAYERS
    from ..testdata.scans import SampleClaim, _money_field

    if len(claim.lines) > 6:
        raise ValueError("scan samples hold one form page (six lines)")
    plan = next(plan for plan, (payer_id, _) in PAYERS.items() if payer_id == claim.primary_payer_id)
    dob = claim.member_dob
    diagnoses = list(dict.fromkeys(code for line in claim.lines for code in line.diagnosis_codes))
    fields = {
        "insurance_name": FORM_PAYERS[plan],
        "insurance_address": "MEDI-CAL CLAIMS",
        "insurance_id": claim.member_cin,
        "insurance_type": "Medicaid",
        "pt_name": f"{claim.member_last_name}, {claim.member_first_name}".upper(),
        "birth_mm": f"{dob.month:02d}",
        "birth_dd": f"{dob.day:02d}",
        "birth_yy": f"{dob.year}",
        "sex": "F",
        "pt_street": claim.member_address.upper(),
        "pt_city": claim.member_city.upper(),
        "pt_state": "CA",
        "pt_zip": claim.member_zip,
        "ins_name": "SAME",
        "tax_id": claim.billing_provider_tin,
        "ssn": "EIN",
        "pt_account": claim.invoice_number,
        "physician_signature": "ON FILE",
        "physician_date": claim.invoice_date.strftime("%m/%d/%Y"),
        "doc_name": claim.billing_provider_name.upper(),
        "doc_street": claim.billing_provider_address.upper(),
        "doc_location": f"{claim.billing_provider_city.upper()} CA {claim.billing_provider_zip}",
        "doc_phone area": claim.billing_provider_phone[:3],
        "doc_phone": f"{claim.billing_provider_phone[3:6]}-{claim.billing_provider_phone[6:]}",
        "pin": claim.billing_provider_npi,
        "t_charge": _money_field(claim.invoice_amount),
        "amt_paid": "0 00",
    }
    if claim.authorization_number:
        fields["prior_auth"] = claim.authorization_number
    for index, code in enumerate(diagnoses, start=1):
        fields[f"diagnosis{index}"] = f"{code[:3]}.{code[3:]}" if len(code) > 3 else code
    for slot, line in enumerate(claim.lines, start=1):
        start, end = line.service_start_date, line.service_end_date
        pointers = "".join("ABCDEFGHIJKL"[diagnoses.index(code)] for code in line.diagnosis_codes)
        fields.update(
            {
                f"sv{slot}_mm_from": f"{start.month:02d}",
                f"sv{slot}_dd_from": f"{start.day:02d}",
                f"sv{slot}_yy_from": f"{start.year % 100:02d}",
                f"sv{slot}_mm_end": f"{end.month:02d}",
                f"sv{slot}_dd_end": f"{end.day:02d}",
                f"sv{slot}_yy_end": f"{end.year % 100:02d}",
                f"place{slot}": line.place_of_service,
                f"cpt{slot}": line.procedure_code,
                f"diag{slot}": pointers,
                f"ch{slot}": _money_field(line.charge_amount),
                f"day{slot}": str(int(line.unit_count)),
            }
        )
        for name, modifier in zip(
            (f"mod{slot}", f"mod{slot}a", f"mod{slot}b", f"mod{slot}c"), line.procedure_modifiers, strict=False
        ):
            fields[name] = modifier
    return SampleClaim(pages=[fields], expected={}, seed=0)


def write_samples(out_dir: Path, samples: list[Sample] | None = None) -> Path:
    """Write every sample under out_dir/{key without 'uploads/'} and out_dir/expected.json."""
    out_dir = Path(out_dir)
    samples = samples if samples is not None else all_samples()
    manifest = []
    for sample in samples:
        path = out_dir / sample.key.removeprefix("uploads/")
        path.parent.mkdir(parents=True, exist_ok=True)
        sample.writer(sample, path)
        manifest.append(
            {
                "key": sample.key,
                "file": str(path.relative_to(out_dir)),
                "describe": sample.describe,
                "claims": [
                    {"invoice_number": claim.invoice_number or None, "expected": expected, "scenario": why}
                    for claim, expected, why in zip(sample.claims, sample.expected, sample.why, strict=False)
                ],
            }
        )
    (out_dir / "expected.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return out_dir / "expected.json"


def check_samples(out_dir: Path, reference_dir: Path) -> list[str]:
    """Read and check every written sample offline (no AWS) and say where a disposition differs from
    the expected one: the same extract and check the intake Lambda runs, on the same reference data."""
    from claims_intake.check import check_extract
    from claims_intake.extract import extract_file
    from claims_intake.reference import load_history_csv, load_reference_dir

    reference = load_reference_dir(reference_dir)
    history_file = Path(reference_dir) / "history.csv"
    history = load_history_csv(history_file) if history_file.exists() else None
    problems = []
    for sample in all_samples():
        parts = sample.key.split("/")
        plan = parts[2] if len(parts) == 4 else None
        results = check_extract(
            extract_file(Path(out_dir) / sample.key.removeprefix("uploads/")), plan, reference, history
        )
        got = [result.disposition.value for result in results]
        if got != sample.expected:
            problems.append(f"{sample.key}: expected {sample.expected}, got {got}")
    return problems
