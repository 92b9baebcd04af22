"""Validate an X12 file with pyx12 (a development dependency): its X222A1 map, errors as JSON.

pyx12's `x12valid` command exits 1 even on success, so the Python API is used:
`pyx12.x12n_document.x12n_document` with a JSON error stream, whose errors are collected here from every
level (interchange, group, transaction, segment, element).
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class X12Validation:
    valid: bool
    errors: list[dict[str, Any]]
    report: dict[str, Any]


def validate_x12(text: str) -> X12Validation:
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)  # its progress notes are not results
    params = pyx12.params.params()
    out = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(
        params, io.StringIO(text), fd_997=None, fd_html=None, fd_xmldoc=None, fd_json=out
    )
    report = json.loads(out.getvalue() or "{}")
    errors = list(_errors(report))
    return X12Validation(bool(valid) and not errors, errors, report)


def _errors(node: Any, where: str = "") -> Any:
    if isinstance(node, dict):
        for error in node.get("errors", []) or []:
            yield {"where": where or "interchange", **error}
        label = node.get("seg_id") or node.get("trn_set_control_num") or node.get("gs_control_num") or ""
        here = f"{where}/{label}" if label else where
        for key, value in node.items():
            if key != "errors" and isinstance(value, (list, dict)):
                yield from _errors(value, here)
    elif isinstance(node, list):
        for item in node:
            yield from _errors(item, where)
