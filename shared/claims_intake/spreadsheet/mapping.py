"""Mappings someone confirmed: staff in the mapping review (kept per provider and layout), or a --mapping file.

A mapping says, for some columns, which element they hold (or that they hold none). It is given

- by layout signature (ColumnMap.signature) and column letter: what the layout memory stores after staff
  confirm a proposed mapping, so it applies only to the same layout;
- by header text: what a person writes in a --mapping file, for any sheet with that header.

    {"columns": {"Client Last": "member_last_name", "Mod B": "procedure_modifiers:2", "Notes": null},
     "layouts": {"3f2a...": {"C": "member_cin"}}}

An element with ':N' is the N-th of several columns (modifiers, diagnoses); null means 'not an invoice element'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..column_specs import Spec, parse_spec, spec_text
from .cells import cell_text, column_letter
from .header_words import normalize_header

__all__ = ["ConfirmedMapping", "Spec", "parse_spec", "spec_text"]


@dataclass
class ConfirmedMapping:
    by_header: dict[str, Spec] = field(default_factory=dict)  # normalized header text -> spec
    by_layout: dict[str, dict[str, Spec]] = field(default_factory=dict)  # signature -> column letter -> spec

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConfirmedMapping:
        if not isinstance(data, dict) or not set(data) <= {"columns", "layouts"}:
            raise ValueError(
                "a mapping has 'columns' (header text -> element) and/or 'layouts' "
                "(signature -> column letter -> element)"
            )
        by_header = {normalize_header(h): parse_spec(v) for h, v in (data.get("columns") or {}).items()}
        by_layout = {
            str(sig): {str(letter).upper(): parse_spec(v) for letter, v in columns.items()}
            for sig, columns in (data.get("layouts") or {}).items()
        }
        return cls(by_header, by_layout)

    @classmethod
    def load(cls, path: str | Path) -> ConfirmedMapping:
        text = Path(path).read_text("utf-8")
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
        return cls.from_dict(data or {})

    def for_header(self, header: list[Any], signature: str) -> dict[int, Spec]:
        """Column index -> spec for a sheet with this header row."""
        fixed: dict[int, Spec] = {}
        for index, cell in enumerate(header):
            normalized = normalize_header(cell_text(cell))
            if normalized and normalized in self.by_header:
                fixed[index] = self.by_header[normalized]
        layout = self.by_layout.get(signature, {})
        width = max(len(header), *(_letter_index(letter) + 1 for letter in layout)) if layout else 0
        for index in range(width):
            if column_letter(index) in layout:
                fixed[index] = layout[column_letter(index)]
        return fixed

    def knows(self, signature: str) -> bool:
        return signature in self.by_layout

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": {h: spec_text(s) for h, s in self.by_header.items()},
            "layouts": {
                sig: {letter: spec_text(s) for letter, s in cols.items()} for sig, cols in self.by_layout.items()
            },
        }


def _letter_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1
