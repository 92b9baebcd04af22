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
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable

from ..model import Claim, ServiceLine

INVOICE_DATE = date(2026, 11, 20)
PAYERS = {"phc": ("PHC01", "Partnership HealthPlan of California"), "kp": ("94135", "Kaiser Permanente"),
          "khs": ("KHS01", "Kern Health Systems")}
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
    "90000009J": ("Sofia", "Martinez", date(1964, 8, 25)),
    "90000010K": ("Thomas", "Allen", date(1958, 2, 11)),
    "90000011L": ("Grace", "Hall", date(1982, 5, 29)),
    "90000013N": ("Emily", "Davis", date(1993, 2, 19)),
    "90000014P": ("Carlos", "Ramirez", date(1987, 4, 9)),
}


def service(code: str, modifiers: str, start: str, end: str | None = None, units: str = "1",
            cost: str = "400.00", dx: str = "Z59.01") -> ServiceLine:
    count, unit_cost = Decimal(units), Decimal(cost)
    return ServiceLine(
        procedure_code=code, procedure_modifiers=[m for m in modifiers.split("-") if m],
        service_start_date=date.fromisoformat(start), service_end_date=date.fromisoformat(end or start),
        unit_count=count, place_of_service="12", diagnosis_codes=dx.replace(".", "").split(),
        unit_cost=unit_cost, charge_amount=(count * unit_cost).quantize(Decimal("0.01")))


def invoice(number: str, plan: str, provider: str, member: str, *lines: ServiceLine, tar: str | None = None,
            **overrides) -> Claim:
    """A claim with every DHCS element filled from the sample reference data; `overrides` break it on purpose."""
    for index, line in enumerate(lines, start=1):
        line.line_number = index
    first, last, dob = MEMBERS[member]
    tin, name, street, city, zip_code = PROVIDERS[provider]
    payer_id, payer_name = PAYERS[plan]
    values = dict(
        billing_provider_npi=provider, billing_provider_tin=tin, billing_provider_name=name,
        billing_provider_phone="7075551234", billing_provider_address=street, billing_provider_city=city,
        billing_provider_state="CA", billing_provider_zip=zip_code,
        member_cin=member, member_first_name=first, member_last_name=last, member_dob=dob,
        member_homeless_indicator=True, member_address="200 Oak Avenue", member_city=city, member_zip=zip_code,
        primary_payer_id=payer_id, payer_name=payer_name, invoice_date=INVOICE_DATE, invoice_number=number,
        authorization_number=tar, invoice_amount=sum((line.charge_amount for line in lines), Decimal("0.00")),
        lines=list(lines))
    values.update(overrides)
    return Claim(**values)


@dataclass
class Sample:
    """One upload: where it goes in the bucket, how it is written, what each claim must come out as."""

    key: str                      # uploads/{provider NPI}/[{plan}/]{file}
    describe: str                 # one line for people: layout or scan quality
    claims: list[Claim]
    expected: list[str]           # disposition per claim, in file order
    writer: Callable[["Sample", Path], None] = field(repr=False, default=None)
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
            "uploads/1456700016/phc/solano-ccn-2026-11.xlsx", "DHCS invoice template (.xlsx), 3 invoices",
            [invoice("SCCN-2026-1105", "phc", "1456700016", "90000001A",
                     service("G9008", "U1", "2026-11-05"), service("H0043", "U6", "2026-11-05", cost="386.00"),
                     tar="TAR-PHC-1001"),
             invoice("SCCN-2026-1106", "phc", "1456700016", "90000002B",
                     service("G9012", "U2", "2026-09-15"), service("G9012", "U2", "2026-10-20"),
                     tar="TAR-PHC-1008"),
             invoice("SCCN-2026-1107", "phc", "1456700016", "90000004D",
                     service("G9008", "U1", "2026-11-03"), tar="TAR-PHC-1007")],
            ["CLEAN", "PARTIAL", "DENIED"],
            writer=_spreadsheet("dhcs_template"),
            why=["eligible, authorized", "not eligible on part of the dates", "Kaiser primary at Partnership"]),
        Sample(
            "uploads/1456700024/bay-housing-2026-10.xlsx", "fill-down rows, Excel serial dates (.xlsx), 2 invoices",
            [invoice("BHP-2026-0415", "phc", "1456700024", "90000005E",
                     service("H0044", "U2", "2026-10-15", cost="3500.00"), tar="TAR-PHC-1003"),
             invoice("BHP-2026-0420", "phc", "1456700024", "90000013N",
                     service("H0044", "U2", "2026-10-20", cost="1500.00"), tar="TAR-PHC-1011")],
            ["RFI", "CLEAN"],
            writer=_spreadsheet("fill_down"),
            why=["housing deposit without documents", "housing deposit lifetime cap"]),
        Sample(
            "uploads/1456700032/kp/valley-lead-2026-10.csv", "DHCS element headers as CSV, 2 invoices",
            [invoice("VLC-1014", "kp", "1456700032", "90000009J",
                     service("T2033", "U6", "2026-10-01", "2026-10-14", units="14", cost="210.00"),
                     tar="TAR-KP-2001"),
             invoice("VLC-1015", "kp", "1456700032", "90000014P", service("G9008", "U1", "2026-10-15", cost="450.00"))],
            ["CLEAN", "DENIED"],
            writer=_spreadsheet("dhcs_template"),
            why=["Kaiser: eligible, authorized", "Kaiser: not eligible"]),
        Sample(
            "uploads/1456700040/khs/kern-recovery-2026-10.xlsx", "title block, clerk headers, $ text (.xlsx), 2 invoices",
            [invoice("KRH-2026-1101", "khs", "1456700040", "90000010K",
                     service("H0043", "U3", "2026-10-01", "2026-10-30", units="30", cost="100.00"),
                     tar="TAR-KHS-3001"),
             invoice("KRH-2026-1102", "khs", "1456700040", "90000011L",
                     service("T2033", "U6", "2026-10-01", "2026-10-10", units="10", cost="204.00"),
                     tar="TAR-KHS-3002")],
            ["CLEAN", "REJECTED"],
            writer=_spreadsheet("title_block"),
            why=["Kern: STPH bed-hold invoice", "Kern: invoice for another service (004 IV.B.5)"]),
    ]


def all_samples() -> list[Sample]:
    return spreadsheet_samples() + scan_samples()


def scan_samples() -> list[Sample]:
    return []


def write_samples(out_dir: Path, samples: list[Sample] | None = None) -> Path:
    """Write every sample under out_dir/{key without 'uploads/'} and out_dir/expected.json."""
    out_dir = Path(out_dir)
    samples = samples if samples is not None else all_samples()
    manifest = []
    for sample in samples:
        path = out_dir / sample.key.removeprefix("uploads/")
        path.parent.mkdir(parents=True, exist_ok=True)
        sample.writer(sample, path)
        manifest.append({"key": sample.key, "file": str(path.relative_to(out_dir)), "describe": sample.describe,
                         "claims": [{"invoice_number": claim.invoice_number or None, "expected": expected,
                                     "scenario": why}
                                    for claim, expected, why in zip(sample.claims, sample.expected, sample.why)]})
    (out_dir / "expected.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return out_dir / "expected.json"
