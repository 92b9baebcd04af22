"""Regenerate `data/cms1500_boxes.json` from the fillable CMS-1500 (02/12) PDF.

    PYTHONPATH=shared python -m claims_intake.cms1500.build_template

Every field widget of page 1 becomes a box in template coordinates: PDF points with the origin at
the top-left corner of the page (x grows right, y grows down), which is how the scan pipeline
addresses the page after registration. Money fields (24F, 28, 29) are split at the printed
dollars/cents rule, found on the rendered blank form (the vertical red line inside the field).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pypdf import PdfReader

from .template import BOXES_PATH, FORM_PDF_PATH, MONEY_FIELDS, render_blank_form

RULE_DPI = 300


def widget_boxes(pdf_path: Path) -> dict[str, dict]:
    reader = PdfReader(pdf_path)
    page = reader.pages[0]
    height = float(page.mediabox.height)
    boxes: dict[str, dict] = {}
    for annotation in page.get("/Annots", []):
        widget = annotation.get_object()
        if widget.get("/Subtype") != "/Widget":
            continue
        parent = widget.get("/Parent")
        parent = parent.get_object() if parent is not None else {}
        name = str(widget.get("/T") or parent.get("/T"))
        field_type = widget.get("/FT") or parent.get("/FT")
        x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
        rect = [
            round(min(x0, x1), 2),
            round(height - max(y0, y1), 2),
            round(max(x0, x1), 2),
            round(height - min(y0, y1), 2),
        ]
        if field_type == "/Btn":
            states = [str(s).lstrip("/") for s in widget.get("/AP", {}).get("/N", {}) if str(s) != "/Off"]
            box = boxes.setdefault(name, {"type": "button", "options": {}})
            for state in states:
                box["options"][state] = rect
        else:
            max_length = widget.get("/MaxLen") or parent.get("/MaxLen")
            boxes[name] = {"type": "text", "rect": rect, **({"max_length": int(max_length)} if max_length else {})}
    return boxes


def dollars_cents_rule(ink: np.ndarray, rect: list[float], scale: float) -> float | None:
    """x (points) of the vertical rule that splits a money field, from the blank form's ink."""
    x0, top, x1, bottom = (round(v * scale) for v in rect)
    region = ink[top:bottom, x0:x1]
    coverage = region.mean(axis=0)
    inner = np.arange(region.shape[1])
    candidates = inner[(coverage > 0.5) & (inner > region.shape[1] * 0.4) & (inner < region.shape[1] * 0.95)]
    if not len(candidates):
        return None
    return round((x0 + float(candidates.mean())) / scale, 2)


def build() -> dict:
    boxes = widget_boxes(FORM_PDF_PATH)
    page = render_blank_form(RULE_DPI)
    rgb = np.asarray(page.convert("RGB")).astype(np.int16)
    ink = (255 - rgb.min(axis=2)) > 80
    scale = RULE_DPI / 72
    for name in boxes:
        if name in MONEY_FIELDS or any(name == f"ch{n}" for n in range(1, 7)):
            rule = dollars_cents_rule(ink, boxes[name]["rect"], scale)
            if rule is None:
                raise SystemExit(f"no dollars/cents rule found in {name}")
            boxes[name]["cents_rule_x"] = rule
    reader = PdfReader(FORM_PDF_PATH)
    media = reader.pages[0].mediabox
    return {
        "source": "cms1500-02-12-fillable.pdf page 1 widget rectangles (build_template.py)",
        "units": "PDF points, origin top-left",
        "page_size": [float(media.width), float(media.height)],
        "fields": dict(sorted(boxes.items())),
    }


def main() -> None:
    data = build()
    BOXES_PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(data['fields'])} fields to {BOXES_PATH}")


if __name__ == "__main__":
    main()
