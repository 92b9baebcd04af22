"""Pages that are NOT a CMS-1500 but reach the scan reader: the form's own back page, a ruled invoice,
a letter, a text PDF; each also as a mailroom fax (the same degradations as `mailroom._bilevel`).
The reader must refuse them (`not_cms1500`) however generous its verdict for faxed forms is.

    from claims_intake_dev.testdata import nonforms
    data, filename = nonforms.make("invoice", seed=5000, fax=True)
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

KINDS = ("back_page", "invoice", "letter", "text_pdf")
WORDS = [
    "service",
    "member",
    "month",
    "outreach",
    "care",
    "plan",
    "visit",
    "housing",
    "support",
    "navigation",
    "community",
    "total",
    "amount",
    "date",
    "provider",
    "county",
    "enhanced",
    "management",
    "transition",
    "meal",
    "medically",
    "tailored",
    "respite",
    "days",
    "units",
]


def make(kind: str, seed: int, fax: bool = False) -> tuple[bytes, str]:
    """One non-form upload: (file bytes, file name). `fax`: sent through a fax machine (TIFF)."""
    rng = random.Random(seed * 31 + KINDS.index(kind))
    if kind == "text_pdf" and not fax:
        return _text_pdf(rng), f"{kind}-{seed}.pdf"
    page = {"back_page": _back_page, "invoice": _invoice, "letter": _letter, "text_pdf": _letter}[kind](rng)
    if not fax:
        buffer = io.BytesIO()
        page.save(buffer, "PNG", dpi=(300, 300))
        return buffer.getvalue(), f"{kind}-{seed}.png"
    from .mailroom import _bilevel, _encode

    dpi = rng.choice([(204, 98), (204, 196), (200, 200)])
    image = _bilevel(page, rng, np.random.default_rng(seed), *dpi)
    return _encode(image, "tiff", dpi, compression=rng.choice(["group3", "group4"])), f"{kind}-{seed}.tif"


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def _back_page(rng: random.Random) -> Image.Image:
    import pypdfium2 as pdfium

    from claims_intake.cms1500.template import form_pdf_bytes

    document = pdfium.PdfDocument(form_pdf_bytes())
    try:
        return document[1].render(scale=300 / 72).to_pil().convert("RGB")
    finally:
        document.close()


def _invoice(rng: random.Random) -> Image.Image:
    """A provider's ruled invoice at 300 dpi: a heading, an address block, a table of lines, a total."""
    page = Image.new("RGB", (2550, 3300), "white")
    draw = ImageDraw.Draw(page)
    draw.text((150, 150), "INVOICE", fill="black", font=_font(90))
    for row in range(5):
        draw.text((150, 320 + row * 55), _sentence(rng, 4), fill="black", font=_font(40))
    top, rows, row_height = rng.randint(750, 950), rng.randint(10, 22), rng.randint(80, 110)
    columns = sorted(rng.sample(range(400, 2200), rng.randint(3, 5)))
    left, right = 150, 2400
    for row in range(rows + 1):
        y = top + row * row_height
        draw.line((left, y, right, y), fill="black", width=rng.choice([2, 3, 5]))
    for x in (left, *columns, right):
        draw.line((x, top, x, top + rows * row_height), fill="black", width=3)
    for row in range(rows):
        y = top + row * row_height + 20
        draw.text(
            (left + 15, y), f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2026", fill="black", font=_font(38)
        )
        draw.text((columns[0] + 15, y), _sentence(rng, 3), fill="black", font=_font(38))
        draw.text((columns[-1] + 15, y), f"{rng.randint(20, 900)}.00", fill="black", font=_font(38))
    total_y = top + rows * row_height + 60
    draw.text((columns[-1] - 200, total_y), f"TOTAL  {rng.randint(500, 9000)}.00", fill="black", font=_font(50))
    return page


def _letter(rng: random.Random) -> Image.Image:
    """A typed letter at 300 dpi: letterhead, date, paragraphs of text."""
    page = Image.new("RGB", (2550, 3300), "white")
    draw = ImageDraw.Draw(page)
    draw.text((200, 180), "Community Care Partners", fill="black", font=_font(70))
    draw.line((200, 290, 2350, 290), fill="black", width=4)
    y = 400
    for _paragraph in range(rng.randint(4, 7)):
        for _line in range(rng.randint(3, 6)):
            draw.text((200, y), _sentence(rng, rng.randint(9, 13)), fill="black", font=_font(44))
            y += 62
        y += 60
    return page


def _text_pdf(rng: random.Random) -> bytes:
    """A text PDF (no image): a letter typeset by reportlab."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(612, 792))
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(54, 740, "Community Care Partners")
    pdf.setFont("Helvetica", 11)
    y = 700
    for _line in range(rng.randint(25, 40)):
        pdf.drawString(54, y, _sentence(rng, rng.randint(9, 13)))
        y -= 16
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
