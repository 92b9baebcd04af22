"""The error a reader raises when a whole file cannot be read, in a module of its own: the readers
(spreadsheet, ocr) raise it and extract.py dispatches to them, so neither imports the other for it."""

from __future__ import annotations


class IntakeError(Exception):
    """The whole file cannot be read. `code` is stable (for metrics and tests), `message` is for the provider."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_output(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
