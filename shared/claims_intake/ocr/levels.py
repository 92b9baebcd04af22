"""The grey level that makes a pixel ink on a cleaned page: one value for the box reader
(recognize.py) and the steps it calls (dot-matrix joining, lone strokes, the fax digit reader)."""

INK = 150  # grey level below which a pixel is ink in the cleaned page
