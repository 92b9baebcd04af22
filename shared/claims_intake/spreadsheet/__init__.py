"""DHCS invoice spreadsheets (.xlsx, .xlsm, .xls, .csv) into DHCS claims: `reader.read_spreadsheet` is what
extract.py calls; `cells.safe_cell` must wrap provider text written into any CSV/XLSX the project produces."""

from ..gc_pause import gc_paused
from .cells import safe_cell
from .reader import read_spreadsheet

__all__ = ["gc_paused", "read_spreadsheet", "safe_cell"]
