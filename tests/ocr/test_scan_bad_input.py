"""Bad scans give a clear error per page; bad files an IntakeError with a stable code."""

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from claims_intake.cms1500.template import form_pdf_bytes
from claims_intake.extract import IntakeError, extract_bytes
from claims_intake_dev.testdata import scans


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _form_page(index):
    document = pdfium.PdfDocument(form_pdf_bytes())
    return document[index].render(scale=150 / 72).to_pil().convert("RGB")


def _pdf(writer):
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _one_page_pdf():
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    return writer


def test_blank_page():
    result = extract_bytes(_png(Image.new("L", (1275, 1650), 255)), "blank.png")
    assert result.claims == [] and [e.code for e in result.errors] == ["blank_page"]


def test_not_a_cms1500():
    result = extract_bytes(_png(_form_page(1)), "back-of-form.png")  # the form's instructions page
    assert result.claims == [] and [e.code for e in result.errors] == ["not_cms1500"]
    assert "not a CMS-1500" in result.errors[0].message


def test_cms1500_with_no_data():
    result = extract_bytes(_png(_form_page(0)), "empty-form.png")
    assert result.claims == [] and [e.code for e in result.errors] == ["no_data"]


def test_pages_are_judged_one_by_one():
    blank = Image.new("RGB", (1275, 1650), "white")
    empty_form = _form_page(0)
    buffer = io.BytesIO()
    blank.save(buffer, "PDF", save_all=True, append_images=[empty_form], resolution=150.0)
    result = extract_bytes(buffer.getvalue(), "two-pages.pdf")
    assert [(e.page, e.code) for e in result.errors] == [(1, "blank_page"), (2, "no_data")]


@pytest.mark.parametrize(
    "data, code",
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n garbage", "pdf_corrupt"),
    ],
)
def test_corrupt_pdf(data, code):
    with pytest.raises(IntakeError) as error:
        extract_bytes(data, "broken.pdf")
    assert error.value.code == code


def test_truncated_pdf_never_crashes():
    sample = scans.sample_claim(seed=5, lines=1)
    data = scans.fill_form(sample.pages[0])
    try:
        result = extract_bytes(data[: len(data) // 3], "truncated.pdf")
    except IntakeError as error:
        assert error.code in {"pdf_corrupt", "pdf_encrypted"}
    else:  # what could be recovered is read; what could not is reported per page
        assert result.claims or result.errors


def test_encrypted_pdf():
    writer = _one_page_pdf()
    writer.encrypt("secret")
    with pytest.raises(IntakeError) as error:
        extract_bytes(_pdf(writer), "locked.pdf")
    assert error.value.code == "pdf_encrypted"


@pytest.mark.parametrize("where", ["names", "open_action"])
def test_pdf_with_javascript(where):
    writer = _one_page_pdf()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hello');")}
    )
    if where == "names":
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("hello"), writer._add_object(action)])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    else:
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    with pytest.raises(IntakeError) as error:
        extract_bytes(_pdf(writer), "script.pdf")
    assert error.value.code == "pdf_javascript"


def test_pdf_with_embedded_file():
    writer = _one_page_pdf()
    writer.add_attachment("payload.exe", b"MZ...")
    with pytest.raises(IntakeError) as error:
        extract_bytes(_pdf(writer), "attachment.pdf")
    assert error.value.code == "pdf_embedded_files"


def test_500_page_pdf():
    writer = PdfWriter()
    for _ in range(500):
        writer.add_blank_page(612, 792)
    with pytest.raises(IntakeError) as error:
        extract_bytes(_pdf(writer), "huge.pdf")
    assert error.value.code == "too_many_pages" and "500 pages" in error.value.message


def test_200_page_tiff():
    frames = [Image.new("1", (16, 16), 1) for _ in range(200)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], compression="group4")
    with pytest.raises(IntakeError) as error:
        extract_bytes(buffer.getvalue(), "fax-stack.tif")
    assert error.value.code == "too_many_pages"


def test_decompression_bomb():
    buffer = io.BytesIO()
    Image.new("1", (10000, 10000), 1).save(buffer, "PNG")  # 100 Mpx, a few KiB on disk
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(IntakeError) as error:
        extract_bytes(buffer.getvalue(), "bomb.png")
    assert error.value.code == "image_too_large"


def test_truncated_image():
    data = _png(_form_page(0))
    with pytest.raises(IntakeError) as error:
        extract_bytes(data[: len(data) // 2], "cut.png")
    assert error.value.code == "image_corrupt"


def _large_png(mode: str) -> bytes:
    """A 600-dpi letter page (34 MP): large enough for the libspng decoder."""
    import numpy as np

    rng = np.random.default_rng(7)
    shape = (6600, 5100, 3) if mode == "RGB" else (6600, 5100)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(buffer, "PNG", dpi=(600, 600), compress_level=1)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_large_png_decodes_to_the_same_pixels_and_resolution(mode):
    from claims_intake.limits import default_limits
    from claims_intake.ocr.pages import image_pages

    data = _large_png(mode)
    (page,) = image_pages(data, "page.png", "png", default_limits())
    expected = Image.open(io.BytesIO(data))
    assert page.image.mode == mode and round(page.dpi) == 600 and page.vertical_dpi is None
    assert page.image.tobytes() == expected.tobytes()


def test_a_truncated_large_png_is_reported_corrupt():
    data = _large_png("L")
    with pytest.raises(IntakeError) as error:
        extract_bytes(data[: len(data) // 2], "cut.png")
    assert error.value.code == "image_corrupt"
