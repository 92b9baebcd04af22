"""Read a filled fillable CMS-1500 PDF from its form fields: exact values, no OCR.

A PDF counts as a filled CMS-1500 when its AcroForm carries the form's field names and at least one
of the claim's fields has a value. Field actions (the form's own format scripts) are never run:
pypdf only reads the stored values.
"""

from __future__ import annotations

from pypdf import PdfReader

from .mapping import FormPage, Reading
from .template import text_boxes

# Fields that identify a CMS-1500 and carry claim data (at least one must be filled).
CLAIM_FIELDS = ("insurance_id", "pt_name", "cpt1", "pin", "tax_id", "t_charge", "diagnosis1", "sv1_mm_from")


def form_values(reader: PdfReader) -> dict[str, str] | None:
    """The text of every CMS-1500 field (buttons as their on-state), or None if the PDF is not the form."""
    try:
        fields = reader.get_fields() or {}
    except Exception:  # a damaged AcroForm is read as a scan instead
        return None
    known = text_boxes()
    if sum(name in fields for name in known) < len(known) // 2:
        return None
    values = {}
    for name, spec in fields.items():
        value = spec.get("/V")
        if value is None:
            continue
        text = str(value).lstrip("/") if str(value).startswith("/") else str(value)
        if text and text != "Off":
            values[name] = text
    return values


def filled_form_page(reader: PdfReader) -> FormPage | None:
    """The form's values as page 1 readings, or None when nothing the claim needs is filled."""
    values = form_values(reader)
    if not values or not any(values.get(name, "").strip() for name in CLAIM_FIELDS):
        return None
    return FormPage(page=1, readings={name: Reading(text, 1.0) for name, text in values.items()})
