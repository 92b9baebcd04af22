"""Phone-scanner PDFs (an image stored turned, set upright by the page matrix or /Rotate) and faint typing
on colour pages: what the page reader hands the registration and the drop-out (no OCR)."""

import io

import numpy as np
import pytest
from PIL import Image

from claims_intake.cms1500.template import render_blank_form
from claims_intake.limits import default_limits
from claims_intake.ocr import recognize
from claims_intake.ocr.pages import pdf_pages, upright_turn
from claims_intake.ocr.profile_fit import Registration
from claims_intake_dev.testdata import mailroom


def _marked_page(dpi: int = 100) -> Image.Image:
    """A portrait letter page at `dpi` with a dark block in its top-left corner: shows which way is up."""
    page = Image.new("RGB", (round(8.5 * dpi), round(11 * dpi)), (255, 255, 255))
    page.paste((0, 0, 0), (20, 20, 220, 120))
    return page


def _first_page(pdf: bytes):
    return next(iter(pdf_pages(pdf, "turned.pdf", default_limits())))


def _is_upright(image: Image.Image) -> bool:
    grey = np.asarray(image.convert("L"))
    return grey[40:100, 40:200].mean() < 60 and grey[-100:-40, -200:-40].mean() > 200


@pytest.mark.parametrize("turn", [90, 180, 270])
@pytest.mark.parametrize(
    "make, page_dpi",
    [(mailroom._pdf_with_rotate, 200), (mailroom._pdf_with_matrix, 100)],  # the first sizes its page at 200 dpi
    ids=["rotate", "matrix"],
)
def test_a_stored_turned_image_comes_out_upright_at_its_own_resolution(turn, make, page_dpi):
    stored = _marked_page().rotate(turn, expand=True)
    page = _first_page(make(stored, turn))
    assert page.image.size == (850, 1100), "the embedded pixels, turned, not a 300-dpi render"
    assert page.dpi == pytest.approx(page_dpi) and page.vertical_dpi is None
    assert _is_upright(page.image)


def test_an_upright_image_is_taken_as_it_is():
    buffer = io.BytesIO()
    _marked_page().save(buffer, "PDF", resolution=100.0)
    page = _first_page(buffer.getvalue())
    assert page.image.size == (850, 1100) and _is_upright(page.image)


def test_a_fax_with_non_square_pixels_made_into_a_pdf_keeps_both_resolutions():
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    fax = Image.new("L", (1734, 1078), 255)  # 204 x 98 dpi on a letter page
    fax.paste(0, (100, 100, 600, 140))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(612, 792))
    pdf.drawImage(ImageReader(fax.convert("RGB")), 0, 0, width=612, height=792)
    pdf.showPage()
    pdf.save()
    page = _first_page(buffer.getvalue())
    assert page.image.size == (1734, 1078)
    assert page.dpi == pytest.approx(204, abs=0.5) and page.vertical_dpi == pytest.approx(98, abs=0.5)


def test_an_image_placed_at_an_angle_or_skewed_is_left_to_the_renderer():
    angle = np.radians(30)
    assert upright_turn((np.cos(angle), np.sin(angle), -np.sin(angle), np.cos(angle)), 0) is None
    assert upright_turn((612.0, 0.0, 200.0, 792.0), 0) is None  # sheared
    assert upright_turn((612.0, 0.0, 0.0, 792.0), 0) == (False, False, False)
    assert upright_turn((-612.0, 0.0, 0.0, 792.0), 0) == (False, True, False)  # mirrored: flipped back


def _template_registration() -> Registration:
    """A page that is the template itself at 300 dpi (template pixels at 100 dpi -> page pixels)."""
    return Registration(np.diag([3.0, 3.0, 1.0]), 0.0, (1.0, 1.0), 1.0, 1.0, upside_down=False)


def _dropped_page(typing_level: int) -> Image.Image:
    """A colour page's red channel after drop-out: the form's remains pale grey, a typed entry at `typing_level`."""
    red = np.asarray(render_blank_form(recognize.DPI).getchannel("R"), dtype=np.uint8).copy()
    red = np.where(red < 250, 215, 255).astype(np.uint8)  # what a photo leaves of the red rules
    for box in recognize.reading_boxes().values():  # strokes of typed characters in every box
        left, top, right, bottom = (int(v * recognize.SCALE) for v in box.rect)
        if bottom - top < 30:
            continue  # too low for a stroke of a character at 300 dpi
        for x in range(left + 6, right - 6, 16):
            red[top + 8 : bottom - 6, x : x + 5] = typing_level
    return Image.fromarray(red)


def test_faint_typing_on_a_colour_page_is_darkened_and_the_forms_remains_stay_paper():
    page = _dropped_page(typing_level=160)
    darkened = np.asarray(recognize.faint_typing_darkened(page, _template_registration()))
    typed = np.asarray(page) == 160
    assert (darkened[typed] < 40).all(), "the faint strokes become ink"
    remains = np.asarray(page) == 215
    assert (darkened[remains] >= recognize.INK).all(), "the form's pale remains are not made ink"


def test_dark_typing_is_left_as_it_is():
    page = _dropped_page(typing_level=20)
    assert recognize.faint_typing_darkened(page, _template_registration()) is page


def test_the_dot_grid_inside_faint_strokes_is_closed_and_letters_counters_stay_open():
    page = np.asarray(_dropped_page(typing_level=150)).copy()
    box = recognize.reading_boxes()["pt_city"]
    left, top = (int(v * recognize.SCALE) for v in box.rect[:2])
    page[top + 8 : top + 30, left + 4 : left + 14] = 150  # a letter whose counter is 2 px wide
    page[top + 12 : top + 26, left + 8 : left + 10] = 255
    typed = page == 150
    grid = typed.copy()
    grid[::2] = False  # every second row of each stroke a light stripe: a dot-matrix print at 200 dpi
    page[grid] = 215
    darkened = np.asarray(recognize.faint_typing_darkened(Image.fromarray(page), _template_registration()))
    dots = typed & ~grid
    inside = grid & np.roll(dots, 1, axis=0) & np.roll(dots, -1, axis=0)  # stripes between two rows of dots
    assert (darkened[dots] < recognize.INK).all() and (darkened[inside] < recognize.INK).all()
    assert (darkened[top + 14 : top + 24, left + 8 : left + 10] >= recognize.INK).all(), "the counter stays paper"
