"""CMS-1500 scans and fillable PDFs -> DHCS claims: `scan.read_scan` is what extract.py calls for pdf, tiff,
png and jpeg uploads; pages.py opens and rasterizes, normalise.py makes the page 8-bit with square pixels,
profile_fit.py and register.py register a page to the form, recognize.py drops the form ink and runs
Tesseract box by box.

The reader's names are loaded on first use: the staff page's crops import `ocr.profile_fit` (numpy only)
in a function that ships without OpenCV, which the reader (register.py) requires."""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scan import PreparedPage, form_verdict, ocr_settings, prepare_page, read_prepared, read_scan

__all__ = ["PreparedPage", "form_verdict", "ocr_settings", "prepare_page", "read_prepared", "read_scan"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module(".scan", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
