"""Invoice workbooks laid out as any provider might keep them: a random layout per seed, for tests and accuracy.

    from claims_intake_dev.testdata.invoice_layouts import random_workbook, TUNING_SEEDS, HELD_OUT_SEEDS
    workbook = random_workbook(seed)            # .data (bytes), .kind, .claims (the truth), .layout (what was drawn)

Each seed draws, independently: header words for every element (role words x field words x number marks x
case styles, with abbreviations and an occasional typo), which optional elements appear, the column order,
unrelated columns (notes, staff, program year), a title block (provider facts, or one invoice's facts when each
sheet holds one invoice), a header over two rows with group cells, invoice values filled down or repeated,
total and blank rows, and the value formats (dates as Excel dates, serials, MM/DD/YY, M/D/YYYY, ISO; money as
numbers or '$1,234.50'; modifiers in one cell with any separator or in numbered columns in any order;
diagnoses dotted or not; phones, TINs and ZIPs as people type them).

The vocabulary here is written apart from the reader's (data/header_synonyms.yaml) and is wider. Seeds are split:
TUNING_SEEDS may be looked at while improving the reader; HELD_OUT_SEEDS are only ever measured
(bench/eval_spreadsheet_layouts.py), and that figure is what docs/spreadsheet.md reports.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from claims_intake.model import Claim
from claims_intake.normalize import EXCEL_EPOCH
from claims_intake.spreadsheet.cells import column_letter

from .invoices import _csv_bytes, dotted_icd10, sample_claims, xlsx_bytes

TUNING_SEEDS = range(0, 1500)
HELD_OUT_SEEDS = range(1_000_000, 1_000_300)

_BILLING = [
    "Billing Provider",
    "Billing",
    "Provider",
    "Prov",
    "Billing Prov",
    "Pay-To",
    "Agency",
    "Organization",
    "Org",
    "Vendor",
    "Billing Org",
    "Group",
    "Facility",
]
_MEMBER = [
    "Member",
    "Mbr",
    "Client",
    "Patient",
    "Pt",
    "Beneficiary",
    "Participant",
    "Recipient",
    "Enrollee",
    "Consumer",
    "Member/Client",
]
_RENDERING = [
    "Rendering Provider",
    "Rendering",
    "Servicing Provider",
    "Servicing",
    "Staff",
    "Practitioner",
    "Performing Provider",
    "Rendering Prov",
]
_NUMBER = ["", " #", " No.", " Number", " Num", " ID"]

FIELD_WORDS: dict[str, list[str]] = {
    "npi": ["NPI", "NPI #", "NPI Number", "NPI No.", "National Provider ID", "Natl Provider Identifier"],
    "tin": ["TIN", "Tax ID", "EIN", "Fed Tax ID", "Tax ID #", "TIN/EIN", "Federal Tax ID", "Tax Identification Number"],
    "provider_name": ["Name", "Provider Name", "Legal Name", "Entity", "Business Name"],
    "phone": ["Phone", "Phone #", "Telephone", "Tel", "Phone Number", "Contact Phone", "Ph"],
    "address": ["Address", "Street", "Street Address", "Addr", "Address Line 1", "Address 1"],
    "city": ["City", "Town"],
    "state": ["State", "ST"],
    "zip": ["Zip", "ZIP Code", "Postal Code", "Zip Code", "Postal"],
    "first": ["First Name", "First", "Given Name", "FName"],
    "last": ["Last Name", "Last", "Surname", "Family Name", "LName"],
    "full_name": ["Name", "Full Name", "Name (Last, First)"],
    "dob": ["DOB", "Date of Birth", "Birth Date", "Birthdate", "D.O.B."],
    "cin": [
        "CIN",
        "Medi-Cal ID",
        "Medi-Cal #",
        "CIN #",
        "Medi-Cal CIN",
        "Client Index Number",
        "Medi-Cal Number",
        "ID",
    ],
    "mrn": ["MRN", "Medical Record #", "Medical Record Number", "Chart #", "Chart Number"],
    "homeless": [
        "Homeless",
        "Homeless (Y/N)",
        "Homeless Indicator",
        "Homeless?",
        "Experiencing Homelessness",
        "Homeless Status",
        "Homeless Flag",
    ],
}

OTHER_HEADERS: dict[str, list[str]] = {
    "primary_payer_id": ["Payer ID", "Primary Payer ID", "Plan ID", "Health Plan ID", "Payer #", "MCP ID", "Payor ID"],
    "payer_name": ["Payer", "Payer Name", "Health Plan", "Plan Name", "MCP", "Managed Care Plan", "Insurance", "Payor"],
    "invoice_number": [
        "Invoice #",
        "Invoice Number",
        "Invoice No.",
        "Inv #",
        "Inv No",
        "Invoice ID",
        "Bill #",
        "Claim #",
        "Invoice",
    ],
    "invoice_date": [
        "Invoice Date",
        "Inv Date",
        "Date of Invoice",
        "Billing Date",
        "Bill Date",
        "Date Billed",
        "Invoice Dt",
        "Submission Date",
    ],
    "invoice_amount": [
        "Invoice Amount",
        "Invoice Total",
        "Total Invoice Amount",
        "Inv Total",
        "Invoice Amt",
        "Claim Total",
        "Total Due",
    ],
    "authorization_number": [
        "Auth #",
        "Authorization Number",
        "Authorization #",
        "Prior Auth",
        "Auth No",
        "TAR #",
        "Prior Authorization",
        "Auth ID",
        "Referral #",
    ],
    "procedure_code": [
        "HCPCS",
        "Procedure Code",
        "CPT/HCPCS Code",
        "HCPCS Code",
        "Proc Code",
        "Service Code",
        "CPT/HCPCS",
        "Billing Code",
        "Procedure",
    ],
    "procedure_modifiers": ["Modifier", "Modifiers", "Mod", "Mods", "HCPCS Modifier", "Procedure Modifier(s)"],
    "modifier_n": ["Modifier {n}", "Mod {n}", "Mod{n}", "Modifier #{n}", "MOD {n}"],
    "service_name": [
        "Service Name",
        "Service",
        "Service Description",
        "Description",
        "Svc Description",
        "Service Type",
        "Program",
    ],
    "service_start_date": [
        "DOS From",
        "Service Start Date",
        "From Date",
        "Start Date",
        "Svc Start",
        "Date From",
        "Service From",
        "DOS Start",
        "Begin Date",
        "Svc Date From",
    ],
    "service_end_date": [
        "DOS To",
        "Service End Date",
        "To Date",
        "End Date",
        "Svc End",
        "Date To",
        "Service To",
        "DOS End",
        "Thru Date",
        "Through Date",
        "Svc Date To",
    ],
    "service_date": ["Date of Service", "DOS", "Service Date", "Svc Date", "Visit Date", "Encounter Date"],
    "unit_count": [
        "Units",
        "Qty",
        "Quantity",
        "Unit Count",
        "Units Billed",
        "# of Units",
        "Service Units",
        "Days/Units",
    ],
    "place_of_service": ["POS", "Place of Service", "POS Code", "Place of Svc", "Location Code"],
    "diagnosis_codes": [
        "Diagnosis Code",
        "Dx",
        "Dx Codes",
        "ICD-10",
        "ICD-10 Code(s)",
        "Diagnosis Codes",
        "Diagnoses",
        "Diag Codes",
    ],
    "dx_n": ["Dx {n}", "DX{n}", "Diagnosis {n}", "ICD-10 Code {n}", "Diag {n}", "Dx Code {n}"],
    "unit_cost": ["Rate", "Unit Cost", "Unit Rate", "Rate per Unit", "Cost per Unit", "Unit Price", "Price"],
    "charge_amount": [
        "Charge Amount",
        "Line Total",
        "Billed Amount",
        "Charges",
        "Amount",
        "Total Amount",
        "Line Charge",
        "Amount Billed",
        "Chg Amt",
        "Total Charge",
    ],
    "rendering_provider_npi": [],
    "minutes": ["Minutes", "Service Minutes", "Mins", "Time (Minutes)", "Duration (min)"],
}

NOISE = {
    "Notes": ["", "see case notes", "follow-up", "phone outreach"],
    "Case Manager": ["Pat Jones", "R. Singh"],
    "Staff Name": ["Alex Kim", "Jordan Ruiz"],
    "Program Year": [2024],
    "Visit Type": ["Initial", "Follow-up"],
    "Comments": ["", "late entry"],
    "Status": ["Submitted", "Pending"],
    "Location": ["Office", "Field"],
}

PROVIDER_KEYS = (
    "billing_provider_npi",
    "billing_provider_tin",
    "billing_provider_name",
    "billing_provider_phone",
    "billing_provider_address",
    "billing_provider_city",
    "billing_provider_state",
    "billing_provider_zip",
)
MEMBER_KEYS = (
    "member_cin",
    "medical_record_number",
    "member_first_name",
    "member_last_name",
    "member_dob",
    "member_homeless_indicator",
    "member_address",
    "member_city",
    "member_zip",
)
INVOICE_KEYS = (
    "invoice_number",
    "invoice_date",
    "invoice_amount",
    "primary_payer_id",
    "payer_name",
    "authorization_number",
)
LINE_KEYS = (
    "procedure_code",
    "procedure_modifiers",
    "service_name",
    "service_start_date",
    "service_end_date",
    "unit_count",
    "place_of_service",
    "diagnosis_codes",
    "unit_cost",
    "charge_amount",
    "rendering_provider_npi",
)
OPTIONAL = {"medical_record_number", "authorization_number", "rendering_provider_npi", "service_name", "minutes"}


@dataclass
class DrawnLayout:
    """What one seed drew (kept with the workbook so a miss can be explained)."""

    columns: list[tuple[str, str]]  # (header text, field)
    title: list[tuple[str, str]] = field(default_factory=list)  # (label, element) given once above the table
    title_rows: list[str] = field(default_factory=list)
    title_inline: bool = True
    group_row: list[str] | None = None  # a header over two rows: the upper row's group cells
    per_sheet: bool = False  # one invoice per sheet, its facts in the title block
    fill_down: bool = False
    total_row: bool = False
    total_label: str = "Total"  # '' : a row of sums without a label
    total_at: str = "first"  # where the label goes: the first column, the code column, left of the charge
    total_units: bool = False  # the total row sums the units too
    grand_total: bool = False  # one more total row under the last invoice, over the whole sheet
    date_group: tuple[str, str, str] | None = None  # ('Service Dates', 'From', 'To'): a two-row date header
    blank_rows: bool = False
    dates: str = "excel"
    dob_dates: str = "excel"
    money: str = "number"
    modifier_sep: str = ", "
    dx_sep: str = ", "
    dx_dotted: bool = True
    phone: str = "dashes"
    tin: str = "digits"
    numbers: bool = False
    homeless: tuple[str, str] = ("Y", "N")
    kind: str = "xlsx"


@dataclass
class Workbook:
    data: bytes
    kind: str
    claims: list[Claim]
    layout: DrawnLayout

    @property
    def filename(self) -> str:
        return f"invoice.{self.kind}"


def _styled(text: str, style: str) -> str:
    if style == "upper":
        return text.upper()
    if style == "lower":
        return text.lower()
    if style == "snake":
        return "_".join(
            text.lower().replace("#", "no").replace("/", " ").replace(".", "").replace("(", "").replace(")", "").split()
        )
    return text


def _typo(rng: random.Random, text: str) -> str:
    """Drop one letter of a long word (people misspell headers)."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    cut = rng.randrange(2, len(word) - 1)
    words[i] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


class _Headers:
    """Header words for one layout: one role word per role, drawn once, so a sheet is consistent."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.billing = rng.choice(_BILLING)
        self.member = rng.choice(_MEMBER)
        self.rendering = rng.choice(_RENDERING)
        self.style = rng.choices(["title", "upper", "lower", "snake"], weights=[70, 12, 8, 10])[0]
        self.typo_rate = rng.choice([0.0, 0.0, 0.05])

    def role(self, role: str, field_kind: str) -> str:
        rng = self.rng
        words = FIELD_WORDS[field_kind]
        if field_kind == "provider_name":
            if rng.random() < 0.3:
                return (
                    f"{self.billing} Name"
                    if self.billing not in ("Provider", "Prov")
                    else rng.choice(["Provider Name", "Provider"])
                )
            return f"{self.billing} {rng.choice(['Name', 'Legal Name', 'Business Name'])}"
        word = rng.choice(words)
        if field_kind == "cin" and word == "ID":
            word = "ID"
        if field_kind == "npi" and role == "billing" and rng.random() < 0.15:
            return "NPI"
        return f"{ {'billing': self.billing, 'member': self.member, 'rendering': self.rendering}[role] } {word}"

    def other(self, key: str, n: int | None = None) -> str:
        choice = self.rng.choice(OTHER_HEADERS[key])
        return choice.format(n=n) if n is not None else choice

    def finish(self, text: str) -> str:
        if self.typo_rate and self.rng.random() < self.typo_rate:
            text = _typo(self.rng, text)
        return _styled(text, self.style)


def draw_layout(rng: random.Random) -> DrawnLayout:
    words = _Headers(rng)
    per_sheet = rng.random() < 0.15
    provider_in_title = per_sheet or rng.random() < 0.35
    layout = DrawnLayout(columns=[], per_sheet=per_sheet)
    columns: list[tuple[str, str]] = []
    title: list[tuple[str, str]] = []
    role_fields = {
        "billing_provider_npi": ("billing", "npi"),
        "billing_provider_tin": ("billing", "tin"),
        "billing_provider_name": ("billing", "provider_name"),
        "billing_provider_phone": ("billing", "phone"),
        "billing_provider_address": ("billing", "address"),
        "billing_provider_city": ("billing", "city"),
        "billing_provider_state": ("billing", "state"),
        "billing_provider_zip": ("billing", "zip"),
        "member_cin": ("member", "cin"),
        "medical_record_number": ("member", "mrn"),
        "member_first_name": ("member", "first"),
        "member_last_name": ("member", "last"),
        "member_dob": ("member", "dob"),
        "member_homeless_indicator": ("member", "homeless"),
        "member_address": ("member", "address"),
        "member_city": ("member", "city"),
        "member_zip": ("member", "zip"),
        "rendering_provider_npi": ("rendering", "npi"),
    }

    def header_for(key: str) -> str:
        if key in role_fields:
            role, kind = role_fields[key]
            if kind in ("mrn", "homeless", "dob") and rng.random() < 0.5:
                return words.finish(rng.choice(FIELD_WORDS[kind]))  # 'DOB', 'MRN' alone
            return words.finish(words.role(role, kind))
        return words.finish(words.other(key))

    for key in PROVIDER_KEYS:
        (title if provider_in_title else columns).append((header_for(key), key))
    member_name_one_column = rng.random() < 0.2
    for key in MEMBER_KEYS:
        if key in OPTIONAL and rng.random() < 0.4:
            continue
        if member_name_one_column and key in ("member_first_name", "member_last_name"):
            if key == "member_first_name":
                label = words.finish(f"{words.member} {rng.choice(FIELD_WORDS['full_name'])}")
                (title if per_sheet else columns).append((label, "member_name"))
            continue
        (title if per_sheet else columns).append((header_for(key), key))
    for key in INVOICE_KEYS:
        if key in OPTIONAL and rng.random() < 0.4:
            continue
        (title if per_sheet else columns).append((header_for(key), key))
    line_columns: list[tuple[str, str]] = []
    one_date = rng.random() < 0.25
    split_modifiers, split_dx = rng.random() < 0.35, rng.random() < 0.35
    for key in LINE_KEYS:
        if key in OPTIONAL and rng.random() < 0.4:
            continue
        if key == "service_start_date" and one_date:
            line_columns.append((words.finish(words.other("service_date")), "service_date"))
            continue
        if key == "service_end_date" and one_date:
            continue
        if key == "procedure_modifiers" and split_modifiers:
            template = rng.choice(OTHER_HEADERS["modifier_n"])
            line_columns += [(words.finish(template.format(n=n)), f"modifier:{n}") for n in (1, 2)]
            continue
        if key == "diagnosis_codes" and split_dx:
            template = rng.choice(OTHER_HEADERS["dx_n"])
            line_columns += [(words.finish(template.format(n=n)), f"dx:{n}") for n in (1, 2, 3)]
            continue
        line_columns.append((header_for(key), key))
    if rng.random() < 0.3:
        line_columns.append((words.finish(words.other("minutes")), "minutes"))
    noise = rng.sample(sorted(NOISE), rng.randint(0, 3))
    order = rng.choice(["blocks", "shuffled", "line_first"])
    if order == "shuffled":
        everything = columns + line_columns + [(name, f"noise:{name}") for name in noise]
        rng.shuffle(everything)
        columns = everything
    else:
        rng.shuffle(line_columns) if rng.random() < 0.4 else None
        columns = (line_columns + columns) if order == "line_first" else (columns + line_columns)
        for name in noise:
            columns.insert(rng.randint(0, len(columns)), (words.finish(name), f"noise:{name}"))
    if split_modifiers and rng.random() < 0.3:  # 'Modifier 2' left of 'Modifier 1'
        spots = [i for i, (_, f) in enumerate(columns) if f.startswith("modifier:")]
        a, b = spots[0], spots[1]
        columns[a], columns[b] = columns[b], columns[a]
    layout.columns, layout.title = columns, title
    layout.title_rows = rng.sample(
        [
            "Community Supports Invoice",
            "ECM Invoice",
            "Monthly Billing Statement",
            "Invoice for services",
            "Submitted per DHCS billing guidance",
        ],
        rng.randint(0, 2),
    )
    layout.title_inline = rng.random() < 0.6
    if rng.random() < 0.15:
        if rng.random() < 0.5:
            columns, layout.date_group = _dates_under_one_group(rng, columns, words)
        layout.columns = columns
        layout.group_row = _group_row(columns, layout.date_group)
    layout.fill_down = rng.random() < 0.35
    layout.total_row = rng.random() < 0.35
    layout.total_label = rng.choice(
        ["Total", "Total", "TOTAL", "Subtotal", "Sub-total", "Invoice Total", "Total for {invoice}", ""]
    )
    layout.total_at = rng.choice(["first", "first", "code", "left_of_charge"])
    layout.total_units = rng.random() < 0.3
    layout.grand_total = rng.random() < 0.3
    layout.blank_rows = rng.random() < 0.3
    layout.dates = rng.choice(["excel", "serial", "mdy4", "mdy2", "md_y", "iso", "dash"])
    layout.dob_dates = layout.dates if rng.random() < 0.7 else rng.choice(["excel", "mdy4", "md_y"])
    layout.money = rng.choice(["number", "dollar", "plain", "dollar_no_cents", "accounting"])
    layout.modifier_sep = rng.choice([", ", "/", " ", "-", ",", "; "])
    layout.dx_sep = rng.choice([", ", "; ", " ", ","])
    layout.dx_dotted = rng.random() < 0.7
    layout.phone = rng.choice(["dashes", "parens", "digits", "dots"])
    layout.tin = rng.choice(["digits", "dash", "number"])
    layout.numbers = rng.random() < 0.3
    layout.homeless = rng.choice([("Y", "N"), ("Yes", "No"), ("y", "n"), ("TRUE", "FALSE"), ("Yes", "no")])
    layout.kind = rng.choices(["xlsx", "csv"], weights=[75, 25])[0]
    return layout


_DATE_GROUPS = ["Service Dates", "Dates of Service", "Service Period", "DOS"]
_DATE_PAIRS = [("From", "To"), ("Start", "End"), ("Begin", "Thru"), ("From Date", "To Date")]


def _dates_under_one_group(
    rng: random.Random, columns: list[tuple[str, str]], words: _Headers
) -> tuple[list[tuple[str, str]], tuple[str, str, str] | None]:
    """'From' | 'To' under one merged 'Service Dates' cell: the two date columns side by side."""
    fields = [f for _, f in columns]
    if "service_start_date" not in fields or "service_end_date" not in fields:
        return columns, None
    group, (start, end) = rng.choice(_DATE_GROUPS), rng.choice(_DATE_PAIRS)
    rest = [c for c in columns if c[1] != "service_end_date"]
    at = next(i for i, (_, f) in enumerate(rest) if f == "service_start_date")
    rest[at] = (words.finish(start), "service_start_date")
    rest.insert(at + 1, (words.finish(end), "service_end_date"))
    return rest, (words.finish(group), start, end)


def _group_row(columns: list[tuple[str, str]], date_group: tuple[str, str, str] | None = None) -> list[str]:
    """A group row above the header: 'Member' over the member columns, 'Service' over the line columns..."""
    merged, previous = [], None
    for group in _groups(columns, date_group):
        merged.append(group if group != previous else "")  # a merged cell's text is in its first column only
        previous = group
    return merged


def _merged_ranges(layout: DrawnLayout, rows: list[list[Any]]) -> list[str]:
    """The group row's merged cells ('A3:D3'), as Excel saves a cell merged across its group's columns."""
    if not layout.group_row or list(layout.group_row) not in rows:
        return []
    number = rows.index(list(layout.group_row)) + 1
    groups, ranges, start = _groups(layout.columns, layout.date_group), [], 0
    for index in range(1, len(groups) + 1):
        if index == len(groups) or groups[index] != groups[start]:
            if groups[start] and index - 1 > start:
                ranges.append(f"{column_letter(start)}{number}:{column_letter(index - 1)}{number}")
            start = index
    return ranges


def _groups(columns: list[tuple[str, str]], date_group: tuple[str, str, str] | None) -> list[str]:
    groups = []
    for _, key in columns:
        if date_group and key in ("service_start_date", "service_end_date"):
            groups.append(date_group[0])
        elif key.startswith("member") or key == "medical_record_number":
            groups.append("Member Information")
        elif key.startswith("billing"):
            groups.append("Provider Information")
        else:
            groups.append("")
    return groups


class _Writer:
    def __init__(self, layout: DrawnLayout, rng: random.Random):
        self.layout, self.rng = layout, rng
        self.text_only = layout.kind == "csv"

    def date(self, value: date, style: str | None = None) -> Any:
        style = style or self.layout.dates
        if style == "excel":
            return value.strftime("%m/%d/%Y") if self.text_only else value
        if style == "serial":
            return (value - EXCEL_EPOCH).days
        if style == "mdy4":
            return value.strftime("%m/%d/%Y")
        if style == "mdy2":
            return value.strftime("%m/%d/%y")
        if style == "md_y":
            return f"{value.month}/{value.day}/{value.year}"
        if style == "dash":
            return value.strftime("%m-%d-%Y")
        return value.isoformat()

    def money(self, value: Decimal) -> Any:
        style = self.layout.money
        if style == "number" and not self.text_only:
            return float(value)
        if style == "dollar":
            return f"${value:,.2f}"
        if style == "dollar_no_cents" and value == value.to_integral():
            return f"${int(value):,}"
        if style == "accounting":  # Excel's accounting format saved as text: negatives in parentheses
            return f" $ ({-value:,.2f})" if value < 0 else f" $ {value:,.2f} "
        return f"{value:.2f}"

    def value(self, key: str, value: Any) -> Any:
        layout = self.layout
        if value is None:
            return None
        if key == "member_dob":
            return self.date(value, layout.dob_dates)
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, bool):
            return layout.homeless[0] if value else layout.homeless[1]
        if key in ("unit_cost", "charge_amount", "invoice_amount"):
            return self.money(value)
        if key == "unit_count":
            return str(value) if self.text_only else int(value)
        if key.endswith("_phone"):
            d = value
            return {
                "dashes": f"{d[:3]}-{d[3:6]}-{d[6:]}",
                "parens": f"({d[:3]}) {d[3:6]}-{d[6:]}",
                "dots": f"{d[:3]}.{d[3:6]}.{d[6:]}",
            }.get(layout.phone, d)
        if key.endswith("_tin"):
            if layout.tin == "dash":
                return f"{value[:2]}-{value[2:]}"
            if layout.tin == "number" and not self.text_only:
                return int(value)
            return value
        numeric = key.endswith("_npi") or key.endswith("_zip") or key == "place_of_service"
        if numeric and layout.numbers and not self.text_only:
            return int(value)
        return value

    def cell(self, claim: Claim, line, field_name: str, first: bool) -> Any:
        layout = self.layout
        if field_name.startswith("noise:"):
            return self.rng.choice(NOISE[field_name.split(":", 1)[1]]) or None
        if field_name.startswith("modifier:"):
            n = int(field_name.split(":")[1])
            return line.procedure_modifiers[n - 1] if len(line.procedure_modifiers) >= n else None
        if field_name.startswith("dx:"):
            n = int(field_name.split(":")[1])
            code = line.diagnosis_codes[n - 1] if len(line.diagnosis_codes) >= n else None
            return (dotted_icd10(code) if layout.dx_dotted else code) if code else None
        if field_name == "procedure_modifiers":
            return layout.modifier_sep.join(line.procedure_modifiers)
        if field_name == "diagnosis_codes":
            codes = [dotted_icd10(c) if layout.dx_dotted else c for c in line.diagnosis_codes]
            return layout.dx_sep.join(codes)
        if field_name == "service_date":
            return self.date(line.service_start_date)
        if field_name == "minutes":
            return line.minutes
        if field_name in LINE_KEYS:
            return self.value(field_name, getattr(line, field_name))
        if not first:
            return None
        if field_name == "member_name":
            return f"{claim.member_last_name}, {claim.member_first_name}"
        return self.value(field_name, getattr(claim, field_name))


def _single_day(claims: list[Claim]) -> None:
    for claim in claims:
        for line in claim.lines:
            line.service_end_date = line.service_start_date


def sheet_rows(claims: list[Claim], layout: DrawnLayout, rng: random.Random) -> list[list[Any]]:
    writer = _Writer(layout, rng)
    rows: list[list[Any]] = [[title] for title in layout.title_rows]
    if layout.title:
        rows.append([])
        claim = claims[0]
        for label, key in layout.title:
            value = writer.cell(claim, claim.lines[0], key, True)
            if layout.title_inline:  # typed into one text cell: codes keep their leading zeros
                typed = getattr(claim, key, None) if isinstance(value, int) else value
                rows.append([f"{label}: {writer.date(typed, 'mdy4') if isinstance(typed, date) else typed}"])
            else:
                rows.append([f"{label}:", value])
        rows.append([])
    if layout.group_row:
        rows.append(list(layout.group_row))
    rows.append([header for header, _ in layout.columns])
    for index, claim in enumerate(claims):
        if index and layout.blank_rows:
            rows.append([])
        for line_index, line in enumerate(claim.lines):
            first = line_index == 0 or not layout.fill_down
            rows.append([writer.cell(claim, line, f, first) for _, f in layout.columns])
        if layout.total_row:
            rows.append(
                _total_row(layout, writer, claim.lines, layout.total_label.format(invoice=claim.invoice_number))
            )
    if layout.total_row and layout.grand_total and len(claims) > 1:
        rows.append(_total_row(layout, writer, [line for claim in claims for line in claim.lines], "Grand Total"))
    return rows


def _total_row(layout: DrawnLayout, writer: _Writer, lines: list, label: str) -> list[Any]:
    """A row of sums under an invoice (or the sheet): charges, sometimes units, and a label somewhere, or none."""
    total: list[Any] = [None] * len(layout.columns)
    fields = [f for _, f in layout.columns]
    charge_at = fields.index("charge_amount")
    total[charge_at] = writer.money(sum(line.charge_amount for line in lines))
    if layout.total_units and "unit_count" in fields:
        total[fields.index("unit_count")] = writer.value("unit_count", sum(line.unit_count for line in lines))
    spots = {
        "first": 0,
        "code": fields.index("procedure_code") if "procedure_code" in fields else 0,
        "left_of_charge": charge_at - 1,
    }
    label_at = spots[layout.total_at]
    if label and 0 <= label_at < len(total) and total[label_at] is None:
        total[label_at] = label
    elif label:
        total[next(i for i, value in enumerate(total) if value is None)] = label
    return total


def random_workbook(seed: int, *, count: int | None = None, lines: int | None = None) -> Workbook:
    """One provider's invoice workbook, laid out as the seed draws it, with the claims it holds (the truth)."""
    rng = random.Random(f"layout-{seed}")
    layout = draw_layout(rng)
    count = count or (1 if layout.per_sheet else rng.randint(1, 4))
    lines = lines or rng.randint(1, 5)
    claims = sample_claims(
        count=count * (rng.randint(2, 3) if layout.per_sheet else 1),
        lines=lines,
        seed=seed,
        start=date(2024, 1, 1) + timedelta(days=rng.randint(0, 600)),
    )
    if any(f == "service_date" for _, f in layout.columns):
        _single_day(claims)
    for claim in claims:
        if not any(f.startswith("modifier:") for _, f in layout.columns):
            continue
        for line in claim.lines:
            line.procedure_modifiers = line.procedure_modifiers[:2]
    if layout.per_sheet:
        sheets = {f"Invoice {i + 1}": sheet_rows([claim], layout, rng) for i, claim in enumerate(claims)}
        layout.kind = "xlsx"
    else:
        sheets = {"Invoice": sheet_rows(claims, layout, rng)}
    if layout.kind == "csv":
        data = _csv_bytes(sheets["Invoice"], "utf-8", ",")
    else:
        data = xlsx_bytes(sheets, {name: _merged_ranges(layout, rows) for name, rows in sheets.items()})
    return Workbook(data, layout.kind, claims, layout)


# -- comparing what was read with the truth ---------------------------------------------------------

CLAIM_FIELDS = PROVIDER_KEYS + MEMBER_KEYS + INVOICE_KEYS
LINE_FIELDS = LINE_KEYS


@dataclass
class Score:
    fields: int = 0
    right: int = 0
    lost_to_unplaced: int = 0  # required values not read while the column holding them was left unplaced
    extra_lines: int = 0  # lines read that the workbook does not hold (a total or note row read as a service line)
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.fields += other.fields
        self.right += other.right
        self.lost_to_unplaced += other.lost_to_unplaced
        self.extra_lines += other.extra_lines
        self.misses.extend(other.misses)

    @property
    def accuracy(self) -> float:
        return self.right / self.fields if self.fields else 1.0


def layout_fields(layout: DrawnLayout) -> set[str]:
    present = {f for _, f in layout.columns} | {k for _, k in layout.title}
    if "member_name" in present:
        present |= {"member_first_name", "member_last_name"}
    if "service_date" in present:
        present |= {"service_start_date", "service_end_date"}
    if any(f.startswith("modifier:") for f in present):
        present.add("procedure_modifiers")
    if any(f.startswith("dx:") for f in present):
        present.add("diagnosis_codes")
    return present


def score_workbook(workbook: Workbook, claims_read: list[Claim], column_map: dict[str, Any]) -> Score:
    """Fields right out of the fields the workbook holds (each claim and line element given in the layout)."""
    from claims_intake.elements import required_keys

    required = set(required_keys("claim")) | set(required_keys("line"))
    present = layout_fields(workbook.layout)
    unplaced_headers = {
        u["header"] for sheet in column_map.get("sheets", {}).values() for u in sheet.get("unplaced", [])
    }
    holders = _holders(workbook.layout)
    by_number = {c.invoice_number: c for c in claims_read}
    score = Score()
    truth_lines = {truth.invoice_number: len(truth.lines) for truth in workbook.claims}
    for read in claims_read:
        score.extra_lines += max(0, len(read.lines) - truth_lines.get(read.invoice_number, 0))
    for truth in workbook.claims:
        read = by_number.get(truth.invoice_number) or Claim()
        pairs = [(key, getattr(truth, key), getattr(read, key, None)) for key in CLAIM_FIELDS if key in present]
        for index, line in enumerate(truth.lines):
            got = read.lines[index] if index < len(read.lines) else None
            pairs += [
                (key, getattr(line, key), getattr(got, key, None) if got else None)
                for key in LINE_FIELDS
                if key in present
            ]
        for key, expected, actual in pairs:
            if expected is None or expected == []:
                continue
            score.fields += 1
            if expected == actual:
                score.right += 1
                continue
            score.misses.append(f"{key}: {expected!r} read as {actual!r} (header {holders.get(key)!r})")
            if key in required and actual in (None, []) and holders.get(key) in unplaced_headers:
                score.lost_to_unplaced += 1
    return score


def _holders(layout: DrawnLayout) -> dict[str, str]:
    holders = {}
    for header, f in layout.columns + layout.title:
        key = {"member_name": "member_last_name", "service_date": "service_start_date"}.get(f, f)
        key = "procedure_modifiers" if f.startswith("modifier:") else "diagnosis_codes" if f.startswith("dx:") else key
        holders.setdefault(key, header)
    return holders


def evaluate(seeds) -> tuple[Score, dict[int, Score]]:
    """Read every seed's workbook as the intake does and score it against the truth."""
    from claims_intake.extract import IntakeError, extract_bytes

    total, per_seed = Score(), {}
    for seed in seeds:
        workbook = random_workbook(seed)
        try:
            result = extract_bytes(workbook.data, workbook.filename)
            claims, column_map = result.claims, result.source.column_map
        except IntakeError as error:
            claims, column_map = [], {"error": error.code}
        score = score_workbook(workbook, claims, column_map)
        per_seed[seed] = score
        total.add(score)
    return total, per_seed
