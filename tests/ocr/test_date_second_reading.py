"""A 24A date cell whose first reading is not two digits is read once more (its line enlarged, read
as raw text); the cell takes the second reading only when that one is two digits, at a confidence
that sends it to staff. Cells that read, and other boxes, are never read again."""

from PIL import Image

from claims_intake.ocr import recognize
from claims_intake.ocr.recognize import AGAIN_CONFIDENCE, Slot, read_date_cells_again


def _line_slot() -> Slot:
    members = [("sv1_mm_from", 0.0, 40.0), ("sv1_dd_from", 40.0, 80.0), ("sv1_yy_from", 80.0, 120.0)]
    return Slot(Image.new("L", (120, 30), 255), members, {})


def _fake_tesseract(words: list[tuple[str, float, float]], seen: list):
    """Tesseract's output for one frame: (text, x centre in the slot's pixels, confidence)."""

    def run(frames, config):
        seen.append((len(frames), config))
        scale, margin = recognize.AGAIN_SCALE, recognize.FRAME_MARGIN[0]
        return {
            "page_num": [1] * len(words),
            "text": [w[0] for w in words],
            "conf": [w[2] for w in words],
            "left": [int(w[1] * scale + margin - 10) for w in words],
            "width": [20] * len(words),
        }

    return run


def test_an_unread_date_cell_takes_a_second_reading_that_parses(monkeypatch):
    seen: list = []
    monkeypatch.setattr(
        recognize, "_tesseract", _fake_tesseract([("06", 20, 96), ("07", 60, 95), ("26", 100, 91)], seen)
    )
    words = {(0, "sv1_mm_from"): [(20.0, "(6", 0.6)], (0, "sv1_dd_from"): [(60.0, "07", 0.97)]}
    read_date_cells_again([(0, _line_slot())], words)
    assert words[(0, "sv1_mm_from")][0][1] == "06"
    assert words[(0, "sv1_mm_from")][0][2] <= AGAIN_CONFIDENCE
    assert words[(0, "sv1_yy_from")][0][1] == "26"  # a cell with ink and no word at all is read again too
    assert words[(0, "sv1_dd_from")] == [(60.0, "07", 0.97)]  # read the first time: kept
    assert seen == [(1, recognize.AGAIN_CONFIG)]


def test_a_second_reading_that_does_not_parse_leaves_the_first(monkeypatch):
    seen: list = []
    monkeypatch.setattr(recognize, "_tesseract", _fake_tesseract([("6", 20, 90)], seen))
    words = {
        (0, "sv1_mm_from"): [(20.0, "(6", 0.6)],
        (0, "sv1_dd_from"): [(60.0, "07", 0.97)],
        (0, "sv1_yy_from"): [(100.0, "26", 0.97)],
    }
    read_date_cells_again([(0, _line_slot())], words)
    assert words[(0, "sv1_mm_from")] == [(20.0, "(6", 0.6)]


def test_nothing_is_read_again_when_every_date_cell_read(monkeypatch):
    seen: list = []
    monkeypatch.setattr(recognize, "_tesseract", _fake_tesseract([], seen))
    words = {(0, f"sv1_{part}_from"): [(0.0, "06", 0.9)] for part in ("mm", "dd", "yy")}
    read_date_cells_again([(0, _line_slot())], words)
    box = Slot(Image.new("L", (50, 30), 255), [("pt_name", float("-inf"), float("inf"))], {})
    read_date_cells_again([(0, box)], {})
    assert seen == []


def test_a_run_of_cells_read_as_one_word_is_split_into_two_digit_cells():
    assert [text for _, text in recognize._split_digit_pairs(60.0, "060726", 120.0)] == ["06", "07", "26"]
    assert recognize._split_digit_pairs(10.0, "061", 30.0) == [(10.0, "061")]


def test_a_date_taken_from_a_second_reading_goes_to_staff():
    from claims_intake.cms1500.mapping import FormPage, Reading, claims_from_pages

    readings = {"cpt1": Reading("G9008", 0.97), "ch1": Reading("100 00", 0.97), "day1": Reading("1", 0.97)}
    cells = {"sv1_mm_from": "06", "sv1_dd_from": "07", "sv1_yy_from": "26"}
    readings |= {name: Reading(text, 0.97) for name, text in cells.items()}
    readings |= {"sv1_mm_end": Reading("06", 0.97), "sv1_dd_end": Reading("07", 0.5, read_again=True)}
    readings |= {"sv1_yy_end": Reading("26", 0.97)}
    claims, _ = claims_from_pages(
        "f.tif", [FormPage(1, readings)], source_kind="scan", claim_id_prefix="t", review_confidence=0.8
    )
    line = claims[0].lines[0]
    assert str(line.service_end_date) == "2026-06-07"
    assert "read a second time" in line.provenance["service_end_date"].repaired
    assert line.provenance["service_start_date"].repaired  # agrees with it only by the second reading's choice
