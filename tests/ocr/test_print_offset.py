"""Typing printed off its boxes (ocr/print_offset.py): the offset is found from the typing itself, the boxes are
cut where the typing lies, and a page printed in place keeps its boxes. Tuning-split pages only."""

import io

import pytest
from PIL import Image

from claims_intake.extract import extract_bytes
from claims_intake.ocr.normalise import normalise
from claims_intake.ocr.print_offset import print_offset
from claims_intake.ocr.recognize import drop_out_source, page_form_ink
from claims_intake.ocr.register import register
from claims_intake_dev.testdata import mailroom, scans

SEED = mailroom.TUNING_SEEDS.start + 77
POINT = 300 / 72  # pixels of a 300-dpi page per point


def _page(dx_pt: float, dy_pt: float, grey: bool = False) -> Image.Image:
    sample = scans.sample_claim(SEED, lines=3)
    page = mailroom.render(sample.pages[0], mailroom.PrintStyle())
    page = mailroom.typing_shifted(page, round(dx_pt * POINT), round(dy_pt * POINT))
    return page.convert("L") if grey else page


def _offset(page: Image.Image) -> tuple[float, float]:
    image, dpi = normalise(page, 300)
    registration = register(image, dpi)
    assert registration is not None
    source, _ = drop_out_source(image)
    return print_offset(source, registration, page_form_ink())


def test_a_page_printed_in_place_keeps_its_boxes():
    assert _offset(_page(0, 0)) == (0.0, 0.0)


@pytest.mark.parametrize("dy_pt", [-7.0, 6.0])
@pytest.mark.parametrize("grey", [False, True])
def test_typing_moved_down_or_up_is_found(dy_pt, grey):
    dx, dy = _offset(_page(0, dy_pt, grey))
    assert dy == pytest.approx(dy_pt, abs=2.5) and abs(dx) <= 2.5


def test_typing_a_few_millimetres_low_is_read_where_it_lies():
    sample = scans.sample_claim(SEED, lines=3)
    buffer = io.BytesIO()
    _page(0, 7.0).save(buffer, "PNG", dpi=(300, 300))
    (claim,) = extract_bytes(buffer.getvalue(), "misprint.png").claims
    expected = sample.expected["elements"]
    read = claim.to_output()["elements"]
    for key in ("member_cin", "member_last_name", "member_first_name", "billing_provider_npi"):
        assert read[key] == expected[key], key
    lines = claim.to_output()["lines"]
    assert [line["procedure_code"] for line in lines] == [line["procedure_code"] for line in sample.expected["lines"]]


@pytest.mark.parametrize("dx_pt", [5.0, 7.0])
def test_typing_moved_right_is_found_within_a_point_and_a_half(dx_pt):
    dx, dy = _offset(_page(dx_pt, 0))
    assert dx == pytest.approx(dx_pt, abs=1.5) and abs(dy) <= 1.5
