"""Checks made on a scan before any of its pixels are decoded: page size, shape, pixel count, PDF actions.

OCR scales every page to a fixed resolution from the page's size (a PDF page box in points; an image
taken as a letter page across its short side). A page the size of a billboard, or an image shaped
like a 20000 x 20 strip, is therefore blown up to billions of pixels however small its file is. Pages
are held to what a paper form can be: a short side of at least `min_page_inches`, a long side of at
most `max_page_inches`, long/short no more than `max_page_aspect`, and no more than `max_image_pixels`
pixels; all read from headers (Pillow's `open` reads no pixels; PDFium gives a page's size from the
page tree without loading it).

A PDF may carry actions a viewer runs: JavaScript (document, page or link level, or at the end of a
`/Next` chain), a launch of another program, an import or submit of form data. Intake never runs them
(PDFium renders without a JavaScript engine), but a file built to run code when the next person opens
it is refused, not filed. Scripts attached to form fields (formatting a date as it is typed, a
"clear form" button) are how fillable forms work, the CMS's own CMS-1500 PDF among them: they are
allowed, while a launch, import or submit hung on a field is refused like anywhere else.

A PDF with only an owner password (permissions, no password to open) is read: any viewer opens it, and
so does intake.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PIL import Image

from .errors import IntakeError
from .limits import Limits

POINTS_PER_INCH = 72
LETTER_WIDTH_IN = 8.5
RUNNING_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE", "/RichMediaExecute"})
FIELD_ACTIONS_REFUSED = RUNNING_ACTIONS - {"/JavaScript"}  # a form field's own scripts are the form's
_MAX_ACTIONS_VISITED = 5000  # a /Next chain or annotation list longer than this is itself refused


# ---- images ----------------------------------------------------------------------------------


def check_image_frame(image: Image.Image, filename: str, limits: Limits) -> None:
    """An opened (not decoded) image or TIFF frame: its pixel count and shape, from the header only."""
    width, height = image.size
    if width < 1 or height < 1 or width * height > limits.max_image_pixels:
        raise IntakeError(
            "image_too_large",
            f"{filename}: a {width} x {height} image is over the "
            f"{limits.max_image_pixels:,}-pixel limit. Scan at 300 dpi.",
        )
    if max(width, height) > limits.max_page_aspect * min(width, height):
        raise _not_a_page(filename, f"a {width} x {height} pixel image", limits)


# ---- PDF pages -------------------------------------------------------------------------------


def check_pdf_page_sizes(document: Any, filename: str, limits: Limits) -> None:
    """Every page box of a pypdfium2 document, before any page is loaded or rendered."""
    for index in range(len(document)):
        width_pt, height_pt = document.get_page_size(index)
        check_page_inches(width_pt / POINTS_PER_INCH, height_pt / POINTS_PER_INCH, index + 1, filename, limits)


def check_page_inches(width_in: float, height_in: float, number: int, filename: str, limits: Limits) -> None:
    short, long = sorted((abs(width_in), abs(height_in)))
    what = f"page {number} ({width_in:.1f} x {height_in:.1f} in)"
    if short < limits.min_page_inches or long > limits.max_page_inches or long > limits.max_page_aspect * short:
        raise _not_a_page(filename, what, limits)


def _not_a_page(filename: str, what: str, limits: Limits) -> IntakeError:
    return IntakeError(
        "page_size",
        f"{filename}: {what} is not the shape of a paper form (between {limits.min_page_inches:g} and "
        f"{limits.max_page_inches:g} inches a side, at most {limits.max_page_aspect:g} times longer than wide). "
        "Scan the CMS-1500 as a letter-size page at 300 dpi.",
    )


# ---- PDF structure ---------------------------------------------------------------------------


def unlock_pdf(reader: Any, filename: str) -> None:
    """An encrypted pypdf reader opened with the empty user password (owner-password-only PDFs), or refused."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except Exception:  # an unknown or broken security handler: treat as locked
        opened = 0
    if not opened:
        raise IntakeError(
            "pdf_encrypted", f"{filename}: the PDF is encrypted or password-protected. Send it without a password."
        )


def check_pdf_actions(reader: Any, filename: str) -> None:
    """Refuse a PDF holding an action a viewer would run (JavaScript, launch, import/submit), wherever it hangs."""
    found = next(_running_actions(reader), None)
    if found is not None:
        raise IntakeError(
            "pdf_javascript" if found in ("/JavaScript", "/JS") else "pdf_action",
            f"{filename}: the PDF holds an action that runs when it is opened or clicked ({found.lstrip('/')}). "
            "Print it to a plain PDF or scan it, and send that.",
        )


def _running_actions(reader: Any) -> Iterator[str]:
    root = _resolve(reader.trailer.get("/Root"))
    if not isinstance(root, dict):
        return
    names = _resolve(root.get("/Names"))
    if isinstance(names, dict) and "/JavaScript" in names:
        yield "/JavaScript"
    visited: set[tuple[int, int]] = set()
    yield from _walk_action(root.get("/OpenAction"), visited)
    yield from _walk_trigger_dict(root.get("/AA"), visited)
    for page in reader.pages:
        yield from _walk_trigger_dict(page.get("/AA"), visited)
        for annotation in _resolve(page.get("/Annots")) or []:
            annotation = _resolve(annotation)
            if isinstance(annotation, dict):
                refused = FIELD_ACTIONS_REFUSED if annotation.get("/Subtype") == "/Widget" else RUNNING_ACTIONS
                yield from _walk_action(annotation.get("/A"), visited, refused)
                yield from _walk_trigger_dict(annotation.get("/AA"), visited, refused)
    form = _resolve(root.get("/AcroForm"))
    for field in (_resolve(form.get("/Fields")) or []) if isinstance(form, dict) else []:
        field = _resolve(field)
        if isinstance(field, dict):
            yield from _walk_trigger_dict(field.get("/AA"), visited, FIELD_ACTIONS_REFUSED)


def _walk_trigger_dict(
    triggers: Any, visited: set[tuple[int, int]], refused: frozenset[str] = RUNNING_ACTIONS
) -> Iterator[str]:
    """An additional-actions dictionary (/O, /C, /K, /F, /V, /E, /X ... -> action)."""
    triggers = _resolve(triggers)
    if isinstance(triggers, dict):
        for action in triggers.values():
            yield from _walk_action(action, visited, refused)


def _walk_action(
    action: Any, visited: set[tuple[int, int]], refused: frozenset[str] = RUNNING_ACTIONS
) -> Iterator[str]:
    """An action and every action its /Next chain leads to (a dict or an array of them), each once."""
    pending = [action]
    while pending:
        item = _resolve(pending.pop())
        if isinstance(item, list):
            pending.extend(item)
            continue
        seen = (id(item), len(refused))  # once per policy: a field's script may also be a link's
        if not isinstance(item, dict) or seen in visited:
            continue
        visited.add(seen)
        if len(visited) > _MAX_ACTIONS_VISITED:
            yield "/Next"  # a chain this long is built to exhaust a checker
            return
        kind = item.get("/S")
        if kind in refused:
            yield str(kind)
        elif "/JS" in item and "/JavaScript" in refused:
            yield "/JS"
        if "/Next" in item:
            pending.append(item["/Next"])


def _resolve(value: Any) -> Any:
    """An indirect object's target; pypdf's dictionaries and arrays are dict and list subclasses."""
    try:
        return value.get_object() if hasattr(value, "get_object") else value
    except Exception:  # a dangling reference in a damaged PDF: nothing there
        return None
