"""The box geometry in data/cms1500_boxes.json is what build_template.py derives from the PDF."""

from claims_intake.cms1500 import build_template
from claims_intake.cms1500.template import FORM_PDF_PATH, template_data, text_boxes


def test_boxes_json_is_current():
    assert build_template.build() == template_data()


def test_the_form_ships_with_the_package_and_boxes_are_where_the_form_says():
    assert FORM_PDF_PATH.stat().st_size > 1_000_000
    boxes = text_boxes()
    assert boxes["insurance_id"].rect[0] > 300  # 1a is on the right half
    assert boxes["pin"].rect[1] > 700  # 33a is at the bottom
    for n in range(1, 7):  # 24F dollars/cents rule sits inside the charge box
        box = boxes[f"ch{n}"]
        assert box.rect[0] < box.cents_rule_x < box.rect[2]


def test_the_mapping_reads_only_fields_of_the_element_table():
    """The OCR reads the boxes data/cms1500_elements.yaml names; the mapping must ask for no other."""
    from claims_intake.cms1500.mapping import LOCATION_ZIP, FormPage, Reading, page_claim
    from claims_intake.cms1500.template import read_fields
    from claims_intake_dev.testdata import scans

    asked = set()

    class Recording(FormPage):
        def text(self, name):
            asked.add(name)
            return super().text(name)

    fields = scans.sample_claim(seed=3, lines=6).pages[0]
    page_claim("f.pdf", Recording(1, {name: Reading(value) for name, value in fields.items()}))
    buttons = {"ssn"}  # box 25's SSN/EIN mark: a check box, not OCR'd
    read_again = {LOCATION_ZIP}  # box 33's ZIP as the fax digit reader reads it again from the box's own line
    assert LOCATION_ZIP.split(" ")[0] in read_fields()
    assert asked - buttons - read_again <= read_fields(), sorted(asked - buttons - read_again - read_fields())
