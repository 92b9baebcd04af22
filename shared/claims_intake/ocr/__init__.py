"""CMS-1500 scans and fillable PDFs -> DHCS claims: `scan.read_scan` is what extract.py calls for pdf, tiff,
png and jpeg uploads; pages.py opens and rasterizes, register.py registers a page to the form, recognize.py
drops the form ink and runs Tesseract box by box."""

from .scan import PreparedPage, ocr_settings, prepare_page, read_prepared, read_scan

__all__ = ["PreparedPage", "ocr_settings", "prepare_page", "read_prepared", "read_scan"]
