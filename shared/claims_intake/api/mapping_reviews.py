"""Mapping reviews: workbooks held because their layout is new and a column is doubtful or unplaced.

Staff list the held uploads, see each column (header, sample values, proposed element, why), confirm or
change the elements, and the upload is read again with that mapping, which the layout memory keeps for
the provider's next uploads with the same layout (store/layouts.py).
"""

from __future__ import annotations

from typing import Any

from ..store.layouts import LayoutMemory, ReviewClosed, ReviewNotFound
from .auth import Caller
from .service import BadRequest, Conflict, NotFound, Services


def _memory(services: Services) -> LayoutMemory:
    return LayoutMemory(services.store.tables, services.store.client)


def _summary(review: dict[str, Any]) -> dict[str, Any]:
    return {
        "ref": review["ref"],
        "provider": review.get("provider"),
        "filename": review.get("filename"),
        "held_at": review.get("held_at"),
        "status": review.get("status"),
        "sheets": [sheet["sheet"] for sheet in review.get("sheets", [])],
    }


def list_reviews(services: Services, caller: Caller) -> list[dict[str, Any]]:
    caller.require_staff()
    return [_summary(review) for review in sorted(_memory(services).reviews(), key=lambda r: r.get("held_at", ""))]


def get_review(services: Services, caller: Caller, ref: str) -> dict[str, Any]:
    caller.require_staff()
    try:
        review = _memory(services).review(ref)
    except ReviewNotFound as missing:
        raise NotFound(str(missing)) from None
    return {**_summary(review), "sheets": review.get("sheets", [])}


def confirm_review(
    services: Services, caller: Caller, ref: str, sheets: dict[str, dict[str, str | None]]
) -> dict[str, Any]:
    """Remember the confirmed columns per layout signature, close the review and read the upload again."""
    caller.require_staff()
    memory = _memory(services)
    try:
        review = memory.confirm(ref, sheets, caller.user)
    except ReviewNotFound as missing:
        raise NotFound(str(missing)) from None
    except ReviewClosed as closed:
        raise Conflict(str(closed)) from None
    except ValueError as problem:
        raise BadRequest(str(problem)) from None
    reread = services.reread
    if reread is None:
        raise RuntimeError("INTAKE_FUNCTION is not set: the upload cannot be read again")
    reread(review["object"])
    return {**_summary(review), "reread": True}
