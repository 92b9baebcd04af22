"""A fax thins a typed dash to a dot or two at mid-height, which the readers take for a space: an account number
read with gaps gets its dashes back when its box shows such a mark in every gap, as a repair for staff."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from claims_intake.cms1500.mapping import Reading
from claims_intake.ocr.recognize import LOST_DASH_NOTE, Slot, dashes_in_gaps, with_lost_dashes

SIZE = 30


def _place(words: list[str], marks: list[str]) -> np.ndarray:
    """Words typed with a blank between them; `marks[i]` in gap i: 'dot' at mid-height, 'low' on the baseline,
    'speck' above the line, '' nothing."""
    font = ImageFont.load_default(size=SIZE)
    image = Image.new("L", (60 + 200 * len(words), 70), 255)
    draw = ImageDraw.Draw(image)
    x = 10
    top, bottom = draw.textbbox((0, 15), "2", font=font)[1::2]
    for index, word in enumerate(words):
        draw.text((x, 15), word, font=font, fill=0)
        x = draw.textbbox((x, 15), word, font=font)[2] + SIZE  # a blank a character wide
        mark = marks[index] if index < len(marks) else ""
        y = {"dot": (top + bottom) // 2, "low": bottom - 2, "speck": top - 8}.get(mark)
        if y is not None and index < len(words) - 1:
            draw.rectangle((x - SIZE // 2 - 1, y - 1, x - SIZE // 2 + 1, y + 1), fill=0)
    return np.asarray(image)


def test_a_dot_at_mid_height_in_a_gap_is_counted():
    assert dashes_in_gaps(_place(["INV", "2026", "53783"], ["dot", "dot"])) == 2
    assert dashes_in_gaps(_place(["INV", "2026", "53783"], ["dot", ""])) == 1


def test_marks_elsewhere_are_no_dash():
    assert dashes_in_gaps(_place(["INV", "2026", "53783"], ["low", "speck"])) == 0  # a period's place, a speck
    assert dashes_in_gaps(_place(["ABC", "123"], [""])) == 0


def _slot(place: np.ndarray) -> Slot:
    return Slot(Image.fromarray(place), [("pt_account", 0.0, float(place.shape[1]))], {}, places={"pt_account": place})


def test_a_number_with_a_dash_dot_in_every_gap_is_read_with_dashes_for_staff():
    slot = _slot(_place(["INV", "2026", "53783"], ["dot", "dot"]))
    readings = with_lost_dashes([slot], {"pt_account": Reading("INV 2026 53783", 0.98)})
    assert readings["pt_account"].text == "INV-2026-53783"
    assert readings["pt_account"].repaired == LOST_DASH_NOTE


def test_a_number_with_a_gap_the_box_shows_no_mark_in_stays_as_read():
    slot = _slot(_place(["INV", "2026", "53783"], ["dot", ""]))  # one gap may be the provider's space
    readings = with_lost_dashes([slot], {"pt_account": Reading("INV 2026 53783", 0.98)})
    assert readings["pt_account"].text == "INV 2026 53783" and readings["pt_account"].repaired is None


def test_a_reading_with_marks_in_it_is_no_number_to_mend():
    slot = _slot(_place(["INV", "2026", "53783"], ["dot", "dot"]))
    readings = with_lost_dashes([slot], {"pt_account": Reading("try “Tg. 18%", 0.3)})  # junk from a page too faint
    assert readings["pt_account"].text == "try “Tg. 18%"
