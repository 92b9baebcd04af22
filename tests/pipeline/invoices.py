"""Invoice uploads for the pipeline tests: claims against the sample reference data (docs/reference-data.md)."""

from claims_intake_dev.testdata.invoices import invoice_bytes
from tests.check.builders import claim, line

PROVIDER = "1456700016"


def three_claim_invoice(suffix: str = "") -> bytes:
    """CLEAN (Maria Lopez, authorized), DENIED (Daniel Reyes, TAR expired), RFI (Angela Brooks, a TAR number that matches nothing)."""
    return invoice_bytes(
        [
            claim(
                line("G9008", "U1", cost="400.00"),
                line("H0043", "U6", cost="386.00"),
                invoice=f"SCCN-2026-1105{suffix}",
            ),
            claim(
                line("T2033", "U6", start="2026-10-01", end="2026-10-10", units="10", cost="204.00"),
                member="90000006F",
                invoice=f"SCCN-2026-1106{suffix}",
                tar="TAR-PHC-1004",
            ),
            claim(
                line("H0044", "U2", start="2026-10-15", units="1", cost="3500.00"),
                member="90000005E",
                invoice=f"SCCN-2026-1107{suffix}",
                tar="TAR-PHC-9999",
            ),
        ],
        "dhcs_template",
        "csv",
    )


EXPECTED = {"SCCN-2026-1105": "CLEAN", "SCCN-2026-1106": "DENIED", "SCCN-2026-1107": "RFI"}

# PHI of the members above (tests.check.builders): none of it may ever reach a log line.
PHI = [
    "Maria",
    "Lopez",
    "90000001A",
    "1968-04-12",
    "04/12/1968",
    "Daniel",
    "Reyes",
    "90000006F",
    "1979-03-08",
    "03/08/1979",
    "Angela",
    "Brooks",
    "90000005E",
    "1985-11-17",
    "11/17/1985",
    "200 Oak Avenue",
    "Vallejo",
    "94590",
]
