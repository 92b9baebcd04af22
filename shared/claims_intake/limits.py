"""Configured limits for one upload (data/limits.yaml), overridable by environment variables.

An environment variable `CLAIMS_INTAKE_<NAME>` (e.g. CLAIMS_INTAKE_MAX_PDF_PAGES=10) overrides a
limit, so a deployment tunes them in template.yaml without a code change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_pdf_pages: int
    max_tiff_pages: int
    max_image_pixels: int
    max_sheet_rows: int
    max_sheet_columns: int
    max_sheet_cells: int
    max_sheets: int
    max_unzipped_bytes: int
    max_zip_ratio: int
    max_seconds_per_file: int
    ocr_dpi: int
    min_page_inches: float
    max_page_inches: float
    max_page_aspect: float
    max_value_chars: int


@cache
def default_limits() -> Limits:
    data = yaml.safe_load(resources.files("claims_intake").joinpath("data/limits.yaml").read_text("utf-8"))
    for field in fields(Limits):
        override = os.environ.get(f"CLAIMS_INTAKE_{field.name.upper()}")
        if override:
            data[field.name] = float(override) if field.type == "float" else int(override)
    return Limits(**{field.name: data[field.name] for field in fields(Limits)})
