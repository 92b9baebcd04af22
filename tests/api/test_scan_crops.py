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


def test_every_value_ocr_read_from_a_skewed_cms1500_scan_gets_the_crop_of_its_box(services):
    """Real OCR provenance (claims_intake.ocr) -> the API's crops, on a page scanned 4 degrees askew."""
    import base64

    import pytesseract

    from claims_intake.api.crops import cms1500_box, cms1500_page
    from claims_intake.check.result import CheckResult, ClaimDisposition
    from claims_intake.extract import extract_bytes
    from claims_intake.testdata import scans

    from .conftest import BUCKET, call

    sample = scans.sample_claim(seed=7, lines=2)
    scan = scans.make_scan([sample], "skewed", "pdf", seed=7)
    claim = extract_bytes(scan, "claim.pdf").claims[0]
    claim.claim_id = "C-scan"
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/claim.pdf", Body=scan)
    services.store.save_checked_claim(CheckResult(claim=claim, plan="kp", disposition=ClaimDisposition.REVIEW),
                                      upload_key="uploads/a/claim.pdf")
    services.locate_box, services.template_page = cms1500_box, cms1500_page  # the production defaults

    values = call("GET", "/api/claims/C-scan")[1]["values"]
    assert len(values) > 15
    assert [v for v in values if v.get("crop_problem")] == []
    cin = next(v for v in values if v["element"] == "member_cin")
    crop = Image.open(io.BytesIO(base64.b64decode(cin["crop"].removeprefix("data:image/png;base64,"))))
    # The crop is box 1a itself: read it again and find the member's CIN.
    assert sample.expected["elements"]["member_cin"] in pytesseract.image_to_string(crop, config="--psm 7")
