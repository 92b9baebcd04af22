"""Crops of a scan's box, from PNG/TIFF images and from PDF pages, at any scan resolution."""

import io

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from claims_intake.api.crops import BoxGeometry, CropError, crop_png

BOX = BoxGeometry(left=72, top=72, right=216, bottom=90, width=612, height=792)


def pdf_with_dark_box() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter)
    page.showPage()  # page 1 is blank
    page.setFillColorRGB(0, 0, 0)
    page.rect(72, 792 - 90, 144, 18, fill=1, stroke=0)  # PDF origin is bottom left
    page.showPage()
    page.save()
    return out.getvalue()


def test_pdf_page_crop_shows_the_box():
    crop = Image.open(io.BytesIO(crop_png(pdf_with_dark_box(), 2, BOX, margin=0)))
    assert (crop.width, crop.height) == (300, round(18 * 150 / 72))  # 150 dpi rendering
    assert crop.convert("L").getpixel((150, crop.height // 2)) < 40
    blank = Image.open(io.BytesIO(crop_png(pdf_with_dark_box(), 1, BOX, margin=0)))
    assert blank.convert("L").getpixel((150, blank.height // 2)) > 200


def test_multi_page_tiff_at_another_resolution():
    pages = []
    for shade in (255, 0):
        page = Image.new("L", (850, 1100), 255)  # 100 dpi letter
        ImageDraw.Draw(page).rectangle([100, 100, 300, 125], fill=shade)
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    crop = Image.open(io.BytesIO(crop_png(out.getvalue(), 2, BOX, margin=0)))
    assert (crop.width, crop.height) == (200, 25)
    assert crop.getpixel((100, 12)) == (0, 0, 0)


def test_wide_boxes_are_scaled_down_to_stay_readable():
    image = Image.new("RGB", (2550, 3300), "white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    wide = BoxGeometry(0, 0, 612, 40, 612, 792)
    assert Image.open(io.BytesIO(crop_png(out.getvalue(), 1, wide, max_width=640))).width == 640


def test_bad_pages_boxes_and_files_say_why():
    with pytest.raises(CropError, match="page 3 does not exist"):
        crop_png(pdf_with_dark_box(), 3, BOX)
    with pytest.raises(CropError, match="outside the page"):
        crop_png(pdf_with_dark_box(), 1, BoxGeometry(700, 800, 720, 820, 612, 792))
    with pytest.raises(CropError, match="cannot be read"):
        crop_png(b"not an image at all", 1, BOX)


def _similarity(a: Image.Image, b: Image.Image) -> float:
    """Correlation of two crops' grey levels (b resized to a): 1 for the same picture, ~0 for unrelated."""
    import numpy as np

    first = np.asarray(a.convert("L"), float)
    second = np.asarray(b.convert("L").resize((first.shape[1], first.shape[0])), float)
    first, second = first - first.mean(), second - second.mean()
    return float((first * second).sum() / np.sqrt((first * first).sum() * (second * second).sum()))


def test_every_value_ocr_read_from_a_skewed_cms1500_scan_gets_the_crop_of_its_box(services):
    """Real OCR provenance (claims_intake.ocr) -> the API's crops, on a page scanned 4 degrees askew:
    each crop shows what the same box shows on the form before it was printed and scanned."""
    import base64

    from claims_intake.api.crops import cms1500_box, cms1500_page, page_image
    from claims_intake.check.result import CheckResult, ClaimDisposition
    from claims_intake.extract import extract_bytes
    from claims_intake_dev.testdata import scans

    from .conftest import BUCKET, call

    sample = scans.sample_claim(seed=7, lines=2)
    scan = scans.make_scan([sample], "skewed", "pdf", seed=7)
    claim = extract_bytes(scan, "claim.pdf").claims[0]
    claim.claim_id = "C-scan"
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/claim.pdf", Body=scan)
    services.store.save_checked_claim(
        CheckResult(claim=claim, plan="kp", disposition=ClaimDisposition.REVIEW), upload_key="uploads/a/claim.pdf"
    )
    services.locate_box, services.template_page = cms1500_box, cms1500_page  # the production defaults

    values = call("GET", "/api/claims/C-scan")[1]["values"]
    assert len(values) > 15
    assert [v for v in values if v.get("crop_problem")] == []
    form = scans.render_pages(sample)[0]  # the filled form, exactly on the template, before scanning
    unregistered = page_image(scan, 1)
    for element, line in (
        ("member_cin", None),
        ("billing_provider_npi", None),
        ("procedure_code", 2),
        ("invoice_amount", None),
    ):
        value = next(v for v in values if v["element"] == element and v["line"] == line)
        crop = Image.open(io.BytesIO(base64.b64decode(value["crop"].removeprefix("data:image/png;base64,"))))
        box = cms1500_box(element, value["box"])
        expected = Image.open(io.BytesIO(crop_png(form, 1, box)))
        naive = Image.open(io.BytesIO(crop_png(unregistered, 1, box)))  # the same box without registration
        assert _similarity(crop, expected) > 0.4, element
        assert _similarity(crop, expected) > 2 * _similarity(naive, expected), element


def test_a_lines_diagnosis_crop_shows_the_box_21_codes_its_pointers_name(services):
    """The diagnosis codes of a line are written in box 21; 24E only holds pointer letters to them."""
    import base64

    from claims_intake.api.crops import cms1500_box, cms1500_page
    from claims_intake.check.result import CheckResult, ClaimDisposition
    from claims_intake.extract import extract_bytes
    from claims_intake_dev.testdata import scans

    from .conftest import BUCKET, call

    sample = scans.sample_claim(seed=11, lines=1)
    scan = scans.make_scan([sample], "clean", "pdf", seed=11)
    claim = extract_bytes(scan, "claim.pdf").claims[0]
    claim.claim_id = "C-dx"
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/claim.pdf", Body=scan)
    services.store.save_checked_claim(
        CheckResult(claim=claim, plan="kp", disposition=ClaimDisposition.REVIEW), upload_key="uploads/a/claim.pdf"
    )
    services.locate_box, services.template_page = cms1500_box, cms1500_page

    value = next(v for v in call("GET", "/api/claims/C-dx")[1]["values"] if v["element"] == "diagnosis_codes")
    assert value["box"].startswith("21 ")
    crop = Image.open(io.BytesIO(base64.b64decode(value["crop"].removeprefix("data:image/png;base64,"))))
    form = scans.render_pages(sample)[0]
    box_21 = Image.open(io.BytesIO(crop_png(form, 1, cms1500_box("diagnosis_codes", value["box"]))))
    pointer = Image.open(io.BytesIO(crop_png(form, 1, cms1500_box("diagnosis_codes", "24E line 1"))))
    assert crop.size != pointer.size
    assert _similarity(crop, box_21) > 0.4
    # Native resolution: a 150 dpi page gives the box at 150 dpi, not shrunk to fit a table cell.
    assert crop.width == box_21.width


def test_crops_keep_the_pages_resolution_unless_asked():
    image = Image.new("RGB", (2550, 3300), "white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    wide = BoxGeometry(0, 0, 612, 40, 612, 792)
    assert Image.open(io.BytesIO(crop_png(out.getvalue(), 1, wide))).width == 2550


def test_a_scanned_value_the_check_doubts_says_why_and_a_sure_one_does_not(services):
    """The staff page marks the values staff must verify by the check's own doubt (the plan's OCR
    threshold, a reader's repair), not by a threshold of its own."""
    from claims_intake.check.result import CheckResult, ClaimDisposition
    from claims_intake.extract import extract_bytes
    from claims_intake_dev.testdata import scans

    from .conftest import BUCKET, call

    sample = scans.sample_claim(seed=11, lines=1)
    scan = scans.make_scan([sample], "clean", "pdf", seed=11)
    claim = extract_bytes(scan, "claim.pdf").claims[0]
    claim.claim_id = "C-doubt"
    # between the reader's old fixed 0.8 and the plan's threshold (0.95): doubtful to the check
    claim.provenance["billing_provider_npi"].confidence = 0.9
    claim.provenance["member_cin"].confidence = 0.99
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/claim.pdf", Body=scan)
    services.store.save_checked_claim(
        CheckResult(claim=claim, plan="kp", disposition=ClaimDisposition.REVIEW), upload_key="uploads/a/claim.pdf"
    )
    values = {v["element"]: v for v in call("GET", "/api/claims/C-doubt")[1]["values"] if v["line"] is None}
    assert "0.90 (below 0.95)" in values["billing_provider_npi"]["doubt"]
    assert values["member_cin"].get("doubt") is None
