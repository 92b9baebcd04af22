"""Letters to providers (seed 000 Unclean Claims): rejection letter, Request for Information, denial notice.

    from claims_intake.letters import rejection_letter, render_pdf
    pdf_bytes = render_pdf(rejection_letter(check_result, claim_id, date.today()))

`compose` decides what a letter says (plan wording in data/letters.yaml, letterhead in data/plans.yaml);
`pdf` draws it with reportlab. Letters carry member names (they go to the provider); they are stored
encrypted in S3 and never logged.
"""

from .compose import (  # noqa: F401
    DeniedLine,
    LetterContent,
    LetterItem,
    LetterKind,
    RejectionCause,
    denial_notice,
    letters_data,
    rejection_letter,
    rfi_letter,
)
from .pdf import render_pdf  # noqa: F401
