"""Draw a LetterContent as a PDF (reportlab platypus): letterhead, addresses, reasons, sections, citations."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import HRFlowable, ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table

from ..normalize import clip
from .compose import LetterContent

_styles = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_styles["BodyText"], fontSize=10, leading=13)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.HexColor("#444444"))
HEAD = ParagraphStyle("head", parent=BODY, fontName="Helvetica-Bold", fontSize=13, leading=16)
LETTERHEAD = ParagraphStyle("letterhead", parent=BODY, fontSize=9, leading=11, alignment=TA_RIGHT)
TITLE = ParagraphStyle("title", parent=_styles["Heading1"], fontSize=15, leading=19, spaceBefore=6, spaceAfter=6)
SECTION = ParagraphStyle("section", parent=_styles["Heading3"], fontSize=11, leading=14, spaceBefore=8, spaceAfter=3)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)


def render_pdf(letter: LetterContent) -> bytes:
    """The letter as PDF bytes (text is real text: a PDF reader or pdfplumber reads it back)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.9 * inch,
        rightMargin=0.9 * inch,
        topMargin=0.7 * inch,
        bottomMargin=0.8 * inch,
        title=f"{letter.title} - claim {letter.claim_id}",
        author=letter.letterhead[0] if letter.letterhead else letter.plan_id,
        subject=letter.kind.value,
    )
    document.build(_story(letter), onFirstPage=_footer(letter), onLaterPages=_footer(letter))
    return buffer.getvalue()


MAX_PARAGRAPH_CHARS = 2000  # a reason or a section line; far above any real one, far below a page
MAX_CELL_CHARS = 200  # a name, an address line, a member or invoice in the reference table


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of provider-given or derived text, cut to what fits a page (a 20,000-character name
    would make a table cell taller than the page and stop the letter)."""
    return Paragraph(escape(clip(text, MAX_PARAGRAPH_CHARS)), style)


def _c(text: str) -> Paragraph:
    """A table cell: a row taller than the page cannot be laid out at all."""
    return Paragraph(escape(clip(text, MAX_CELL_CHARS)), CELL)


def _story(letter: LetterContent) -> list:
    story: list = []
    head, *rest = letter.letterhead or [letter.plan_id]
    story.append(
        Table(
            [[_p(head, HEAD), Paragraph("<br/>".join(escape(line) for line in rest), LETTERHEAD)]],
            colWidths=[3.7 * inch, 3.0 * inch],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        )
    )
    story.append(HRFlowable(width="100%", thickness=1, color=colors.HexColor("#1f4e79"), spaceBefore=4, spaceAfter=10))
    story.append(_p(f"Date: {letter.issued.strftime('%B %d, %Y')}"))
    story.append(Spacer(1, 8))
    story.append(Paragraph("<br/>".join(escape(clip(line, MAX_CELL_CHARS)) for line in letter.provider), BODY))
    story.append(Spacer(1, 10))
    reference = [
        ["Claim number", letter.claim_id],
        ["Invoice number", letter.invoice_number or "not given"],
        ["Member", letter.member],
        ["Dates of service", letter.service_dates],
    ]
    if letter.due is not None:
        reference.append(["Respond by", _due(letter)])
    story.append(
        Table(
            [[_c(k), _c(v)] for k, v in reference],
            colWidths=[1.4 * inch, 5.3 * inch],
            style=[
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3f8")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0bec5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ],
        )
    )
    story.append(_p(letter.title, TITLE))
    story.extend(_p(paragraph) for paragraph in letter.intro)
    if letter.items:
        heading = {"rejection": "Reasons the claim was rejected", "rfi": "Information we need"}.get(
            letter.kind.value, "Items"
        )
        story.append(_p(heading, SECTION))
        story.append(
            ListFlowable(
                [
                    ListItem([_p(f"{item.where}: {item.text}"), _p(f"Rule: {item.cite}", SMALL)], leftIndent=14)
                    for item in letter.items
                ],
                bulletType="1",
                start="1",
                bulletFormat="%s.",
                leftIndent=16,
                bulletFontSize=10,
            )
        )
    if letter.denied_lines:
        story.append(_p("Denied services", SECTION))
        rows = [[_c(h) for h in ("Line", "Dates of service", "Service", "Billed", "Allowed", "Reason", "Rationale")]]
        for line in letter.denied_lines:
            rows.append(
                [
                    _c(str(line.line_number)),
                    _c(line.service_dates),
                    _c(line.service),
                    _c(f"${line.billed:,.2f}"),
                    _c(f"${line.allowed:,.2f}"),
                    _c(line.reason_codes),
                    Paragraph("<br/>".join(escape(clip(r, MAX_CELL_CHARS)) for r in line.rationale), CELL),
                ]
            )
        story.append(
            Table(
                rows,
                repeatRows=1,
                colWidths=[0.4 * inch, 0.95 * inch, 0.85 * inch, 0.7 * inch, 0.7 * inch, 0.7 * inch, 2.4 * inch],
                style=[
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0bec5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ],
            )
        )
    for heading, paragraphs in letter.sections:
        story.append(_p(heading, SECTION))
        if len(paragraphs) > 1:
            story.append(
                ListFlowable(
                    [ListItem(_p(text), leftIndent=14) for text in paragraphs],
                    bulletType="bullet",
                    start="-",
                    leftIndent=14,
                )
            )
        else:
            story.extend(_p(text) for text in paragraphs)
    if letter.cites:
        story.append(Spacer(1, 10))
        story.append(_p("Sources: " + "; ".join(letter.cites), SMALL))
    return story


def _due(letter: LetterContent) -> str:
    due = letter.due
    if due is None:
        return ""
    return (
        due.strftime("%B %d, %Y")
        if (due.hour, due.minute, due.second) == (23, 59, 59)
        else due.strftime("%B %d, %Y at %H:%M UTC")
    )


def _footer(letter: LetterContent):
    def draw(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(
            document.leftMargin, 0.5 * inch, f"{letter.title} | claim {letter.claim_id} | page {document.page}"
        )
        canvas.restoreState()

    return draw
