"""Test scans of CMS-1500 claims: fill the real fillable form, render it, degrade it like a scanner.

    from claims_intake_dev.testdata import scans
    sample = scans.sample_claim(seed=7, lines=3)             # realistic ECM/CS claim + expected values
    pdf = scans.fill_form(sample.pages[0])                    # a filled fillable PDF (page 1 of the form)
    images = scans.render_pages(sample)                       # one 300-dpi RGB image per form page
    page = scans.degrade(images[0], "fax", seed=7)            # rotation, offset, blur, noise, 1-bit at 200 dpi...
    data = scans.encode([page], "tiff", "fax")                # the file a provider would upload
    data = scans.make_scan([sample], "office", "pdf", seed=7) # all of the above in one call

    scans.write_demo_samples(Path("samples"))                 # one file of each kind, with expected values

or from the shell:

    PYTHONPATH=shared python -m claims_intake_dev.testdata.scans OUTDIR --demo
    PYTHONPATH=shared python -m claims_intake_dev.testdata.scans OUTDIR --count 3 --profile fax --format tiff

`sample.expected` holds the DHCS element values the form carries (as `Claim.to_output()` prints
them), so `field_accuracy(sample, claim)` scores what a reader extracted, field by field.
"""

from __future__ import annotations

import argparse
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from claims_intake.catalog import dhcs_catalog, plan_profile
from claims_intake.cms1500.template import form_pdf_bytes
from claims_intake.validators import npi_check_digit

LINES_PER_PAGE = 6

FIRST_NAMES = [
    "MARIA",
    "JAMES",
    "LINDA",
    "ROBERT",
    "GUADALUPE",
    "DAVID",
    "NGUYEN",
    "PATRICIA",
    "JOSE",
    "MEI",
    "MICHAEL",
    "ROSA",
    "DARNELL",
    "FATIMA",
    "KEVIN",
    "ELENA",
    "TERRENCE",
    "SOPHIA",
    "ANH",
    "WILLIAM",
]
LAST_NAMES = [
    "GARCIA",
    "JOHNSON",
    "HERNANDEZ",
    "SMITH",
    "LOPEZ",
    "WILLIAMS",
    "TRAN",
    "MARTINEZ",
    "BROWN",
    "NGUYEN",
    "DAVIS",
    "RODRIGUEZ",
    "WASHINGTON",
    "CHEN",
    "PATEL",
    "JACKSON",
    "RAMIREZ",
    "KIM",
    "THOMPSON",
    "REYES",
]
STREETS = [
    "MAIN ST",
    "BROADWAY",
    "MISSION ST",
    "EL CAMINO REAL",
    "OAK AVE",
    "TRUXTUN AVE",
    "FOURTH ST",
    "SONOMA AVE",
    "CHESTER AVE",
    "MARKET ST",
    "UNIVERSITY AVE",
    "PINE ST",
]
# Addresses are real places drawn from the ZIP code table the reader checks them against (the `zipcodes` package:
# every active street-delivery ZIP of the state and its primary city), so the check is measured on some 1,500
# California places and not on a few it could know by heart; one address in ten is out of state.
HOME_STATE = "CA"
OTHER_STATES = ("NV", "OR", "AZ", "WA")
OUT_OF_STATE_SHARE = 0.1
MAX_CITY_LENGTH = 20  # longer names shrink the form's auto-sized text below what a printer would use
LEGACY_CITY_COUNT = 10  # the draw that chose one of ten fixed cities before: kept so a seed's other values stay


@cache
def places_of(state: str) -> list[tuple[str, str]]:
    """(CITY, ZIP) of every active standard ZIP of the state whose primary city fits the form's boxes."""
    import zipcodes

    found = zipcodes.filter_by(state=state, zip_code_type="STANDARD", active=True)
    return sorted((z["city"].upper(), z["zip_code"]) for z in found if len(z["city"]) <= MAX_CITY_LENGTH)


def draw_place(rng: random.Random) -> tuple[str, str, str]:
    """A city, state and ZIP that exist together."""
    state = HOME_STATE if rng.random() >= OUT_OF_STATE_SHARE else rng.choice(OTHER_STATES)
    city, zip_code = rng.choice(places_of(state))
    return city, state, zip_code


PROVIDERS = [
    "BAY AREA CARE NETWORK",
    "KERN COMMUNITY HEALTH PARTNERS",
    "NORTH COAST HOUSING SERVICES",
    "VALLEY RESPITE CENTER",
    "REDWOOD ECM PARTNERS",
    "GOLDEN STATE MEAL SERVICES",
    "SOLANO CARE LINK",
]
PAYERS = {"kp": "KAISER PERMANENTE", "phc": "PARTNERSHIP HEALTHPLAN", "khs": "KERN HEALTH SYSTEMS"}
# ICD-10-CM codes common on ECM/CS claims (social determinants and chronic conditions).
DIAGNOSES = [
    "Z59.01",
    "Z59.02",
    "Z59.00",
    "Z59.41",
    "Z59.10",
    "Z60.2",
    "Z91.19",
    "F20.9",
    "F32.9",
    "F10.20",
    "E11.9",
    "I10",
    "J44.9",
    "F17.210",
    "Z63.8",
    "R69",
    "G30.9",
    "N18.30",
]
CHARGE_PER_UNIT = {
    "per_encounter": (90, 260),
    "per_diem": (45, 220),
    "per_15_minutes": (18, 40),
    "per_month": (300, 2500),
    "per_service": (250, 4000),
    "per_meal": (8, 18),
    "per_assessment": (60, 150),
}
UNITS = {
    "per_encounter": (1, 1),
    "per_diem": (1, 1),
    "per_15_minutes": (1, 12),
    "per_month": (1, 1),
    "per_service": (1, 1),
    "per_meal": (2, 21),
    "per_assessment": (1, 1),
}
POS = ["12", "11", "99", "04", "02", "10", "14", "16"]
TWO_RENDERING_PROVIDERS = 0.25  # share of claims of two lines or more whose lines name two rendering providers


@dataclass
class SampleClaim:
    """One claim: the field values of each form page and the DHCS values a reader should extract."""

    pages: list[dict[str, str]]
    expected: dict  # {"elements": {key: json value}, "lines": [{key: json value}, ...]}
    seed: int = 0
    randomised: frozenset[str] = frozenset()  # boxes the line trainer filled with random text (expected not updated)


def _npi(rng: random.Random, first: str = "1") -> str:
    nine = first + "".join(rng.choice("0123456789") for _ in range(8))
    return nine + npi_check_digit(nine)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def sample_claim(
    seed: int, lines: int | None = None, plan: str | None = None, homeless_address: bool = False
) -> SampleClaim:
    """A realistic ECM/CS claim (codes from the DHCS catalog); `lines` > 6 spans several form pages."""
    rng = random.Random(seed)
    plan = plan or rng.choice(sorted(PAYERS))
    line_count = lines or rng.randint(1, 6)
    last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
    middle = rng.choice("ABCDEFGHJKLMNPRSTW")
    rng.randrange(LEGACY_CITY_COUNT)
    addresses = random.Random(f"addresses-{seed}")  # its own stream: the claim's other values stay as they were
    city, state, zip_code = draw_place(addresses)
    street = "GENERAL DELIVERY (HOMELESS)" if homeless_address else f"{rng.randint(10, 9899)} {rng.choice(STREETS)}"
    dob = date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28))
    rng.randrange(LEGACY_CITY_COUNT)
    provider_city, provider_state, provider_zip = draw_place(addresses)
    billing_npi, rendering_npi = _npi(rng, "1"), _npi(rng, "1")
    tin = rng.choice("123456789") + _digits(rng, 8)
    cin = _digits(rng, 8) + rng.choice("ABCDEFGHJKMNPRSTWXYZ")
    account = f"{rng.choice(['ECM', 'CS', 'INV'])}-{rng.randint(2025, 2026)}-{rng.randint(100, 99999):05d}"
    prior_auth = rng.choice(["", f"TAR{_digits(rng, 9)}", _digits(rng, 11)])
    diagnoses = rng.sample(DIAGNOSES, rng.randint(1, 4))
    if rng.random() < 0.5 and not any(d.startswith("Z59.0") for d in diagnoses):
        diagnoses[0] = rng.choice(["Z59.01", "Z59.02"])
    combos = [c for c in dhcs_catalog().combinations if c.reimbursable and plan_profile(plan).accepts(c.key)]
    start = date(2026, rng.randint(1, 9), rng.randint(1, 20))
    phone = rng.choice(["510", "661", "707", "530", "916"]) + rng.choice("23456789") + _digits(rng, 6)
    if phone[4:6] == "11":  # an N11 exchange is a service code (211, 911), never a subscriber's: no extra draw
        phone = phone[:5] + "0" + phone[6:]

    claim_fields = {
        "insurance_name": PAYERS[plan],
        "insurance_address": "MEDI-CAL CLAIMS",
        "insurance_id": cin,
        "insurance_type": "Medicaid",
        "pt_name": f"{last}, {first}, {middle}",
        "birth_mm": f"{dob.month:02d}",
        "birth_dd": f"{dob.day:02d}",
        "birth_yy": f"{dob.year}",
        "sex": rng.choice(["M", "F"]),
        "pt_street": street,
        "pt_city": city,
        "pt_state": state,
        "pt_zip": zip_code,
        "ins_name": "SAME",
        "tax_id": tin,
        "ssn": "EIN",
        "pt_account": account,
        "physician_signature": f"{rng.choice(FIRST_NAMES)[0]}. {rng.choice(LAST_NAMES)}",
        "doc_name": rng.choice(PROVIDERS),
        "doc_street": f"{rng.randint(100, 4999)} {rng.choice(STREETS)}",
        "doc_location": f"{provider_city} {provider_state} {provider_zip}",
        "doc_phone area": phone[:3],
        "doc_phone": f"{phone[3:6]}-{phone[6:]}",
        "pin": billing_npi,
    }
    if prior_auth:
        claim_fields["prior_auth"] = prior_auth
    for index, code in enumerate(diagnoses, start=1):
        claim_fields[f"diagnosis{index}"] = code

    service_lines = []
    for index in range(line_count):
        combo = rng.choice(combos)
        modifiers = list(combo.modifiers)
        if combo.telehealth_gq and rng.random() < 0.25:
            modifiers.append("GQ")
        low, high = UNITS[combo.unit]
        units = rng.randint(low, high)
        rate = Decimal(rng.randint(*CHARGE_PER_UNIT[combo.unit])) + Decimal(rng.choice([0, 0, 50, 25, 75])) / 100
        day = start + timedelta(days=index * rng.randint(0, 3))
        pointers = "".join(sorted(rng.sample("ABCDEFGHIJKL"[: len(diagnoses)], rng.randint(1, min(2, len(diagnoses))))))
        service_lines.append(
            {
                "code": combo.code,
                "modifiers": modifiers,
                "units": units,
                "charge": rate * units,
                "date": day,
                "pos": rng.choice(POS),
                "pointers": pointers,
            }
        )
    _rendering_providers(seed, service_lines, rendering_npi)
    invoice_date = max(line["date"] for line in service_lines) + timedelta(days=rng.randint(1, 20))
    claim_fields["physician_date"] = invoice_date.strftime("%m/%d/%Y")
    total = sum(line["charge"] for line in service_lines)

    pages = []
    for page_start in range(0, line_count, LINES_PER_PAGE):
        page_fields = dict(claim_fields)
        for slot, line in enumerate(service_lines[page_start : page_start + LINES_PER_PAGE], start=1):
            page_fields.update(_line_fields(slot, line, line["npi"]))
        last_page = page_start + LINES_PER_PAGE >= line_count
        if last_page:
            page_fields["t_charge"] = _money_field(total)
            page_fields["amt_paid"] = "0  00"
        pages.append(page_fields)

    expected = {
        "elements": {
            "billing_provider_npi": billing_npi,
            "billing_provider_tin": tin,
            "billing_provider_name": claim_fields["doc_name"],
            "billing_provider_phone": phone,
            "billing_provider_address": claim_fields["doc_street"],
            "billing_provider_city": provider_city,
            "billing_provider_state": provider_state,
            "billing_provider_zip": provider_zip,
            "member_cin": cin,
            "medical_record_number": account,
            "member_first_name": first,
            "member_last_name": last,
            "member_address": street,
            "member_city": city,
            "member_zip": zip_code,
            "member_dob": dob.isoformat(),
            "payer_name": PAYERS[plan],
            "invoice_amount": f"{total:.2f}",
            "invoice_date": invoice_date.isoformat(),
            "invoice_number": account,
            "authorization_number": prior_auth or None,
        },
        "lines": [
            {
                "procedure_code": line["code"],
                "procedure_modifiers": line["modifiers"],
                "service_start_date": line["date"].isoformat(),
                "service_end_date": line["date"].isoformat(),
                "unit_count": str(line["units"]),
                "place_of_service": line["pos"],
                "diagnosis_codes": [diagnoses["ABCDEFGHIJKL".index(p)].replace(".", "") for p in line["pointers"]],
                "charge_amount": f"{line['charge']:.2f}",
                "rendering_provider_npi": line["npi"],
            }
            for line in service_lines
        ],
    }
    return SampleClaim(pages=pages, expected=expected, seed=seed)


def _rendering_providers(seed: int, service_lines: list[dict], rendering_npi: str) -> None:
    """Each line's rendering provider: mostly one for the claim, on some claims of two lines or more a second one on
    some of its lines (a team: a care manager and a nurse). Its own stream: the claim's other values stay as they
    were."""
    team = random.Random(f"rendering-{seed}")
    second = _npi(team, "1")
    for line in service_lines:
        line["npi"] = rendering_npi
    if len(service_lines) > 1 and team.random() < TWO_RENDERING_PROVIDERS:
        for line in team.sample(service_lines, team.randint(1, len(service_lines) - 1)):
            line["npi"] = second


def _money_field(amount: Decimal) -> str:
    """Dollars and cents as billing software prints them into the split 24F/28 boxes: '1250  00'.

    The fields are right-aligned; two spaces put the dollars' last digit clear of the printed
    dollars/cents rule, as a form-aligned printout does (one space lets it touch the rule)."""
    return f"{int(amount)}  {int((amount * 100) % 100):02d}"


def _line_fields(slot: int, line: dict, rendering_npi: str) -> dict[str, str]:
    day: date = line["date"]
    fields = {
        f"sv{slot}_mm_from": f"{day.month:02d}",
        f"sv{slot}_dd_from": f"{day.day:02d}",
        f"sv{slot}_yy_from": f"{day.year % 100:02d}",
        f"sv{slot}_mm_end": f"{day.month:02d}",
        f"sv{slot}_dd_end": f"{day.day:02d}",
        f"sv{slot}_yy_end": f"{day.year % 100:02d}",
        f"place{slot}": line["pos"],
        f"cpt{slot}": line["code"],
        f"diag{slot}": line["pointers"],
        f"ch{slot}": _money_field(line["charge"]),
        f"day{slot}": str(line["units"]),
        f"local{slot}": rendering_npi,
    }
    for name, modifier in zip(
        (f"mod{slot}", f"mod{slot}a", f"mod{slot}b", f"mod{slot}c"), line["modifiers"], strict=False
    ):
        fields[name] = modifier
    return {k: v for k, v in fields.items() if v}


# --- the filled form and its rendering ------------------------------------------------------------


def fill_form(fields: dict[str, str]) -> bytes:
    """Page 1 of the fillable CMS-1500 with `fields` filled in (a fillable PDF, values in its fields)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(form_pdf_bytes())))
    while len(writer.pages) > 1:  # keep the claim page; the back of the form carries no data
        writer.remove_page(len(writer.pages) - 1)
    texts = {k: v for k, v in fields.items() if k not in ("sex", "ssn", "insurance_type")}
    writer.update_page_form_field_values(writer.pages[0], texts, auto_regenerate=False)
    for annotation in writer.pages[0].get("/Annots", []):  # check boxes: set the chosen state on
        widget = annotation.get_object()
        parent = widget.get("/Parent")
        name = str(widget.get("/T") or (parent.get_object().get("/T") if parent else ""))
        wanted = fields.get(name)
        if wanted is None or name not in ("sex", "ssn", "insurance_type"):
            continue
        states = [str(s) for s in widget.get("/AP", {}).get("/N", {})]
        on = f"/{wanted}"
        widget[NameObject("/AS")] = NameObject(on if on in states else "/Off")
        if on in states:
            (parent.get_object() if parent else widget)[NameObject("/V")] = NameObject(on)
    writer.set_need_appearances_writer(True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def render_form(fields: dict[str, str], dpi: int = 300) -> Image.Image:
    """The filled form page as a printer would put it on paper (RGB, red form, black entries)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(fill_form(fields))
    try:
        document.init_forms()
        return document[0].render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
    finally:
        document.close()


def render_pages(sample: SampleClaim, dpi: int = 300) -> list[Image.Image]:
    return [render_form(fields, dpi) for fields in sample.pages]


# --- degradations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanProfile:
    """How a scanner, fax or photocopier changes a page. Ranges are drawn uniformly per page."""

    name: str
    dpi: int = 300
    mode: str = "color"  # color, gray, bitonal
    rotation: float = 0.0  # max |degrees|
    shift: float = 0.0  # max |inches| in x and y
    scale: float = 0.0  # max |relative| scale error (0.02 = +-2%)
    blur: float = 0.0  # Gaussian radius, pixels at the output dpi
    noise: float = 0.0  # Gaussian sigma, grey levels
    speckle: float = 0.0  # fraction of pixels flipped to black (dust, toner)
    contrast: float = 1.0  # photocopier darkening (<1 flattens, >1 harshens)
    jpeg_quality: int | None = None  # JPEG round trip
    threshold: int = 150  # bitonal cut (fax machines dither; a plain cut is harsher)
    upside_down: bool = False


PROFILES: dict[str, ScanProfile] = {
    "clean": ScanProfile("clean"),
    "office": ScanProfile("office", rotation=1.5, shift=0.12, scale=0.015, blur=0.6, noise=4, jpeg_quality=80),
    "skewed": ScanProfile("skewed", rotation=4.0, shift=0.25, scale=0.03, blur=0.4, noise=3, jpeg_quality=85),
    "photocopy": ScanProfile(
        "photocopy",
        mode="gray",
        rotation=2.0,
        shift=0.15,
        scale=0.025,
        blur=0.9,
        noise=8,
        speckle=0.0006,
        contrast=1.25,
        jpeg_quality=75,
    ),
    "gray200": ScanProfile(
        "gray200", dpi=200, mode="gray", rotation=1.0, shift=0.1, scale=0.01, blur=0.5, noise=5, jpeg_quality=70
    ),
    "fax": ScanProfile(
        "fax",
        dpi=200,
        mode="bitonal",
        rotation=1.5,
        shift=0.12,
        scale=0.015,
        blur=0.5,
        noise=6,
        speckle=0.0004,
        threshold=150,
    ),
    "upside_down": ScanProfile(
        "upside_down", rotation=1.0, shift=0.08, blur=0.5, noise=3, jpeg_quality=85, upside_down=True
    ),
}
DEGRADED_PROFILES = ("office", "skewed", "photocopy", "gray200", "fax")


def degrade(image: Image.Image, profile: str | ScanProfile, seed: int = 0, source_dpi: int = 300) -> Image.Image:
    """The page as it comes off the scanner: placed, rotated, scaled, blurred, noisy, re-sampled."""
    profile = PROFILES[profile] if isinstance(profile, str) else profile
    rng = np.random.default_rng(seed)
    width, height = round(8.5 * profile.dpi), round(11 * profile.dpi)
    angle = np.radians(rng.uniform(-profile.rotation, profile.rotation))
    scale = 1 + rng.uniform(-profile.scale, profile.scale)
    dx, dy = rng.uniform(-profile.shift, profile.shift, 2) * profile.dpi
    # Output pixel (u, v) -> source pixel: undo the shift, rotate about the centre, undo the scale.
    ratio = source_dpi / profile.dpi / scale
    cos, sin = np.cos(angle), np.sin(angle)
    cx_out, cy_out = width / 2 + dx, height / 2 + dy
    cx_in, cy_in = image.width / 2, image.height / 2
    a, b = ratio * cos, ratio * sin
    d, e = -ratio * sin, ratio * cos
    c = cx_in - a * cx_out - b * cy_out
    f = cy_in - d * cx_out - e * cy_out
    page = image.convert("RGB").transform(
        (width, height), Image.AFFINE, (a, b, c, d, e, f), resample=Image.BILINEAR, fillcolor=(255, 255, 255)
    )
    if profile.upside_down:
        page = page.rotate(180)
    if profile.mode != "color":
        page = page.convert("L")
    if profile.blur:
        page = page.filter(ImageFilter.GaussianBlur(profile.blur))
    pixels = np.asarray(page).astype(np.float32)
    if profile.contrast != 1.0:
        pixels = (pixels - 255) * profile.contrast + 255
    if profile.noise:
        grain = rng.normal(0, profile.noise, pixels.shape[:2]).astype(np.float32)
        pixels = pixels + (grain if pixels.ndim == 2 else grain[..., None])
    if profile.speckle:
        dots = rng.random(pixels.shape[:2]) < profile.speckle
        pixels[dots] = 0
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    if profile.mode == "bitonal":
        return Image.fromarray(np.where(pixels < profile.threshold, 0, 255).astype(np.uint8)).convert("1")
    page = Image.fromarray(pixels)
    if profile.jpeg_quality:
        buffer = io.BytesIO()
        page.save(buffer, "JPEG", quality=profile.jpeg_quality)
        page = Image.open(io.BytesIO(buffer.getvalue()))
        page.load()
    return page


def encode(pages: list[Image.Image], file_format: str, profile: str | ScanProfile = "clean") -> bytes:
    """The upload: pdf (one image per page), tiff (multi-page; CCITT G4 for 1-bit), png or jpeg (first page)."""
    profile = PROFILES[profile] if isinstance(profile, str) else profile
    dpi = (profile.dpi, profile.dpi)
    buffer = io.BytesIO()
    if file_format == "pdf":
        pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=float(profile.dpi))
    elif file_format == "tiff":
        compression = "group4" if pages[0].mode == "1" else "tiff_lzw"
        pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:], compression=compression, dpi=dpi)
    elif file_format == "png":
        pages[0].save(buffer, "PNG", dpi=dpi)
    elif file_format == "jpeg":
        pages[0].convert("L" if pages[0].mode == "1" else pages[0].mode).save(
            buffer, "JPEG", quality=profile.jpeg_quality or 90, dpi=dpi
        )
    else:
        raise ValueError(f"unknown format {file_format}: use pdf, tiff, png or jpeg")
    return buffer.getvalue()


def make_scan(
    samples: list[SampleClaim], profile: str | ScanProfile = "clean", file_format: str = "pdf", seed: int = 0
) -> bytes:
    """Every page of every sample, degraded with `profile`, in one upload of `file_format`."""
    pages = []
    for sample in samples:
        for index, image in enumerate(render_pages(sample)):
            pages.append(degrade(image, profile, seed=seed * 1000 + sample.seed * 10 + index))
    return encode(pages, file_format, profile)


# --- scoring --------------------------------------------------------------------------------------


def field_accuracy(sample: SampleClaim, claim_output: dict | None) -> tuple[int, int, list[str]]:
    """(right, total, wrong field names): every element the form carries, claim level and per line."""
    expected = sample.expected
    elements = (claim_output or {}).get("elements", {})
    lines = (claim_output or {}).get("lines", [])
    right, total, wrong = 0, 0, []
    for key, value in expected["elements"].items():
        if value is None:
            continue
        total += 1
        if elements.get(key) == value:
            right += 1
        else:
            wrong.append(key)
    for index, expected_line in enumerate(expected["lines"]):
        actual = lines[index] if index < len(lines) else {}
        for key, value in expected_line.items():
            total += 1
            if actual.get(key) == value:
                right += 1
            else:
                wrong.append(f"lines[{index + 1}].{key}")
    return right, total, wrong


DEMO_SET = (
    # (file name, profile, format, lines): one of each kind of upload the intake reads
    ("cms1500-fillable.pdf", None, "fillable", 3),
    ("cms1500-clean-scan.pdf", "clean", "pdf", 4),
    ("cms1500-office-scan.jpg", "office", "jpeg", 2),
    ("cms1500-photocopy.pdf", "photocopy", "pdf", 3),
    ("cms1500-fax-2-pages.tif", "fax", "tiff", 8),
    ("cms1500-upside-down.png", "upside_down", "png", 1),
)


def write_demo_samples(outdir: Path, seed: int = 2026) -> list[Path]:
    """The demo's CMS-1500 uploads (fillable PDF, scans, a 2-page fax) and their expected values."""
    import json

    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for offset, (name, profile, file_format, lines) in enumerate(DEMO_SET):
        sample = sample_claim(seed + offset, lines=lines)
        data = (
            fill_form(sample.pages[0])
            if file_format == "fillable"
            else make_scan([sample], profile, file_format, seed + offset)
        )
        path = outdir / name
        path.write_bytes(data)
        (outdir / f"{path.stem}.expected.json").write_text(json.dumps(sample.expected, indent=1), "utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write generated CMS-1500 scans (and their expected values).")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--demo", action="store_true", help="write the demo set (one file of each kind) and stop")
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--profile", default="office", choices=sorted(PROFILES))
    parser.add_argument("--format", default="pdf", choices=["pdf", "tiff", "png", "jpeg", "fillable"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lines", type=int, default=None, help="service lines per claim (> 6 spans pages)")
    args = parser.parse_args(argv)
    import json

    if args.demo:
        for path in write_demo_samples(args.outdir, args.seed):
            print(path)
        return
    args.outdir.mkdir(parents=True, exist_ok=True)
    for number in range(args.count):
        sample = sample_claim(args.seed + number, lines=args.lines)
        stem = f"cms1500-{args.profile}-{args.seed + number}"
        if args.format == "fillable":
            path = args.outdir / f"{stem}-fillable.pdf"
            path.write_bytes(fill_form(sample.pages[0]))
        else:
            suffix = {"jpeg": "jpg", "tiff": "tif"}.get(args.format, args.format)
            path = args.outdir / f"{stem}.{suffix}"
            path.write_bytes(make_scan([sample], args.profile, args.format, seed=args.seed + number))
        (args.outdir / f"{stem}.expected.json").write_text(json.dumps(sample.expected, indent=1), "utf-8")
        print(path)


if __name__ == "__main__":
    main()
