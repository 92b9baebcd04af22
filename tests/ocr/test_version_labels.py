"""The form's version labels: the footer is read with the boxes; the label under the title only when
the footer gave too little to judge the version by."""

from PIL import Image

from claims_intake.cms1500.mapping import Reading
from claims_intake.ocr import scan
from claims_intake.ocr.recognize import Slot


def _slot(name: str) -> Slot:
    return Slot(Image.new("L", (40, 20), 255), [(name, float("-inf"), float("inf"))], {})


def _page(number: int) -> scan.PreparedPage:
    return scan.PreparedPage(number, [_slot("pt_name"), _slot("_version_top"), _slot("_version_footer")], [])


def _fake_reader(footers: dict[int, str], calls: list[list[list[str]]]):
    """read_pages that answers each slot with its field's text (pages numbered by their footer table)."""

    def read_pages(pages: list[list[Slot]], dates_again=None) -> list[dict[str, Reading]]:
        calls.append([[slot.members[0][0] for slot in slots] for slots in pages])
        out = []
        for slots in pages:
            readings = {}
            for slot in slots:
                name = slot.members[0][0]
                text = {"pt_name": "DOE, JANE", "_version_top": "APPROVED BY NUCC 08/05"}.get(name)
                readings[name] = Reading(footers[id(slots)] if name == "_version_footer" else text or "", 0.9)
            out.append(readings)
        return out

    return read_pages


def test_a_legible_footer_spares_the_label_under_the_title(monkeypatch):
    calls: list[list[list[str]]] = []
    pages = [_page(1)]
    footer = "APPROVED OMB-0938-1197 FORM 1500 (02-12)"

    def read_pages(slot_pages, dates_again=None, judge=None):
        return _fake_reader({id(slots): footer for slots in slot_pages}, calls)(slot_pages)

    monkeypatch.setattr(scan, "read_pages", read_pages)
    readings = scan.read_with_labels(pages)
    assert calls == [[["pt_name", "_version_footer"]]]
    assert "_version_top" not in readings[0]
    assert scan.old_form_version(readings[0]) is None


def test_a_blank_footer_reads_the_label_under_the_title(monkeypatch):
    calls: list[list[list[str]]] = []
    pages = [_page(1), _page(2)]
    footers = iter(["APPROVED OMB-0938-0999 FORM CMS-1500 (08-05)", ""])

    def read_pages(slot_pages, dates_again=None, judge=None):
        table = {id(slots): next(footers, "") for slots in slot_pages}
        return _fake_reader(table, calls)(slot_pages)

    monkeypatch.setattr(scan, "read_pages", read_pages)
    readings = scan.read_with_labels(pages)
    assert calls[1] == [["_version_top"]]  # only the second page, only its top label
    assert "_version_top" not in readings[0] and readings[1]["_version_top"].text == "APPROVED BY NUCC 08/05"
    assert scan.old_form_version(readings[0]) == "08/05"
    assert scan.old_form_version(readings[1]) == "08/05"
