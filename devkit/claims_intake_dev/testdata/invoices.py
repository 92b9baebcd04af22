"""Write DHCS invoice workbooks and CSVs in the layouts real providers use, for tests and samples.

    from claims_intake_dev.testdata.invoices import sample_claims, write_invoice
    claims = sample_claims(count=2, lines=3, seed=7)
    write_invoice("samples/uploads/acme.xlsx", claims, layout="title_block")

The format comes from the path's suffix (.xlsx, .xlsm, .csv; .xls needs the dev dependency xlwt). Layouts (see LAYOUTS):
  dhcs_template      the DHCS element labels as headers in row 1; every value on every row;
                     Excel dates; money as numbers
  title_block        title rows and a 'Label: value' provider block above the header; clerk words
                     ('Medi-Cal ID', 'DOS From', 'HCPCS', 'Line Total'); modifiers 'U2, GQ' in one
                     cell; dates as M/D/YYYY text; money as '$1,234.50'; a total row per invoice
  fill_down          invoice values on an invoice's first row only; 'Mod 1'/'Mod 2' and 'Dx 1'-'Dx 3'
                     columns; one 'Date of Service' column; 'Member Name' as 'LAST, FIRST'; dates
                     as Excel serial numbers; NPI and POS as numbers; a Minutes and a Notes column
  no_invoice_number  no invoice number column (rows group by provider, member and invoice date);
                     modifiers 'U2/GQ'; ISO dates
Every provider-supplied text goes through `safe_cell()` (no formula injection in what we write).
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from claims_intake.model import Claim, ServiceLine
from claims_intake.normalize import EXCEL_EPOCH
from claims_intake.spreadsheet.cells import safe_cell
from claims_intake.validators import npi_check_digit

PROVIDER_FIELDS = (
    "billing_provider_npi",
    "billing_provider_tin",
    "billing_provider_name",
    "billing_provider_phone",
    "billing_provider_address",
    "billing_provider_city",
    "billing_provider_state",
    "billing_provider_zip",
)


@dataclass(frozen=True)
class Layout:
    name: str
    columns: tuple[tuple[str, str], ...]  # (header text, field): an element key or a special field below
    title_rows: tuple[str, ...] = ()
    provider_block: bool = False  # provider facts as 'Label: value' rows above the header
    fill_down: bool = False  # claim-level cells written on an invoice's first row only
    dates: str = "excel"  # excel | serial | us_text | iso
    money: str = "number"  # number | dollar_text
    modifier_separator: str = ", "
    numbers_as_numbers: bool = False  # NPI, TIN, POS written as numbers (leading zeros lost, as Excel does)
    total_row: bool = False
    blank_row_between: bool = False


def _dhcs_template_columns() -> tuple[tuple[str, str], ...]:
    from claims_intake.elements import all_elements

    return tuple((e.label, e.key) for e in all_elements())


_CLERK_MEMBER = (
    ("Invoice #", "invoice_number"),
    ("Invoice Date", "invoice_date"),
    ("Medi-Cal ID", "member_cin"),
    ("MRN", "medical_record_number"),
    ("First Name", "member_first_name"),
    ("Last Name", "member_last_name"),
    ("DOB", "member_dob"),
    ("Homeless (Y/N)", "member_homeless_indicator"),
    ("Address", "member_address"),
    ("City", "member_city"),
    ("Zip", "member_zip"),
)

LAYOUTS: dict[str, Layout] = {
    "dhcs_template": Layout("dhcs_template", _dhcs_template_columns()),
    "title_block": Layout(
        "title_block",
        (
            *_CLERK_MEMBER,
            ("Payer ID", "primary_payer_id"),
            ("Health Plan", "payer_name"),
            ("Auth #", "authorization_number"),
            ("HCPCS", "procedure_code"),
            ("Modifiers", "procedure_modifiers"),
            ("Service Description", "service_name"),
            ("DOS From", "service_start_date"),
            ("DOS To", "service_end_date"),
            ("Units", "unit_count"),
            ("POS", "place_of_service"),
            ("Dx Codes", "diagnosis_codes"),
            ("Rate", "unit_cost"),
            ("Line Total", "charge_amount"),
            ("Rendering NPI", "rendering_provider_npi"),
            ("Invoice Total", "invoice_amount"),
        ),
        title_rows=("Community Supports Invoice", "Submitted to the health plan per DHCS billing guidance"),
        provider_block=True,
        dates="us_text",
        money="dollar_text",
        total_row=True,
        blank_row_between=True,
    ),
    "fill_down": Layout(
        "fill_down",
        (
            ("Invoice No.", "invoice_number"),
            ("Date of Invoice", "invoice_date"),
            ("Provider NPI", "billing_provider_npi"),
            ("Tax ID", "billing_provider_tin"),
            ("Provider Name", "billing_provider_name"),
            ("Provider Phone", "billing_provider_phone"),
            ("Provider Address", "billing_provider_address"),
            ("Provider City", "billing_provider_city"),
            ("Provider State", "billing_provider_state"),
            ("Provider Zip", "billing_provider_zip"),
            ("CIN #", "member_cin"),
            ("Member Name", "member_name"),
            ("Date of Birth", "member_dob"),
            ("Homeless", "member_homeless_indicator"),
            ("Member Address", "member_address"),
            ("Member City", "member_city"),
            ("Member Zip", "member_zip"),
            ("Payer ID", "primary_payer_id"),
            ("Payer Name", "payer_name"),
            ("Invoice Amount", "invoice_amount"),
            ("Date of Service", "service_start_date"),
            ("Procedure Code", "procedure_code"),
            ("Mod 1", "modifier:1"),
            ("Mod 2", "modifier:2"),
            ("Service", "service_name"),
            ("Qty", "unit_count"),
            ("Minutes", "minutes"),
            ("Place of Service", "place_of_service"),
            ("Dx 1", "dx:1"),
            ("Dx 2", "dx:2"),
            ("Dx 3", "dx:3"),
            ("Unit Rate", "unit_cost"),
            ("Billed Amount", "charge_amount"),
            ("Notes", "note"),
        ),
        fill_down=True,
        dates="serial",
        numbers_as_numbers=True,
    ),
    "no_invoice_number": Layout(
        "no_invoice_number",
        (
            ("Billing Provider NPI", "billing_provider_npi"),
            ("Billing Provider TIN", "billing_provider_tin"),
            ("Billing Provider Name", "billing_provider_name"),
            ("Phone", "billing_provider_phone"),
            ("Billing Address", "billing_provider_address"),
            ("Billing City", "billing_provider_city"),
            ("Billing State", "billing_provider_state"),
            ("Billing Zip", "billing_provider_zip"),
            ("Member CIN", "member_cin"),
            ("Member First Name", "member_first_name"),
            ("Member Last Name", "member_last_name"),
            ("Member DOB", "member_dob"),
            ("Homeless Indicator", "member_homeless_indicator"),
            ("Residential Address", "member_address"),
            ("Residential City", "member_city"),
            ("Residential Zip", "member_zip"),
            ("Primary Payer ID", "primary_payer_id"),
            ("Payer Name", "payer_name"),
            ("Invoice Date", "invoice_date"),
            ("Invoice Amount", "invoice_amount"),
            ("Procedure Code", "procedure_code"),
            ("Modifier", "procedure_modifiers"),
            ("Service Name", "service_name"),
            ("Service Start Date", "service_start_date"),
            ("Service End Date", "service_end_date"),
            ("Unit Count", "unit_count"),
            ("Place of Service", "place_of_service"),
            ("Diagnosis Code", "diagnosis_codes"),
            ("Unit Cost", "unit_cost"),
            ("Charge Amount", "charge_amount"),
        ),
        dates="iso",
        modifier_separator="/",
    ),
}


# -- writing ---------------------------------------------------------------------------------


def write_invoice(
    path: str | Path,
    claims: Sequence[Claim],
    layout: str | Layout = "dhcs_template",
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write `claims` as one invoice file at `path` (.xlsx, .xlsm, .xls or .csv) in `layout`."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    path.write_bytes(invoice_bytes(claims, layout, kind, encoding=encoding, delimiter=delimiter))
    return path


def invoice_bytes(
    claims: Sequence[Claim],
    layout: str | Layout = "dhcs_template",
    kind: str = "xlsx",
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    sheet_name: str = "Invoice",
) -> bytes:
    layout = LAYOUTS[layout] if isinstance(layout, str) else layout
    text_only = kind == "csv"
    rows = invoice_rows(claims, layout, text_only=text_only)
    if kind == "csv":
        return _csv_bytes(rows, encoding, delimiter)
    if kind in ("xlsx", "xlsm"):
        data = xlsx_bytes({sheet_name: rows})
        return add_macro_project(data) if kind == "xlsm" else data
    if kind == "xls":
        return xls_bytes({sheet_name: rows})
    raise ValueError(f"cannot write .{kind}: use .xlsx, .xlsm, .xls or .csv")


def invoice_rows(claims: Sequence[Claim], layout: Layout, *, text_only: bool = False) -> list[list[Any]]:
    """The sheet as rows of cell values, title block and header included."""
    render = _Renderer(layout, text_only)
    rows: list[list[Any]] = [[title] for title in layout.title_rows]
    columns = list(layout.columns)
    if layout.provider_block:
        rows += [[], *render.provider_block(claims), []]
        columns = [(header, key) for header, key in columns if key not in PROVIDER_FIELDS]
    rows.append([header for header, _ in columns])
    for index, claim in enumerate(claims):
        if index and layout.blank_row_between:
            rows.append([])
        for line_index, line in enumerate(claim.lines):
            first = line_index == 0 or not layout.fill_down
            rows.append([render.cell(claim, line, key, first) for _, key in columns])
        if layout.total_row:
            rows.append(render.total_row(claim, columns))
    return rows


def xlsx_bytes(sheets: dict[str, list[list[Any]]], merged: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx with one sheet per entry; text cells pass through safe_cell(). `merged`: sheet -> merged
    ranges ('A1:C1'), as Excel writes a merged cell (its value in the first cell only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for cell_range in (merged or {}).get(name, []):
            sheet.merged_cells.add(cell_range)
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, safe_cell(value))
                if isinstance(value, date):
                    cell.number_format = "mm/dd/yyyy"
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An Excel 97-2003 .xls (xlwt: a dev dependency, used only to make test files)."""
    import xlwt

    workbook = xlwt.Workbook()
    date_style = xlwt.easyxf(num_format_str="MM/DD/YYYY")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write(r, c, value, date_style)
                elif value is not None:
                    sheet.write(r, c, safe_cell(value))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_macro_project(xlsx: bytes) -> bytes:
    """Turn an .xlsx into an .xlsm by adding a VBA project part (inert bytes naming an Auto_Open macro)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            target.writestr(info, data)
        target.writestr(
            "xl/vbaProject.bin",
            b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1Attribute VB_Name Sub Auto_Open() Shell "calc" End Sub',
        )
    return buffer.getvalue()


def _csv_bytes(rows: list[list[Any]], encoding: str, delimiter: str) -> bytes:
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else safe_cell(value) for value in row])
    return buffer.getvalue().encode(encoding)


class _Renderer:
    """How one layout writes each value (dates, money, codes) into a cell."""

    def __init__(self, layout: Layout, text_only: bool):
        self.layout, self.text_only = layout, text_only

    def cell(self, claim: Claim, line: ServiceLine, key: str, first: bool) -> Any:
        special: dict[str, Callable[[], Any]] = {
            "member_name": lambda: ", ".join(n for n in (claim.member_last_name, claim.member_first_name) if n) or None,
            "minutes": lambda: line.minutes,
            "note": lambda: "" if line.line_number % 2 else "see case notes",
            "procedure_modifiers": lambda: self.layout.modifier_separator.join(line.procedure_modifiers),
            "diagnosis_codes": lambda: ", ".join(dotted_icd10(code) for code in line.diagnosis_codes),
        }
        if key.startswith("modifier:"):
            return _nth(line.procedure_modifiers, int(key.split(":")[1]))
        if key.startswith("dx:"):
            return dotted_icd10(_nth(line.diagnosis_codes, int(key.split(":")[1])) or "") or None
        if key in special:
            if key == "member_name" and not first:
                return None
            return special[key]()
        if hasattr(line, key) and key not in ("provenance", "invalid", "extras"):
            return self.value(key, getattr(line, key))
        if not first:
            return None
        return self.value(key, getattr(claim, key))

    def value(self, key: str, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, bool):
            return "Y" if value else "N"
        if isinstance(value, Decimal):
            if key in ("unit_cost", "charge_amount", "invoice_amount"):
                return self.money(value)
            return str(value) if self.text_only else (int(value) if value == value.to_integral() else float(value))
        numeric_code = key.endswith(("_npi", "_tin")) or key == "place_of_service"
        if self.layout.numbers_as_numbers and not self.text_only and numeric_code and str(value).isdigit():
            return int(value)  # as Excel stores a typed-in number: leading zeros lost
        return value

    def date(self, value: date) -> Any:
        style = self.layout.dates
        if style == "serial":
            serial = (value - EXCEL_EPOCH).days
            return str(serial) if self.text_only else serial
        if style == "iso":
            return value.isoformat()
        if style == "us_text":
            return f"{value.month}/{value.day}/{value.year}"
        return value.strftime("%m/%d/%Y") if self.text_only else value

    def money(self, value: Decimal) -> Any:
        if self.layout.money == "dollar_text":
            return f"${value:,.2f}"
        return f"{value:.2f}" if self.text_only else float(value)

    def provider_block(self, claims: Sequence[Claim]) -> list[list[Any]]:
        providers = {tuple(getattr(c, f) for f in PROVIDER_FIELDS) for c in claims}
        if len(providers) != 1:
            raise ValueError("a provider block needs every claim from one billing provider")
        labels = {
            "billing_provider_npi": "Billing Provider NPI:",
            "billing_provider_tin": "Tax ID:",
            "billing_provider_name": "Provider Name:",
            "billing_provider_phone": "Phone:",
            "billing_provider_address": "Provider Address:",
            "billing_provider_city": "Provider City:",
            "billing_provider_state": "Provider State:",
            "billing_provider_zip": "Provider Zip:",
        }
        claim = claims[0]
        return [[labels[f], self.value(f, getattr(claim, f))] for f in PROVIDER_FIELDS]

    def total_row(self, claim: Claim, columns: list[tuple[str, str]]) -> list[Any]:
        keys = [key for _, key in columns]
        row: list[Any] = [None] * len(keys)
        row[0] = "Total"
        if "charge_amount" in keys:
            charges = [line.charge_amount for line in claim.lines if isinstance(line.charge_amount, Decimal)]
            row[keys.index("charge_amount")] = self.money(sum(charges, Decimal("0.00")))
        return row


def _nth(values: list[str], position: int) -> str | None:
    return values[position - 1] if len(values) >= position else None


def dotted_icd10(code: str) -> str:
    """'Z5901' -> 'Z59.01' (how providers write ICD-10-CM)."""
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


# -- sample claims ---------------------------------------------------------------------------

_SERVICES = [  # (code, modifiers, service name, unit cost, minutes per unit or None)
    ("G9012", ["U2"], "ECM In-Person: Provided by Non-Clinical Staff", Decimal("45.00"), None),
    ("G9012", ["U2", "GQ"], "ECM Phone/Telehealth: Provided by Non-Clinical Staff", Decimal("40.00"), None),
    ("G9008", ["U1"], "ECM In-Person: Provided by Clinical Staff", Decimal("85.00"), None),
    ("H0043", ["U6"], "Housing Transition/Navigation Services", Decimal("120.00"), None),
    ("T2040", ["U6"], "Housing Tenancy and Sustaining Services (financial management)", Decimal("18.75"), 15),
    ("T2033", ["U6"], "Recuperative Care (Medical Respite)", Decimal("250.00"), None),
]
_FIRST = ["Maria", "James", "Ana", "Luis", "Grace", "Tomas", "Keisha", "Duc"]
_LAST = ["Garcia", "Nguyen", "Smith", "Hernandez", "Lee", "Johnson", "O'Brien", "Lopez"]
_STREETS = ["Main St", "Oak Ave", "2nd St", "Mission Blvd", "Palm Dr"]
_CITIES = [("Oakland", "94607"), ("Fresno", "93721"), ("Bakersfield", "93301"), ("Santa Rosa", "95404")]
_DIAGNOSES = ["Z5901", "Z5902", "Z5941", "Z600", "Z91198", "F329", "E119"]


def sample_npi(rng: random.Random) -> str:
    first_nine = "1" + "".join(rng.choice("0123456789") for _ in range(8))
    return first_nine + npi_check_digit(first_nine)


def sample_claims(
    count: int = 2,
    lines: int = 3,
    seed: int = 0,
    *,
    start: date = date(2024, 3, 4),
    provider_name: str = "Golden State Community Care",
) -> list[Claim]:
    """`count` valid ECM/CS claims of `lines` lines each, from one billing provider, reproducible by `seed`."""
    rng = random.Random(seed)
    provider = {
        "billing_provider_npi": sample_npi(rng),
        "billing_provider_tin": "0" + "".join(rng.choice("0123456789") for _ in range(8)),
        "billing_provider_name": provider_name,
        "billing_provider_phone": "5105550" + str(rng.randint(100, 999)),
        "billing_provider_address": f"{rng.randint(100, 9999)} Broadway",
        "billing_provider_city": "Oakland",
        "billing_provider_state": "CA",
        "billing_provider_zip": "94612",
    }
    claims = []
    for number in range(count):
        city, zip_code = rng.choice(_CITIES)
        claim = Claim(
            **provider,
            member_cin=f"9{rng.randint(0, 9999999):07d}{rng.choice('ABCDEFGH')}",
            medical_record_number=f"MRN{rng.randint(10000, 99999)}",
            member_first_name=rng.choice(_FIRST),
            member_last_name=rng.choice(_LAST),
            member_homeless_indicator=rng.random() < 0.4,
            member_address=f"{rng.randint(10, 999)} {rng.choice(_STREETS)}",
            member_city=city,
            member_zip=zip_code,
            member_dob=date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000)),
            primary_payer_id="KP-NCAL",
            payer_name="Kaiser Permanente",
            invoice_date=start + timedelta(days=30),
            invoice_number=f"INV-{seed:02d}{number + 1:04d}",
            authorization_number=f"TAR{rng.randint(100000, 999999)}",
        )
        for line_number in range(1, lines + 1):
            code, modifiers, name, rate, minutes_per_unit = rng.choice(_SERVICES)
            units = Decimal(rng.randint(1, 4))
            day = start + timedelta(days=rng.randint(0, 25))
            claim.lines.append(
                ServiceLine(
                    line_number=line_number,
                    procedure_code=code,
                    procedure_modifiers=list(modifiers),
                    service_name=name,
                    service_start_date=day,
                    service_end_date=day,
                    unit_count=units,
                    unit_cost=rate,
                    charge_amount=rate * units,
                    place_of_service=rng.choice(["04", "12", "99"]),
                    diagnosis_codes=rng.sample(_DIAGNOSES, rng.randint(1, 3)),
                    rendering_provider_npi=sample_npi(rng),
                    minutes=int(units) * minutes_per_unit if minutes_per_unit else None,
                )
            )
        claim.invoice_amount = sum((line.charge_amount for line in claim.lines), Decimal("0.00"))
        claims.append(claim)
    return claims


SAMPLE_SET = (  # (file name, layout, write options): one upload per way providers send invoices
    ("invoice_dhcs_template.xlsx", "dhcs_template", {}),
    ("invoice_title_block.xlsx", "title_block", {}),
    ("invoice_fill_down.xlsm", "fill_down", {}),
    ("invoice_no_invoice_number.csv", "no_invoice_number", {}),
    ("invoice_title_block_cp1252.csv", "title_block", {"encoding": "cp1252", "delimiter": ";"}),
)


def write_samples(directory: str | Path, seed: int = 0, lines: int = 3) -> list[Path]:
    """Write the SAMPLE_SET into `directory` (one provider per file, two invoices each); return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for offset, (name, layout, options) in enumerate(SAMPLE_SET):
        claims = sample_claims(
            count=2, lines=lines, seed=seed + offset, provider_name=_PROVIDERS[offset % len(_PROVIDERS)]
        )
        paths.append(write_invoice(directory / name, claims, layout, **options))
    return paths


_PROVIDERS = [
    "Golden State Community Care",
    "Peña Housing Partners",
    "Valley Recuperative Care",
    "Bay Area Care Coordination",
    "Kern Community Supports",
]
